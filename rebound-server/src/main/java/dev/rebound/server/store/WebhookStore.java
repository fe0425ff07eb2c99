package dev.rebound.server.store;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Types;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/**
 * The outbound webhooks' tables (migration {@code V13__webhooks.sql}): endpoints, the fan-out cursor over the
 * {@code events} outbox, one delivery per (endpoint, event) and the attempt log. Writes go through the store's
 * group-commit writer (each method returns after its commit); reads use the read pool.
 *
 * <p>Order: a delivery is due only when no earlier delivery (lower outbox {@code seq}) with the same order key
 * (the recipient address, else the message) for the same endpoint is still {@code PENDING}, so a later event for
 * a recipient waits for an earlier one that is retrying while other recipients go on. A claimed delivery carries
 * a lease (owner + expiry, as the recipients' leases), so no event is delivered twice at once, also with several
 * nodes on one database.
 */
public final class WebhookStore {
    private static final JsonMapper JSON = Outbox.JSON; // the store's one mapper
    private static final String CURSOR = "fanout";

    private final Database db;

    WebhookStore(Database db) {
        this.db = db;
    }

    /** An endpoint's state: enabled endpoints get deliveries attempted; disabled ones keep theirs pending. */
    public enum EndpointState { ENABLED, DISABLED }

    /** A delivery's state: PENDING until a 2xx (DELIVERED) or the retry schedule is spent (FAILED). */
    public enum DeliveryState { PENDING, DELIVERED, FAILED }

    /**
     * A subscribed application.
     *
     * @param source         {@code config} (from {@code webhooks.endpoints}, replaced at each start) or {@code api}
     * @param oldSecret      the previous secret during a rotation: requests are signed with both until {@code oldSecretUntil}
     * @param eventTypes     public event types to send (empty: every type the final-only switch allows)
     * @param streams        streams to send (empty: all)
     */
    public record Endpoint(String id, String source, String url, String secret, Optional<String> oldSecret,
                           Optional<Instant> oldSecretUntil, List<String> eventTypes, List<String> streams, boolean finalOnly,
                           EndpointState state, String stateReason, Optional<Instant> failingSince, String description,
                           Instant createdAt, Instant updatedAt) {
        public Endpoint {
            eventTypes = List.copyOf(eventTypes);
            streams = List.copyOf(streams);
        }

        /** The secrets to sign with at {@code now}: the current one, and the old one while its rotation lasts. */
        public List<String> signingSecrets(Instant now) {
            if (oldSecret.isPresent() && oldSecretUntil.isPresent() && now.isBefore(oldSecretUntil.get()))
                return List.of(oldSecret.get(), secret);
            return List.of(secret);
        }
    }

    /** One outbox row with the recipient address and stream it concerns (from its recipient, else its payload). */
    public record OutboxEvent(long seq, String id, Instant createdAt, String type, String messageId, String recipientId,
                              String address, String stream, String payload) {
        /** Events of one recipient address (else of one message) are delivered to an endpoint in outbox order. */
        public String orderKey() {
            return address.isEmpty() ? "message:" + messageId : address.toLowerCase(Locale.ROOT);
        }
    }

    /**
     * A delivery leased to this node for one attempt. {@code attempts} counts the attempts made before this one;
     * {@code lease} is the fencing token its result must present ({@link #record}).
     */
    public record Claimed(Endpoint endpoint, OutboxEvent event, int attempts, Claim.Lease lease) {}

    /** One delivery's state for the API. */
    public record Delivery(String endpointId, String eventId, String eventType, long eventSeq, DeliveryState state,
                           int attempts, Optional<Instant> nextAttemptAt, Optional<Integer> lastStatus, String lastError,
                           Instant eventCreatedAt, Instant updatedAt) {}

    /** One HTTP attempt (the delivery log); {@code statusCode} 0 when no HTTP response came (see {@code error}). */
    public record Attempt(String id, String endpointId, String eventId, int attempt, Instant attemptedAt, int statusCode,
                          long latencyMs, String error, String response) {}

    /**
     * What an attempt led to, decided by the caller: {@code next} is the next attempt's time when the delivery
     * stays pending; {@code disableReason} disables the endpoint.
     */
    public record Result(Claimed claimed, Attempt attempt, DeliveryState state, Optional<Instant> next,
                         Optional<String> disableReason) {}

    /** Pending deliveries of one endpoint and the creation time of the oldest one's event. */
    public record Pending(String endpointId, long count, Optional<Instant> oldestEventAt) {}

    /** Which endpoints want an event (the subscription rule, decided outside the store). */
    @FunctionalInterface
    public interface Subscription {
        boolean wants(Endpoint endpoint, OutboxEvent event);
    }

    // ---- endpoints --------------------------------------------------------------------------------------

