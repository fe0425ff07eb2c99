package dev.rebound.server.access;

import java.time.Duration;
import java.util.Optional;

/** The answer of {@link ApiKeys#authorize}: go on as {@code caller}, or refuse with an HTTP status and a message. */
public sealed interface Decision {
    /** @param caller who made the call, for audit rows: {@code api-key:<id>}, {@code api-key:<sha-256 prefix>} or {@code api} */
    record Allowed(String caller) implements Decision {}

    /**
     * @param status     401 (no or unknown key), 403 (a scope missing) or 429 (over the key's rate)
     * @param error      the JSON error code
     * @param retryAfter for 429: when the next request may pass
     */
    record Refused(int status, String error, String message, Optional<Duration> retryAfter) implements Decision {}
}
