package dev.rebound.server.store;

import java.time.Duration;
import java.time.Instant;
import java.util.Optional;

/**
 * One node of the registry ({@code nodes}, V51): who it is, when it started and last wrote its heartbeat, and the
 * recipients it holds leases on now.
 *
 * @param instance  random per process start: a node id reused by another process shows up as a new instance
 * @param deadAfter how long without a heartbeat before the node is dead (its heartbeat interval × missed beats)
 * @param stoppedAt set when the node stopped cleanly
 * @param leased    recipients leased to this node id whose lease has not expired
 */
public record NodeInfo(String id, String host, String version, long pid, String instance, Instant startedAt, Instant lastSeenAt,
                       Duration heartbeatInterval, Duration deadAfter, Optional<Instant> stoppedAt, long leased) {

    /** A node's state at {@code now}: stopped cleanly, alive (heartbeat within its dead-after), or dead. */
    public enum State { ALIVE, DEAD, STOPPED }

    public State state(Instant now) {
        if (stoppedAt.isPresent()) return State.STOPPED;
        return lastSeenAt.plus(deadAfter).isBefore(now) ? State.DEAD : State.ALIVE;
    }
}