    private static final String ENDPOINT_COLUMNS = "id, source, url, secret, old_secret, old_secret_until, event_types, streams, "
            + "final_only, state, state_reason, failing_since, description, created_at, updated_at";

    private static Endpoint endpoint(ResultSet rs) throws SQLException {
        return new Endpoint(rs.getString(1), rs.getString(2), rs.getString(3), rs.getString(4),
                Optional.ofNullable(rs.getString(5)), millis(rs, 6), list(rs.getString(7)), list(rs.getString(8)),
                rs.getInt(9) != 0, EndpointState.valueOf(rs.getString(10)), rs.getString(11), millis(rs, 12),
                rs.getString(13), Instant.ofEpochMilli(rs.getLong(14)), Instant.ofEpochMilli(rs.getLong(15)));
    }

    private static Optional<Instant> millis(ResultSet rs, int column) throws SQLException {
        long v = rs.getLong(column);
        return rs.wasNull() ? Optional.empty() : Optional.of(Instant.ofEpochMilli(v));
    }

    private static List<String> list(String s) {
        if (s == null || s.isEmpty()) return List.of();
        return List.of(s.split(","));
    }

    public List<Endpoint> endpoints() {
        return db.read(WebhookStore::endpoints);
    }

    private static List<Endpoint> endpoints(Connection c) throws SQLException {
        List<Endpoint> out = new ArrayList<>();
        try (PreparedStatement ps = c.prepareStatement("SELECT " + ENDPOINT_COLUMNS + " FROM webhook_endpoints ORDER BY created_at, id")) {
            try (ResultSet rs = ps.executeQuery()) {
                while (rs.next()) out.add(endpoint(rs));
            }
        }
        return out;
    }

    public Optional<Endpoint> endpoint(String id) {
        return db.read(c -> endpoint(c, id));
    }

    private static Optional<Endpoint> endpoint(Connection c, String id) throws SQLException {
        try (PreparedStatement ps = c.prepareStatement("SELECT " + ENDPOINT_COLUMNS + " FROM webhook_endpoints WHERE id = ?")) {
            ps.setString(1, id);
            try (ResultSet rs = ps.executeQuery()) {
                return rs.next() ? Optional.of(endpoint(rs)) : Optional.empty();
            }
        }
    }

    /** Inserts or replaces an endpoint (all its settings; delivery state and failure time are kept on replace). */
    public Endpoint save(Endpoint e) {
        return db.write(c -> {
            try (PreparedStatement ps = c.prepareStatement("""
                    INSERT INTO webhook_endpoints (id, source, url, secret, old_secret, old_secret_until, event_types, streams,
                        final_only, state, state_reason, failing_since, description, created_at, updated_at)
                    VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?,?,?)
                    ON CONFLICT (id) DO UPDATE SET source = excluded.source, url = excluded.url, secret = excluded.secret,
                        old_secret = excluded.old_secret, old_secret_until = excluded.old_secret_until,
                        event_types = excluded.event_types, streams = excluded.streams, final_only = excluded.final_only,
                        state = excluded.state, state_reason = excluded.state_reason,
                        failing_since = CASE WHEN excluded.state = 'ENABLED' AND webhook_endpoints.state = 'DISABLED'
                                             THEN NULL ELSE webhook_endpoints.failing_since END,
                        description = excluded.description, updated_at = excluded.updated_at""")) {
                int i = 1;
                ps.setString(i++, e.id());
                ps.setString(i++, e.source());
                ps.setString(i++, e.url());
                ps.setString(i++, e.secret());
                ps.setString(i++, e.oldSecret().orElse(null));
                if (e.oldSecretUntil().isPresent()) ps.setLong(i++, e.oldSecretUntil().get().toEpochMilli());
                else ps.setNull(i++, Types.BIGINT);
                ps.setString(i++, String.join(",", e.eventTypes()));
                ps.setString(i++, String.join(",", e.streams()));
                ps.setInt(i++, e.finalOnly() ? 1 : 0);
                ps.setString(i++, e.state().name());
                ps.setString(i++, e.stateReason());
                if (e.failingSince().isPresent()) ps.setLong(i++, e.failingSince().get().toEpochMilli());
                else ps.setNull(i++, Types.BIGINT);
                ps.setString(i++, e.description());
                ps.setLong(i++, e.createdAt().toEpochMilli());
                ps.setLong(i, e.updatedAt().toEpochMilli());
                ps.executeUpdate();
            }
            return endpoint(c, e.id()).orElseThrow();
        });
    }

