package dev.rebound.server.api;

import dev.rebound.server.access.Scope;
import io.javalin.http.Handler;
import java.util.Optional;

/**
 * One route of the API, declared by its resource's route class; {@link ApiServer} registers exactly these and
 * lists them for {@code /openapi.json}'s drift test.
 *
 * @param method GET, POST or DELETE
 * @param scope  the API-key scope the route needs ({@link dev.rebound.server.access.ApiKeys}); empty for the open
 *               routes (provider webhooks authenticate by their own scheme; health and the OpenAPI document are
 *               open)
 */
record Route(String method, String path, Handler handler, Optional<Scope> scope) {
    static Route get(String path, Scope scope, Handler h) {
        return new Route("GET", path, h, Optional.of(scope));
    }

    static Route post(String path, Scope scope, Handler h) {
        return new Route("POST", path, h, Optional.of(scope));
    }

    static Route delete(String path, Scope scope, Handler h) {
        return new Route("DELETE", path, h, Optional.of(scope));
    }

    /** A route without a key ({@code api.keys} and stored keys do not apply). */
    static Route open(String method, String path, Handler h) {
        return new Route(method, path, h, Optional.empty());
    }

    @Override
    public String toString() {
        return method + " " + path;
    }
}
