package dev.loresmith.generate;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.NullNode;
import dev.loresmith.Json;
import dev.loresmith.circuit.Admission;
import dev.loresmith.circuit.CallResult;
import dev.loresmith.circuit.Circuit;
import dev.loresmith.circuit.CircuitRecord;
import dev.loresmith.circuit.EffectiveState;
import dev.loresmith.item.Claim;
import dev.loresmith.item.ContentItem;
import dev.loresmith.content.ContentRequest;
import dev.loresmith.item.ContentStatus;
import dev.loresmith.content.ContentType;
import dev.loresmith.item.FollowUp;
import dev.loresmith.llm.LlmClient;
import dev.loresmith.llm.LlmReply;
import dev.loresmith.llm.MessagesPrompt;
import dev.loresmith.llm.PromptSanitizer;
import dev.loresmith.log.ErrorSummary;
import dev.loresmith.log.StructuredLog;
import dev.loresmith.schedule.ResetScheduler;
import dev.loresmith.secrets.ApiKey;
import dev.loresmith.secrets.ApiKeySource;
import dev.loresmith.retry.Pause;
import dev.loresmith.retry.RetryPolicy;
import dev.loresmith.storage.CircuitStore;
import dev.loresmith.storage.ContentStore;
import dev.loresmith.storage.ProviderConfig;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.LocalDate;
import java.time.ZoneOffset;
import java.util.OptionalLong;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;

/**
 * The generate flow for one request: claim the item, read the config, consult the circuit, the shared
 * throttle and the budget, call the API, and write the result — generated text, or the type's
 * deterministic fallback. Whatever happens, a claimed item ends {@code ready} or {@code failed} when the
 * flow returns; when it throws, the item is still leased and the message that brought it (or the upgrade
 * sweep) finishes it after the lease. Knows nothing of Lambda events.
 */
public final class GenerateContent {

    /** Below this much time left, a call is not started: it could only time out (and a timeout is not the API's fault). */
    static final Duration MIN_CALL_BUDGET = Duration.ofSeconds(1);
    /** A result whose circuit change conflicted is decided again on a fresh read: full jitter, 20 ms doubling to 200 ms. */
    static final RetryPolicy COMMIT_RETRY = RetryPolicy.attempts(5).backoff(Duration.ofMillis(20), Duration.ofMillis(200)).withJitter();

    private final ContentStore contents;
    private final CircuitStore circuits;
    private final LlmClient llm;
    private final ApiKeySource apiKeys;
    private final ResetScheduler resets;
    private final Circuit circuit;
    private final GenerateSettings settings;
    private final UpgradePolicy upgrades;
    private final Clock clock;
    private final StructuredLog log;
    private final Pause pause;
    private final StructuredOutputs structuredOutputs;
    /** Config problems already logged by this execution environment: one ERROR each, not one per request. */
    private final Set<String> reportedProblems = ConcurrentHashMap.newKeySet();

    public GenerateContent(ContentStore contents, CircuitStore circuits, LlmClient llm, ApiKeySource apiKeys,
                           ResetScheduler resets, Circuit circuit, GenerateSettings settings, UpgradePolicy upgrades,
                           Clock clock, StructuredLog log, Pause pause) {
        this.contents = contents;
        this.circuits = circuits;
        this.llm = llm;
        this.apiKeys = apiKeys;
        this.resets = resets;
        this.circuit = circuit;
        this.settings = settings;
        this.upgrades = upgrades;
        this.clock = clock;
        this.log = log;
        this.pause = pause;
        this.structuredOutputs = new StructuredOutputs(log);
    }

    /** The player's context as stored on the item: sanitized JSON, or null when there is none. */
    public static String storedContext(JsonNode context) {
        JsonNode sanitized = PromptSanitizer.sanitizeContext(context);
        return sanitized.isNull() ? null : Json.write(sanitized);
    }