    /** Deletes an endpoint with its deliveries and log. */
    public boolean delete(String id) {
        return db.write(c -> {
            for (String sql : List.of("DELETE FROM webhook_log WHERE endpoint_id = ?", "DELETE FROM webhook_deliveries WHERE endpoint_id = ?")) {
                try (PreparedStatement ps = c.prepareStatement(sql)) {
                    ps.setString(1, id);
                    ps.executeUpdate();
                }
            }
            try (PreparedStatement ps = c.prepareStatement("DELETE FROM webhook_endpoints WHERE id = ?")) {
                ps.setString(1, id);
                return ps.executeUpdate() == 1;
            }
        });
    }

    /** Deletes the endpoints from the config file that are no longer in it (with their deliveries and log). */
    public List<String> deleteConfiguredExcept(List<String> keep) {
        List<String> gone = new ArrayList<>();
        for (Endpoint e : endpoints()) if (e.source().equals("config") && !keep.contains(e.id())) gone.add(e.id());
        for (String id : gone) delete(id);
        return gone;
    }

    // ---- fan-out ----------------------------------------------------------------------------------------

    private static final String OUTBOX = """
            SELECT e.seq, e.id, e.created_at, e.type, e.message_id, e.recipient_id, r.address, m.stream, e.payload
            FROM events e LEFT JOIN recipients r ON r.id = e.recipient_id LEFT JOIN messages m ON m.id = e.message_id
            """;

    private static OutboxEvent outboxEvent(ResultSet rs) throws SQLException {
        String payload = rs.getString(9);
        String address = rs.getString(7);
        String stream = rs.getString(8);
        // the payload is parsed only when it may hold what the joins did not give (a message event has no recipient
        // row and, but for a few kinds, no address in its payload either)
        if ((address == null && payload.contains("\"address\"")) || stream == null) {
            JsonNode p = JSON.readTree(payload);
            if (address == null) address = p.path("address").asString("");
            if (stream == null) stream = p.path("stream").asString("");
        }
        if (address == null) address = "";
        String recipientId = rs.getString(6);
        return new OutboxEvent(rs.getLong(1), rs.getString(2), Instant.ofEpochMilli(rs.getLong(3)), rs.getString(4),
                rs.getString(5), recipientId == null ? "" : recipientId, address.toLowerCase(Locale.ROOT), stream, payload);
    }

    /**
     * Reads up to {@code limit} outbox rows after the cursor, inserts one PENDING delivery (due now) per endpoint
     * that wants each (disabled endpoints too: their events are kept), and moves the cursor, in one transaction.
     * A first run starts the cursor at the end of the outbox (older events reach an endpoint by replay).
     *
     * @return the number of outbox rows read (0 when the fan-out has caught up or raced another one)
     */
    public int fanOut(int limit, Subscription subscription) {
        return fanOut(limit, subscription, "", 0, Duration.ZERO).read();
    }

    /** What one fan-out did: outbox rows read, and the new deliveries it leased at once (see {@link #fanOut(int, Subscription, String, int, Duration)}). */
    public record FanOut(int read, List<Claimed> claimed, boolean leftDue) {}

