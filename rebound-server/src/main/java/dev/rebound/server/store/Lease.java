package dev.rebound.server.store;

/**
 * A fenced lease on one row of work (a recipient, a webhook delivery): the node that holds it and the lease version
 * the claim gave it. Every claim increments the row's version, so when a lease expires and another node claims the
 * row, the first holder's version is stale: the store writes a result only while the row still carries the
 * writer's owner and version (a fencing token, as in Kleppmann, "How to do distributed locking", 2016).
 */
public record Lease(String owner, long version) {}
