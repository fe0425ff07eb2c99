package dev.rebound.server.store;

/** A store operation failed; nothing was acknowledged. */
public sealed class StoreException extends RuntimeException permits StoreUnavailableException {
    public StoreException(String message, Throwable cause) {
        super(message, cause);
    }
}