    /**
     * {@link #fanOut(int, Subscription)}, and up to {@code slots} of the new deliveries inserted already leased to
     * {@code owner} (lease version 1), as {@link #claim} would lease them: the endpoint is enabled (as the write
     * transaction reads it), and no PENDING delivery of an earlier event with the same order key for the endpoint
     * exists, in the store or earlier in this batch. The others are inserted free for {@link #claim}. So an event
     * that nothing holds back costs one insert instead of an insert, a claim's select and a lease update.
     *
     * <p>The outbox rows, the endpoints and the subscription rule are read before the write, on a read connection
     * (the single writer only inserts and moves the cursor); the write moves the cursor only from the position
     * read (compare and set), so a fan-out that raced another one (a second node) writes nothing and is repeated.
     *
     * @return rows read, the leased deliveries, and whether a delivery was inserted due and free (for {@link #claim})
     */
    public FanOut fanOut(int limit, Subscription subscription, String owner, int slots, Duration lease) {
        record Batch(long cursor, List<OutboxEvent> events, List<String[]> deliveries) {}
        Batch batch = db.read(c -> {
            long cursor;
            try (PreparedStatement ps = c.prepareStatement("SELECT last_seq FROM webhook_cursor WHERE name = ?")) {
                ps.setString(1, CURSOR);
                try (ResultSet rs = ps.executeQuery()) {
                    cursor = rs.next() ? rs.getLong(1) : -1;
                }
            }
            if (cursor < 0) return new Batch(cursor, List.of(), List.of());
            List<OutboxEvent> events = new ArrayList<>();
            try (PreparedStatement ps = c.prepareStatement(OUTBOX + " WHERE e.seq > ? ORDER BY e.seq LIMIT ?")) {
                ps.setLong(1, cursor);
                ps.setInt(2, limit);
                try (ResultSet rs = ps.executeQuery()) {
                    while (rs.next()) events.add(outboxEvent(rs));
                }
            }
            List<String[]> deliveries = new ArrayList<>();
            if (!events.isEmpty()) {
                List<Endpoint> endpoints = endpoints(c);
                for (int i = 0; i < events.size(); i++)
                    for (Endpoint ep : endpoints)
                        if (subscription.wants(ep, events.get(i))) deliveries.add(new String[] {ep.id(), Integer.toString(i)});
            }
            return new Batch(cursor, events, deliveries);
        });
        if (batch.cursor() < 0) {
            db.write(c -> {
                try (PreparedStatement ps = c.prepareStatement("INSERT INTO webhook_cursor (name, last_seq) VALUES (?, (SELECT COALESCE(MAX(seq), 0) FROM events WHERE seq > 0)) ON CONFLICT (name) DO NOTHING")) {
                    ps.setString(1, CURSOR);
                    return ps.executeUpdate();
                }
            });
            return new FanOut(0, List.of(), false);
        }
        if (batch.events().isEmpty()) return new FanOut(0, List.of(), false);
        return db.write(c -> {
            long now = db.clock().millis();
            try (PreparedStatement ps = c.prepareStatement("UPDATE webhook_cursor SET last_seq = ? WHERE name = ? AND last_seq = ?")) {
                ps.setLong(1, batch.events().getLast().seq());
                ps.setString(2, CURSOR);
                ps.setLong(3, batch.cursor());
                if (ps.executeUpdate() != 1) return new FanOut(0, List.of(), false); // another fan-out moved it meanwhile
            }
            if (batch.deliveries().isEmpty()) return new FanOut(batch.events().size(), List.of(), false);
            Map<String, Endpoint> current = new LinkedHashMap<>();
            if (slots > 0) for (Endpoint e : endpoints(c)) current.put(e.id(), e);
            List<Claimed> claimed = new ArrayList<>();
            Set<String> keysInBatch = new HashSet<>();
            boolean leftDue = false;
            try (PreparedStatement free = c.prepareStatement(INSERT_DELIVERY);
                 PreparedStatement leased = c.prepareStatement(INSERT_LEASED);
                 PreparedStatement earlier = c.prepareStatement("""
                         SELECT 1 FROM webhook_deliveries WHERE endpoint_id = ? AND order_key = ? AND state = 'PENDING'
                         AND event_seq < ? LIMIT 1""")) {
                for (String[] d : batch.deliveries()) {
                    OutboxEvent ev = batch.events().get(Integer.parseInt(d[1]));
                    Endpoint ep = current.get(d[0]);
                    boolean first = keysInBatch.add(d[0] + '\n' + ev.orderKey());
                    boolean leaseIt = claimed.size() < slots && first && ep != null && ep.state() == EndpointState.ENABLED
                            && !pendingBefore(earlier, d[0], ev);
                    if (!leaseIt) {
                        addDelivery(free, d[0], ev, now);
                        leftDue = true;
                        continue;
                    }
                    leased.setString(1, d[0]);
                    leased.setString(2, ev.id());
                    leased.setLong(3, ev.seq());
                    leased.setString(4, ev.orderKey());
                    leased.setLong(5, now);
                    leased.setString(6, owner);
                    leased.setLong(7, now + lease.toMillis());
                    leased.setLong(8, ev.createdAt().toEpochMilli());
                    leased.setLong(9, now);
                    // 0: a replay inserted this delivery before the fan-out came to it; it stays as it is (claimed there)
                    if (leased.executeUpdate() == 1) claimed.add(new Claimed(ep, ev, 0, new Claim.Lease(owner, 1)));
                }
                free.executeBatch();
            }
            return new FanOut(batch.events().size(), claimed, leftDue);
        });
    }

    /** Whether a PENDING delivery of an earlier event with the same order key waits at this endpoint. */
    private static boolean pendingBefore(PreparedStatement earlier, String endpointId, OutboxEvent ev) throws SQLException {
        earlier.setString(1, endpointId);
        earlier.setString(2, ev.orderKey());
        earlier.setLong(3, ev.seq());
        try (ResultSet rs = earlier.executeQuery()) {
            return rs.next();
        }
    }

    private static final String INSERT_LEASED = """
            INSERT INTO webhook_deliveries (endpoint_id, event_id, event_seq, order_key, state, attempts, next_attempt_at,
                lease_owner, lease_expires_at, lease_version, created_at, updated_at)
            VALUES (?,?,?,?,'PENDING',0,?,?,?,1,?,?) ON CONFLICT (endpoint_id, event_id) DO NOTHING""";

    private static final String INSERT_DELIVERY = """
            INSERT INTO webhook_deliveries (endpoint_id, event_id, event_seq, order_key, state, attempts, next_attempt_at,
                created_at, updated_at)
            VALUES (?,?,?,?,'PENDING',0,?,?,?) ON CONFLICT (endpoint_id, event_id) DO NOTHING""";

