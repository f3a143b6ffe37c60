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
import dev.loresmith.llm.Provider;
import dev.loresmith.llm.Transport;
import dev.loresmith.log.ErrorSummary;
import dev.loresmith.log.StructuredLog;
import dev.loresmith.retry.Pause;
import dev.loresmith.retry.Retry;
import dev.loresmith.schedule.ResetScheduler;
import dev.loresmith.storage.CircuitStore;
import dev.loresmith.storage.Config;
import dev.loresmith.storage.ContentStore;
import dev.loresmith.storage.ProviderConfig;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.LocalDate;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.EnumMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalLong;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;

/**
 * The generate flow for one request: claim the item, read the config, then go down the providers in preference order —
 * for each, its gates ({@link Gates}), a plan ({@link CallPlan}), the call ({@link Transport}) and the judgement of the
 * reply ({@link Judgement}), whose effects beyond the item (tokens, the provider's throttle, a rejected schema) are
 * applied at once — until one writes the text, or one fails in a way another provider would only repeat, or no time is
 * left. Then the item's result and every provider circuit's move are written in one transaction. Whatever happens, a
 * claimed item ends {@code ready} or {@code failed} when the flow returns; when it throws, the item is still leased and
 * the message that brought it (or the upgrade sweep) finishes it after the lease. Knows nothing of Lambda events.
 */
public final class GenerateContent {

    private final ContentStore contents;
    private final CircuitStore circuits;
    private final Map<Provider, Transport> transports;
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

