package dev.loresmith.local;

import java.io.File;
import java.io.PrintStream;
import java.lang.reflect.InvocationTargetException;
import java.net.URL;
import java.net.URLClassLoader;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * Starts the local runner the way {@code mvn exec:java} does: the project's classes and jars on an isolated class
 * loader (its parent the platform loader), set as the thread's context loader — while the JVM's system class
 * loader holds nothing but this class. Code that reaches for the system class loader breaks here exactly as it
 * does under Maven. Uses the JDK only, so it can be the only thing on the system class path.
 *
 * <pre>
 *   IsolatedLaunch CLASSPATH_FILE main ARG...                the runner's main, as a user runs it (it exits the JVM)
 *   IsolatedLaunch CLASSPATH_FILE run ARG... [-- ARG...]...  LocalRunner.run for each command, printing "@@exit N" after each
 * </pre>
 */
public final class IsolatedLaunch {

    private IsolatedLaunch() {
    }

    public static void main(String[] args) throws Exception {
        List<URL> urls = new ArrayList<>();
        for (String entry : Files.readString(Path.of(args[0])).trim().split(File.pathSeparator, -1)) {
            urls.add(Path.of(entry).toUri().toURL());
        }
        URLClassLoader project = new URLClassLoader(urls.toArray(URL[]::new), ClassLoader.getPlatformClassLoader());
        Thread.currentThread().setContextClassLoader(project);
        Class<?> runner = Class.forName("dev.loresmith.local.LocalRunner", true, project);
        String[] rest = Arrays.copyOfRange(args, 2, args.length);
        try {
            if (args[1].equals("main")) {
                runner.getMethod("main", String[].class).invoke(null, (Object) rest);
                return;
            }
            List<String> command = new ArrayList<>();
            for (int i = 0; i <= rest.length; i++) {
                if (i == rest.length || rest[i].equals("--")) {
                    Object code = runner.getMethod("run", String[].class, PrintStream.class, PrintStream.class)
                            .invoke(null, command.toArray(String[]::new), System.out, System.err);
                    System.out.println("@@exit " + code);
                    command.clear();
                } else {
                    command.add(rest[i]);
                }
            }
        } catch (InvocationTargetException e) {
            throw e.getCause() instanceof Exception cause ? cause : e;
        }
        System.exit(0);
    }
}