    /**
     * Runs the flow. {@code deadline} is when the caller must have its answer (for Lambda: now plus the
     * remaining time); the API call is cut short so the result can still be written before it.
     */
    public Outcome generate(ContentRequest request, Claim.Kind kind, Instant deadline) {
        if (kind == Claim.Kind.UPGRADE && !request.type().upgrade()) {
            // Sent before the type opted out ("upgrade": false): the item keeps the text a player may have seen.
            contents.clearFollowUp(request.key(), dev.loresmith.item.FollowUp.Kind.UPGRADE);
            java.util.Optional<ContentItem> kept = contents.find(request.key());
            if (kept.isPresent()) {
                return new Outcome.Duplicate(kept.get(), false);
            }
        }
        Instant claimedAt = clock.instant();
        String worker = UUID.randomUUID().toString();
        Claim claim = contents.claim(request.key(), kind, worker, claimedAt, claimedAt.plus(settings.lease()),
                kind != Claim.Kind.UPGRADE ? storedContext(request.context()) : null, claimedAt.plus(settings.requeueAfter()));
        if (!(claim instanceof Claim.Claimed claimed)) {
            return new Outcome.Duplicate(claim.item(), claim instanceof Claim.Leased);
        }
        return new Attempt(request, kind, claimed.item(), worker, claimedAt).run(deadline);
    }

    /** One claimed item, from the config read to the written result. */
    private final class Attempt {
        private final ContentRequest request;
        private final Claim.Kind kind;
        private final ContentItem item;
        private final String worker;
        private final Instant claimedAt;
        private EffectiveState seen = EffectiveState.CLOSED;
        private OptionalLong budget = OptionalLong.empty();
        private long budgetUsed;
        private String apiKey;

        Attempt(ContentRequest request, Claim.Kind kind, ContentItem item, String worker, Instant claimedAt) {
            this.request = request;
            this.kind = kind;
            this.item = item;
            this.worker = worker;
            this.claimedAt = claimedAt;
        }

        Outcome run(Instant deadline) {
            ProviderConfig config;
            try {
                config = circuits.read().checkedAt(clock.instant());
            } catch (RuntimeException e) {
                log.warn("config item unreadable", "contentType", type().name(), "error", ErrorSummary.of(e));
                return withoutCall(FallbackReason.CONFIG_UNAVAILABLE, null, null, false);
            }
            reportProblems(config);
            ApiKey key = apiKeys.apiKey();
            if (key instanceof ApiKey.Absent absent) {
                reportOnce("api key: " + absent.why(), () -> log.error("api key unusable; requests fall back no_config", "problem", absent.why()));
                return withoutCall(FallbackReason.NO_CONFIG, config.circuit(), config.throttledUntil(), false);
            }
            if (key instanceof ApiKey.Unavailable) {
                return withoutCall(FallbackReason.CONFIG_UNAVAILABLE, config.circuit(), config.throttledUntil(), false);
            }
            apiKey = ((ApiKey.Present) key).value();
            CircuitRecord before = config.circuit();
            seen = before.effective();
            Instant now = clock.instant();
            Admission admission = circuit.admit(before, now);
            if (admission instanceof Admission.Reject) {
                return withoutCall(FallbackReason.CIRCUIT_OPEN, before, config.throttledUntil(), false);
            }
            if (config.throttledAt(now)) {
                return withoutCall(FallbackReason.RATE_LIMITED, before, config.throttledUntil(), true);
            }
            budget = config.tokenBudget();
            budgetUsed = config.tokensUsedOn(LocalDate.ofInstant(now, ZoneOffset.UTC));
            if (budget.isPresent() && budgetUsed >= budget.getAsLong()) {
                return withoutCall(FallbackReason.BUDGET_EXHAUSTED, before, config.throttledUntil(), false);
            }
            boolean probe = false;
            if (admission instanceof Admission.Probe p) {
                // Several callers may see the same half-open record; the version condition lets exactly one claim the probe.
                boolean won;
                try {
                    won = circuits.replace(before, p.claimed());
                } catch (RuntimeException e) {
                    log.warn("probe claim failed", "error", ErrorSummary.of(e));
                    return withoutCall(FallbackReason.CONFIG_UNAVAILABLE, before, config.throttledUntil(), false);
                }
                if (!won) {
                    return withoutCall(FallbackReason.CIRCUIT_OPEN, before, config.throttledUntil(), false);
                }
                before = p.claimed();
                probe = true;
            }
            return call(config, before, probe, budget.isPresent(), deadline);
        }

