package dev.loresmith.aws;

import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import software.amazon.awssdk.regions.Region;

import java.net.URI;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;

/** Endpoints resolved as the AWS SDKs resolve them, for the services whose calls we sign ourselves. */
class EndpointsTest {

    static URI resolve(String service, String prefix, String region, Map<String, String> env) {
        return Endpoints.resolve(service, prefix, Region.of(region), env::get);
    }

    @Test
    @DisplayName("no variables: https://<prefix>.<region>.<the partition's DNS suffix>")
    void regional() {
        assertEquals(URI.create("https://events.us-east-1.amazonaws.com"), resolve("EVENTBRIDGE", "events", "us-east-1", Map.of()));
        assertEquals(URI.create("https://events.cn-northwest-1.amazonaws.com.cn"), resolve("EVENTBRIDGE", "events", "cn-northwest-1", Map.of()));
        assertEquals(URI.create("https://events.us-gov-west-1.amazonaws.com"), resolve("EVENTBRIDGE", "events", "us-gov-west-1", Map.of()));
        assertEquals(URI.create("https://bedrock-runtime.eu-west-3.amazonaws.com"),
                resolve("BEDROCK_RUNTIME", "bedrock-runtime", "eu-west-3", Map.of()));
    }

    @Test
    @DisplayName("a region newer than this SDK (Region.metadata() is null for it) resolves by the partition its name matches")
    void unknownRegion() {
        assertNull(Region.of("eu-central-3").metadata(), "the case that used to throw a NullPointerException at start-up");
        assertEquals(URI.create("https://events.eu-central-3.amazonaws.com"), resolve("EVENTBRIDGE", "events", "eu-central-3", Map.of()));
        assertEquals(URI.create("https://events.cn-south-9.amazonaws.com.cn"), resolve("EVENTBRIDGE", "events", "cn-south-9", Map.of()));
    }

    @Test
    @DisplayName("AWS_ENDPOINT_URL_<SERVICE> wins over AWS_ENDPOINT_URL, which wins over the region; blank values count as unset")
    void configured() {
        assertEquals(URI.create("http://localhost:4566"),
                resolve("BEDROCK_RUNTIME", "bedrock-runtime", "us-east-1", Map.of("AWS_ENDPOINT_URL", "http://localhost:4566")));
        assertEquals(URI.create("http://127.0.0.1:8090"), resolve("BEDROCK_RUNTIME", "bedrock-runtime", "us-east-1",
                Map.of("AWS_ENDPOINT_URL", "http://localhost:4566", "AWS_ENDPOINT_URL_BEDROCK_RUNTIME", " http://127.0.0.1:8090 ")));
        assertEquals(URI.create("http://localhost:4566"), resolve("EVENTBRIDGE", "events", "us-east-1",
                Map.of("AWS_ENDPOINT_URL", "http://localhost:4566", "AWS_ENDPOINT_URL_EVENTBRIDGE", "  ")));
        assertEquals(URI.create("http://localhost:4566"), resolve("EVENTBRIDGE", "events", "us-east-1",
                Map.of("AWS_ENDPOINT_URL", "http://localhost:4566", "AWS_ENDPOINT_URL_BEDROCK_RUNTIME", "http://elsewhere")),
                "another service's variable is not ours");
    }

    @Test
    @DisplayName("AWS_IGNORE_CONFIGURED_ENDPOINT_URLS=true (any case) ignores both variables; any other value does not")
    void ignoreConfigured() {
        Map<String, String> env = Map.of("AWS_ENDPOINT_URL", "http://localhost:4566", "AWS_ENDPOINT_URL_EVENTBRIDGE", "http://localhost:5000",
                "AWS_IGNORE_CONFIGURED_ENDPOINT_URLS", "TRUE");
        assertEquals(URI.create("https://events.eu-west-1.amazonaws.com"), resolve("EVENTBRIDGE", "events", "eu-west-1", env));
        assertEquals(URI.create("http://localhost:4566"), resolve("EVENTBRIDGE", "events", "eu-west-1",
                Map.of("AWS_ENDPOINT_URL", "http://localhost:4566", "AWS_IGNORE_CONFIGURED_ENDPOINT_URLS", "false")));
    }

    @Test
    @DisplayName("a configured value that is not an http(s) URL fails, naming the variable, never quoting the value")
    void badValue() {
        IllegalStateException e = assertThrows(IllegalStateException.class, () -> resolve("EVENTBRIDGE", "events", "us-east-1",
                Map.of("AWS_ENDPOINT_URL_EVENTBRIDGE", "localhost:4566/secret-token")));
        assertEquals("environment variable AWS_ENDPOINT_URL_EVENTBRIDGE is not an http(s) URL with a host", e.getMessage());
        assertFalse(e.getMessage().contains("secret-token"));
        assertThrows(IllegalStateException.class, () -> resolve("EVENTBRIDGE", "events", "us-east-1", Map.of("AWS_ENDPOINT_URL", "file:///x")));
    }
}
