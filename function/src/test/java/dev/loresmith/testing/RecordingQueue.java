package dev.loresmith.testing;

import com.fasterxml.jackson.databind.JsonNode;
import dev.loresmith.queue.RequestQueue;

import java.util.ArrayList;
import java.util.Collections;
import java.util.List;

/** A queue that keeps what it is sent; can be told to fail like an unavailable SQS. */
public final class RecordingQueue implements RequestQueue {

    private final List<String> sent = Collections.synchronizedList(new ArrayList<>());
    private volatile boolean unavailable;

    @Override
    public void send(String body) {
        if (unavailable) {
            throw new IllegalStateException("queue unavailable (scripted)");
        }
        sent.add(body);
    }

    public void unavailable() {
        unavailable = true;
    }

    public List<JsonNode> messages() {
        synchronized (sent) {
            return sent.stream().map(TestJson::parse).toList();
        }
    }
}
