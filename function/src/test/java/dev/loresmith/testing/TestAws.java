package dev.loresmith.testing;

import com.amazonaws.services.dynamodbv2.local.main.ServerRunner;
import com.amazonaws.services.dynamodbv2.local.server.DynamoDBProxyServer;
import org.eclipse.jetty.server.Connector;
import org.eclipse.jetty.server.Server;
import org.eclipse.jetty.server.ServerConnector;
import software.amazon.awssdk.auth.credentials.AwsBasicCredentials;
import software.amazon.awssdk.auth.credentials.StaticCredentialsProvider;
import software.amazon.awssdk.core.interceptor.ExecutionInterceptor;
import software.amazon.awssdk.http.urlconnection.UrlConnectionHttpClient;
import software.amazon.awssdk.regions.Region;
import software.amazon.awssdk.services.dynamodb.DynamoDbClient;
import software.amazon.awssdk.services.dynamodb.streams.DynamoDbStreamsClient;

import java.io.File;
import java.io.IOException;
import java.io.OutputStream;
import java.io.PrintStream;
import java.io.UncheckedIOException;
import java.lang.reflect.Field;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.URI;
import java.net.URL;
import java.net.URLClassLoader;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.Arrays;
import java.util.LinkedHashSet;
import java.util.Set;
import java.util.UUID;
import java.util.logging.Level;
import java.util.logging.Logger;

/**
 * The one place the test suite gets its AWS endpoint from. By default an in-process DynamoDB Local listening
 * on the loopback interface only, started once per JVM; with {@code AWS_ENDPOINT_URL} (or
 * {@code AWS_ENDPOINT_URL_DYNAMODB}) set, that endpoint instead — LocalStack, moto_server, or any emulator;
 * with {@code -Plocalstack}, a LocalStack container (Testcontainers), skipped cleanly without Docker.
 */
public final class TestAws {

    public static final Region REGION = Region.US_EAST_1;
    /** The loopback address every local stand-in listens on. */
    public static final String LOOPBACK = InetAddress.getLoopbackAddress().getHostAddress();
    public static final StaticCredentialsProvider CREDENTIALS =
            StaticCredentialsProvider.create(AwsBasicCredentials.create("test", "test"));

    /** Held, so the level set on it sticks (JUL keeps loggers only weakly). */
    private static final Logger DYNAMODB_LOCAL_SDK_LOG = Logger.getLogger("com.amazonaws");
    private static URI dynamoEndpoint;
    private static DynamoDbClient dynamo;

    private TestAws() {
    }

    /** The emulator endpoint given in the environment, if any. */
    public static String externalEndpoint(String service) {
        String specific = System.getenv("AWS_ENDPOINT_URL_" + service);
        if (specific != null && !specific.isBlank()) {
            return specific;
        }
        String general = System.getenv("AWS_ENDPOINT_URL");
        if (general != null && !general.isBlank()) {
            return general;
        }
        return LocalStackSupport.requested() ? LocalStackSupport.endpoint() : null;
    }

    public static synchronized URI dynamoEndpoint() {
        if (dynamoEndpoint == null) {
            String external = externalEndpoint("DYNAMODB");
            dynamoEndpoint = external != null ? URI.create(external) : startDynamoDbLocal();
        }
        return dynamoEndpoint;
    }

    public static synchronized DynamoDbClient dynamo() {
        if (dynamo == null) {
            dynamo = DynamoDbClient.builder()
                    .endpointOverride(dynamoEndpoint())
                    .region(REGION)
                    .credentialsProvider(CREDENTIALS)
                    .httpClient(UrlConnectionHttpClient.create())
                    .build();
        }
        return dynamo;
    }

    /** A client of its own whose requests pass through {@code interceptors} (recorders, fault injectors). */
    public static DynamoDbClient dynamo(ExecutionInterceptor... interceptors) {
        return DynamoDbClient.builder()
                .endpointOverride(dynamoEndpoint())
                .region(REGION)
                .credentialsProvider(CREDENTIALS)
                .httpClient(UrlConnectionHttpClient.create())
                .overrideConfiguration(c -> Arrays.stream(interceptors).forEach(c::addExecutionInterceptor))
                .build();
    }

    /** A DynamoDB Streams client for the suite's endpoint. */
    public static DynamoDbStreamsClient streams() {
        return DynamoDbStreamsClient.builder()
                .endpointOverride(dynamoEndpoint())
                .region(REGION)
                .credentialsProvider(CREDENTIALS)
                .httpClient(UrlConnectionHttpClient.create())
                .build();
    }

