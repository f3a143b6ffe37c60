package dev.loresmith.queue;

import software.amazon.awssdk.services.sqs.SqsClient;

/** The generate queue on SQS. */
public final class SqsRequestQueue implements RequestQueue {

    private final SqsClient sqs;
    private final String queueUrl;

    public SqsRequestQueue(SqsClient sqs, String queueUrl) {
        this.sqs = sqs;
        this.queueUrl = queueUrl;
    }

    @Override
    public void send(String body) {
        sqs.sendMessage(r -> r.queueUrl(queueUrl).messageBody(body));
    }
}
