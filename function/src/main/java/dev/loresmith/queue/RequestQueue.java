package dev.loresmith.queue;

/** Where accepted requests wait to be generated: SQS in AWS, an in-process stand-in when run locally. */
public interface RequestQueue {

    /** Enqueues one request body (the JSON of DESIGN.md "Requests"). Throws if it could not. */
    void send(String body);
}
