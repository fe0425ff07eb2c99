package dev.rebound.server.store;

/** A store operation failed; nothing was acknowledged. */
public final class StoreException extends RuntimeException {
    public StoreException(String message, Throwable cause) {
        super(message, cause);
    }
}
