package dev.loresmith.generate;

import dev.loresmith.llm.LlmReply;
import dev.loresmith.storage.ProviderConfig;

import java.time.Duration;
import java.time.Instant;
import java.util.Optional;

/**
 * A hold on every instance's calls to a provider ({@code throttledUntil}, {@code throttleReason} on its config item),
 * asked for by a 429 or a spend-limit answer.
 */
public record Throttle(Instant until, Kind kind) {

    /** Why calls are held back; the stored {@code throttleReason}. */
    public enum Kind {
        /** A 429: a passing rate limit. */
        RATE_LIMITED("rate_limited"),
        /** The organisation's spend limit or credit is exhausted: not a passing throttle. */
        SPEND_LIMIT("spend_limit");

        private final String wireName;

        Kind(String wireName) {
            this.wireName = wireName;
        }

        public String wireName() {
            return wireName;
        }
    }

    /**
     * How long an answer holds calls back: until {@code retry-after} (seconds or a date) or the exhausted limit's reset,
     * never more than {@code longest} ahead; {@code otherwise} when the answer says nothing. A spend limit is not a
     * passing throttle: {@code spendLimit}, then one call checks again.
     *
     * @param otherwise  how long a 429 without retry information holds every instance back
     * @param longest    the longest any 429 may hold every instance back
     * @param spendLimit how long a spend-limit answer holds every instance back
     */
    public record Rules(Duration otherwise, Duration longest, Duration spendLimit) {

        public static final Rules DEFAULTS = new Rules(Duration.ofSeconds(30), Duration.ofMinutes(15), Duration.ofHours(1));
        /** The shortest hold a 429 asks for, whatever its hint says: a hint of a few milliseconds is no back-off at all. */
        public static final Duration SHORTEST = Duration.ofSeconds(1);

        public Rules {
            if (otherwise.compareTo(Duration.ofSeconds(1)) < 0 || otherwise.compareTo(Duration.ofSeconds(60)) > 0 || longest.compareTo(otherwise) < 0) {
                throw new IllegalArgumentException("need 1 s <= otherwise <= 60 s and longest >= otherwise, got otherwise " + otherwise
                        + " and longest " + longest);
            }
            if (longest.compareTo(ProviderConfig.LONGEST_THROTTLE) > 0 || spendLimit.compareTo(ProviderConfig.LONGEST_THROTTLE) > 0) {
                throw new IllegalArgumentException("longest and spendLimit must be at most " + ProviderConfig.LONGEST_THROTTLE
                        + " (a longer stored throttle reads as a hand edit and is ignored), got " + longest + " and " + spendLimit);
            }
        }

        /**
         * The throttle {@code error}, answered at {@code now}, asks for. A 429 always holds every instance back: a hint
         * that is not in the future ({@code retry-after: 0}, a date or reset time already past: a clock apart, or a
         * proxy's) says nothing usable and gets {@code otherwise}; a hint in the future holds at least {@link #SHORTEST}
         * and at most {@code longest}.
         */
        Optional<Throttle> after(LlmReply.HttpError error, Instant now) {
            if (error.problem() == LlmReply.Problem.SPEND_LIMIT) {
                return Optional.of(new Throttle(now.plus(spendLimit), Kind.SPEND_LIMIT));
            }
            Instant hinted = error.retryAfter().delay().map(now::plus).or(error.retryAfter()::at).orElse(null);
            Instant until = hinted == null || !hinted.isAfter(now) ? now.plus(otherwise) : hinted;
            Instant floor = now.plus(SHORTEST);
            Instant cap = now.plus(longest);
            until = until.isBefore(floor) ? floor : until.isAfter(cap) ? cap : until;
            return Optional.of(new Throttle(until, Kind.RATE_LIMITED));
        }
    }
}