    private static void addDelivery(PreparedStatement ps, String endpointId, OutboxEvent ev, long now) throws SQLException {
        ps.setString(1, endpointId);
        ps.setString(2, ev.id());
        ps.setLong(3, ev.seq());
        ps.setString(4, ev.orderKey());
        ps.setLong(5, now);
        ps.setLong(6, ev.createdAt().toEpochMilli());
        ps.setLong(7, now);
        ps.addBatch();
    }

    /**
     * Up to {@code limit} outbox rows after the named cursor (another consumer of the outbox than the fan-out, e.g.
     * bounce notices); a cursor seen for the first time starts at the end of the outbox.
     */
    public List<OutboxEvent> outboxAfter(String cursor, int limit) {
        long after = db.write(c -> {
            try (PreparedStatement ps = c.prepareStatement("SELECT last_seq FROM webhook_cursor WHERE name = ?")) {
                ps.setString(1, cursor);
                try (ResultSet rs = ps.executeQuery()) {
                    if (rs.next()) return rs.getLong(1);
                }
            }
            try (PreparedStatement ps = c.prepareStatement("INSERT INTO webhook_cursor (name, last_seq) VALUES (?, (SELECT COALESCE(MAX(seq), 0) FROM events WHERE seq > 0))")) {
                ps.setString(1, cursor);
                ps.executeUpdate();
            }
            return Long.MAX_VALUE;
        });
        if (after == Long.MAX_VALUE) return List.of();
        return db.read(c -> {
            List<OutboxEvent> out = new ArrayList<>();
            try (PreparedStatement ps = c.prepareStatement(OUTBOX + " WHERE e.seq > ? ORDER BY e.seq LIMIT ?")) {
                ps.setLong(1, after);
                ps.setInt(2, limit);
                try (ResultSet rs = ps.executeQuery()) {
                    while (rs.next()) out.add(outboxEvent(rs));
                }
            }
            return out;
        });
    }

    /** Moves the named cursor forward to {@code seq} (never back). */
    public void moveCursor(String cursor, long seq) {
        db.write(c -> {
            try (PreparedStatement ps = c.prepareStatement("UPDATE webhook_cursor SET last_seq = ? WHERE name = ? AND last_seq < ?")) {
                ps.setLong(1, seq);
                ps.setString(2, cursor);
                ps.setLong(3, seq);
                return ps.executeUpdate();
            }
        });
    }

    // ---- dispatch ---------------------------------------------------------------------------------------

    /**
     * Leases up to {@code limit} due deliveries of enabled endpoints to {@code owner}: free (or with an expired
     * lease), due by the clock, and with no earlier pending delivery of the same order key for the same endpoint.
     */
    public List<Claimed> claim(String owner, int limit, Duration lease) {
        Leased leased = db.write(c -> {
            long now = db.clock().millis();
            List<String[]> keys = new ArrayList<>();
            List<Integer> attempts = new ArrayList<>();
            List<Long> versions = new ArrayList<>();
            try (PreparedStatement ps = c.prepareStatement("""
                    SELECT d.endpoint_id, d.event_id, d.attempts, d.lease_version FROM webhook_deliveries d
                    JOIN webhook_endpoints w ON w.id = d.endpoint_id
                    WHERE d.state = 'PENDING' AND d.next_attempt_at <= ? AND (d.lease_owner IS NULL OR d.lease_expires_at <= ?)
                      AND w.state = 'ENABLED'
                      AND NOT EXISTS (SELECT 1 FROM webhook_deliveries p WHERE p.endpoint_id = d.endpoint_id
                                      AND p.order_key = d.order_key AND p.state = 'PENDING' AND p.event_seq < d.event_seq)
                    ORDER BY d.next_attempt_at, d.event_seq LIMIT ?""" + db.dialect().skipLocked("d"))) {
                ps.setLong(1, now);
                ps.setLong(2, now);
                ps.setInt(3, limit);
                try (ResultSet rs = ps.executeQuery()) {
                    while (rs.next()) {
                        keys.add(new String[] {rs.getString(1), rs.getString(2)});
                        attempts.add(rs.getInt(3));
                        versions.add(rs.getLong(4) + 1);
                    }
                }
            }
            if (keys.isEmpty()) return new Leased(List.of(), List.of(), List.of());
            // each claim increments the delivery's lease version (its fencing token), only from the version read
            List<Boolean> taken = new ArrayList<>(keys.size());
            try (PreparedStatement ps = c.prepareStatement("""
                    UPDATE webhook_deliveries SET lease_owner = ?, lease_expires_at = ?, lease_version = ?
                    WHERE endpoint_id = ? AND event_id = ? AND lease_version = ?""")) {
                for (int i = 0; i < keys.size(); i++) {
                    ps.setString(1, owner);
                    ps.setLong(2, now + lease.toMillis());
                    ps.setLong(3, versions.get(i));
                    ps.setString(4, keys.get(i)[0]);
                    ps.setString(5, keys.get(i)[1]);
                    ps.setLong(6, versions.get(i) - 1);
                    taken.add(ps.executeUpdate() == 1);
                }
            }
            List<Claim.Lease> leases = new ArrayList<>(keys.size());
            for (int i = 0; i < keys.size(); i++) leases.add(taken.get(i) ? new Claim.Lease(owner, versions.get(i)) : null);
            return new Leased(keys, attempts, leases);
        });
        if (leased.keys().isEmpty()) return List.of();
        // the leased deliveries' endpoints and events, read after the commit on a read connection (the outbox rows do
        // not change; the single writer only took the leases)
        return db.read(c -> {
            Map<String, Endpoint> endpoints = new LinkedHashMap<>();
            for (Endpoint e : endpoints(c)) endpoints.put(e.id(), e);
            List<Claimed> out = new ArrayList<>(leased.keys().size());
            try (PreparedStatement ps = c.prepareStatement(OUTBOX + " WHERE e.id = ?")) {
                for (int i = 0; i < leased.keys().size(); i++) {
                    Claim.Lease l = leased.leases().get(i);
                    Endpoint ep = endpoints.get(leased.keys().get(i)[0]);
                    if (l == null || ep == null) continue;
                    ps.setString(1, leased.keys().get(i)[1]);
                    try (ResultSet rs = ps.executeQuery()) {
                        if (rs.next()) out.add(new Claimed(ep, outboxEvent(rs), leased.attempts().get(i), l));
                    }
                }
            }
            return out;
        });
    }

