package dev.loresmith.bench;

import com.amazonaws.services.lambda.runtime.Context;
import com.amazonaws.services.lambda.runtime.RequestHandler;
import com.amazonaws.services.lambda.runtime.events.SQSBatchResponse;
import com.amazonaws.services.lambda.runtime.events.SQSEvent;

import java.util.List;

/** The cold-start baseline: an SQS handler that does nothing, loaded through the same runtime path. */
public final class TrivialHandler implements RequestHandler<SQSEvent, SQSBatchResponse> {

    @Override
    public SQSBatchResponse handleRequest(SQSEvent event, Context context) {
        return SQSBatchResponse.builder().withBatchItemFailures(List.of()).build();
    }
}
