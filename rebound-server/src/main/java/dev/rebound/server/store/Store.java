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

    /**
     * Stores messages in one transaction, committed together (a store failure stores none of them), each with its own
     * idempotency key checked as {@link #accept} does (against earlier messages of the list too); one result per
     * message, in order.
     */
    List<AcceptResult> acceptAll(List<NewMessage> messages);

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
     * each only while the recipient still carries the claim's lease; the lost ones are returned as refused: those
     * another claim took over (a higher lease version). A lease that was freed by its own result or postponement
     * (same version, no owner: the work finished while the heartbeat read what is in flight) is not lost and not renewed.
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

    /**
     * As {@link #recordEvidence(List, String, EvidenceDecision.Decider)}, for the records of one bounce email: the email is
     * kept in the same transaction (once per SHA-256, when no larger than {@link BounceMail#MAX_KEPT}) for replay to parse
     * again.
     */
    List<StoredEvidence> recordEvidence(List<NewEvidence> evidence, String defaultStream, EvidenceDecision.Decider decider, BounceMail mail);

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
     * One page of the active entries matching {@code query}, newest first, with the cursor of the next page (keyset
     * order created_at DESC, address, stream: stable while entries come and go).
     */
    SuppressionQuery.Page suppressionPage(SuppressionQuery query);

    /** The attempts and evidence rows (DSNs, provider events) named by {@code refs}, in order; unknown refs left out. */
    List<SuppressionCause> suppressionCauses(List<String> refs);

    /**
     * Adds an entry (a manual one: origin manual, its note the caller's reason) with one audit row and one outbox
     * event, in one transaction; refused ({@link SuppressionChange.Why#ALREADY_LISTED}) while an active entry exists.
     */
    SuppressionChange addSuppression(Suppression entry, String actor);

    /**
     * Removes the entry of {@code address} on {@code stream} (any state) with one audit row ({@code actor},
     * {@code note}) and one {@code suppression.removed} outbox event, and releases the address's held mail accepted
     * within {@code releaseWindow}, all in one transaction. An entry that records a complaint is removed only with
     * {@code force} (else {@link SuppressionChange.Why#COMPLAINT_NEEDS_FORCE}, nothing written).
     */
    SuppressionChange removeSuppression(String address, String stream, String actor, String note, boolean force, Duration releaseWindow);

    /**
     * Decides a review: approve (REVIEW → SUPPRESSED, expiring at {@code expiresAt} or never) or reject (the entry is
     * removed and its held mail released as by {@link #removeSuppression}); one audit row and one outbox event, in one
     * transaction. Refused with {@link SuppressionChange.Why#NOT_IN_REVIEW} when the entry is not in REVIEW.
     */
    SuppressionChange reviewSuppression(String address, String stream, boolean approve, String actor, String note,
                                        Optional<Instant> expiresAt, Duration releaseWindow);

    /**
     * Writes one chunk of a bulk import in one transaction (each written entry with one audit row, action
     * {@code imported}, and with {@code events} one outbox event); an address with an active entry is left as it is.
     * Returns, per entry, whether it was written.
     */
    boolean[] importSuppressions(List<Suppression> chunk, String actor, boolean events);

    /**
     * One page of an address's timeline (case-insensitive), oldest first: the messages accepted for it, every attempt,
     * DSN record and provider event, the decision taken on each, and every change of its suppression entries; in
     * {@code stream} only when given. At most {@code limit} entries after {@code after}; one read per source.
     */
    Timeline timeline(String address, Optional<String> stream, Optional<Timeline.Cursor> after, int limit);

    /** How many (address, stream) pairs have an attempt (by start) or evidence (by receipt) in [since, until). */
    long replayPairCount(Instant since, Instant until);

    /** Those pairs in (address, stream) order, at most {@code limit} after {@code after}. */
    List<ReplayPair> replayPairs(Instant since, Instant until, Optional<ReplayPair> after, int limit);

    /**
     * Everything stored before {@code until} about the pairs' addresses (recipients, attempts, evidence, suppression
     * audit, current entries) and their domains' circuit-breaker counts from {@code countsFrom}: one read per source.
     */
    ReplayInput replayInput(List<ReplayPair> pairs, Instant until, Instant countsFrom);

    /**
     * Applies replay's suppression changes in one transaction, each only if its address's entry is still the one it was
     * computed from; each applied change is audited as {@code actor} with {@code note} and sent to the outbox, and a
     * removal releases held mail younger than {@code releaseWindow} as every removal does.
     * Returns per change whether it was applied.
     */
    List<Boolean> applyReplay(List<ReplayChange> changes, String actor, String note, Duration releaseWindow);

    /** Final outcomes of {@code domain} recorded by attempts since {@code since} (the circuit breaker's counts). */
    DomainOutcomes domainOutcomes(String domain, Instant since);

    /**
     * Decides again, with {@code decider}, the provisional reviews ({@code suppress.provisional.hard}) whose hold has ended
     * by {@code now}, each over the history up to the end of its hold and its domain's counts of the window ending there;
     * writes each change with one audit row and one outbox event. Nothing is written when nothing is due.
     */
    Promotions sweepProvisional(SuppressionDecider decider, Instant now);

    // ---- rates and alerts (V40) ----------------------------------------------------------------------------

    /** {@code outcome_counts} summed over the minutes in [from, to), per scope ({@link ScopedCounts.By}), busiest first. */
    List<ScopedCounts> outcomeTotals(Instant from, Instant to, ScopedCounts.By by);

    /** The {@code outcome_counts} rows of the minutes in [from, to), oldest first (the alert evaluation's window). */
    List<MinuteCounts> outcomeMinutes(Instant from, Instant to);

    /** Recipients waiting for an attempt, per state (QUEUED, DEFERRED), with the oldest acceptance and the earliest due time. */
    List<WaitingState> waitingByState();

    /** Alerts, newest first (only the open ones when {@code openOnly}), at most {@code limit}. */
    List<Alert> alerts(boolean openOnly, int limit);

    Optional<Alert> alert(String id);

    /**
     * Opens an alert unless its scope and metric have an open one already (then writes nothing and returns false),
     * with its {@code alert.opened} outbox event and the optional pause of its scope, in one transaction. The store
     * assigns the alert's id (the {@code id} given is ignored, as is the pause's alert id) and returns it.
     */
    Optional<String> openAlert(Alert alert, Optional<Pause> pause);

    /** Raises an open alert's level, rule and figures; false when it is not open. */
    boolean escalateAlert(String id, String level, String ruleId, String figures, Instant at);

    /** Keeps the latest figures of an open alert. */
    void touchAlert(String id, String lastFigures, Instant at);

    /** Resolves an open alert with its {@code alert.resolved} outbox event; false when it was resolved already. */
    boolean resolveAlert(String id, String rule, String lastFigures, Instant at);

    /** Pauses a domain or stream (its recipients are not claimed); false when it was paused already. */
    boolean pause(Pause pause);

    /** Resumes a paused domain or stream; the removed pause, empty when it was not paused. */
    Optional<Pause> resume(String scopeKind, String scope);

    /** Every pause, oldest first. */
    List<Pause> pauses();

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
