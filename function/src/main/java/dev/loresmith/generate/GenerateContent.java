package dev.loresmith.generate;

import dev.loresmith.circuit.Admission;
import dev.loresmith.circuit.CallResult;
import dev.loresmith.circuit.Circuit;
import dev.loresmith.circuit.CircuitRecord;
import dev.loresmith.content.Claim;
import dev.loresmith.content.ContentItem;
import dev.loresmith.content.ContentRequest;
import dev.loresmith.content.ContentStatus;
import dev.loresmith.llm.LlmClient;
import dev.loresmith.llm.LlmReply;
import dev.loresmith.llm.MessagesPrompt;
import dev.loresmith.log.StructuredLog;
import dev.loresmith.schedule.ResetScheduler;
import dev.loresmith.secrets.ApiKeySource;
import dev.loresmith.storage.CircuitStore;
import dev.loresmith.storage.ContentStore;
import dev.loresmith.storage.ProviderConfig;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.Optional;
import java.util.UUID;
import java.util.concurrent.ThreadLocalRandom;

/**
 * The generate flow for one request: claim the item, consult the circuit, call the API, and write
 * the result — generated text, or the type's deterministic fallback. Whatever happens, the claimed
 * item ends {@code ready} or {@code failed}; it is never left {@code pending} by a flow that returns.
 * Knows nothing of Lambda events.
 */
public final class GenerateContent {

    private final ContentStore contents;
    private final CircuitStore circuits;
    private final LlmClient llm;
    private final ApiKeySource apiKeys;
    private final ResetScheduler resets;
    private final Circuit circuit;
    private final GenerateSettings settings;
    private final Clock clock;
    private final StructuredLog log;

    public GenerateContent(ContentStore contents, CircuitStore circuits, LlmClient llm, ApiKeySource apiKeys,
                           ResetScheduler resets, Circuit circuit, GenerateSettings settings, Clock clock, StructuredLog log) {
        this.contents = contents;
        this.circuits = circuits;
        this.llm = llm;
        this.apiKeys = apiKeys;
        this.resets = resets;
        this.circuit = circuit;
        this.settings = settings;
        this.clock = clock;
        this.log = log;
    }

    /**
     * Runs the flow. {@code deadline} is when the caller must have its answer (for Lambda: now plus the
     * remaining time); the API call is cut short so the result can still be written before it.
     */
    public Outcome generate(ContentRequest request, Instant deadline) {
        Instant started = clock.instant();
        String worker = UUID.randomUUID().toString();
        Claim claim = contents.claim(request.key(), worker, started, started.plus(settings.lease()));
        if (!(claim instanceof Claim.Claimed claimed)) {
            return new Outcome.Duplicate(claim.item());
        }
        ContentItem item = claimed.item();
        ProviderConfig config = circuits.read();

        Optional<String> apiKey = apiKeys.apiKey();
        if (apiKey.isEmpty()) {
            return fallbackWithoutCall(request, item, FallbackReason.NO_CONFIG);
        }
        CircuitRecord before = config.circuit();
        boolean probe = false;
        Admission admission = circuit.admit(before, clock.instant());
        if (admission instanceof Admission.Reject) {
            return fallbackWithoutCall(request, item, FallbackReason.CIRCUIT_OPEN);
        }
        if (admission instanceof Admission.Probe p) {
            // Several callers may see the same half-open record; the version condition lets exactly one claim the probe.
            if (!circuits.replace(before, p.claimed())) {
                return fallbackWithoutCall(request, item, FallbackReason.CIRCUIT_OPEN);
            }
            before = p.claimed();
            probe = true;
        }

        Duration budget = callBudget(deadline);
        String model = config.model().orElse(settings.defaultModel());
        ReplyJudge.Verdict verdict;
        LlmReply.Usage spent = LlmReply.Usage.NONE;
        Instant callStarted = clock.instant();
        if (budget.isZero()) {
            verdict = new ReplyJudge.Failed(FallbackReason.NO_TIME);
        } else {
            MessagesPrompt prompt = MessagesPrompt.of(request.type(), request.context(), model,
                    config.maxTokens().orElse(settings.defaultMaxTokens()));
            LlmReply reply = llm.complete(prompt, apiKey.get(), budget);
            verdict = ReplyJudge.judge(reply, request.type(), model);
            if (reply instanceof LlmReply.Answer answer) {
                spent = answer.usage();
            }
        }

        Instant finishedAt = clock.instant();
        Duration apiLatency = Duration.between(callStarted, finishedAt);
        if (verdict instanceof ReplyJudge.Generated g) {
            ContentItem ready = item.finished(ContentStatus.READY, g.json(), g.model(), finishedAt);
            record(ready, before, CallResult.SUCCESS, probe);
            return new Outcome.Ready(ready, g.usage(), probe, apiLatency);
        }
        FallbackReason reason = ((ReplyJudge.Failed) verdict).reason();
        ContentItem failed = fallbackItem(request, item, reason, finishedAt);
        boolean opened = record(failed, before, reason.circuit(), probe);
        return new Outcome.Fallback(failed, reason, opened, probe, apiLatency, spent);
    }

