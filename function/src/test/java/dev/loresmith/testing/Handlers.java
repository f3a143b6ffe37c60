package dev.loresmith.testing;

import dev.loresmith.handler.ApiHandler;
import dev.loresmith.handler.CircuitAdminHandler;
import dev.loresmith.handler.DeadLetterHandler;
import dev.loresmith.handler.Outside;
import dev.loresmith.handler.ResetHandler;
import dev.loresmith.handler.SqsGenerateHandler;
import dev.loresmith.handler.StackSettingsHandler;
import dev.loresmith.handler.StreamEventsHandler;
import dev.loresmith.handler.SweepHandler;
import dev.loresmith.handler.Wiring;

import java.util.Map;
import java.util.Set;
import java.util.function.Function;

/** Each handler class the template names, built through its wiring function over a given outside (as Lambda builds it). */
public final class Handlers {

    private static final Map<Class<?>, Function<Outside, Object>> BY_CLASS = Map.of(
            SqsGenerateHandler.class, o -> new SqsGenerateHandler(Wiring.generate(o)),
            ApiHandler.class, o -> new ApiHandler(Wiring.api(o)),
            CircuitAdminHandler.class, o -> new CircuitAdminHandler(Wiring.circuitAdmin(o)),
            ResetHandler.class, o -> new ResetHandler(Wiring.reset(o)),
            DeadLetterHandler.class, o -> new DeadLetterHandler(Wiring.deadLetter(o)),
            SweepHandler.class, o -> new SweepHandler(Wiring.sweep(o)),
            StreamEventsHandler.class, o -> new StreamEventsHandler(Wiring.streamEvents(o)),
            StackSettingsHandler.class, o -> new StackSettingsHandler(Wiring.stackSettings(o)));

    private Handlers() {
    }

    /** The handler of {@code type}, wired over {@code outside}. */
    public static Object build(Class<?> type, Outside outside) {
        Function<Outside, Object> wiring = BY_CLASS.get(type);
        if (wiring == null) {
            throw new IllegalArgumentException(type.getName() + " has no wiring function");
        }
        return wiring.apply(outside);
    }

    /** Every handler class that has a wiring function. */
    public static Set<Class<?>> classes() {
        return BY_CLASS.keySet();
    }
}
