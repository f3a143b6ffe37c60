package dev.loresmith.local;

import dev.loresmith.testing.Template;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;

/**
 * The HTTP API's routes as template.yaml declares them (each function's {@code HttpApi} events), matched as API
 * Gateway matches them: the method and every path segment, a {@code {name}} segment taking any one segment. A request
 * no route matches is API Gateway's own 404, {@code {"message":"Not Found"}}, whatever its path or method.
 */
final class HttpRoutes {

    /** API Gateway's answer when no route matches: status 404 with this body. */
    static final String NOT_FOUND = "{\"message\":\"Not Found\"}";

    /** One route: {@code key} as API Gateway names it ({@code "GET /content/{contentType}/{contentId}"}). */
    record Route(String method, String path, String function) {
        String key() {
            return method + " " + path;
        }
    }

    /** A route matched, with the values of its path parameters. */
    record Match(Route route, Map<String, String> pathParameters) {
    }

    private final List<Route> routes;

    private HttpRoutes(List<Route> routes) {
        this.routes = List.copyOf(routes);
    }

    static HttpRoutes of(Template template) {
        List<Route> routes = new ArrayList<>();
        template.resources("AWS::Serverless::Function").forEach((function, resource) ->
                resource.path("Properties").path("Events").forEach(event -> {
                    if (event.path("Type").asText().equals("HttpApi")) {
                        routes.add(new Route(event.path("Properties").path("Method").asText().toUpperCase(Locale.ROOT),
                                event.path("Properties").path("Path").asText(), function));
                    }
                }));
        return new HttpRoutes(routes);
    }

    List<Route> all() {
        return routes;
    }

    Optional<Match> find(String method, String rawPath) {
        String[] given = segments(rawPath);
        for (Route route : routes) {
            if (!route.method().equals(method)) {
                continue;
            }
            String[] declared = segments(route.path());
            if (declared.length != given.length) {
                continue;
            }
            Map<String, String> parameters = new LinkedHashMap<>();
            boolean matches = true;
            for (int i = 0; i < declared.length && matches; i++) {
                if (declared[i].startsWith("{") && declared[i].endsWith("}")) {
                    matches = !given[i].isEmpty();
                    parameters.put(declared[i].substring(1, declared[i].length() - 1), given[i]);
                } else {
                    matches = declared[i].equals(given[i]);
                }
            }
            if (matches) {
                return Optional.of(new Match(route, parameters));
            }
        }
        return Optional.empty();
    }

    private static String[] segments(String path) {
        return (path.startsWith("/") ? path.substring(1) : path).split("/", -1);
    }
}
