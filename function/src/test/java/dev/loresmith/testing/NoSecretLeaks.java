package dev.loresmith.testing;

import org.junit.jupiter.api.extension.AfterEachCallback;
import org.junit.jupiter.api.extension.ExtensionContext;
import org.junit.jupiter.api.extension.TestExecutionExceptionHandler;

/**
 * Registered for every test of the suite (junit-platform.properties, service loader): after each test,
 * no captured log line may have carried the API key, and no exception a test ends with may carry it.
 */
public final class NoSecretLeaks implements AfterEachCallback, TestExecutionExceptionHandler {

    @Override
    public void afterEach(ExtensionContext context) {
        if (SecretWatch.leaks() != 0) {
            throw new AssertionError("the API key appeared " + SecretWatch.leaks() + " time(s) in logs or exceptions");
        }
    }

    @Override
    public void handleTestExecutionException(ExtensionContext context, Throwable throwable) throws Throwable {
        SecretWatch.check(throwable);
        throw throwable;
    }
}
