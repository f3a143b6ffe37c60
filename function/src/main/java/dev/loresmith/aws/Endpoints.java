package dev.loresmith.aws;

import software.amazon.awssdk.regions.PartitionMetadata;
import software.amazon.awssdk.regions.Region;

import java.net.URI;
import java.net.URISyntaxException;
import java.util.Locale;
import java.util.function.Function;
import java.util.regex.Pattern;

/**
 * Where an AWS service is reached by the calls we sign ourselves (EventBridge's PutEvents today, Bedrock Runtime
 * next), resolved in the order the AWS SDKs use for a client with no endpoint set in code:
 * <ol>
 *   <li>{@code AWS_ENDPOINT_URL_<SERVICE>} (the service's id, upper case, spaces as underscores:
 *       {@code EVENTBRIDGE}, {@code BEDROCK_RUNTIME});</li>
 *   <li>{@code AWS_ENDPOINT_URL};</li>
 *   <li>the regional endpoint {@code https://<prefix>.<region>.<dnsSuffix>}, the DNS suffix from the partition
 *       whose region pattern the region's name matches ({@link PartitionMetadata#of(Region)}: a region newer than
 *       this SDK still resolves, where {@code Region.metadata()} is null).</li>
 * </ol>
 * {@code AWS_IGNORE_CONFIGURED_ENDPOINT_URLS=true} skips the first two, as the SDKs' shared configuration defines it.
 * Only the environment is read (not system properties or the shared config file: a Lambda function has neither),
 * and no FIPS or dual-stack variants. A configured value that is not an http(s) URL with a host fails, naming the
 * variable and never quoting the value.
 */
public final class Endpoints {

    public static final String IGNORE_CONFIGURED = "AWS_IGNORE_CONFIGURED_ENDPOINT_URLS";
    public static final String ANY_SERVICE = "AWS_ENDPOINT_URL";
    private static final Pattern SERVICE = Pattern.compile("[A-Z0-9_]{1,64}");
    private static final Pattern PREFIX = Pattern.compile("[a-z0-9-]{1,64}");

    private Endpoints() {
    }

    /**
     * The endpoint of the service whose variable suffix is {@code service} ({@code "EVENTBRIDGE"}) and whose
     * regional host name starts with {@code prefix} ({@code "events"}), in {@code region}, reading variables from
     * {@code env} (null for an unset one).
     */
    public static URI resolve(String service, String prefix, Region region, Function<String, String> env) {
        if (!SERVICE.matcher(service).matches() || !PREFIX.matcher(prefix).matches()) {
            throw new IllegalArgumentException("service must match " + SERVICE + " and prefix " + PREFIX);
        }
        if (!"true".equals(trimmed(env.apply(IGNORE_CONFIGURED)).toLowerCase(Locale.ROOT))) {
            for (String name : new String[] {ANY_SERVICE + "_" + service, ANY_SERVICE}) {
                String value = trimmed(env.apply(name));
                if (!value.isEmpty()) {
                    return configured(name, value);
                }
            }
        }
        return URI.create("https://" + prefix + "." + region.id() + "." + PartitionMetadata.of(region).dnsSuffix());
    }

    private static URI configured(String name, String value) {
        try {
            URI uri = new URI(value);
            String scheme = uri.getScheme() == null ? "" : uri.getScheme().toLowerCase(Locale.ROOT);
            if ((scheme.equals("https") || scheme.equals("http")) && uri.getHost() != null) {
                return uri;
            }
        } catch (URISyntaxException e) {
            // reported below
        }
        throw new IllegalStateException("environment variable " + name + " is not an http(s) URL with a host");
    }

    private static String trimmed(String value) {
        return value == null ? "" : value.trim();
    }
}
