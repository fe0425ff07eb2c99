package dev.rebound.server.store;

import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Optional;

/**
 * Durable state of Rebound. Every write method returns only after its transaction is committed (and, for the
 * SQLite store, fsynced): callers may acknowledge as soon as it returns.
 */
public interface Store extends AutoCloseable {

    /** Stores a message and its recipients (suppressed ones get state SUPPRESSED), honouring the idempotency key. */
    AcceptResult accept(NewMessage message);

    Optional<MessageView> message(String id);

    Optional<MessageContent> content(String messageId);

    /** The messages matching the query, newest first, each with its recipients' addresses and states. */
    List<MessageHit> messages(MessageQuery query);

    /**
     * Leases up to {@code limit} recipients due now (free or with an expired lease, whoever held it) to {@code owner}.
     * Each claim increments the recipient's lease version and carries it ({@link Claim#lease()}): the fencing token
     * every later write for that attempt must present.
     */
    default List<Claim> claimDue(String owner, int limit, Duration lease) {
        return claimDue(owner, limit, lease, Integer.MAX_VALUE);
    }

    /**
     * As {@link #claimDue(String, int, Duration)}, taking a recipient only while its domain has fewer than
     * {@code perDomain} recipients under an unexpired lease, counted over every node sharing the store: N nodes
     * together respect one domain's limit. Claims do not scan the queue (see V52: due domains, then their due rows).
     */
    List<Claim> claimDue(String owner, int limit, Duration lease, int perDomain);

    /**
     * Writes attempts, recipient updates and events in one transaction and releases their leases; for each final
     * failure, {@code suppressions} decides in that transaction (over the history read there) and its entry is written.
     * Fenced: an attempt whose recipient no longer carries the attempt's {@link AttemptRecord#lease()} (it expired and
     * another node claimed the recipient) writes nothing (no attempt row, event, suppression or count) and is
     * returned in {@link Fenced#refused()}; the others are written.
     */
    Fenced recordAttempts(List<AttemptRecord> attempts, SuppressionDecider suppressions);

    /**
     * Moves the claimed recipients' next attempt to {@code at} and frees their leases, without counting an attempt;
     * fenced like {@link #recordAttempts}.
     */
    Fenced postpone(List<Claim> claims, Instant at);

    /**
     * Extends the leases of work in flight to now + {@code lease} (a node's heartbeat renews what it is delivering),
     * each only while the recipient still carries the claim's lease; the lost ones are returned as refused.
     */
    Fenced renewLeases(List<Claim> claims, Duration lease);

    /** Frees every lease held by {@code owner} (called at start-up after a crash). */
    int releaseLeases(String owner);

    /**
     * Writes a node's heartbeat to the registry (its row replaced: id, host, version, instance, start, last seen,
     * interval, dead-after, not stopped). Returns the row as it was before (another instance of the same id shows there).
     */
    Optional<NodeInfo> heartbeat(NodeInfo node);

    /** Marks a node stopped after a clean stop (only while its row is still this {@code instance}'s). */
    void nodeStopped(String id, String instance, Instant at);

    /** The node registry, by id, each with the live leases it holds. */
    List<NodeInfo> nodes();

    /** Every attempt of one recipient, oldest first (the retry policy's history). */
    List<MessageView.AttemptView> attempts(String recipientId);

    /** The final outcomes recorded for {@code address} in {@code stream}, across messages (suppression evidence). */
    List<FinalOutcome> finalOutcomes(String address, String stream);

    QueueStats queueStats();

    /**
     * Stores asynchronous evidence (provider events, DSN records) in one transaction: each piece is matched to a
     * recipient (Rebound recipient id, else Rebound message id + address, else original Message-ID + address),
     * inserted unless its dedup key is already stored (then nothing else happens for it), and for a new piece the
     * {@code decider} runs (inside the transaction) and its recipient state, suppression and an outbox event are
     * written. Returns after the commit, one result per piece in order.
     *
     * @param defaultStream the stream of evidence that matches no message and names none
     */
    List<StoredEvidence> recordEvidence(List<NewEvidence> evidence, String defaultStream, EvidenceDecision.Decider decider);

