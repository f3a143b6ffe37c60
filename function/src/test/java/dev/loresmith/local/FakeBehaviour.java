package dev.loresmith.local;

import java.time.Duration;
import java.util.Arrays;
import java.util.Locale;
import java.util.Optional;
import java.util.stream.Collectors;

/**
 * How the built-in fake model API answers a call ({@code --fake [provider=]behaviour}): one of the four conditions a
 * provider is found in, each chosen to show a documented behaviour of the flow without a key.
 */
enum FakeBehaviour {

    /** A well-formed reply whose text fills every field of the requested schema with fake text. */
    HEALTHY("healthy", 200, "answers at once with fake text of the requested shape: items become ready, model " + FakeModelApi.FAKE_MODEL),
    /** A 500: a counted failure; three within 60 s open the circuit. */
    FAILING("failing", 500, "answers 500: fallback api_error_500, counted; three in 60 s open the circuit, which resets after 5 min"),
    /** A healthy reply, but only after the call's 30 s timeout has passed: the caller gives up first. */
    SLOW("slow", 200, "answers only after 35 s, past the 30 s call timeout: fallback network_error, counted"),
    /** A 429 with {@code retry-after}: not counted; the shared throttle holds every caller back until then. */
    RATE_LIMITING("rate-limiting", 429, "answers 429 with retry-after 30: fallback rate_limited, never counted; every caller holds back 30 s");

    /** How long {@link #SLOW} waits before it answers: past the flow's 30 s call timeout. */
    static final Duration SLOW_ANSWER = Duration.ofSeconds(35);
    /** The {@code retry-after} {@link #RATE_LIMITING} answers with, in seconds. */
    static final int RETRY_AFTER_SECONDS = 30;

    private final String wireName;
    private final int status;
    private final String effect;

    FakeBehaviour(String wireName, int status, String effect) {
        this.wireName = wireName;
        this.status = status;
        this.effect = effect;
    }

    /** The name on the command line. */
    String wireName() {
        return wireName;
    }

    /** The HTTP status it answers with. */
    int status() {
        return status;
    }

    /** What a user sees the flow do with it, in a line. */
    String effect() {
        return effect;
    }

    static Optional<FakeBehaviour> fromWireName(String name) {
        return Arrays.stream(values()).filter(b -> b.wireName.equals(name.toLowerCase(Locale.ROOT))).findFirst();
    }

    /** Every name, for usage messages: {@code healthy, failing, slow, rate-limiting}. */
    static String names() {
        return Arrays.stream(values()).map(FakeBehaviour::wireName).collect(Collectors.joining(", "));
    }

    @Override
    public String toString() {
        return wireName;
    }
}
