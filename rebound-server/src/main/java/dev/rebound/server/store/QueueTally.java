package dev.rebound.server.store;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.SQLException;
import java.sql.Types;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.ThreadLocalRandom;

/**
 * The queue's figures kept by the writer instead of per-row triggers (V90 dropped V52's): the recipients per state
 * ({@code queue_counts}) and each domain's claim bound ({@code queue_domains.next_due_at}). Every statement that
 * inserts a recipient, changes its state or makes it due tells the tally in the same unit of work; the group
 * transaction writes the sum once, just before its commit: one {@code UPDATE} per state that changed and one
 * statement per domain touched, instead of two to four trigger statements per recipient row (the single writer's
 * CPU is the relay's ceiling, see docs/benchmarks.md).
 *
 * <p><b>Exact with rollbacks.</b> A unit's changes are staged apart ({@link #unitStart()}) and join the group's only
 * when the unit is kept ({@link #unitKept()}); a unit rolled back to its savepoint, or run again after a conflict,
 * drops them ({@link #unitDropped()}); a group that does not commit drops everything ({@link #clear()}). The counts
 * are then exactly what the committed rows say (the store contract recounts them after a random mix of operations).
 *
 * <p><b>The bound.</b> {@code next_due_at} is a lower bound of when a claim for the domain can next succeed. Writes
 * only lower it: a recipient inserted or made due lowers it to its due time; a freed lease lowers it to now only
 * while the domain is {@code full} (its last claim found the per-domain limit reached; without a limit nothing waits
 * for a lease to end). The claim raises it to the true value it computed, by compare-and-set on the row's
 * {@code version}, which every write of the row increments. So a raise computed before another transaction (another
 * node) lowered the bound fails and leaves the lower value: at worst one claim that finds nothing, never a domain
 * whose due work waits behind a bound that is too late. One writer per node writes the rows at the end of its group,
 * counters first (one shard, states in a fixed order), then domains in name order, so two nodes' groups never wait
 * for each other in a cycle.
 */
final class QueueTally {
    /** Shards per state on a database with several writers (PostgreSQL: {@code queue_counts} has 8 rows per state). */
    private final int shards;

    private final Map<RecipientState, Long> groupCounts = new EnumMap<>(RecipientState.class);
    private final Map<String, Domain> groupDomains = new TreeMap<>();
    private final List<Op> unit = new ArrayList<>();

    /**
     * What the group writes for one domain: the claim's raise (last one wins), then the lowerings made after it: the
     * lowest due time seen, the lowest freed-lease time (applied only if the domain is full).
     */
    private static final class Domain {
        Raised raise;
        Long due;
        Long freed;
    }

    private sealed interface Op {}

    private record Count(RecipientState state, int delta) implements Op {}

    private record Due(String domain, long at) implements Op {}

    private record Freed(String domain, long at) implements Op {}

    /**
     * The claim computed the domain's bound from everything this transaction wrote before (so lowerings pending before
     * it are moot), having read the row at {@code version}; {@code next} null means nothing waits.
     */
    private record Raised(String domain, long version, Long next, boolean full) implements Op {}

    QueueTally(int shards) {
        this.shards = shards;
    }

    // ---- what the units tell ---------------------------------------------------------------------------------

    /** A recipient row inserted in {@code state}. */
    void inserted(RecipientState state) {
        unit.add(new Count(state, 1));
    }

    /** A recipient row's state changed (nothing when it did not). */
    void changed(RecipientState from, RecipientState to) {
        if (from == to) return;
        unit.add(new Count(from, -1));
        unit.add(new Count(to, 1));
    }

    /** A recipient of {@code domain} is due at {@code at} (inserted, deferred, postponed, released). */
    void due(String domain, long at) {
        unit.add(new Due(domain, at));
    }

    /** A lease on a recipient of {@code domain} was freed at {@code at} (a slot, if the domain was full). */
    void freed(String domain, long at) {
        unit.add(new Freed(domain, at));
    }

    /**
     * The claim's true bound for {@code domain} (null: nothing waits), computed after reading its row at
     * {@code version}; {@code full}: the per-domain limit is reached (a freed lease then lowers the bound to now).
     */
    void raise(String domain, long version, Long next, boolean full) {
        unit.add(new Raised(domain, version, next, full));
    }

    // ---- what the writer calls ---------------------------------------------------------------------------------

    void unitStart() {
        unit.clear();
    }

