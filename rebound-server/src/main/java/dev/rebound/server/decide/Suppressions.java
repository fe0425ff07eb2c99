package dev.rebound.server.decide;

import dev.rebound.core.classify.Classification;
import dev.rebound.core.classify.Evidence;
import dev.rebound.core.classify.Outcome;
import dev.rebound.core.classify.Reason;
import dev.rebound.core.classify.SmtpPhase;
import dev.rebound.core.policy.DomainHealth;
import dev.rebound.core.policy.NoAction;
import dev.rebound.core.policy.RecipientEvidence;
import dev.rebound.core.policy.Review;
import dev.rebound.core.policy.Suppress;
import dev.rebound.core.policy.SuppressionConfig;
import dev.rebound.core.policy.SuppressionDecision;
import dev.rebound.core.policy.SuppressionPolicy;
import dev.rebound.server.store.DomainOutcomes;
import dev.rebound.server.store.FinalOutcome;
import dev.rebound.server.store.RecipientState;
import dev.rebound.server.store.Suppression;
import dev.rebound.server.store.SuppressionDecider;
import dev.rebound.server.store.SuppressionState;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Optional;

/**
 * The server's one suppression decision, for attempts and asynchronous evidence alike: the core
 * {@link SuppressionPolicy} over every final outcome of the address in its stream and its domain's health, and the
 * one mapping of its decision to a suppression list entry ({@link Suppress} → a {@code SUPPRESSED} entry with its
 * expiry, {@link Review} → a {@code REVIEW} entry without one, {@link NoAction} → none). The store calls it inside
 * the transaction that writes the entry, with the history read there; and again for a provisional review
 * ({@code suppress.provisional.hard}) once its hold has passed ({@link #promote}, the store's sweep). Pure.
 */
public final class Suppressions implements SuppressionDecider {
    /** The window the domain circuit breaker counts final outcomes in. */
    public static final Duration BREAKER_WINDOW = Duration.ofHours(1);

    private final SuppressionConfig config;

    public Suppressions(SuppressionConfig config) {
        this.config = config;
    }

    @Override
    public Duration breakerWindow() {
        return BREAKER_WINDOW;
    }

    @Override
    public Optional<Suppression> decide(String address, String stream, List<FinalOutcome> finals, DomainOutcomes domain, Instant now) {
        return entry(decision(finals, health(domain), now), address, stream, now);
    }

    @Override
    public Optional<Instant> provisionalUntil(List<FinalOutcome> finals) {
        return SuppressionPolicy.provisionalUntil(evidence(finals), config);
    }

    @Override
    public Promotion promote(String address, String stream, List<FinalOutcome> finals, DomainOutcomes domain, Instant due) {
        SuppressionDecision d = decision(finals, health(domain), due);
        return new Promotion(entry(d, address, stream, due), d.ruleId());
    }

    /** The core policy's decision over the address's final outcomes in one stream. */
    SuppressionDecision decision(List<FinalOutcome> finals, DomainHealth health, Instant now) {
        return SuppressionPolicy.decide(evidence(finals), health, config, now);
    }

    private static List<RecipientEvidence> evidence(List<FinalOutcome> finals) {
        List<RecipientEvidence> evidence = new ArrayList<>(finals.size());
        for (FinalOutcome f : finals) {
            Classification c = new Classification(outcome(f.state()), Reason.fromId(f.reason()).orElse(Reason.UNDEFINED), f.ruleId(),
                    new Evidence(f.smtpCode(), f.enhancedCode(), f.text(), phase(f.phase()), f.domain(), ""));
            evidence.add(new RecipientEvidence(f.at(), f.messageId(), c, true));
        }
        return evidence;
    }

    /** The one mapping of a suppression decision to the list entry it writes. */
    static Optional<Suppression> entry(SuppressionDecision d, String address, String stream, Instant now) {
        return switch (d) {
            case Suppress s -> Optional.of(new Suppression(address, stream, s.reason().id(), s.ruleId(), now,
                    Optional.of(s.expiresAt()), "", SuppressionState.SUPPRESSED));
            case Review r -> Optional.of(new Suppression(address, stream, r.reason().id(), r.ruleId(), now,
                    Optional.empty(), "", SuppressionState.REVIEW));
            case NoAction n -> Optional.empty();
        };
    }

    /** The circuit breaker's input from the store's per-domain counts over {@link #BREAKER_WINDOW}. */
    static DomainHealth health(DomainOutcomes counts) {
        return new DomainHealth(counts.domain(), BREAKER_WINDOW, counts.finals(), Math.min(counts.finals(), counts.failures()));
    }

    /** A final state as the outcome the suppression policy weighs (a suppressed recipient counts as a hard bounce). */
    private static Outcome outcome(RecipientState s) {
        return switch (s) {
            case DELIVERED -> Outcome.DELIVERED;
            case QUEUED, DEFERRED -> Outcome.DEFERRED;
            case BOUNCED_SOFT -> Outcome.BOUNCED_SOFT;
            case BOUNCED_HARD, SUPPRESSED -> Outcome.BOUNCED_HARD;
            case BLOCKED_POLICY -> Outcome.BLOCKED_POLICY;
            case COMPLAINT -> Outcome.COMPLAINT;
        };
    }

    private static SmtpPhase phase(String p) {
        return Arrays.stream(SmtpPhase.values()).filter(v -> v.name().equals(p)).findFirst().orElse(SmtpPhase.NONE);
    }
}