        private Outcome call(ProviderConfig config, CircuitRecord before, boolean probe, boolean budgeted, Instant deadline) {
            String model = config.model(settings.defaultModel());
            String baseUrl = config.baseUrl(settings.defaultBaseUrl());
            int maxTokens = config.maxTokens(settings.defaultMaxTokens());
            JsonNode context = storedContextNode(item.context());
            Instant callStarted = clock.instant();
            LlmReply reply = null;
            Duration budget = callBudget(deadline);
            boolean structured = structuredOutputs.enabledFor(baseUrl, model);
            if (!budget.isZero()) {
                reply = llm.complete(baseUrl, MessagesPrompt.of(type(), context, model, maxTokens, structured), apiKey, budget);
                if (structured && reply instanceof LlmReply.HttpError e && e.problem() == LlmReply.Problem.STRUCTURED_OUTPUT_REJECTED) {
                    // This model or endpoint does not take the schema field: from now on prompt-only JSON, and try again now.
                    structuredOutputs.rejectedBy(baseUrl, model);
                    budget = callBudget(deadline);
                    if (!budget.isZero()) {
                        reply = llm.complete(baseUrl, MessagesPrompt.of(type(), context, model, maxTokens, false), apiKey, budget);
                    }
                }
            }
            Instant finishedAt = clock.instant();
            Duration apiLatency = Duration.between(callStarted, finishedAt);
            LlmReply.Usage spent = reply instanceof LlmReply.Answer answer ? answer.usage() : LlmReply.Usage.NONE;
            if (budgeted && spent.budgetTokens() > 0) {
                countTokens(finishedAt, spent);
                budgetUsed += spent.budgetTokens();
            }
            Instant throttledUntil = config.throttledUntil();
            boolean spendLimit = false;
            if (reply instanceof LlmReply.HttpError error && (error.status() == 429 || error.problem() == LlmReply.Problem.SPEND_LIMIT)) {
                spendLimit = error.problem() == LlmReply.Problem.SPEND_LIMIT;
                throttledUntil = throttle(error, finishedAt, spendLimit);
            }
            ReplyJudge.Verdict verdict;
            if (reply == null || budget.isZero()) {
                verdict = new ReplyJudge.Failed(FallbackReason.NO_TIME, "no time left to call");
            } else if (reply instanceof LlmReply.NetworkError n && n.timedOut() && budget.compareTo(settings.apiTimeout()) < 0) {
                // Our deadline cut the call short, not the API's slowness: never counted against a healthy provider.
                verdict = new ReplyJudge.Failed(FallbackReason.NO_TIME, "timed out within " + budget.toMillis() + " ms left by the invocation");
            } else {
                verdict = ReplyJudge.judge(reply, type(), model);
            }
            if (verdict instanceof ReplyJudge.Generated g) {
                ContentItem ready = item.finished(ContentStatus.READY, g.json(), g.model(), finishedAt)
                        .withUpgrade(item.status() == ContentStatus.FAILED ? item.fallbackReason().orElse(null) : null,
                                attemptsAfter(), attemptsSince());
                Recorded recorded = record(ready, before, CallResult.SUCCESS, probe);
                return recorded.lost() ? lost(ready) : new Outcome.Ready(ready, g.usage(), probe, apiLatency, conditions(false, false));
            }
            ReplyJudge.Failed failed = (ReplyJudge.Failed) verdict;
            if (failed.reason().quality()) {
                // Quality, not availability: which rule the reply broke (field names and rules only, never its text).
                log.warn("reply rejected", "contentType", type().name(), "reason", failed.reason().code(), "detail", failed.detail());
            }
            ContentItem written = fallbackItem(failed.reason(), finishedAt, throttledUntil);
            Recorded recorded = record(written, before, failed.reason().circuit(), probe);
            Outcome.Call call = reply == null ? Outcome.Call.NONE : reply instanceof LlmReply.Answer ? Outcome.Call.ANSWERED : Outcome.Call.FAILED;
            return recorded.lost() ? lost(written) : new Outcome.Fallback(written, failed.reason(), item.status() == ContentStatus.FAILED,
                    recorded.opened(), probe, call, apiLatency, spent, conditions(false, spendLimit));
        }

