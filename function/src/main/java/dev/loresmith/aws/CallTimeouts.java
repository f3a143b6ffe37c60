package dev.loresmith.aws;

import software.amazon.awssdk.awscore.AwsRequestOverrideConfiguration;

import java.time.Duration;

/**
 * How long one AWS call may take: every client's own bounds (3 s per attempt, 8 s with the SDK's retries), and, for a
 * call that must end before a deadline of ours (a waiting HTTP request's answer), the same bounds cut to the time left —
 * a per-request override, so the deadline holds for a call that hangs as much as for one that fails.
 */
public final class CallTimeouts {

    /** One attempt of an AWS call. */
    public static final Duration ATTEMPT = Duration.ofSeconds(3);
    /** All attempts of an AWS call together (the SDK retries within it). */
    public static final Duration CALL = Duration.ofSeconds(8);
    /** Less than this left, a call is not worth starting: it could only time out. */
    public static final Duration SHORTEST = Duration.ofMillis(100);

    private CallTimeouts() {
    }

    /** The override for a call that must end within {@code left}: the client's bounds, never longer than {@code left}. */
    public static AwsRequestOverrideConfiguration within(Duration left) {
        Duration call = shorter(CALL, left);
        return AwsRequestOverrideConfiguration.builder().apiCallTimeout(call).apiCallAttemptTimeout(shorter(ATTEMPT, call)).build();
    }

    /** Whether a call bounded by {@code left} is worth starting. */
    public static boolean worthStarting(Duration left) {
        return left.compareTo(SHORTEST) >= 0;
    }

    private static Duration shorter(Duration a, Duration b) {
        return a.compareTo(b) <= 0 ? a : b;
    }
}