    public GenerateContent(ContentStore contents, CircuitStore circuits, List<Transport> transports, ResetScheduler resets, Circuit circuit,
                           GenerateSettings settings, UpgradePolicy upgrades, Clock clock, StructuredLog log, Pause pause) {
        this.contents = contents;
        this.circuits = circuits;
        this.transports = new EnumMap<>(Provider.class);
        transports.forEach(t -> this.transports.put(t.provider(), t));
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
     * Runs the flow for a message that does not say when it was requested (see
     * {@link #generate(ContentRequest, Claim.Kind, Instant, Instant)}).
     */
    public Outcome generate(ContentRequest request, Claim.Kind kind, Instant deadline) {
        return generate(request, kind, null, deadline);
    }

    /**
     * Runs the flow. {@code requestedAt} is when the message's request was made (null when it does not say): a request
     * older than the attempt that already finished the item does nothing. {@code deadline} is when the caller must
     * have its answer (for Lambda: now plus the remaining time); calls are cut short so the result can still be
     * written before it.
     */
    public Outcome generate(ContentRequest request, Claim.Kind kind, Instant requestedAt, Instant deadline) {
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
        Claim claim = contents.claim(request.key(), kind, requestedAt, worker, claimedAt, claimedAt.plus(settings.lease()),
                kind != Claim.Kind.UPGRADE ? storedContext(request.context()) : null, claimedAt.plus(settings.requeue().afterClaim()));
        if (!(claim instanceof Claim.Claimed claimed)) {
            return new Outcome.Duplicate(claim.item(), claim instanceof Claim.Leased);
        }
        if (kind == Claim.Kind.UPGRADE) {
            Optional<UpgradePolicy.Stop> stop = upgrades.beforeCall(claimed.item(), claimedAt);
            if (stop.isPresent()) {
                return stopped(claimed.item(), stop.get(), worker, claimedAt);
            }
        }
        return new Generation(request, kind, claimed.item(), worker, claimedAt).run(deadline);
    }

    /** An upgrade that claimed its item and may not call: the item keeps its fallback, with the follow-up the policy leaves. */
    private Outcome stopped(ContentItem item, UpgradePolicy.Stop stop, String worker, Instant now) {
        ContentItem kept = item.keptAfter(item.lastFailure(), item.attempts(), item.attemptsSince(), stop.next(), now);
        log.warn("upgrade stopped before calling", "contentType", item.key().contentType(), "contentId", item.key().contentId().toString(),
                "reason", stop.why(), "unfinished", item.unfinishedUpgrades() - 1, "next", stop.next() == null ? null : stop.next().at().toString());
        contents.finish(kept, worker, List.of());
        return new Outcome.Duplicate(kept, false);
    }

    /**
     * What one provider came to for this request. {@code before} is its circuit as this request holds it (as read, or as
     * the probe this request claimed); null when its gates turned the request away before any circuit was involved.
     */
    private record Tried(Provider provider, EffectiveState seen, CircuitRecord before, boolean probe, Judgement judgement,
                         Duration latency, Instant at) {

        /** The reason this provider gave no text; null when it generated it. */
        FallbackReason reason() {
            return judgement.verdict() instanceof Judgement.Failed failed ? failed.reason() : null;
        }

        /** Its circuit's move, decided from {@code current} (its record as last read). */
        CircuitStore.CircuitMove move(Circuit circuit, CircuitRecord current) {
            return new CircuitStore.CircuitMove(provider, current, circuit.afterCall(current, at, judgement.circuit(), probe));
        }
    }

    /** One claimed item, from the config read to the written result. */
    private final class Generation {
        private final ContentRequest request;
        private final Claim.Kind kind;
        private final ContentItem item;
        private final String worker;
        private final Instant claimedAt;
        private final List<Tried> tried = new ArrayList<>();
        private final Map<Provider, EffectiveState> circuitsSeen = new LinkedHashMap<>();
        private Provider primary;
        /** The providers whose passed spend-limit hold this request checks, with the check's lease. */
        private final Map<Provider, Instant> spendLimitChecks = new EnumMap<>(Provider.class);
        private EffectiveState seen = EffectiveState.CLOSED;
        private OptionalLong tokenBudget = OptionalLong.empty();
        private long tokensUsed;

        Generation(ContentRequest request, Claim.Kind kind, ContentItem item, String worker, Instant claimedAt) {
            this.request = request;
            this.kind = kind;
            this.item = item;
            this.worker = worker;
            this.claimedAt = claimedAt;
        }

        Outcome run(Instant deadline) {
            Config config;
            try {
                config = circuits.read().checkedAt(clock.instant());
            } catch (RuntimeException e) {
                log.warn("config item unreadable", "contentType", type().name(), "error", ErrorSummary.of(e));
                tried.add(new Tried(null, EffectiveState.CLOSED, null, false,
                        Judgement.refused(FallbackReason.CONFIG_UNAVAILABLE), Duration.ZERO, clock.instant()));
                return result(null, null);
            }
            reportProblems(config);
            tokenBudget = config.tokenBudget();
            tokensUsed = config.tokensUsedOn(LocalDate.ofInstant(clock.instant(), ZoneOffset.UTC));
            List<Provider> order = config.order();
            primary = order.get(0);
            seen = config.provider(primary).circuit().effective();
            order.forEach(p -> circuitsSeen.put(p, config.provider(p).circuit().effective()));
            for (Provider provider : probeFirst(order, config)) {
                Tried attempt = attempt(provider, config, deadline);
                tried.add(attempt);
                FallbackReason reason = attempt.reason();
                if (reason == null || !reason.failsOver()) {
                    break; // generated; or what another provider would only repeat; or no time left
                }
            }
            return result(config, tried.get(tried.size() - 1).reason() == null ? tried.get(tried.size() - 1) : null);
        }

        /**
         * The order this request goes down: the configured one, except that a provider further down whose circuit waits
         * for its probe (half-open after its reset, or its reset overdue) is tried first. Otherwise a second provider that
         * recovered while the first answered would stay half-open — its alarm on, and at the first's next outage every
         * request but one turned away from it. One request per reset pays for the probe; a failed probe moves on.
         */
        private List<Provider> probeFirst(List<Provider> order, Config config) {
            Instant now = clock.instant();
            for (int i = 1; i < order.size(); i++) {
                if (circuit.admit(config.provider(order.get(i)).circuit(), now) instanceof Admission.Probe) {
                    List<Provider> reordered = new ArrayList<>(order);
                    reordered.add(0, reordered.remove(i));
                    return reordered;
                }
            }
            return order;
        }

        /** One provider's turn: its gates, the probe if its circuit is half-open, then the call. */
        private Tried attempt(Provider provider, Config config, Instant deadline) {
            ProviderConfig own = config.provider(provider);
            Instant now = clock.instant();
            EffectiveState state = own.circuit().effective();
            Transport transport = transports.get(provider);
            Transport.Readiness readiness = transport == null ? new Transport.Readiness.Absent("no transport to " + provider + " in this function")
                    : transport.readiness();
            Gates.Gate gate = Gates.admit(readiness, own, tokenBudget, tokensUsed, circuit, now);
            if (gate instanceof Gates.Refuse refuse) {
                if (refuse.problem() != null) {
                    reportOnce(provider + " credentials: " + refuse.problem(), () -> log.error(provider == Provider.ANTHROPIC
                            ? "api key unusable; requests fall back no_config" : "provider credentials unusable", "provider",
                            provider.wireName(), "problem", refuse.problem()));
                }
                return new Tried(provider, state, null, false, Judgement.refused(refuse.reason()), Duration.ZERO, now);
            }
            if (((Gates.Pass) gate).spendLimitCheck()) {
                // A spend limit lifts at no time we know: of all the callers that find its hold passed, one checks it.
                Instant lease = now.plus(circuit.settings().probeLease());
                boolean won;
                try {
                    won = circuits.claimSpendLimitCheck(provider, own.throttledUntil(), lease);
                } catch (RuntimeException e) {
                    log.warn("spend-limit check claim failed", "provider", provider.wireName(), "error", ErrorSummary.of(e));
                    return new Tried(provider, state, null, false, Judgement.refused(FallbackReason.CONFIG_UNAVAILABLE), Duration.ZERO, now);
                }
                if (!won) {
                    return new Tried(provider, state, null, false, Judgement.refused(FallbackReason.RATE_LIMITED), Duration.ZERO, now);
                }
                spendLimitChecks.put(provider, lease);
            }
            CircuitRecord before = own.circuit();
            boolean probe = false;
            if (((Gates.Pass) gate).admission() instanceof Admission.Probe p) {
                // Several callers may see the same half-open record; the version condition lets exactly one claim the probe.
                boolean won;
                try {
                    won = circuits.replace(provider, before, p.claimed());
                } catch (RuntimeException e) {
                    log.warn("probe claim failed", "provider", provider.wireName(), "error", ErrorSummary.of(e));
                    return new Tried(provider, state, null, false, Judgement.refused(FallbackReason.CONFIG_UNAVAILABLE), Duration.ZERO, now);
                }
                if (!won) {
                    return new Tried(provider, state, null, false, Judgement.refused(FallbackReason.CIRCUIT_OPEN), Duration.ZERO, now);
                }
                before = p.claimed();
                probe = true;
            }
            return call(transport, config, before, probe, state, deadline);
        }

        /** Plans, calls and judges — once more without the schema if the endpoint rejects it. */
        private Tried call(Transport transport, Config config, CircuitRecord before, boolean probe, EffectiveState state, Instant deadline) {
            JsonNode context = storedContextNode(item.context());
            Instant started = clock.instant();
            CallPlan plan = plan(transport.provider(), config, context, true, deadline);
            Judgement judgement = plan.timeout().isZero() ? Judgement.noTime("no time left to call", Outcome.Call.NONE)
                    : callAndApply(transport, plan);
            if (judgement.schemaRejected()) {
                // This model or endpoint does not take the schema field: from now on prompt-only JSON, and try again now.
                plan = plan(transport.provider(), config, context, false, deadline);
                judgement = plan.timeout().isZero() ? Judgement.noTime("no time left to call", Outcome.Call.FAILED)
                        : callAndApply(transport, plan);
            }
            Instant finished = clock.instant();
            return new Tried(transport.provider(), state, before, probe, judgement, Duration.between(started, finished), finished);
        }

        /** The call as planned: the model, endpoint and max_tokens the config names for the provider, the time left, the prompt. */
        private CallPlan plan(Provider provider, Config config, JsonNode context, boolean schemaWanted, Instant deadline) {
            String model = config.model(provider, settings.defaultModel(provider));
            String baseUrl = provider == Provider.ANTHROPIC ? config.baseUrl(settings.defaultBaseUrl()) : null;
            int maxTokens = config.maxTokens(provider, settings.defaultMaxTokens());
            boolean structured = schemaWanted && structuredOutputs.enabledFor(CallPlan.endpointAndModel(provider, baseUrl, model));
            return new CallPlan(provider, baseUrl, model, maxTokens, structured, callTime(deadline),
                    MessagesPrompt.of(provider, type(), context, model, maxTokens, structured));
        }

        /** Makes the call, judges the reply, and applies what the judgement means beyond the item: tokens, throttle, schema. */
        private Judgement callAndApply(Transport transport, CallPlan plan) {
            LlmReply reply = transport.send(plan);
            Instant finishedAt = clock.instant();
            Judgement judgement = Judgement.of(plan, reply, type(), finishedAt, settings.throttles(), settings.apiTimeout());
            if (tokenBudget.isPresent() && judgement.spent().budgetTokens() > 0) {
                countTokens(finishedAt, judgement.spent());
                tokensUsed += judgement.spent().budgetTokens();
            }
            Instant checking = spendLimitChecks.get(plan.provider());
            boolean stillSpent = judgement.throttle().filter(t -> t.kind() == Throttle.Kind.SPEND_LIMIT).isPresent();
            if (checking != null && judgement.providerAnswered() && !stillSpent) {
                liftSpendLimit(plan.provider(), checking); // before a 429's own hold, which then holds as usual
            }
            judgement.throttle().ifPresent(throttle -> hold(plan.provider(), throttle));
            if (judgement.schemaRejected()) {
                structuredOutputs.rejectedBy(plan);
            }
            judgement.modelUnavailable().ifPresent(problem -> reportOnce(plan.provider() + " model: " + problem,
                    () -> log.error("provider refuses the configured model; check the model id and model access", "provider",
                            plan.provider().wireName(), "parameter", plan.provider().modelParameter(), "model", plan.model(),
                            "problem", problem)));
            if (judgement.verdict() instanceof Judgement.Failed failed && failed.reason().quality()) {
                // Quality, not availability: which rule the reply broke (field names and rules only, never its text).
                log.warn("reply rejected", "contentType", type().name(), "provider", plan.provider().wireName(),
                        "reason", failed.reason().code(), "detail", failed.detail());
            }
            return judgement;
        }

        /**
         * Writes what the request came to: the generated text ({@code generator}), or the fallback for the primary's
         * reason, with every provider circuit's move, in one transaction.
         */
        private Outcome result(Config config, Tried generator) {
            Instant now = clock.instant();
            ContentItem written;
            FallbackReason primaryReason = primaryReason();
            if (generator != null) {
                Judgement.Generated generated = (Judgement.Generated) generator.judgement().verdict();
                written = item.finished(ContentStatus.READY, generated.json(), generated.model(), generator.at())
                        .withUpgrade(item.status() == ContentStatus.FAILED ? item.fallbackReason().orElse(null) : null,
                                attemptsAfter(), attemptsSince())
                        .writtenBy(generator.provider().wireName());
            } else {
                written = fallbackItem(config, now);
            }
            written = written.finishedByAttemptClaimedAt(claimedAt);
            Recorded recorded = record(written, config);
            if (recorded.lost()) {
                return lost(written);
            }
            List<Outcome.Attempt> attempts = attempts(recorded);
            Duration apiLatency = tried.stream().map(Tried::latency).reduce(Duration.ZERO, Duration::plus);
            boolean spendLimit = tried.stream().anyMatch(t -> t.judgement().throttle().filter(h -> h.kind() == Throttle.Kind.SPEND_LIMIT).isPresent());
            boolean throttled = attempts.stream().anyMatch(Outcome.Attempt::throttled);
            Outcome.Conditions conditions = new Outcome.Conditions(seen, throttled, spendLimit, tokenBudget, tokensUsed, circuitsSeen);
            if (generator != null) {
                return new Outcome.Ready(written, generator.judgement().spent(), generator.probe(), apiLatency, conditions, attempts);
            }
            Outcome.Call farthest = tried.stream().map(t -> t.judgement().call()).max(Enum::compareTo).orElse(Outcome.Call.NONE);
            LlmReply.Usage spent = tried.stream().map(t -> t.judgement().spent()).reduce(LlmReply.Usage.NONE, LlmReply.Usage::plus);
            return new Outcome.Fallback(written, primaryReason, item.status() == ContentStatus.FAILED, !recorded.opened().isEmpty(),
                    tried.stream().anyMatch(Tried::probe), farthest, apiLatency, spent, conditions, attempts);
        }

        /**
         * The first provider's reason (the one {@code model} carries): the first in {@code Providers}, wherever it came in
         * this request's order; if the request never reached it (a probe-first call ended it), the first provider tried.
         */
        private FallbackReason primaryReason() {
            return tried.stream().filter(t -> t.provider() == primary).findFirst().orElse(tried.get(0)).reason();
        }

        private List<Outcome.Attempt> attempts(Recorded recorded) {
            List<Outcome.Attempt> attempts = new ArrayList<>();
            for (Tried t : tried) {
                if (t.provider() != null) {
                    attempts.add(new Outcome.Attempt(t.provider(), t.seen(), t.reason(), t.judgement().call(), t.latency(),
                            t.judgement().spent(), t.probe(), recorded.opened().contains(t.provider())));
                }
            }
            return attempts;
        }

        /**
         * The item as a fallback leaves it. A failed item (a retry, or an upgrade) keeps its text, model, status and
         * reasons — a reader never sees it change — and only records the attempt; anything else gets the type's
         * fallback, with the primary provider's reason in {@code model} and each provider's in {@code providerReasons}.
         * Either way the upgrade policy says when, if ever, it is tried again: when any provider's reason allows it.
         */
        private ContentItem fallbackItem(Config config, Instant now) {
            FallbackReason primary = primaryReason();
            List<FallbackReason> reasons = tried.stream().map(Tried::reason).toList();
            Instant throttledUntil = throttledUntil(config);
            if (item.status() == ContentStatus.FAILED && type().shapes(item.text())) {
                FollowUp next = upgrades.afterKept(type(), item, reasons, attemptsAfter(), attemptsSince(), now, throttledUntil);
                return item.keptAfter(primary.code(), attemptsAfter(), attemptsSince(), next, now);
            }
            // No text yet — or none of the type's shape: the {} of a pending item closed while its type was removed.
            Map<String, String> byProvider = new LinkedHashMap<>();
            // In preference order, however this request went down it (a probe may have come first).
            List<Provider> order = config == null ? List.of() : config.order();
            tried.stream().filter(t -> t.provider() != null)
                    .sorted(Comparator.comparingInt(t -> order.indexOf(t.provider())))
                    .forEach(t -> byProvider.put(t.provider().wireName(), t.reason().code()));
            ContentItem failed = item.finished(ContentStatus.FAILED, type().fallbackFor(request.id()), primary.model(), now)
                    .withProviderReasons(byProvider);
            return failed.withFollowUp(upgrades.after(type(), failed, reasons, 0, null, now, throttledUntil));
        }

        /**
         * When an upgrade could first succeed as far as the providers' throttles say: the earliest of their throttles when
         * every provider tried holds calls back; none when any does not.
         */
        private Instant throttledUntil(Config config) {
            Instant earliest = null;
            for (Tried t : tried) {
                Instant until = t.judgement().throttle().map(Throttle::until)
                        .orElse(t.provider() == null || config == null ? null : config.provider(t.provider()).throttledUntil());
                if (until == null) {
                    return null;
                }
                earliest = earliest == null || until.isBefore(earliest) ? until : earliest;
            }
            return earliest;
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
         * Writes the finished item together with what the request means for each provider's circuit, in one transaction
         * conditioned on this worker's lease and on each circuit's version. On a conflict (another instance changed a
         * circuit first) the circuits are re-read and the moves decided again ({@link GenerateSettings#commitRetry()});
         * if accounting still cannot commit, the item is written alone so it never stays pending.
         */
        private Recorded record(ContentItem finished, Config config) {
            List<Tried> involved = tried.stream().filter(t -> t.before() != null).toList();
            if (config == null || involved.isEmpty()) {
                return new Recorded(List.of(), contents.finish(finished, worker, List.of()) == ContentStore.Commit.LEASE_LOST);
            }
            Map<Provider, CircuitRecord> current = new EnumMap<>(Provider.class);
            involved.forEach(t -> current.put(t.provider(), t.before()));
            return commitRetry.run(attempt -> {
                if (attempt > 1) {
                    Config fresh = circuits.read();
                    involved.forEach(t -> current.put(t.provider(), fresh.provider(t.provider()).circuit()));
                }
                List<CircuitStore.CircuitMove> moves = involved.stream().map(t -> t.move(circuit, current.get(t.provider()))).toList();
                return switch (contents.finish(finished, worker, moves)) {
                    case COMMITTED -> Retry.Step.done(committed(moves, finished));
                    case LEASE_LOST -> Retry.Step.done(new Recorded(List.of(), true));
                    case RETRY -> Retry.Step.again(() -> {
                        log.warn("circuit accounting gave up", "attempts", settings.commitRetry().maxAttempts(),
                                "contentType", finished.key().contentType());
                        return new Recorded(List.of(), contents.finish(finished, worker, List.of()) == ContentStore.Commit.LEASE_LOST);
                    });
                };
            });
        }

        /** Whoever commits an opening schedules its reset. */
        private Recorded committed(List<CircuitStore.CircuitMove> moves, ContentItem finished) {
            List<Provider> opened = new ArrayList<>();
            for (CircuitStore.CircuitMove move : moves) {
                if (Circuit.opens(move.expected(), move.next())) {
                    log.warn("circuit opened", "provider", move.provider().wireName(), "generation", move.next().generation(),
                            "contentType", finished.key().contentType());
                    resets.scheduleReset(move.provider(), move.next().generation(), circuit.resetDueAt(move.next()));
                    opened.add(move.provider());
                }
            }
            return new Recorded(opened, false);
        }
    }

    /** {@code opened}: the providers whose circuit this result opened. */
    private record Recorded(List<Provider> opened, boolean lost) {
    }

    /**
     * The time a call may take: at most the API timeout, and never past the deadline less the write margin;
     * zero (no call) when less than {@link GenerateSettings#minCallTime()} is left.
     */
    private Duration callTime(Instant deadline) {
        Duration left = Duration.between(clock.instant(), deadline).minus(settings.writeMargin());
        if (left.compareTo(settings.minCallTime()) < 0) {
            return Duration.ZERO;
        }
        return left.compareTo(settings.apiTimeout()) < 0 ? left : settings.apiTimeout();
    }

    /** Holds every instance back from {@code provider}: moves its {@code throttledUntil} forward (never back). */
    private void hold(Provider provider, Throttle throttle) {
        try {
            if (circuits.throttleUntil(provider, throttle.until(), throttle.kind().wireName(),
                    ProviderConfig.implausibleThrottleAfter(clock.instant()))) {
                log.warn(throttle.kind() == Throttle.Kind.SPEND_LIMIT ? "spend limit reached; calls held back" : "rate limited; calls held back",
                        "provider", provider.wireName(), "throttledUntil", throttle.until().toString());
            }
        } catch (RuntimeException e) {
            log.warn("throttle not recorded", "provider", provider.wireName(), "error", ErrorSummary.of(e));
        }
    }

    /** The check of a spend-limit hold heard the provider answer without it: every instance may call again. */
    private void liftSpendLimit(Provider provider, Instant checkLease) {
        try {
            circuits.liftSpendLimit(provider, checkLease);
            log.info("spend limit lifted; calls resume", "provider", provider.wireName());
        } catch (RuntimeException e) {
            // the check's lease ends soon and the next caller checks again
            log.warn("spend limit not lifted", "provider", provider.wireName(), "error", ErrorSummary.of(e));
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

    private void reportProblems(Config config) {
        for (Config.Problem problem : config.problems()) {
            reportOnce(problem.item() + ": " + problem.problem(), () -> log.error(
                    "config item has a value the code does not understand; using the safe default", "item", problem.item(),
                    "problem", problem.problem()));
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
