package dev.rebound.server.api;

import tools.jackson.databind.node.ObjectNode;

/**
 * Every error answer of the API, thrown by a route and written by {@link ApiServer} in one JSON shape:
 * {@code {"error": code, "field": name, "value": the input quoted (at most 200 characters), "message": what to do}}
 * ({@code field} and {@code value} only when known), plus fields a route adds (e.g. the existing message's id on an
 * idempotency conflict, the audit trail of an address no longer suppressed).
 */
final class ApiError extends RuntimeException {
    final int status;
    final String error;
    final String field;
    final String value;
    private final ObjectNode extra = Json.object();

    ApiError(int status, String error, String field, String value, String message) {
        super(message, null, false, false);
        this.status = status;
        this.error = error;
        this.field = field;
        this.value = value;
    }

    /** 400 invalid_request naming the field and quoting the value. */
    static ApiError invalid(String field, String value, String message) {
        return new ApiError(400, "invalid_request", field, value, message);
    }

    /**
     * The {@code cursor} query parameter of a paged list, read by {@code parse}; empty when absent or blank (the first
     * page); a 400 quoting it, with {@code expected}, when {@code parse} does not recognise it.
     */
    static <T> java.util.Optional<T> cursor(io.javalin.http.Context ctx, java.util.function.Function<String, java.util.Optional<T>> parse,
                                          String expected) {
        String c = ctx.queryParam("cursor");
        if (c == null || c.isBlank()) return java.util.Optional.empty();
        java.util.Optional<T> cursor = parse.apply(c);
        if (cursor.isEmpty()) throw invalid("cursor", c, expected);
        return cursor;
    }

    /** Seconds a client is asked to wait (Retry-After) after a 503 for a store fault; the store probes every 2 s. */
    static final int STORE_RETRY_AFTER_SECONDS = 5;

    /** 503 store_unavailable: the store cannot take writes now; nothing of the request was stored. */
    static ApiError storeUnavailable(String problem) {
        return new ApiError(503, "store_unavailable", null, null, "the store cannot take writes now, nothing of this request was stored ("
                + problem + "); retry after " + STORE_RETRY_AFTER_SECONDS + " s");
    }

    static ApiError notFound(String field, String value, String message) {
        return new ApiError(404, "not_found", field, value, message);
    }

    /** Adds a field to the answer after the standard ones. */
    ApiError with(String name, tools.jackson.databind.JsonNode value) {
        extra.set(name, value);
        return this;
    }

    ApiError with(String name, String value) {
        extra.put(name, value);
        return this;
    }

    ObjectNode json() {
        ObjectNode n = Json.object().put("error", error);
        if (field != null) n.put("field", field);
        if (value != null) n.put("value", Json.abbreviate(value));
        n.put("message", getMessage());
        n.setAll(extra);
        return n;
    }
}