        private Outcome withoutCall(FallbackReason reason, CircuitRecord read, Instant throttledUntil, boolean throttled) {
            Instant now = clock.instant();
            ContentItem written = fallbackItem(reason, now, throttledUntil);
            Recorded recorded = record(written, read, CallResult.NOT_COUNTED, false);
            return recorded.lost() ? lost(written) : new Outcome.Fallback(written, reason, item.status() == ContentStatus.FAILED,
                    false, false, Outcome.Call.NONE, Duration.ZERO, LlmReply.Usage.NONE, conditions(throttled, false));
        }

        private Outcome.Conditions conditions(boolean throttled, boolean spendLimit) {
            return new Outcome.Conditions(seen, throttled, spendLimit, budget, budgetUsed);
        }

        /**
         * The item as a fallback for {@code reason} leaves it. A failed item (a retry, or an upgrade) keeps its
         * text, model and status — a reader never sees it change — and only records the attempt; anything else
         * gets the type's fallback. Either way the upgrade policy says when, if ever, it is tried again.
         */
        private ContentItem fallbackItem(FallbackReason reason, Instant now, Instant throttledUntil) {
            if (item.status() == ContentStatus.FAILED) {
                FollowUp next = upgrades.after(type(), item, reason, attemptsAfter(), attemptsSince(), now, throttledUntil);
                return item.keptAfter(reason.code(), attemptsAfter(), attemptsSince(), next, now);
            }
            ContentItem failed = item.finished(ContentStatus.FAILED, type().fallbackFor(request.id()), reason.model(), now);
            return failed.withFollowUp(upgrades.after(type(), failed, reason, 0, null, now, throttledUntil));
        }

        private int attemptsAfter() {
            return kind == Claim.Kind.UPGRADE ? upgrades.attemptsAfter(item, claimedAt) : item.attempts();
        }

        private Instant attemptsSince() {
            return kind == Claim.Kind.UPGRADE ? upgrades.windowStart(item, claimedAt) : item.attemptsSince();
        }

        private Outcome lost(ContentItem attempted) {
            log.warn("lease lost; result dropped", "contentType", type().name(), "contentId", request.id().toString());
            return new Outcome.Duplicate(contents.find(request.key()).orElse(attempted), false);
        }

        private ContentType type() {
            return request.type();
        }

        /**
         * Writes the finished item together with what the call means for the circuit, in one transaction
         * conditioned on this worker's lease and the circuit's version. On a conflict (another instance changed
         * the circuit first) the circuit is re-read and the decision made again, a bounded number of times; if
         * accounting still cannot commit, the item is written alone so it never stays pending.
         */
        private Recorded record(ContentItem finished, CircuitRecord read, CallResult result, boolean probe) {
            if (read == null) {
                return new Recorded(false, contents.finish(finished, worker, null, null) == ContentStore.Commit.LEASE_LOST);
            }
            CircuitRecord current = read;
            for (int attempt = 1; ; attempt++) {
                CircuitRecord next = circuit.afterCall(current, clock.instant(), result, probe);
                switch (contents.finish(finished, worker, current, next)) {
                    case COMMITTED -> {
                        if (Circuit.opens(current, next)) {
                            log.warn("circuit opened", "generation", next.generation(), "contentType", finished.key().contentType());
                            resets.scheduleReset(next.generation(), circuit.resetDueAt(next));
                            return new Recorded(true, false);
                        }
                        return new Recorded(false, false);
                    }
                    case LEASE_LOST -> {
                        return new Recorded(false, true);
                    }
                    case RETRY -> {
                        if (attempt >= settings.maxCommitAttempts()) {
                            log.warn("circuit accounting gave up", "attempts", attempt, "contentType", finished.key().contentType());
                            return new Recorded(false, contents.finish(finished, worker, null, null) == ContentStore.Commit.LEASE_LOST);
                        }
                        pause.pause(COMMIT_RETRY.pauseAfter(attempt));
                        current = circuits.read().circuit();
                    }
                }
            }
        }
    }

