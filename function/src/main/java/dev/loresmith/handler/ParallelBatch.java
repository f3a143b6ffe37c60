package dev.loresmith.handler;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.ThreadFactory;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Function;

/**
 * Runs the items of a batch in parallel on a bounded pool and collects which ones must be retried:
 * those whose task says so, throws, or has not finished when the wall-clock budget runs out. The batch
 * mechanics live here only; tasks are plain domain calls.
 */
public final class ParallelBatch {

    private final ExecutorService pool;

    public ParallelBatch(int parallelism) {
        AtomicInteger n = new AtomicInteger();
        ThreadFactory daemons = r -> {
            Thread t = new Thread(r, "batch-" + n.incrementAndGet());
            t.setDaemon(true);
            return t;
        };
        this.pool = Executors.newFixedThreadPool(parallelism, daemons);
    }

    /** A task's verdict on its item. */
    public enum Result { DONE, RETRY }

    /** Returns the ids of the items to retry, in batch order. */
    public <T> List<String> run(List<T> items, Function<T, String> id, Function<T, Result> task, Duration budget) {
        long deadline = System.nanoTime() + Math.max(0, budget.toNanos());
        List<Future<Result>> futures = new ArrayList<>(items.size());
        for (T item : items) {
            futures.add(pool.submit(() -> task.apply(item)));
        }
        List<String> retry = new ArrayList<>();
        for (int i = 0; i < items.size(); i++) {
            if (await(futures.get(i), deadline) != Result.DONE) {
                retry.add(id.apply(items.get(i)));
            }
        }
        return retry;
    }

    private static Result await(Future<Result> future, long deadline) {
        try {
            return future.get(Math.max(0, deadline - System.nanoTime()), TimeUnit.NANOSECONDS);
        } catch (TimeoutException e) {
            // Out of time: report it for redelivery. The task keeps its lease, so the redelivered
            // message waits for the lease instead of calling the API twice.
            future.cancel(true);
            return Result.RETRY;
        } catch (ExecutionException e) {
            return Result.RETRY; // the task logs its own failure
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return Result.RETRY;
        }
    }
}
