package dev.loresmith.schedule;

import dev.loresmith.llm.Provider;
import dev.loresmith.log.StructuredLog;
import software.amazon.awssdk.services.scheduler.SchedulerClient;
import software.amazon.awssdk.services.scheduler.model.ActionAfterCompletion;
import software.amazon.awssdk.services.scheduler.model.ConflictException;
import software.amazon.awssdk.services.scheduler.model.CreateScheduleRequest;
import software.amazon.awssdk.services.scheduler.model.FlexibleTimeWindowMode;

import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.time.temporal.ChronoUnit;

/**
 * One EventBridge Scheduler one-time schedule per circuit opening: {@code at(...)} in UTC, no flexible
 * window, deleted after it runs, targeting the reset function with {@code {"generation": g}}. The name
 * derives from the generation, so a second attempt for the same opening is a harmless conflict.
 */
public final class EventBridgeResetScheduler implements ResetScheduler {

    private static final DateTimeFormatter AT = DateTimeFormatter.ofPattern("yyyy-MM-dd'T'HH:mm:ss").withZone(ZoneOffset.UTC);

    private final SchedulerClient scheduler;
    private final String groupName;
    private final String resetFunctionArn;
    private final String roleArn;
    private final StructuredLog log;

    public EventBridgeResetScheduler(SchedulerClient scheduler, String groupName, String resetFunctionArn, String roleArn, StructuredLog log) {
        this.scheduler = scheduler;
        this.groupName = groupName;
        this.resetFunctionArn = resetFunctionArn;
        this.roleArn = roleArn;
        this.log = log;
    }

    /**
     * {@code circuit-reset-g<generation>} for Anthropic (the name schedules had before there was a second provider, so a
     * pending one is still recognised), {@code circuit-reset-<provider>-g<generation>} for any other.
     */
    public static String scheduleName(Provider provider, long generation) {
        return provider == Provider.ANTHROPIC ? "circuit-reset-g" + generation : "circuit-reset-" + provider.wireName() + "-g" + generation;
    }

    /** The reset function's input: {@code {"provider": ..., "generation": g}}. */
    public static String input(Provider provider, long generation) {
        return "{\"provider\":\"" + provider.wireName() + "\",\"generation\":" + generation + "}";
    }

    /** The schedule expression for an instant; seconds are rounded up so it never fires early. */
    public static String atExpression(Instant at) {
        Instant whole = at.truncatedTo(ChronoUnit.SECONDS);
        return "at(" + AT.format(whole.equals(at) ? whole : whole.plusSeconds(1)) + ")";
    }

    @Override
    public void scheduleReset(Provider provider, long generation, Instant at) {
        CreateScheduleRequest request = CreateScheduleRequest.builder()
                .name(scheduleName(provider, generation))
                .groupName(groupName)
                .scheduleExpression(atExpression(at))
                .scheduleExpressionTimezone("UTC")
                .flexibleTimeWindow(w -> w.mode(FlexibleTimeWindowMode.OFF))
                .actionAfterCompletion(ActionAfterCompletion.DELETE)
                .target(t -> t.arn(resetFunctionArn).roleArn(roleArn).input(input(provider, generation)))
                .description("Loresmith: move " + provider.wireName() + " circuit opening " + generation + " to half-open")
                .build();
        try {
            scheduler.createSchedule(request);
            log.info("circuit reset scheduled", "provider", provider.wireName(), "generation", generation, "at", at.toString());
        } catch (ConflictException e) {
            log.info("circuit reset already scheduled", "provider", provider.wireName(), "generation", generation);
        } catch (RuntimeException e) {
            // The circuit still recovers: an open circuit whose reset is overdue lets one caller probe.
            log.error("circuit reset not scheduled", "provider", provider.wireName(), "generation", generation, "error", e.getClass().getSimpleName());
        }
    }
}
