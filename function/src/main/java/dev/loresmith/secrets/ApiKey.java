package dev.loresmith.secrets;

/** The outcome of looking up the API key. "Could not read it" is not "there is none". */
public sealed interface ApiKey {

    /** A key that can be sent. Its {@code toString} never shows it. */
    record Present(String value) implements ApiKey {
        @Override
        public String toString() {
            return "Present[***]";
        }
    }

    /** No usable key is configured (none set, blank, or one HTTP headers cannot carry): fallback {@code no_config}. */
    record Absent(String why) implements ApiKey {
    }

    /** The key could not be read just now (Secrets Manager error, throttle, timeout): a transient condition. */
    record Unavailable(String why) implements ApiKey {
    }

    /**
     * A key as configured: blank is none, and a key with a character an HTTP header cannot carry (a line
     * break, a zero-width space, anything outside visible ASCII) is a configuration error, never sent.
     */
    static ApiKey of(String raw) {
        if (raw == null || raw.trim().isEmpty()) {
            return new Absent("no key is set");
        }
        String key = raw.trim();
        for (int i = 0; i < key.length(); i++) {
            char c = key.charAt(i);
            if (c < 0x21 || c > 0x7e) {
                return new Absent("the key contains a character HTTP headers cannot carry (position " + i + " of " + key.length() + ")");
            }
        }
        return new Present(key);
    }
}