    /** What a claim's write leased: keys (endpoint, event), attempts made, and the lease (null where another took it). */
    private record Leased(List<String[]> keys, List<Integer> attempts, List<Claim.Lease> leases) {}

    /**
     * Records attempts' results in one transaction: the log rows, each delivery's new state (only while the delivery
     * still carries the claim's lease, owner and version: a result whose lease expired and was claimed again is
     * logged only, and returned as refused), and each endpoint's failing-since time (cleared by a success, set by the
     * first failure) or its disabling.
     */
    public Fenced record(List<Result> results) {
        if (results.isEmpty()) return Fenced.NONE;
        return db.write(c -> {
            long now = db.clock().millis();
            List<String> refused = new ArrayList<>(0);
            for (Result r : results) {
                Attempt a = r.attempt();
                try (PreparedStatement ps = c.prepareStatement("""
                        INSERT INTO webhook_log (id, endpoint_id, event_id, attempt, attempted_at, status_code, latency_ms, error, response)
                        VALUES (?,?,?,?,?,?,?,?,?)""")) {
                    ps.setString(1, a.id());
                    ps.setString(2, a.endpointId());
                    ps.setString(3, a.eventId());
                    ps.setInt(4, a.attempt());
                    ps.setLong(5, a.attemptedAt().toEpochMilli());
                    ps.setInt(6, a.statusCode());
                    ps.setLong(7, a.latencyMs());
                    ps.setString(8, a.error());
                    ps.setString(9, a.response());
                    ps.executeUpdate();
                }
                try (PreparedStatement ps = c.prepareStatement("""
                        UPDATE webhook_deliveries SET state = ?, attempts = ?, next_attempt_at = ?, lease_owner = NULL,
                            lease_expires_at = NULL, last_status = ?, last_error = ?, updated_at = ?
                        WHERE endpoint_id = ? AND event_id = ? AND lease_owner = ? AND lease_version = ?""")) {
                    ps.setString(1, r.state().name());
                    ps.setInt(2, a.attempt());
                    if (r.next().isPresent()) ps.setLong(3, r.next().get().toEpochMilli());
                    else ps.setNull(3, Types.BIGINT);
                    ps.setInt(4, a.statusCode());
                    ps.setString(5, a.error());
                    ps.setLong(6, now);
                    ps.setString(7, a.endpointId());
                    ps.setString(8, a.eventId());
                    ps.setString(9, r.claimed().lease().owner());
                    ps.setLong(10, r.claimed().lease().version());
                    if (ps.executeUpdate() != 1) {
                        refused.add(a.eventId());
                        continue; // stale: the new owner's result decides the delivery and the endpoint's state
                    }
                }
                boolean success = r.state() == DeliveryState.DELIVERED;
                // only when it changes: a row updated to its own values is still written (a page per commit)
                try (PreparedStatement ps = c.prepareStatement(success
                        ? "UPDATE webhook_endpoints SET failing_since = NULL WHERE id = ? AND failing_since IS NOT NULL"
                        : "UPDATE webhook_endpoints SET failing_since = ? WHERE id = ? AND failing_since IS NULL")) {
                    if (success) ps.setString(1, a.endpointId());
                    else {
                        ps.setLong(1, a.attemptedAt().toEpochMilli());
                        ps.setString(2, a.endpointId());
                    }
                    ps.executeUpdate();
                }
                if (r.disableReason().isPresent()) {
                    try (PreparedStatement ps = c.prepareStatement("UPDATE webhook_endpoints SET state = 'DISABLED', state_reason = ?, updated_at = ? WHERE id = ? AND state = 'ENABLED'")) {
                        ps.setString(1, r.disableReason().get());
                        ps.setLong(2, now);
                        ps.setString(3, a.endpointId());
                        ps.executeUpdate();
                    }
                }
            }
            return new Fenced(refused);
        });
    }

