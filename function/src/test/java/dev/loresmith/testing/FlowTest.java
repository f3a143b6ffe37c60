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
        aws = new FakeAws(); // may abort the class when its AWS endpoint is unavailable
    }

    @AfterAll
    static void stopFakes() {
        // null when start-up was aborted (e.g. -Plocalstack without Docker): the class is skipped, not failed
        if (anthropic != null) {
            anthropic.close();
        }
        if (aws != null) {
            aws.close();
        }
        anthropic = null;
        aws = null;
    }

    @BeforeEach
    void freshHarness() {
        anthropic.reset();
        aws.reset();
        h = new FlowHarness(anthropic, aws);
    }
}
