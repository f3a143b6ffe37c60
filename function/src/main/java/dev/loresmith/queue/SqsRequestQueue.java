package dev.loresmith.queue;

import dev.loresmith.aws.CallTimeouts;
import dev.loresmith.item.Claim;
import software.amazon.awssdk.services.sqs.SqsClient;
import software.amazon.awssdk.services.sqs.model.MessageAttributeValue;
import software.amazon.awssdk.services.sqs.model.QueueAttributeName;

import java.time.Duration;
import java.time.Instant;
import java.util.HashMap;
import java.util.Map;

/** The generate queue on SQS. */
public final class SqsRequestQueue implements RequestQueue {

    private final SqsClient sqs;
    private final String queueUrl;

    public SqsRequestQueue(SqsClient sqs, String queueUrl) {
        this.sqs = sqs;
        this.queueUrl = queueUrl;
    }

    @Override
    public void send(String body, Claim.Kind kind, Instant requestedAt, Duration within) {
        Map<String, MessageAttributeValue> attributes = new HashMap<>();
        attributes.put(REQUESTED_AT_ATTRIBUTE, MessageAttributeValue.builder().dataType("String").stringValue(requestedAt.toString()).build());
        if (kind.attribute() != null) {
            attributes.put(KIND_ATTRIBUTE, MessageAttributeValue.builder().dataType("String").stringValue(kind.attribute()).build());
        }
        sqs.sendMessage(r -> r.queueUrl(queueUrl).messageBody(body).messageAttributes(attributes)
                .overrideConfiguration(CallTimeouts.within(within)));
    }

    @Override
    public long backlog() {
        String value = sqs.getQueueAttributes(r -> r.queueUrl(queueUrl).attributeNames(QueueAttributeName.APPROXIMATE_NUMBER_OF_MESSAGES))
                .attributes().get(QueueAttributeName.APPROXIMATE_NUMBER_OF_MESSAGES);
        return value == null ? 0 : Long.parseLong(value);
    }
}
