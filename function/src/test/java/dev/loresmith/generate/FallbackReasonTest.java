package dev.loresmith.generate;

import dev.loresmith.circuit.CallResult;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.EnumSource;
import org.junit.jupiter.params.provider.ValueSource;

import java.util.Optional;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The fallback vocabulary as README's "Fallback reasons" table states it: one row per reason. */
class FallbackReasonTest {

    @ParameterizedTest(name = "{0}: counted={1}, upgraded={2}, quality={3}")
    @CsvSource({
            "no_config,          false, NEVER,  false",
            "config_unavailable, false, ALWAYS, false",
            "circuit_open,       false, ALWAYS, false",
            "rate_limited,       false, ALWAYS, false",
            "budget_exhausted,   false, NEVER,  false",
            "api_error_500,      true,  ALWAYS, false",
            "api_error_529,      true,  ALWAYS, false",
            "api_error_400,      true,  NEVER,  false",
            "api_error_401,      true,  NEVER,  false",
            "network_error,      true,  ALWAYS, false",
            "no_time,            false, ALWAYS, false",
            "invalid_json,       true,  ONCE,   true",
            "refused,            false, NEVER,  true",
            "truncated,          false, NEVER,  true",
            "not_queued,         false, ALWAYS, false",
            "dead_letter,        false, NEVER,  false"})
    void theTable(String code, boolean counted, FallbackCause.Upgrade upgrade, boolean quality) {
        FallbackReason reason = FallbackReason.parse(code).orElseThrow();
        assertEquals(code, reason.code());
        assertEquals("fallback:" + code, reason.model());
        assertEquals(counted, reason.circuit() == CallResult.COUNTED_FAILURE, "counted");
        assertEquals(upgrade, reason.cause().upgrade(), "upgrade");
        assertEquals(upgrade != FallbackCause.Upgrade.NEVER, reason.upgradeable());
        assertEquals(quality, reason.quality(), "quality");
    }

    @Test
    @DisplayName("invalid_json has three causes — only a wrong shape from the model is counted, only replies are quality failures")
    void invalidJsonCauses() {
        assertEquals("invalid_json", FallbackReason.INVALID_JSON.code());
        assertEquals("invalid_json", FallbackReason.INVALID_JSON_LIMITS.code());
        assertEquals("invalid_json", FallbackReason.UNREADABLE.code());
        assertEquals(CallResult.NOT_COUNTED, FallbackReason.INVALID_JSON_LIMITS.circuit(), "a player can provoke a broken limit");
        assertEquals(CallResult.COUNTED_FAILURE, FallbackReason.UNREADABLE.circuit());
        assertTrue(!FallbackReason.UNREADABLE.quality(), "an unreadable body is the endpoint's fault, not the prompt's");
        assertTrue(FallbackReason.INVALID_JSON_LIMITS.upgradedOnce() && FallbackReason.UNREADABLE.upgradedOnce());
    }

    @Test
    @DisplayName("a 400 rejecting a request field is api_error_400 but says nothing of the provider's health")
    void fieldRejected() {
        FallbackReason reason = FallbackReason.fieldRejected(400);
        assertEquals("api_error_400", reason.code());
        assertEquals(CallResult.NOT_COUNTED, reason.circuit());
    }

    @ParameterizedTest
    @ValueSource(strings = {"", "api_error_", "api_error_x", "api_error_42", "api_error_1000", "opne", "fallback:no_config"})
    void unknownCodesReadAsNone(String code) {
        assertEquals(Optional.empty(), FallbackReason.parse(code));
    }

    @ParameterizedTest
    @EnumSource(FallbackCause.class)
    void everyCauseRoundTripsThroughItsCode(FallbackCause cause) {
        FallbackReason reason = cause.hasStatus() ? new FallbackReason(cause, cause == FallbackCause.SERVER_ERROR ? 503 : 404)
                : new FallbackReason(cause, 0);
        FallbackReason parsed = FallbackReason.parse(reason.code()).orElseThrow();
        assertEquals(reason.code(), parsed.code());
        assertEquals(reason.cause().upgrade(), parsed.cause().upgrade(), "a stored code keeps its upgrade rule");
    }

    @Test
    void aStatusOnlyWhereTheCodeHasOne() {
        assertThrows(IllegalArgumentException.class, () -> new FallbackReason(FallbackCause.NO_CONFIG, 500));
        assertThrows(IllegalArgumentException.class, () -> new FallbackReason(FallbackCause.SERVER_ERROR, 0));
    }
}