    /** A content table and a circuit table, freshly created from template.yaml under names no other test uses. */
    public static Tables freshTables() {
        TemplateTables tables = new TemplateTables(Template.load());
        String suffix = UUID.randomUUID().toString().substring(0, 8);
        Tables names = new Tables("content-" + suffix, "circuit-" + suffix);
        tables.create(dynamo(), "ContentTable", names.content());
        tables.create(dynamo(), "CircuitTable", names.circuit());
        return names;
    }

    public record Tables(String content, String circuit) {
    }

    /**
     * Starts DynamoDB Local in this JVM, in memory, telemetry off, listening on the loopback interface only (its
     * command line has no host option: it would listen on every interface) at a port the OS picks as it binds.
     */
    public static URI startDynamoDbLocal() {
        try {
            System.setProperty("sqlite4java.library.path", nativeLibraryDirectory().toString());
            // DynamoDB Local prints its configuration to stdout and its embedded SDK v1 warns through JUL: keep
            // both out of the local runner's output (which may be a function's JSON answer).
            DYNAMODB_LOCAL_SDK_LOG.setLevel(Level.SEVERE);
            DynamoDBProxyServer server;
            ServerConnector connector;
            PrintStream stdout = System.out;
            synchronized (TestAws.class) {
                System.setOut(new PrintStream(OutputStream.nullOutputStream()));
                try {
                    // Any valid port for its command line: the connector is given port 0 (the OS picks) below.
                    server = ServerRunner.createServerFromCommandLineArgs(new String[] {"-inMemory", "-port", "8000", "-disableTelemetry"});
                    connector = loopbackOnly(server);
                    server.start();
                } finally {
                    System.setOut(stdout);
                }
            }
            Runtime.getRuntime().addShutdownHook(new Thread(() -> {
                try {
                    server.stop();
                } catch (Exception ignored) {
                    // the JVM is exiting anyway
                }
            }));
            return URI.create("http://" + LOOPBACK + ":" + connector.getLocalPort());
        } catch (Exception e) {
            throw new IllegalStateException("DynamoDB Local did not start", e);
        }
    }

    /**
     * Points DynamoDB Local's one connector at the loopback interface before it binds. The Jetty server it wraps is a
     * private field: read it once here, so a DynamoDB Local that changes it fails this start loudly, not silently.
     */
    private static ServerConnector loopbackOnly(DynamoDBProxyServer proxy) throws ReflectiveOperationException {
        Field field = DynamoDBProxyServer.class.getDeclaredField("server");
        field.setAccessible(true);
        Server jetty = (Server) field.get(proxy);
        Connector[] connectors = jetty.getConnectors();
        if (connectors.length != 1 || !(connectors[0] instanceof ServerConnector connector)) {
            throw new IllegalStateException("DynamoDB Local's server has " + connectors.length + " connectors; expected one ServerConnector");
        }
        connector.setHost(LOOPBACK);
        connector.setPort(0);
        return connector;
    }

    public static int freePort() {
        try (ServerSocket socket = new ServerSocket(0)) {
            return socket.getLocalPort();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /**
     * DynamoDB Local's SQLite natives arrive as separate Maven artifacts (raw .so/.dylib/.dll files on the
     * classpath). sqlite4java wants them in one directory: copy them into a temporary one.
     */
    private static Path nativeLibraryDirectory() throws IOException {
        Path dir = Files.createTempDirectory("sqlite4java");
        dir.toFile().deleteOnExit();
        Set<Path> entries = new LinkedHashSet<>();
        for (String entry : System.getProperty("java.class.path").split(File.pathSeparator, -1)) {
            entries.add(Path.of(entry));
        }
        // Under `mvn exec:java` the project's classpath is a class loader's, not java.class.path.
        for (ClassLoader loader = TestAws.class.getClassLoader(); loader != null; loader = loader.getParent()) {
            if (loader instanceof URLClassLoader urls) {
                for (URL url : urls.getURLs()) {
                    try {
                        entries.add(Path.of(url.toURI()));
                    } catch (Exception ignored) {
                        // not a file URL
                    }
                }
            }
        }
        for (Path path : entries) {
            String name = path.getFileName() == null ? "" : path.getFileName().toString();
            if (name.contains("sqlite4java") && (name.endsWith(".so") || name.endsWith(".dylib") || name.endsWith(".dll"))) {
                Path target = dir.resolve(name.replaceAll("-\\d+(\\.\\d+)*(?=\\.(so|dylib|dll)$)", ""));
                Files.copy(path, target, StandardCopyOption.REPLACE_EXISTING);
                target.toFile().deleteOnExit();
            }
        }
        return dir;
    }
}
