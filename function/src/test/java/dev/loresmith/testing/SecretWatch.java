package dev.loresmith.testing;

import java.util.concurrent.atomic.AtomicInteger;

/**
 * The API key every test uses, and a suite-wide count of places it leaked to. Log capture and the
 * handler tests' exception checks report here; {@code SecretsNeverLeakTest} asserts the count is zero.
 */
public final class SecretWatch {

    public static final String API_KEY = "sk-ant-api03-TEST-KEY-must-never-be-logged-7f3a";

    private static final AtomicInteger LEAKS = new AtomicInteger();

    private SecretWatch() {
    }

    public static void check(String where, String text) {
        if (text != null && text.contains(API_KEY)) {
            LEAKS.incrementAndGet();
            throw new AssertionError("the API key appeared in a " + where);
        }
    }

    public static void check(Throwable error) {
        for (Throwable t = error; t != null; t = t.getCause()) {
            check("exception message", String.valueOf(t.getMessage()));
            check("exception", t.toString());
        }
    }

    public static int leaks() {
        return LEAKS.get();
    }
}
