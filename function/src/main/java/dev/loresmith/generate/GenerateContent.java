package dev.loresmith.generate;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.NullNode;
import dev.loresmith.Json;
import dev.loresmith.circuit.Admission;
import dev.loresmith.circuit.CallResult;
import dev.loresmith.circuit.Circuit;
import dev.loresmith.circuit.CircuitRecord;
import dev.loresmith.circuit.EffectiveState;
import dev.loresmith.content.ContentRequest;
import dev.loresmith.content.ContentType;
import dev.loresmith.item.Claim;
import dev.loresmith.item.ContentItem;
import dev.loresmith.item.ContentStatus;
import dev.loresmith.item.FollowUp;
import dev.loresmith.llm.CallPlan;
import dev.loresmith.llm.LlmReply;
import dev.loresmith.llm.MessagesPrompt;
import dev.loresmith.llm.PromptSanitizer;
import dev.loresmith.llm.Transport;
import dev.loresmith.log.ErrorSummary;
import dev.loresmith.log.StructuredLog;
import dev.loresmith.retry.Pause;
import dev.loresmith.retry.Retry;
import dev.loresmith.schedule.ResetScheduler;
import dev.loresmith.storage.CircuitStore;
import dev.loresmith.storage.ContentStore;
import dev.loresmith.storage.ProviderConfig;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.LocalDate;
import java.time.ZoneOffset;
import java.util.Optional;
import java.util.OptionalLong;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;

/**
 * The generate flow for one request: claim the item, read the config, pass the provider's gates ({@link Gates}), plan
 * the call ({@link CallPlan}), make it ({@link Transport}), judge the reply ({@link Judgement}), then apply what the
 * judgement means in one place — the tokens counted, the shared throttle, the item's result and the circuit's move in
 * one transaction. Whatever happens, a claimed item ends {@code ready} or {@code failed} when the flow returns; when it
 * throws, the item is still leased and the message that brought it (or the upgrade sweep) finishes it after the
 * lease. Knows nothing of Lambda events.
 */
public final class GenerateContent {

    private final ContentStore contents;
    private final CircuitStore circuits;
    private final Transport transport;
    private final ResetScheduler resets;
    private final Circuit circuit;
    private final GenerateSettings settings;
    private final UpgradePolicy upgrades;
    private final Clock clock;
    private final StructuredLog log;
    private final Retry commitRetry;
    private final StructuredOutputs structuredOutputs;
    /** Config problems already logged by this execution environment: one ERROR each, not one per request. */
    private final Set<String> reportedProblems = ConcurrentHashMap.newKeySet();

    public GenerateContent(ContentStore contents, CircuitStore circuits, Transport transport, ResetScheduler resets, Circuit circuit,
                           GenerateSettings settings, UpgradePolicy upgrades, Clock clock, StructuredLog log, Pause pause) {
        this.contents = contents;
        this.circuits = circuits;
        this.transport = transport;
        this.resets = resets;
        this.circuit = circuit;
        this.settings = settings;
        this.upgrades = upgrades;
        this.clock = clock;
        this.log = log;
        this.commitRetry = new Retry(settings.commitRetry(), pause, clock);
        this.structuredOutputs = new StructuredOutputs(log);
    }

    /** The player's context as stored on the item: sanitized JSON, or null when there is none. */
    public static String storedContext(JsonNode context) {
        JsonNode sanitized = PromptSanitizer.sanitizeContext(context);
        return sanitized.isNull() ? null : Json.write(sanitized);
    }

