package dev.rebound.core.events;

import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.TreeMap;

/**
 * One webhook request as received: the provider named by the path, the HTTP headers (looked up
 * case-insensitively) and the body bytes exactly as sent — signatures cover those bytes.
 */
public record WebhookRequest(Provider provider, Map<String, String> headers, byte[] body) {
    public WebhookRequest {
        Objects.requireNonNull(provider, "provider");
        TreeMap<String, String> h = new TreeMap<>(String.CASE_INSENSITIVE_ORDER);
        if (headers != null) headers.forEach((k, v) -> { if (k != null && v != null) h.put(k, v); });
        headers = java.util.Collections.unmodifiableMap(h);
        body = body == null ? new byte[0] : body.clone();
    }

    /** The header's value, by case-insensitive name. */
    public Optional<String> header(String name) {
        return Optional.ofNullable(headers.get(name));
    }

    @Override
    public byte[] body() {
        return body.clone();
    }

    /** The body without copying, for the verifiers and normalizers of this package. */
    byte[] bodyBytes() {
        return body;
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof WebhookRequest r && r.provider == provider && r.headers.equals(headers)
                && java.util.Arrays.equals(r.body, body);
    }

    @Override
    public int hashCode() {
        return Objects.hash(provider, headers, java.util.Arrays.hashCode(body));
    }

    @Override
    public String toString() {
        return "WebhookRequest[" + provider.id() + ", " + headers.keySet() + ", " + body.length + " bytes]";
    }
}
