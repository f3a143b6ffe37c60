package dev.loresmith.llm;

import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.net.ConnectException;
import java.net.http.HttpConnectTimeoutException;
import java.net.http.HttpTimeoutException;
import java.time.Duration;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** How a failed exchange is classified: only a request that ran out of its own time is a timeout. */
class HttpExchangeTest {

    @Test
    @DisplayName("a connection not accepted in 5 s is a failure, not a timeout (a call cut short by our deadline would make it no_time);"
            + " a request out of time is a timeout; anything else a failure named by its class")
    void networkErrors() {
        Duration shortened = Duration.ofSeconds(12); // less than the full 30 s: a timeout in it would be no_time

        LlmReply.NetworkError connect = HttpExchange.networkError(new HttpConnectTimeoutException("HTTP connect timed out"), shortened);
        assertFalse(connect.timedOut(), "counted: the endpoint took no connection, whatever time was left");
        assertEquals("connection not accepted within 5000 ms", connect.problem());

        LlmReply.NetworkError request = HttpExchange.networkError(new HttpTimeoutException("request timed out"), shortened);
        assertTrue(request.timedOut());
        assertEquals("timed out after 12000 ms", request.problem());

        LlmReply.NetworkError refused = HttpExchange.networkError(new ConnectException("Connection refused"), shortened);
        assertFalse(refused.timedOut());
        assertEquals("ConnectException", refused.problem(), "the class, never a foreign message");
        assertEquals("IOException", HttpExchange.networkError(new IOException("secret-ish text"), shortened).problem());
    }
}