    /**
     * Runs the flow. {@code deadline} is when the caller must have its answer (for Lambda: now plus the
     * remaining time); the call is cut short so the result can still be written before it.
     */
    public Outcome generate(ContentRequest request, Claim.Kind kind, Instant deadline) {
        if (kind == Claim.Kind.UPGRADE && !request.type().upgrade()) {
            // Sent before the type opted out ("upgrade": false): the item keeps the text a player may have seen.
            contents.clearFollowUp(request.key(), FollowUp.Kind.UPGRADE);
            Optional<ContentItem> kept = contents.find(request.key());
            if (kept.isPresent()) {
                return new Outcome.Duplicate(kept.get(), false);
            }
        }
        Instant claimedAt = clock.instant();
        String worker = UUID.randomUUID().toString();
        Claim claim = contents.claim(request.key(), kind, worker, claimedAt, claimedAt.plus(settings.lease()),
                kind != Claim.Kind.UPGRADE ? storedContext(request.context()) : null, claimedAt.plus(settings.requeue().afterClaim()));
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
        private OptionalLong tokenBudget = OptionalLong.empty();
        private long tokensUsed;

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
            Instant now = clock.instant();
            seen = config.circuit().effective();
            tokenBudget = config.tokenBudget();
            tokensUsed = config.tokensUsedOn(LocalDate.ofInstant(now, ZoneOffset.UTC));
            Gates.Gate gate = Gates.admit(transport.readiness(), config, circuit, now);
            if (gate instanceof Gates.Refuse refuse) {
                if (refuse.problem() != null) {
                    reportOnce("api key: " + refuse.problem(),
                            () -> log.error("api key unusable; requests fall back no_config", "problem", refuse.problem()));
                }
                return withoutCall(refuse.reason(), config.circuit(), config.throttledUntil(), refuse.throttled());
            }
            CircuitRecord before = config.circuit();
            boolean probe = false;
            if (((Gates.Pass) gate).admission() instanceof Admission.Probe p) {
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
            return call(config, before, probe, deadline);
        }

        /** Plans, calls and judges — once more without the schema if the endpoint rejects it — then applies the judgement. */
        private Outcome call(ProviderConfig config, CircuitRecord before, boolean probe, Instant deadline) {
            JsonNode context = storedContextNode(item.context());
            Instant callStarted = clock.instant();
            CallPlan plan = plan(config, context, true, deadline);
            Judgement judgement = plan.timeout().isZero() ? Judgement.noTime("no time left to call", Outcome.Call.NONE) : callAndApply(plan);
            if (judgement.schemaRejected()) {
                // This model or endpoint does not take the schema field: from now on prompt-only JSON, and try again now.
                plan = plan(config, context, false, deadline);
                judgement = plan.timeout().isZero() ? Judgement.noTime("no time left to call", Outcome.Call.FAILED) : callAndApply(plan);
            }
            Instant finishedAt = clock.instant();
            Duration apiLatency = Duration.between(callStarted, finishedAt);
            if (judgement.verdict() instanceof Judgement.Generated generated) {
                ContentItem ready = item.finished(ContentStatus.READY, generated.json(), generated.model(), finishedAt)
                        .withUpgrade(item.status() == ContentStatus.FAILED ? item.fallbackReason().orElse(null) : null,
                                attemptsAfter(), attemptsSince());
                Recorded recorded = record(ready, before, CallResult.SUCCESS, probe);
                return recorded.lost() ? lost(ready) : new Outcome.Ready(ready, judgement.spent(), probe, apiLatency, conditions(false, false));
            }
            FallbackReason reason = ((Judgement.Failed) judgement.verdict()).reason();
            Instant throttledUntil = judgement.throttle().map(Throttle::until).orElse(config.throttledUntil());
            ContentItem written = fallbackItem(reason, finishedAt, throttledUntil);
            Recorded recorded = record(written, before, reason.circuit(), probe);
            boolean spendLimit = judgement.throttle().filter(t -> t.kind() == Throttle.Kind.SPEND_LIMIT).isPresent();
            return recorded.lost() ? lost(written) : new Outcome.Fallback(written, reason, item.status() == ContentStatus.FAILED,
                    recorded.opened(), probe, judgement.call(), apiLatency, judgement.spent(), conditions(false, spendLimit));
        }

        /** The call as planned: the model, endpoint and max_tokens the config names, the time left, the rendered prompt. */
        private CallPlan plan(ProviderConfig config, JsonNode context, boolean schemaWanted, Instant deadline) {
            String model = config.model(settings.defaultModel());
            String baseUrl = config.baseUrl(settings.defaultBaseUrl());
            int maxTokens = config.maxTokens(settings.defaultMaxTokens());
            boolean structured = schemaWanted && structuredOutputs.enabledFor(CallPlan.endpointAndModel(transport.provider(), baseUrl, model));
            return new CallPlan(transport.provider(), baseUrl, model, maxTokens, structured, callTime(deadline),
                    MessagesPrompt.of(type(), context, model, maxTokens, structured));
        }

        /** Makes the call, judges the reply, and applies what the judgement means beyond the item: tokens, throttle, schema. */
        private Judgement callAndApply(CallPlan plan) {
            LlmReply reply = transport.send(plan);
            Instant finishedAt = clock.instant();
            Judgement judgement = Judgement.of(plan, reply, type(), finishedAt, settings.throttles(), settings.apiTimeout());
            if (tokenBudget.isPresent() && judgement.spent().budgetTokens() > 0) {
                countTokens(finishedAt, judgement.spent());
                tokensUsed += judgement.spent().budgetTokens();
            }
            judgement.throttle().ifPresent(GenerateContent.this::hold);
            if (judgement.schemaRejected()) {
                structuredOutputs.rejectedBy(plan);
            }
            if (judgement.verdict() instanceof Judgement.Failed failed && failed.reason().quality()) {
                // Quality, not availability: which rule the reply broke (field names and rules only, never its text).
                log.warn("reply rejected", "contentType", type().name(), "reason", failed.reason().code(), "detail", failed.detail());
            }
            return judgement;
        }

        private Outcome withoutCall(FallbackReason reason, CircuitRecord read, Instant throttledUntil, boolean throttled) {
            ContentItem written = fallbackItem(reason, clock.instant(), throttledUntil);
            Recorded recorded = record(written, read, CallResult.NOT_COUNTED, false);
            return recorded.lost() ? lost(written) : new Outcome.Fallback(written, reason, item.status() == ContentStatus.FAILED,
                    false, false, Outcome.Call.NONE, Duration.ZERO, LlmReply.Usage.NONE, conditions(throttled, false));
        }

        private Outcome.Conditions conditions(boolean throttled, boolean spendLimit) {
            return new Outcome.Conditions(seen, throttled, spendLimit, tokenBudget, tokensUsed);
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
         * the circuit first) the circuit is re-read and the decision made again ({@link GenerateSettings#commitRetry()});
         * if accounting still cannot commit, the item is written alone so it never stays pending.
         */
        private Recorded record(ContentItem finished, CircuitRecord read, CallResult result, boolean probe) {
            if (read == null) {
                return new Recorded(false, contents.finish(finished, worker, null, null) == ContentStore.Commit.LEASE_LOST);
            }
            CircuitRecord[] current = {read};
            return commitRetry.run(attempt -> {
                if (attempt > 1) {
                    current[0] = circuits.read().circuit();
                }
                CircuitRecord next = circuit.afterCall(current[0], clock.instant(), result, probe);
                return switch (contents.finish(finished, worker, current[0], next)) {
                    case COMMITTED -> Retry.Step.done(committed(current[0], next, finished));
                    case LEASE_LOST -> Retry.Step.done(new Recorded(false, true));
                    case RETRY -> Retry.Step.again(() -> {
                        log.warn("circuit accounting gave up", "attempts", settings.commitRetry().maxAttempts(),
                                "contentType", finished.key().contentType());
                        return new Recorded(false, contents.finish(finished, worker, null, null) == ContentStore.Commit.LEASE_LOST);
                    });
                };
            });
        }

        /** Whoever commits an opening schedules its reset. */
        private Recorded committed(CircuitRecord previous, CircuitRecord next, ContentItem finished) {
            if (!Circuit.opens(previous, next)) {
                return new Recorded(false, false);
            }
            log.warn("circuit opened", "generation", next.generation(), "contentType", finished.key().contentType());
            resets.scheduleReset(next.generation(), circuit.resetDueAt(next));
            return new Recorded(true, false);
        }
    }

    private record Recorded(boolean opened, boolean lost) {
    }

    /**
     * The time the call may take: at most the API timeout, and never past the deadline less the write margin;
     * zero (no call) when less than {@link GenerateSettings#minCallTime()} is left.
     */
    private Duration callTime(Instant deadline) {
        Duration left = Duration.between(clock.instant(), deadline).minus(settings.writeMargin());
        if (left.compareTo(settings.minCallTime()) < 0) {
            return Duration.ZERO;
        }
        return left.compareTo(settings.apiTimeout()) < 0 ? left : settings.apiTimeout();
    }

    /** Holds every instance back: moves the provider's {@code throttledUntil} forward (never back). */
    private void hold(Throttle throttle) {
        try {
            if (circuits.throttleUntil(throttle.until(), throttle.kind().wireName(), ProviderConfig.implausibleThrottleAfter(clock.instant()))) {
                log.warn(throttle.kind() == Throttle.Kind.SPEND_LIMIT ? "spend limit reached; calls held back" : "rate limited; calls held back",
                        "throttledUntil", throttle.until().toString());
            }
        } catch (RuntimeException e) {
            log.warn("throttle not recorded", "error", ErrorSummary.of(e));
        }
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
        } catch (JsonProcessingException e) {
            return NullNode.getInstance(); // a hand-edited item: generate without context rather than fail
        }
    }
}