    /** Frees every delivery lease held by {@code owner} (at start-up after a crash). */
    public int releaseLeases(String owner) {
        return db.write(c -> {
            try (PreparedStatement ps = c.prepareStatement("UPDATE webhook_deliveries SET lease_owner = NULL, lease_expires_at = NULL WHERE lease_owner = ?")) {
                ps.setString(1, owner);
                return ps.executeUpdate();
            }
        });
    }

    /** What a redelivery or replay request did. */
    public record Requeued(int requeued, int added, int inFlight) {}

    /**
     * Makes one event's delivery to an endpoint due now with a fresh retry schedule (creating the delivery if the
     * event never went to this endpoint). A delivery in flight (leased) is left alone and counted in {@code inFlight}.
     */
    public Optional<Requeued> redeliver(String endpointId, String eventId) {
        return db.write(c -> {
            List<OutboxEvent> events = new ArrayList<>();
            try (PreparedStatement ps = c.prepareStatement(OUTBOX + " WHERE e.id = ?")) {
                ps.setString(1, eventId);
                try (ResultSet rs = ps.executeQuery()) {
                    if (rs.next()) events.add(outboxEvent(rs));
                }
            }
            if (events.isEmpty()) return Optional.empty();
            return Optional.of(requeue(c, endpointId, events));
        });
    }

    /**
     * Replays every outbox event created in [{@code from}, {@code to}) that the endpoint wants: each delivery is
     * made due now with a fresh retry schedule (created where missing), in outbox order.
     */
    public Requeued replay(String endpointId, Instant from, Instant to, Subscription subscription) {
        return db.write(c -> {
            Optional<Endpoint> ep = endpoint(c, endpointId);
            if (ep.isEmpty()) return new Requeued(0, 0, 0);
            List<OutboxEvent> events = new ArrayList<>();
            try (PreparedStatement ps = c.prepareStatement(OUTBOX + " WHERE e.created_at >= ? AND e.created_at < ? AND e.seq > 0 ORDER BY e.seq")) {
                ps.setLong(1, from.toEpochMilli());
                ps.setLong(2, to.toEpochMilli());
                try (ResultSet rs = ps.executeQuery()) {
                    while (rs.next()) {
                        OutboxEvent ev = outboxEvent(rs);
                        if (subscription.wants(ep.get(), ev)) events.add(ev);
                    }
                }
            }
            return requeue(c, endpointId, events);
        });
    }

    private Requeued requeue(Connection c, String endpointId, List<OutboxEvent> events) throws SQLException {
        long now = db.clock().millis();
        int requeued = 0, added = 0, inFlight = 0;
        for (OutboxEvent ev : events) {
            try (PreparedStatement ps = c.prepareStatement("""
                    UPDATE webhook_deliveries SET state = 'PENDING', attempts = 0, next_attempt_at = ?, updated_at = ?
                    WHERE endpoint_id = ? AND event_id = ? AND (lease_owner IS NULL OR lease_expires_at <= ?)""")) {
                ps.setLong(1, now);
                ps.setLong(2, now);
                ps.setString(3, endpointId);
                ps.setString(4, ev.id());
                ps.setLong(5, now);
                if (ps.executeUpdate() == 1) {
                    requeued++;
                    continue;
                }
            }
            try (PreparedStatement ps = c.prepareStatement(INSERT_DELIVERY)) {
                addDelivery(ps, endpointId, ev, now);
                if (ps.executeBatch()[0] == 1) added++;
                else inFlight++;
            }
        }
        return new Requeued(requeued, added, inFlight);
    }

    // ---- reads ------------------------------------------------------------------------------------------

