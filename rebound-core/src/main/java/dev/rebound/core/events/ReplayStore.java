package dev.rebound.core.events;

import java.time.Instant;

/**
 * Remembers one-time tokens (Mailgun's {@code signature.token}) so a captured request cannot be replayed.
 * Called only after the signature and timestamp were verified.
 */
@FunctionalInterface
public interface ReplayStore {
    /**
     * Records {@code token} as used until {@code keepUntil} (after that the replay window refuses it anyway).
     *
     * @return true if the token was not seen before (atomically: two concurrent calls never both get true)
     */
    boolean firstUse(Provider provider, String token, Instant keepUntil);
}
