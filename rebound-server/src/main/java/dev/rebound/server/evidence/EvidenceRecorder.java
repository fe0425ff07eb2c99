package dev.rebound.server.evidence;

import dev.rebound.core.classify.Outcome;
import dev.rebound.core.events.EventResult;
import dev.rebound.core.events.ProviderEvent;
import dev.rebound.server.decide.EvidenceDecider;
import dev.rebound.server.store.BounceMail;
import dev.rebound.server.store.NewEvidence;
import dev.rebound.server.store.Store;
import dev.rebound.server.store.StoredEvidence;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

/**
 * The one path for asynchronous evidence (provider events now, DSN records through the bounce address): turns it
 * into {@link NewEvidence}, and stores it with {@link Store#recordEvidence}, whose transaction matches it to
 * Rebound's recipient, drops duplicates by dedup key, and asks the {@link EvidenceDecider} (the recipient's state,
 * then the same suppression decision the scheduler's attempts get) over the history read in that transaction.
 * Returns after the commit: callers acknowledge (HTTP 2xx, SMTP 250) only then.
 */
public final class EvidenceRecorder {
    /** Metadata keys (compared lower case, '_' as '-') that carry Rebound's ids through a provider. */
    static final Set<String> RECIPIENT_ID_KEYS = Set.of("rebound-recipient-id", "reboundrecipientid", "x-rebound-recipient-id");
    static final Set<String> MESSAGE_ID_KEYS = Set.of("rebound-message-id", "reboundmessageid", "x-rebound-message-id");
    static final Set<String> STREAM_KEYS = Set.of("rebound-stream", "reboundstream", "x-rebound-stream");

    private final Store store;
    private final EvidenceDecider decider;
    private final String defaultStream;

    public EvidenceRecorder(Store store, EvidenceDecider decider, String defaultStream) {
        this.store = store;
        this.decider = decider;
        this.defaultStream = defaultStream;
    }

    /** Stores the evidence (after commit) and returns one result per piece, in order. */
    public List<StoredEvidence> record(List<NewEvidence> evidence) {
        return store.recordEvidence(evidence, defaultStream, decider);
    }

    /** The records of one bounce email, stored with the email itself (kept for replay when small enough), in one transaction. */
    public List<StoredEvidence> record(List<NewEvidence> evidence, BounceMail mail) {
        return store.recordEvidence(evidence, defaultStream, decider, mail);
    }

    /** A provider event as evidence; Ignored and subscription confirmations are kept without an outcome. */
    public static NewEvidence fromProvider(EventResult result) {
        ProviderEvent ev = result.event();
        Optional<Outcome> outcome = Optional.empty();
        String reason = "";
        switch (result) {
            case EventResult.Classified c -> {
                outcome = Optional.of(c.classification().outcome());
                reason = c.classification().reason().id();
            }
            case EventResult.Ignored i -> reason = i.reason().map(r -> r.id()).orElse("");
            case EventResult.SubscriptionConfirmation s -> { }
        }
        Map<String, String> meta = ev.metadata();
        return new NewEvidence(ev.dedupKey(), "provider", ev.provider().id(), ev.eventType(), ev.providerMessageId(),
                ev.headerMessageId(), lookup(meta, RECIPIENT_ID_KEYS), lookup(meta, MESSAGE_ID_KEYS), ev.recipient(),
                lookup(meta, STREAM_KEYS), ev.smtpCode(), ev.enhancedCode(), ev.diagnostic(), outcome, reason,
                result.ruleId(), ev.timestamp(), ev.raw());
    }

    static Optional<String> lookup(Map<String, String> meta, Set<String> keys) {
        for (Map.Entry<String, String> e : meta.entrySet()) {
            String k = e.getKey().toLowerCase(Locale.ROOT).replace('_', '-');
            if (keys.contains(k) && e.getValue() != null && !e.getValue().isBlank()) return Optional.of(e.getValue().strip());
        }
        return Optional.empty();
    }
}
