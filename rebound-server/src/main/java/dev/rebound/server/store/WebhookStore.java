package dev.rebound.server.store;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Types;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
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
     * {@code lease} is the fencing token its result must present ({@link #record}): the delivery row's, or for a
     * {@code direct} attempt (a new event of the stream, with no row yet) the stream's.
     */
    public record Claimed(Endpoint endpoint, OutboxEvent event, int attempts, Claim.Lease lease, boolean direct) {
        /** A delivery row's claim. */
        public Claimed(Endpoint endpoint, OutboxEvent event, int attempts, Claim.Lease lease) {
            this(endpoint, event, attempts, lease, false);
        }
    }

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

    // ---- the stream: new outbox events, attempted directly -----------------------------------------------

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
     * The hold of one node on the outbox's new events (the fan-out cursor row, V13 and V96): every event up to
     * {@code cursor} has been attempted with its result committed, or handed off to a delivery row; {@code hwm} is
     * the highest seq of such a commit (events between the two may be done already, see {@link #streamBatch});
     * {@code lease} is the fencing token of the holder's commits ({@link #record}).
     */
    public record Stream(long cursor, long hwm, Claim.Lease lease) {}

    /**
     * Takes the stream for {@code owner} when nobody holds it (or the holder's lease expired); the first call on a
     * store starts the cursor at the end of the outbox (older events reach an endpoint by replay).
     *
     * @return the stream with a new lease version, or empty while another node holds it
     */
    public Optional<Stream> acquireStream(String owner, Duration lease) {
        return db.write(c -> {
            long now = db.clock().millis();
            try (PreparedStatement ps = c.prepareStatement("INSERT INTO webhook_cursor (name, last_seq) VALUES (?, (SELECT COALESCE(MAX(seq), 0) FROM events WHERE seq > 0)) ON CONFLICT (name) DO NOTHING")) {
                ps.setString(1, CURSOR);
                ps.executeUpdate();
            }
            try (PreparedStatement ps = c.prepareStatement("""
                    UPDATE webhook_cursor SET lease_owner = ?, lease_expires_at = ?, lease_version = lease_version + 1
                    WHERE name = ? AND (lease_owner IS NULL OR lease_expires_at <= ?)""")) {
                ps.setString(1, owner);
                ps.setLong(2, now + lease.toMillis());
                ps.setString(3, CURSOR);
                ps.setLong(4, now);
                if (ps.executeUpdate() != 1) return Optional.empty();
            }
            try (PreparedStatement ps = c.prepareStatement("SELECT last_seq, hwm, lease_version FROM webhook_cursor WHERE name = ?")) {
                ps.setString(1, CURSOR);
                try (ResultSet rs = ps.executeQuery()) {
                    rs.next();
                    return Optional.of(new Stream(rs.getLong(1), rs.getLong(2), new Claim.Lease(owner, rs.getLong(3))));
                }
            }
        });
    }

    /** Extends the stream's lease; false when it is no longer this holder's (expired and taken over). */
    public boolean renewStream(Claim.Lease lease, Duration duration) {
        return db.write(c -> {
            try (PreparedStatement ps = c.prepareStatement("UPDATE webhook_cursor SET lease_expires_at = ? WHERE name = ? AND lease_owner = ? AND lease_version = ?")) {
                ps.setLong(1, db.clock().millis() + duration.toMillis());
                ps.setString(2, CURSOR);
                ps.setString(3, lease.owner());
                ps.setLong(4, lease.version());
                return ps.executeUpdate() == 1;
            }
        });
    }

    /**
     * One endpoint's part of an outbox event in a {@link StreamBatch}: {@code waits} when a PENDING delivery row of
     * the same order key exists for the endpoint (the event must become a row behind it, {@link Handoff}).
     */
    public record Offer(Endpoint endpoint, OutboxEvent event, boolean waits) {}

    /**
     * Outbox events after a position and what each subscribed endpoint needs: {@code offers} in outbox order
     * (an event's offers in endpoint order); {@code last} the highest seq read (the position for the next batch),
     * {@code read} the number of events read.
     */
    public record StreamBatch(int read, long last, List<Endpoint> endpoints, List<Offer> offers) {}

    /**
     * Reads up to {@code limit} outbox events after {@code after} and the endpoints on one read connection (with no
     * endpoint, no event: {@code last} is then the end of the outbox), and offers each event to every endpoint whose subscription wants it (disabled endpoints too: their events are
     * kept as rows). An offer {@code waits} when a PENDING delivery of its order key exists for the endpoint (a
     * per-key probe, made only for an endpoint that has a PENDING delivery at all). Events up to {@code hwm} may have
     * been attempted or handed off by an earlier holder before it crashed: an endpoint's event with a delivery row,
     * or with a 2xx in the log, is not offered again.
     */
    public StreamBatch streamBatch(long after, long hwm, int limit, Subscription subscription) {
        return db.read(c -> {
            List<Endpoint> endpoints = endpoints(c);
            if (endpoints.isEmpty()) {
                // nobody to offer events to: the position follows the end of the outbox (an endpoint created later
                // starts there, as a new one does)
                try (PreparedStatement ps = c.prepareStatement("SELECT COALESCE(MAX(seq), 0) FROM events WHERE seq > 0");
                     ResultSet rs = ps.executeQuery()) {
                    rs.next();
                    return new StreamBatch(0, Math.max(after, rs.getLong(1)), endpoints, List.of());
                }
            }
            List<OutboxEvent> events = new ArrayList<>();
            try (PreparedStatement ps = c.prepareStatement(OUTBOX + " WHERE e.seq > ? ORDER BY e.seq LIMIT ?")) {
                ps.setLong(1, after);
                ps.setInt(2, limit);
                try (ResultSet rs = ps.executeQuery()) {
                    while (rs.next()) events.add(outboxEvent(rs));
                }
            }
            if (events.isEmpty()) return new StreamBatch(0, after, endpoints, List.of());
            List<Offer> offers = new ArrayList<>(events.size() * endpoints.size());
            Map<String, Boolean> anyPending = new LinkedHashMap<>();
            try (PreparedStatement any = c.prepareStatement("SELECT 1 FROM webhook_deliveries WHERE endpoint_id = ? AND state = 'PENDING' LIMIT 1");
                 PreparedStatement key = c.prepareStatement("SELECT 1 FROM webhook_deliveries WHERE endpoint_id = ? AND order_key = ? AND state = 'PENDING' LIMIT 1");
                 PreparedStatement row = c.prepareStatement("SELECT 1 FROM webhook_deliveries WHERE endpoint_id = ? AND event_id = ?");
                 PreparedStatement ok = c.prepareStatement("SELECT 1 FROM webhook_log WHERE event_id = ? AND endpoint_id = ? AND status_code BETWEEN 200 AND 299 LIMIT 1")) {
                for (OutboxEvent ev : events) {
                    for (Endpoint ep : endpoints) {
                        if (!subscription.wants(ep, ev)) continue;
                        if (ev.seq() <= hwm && (exists(row, ep.id(), ev.id()) || exists(ok, ev.id(), ep.id()))) continue;
                        boolean waits = anyPending.computeIfAbsent(ep.id(), id -> exists(any, id, null)) && exists(key, ep.id(), ev.orderKey());
                        offers.add(new Offer(ep, ev, waits));
                    }
                }
            }
            return new StreamBatch(events.size(), events.getLast().seq(), endpoints, offers);
        });
    }

    /** Whether the one- or two-parameter probe finds a row (SQL errors rethrown unchecked, for use in lambdas). */
    private static boolean exists(PreparedStatement ps, String first, String second) {
        try {
            ps.setString(1, first);
            if (second != null) ps.setString(2, second);
            try (ResultSet rs = ps.executeQuery()) {
                return rs.next();
            }
        } catch (SQLException e) {
            throw new StoreException("webhook probe failed: " + e.getMessage(), e);
        }
    }

    /** An event that becomes a delivery row without an attempt here: due now, subject to the order rule of {@link #claim}. */
    public record Handoff(String endpointId, OutboxEvent event) {}

    /** The stream's new position, committed with the results it covers (fenced by the stream's lease). */
    public record StreamMove(Claim.Lease lease, long cursor, long hwm) {}

    /**
     * What {@link #record} did: the results refused by fencing (event ids; logged only) and whether the stream's
     * lease was no longer the holder's (its move, direct results' rows and hand-offs were not written).
     */
    public record Recorded(List<String> refused, boolean streamLost) {
        public Recorded {
            refused = List.copyOf(refused);
        }
    }

    private static final String INSERT_DELIVERY = """
            INSERT INTO webhook_deliveries (endpoint_id, event_id, event_seq, order_key, state, attempts, next_attempt_at,
                last_status, last_error, created_at, updated_at)
            SELECT ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ? WHERE EXISTS (SELECT 1 FROM webhook_endpoints WHERE id = ?)
            ON CONFLICT (endpoint_id, event_id) DO NOTHING""";

    /** Adds a delivery row to the batch: a hand-off ({@code a} null: PENDING, due now) or a direct attempt's failure. */
    private static void addDelivery(PreparedStatement ps, String endpointId, OutboxEvent ev, long now, Result failed) throws SQLException {
        ps.setString(1, endpointId);
        ps.setString(2, ev.id());
        ps.setLong(3, ev.seq());
        ps.setString(4, ev.orderKey());
        if (failed == null) {
            ps.setString(5, DeliveryState.PENDING.name());
            ps.setInt(6, 0);
            ps.setLong(7, now);
            ps.setNull(8, Types.INTEGER);
            ps.setNull(9, Types.VARCHAR);
        } else {
            ps.setString(5, failed.state().name());
            ps.setInt(6, failed.attempt().attempt());
            if (failed.next().isPresent()) ps.setLong(7, failed.next().get().toEpochMilli());
            else ps.setNull(7, Types.BIGINT);
            ps.setInt(8, failed.attempt().statusCode());
            ps.setString(9, failed.attempt().error());
        }
        ps.setLong(10, ev.createdAt().toEpochMilli());
        ps.setLong(11, now);
        ps.setString(12, endpointId);
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

    /** {@link #record(List, List, Optional)} of delivery rows' results alone. */
    public Fenced record(List<Result> results) {
        return new Fenced(record(results, List.of(), Optional.empty()).refused());
    }

    /**
     * Records attempts' results, the stream's hand-offs and its move in one transaction. Every attempt gets its log
     * row. A delivery row's result changes the row only while it still carries the claim's lease (owner and
     * version: a result whose lease expired and was claimed again is logged only, and returned as refused). The
     * stream's part (its move, its direct results' rows and its hand-offs) is written only while the stream's lease
     * is the holder's: a direct attempt that failed becomes a delivery row with its retry time, one that succeeded
     * needs none (its log row is the record); each hand-off becomes a PENDING row due now. Each endpoint's
     * failing-since time is cleared by a success, set by the first failure, and the endpoint is disabled when a
     * result says so.
     */
    public Recorded record(List<Result> results, List<Handoff> handoffs, Optional<StreamMove> move) {
        if (results.isEmpty() && handoffs.isEmpty() && move.isEmpty()) return new Recorded(List.of(), false);
        return db.write(c -> {
            long now = db.clock().millis();
            boolean lost = false;
            if (move.isPresent()) {
                StreamMove m = move.get();
                try (PreparedStatement ps = c.prepareStatement("""
                        UPDATE webhook_cursor SET last_seq = ?, hwm = CASE WHEN hwm < ? THEN ? ELSE hwm END
                        WHERE name = ? AND lease_owner = ? AND lease_version = ?""")) {
                    ps.setLong(1, m.cursor());
                    ps.setLong(2, m.hwm());
                    ps.setLong(3, m.hwm());
                    ps.setString(4, CURSOR);
                    ps.setString(5, m.lease().owner());
                    ps.setLong(6, m.lease().version());
                    lost = ps.executeUpdate() != 1;
                }
            }
            List<String> refused = new ArrayList<>(0);
            // per endpoint: -1 after a success, else the first failure's time since its last success in this batch
            Map<String, Long> failingFrom = new LinkedHashMap<>();
            Map<String, String> disable = new LinkedHashMap<>();
            try (PreparedStatement logRow = c.prepareStatement("""
                         INSERT INTO webhook_log (id, endpoint_id, event_id, attempt, attempted_at, status_code, latency_ms, error, response)
                         VALUES (?,?,?,?,?,?,?,?,?)""");
                 PreparedStatement update = c.prepareStatement("""
                         UPDATE webhook_deliveries SET state = ?, attempts = ?, next_attempt_at = ?, lease_owner = NULL,
                             lease_expires_at = NULL, last_status = ?, last_error = ?, updated_at = ?
                         WHERE endpoint_id = ? AND event_id = ? AND lease_owner = ? AND lease_version = ?""");
                 PreparedStatement insert = c.prepareStatement(INSERT_DELIVERY)) {
                boolean inserts = false;
                for (Result r : results) {
                    Attempt a = r.attempt();
                    logRow.setString(1, a.id());
                    logRow.setString(2, a.endpointId());
                    logRow.setString(3, a.eventId());
                    logRow.setInt(4, a.attempt());
                    logRow.setLong(5, a.attemptedAt().toEpochMilli());
                    logRow.setInt(6, a.statusCode());
                    logRow.setLong(7, a.latencyMs());
                    logRow.setString(8, a.error());
                    logRow.setString(9, a.response());
                    logRow.addBatch();
                    if (r.claimed().direct()) {
                        if (lost || move.isEmpty() || !move.get().lease().equals(r.claimed().lease())) {
                            refused.add(a.eventId()); // another node holds the stream now and sends the event itself
                            continue;
                        }
                        if (r.state() != DeliveryState.DELIVERED) {
                            addDelivery(insert, a.endpointId(), r.claimed().event(), now, r);
                            inserts = true;
                        }
                    } else {
                        update.setString(1, r.state().name());
                        update.setInt(2, a.attempt());
                        if (r.next().isPresent()) update.setLong(3, r.next().get().toEpochMilli());
                        else update.setNull(3, Types.BIGINT);
                        update.setInt(4, a.statusCode());
                        update.setString(5, a.error());
                        update.setLong(6, now);
                        update.setString(7, a.endpointId());
                        update.setString(8, a.eventId());
                        update.setString(9, r.claimed().lease().owner());
                        update.setLong(10, r.claimed().lease().version());
                        if (update.executeUpdate() != 1) {
                            refused.add(a.eventId());
                            continue; // stale: the new owner's result decides the delivery and the endpoint's state
                        }
                    }
                    if (r.state() == DeliveryState.DELIVERED) failingFrom.put(a.endpointId(), -1L);
                    else failingFrom.merge(a.endpointId(), a.attemptedAt().toEpochMilli(), (was, t) -> was < 0 ? t : was);
                    r.disableReason().ifPresent(reason -> disable.put(a.endpointId(), reason));
                }
                if (!results.isEmpty()) logRow.executeBatch();
                if (!lost) {
                    for (Handoff h : handoffs) {
                        addDelivery(insert, h.endpointId(), h.event(), now, null);
                        inserts = true;
                    }
                }
                if (inserts) insert.executeBatch();
            }
            for (Map.Entry<String, Long> e : failingFrom.entrySet()) {
                // only when it changes: a row updated to its own values is still written (a page per commit)
                boolean success = e.getValue() < 0;
                try (PreparedStatement ps = c.prepareStatement(success
                        ? "UPDATE webhook_endpoints SET failing_since = NULL WHERE id = ? AND failing_since IS NOT NULL"
                        : "UPDATE webhook_endpoints SET failing_since = ? WHERE id = ? AND failing_since IS NULL")) {
                    if (success) ps.setString(1, e.getKey());
                    else {
                        ps.setLong(1, e.getValue());
                        ps.setString(2, e.getKey());
                    }
                    ps.executeUpdate();
                }
            }
            for (Map.Entry<String, String> e : disable.entrySet()) {
                try (PreparedStatement ps = c.prepareStatement("UPDATE webhook_endpoints SET state = 'DISABLED', state_reason = ?, updated_at = ? WHERE id = ? AND state = 'ENABLED'")) {
                    ps.setString(1, e.getValue());
                    ps.setLong(2, now);
                    ps.setString(3, e.getKey());
                    ps.executeUpdate();
                }
            }
            return new Recorded(refused, lost);
        });
    }

    /** Frees every delivery lease and the stream lease held by {@code owner} (at start-up after a crash); returns the deliveries freed. */
    public int releaseLeases(String owner) {
        return db.write(c -> {
            try (PreparedStatement ps = c.prepareStatement("UPDATE webhook_cursor SET lease_owner = NULL, lease_expires_at = NULL WHERE lease_owner = ?")) {
                ps.setString(1, owner);
                ps.executeUpdate();
            }
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
                addDelivery(ps, endpointId, ev, now, null);
                if (ps.executeBatch()[0] == 1) added++;
                else inFlight++;
            }
        }
        return new Requeued(requeued, added, inFlight);
    }

    // ---- reads ------------------------------------------------------------------------------------------

    /** Which way a page of a view goes. */
    public enum Order {
        /** Oldest first. */
        ASC,
        /** Newest first. */
        DESC
    }

    private static final java.util.regex.Pattern ID = java.util.regex.Pattern.compile("[0-9A-Za-z_.:-]{1,64}");

    private static String token(String text) {
        return java.util.Base64.getUrlEncoder().withoutPadding().encodeToString(text.getBytes(java.nio.charset.StandardCharsets.UTF_8));
    }

    /** The parts of a token this class wrote with {@code kind} first, or empty. */
    private static Optional<String[]> untoken(String token, String kind, int parts) {
        try {
            String[] p = new String(java.util.Base64.getUrlDecoder().decode(token.strip()), java.nio.charset.StandardCharsets.UTF_8).split("\n", -1);
            if (p.length != parts || !p[0].equals(kind)) return Optional.empty();
            return Optional.of(p);
        } catch (IllegalArgumentException e) {
            return Optional.empty();
        }
    }

    /**
     * A position in an endpoint's deliveries: after the delivery of event {@code eventId}, going in {@code order}.
     * Event ids are time-ordered and made by a node's single writer inside the inserting transaction, so on one node
     * event id order is the outbox's commit order ({@code seq}); with several nodes, events written by different nodes
     * at about the same moment (within their clocks' skew) may come in either order.
     */
    public record DeliveryCursor(Order order, String eventId) {
        /** Opaque for clients: base64url of "deliveries\n{asc|desc}\n{event id}". */
        public String token() {
            return WebhookStore.token("deliveries\n" + order.name().toLowerCase(Locale.ROOT) + "\n" + eventId);
        }

        /** The cursor in a token, empty when the token is not one this class wrote. */
        public static Optional<DeliveryCursor> parse(String token) {
            return untoken(token, "deliveries", 3).flatMap(p -> {
                if (!ID.matcher(p[2]).matches()) return Optional.empty();
                return switch (p[1]) {
                    case "asc" -> Optional.of(new DeliveryCursor(Order.ASC, p[2]));
                    case "desc" -> Optional.of(new DeliveryCursor(Order.DESC, p[2]));
                    default -> Optional.empty();
                };
            });
        }
    }

    /** One page of deliveries and the position after it (empty on the last page). */
    public record DeliveryPage(List<Delivery> deliveries, Optional<DeliveryCursor> next) {
        public DeliveryPage {
            deliveries = List.copyOf(deliveries);
        }
    }

    /** A position in an endpoint's attempt log (newest first): after the attempt {@code id} made at {@code attemptedAt}. */
    public record LogCursor(Instant attemptedAt, String id) {
        /** Opaque for clients: base64url of "log\n{attempted_at millis}\n{attempt id}". */
        public String token() {
            return WebhookStore.token("log\n" + attemptedAt.toEpochMilli() + "\n" + id);
        }

        /** The cursor in a token, empty when the token is not one this class wrote. */
        public static Optional<LogCursor> parse(String token) {
            return untoken(token, "log", 3).flatMap(p -> {
                if (!ID.matcher(p[2]).matches() || !p[1].matches("-?[0-9]{1,18}")) return Optional.empty();
                return Optional.of(new LogCursor(Instant.ofEpochMilli(Long.parseLong(p[1])), p[2]));
            });
        }
    }

    /** One page of the attempt log and the position after it (empty on the last page). */
    public record LogPage(List<Attempt> attempts, Optional<LogCursor> next) {
        public LogPage {
            attempts = List.copyOf(attempts);
        }
    }

    /** The newest {@code limit} attempts of an endpoint, optionally of one event. */
    public List<Attempt> log(String endpointId, Optional<String> eventId, int limit) {
        return log(endpointId, eventId, Optional.empty(), limit).attempts();
    }

    /**
     * One page of the attempt log of an endpoint, optionally of one event: newest first by (attempted_at, id) (the
     * id breaks ties within a millisecond), after {@code after}. A keyset read of the index (endpoint_id,
     * attempted_at, id), or with an event of (endpoint_id, event_id, attempted_at, id) (V99): a page costs its
     * own rows, whatever the length of the log.
     */
    public LogPage log(String endpointId, Optional<String> eventId, Optional<LogCursor> after, int limit) {
        if (limit < 1) throw new IllegalArgumentException("limit must be at least 1, was " + limit);
        return db.read(c -> {
            try (PreparedStatement ps = c.prepareStatement(logSql(eventId.isPresent(), after.isPresent()))) {
                int i = 1;
                ps.setString(i++, endpointId);
                if (eventId.isPresent()) ps.setString(i++, eventId.get());
                if (after.isPresent()) {
                    ps.setLong(i++, after.get().attemptedAt().toEpochMilli());
                    ps.setString(i++, after.get().id());
                }
                ps.setInt(i, limit + 1);
                List<Attempt> out = new ArrayList<>();
                try (ResultSet rs = ps.executeQuery()) {
                    while (rs.next()) out.add(new Attempt(rs.getString(1), rs.getString(2), rs.getString(3), rs.getInt(4),
                            Instant.ofEpochMilli(rs.getLong(5)), rs.getInt(6), rs.getLong(7), rs.getString(8), rs.getString(9)));
                }
                if (out.size() <= limit) return new LogPage(out, Optional.empty());
                Attempt last = out.get(limit - 1);
                return new LogPage(out.subList(0, limit), Optional.of(new LogCursor(last.attemptedAt(), last.id())));
            }
        });
    }

    /** The log page's statement: endpoint, [event], [attempted_at, id of the cursor], limit + 1. */
    static String logSql(boolean event, boolean after) {
        return "SELECT id, endpoint_id, event_id, attempt, attempted_at, status_code, latency_ms, error, response FROM webhook_log WHERE endpoint_id = ?"
                + (event ? " AND event_id = ?" : "") + (after ? " AND (attempted_at, id) < (?, ?)" : "")
                + " ORDER BY attempted_at DESC, id DESC LIMIT ?";
    }

    /** The first {@code limit} deliveries of an endpoint, newest first, optionally in one state. */
    public List<Delivery> deliveries(String endpointId, Optional<DeliveryState> state, int limit) {
        return deliveries(endpointId, state, Order.DESC, Optional.empty(), limit).deliveries();
    }

    /**
     * One page of the deliveries of an endpoint, optionally in one state, in event id order ({@code order}), after
     * {@code after} (whose order must be {@code order}): the delivery rows, and the events the stream delivered at
     * its first attempt (no row: their 2xx log row stands for a DELIVERED delivery; an event that has a row is
     * listed by its row only).
     *
     * <p>Keyset pages, one statement (one snapshot): each source is read from the position through an index in
     * event id order, at most {@code limit + 1} deliveries each (the rows by their key (endpoint_id, event_id), or
     * (endpoint_id, state, event_id) with a state; the log by (endpoint_id, event_id, ...), its non-2xx attempts and
     * the events with a row skipped on the way), and only those are merged and sorted. So a page costs about its
     * own size (times the attempts per event), never a sort of the endpoint's history.
     */
    public DeliveryPage deliveries(String endpointId, Optional<DeliveryState> state, Order order, Optional<DeliveryCursor> after, int limit) {
        if (limit < 1) throw new IllegalArgumentException("limit must be at least 1, was " + limit);
        if (after.isPresent() && after.get().order() != order)
            throw new IllegalArgumentException("the cursor goes " + after.get().order() + ", the page " + order);
        boolean fromLog = state.isEmpty() || state.get() == DeliveryState.DELIVERED;
        String query = deliveriesSql(state, order, after.isPresent());
        return db.read(c -> {
            try (PreparedStatement ps = c.prepareStatement(query)) {
                int i = 1;
                ps.setString(i++, endpointId);
                if (state.isPresent()) ps.setString(i++, state.get().name());
                if (after.isPresent()) ps.setString(i++, after.get().eventId());
                ps.setInt(i++, limit + 1);
                if (fromLog) {
                    ps.setString(i++, endpointId);
                    if (after.isPresent()) ps.setString(i++, after.get().eventId());
                    ps.setInt(i++, limit + 1);
                    ps.setInt(i, limit + 1);
                }
                List<Delivery> out = new ArrayList<>();
                try (ResultSet rs = ps.executeQuery()) {
                    while (rs.next()) {
                        int status = rs.getInt(7);
                        Optional<Integer> last = rs.wasNull() ? Optional.empty() : Optional.of(status);
                        out.add(new Delivery(endpointId, rs.getString(1), rs.getString(2), rs.getLong(3),
                                DeliveryState.valueOf(rs.getString(4)), rs.getInt(5), millis(rs, 6), last,
                                rs.getString(8) == null ? "" : rs.getString(8), Instant.ofEpochMilli(rs.getLong(9)),
                                Instant.ofEpochMilli(rs.getLong(10))));
                    }
                }
                if (out.size() <= limit) return new DeliveryPage(out, Optional.empty());
                return new DeliveryPage(out.subList(0, limit), Optional.of(new DeliveryCursor(order, out.get(limit - 1).eventId())));
            }
        });
    }

    /**
     * The deliveries page's statement: endpoint, [state], [cursor's event id], limit + 1; with the log's part (no
     * state, or DELIVERED) then endpoint, [cursor's event id], limit + 1, limit + 1.
     */
    static String deliveriesSql(Optional<DeliveryState> state, Order order, boolean after) {
        boolean fromLog = state.isEmpty() || state.get() == DeliveryState.DELIVERED;
        String dir = order == Order.DESC ? "DESC" : "ASC";
        String past = order == Order.DESC ? " < ?" : " > ?";
        // each source's page is cut (LIMIT) before the join with events, so the join looks up those rows only (joined
        // first, PostgreSQL may merge-join with a scan of the events index from its end down to the cursor)
        String rows = "SELECT p.event_id, e.type, p.event_seq, p.state, p.attempts, p.next_attempt_at, p.last_status, p.last_error, "
                + "e.created_at, p.updated_at FROM (SELECT d.event_id, d.event_seq, d.state, d.attempts, d.next_attempt_at, d.last_status, "
                + "d.last_error, d.updated_at FROM webhook_deliveries d WHERE d.endpoint_id = ?"
                + (state.isPresent() ? " AND d.state = ?" : "") + (after ? " AND d.event_id" + past : "")
                + " ORDER BY d.event_id " + dir + " LIMIT ?) p JOIN events e ON e.id = p.event_id";
        return !fromLog ? rows + " ORDER BY 1 " + dir : "SELECT * FROM (" + rows + ") r UNION ALL SELECT * FROM (SELECT g.event_id, e.type, e.seq, 'DELIVERED', g.attempt, CAST(NULL AS BIGINT), g.status, '', e.created_at, g.at FROM ("
                + "SELECT l.event_id, MIN(l.attempt) AS attempt, MIN(l.status_code) AS status, MIN(l.attempted_at) AS at FROM webhook_log l "
                + "WHERE l.endpoint_id = ?" + (after ? " AND l.event_id" + past : "")
                + " AND l.status_code BETWEEN 200 AND 299 AND NOT EXISTS (SELECT 1 FROM webhook_deliveries x "
                + "WHERE x.endpoint_id = l.endpoint_id AND x.event_id = l.event_id) GROUP BY l.event_id ORDER BY l.event_id " + dir
                + " LIMIT ?) g JOIN events e ON e.id = g.event_id) s ORDER BY 1 " + dir + " LIMIT ?";
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