    /** The unit is part of the group: its changes join the group's, in the order it made them. */
    void unitKept() {
        for (Op op : unit) {
            switch (op) {
                case Count c -> groupCounts.merge(c.state(), (long) c.delta(), Long::sum);
                case Due d -> {
                    Domain x = groupDomains.computeIfAbsent(d.domain(), k -> new Domain());
                    x.due = x.due == null ? d.at() : Math.min(x.due, d.at());
                }
                case Freed f -> {
                    Domain x = groupDomains.computeIfAbsent(f.domain(), k -> new Domain());
                    x.freed = x.freed == null ? f.at() : Math.min(x.freed, f.at());
                }
                case Raised r -> {
                    Domain x = groupDomains.computeIfAbsent(r.domain(), k -> new Domain());
                    x.raise = r;
                    x.due = null;
                    x.freed = null;
                }
            }
        }
        unit.clear();
    }

    /** The unit was rolled back (or is run again): nothing of it counts. */
    void unitDropped() {
        unit.clear();
    }

    /** The group did not commit: nothing of it counts. */
    void clear() {
        unit.clear();
        groupCounts.clear();
        groupDomains.clear();
    }

    boolean isEmpty() {
        return unit.isEmpty() && groupCounts.isEmpty() && groupDomains.isEmpty();
    }

    /** Writes the group's counts and bounds (inside the group transaction, before its commit), then forgets them. */
    void flush(Connection c) throws SQLException {
        try {
            boolean any = false;
            for (long d : groupCounts.values()) any |= d != 0;
            if (any) {
                int shard = shards <= 1 ? 0 : ThreadLocalRandom.current().nextInt(shards);
                try (PreparedStatement ps = c.prepareStatement("UPDATE queue_counts SET n = n + ? WHERE state = ? AND shard = ?")) {
                    for (var e : groupCounts.entrySet()) { // EnumMap: the states' fixed order
                        if (e.getValue() == 0) continue;
                        ps.setLong(1, e.getValue());
                        ps.setString(2, e.getKey().name());
                        ps.setInt(3, shard);
                        ps.executeUpdate();
                    }
                }
            }
            for (var e : groupDomains.entrySet()) { // TreeMap: name order
                Domain x = e.getValue();
                if (x.raise != null) {
                    try (PreparedStatement ps = c.prepareStatement(RAISE)) {
                        if (x.raise.next() == null) ps.setNull(1, Types.BIGINT);
                        else ps.setLong(1, x.raise.next());
                        ps.setInt(2, x.raise.full() ? 1 : 0);
                        ps.setString(3, e.getKey());
                        ps.setLong(4, x.raise.version());
                        ps.executeUpdate(); // no row: another transaction wrote the bound since the claim read it; it stays
                    }
                }
                if (x.due != null || x.freed != null) {
                    try (PreparedStatement ps = c.prepareStatement(LOWER)) {
                        long freed = x.freed == null ? Long.MAX_VALUE : x.freed;
                        ps.setString(1, e.getKey());
                        if (x.due == null) ps.setNull(2, Types.BIGINT);
                        else ps.setLong(2, x.due);
                        ps.setLong(3, freed);
                        ps.setLong(4, freed);
                        ps.setLong(5, freed);
                        ps.executeUpdate();
                    }
                }
            }
        } finally {
            clear();
        }
    }

    /** The claim's raise: compare-and-set on the version the claim read. */
    private static final String RAISE = """
            UPDATE queue_domains SET next_due_at = ?, full_at_claim = ?, version = version + 1 WHERE domain = ? AND version = ?
            """;

    /**
     * One domain's lowering: a new domain's row with its due time; else the bound lowered to the freed-lease time
     * when the domain is full and that is earlier than the due time, else to the due time (when earlier than the
     * bound); the version always moves, so a claim's raise computed before this write fails its compare-and-set.
     */
    private static final String LOWER = """
            INSERT INTO queue_domains (domain, next_due_at, full_at_claim, version) VALUES (?, ?, 0, 0)
            ON CONFLICT (domain) DO UPDATE SET version = queue_domains.version + 1, next_due_at = CASE
                WHEN queue_domains.full_at_claim = 1 AND CAST(? AS BIGINT) < COALESCE(excluded.next_due_at, 9223372036854775807)
                    THEN CASE WHEN queue_domains.next_due_at IS NULL OR queue_domains.next_due_at > CAST(? AS BIGINT)
                              THEN CAST(? AS BIGINT) ELSE queue_domains.next_due_at END
                WHEN excluded.next_due_at IS NOT NULL AND (queue_domains.next_due_at IS NULL OR queue_domains.next_due_at > excluded.next_due_at)
                    THEN excluded.next_due_at
                ELSE queue_domains.next_due_at END
            """;
}
