package dev.loresmith.testing;

import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

import java.net.InetAddress;
import java.net.URI;
import java.util.Optional;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The suite's stand-ins listen on the loopback interface only: nothing on the network can reach them. */
class LoopbackOnlyTest {

    @Test
    @DisplayName("the embedded DynamoDB Local (the suite's and the local runner's) answers on loopback and on no other interface")
    void dynamoDbLocal() {
        Assumptions.assumeTrue(TestAws.externalEndpoint("DYNAMODB") == null, "an emulator of the environment's is in use");
        URI endpoint = TestAws.dynamoEndpoint();

        assertTrue(InetAddress.getLoopbackAddress().getHostAddress().equals(endpoint.getHost()), endpoint.toString());
        assertTrue(Interfaces.accepts(InetAddress.getLoopbackAddress(), endpoint.getPort()));
        Optional<InetAddress> other = Interfaces.nonLoopbackAddress();
        Assumptions.assumeTrue(other.isPresent(), "this machine has no other interface");
        assertFalse(Interfaces.accepts(other.get(), endpoint.getPort()), "reachable on " + other.get());
    }
}
