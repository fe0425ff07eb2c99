package dev.rebound.server.evidence;

import dev.rebound.core.classify.Outcome;
import dev.rebound.core.events.EventResult;
import dev.rebound.core.events.ProviderEvent;
import dev.rebound.core.policy.DomainHealth;
import dev.rebound.core.policy.Review;
import dev.rebound.core.policy.Suppress;
import dev.rebound.core.policy.SuppressionDecision;
import dev.rebound.server.queue.RetryScheduling;
import dev.rebound.server.store.EvidenceDecision;
import dev.rebound.server.store.EvidenceMatch;
import dev.rebound.server.store.FinalOutcome;
import dev.rebound.server.store.NewEvidence;
import dev.rebound.server.store.RecipientState;
import dev.rebound.server.store.Store;
import dev.rebound.server.store.StoredEvidence;
import dev.rebound.server.store.Suppression;
import dev.rebound.server.store.SuppressionState;
import java.time.Clock;
import java.util.HashMap;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

/**
 * The one path for asynchronous evidence (provider events now, DSN records through the bounce address): turns it
 * into {@link NewEvidence}, and stores it with {@link Store#recordEvidence}, whose transaction matches it to
 * Rebound's recipient, drops duplicates by dedup key, and asks this class's decider: {@link EvidencePolicy} for
 * the recipient's state, then the core {@code SuppressionPolicy} (through {@link RetryScheduling}, the same
 * adapter the scheduler uses) over every final outcome of the address in the stream plus this one.
 * Returns after the commit: callers acknowledge (HTTP 2xx, SMTP 250) only then.
 */
public final class EvidenceRecorder {
    /** Metadata keys (compared lower case, '_' as '-') that carry Rebound's ids through a provider. */
    static final Set<String> RECIPIENT_ID_KEYS = Set.of("rebound-recipient-id", "reboundrecipientid", "x-rebound-recipient-id");
    static final Set<String> MESSAGE_ID_KEYS = Set.of("rebound-message-id", "reboundmessageid", "x-rebound-message-id");
    static final Set<String> STREAM_KEYS = Set.of("rebound-stream", "reboundstream", "x-rebound-stream");

    private final Store store;
    private final RetryScheduling policy;
    private final String defaultStream;
    private final Clock clock;

    public EvidenceRecorder(Store store, RetryScheduling policy, String defaultStream, Clock clock) {
        this.store = store;
        this.policy = policy;
        this.defaultStream = defaultStream;
        this.clock = clock;
    }

    /** Stores the evidence (after commit) and returns one result per piece, in order. */
    public List<StoredEvidence> record(List<NewEvidence> evidence) {
        // The circuit breaker's per-domain counts, read before the transaction (as the scheduler does).
        Map<String, DomainHealth> health = new HashMap<>();
        Instant since = clock.instant().minus(RetryScheduling.BREAKER_WINDOW);
        for (NewEvidence e : evidence)
            if (!e.domain().isEmpty()) health.computeIfAbsent(e.domain(), d -> RetryScheduling.health(store.domainOutcomes(d, since)));
        return store.recordEvidence(evidence, defaultStream,
                (e, match, finals, now) -> decide(e, match, finals, health.getOrDefault(e.domain(), DomainHealth.unknown(e.domain())), now));
    }

    /** The decision for one new piece of evidence: pure, runs inside the store transaction. */
    EvidenceDecision decide(NewEvidence e, EvidenceMatch match, List<FinalOutcome> finals, DomainHealth health, Instant now) {
        EvidencePolicy.Transition t = EvidencePolicy.decide(match.currentState(), e.outcome());
        Optional<Suppression> suppression = Optional.empty();
        String suppressionRule = "";
        Optional<Outcome> o = e.outcome();
        if (o.isPresent() && o.get() != Outcome.DEFERRED && o.get() != Outcome.DELIVERED && !match.address().isEmpty()) {
            List<FinalOutcome> all = new ArrayList<>(finals);
            all.add(new FinalOutcome(now, match.messageId().orElse(""), RecipientState.of(o.get()), e.reason(), e.ruleId(),
                    e.smtpCode(), e.enhancedCode(), e.rawReason(), "NONE", e.domain()));
            SuppressionDecision d = policy.suppression(all, health, now);
            suppressionRule = d.ruleId();
            switch (d) {
                case Suppress s -> suppression = Optional.of(new Suppression(match.address(), match.stream(),
                        s.reason().id(), s.ruleId(), now, Optional.of(s.expiresAt()), ""));
                case Review rv -> suppression = Optional.of(new Suppression(match.address(), match.stream(),
                        rv.reason().id(), rv.ruleId(), now, Optional.empty(), "", SuppressionState.REVIEW));
                default -> { }
            }
        }
        return new EvidenceDecision(t.newState(), e.reason(), t.ruleId(), suppression, suppressionRule);
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
