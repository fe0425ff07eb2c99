package dev.rebound.server.nodes;

import dev.rebound.server.config.ReboundConfig;
import dev.rebound.server.store.NodeInfo;
import dev.rebound.server.store.Store;
import java.net.InetAddress;
import java.time.Clock;
import java.time.Instant;
import java.util.HexFormat;
import java.util.Optional;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * This node's entry in the registry: at start and then every {@code node.heartbeat-interval} it writes its row
 * (id, host, version, pid, start, last seen) and renews the leases of its work in flight (a long delivery keeps its
 * recipients; a node that stops beating loses them after {@code scheduler.lease} and another node takes them over,
 * fenced by the lease version). Other nodes and {@code GET /v1/nodes} consider it dead after
 * {@code node.dead-after-missed} missed beats; a clean stop marks it stopped.
 */
public final class Heartbeat implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(Heartbeat.class);

    private final Store store;
    private final ReboundConfig.Node config;
    private final Clock clock;
    private final Runnable renewLeases;
    private final NodeInfo self;
    private volatile boolean running;
    private Thread thread;

    private Heartbeat(Store store, ReboundConfig.Node config, Clock clock, Runnable renewLeases) {
        this.store = store;
        this.config = config;
        this.clock = clock;
        this.renewLeases = renewLeases;
        byte[] instance = new byte[8];
        ThreadLocalRandom.current().nextBytes(instance);
        String version = Heartbeat.class.getPackage().getImplementationVersion();
        this.self = new NodeInfo(config.id(), hostName(), version == null ? "0.1.0-SNAPSHOT" : version, ProcessHandle.current().pid(),
                HexFormat.of().formatHex(instance), clock.instant(), clock.instant(), config.heartbeatInterval(), config.deadAfter(),
                Optional.empty(), 0);
    }

    /**
     * Registers this node now (synchronously) and, with {@code beat}, starts the heartbeat thread.
     *
     * @param renewLeases what renews the leases in flight at each beat (the scheduler's)
     */
    public static Heartbeat start(Store store, ReboundConfig.Node config, Clock clock, Runnable renewLeases, boolean beat) {
        Heartbeat h = new Heartbeat(store, config, clock, renewLeases);
        Optional<NodeInfo> before = store.heartbeat(h.self);
        Instant now = clock.instant();
        before.filter(b -> b.state(now) == NodeInfo.State.ALIVE && !b.instance().equals(h.self.instance())).ifPresent(b ->
                log.warn("node id {} was alive {} ms ago as another process (pid {} on {}, started {}): after a crash of that process "
                        + "this is expected; if it still runs, give each process sharing the store its own node.id, since a node "
                        + "frees the leases of its id at start", b.id(), now.toEpochMilli() - b.lastSeenAt().toEpochMilli(), b.pid(),
                        b.host(), b.startedAt()));
        if (beat) {
            h.running = true;
            h.thread = Thread.ofPlatform().daemon(true).name("rebound-heartbeat").start(h::loop);
        }
        return h;
    }

    private void loop() {
        long interval = config.heartbeatInterval().toNanos();
        long next = System.nanoTime() + interval;
        while (running) {
            LockSupport.parkNanos(Math.max(1, next - System.nanoTime()));
            if (!running) return;
            next += interval;
            beat();
        }
    }

    /** One beat: the registry row, then the leases in flight. */
    public void beat() {
        try {
            store.heartbeat(new NodeInfo(self.id(), self.host(), self.version(), self.pid(), self.instance(), self.startedAt(),
                    clock.instant(), self.heartbeatInterval(), self.deadAfter(), Optional.empty(), 0));
        } catch (RuntimeException e) {
            log.warn("node {}: heartbeat not written ({}); other nodes list this node dead after {} without one", self.id(),
                    e.getMessage(), config.deadAfter());
        }
        try {
            renewLeases.run();
        } catch (RuntimeException e) {
            log.warn("node {}: leases in flight not renewed ({}); they expire after scheduler.lease", self.id(), e.getMessage());
        }
    }

    /** This process's registry entry as first written. */
    public NodeInfo self() {
        return self;
    }

    private static String hostName() {
        try {
            return InetAddress.getLocalHost().getHostName();
        } catch (java.io.IOException e) {
            return "unknown";
        }
    }

    /** Stops beating and marks the node stopped (its leases were released or recorded by the scheduler's stop). */
    @Override
    public void close() {
        running = false;
        if (thread != null) {
            LockSupport.unpark(thread);
            try {
                thread.join(TimeUnit.SECONDS.toMillis(5));
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
        try {
            store.nodeStopped(self.id(), self.instance(), clock.instant());
        } catch (RuntimeException e) {
            log.warn("node {}: could not mark the node stopped ({}); it is listed dead after {}", self.id(), e.getMessage(), config.deadAfter());
        }
    }
}
