package dev.rebound.server.evidence;

import dev.rebound.core.events.Provider;
import dev.rebound.core.events.ReplayStore;
import dev.rebound.server.store.Store;
import java.time.Duration;
import java.time.Instant;

/**
 * Mailgun's single-use tokens, persisted in the store's {@code webhook_tokens} table (migration V11), so a captured
 * request is refused as replayed (409) after a restart and on every node sharing the store. The core verifier
 * calls {@link #firstUse} only after the HMAC and the timestamp window passed; the token row is committed (group
 * commit, one fsync shared with concurrent writers) before the request's events are stored and acknowledged.
 * A row is kept until the signed timestamp leaves the replay window ({@code keepUntil}) plus {@link #MARGIN}
 * (clock steps), then deleted by a later call. If storing the events fails after the token was committed, the
 * provider's retry of that same request is refused as a replay (its events were not stored): the price of
 * recording the token before, not in the same transaction as, the events.
 */
public final class StoredReplayTokens implements ReplayStore {
    static final Duration MARGIN = Duration.ofMinutes(10);

    private final Store store;

    public StoredReplayTokens(Store store) {
        this.store = store;
    }

    @Override
    public boolean firstUse(Provider provider, String token, Instant keepUntil) {
        return store.firstTokenUse(provider.id(), token, keepUntil.plus(MARGIN));
    }
}
