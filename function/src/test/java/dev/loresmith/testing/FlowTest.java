package dev.loresmith.testing;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;

/**
 * Base for tests of the flow and its handlers: one WireMock Anthropic and one WireMock AWS per test
 * class, fresh DynamoDB tables and a fresh harness per test.
 */
public abstract class FlowTest {

    protected static FakeAnthropic anthropic;
    protected static FakeAws aws;
    protected FlowHarness h;

    @BeforeAll
    static void startFakes() {
        anthropic = new FakeAnthropic();
        aws = new FakeAws();
    }

    @AfterAll
    static void stopFakes() {
        anthropic.close();
        aws.close();
    }

    @BeforeEach
    void freshHarness() {
        anthropic.reset();
        aws.reset();
        h = new FlowHarness(anthropic, aws);
    }
}
