package dev.rebound.server.api;

import io.javalin.http.Handler;

/**
 * One route of the API, declared by its resource's route class; {@link ApiServer} registers exactly these and
 * lists them for {@code /openapi.json}'s drift test.
 *
 * @param method        GET, POST or DELETE
 * @param authenticated true when {@code api.keys} applies (provider webhooks authenticate by their own scheme;
 *                      health, metrics and the OpenAPI document are open)
 */
record Route(String method, String path, Handler handler, boolean authenticated) {
    static Route get(String path, Handler h) {
        return new Route("GET", path, h, true);
    }

    static Route post(String path, Handler h) {
        return new Route("POST", path, h, true);
    }

    static Route delete(String path, Handler h) {
        return new Route("DELETE", path, h, true);
    }

    Route open() {
        return new Route(method, path, handler, false);
    }

    @Override
    public String toString() {
        return method + " " + path;
    }
}