    /** The time the API call may take: at most the API timeout, and never past the deadline less the write margin. */
    private Duration callBudget(Instant deadline) {
        Duration left = Duration.between(clock.instant(), deadline).minus(settings.writeMargin());
        if (left.isNegative() || left.isZero()) {
            return Duration.ZERO;
        }
        return left.compareTo(settings.apiTimeout()) < 0 ? left : settings.apiTimeout();
    }

    private Outcome fallbackWithoutCall(ContentRequest request, ContentItem item, FallbackReason reason) {
        ContentItem failed = fallbackItem(request, item, reason, clock.instant());
        contents.finish(failed);
        return new Outcome.Fallback(failed, reason, false, false, Duration.ZERO, LlmReply.Usage.NONE);
    }

    private static ContentItem fallbackItem(ContentRequest request, ContentItem item, FallbackReason reason, Instant at) {
        return item.finished(ContentStatus.FAILED, request.type().fallbackFor(request.id()), reason.model(), at);
    }

    /**
     * Writes the finished item together with what the call means for the circuit, in one transaction.
     * On a conflict (another instance changed the circuit first) the circuit is re-read and the decision
     * made again, a bounded number of times; if accounting still cannot commit, the item is written alone
     * so it never stays pending. Returns whether this write opened the circuit.
     */
    private boolean record(ContentItem finished, CircuitRecord read, CallResult result, boolean probe) {
        CircuitRecord current = read;
        for (int attempt = 1; ; attempt++) {
            Instant now = clock.instant();
            CircuitRecord next = circuit.afterCall(current, now, result, probe);
            if (next == current) {
                contents.finish(finished);
                return false;
            }
            switch (contents.finishWithCircuit(finished, current, next)) {
                case COMMITTED -> {
                    if (Circuit.opens(current, next)) {
                        log.warn("circuit opened", "generation", next.generation(), "contentType", finished.key().contentType());
                        resets.scheduleReset(next.generation(), circuit.resetDueAt(next));
                        return true;
                    }
                    return false;
                }
                case ITEM_ALREADY_READY -> {
                    return false; // another worker generated it meanwhile; its text stands
                }
                case CIRCUIT_CHANGED -> {
                    if (attempt >= settings.maxCommitAttempts()) {
                        log.warn("circuit accounting gave up", "attempts", attempt, "contentType", finished.key().contentType());
                        contents.finish(finished);
                        return false;
                    }
                    pause(attempt);
                    current = circuits.read().circuit();
                }
            }
        }
    }

    /** Full-jitter backoff between commit attempts: spreads instances that collided on the circuit item. */
    private static void pause(int attempt) {
        long capMillis = Math.min(200, 10L << attempt);
        try {
            // nanoTime mixed in: instances restored from one SnapStart snapshot share their random seeds
            long random = ThreadLocalRandom.current().nextLong() ^ System.nanoTime();
            Thread.sleep(Math.floorMod(random, capMillis + 1));
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
