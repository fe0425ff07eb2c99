package dev.rebound.server.store;

import java.time.Instant;
import java.util.Optional;

/**
 * Whether the store can commit writes (readiness), as of its last transaction or probe.
 *
 * @param writable     false from a store fault until a probe transaction commits again
 * @param failedGroups transactions that failed with a store fault since start (probes included)
 * @param problem      the last fault's message while not writable
 * @param since        when the store stopped being writable
 */
public record StoreHealth(boolean writable, long failedGroups, Optional<String> problem, Optional<Instant> since) {
}