    /** Evidence matched to a message's recipients, oldest first. */
    List<EvidenceView> evidenceOfMessage(String messageId);

    /** Evidence about an address (matched or not), oldest first. */
    List<EvidenceView> evidenceOfAddress(String address, int limit);

    /** Evidence with this provider event label (e.g. SNS subscription confirmations), newest first. */
    List<EvidenceView> evidenceOfEvent(String providerEvent, int limit);

    /**
     * When a claim may next find work: a lower bound (never later than the earliest due time of a free recipient or
     * the earliest expiry of a lease), empty when nothing waits. Read from an index, cheap enough to poll.
     */
    Optional<Instant> nextDueAt();

    /** Adds or replaces a suppression list entry (a REVIEW never replaces an active SUPPRESSED); audited as {@code actor}. */
    void suppress(Suppression suppression);

    /** The active (not expired) entry that blocks {@code address} on {@code stream}: state SUPPRESSED only. */
    Optional<Suppression> suppression(String address, String stream);

    /**
     * Active (not expired) suppression list entries, newest first, filtered by each present argument (address
     * exact, case-insensitive); at most {@code limit}.
     */
    List<Suppression> suppressions(Optional<String> stream, Optional<String> address, Optional<SuppressionState> state, int limit);

    /** The active entries (any state) on the addresses of a message's recipients in its stream: one read per message view. */
    List<Suppression> suppressionsOfMessage(String messageId);

    /** Every change to the entry of {@code address} on {@code stream}, oldest first. */
    List<SuppressionAudit> suppressionAudit(String address, String stream);

    /**
     * Removes the entry of {@code address} on {@code stream} (any state) and writes an audit row with {@code actor}
     * and {@code note}, in one transaction. Returns the removed entry, empty when there was none.
     */
    Optional<Suppression> removeSuppression(String address, String stream, String actor, String note);

    /**
     * One page of an address's timeline (case-insensitive), oldest first: the messages accepted for it, every attempt,
     * DSN record and provider event, the decision taken on each, and every change of its suppression entries; in
     * {@code stream} only when given. At most {@code limit} entries after {@code after}; one read per source.
     */
    Timeline timeline(String address, Optional<String> stream, Optional<Timeline.Cursor> after, int limit);

    /** Final outcomes of {@code domain} recorded by attempts since {@code since} (the circuit breaker's counts). */
    DomainOutcomes domainOutcomes(String domain, Instant since);

    /**
     * Records a single-use webhook token as used until {@code keepUntil}, committed (through the group-commit
     * writer) before it returns; expired tokens are deleted in the same transaction.
     *
     * @return true if the token was not recorded before (atomically: two concurrent calls never both get true)
     */
    boolean firstTokenUse(String provider, String token, Instant keepUntil);

    WriteStats writeStats();

    /** Stores a new API key (committed before it returns). */
    void createApiKey(ApiKeyRecord key);

    /** The key with this id, revoked or not. */
    Optional<ApiKeyRecord> apiKey(String id);

    /** Every key, oldest first. */
    List<ApiKeyRecord> apiKeys();

    /** Marks the key revoked at {@code at} (kept once revoked); returns it, empty when there is no such key. */
    Optional<ApiKeyRecord> revokeApiKey(String id, Instant at);

    /** Whether any API key was ever created (revoked ones count: revoking every key must not open the API). */
    boolean apiKeysExist();

    /**
     * Whether the store can commit now (readiness). False after a store fault (disk full, I/O error, a transaction
     * the database rolled back) until the store's own probe commits again; writes meanwhile fail with
     * {@link StoreUnavailableException} unless they commit.
     */
    StoreHealth health();

    /** Recipients per state (counters kept in the writing transactions) and the acceptance time of the oldest message still waiting (index). */
    QueueBreakdown queueBreakdown();

    /** The outbound webhooks' tables (V13): endpoints, the outbox cursor, deliveries and their log. */
    WebhookStore webhooks();

    /** Where the data lives, for the start-up banner. */
    String location();

    @Override
    void close();
}