    /** The attempt log of an endpoint, newest first, optionally of one event. */
    public List<Attempt> log(String endpointId, Optional<String> eventId, int limit) {
        return db.read(c -> {
            String sql = "SELECT id, endpoint_id, event_id, attempt, attempted_at, status_code, latency_ms, error, response FROM webhook_log WHERE endpoint_id = ?"
                    + (eventId.isPresent() ? " AND event_id = ?" : "") + " ORDER BY attempted_at DESC, id DESC LIMIT ?";
            try (PreparedStatement ps = c.prepareStatement(sql)) {
                int i = 1;
                ps.setString(i++, endpointId);
                if (eventId.isPresent()) ps.setString(i++, eventId.get());
                ps.setInt(i, limit);
                List<Attempt> out = new ArrayList<>();
                try (ResultSet rs = ps.executeQuery()) {
                    while (rs.next()) out.add(new Attempt(rs.getString(1), rs.getString(2), rs.getString(3), rs.getInt(4),
                            Instant.ofEpochMilli(rs.getLong(5)), rs.getInt(6), rs.getLong(7), rs.getString(8), rs.getString(9)));
                }
                return out;
            }
        });
    }

    /** Deliveries of an endpoint in outbox order, optionally in one state. */
    public List<Delivery> deliveries(String endpointId, Optional<DeliveryState> state, int limit) {
        return db.read(c -> {
            String sql = """
                    SELECT d.endpoint_id, d.event_id, e.type, d.event_seq, d.state, d.attempts, d.next_attempt_at, d.last_status,
                        d.last_error, d.created_at, d.updated_at
                    FROM webhook_deliveries d JOIN events e ON e.id = d.event_id WHERE d.endpoint_id = ?"""
                    + (state.isPresent() ? " AND d.state = ?" : "") + " ORDER BY d.event_seq LIMIT ?";
            try (PreparedStatement ps = c.prepareStatement(sql)) {
                int i = 1;
                ps.setString(i++, endpointId);
                if (state.isPresent()) ps.setString(i++, state.get().name());
                ps.setInt(i, limit);
                List<Delivery> out = new ArrayList<>();
                try (ResultSet rs = ps.executeQuery()) {
                    while (rs.next()) {
                        int status = rs.getInt(8);
                        Optional<Integer> last = rs.wasNull() ? Optional.empty() : Optional.of(status);
                        out.add(new Delivery(rs.getString(1), rs.getString(2), rs.getString(3), rs.getLong(4),
                                DeliveryState.valueOf(rs.getString(5)), rs.getInt(6), millis(rs, 7), last,
                                rs.getString(9) == null ? "" : rs.getString(9), Instant.ofEpochMilli(rs.getLong(10)),
                                Instant.ofEpochMilli(rs.getLong(11))));
                    }
                }
                return out;
            }
        });
    }

    /** One outbox event by id. */
    public Optional<OutboxEvent> event(String eventId) {
        return db.read(c -> {
            try (PreparedStatement ps = c.prepareStatement(OUTBOX + " WHERE e.id = ?")) {
                ps.setString(1, eventId);
                try (ResultSet rs = ps.executeQuery()) {
                    return rs.next() ? Optional.of(outboxEvent(rs)) : Optional.empty();
                }
            }
        });
    }

    /** Pending deliveries per endpoint (every endpoint listed, with 0 when none). */
    public List<Pending> pending() {
        return db.read(c -> {
            Map<String, Pending> out = new LinkedHashMap<>();
            for (Endpoint e : endpoints(c)) out.put(e.id(), new Pending(e.id(), 0, Optional.empty()));
            try (PreparedStatement ps = c.prepareStatement("SELECT endpoint_id, COUNT(*), MIN(created_at) FROM webhook_deliveries WHERE state = 'PENDING' GROUP BY endpoint_id");
                 ResultSet rs = ps.executeQuery()) {
                while (rs.next()) out.put(rs.getString(1), new Pending(rs.getString(1), rs.getLong(2), millis(rs, 3)));
            }
            return List.copyOf(out.values());
        });
    }

    /**
     * The earliest next attempt of a delivery that {@link #claim} could take then: pending, unleased, of an enabled
     * endpoint, and not waiting behind an earlier event of its recipient.
     */
    public Optional<Instant> nextDueAt() {
        return db.read(c -> {
            try (PreparedStatement ps = c.prepareStatement("SELECT MIN(d.next_attempt_at) FROM webhook_deliveries d " + CLAIMABLE);
                 ResultSet rs = ps.executeQuery()) {
                rs.next();
                return millis(rs, 1);
            }
        });
    }

    private static final String CLAIMABLE = """
            JOIN webhook_endpoints w ON w.id = d.endpoint_id
            WHERE d.state = 'PENDING' AND d.lease_owner IS NULL AND w.state = 'ENABLED'
              AND NOT EXISTS (SELECT 1 FROM webhook_deliveries p WHERE p.endpoint_id = d.endpoint_id
                              AND p.order_key = d.order_key AND p.state = 'PENDING' AND p.event_seq < d.event_seq)""";

    /** A new time-ordered id (the store's generator). */
    public static String newId() {
        return Database.newId();
    }
}
