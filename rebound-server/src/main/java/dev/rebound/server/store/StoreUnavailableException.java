package dev.rebound.server.store;

/**
 * The store cannot take writes now (disk full, I/O error, a transaction SQLite rolled back, a connection that
 * had to be replaced): nothing of the write was committed, and a retry later may succeed. Listeners answer it as
 * a temporary failure (SMTP {@code 451 4.3.0}, HTTP {@code 503} with {@code Retry-After}).
 */
public final class StoreUnavailableException extends StoreException {
    public StoreUnavailableException(String message, Throwable cause) {
        super(message, cause);
    }
}
