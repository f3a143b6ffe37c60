package dev.loresmith.testing;

import com.amazonaws.services.lambda.runtime.ClientContext;
import com.amazonaws.services.lambda.runtime.CognitoIdentity;
import com.amazonaws.services.lambda.runtime.Context;
import com.amazonaws.services.lambda.runtime.LambdaLogger;

import java.nio.charset.StandardCharsets;
import java.util.UUID;

/** A Lambda context with a chosen remaining time. */
public final class FakeContext implements Context {

    private final int remainingMillis;
    private final String requestId = UUID.randomUUID().toString();

    public FakeContext(int remainingMillis) {
        this.remainingMillis = remainingMillis;
    }

    public static FakeContext withSeconds(int seconds) {
        return new FakeContext(seconds * 1000);
    }

    @Override public String getAwsRequestId() { return requestId; }
    @Override public String getLogGroupName() { return "/aws/lambda/loresmith-test"; }
    @Override public String getLogStreamName() { return "test"; }
    @Override public String getFunctionName() { return "loresmith-test"; }
    @Override public String getFunctionVersion() { return "1"; }
    @Override public String getInvokedFunctionArn() { return "arn:aws:lambda:us-east-1:000000000000:function:loresmith-test:live"; }
    @Override public CognitoIdentity getIdentity() { return null; }
    @Override public ClientContext getClientContext() { return null; }
    @Override public int getRemainingTimeInMillis() { return remainingMillis; }
    @Override public int getMemoryLimitInMB() { return 1024; }

    @Override
    public LambdaLogger getLogger() {
        return new LambdaLogger() {
            @Override public void log(String message) { SecretWatch.check("lambda log", message); }
            @Override public void log(byte[] message) { log(new String(message, StandardCharsets.UTF_8)); }
        };
    }
}