    private record Recorded(boolean opened, boolean lost) {
    }

    /**
     * The time the API call may take: at most the API timeout, and never past the deadline less the write margin;
     * zero (no call) when less than {@link #MIN_CALL_BUDGET} is left.
     */
    private Duration callBudget(Instant deadline) {
        Duration left = Duration.between(clock.instant(), deadline).minus(settings.writeMargin());
        if (left.compareTo(MIN_CALL_BUDGET) < 0) {
            return Duration.ZERO;
        }
        return left.compareTo(settings.apiTimeout()) < 0 ? left : settings.apiTimeout();
    }

    /**
     * Holds every instance back after a 429: until {@code retry-after} (seconds or a date) or the exhausted
     * limit's reset, never more than {@code maxThrottle} ahead; {@code defaultThrottle} when the answer says
     * nothing. A spend limit is not a passing throttle: {@code spendLimitThrottle}, then one call checks again.
     */
    private Instant throttle(LlmReply.HttpError error, Instant now, boolean spendLimit) {
        Instant until;
        if (spendLimit) {
            until = now.plus(settings.spendLimitThrottle());
        } else {
            Instant hinted = error.retryAfter().delay().map(now::plus).or(error.retryAfter()::at).orElse(null);
            until = hinted == null ? now.plus(settings.defaultThrottle()) : hinted;
            Instant cap = now.plus(settings.maxThrottle());
            until = until.isAfter(cap) ? cap : until;
        }
        if (!until.isAfter(now)) {
            return null;
        }
        try {
            if (circuits.throttleUntil(until, spendLimit ? "spend_limit" : "rate_limited", ProviderConfig.implausibleThrottleAfter(now))) {
                log.warn(spendLimit ? "spend limit reached; calls held back" : "rate limited; calls held back",
                        "throttledUntil", until.toString());
            }
        } catch (RuntimeException e) {
            log.warn("throttle not recorded", "error", ErrorSummary.of(e));
        }
        return until;
    }

    private void countTokens(Instant at, LlmReply.Usage usage) {
        try {
            circuits.addTokens(LocalDate.ofInstant(at, ZoneOffset.UTC), usage.budgetTokens());
        } catch (RuntimeException e) {
            // The budget may then undercount by this one call; never fail the request for it.
            log.warn("token usage not counted", "tokens", usage.budgetTokens(), "error", ErrorSummary.of(e));
        }
    }

    private void reportProblems(ProviderConfig config) {
        for (String problem : config.problems()) {
            reportOnce(problem, () -> log.error("config item has a value the code does not understand; using the safe default", "problem", problem));
        }
    }

    /** A configuration problem is logged once per execution environment, not once per request. */
    private void reportOnce(String problem, Runnable report) {
        if (reportedProblems.add(problem)) {
            report.run();
        }
    }

    private static JsonNode storedContextNode(String stored) {
        if (stored == null) {
            return NullNode.getInstance();
        }
        try {
            return Json.read(stored);
        } catch (com.fasterxml.jackson.core.JsonProcessingException e) {
            return NullNode.getInstance(); // a hand-edited item: generate without context rather than fail
        }
    }
}
