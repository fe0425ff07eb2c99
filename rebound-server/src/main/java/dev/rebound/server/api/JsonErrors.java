package dev.rebound.server.api;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.Locale;
import org.eclipse.jetty.http.HttpField;
import org.eclipse.jetty.http.HttpFields;
import org.eclipse.jetty.http.HttpHeader;
import org.eclipse.jetty.http.HttpStatus;
import org.eclipse.jetty.server.Request;
import org.eclipse.jetty.server.Response;
import org.eclipse.jetty.server.handler.ErrorHandler;
import org.eclipse.jetty.util.Callback;

/**
 * Jetty's error answers (requests refused before they reach a route: a request line or URI over Jetty's limits,
 * an ambiguous or invalid URI such as one with {@code %00}, a header block too large) in the API's one JSON
 * error shape instead of Jetty's HTML page: {@code {"error": ..., "message": ...}}.
 */
final class JsonErrors extends ErrorHandler {
    private static final HttpField JSON = new HttpField(HttpHeader.CONTENT_TYPE, "application/json");

    @Override
    protected void generateResponse(Request request, Response response, int code, String message, Throwable cause,
                                    Callback callback) throws IOException {
        response.getHeaders().put(JSON);
        response.write(true, ByteBuffer.wrap(body(code, message)), callback);
    }

    @Override
    public ByteBuffer badMessageError(int status, String reason, HttpFields.Mutable fields) {
        fields.put(JSON);
        return ByteBuffer.wrap(body(status, reason));
    }

    static byte[] body(int code, String message) {
        String m = message == null || message.isBlank() ? HttpStatus.getMessage(code) : message;
        return Json.object().put("error", error(code)).put("message", m + " (HTTP " + code + ")").toString()
                .getBytes(StandardCharsets.UTF_8);
    }

    /** The JSON error code for a status Jetty answers by itself. */
    static String error(int code) {
        return switch (code) {
            case 400 -> "invalid_request";
            case 404 -> "not_found";
            case 405 -> "method_not_allowed";
            case 413 -> "too_large";
            case 414 -> "uri_too_long";
            case 431 -> "headers_too_large";
            default -> code >= 500 ? "internal_error" : HttpStatus.getMessage(code).toLowerCase(Locale.ROOT).replace(' ', '_');
        };
    }
}
