package dev.rebound.server.evidence;

import dev.rebound.core.events.Provider;
import dev.rebound.core.events.ReplayStore;
import java.time.Clock;
import java.time.Instant;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Mailgun's single-use tokens, remembered in memory until their replay window closes (the core verifier refuses
 * any older timestamp, so an expired entry can be forgotten). Per node and lost on restart: a request captured
 * and replayed to another node or after a restart passes this check, but its event is then a duplicate by the
 * evidence dedup key and stored once. At most {@code maxEntries} tokens; when full, expired ones are purged, and if
 * none expired the new token is refused (fail closed under a flood).
 */
public final class TokenReplayCache implements ReplayStore {
    private final ConcurrentHashMap<String, Instant> seen = new ConcurrentHashMap<>();
    private final Clock clock;
    private final int maxEntries;

    public TokenReplayCache(Clock clock, int maxEntries) {
        this.clock = clock;
        this.maxEntries = maxEntries;
    }

    @Override
    public boolean firstUse(Provider provider, String token, Instant keepUntil) {
        if (seen.size() >= maxEntries) {
            Instant now = clock.instant();
            seen.values().removeIf(until -> until.isBefore(now));
            if (seen.size() >= maxEntries) return false;
        }
        return seen.putIfAbsent(provider.id() + ":" + token, keepUntil) == null;
    }
}
