package dev.loresmith.handler;

import dev.loresmith.log.StructuredLog;
import org.crac.Context;
import org.crac.Core;
import org.crac.Resource;

import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;

/**
 * SnapStart priming: before Lambda takes the snapshot of an initialised function, run the handler's
 * side-effect-free warm-up (parse, render prompts, read from DynamoDB) so the classes and clients the
 * first invocation needs are loaded and JIT-ready in the snapshot. Never writes, never calls the
 * Anthropic API, never reads the secret (a key must not live in a snapshot).
 */
final class Priming implements Resource {

    /** org.crac holds resources weakly; these strong references keep them registered. */
    private static final List<Priming> REGISTERED = new CopyOnWriteArrayList<>();

    private final String handler;
    private final Runnable warmUp;
    private final StructuredLog log;

    private Priming(String handler, Runnable warmUp, StructuredLog log) {
        this.handler = handler;
        this.warmUp = warmUp;
        this.log = log;
    }

    static void beforeSnapshot(String handler, Runnable warmUp, StructuredLog log) {
        Priming priming = new Priming(handler, warmUp, log);
        REGISTERED.add(priming);
        Core.getGlobalContext().register(priming);
    }

    @Override
    public void beforeCheckpoint(Context<? extends Resource> context) {
        long started = System.nanoTime();
        try {
            warmUp.run();
            log.info("primed for snapshot", "handler", handler, "ms", (System.nanoTime() - started) / 1_000_000);
        } catch (RuntimeException e) {
            // A failed warm-up only costs the first invocation some time; never block the snapshot.
            log.warn("priming failed", "handler", handler, "error", e.getClass().getSimpleName());
        }
    }

    @Override
    public void afterRestore(Context<? extends Resource> context) {
        // Nothing to refresh. Not because random state is reseeded: it is not. Every environment restored from one
        // snapshot resumes with the same java.util.Random and ThreadLocalRandom state, and with anything drawn before
        // the snapshot. What is safe after a restore: java.security.SecureRandom (Lambda's Java runtimes keep it
        // unique across restores: the CSPRNG the SnapStart guide names) and so UUID.randomUUID(), which the code draws
        // per request (worker ids, transaction tokens), never during init or priming; and the back-off jitter
        // (RetryPolicy), which mixes System.nanoTime() into ThreadLocalRandom. The SDK clients resolve
        // credentials on first use, after the restore, and priming never reads the secret.
    }
}
