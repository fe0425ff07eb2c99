package dev.rebound.server.store;

import java.time.Instant;

/**
 * A recipient leased to this node for one delivery attempt. {@code lease} is the fencing token: the attempt's
 * result (or a postponement, or a renewal) is written only while the recipient still carries it.
 */
public record Claim(String recipientId, String messageId, String address, String domain, int attemptCount,
                    Instant messageCreatedAt, Lease lease) {

    /**
     * A fenced lease on one row of work (a recipient, a webhook delivery): the node that holds it and the lease
     * version the claim gave it. Every claim increments the row's version, so when a lease expires and another node
     * claims the row, the first holder's version is stale: the store writes a result only while the row still
     * carries the writer's owner and version (a fencing token, as in Kleppmann, "How to do distributed locking", 2016).
     */
    public record Lease(String owner, long version) {}
}
