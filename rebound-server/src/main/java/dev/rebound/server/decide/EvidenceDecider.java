package dev.rebound.server.decide;

import dev.rebound.core.classify.Outcome;
import dev.rebound.core.policy.SuppressionDecision;
import dev.rebound.server.store.DomainOutcomes;
import dev.rebound.server.store.EvidenceDecision;
import dev.rebound.server.store.EvidenceMatch;
import dev.rebound.server.store.FinalOutcome;
import dev.rebound.server.store.NewEvidence;
import dev.rebound.server.store.RecipientState;
import dev.rebound.server.store.Suppression;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * The decision for one new piece of asynchronous evidence (a DSN record, a provider event), run by the store inside
 * the transaction that records it: {@link EvidencePolicy} for the recipient's state, then, for a failure or a
 * complaint about a known address, the same {@link Suppressions} decision the attempts path uses, over every final
 * outcome of the address in the stream plus this one and the domain's counts read in that transaction. Pure.
 */
public final class EvidenceDecider implements EvidenceDecision.Decider {
    private final Suppressions suppressions;

    public EvidenceDecider(Suppressions suppressions) {
        this.suppressions = suppressions;
    }

    @Override
    public Duration breakerWindow() {
        return suppressions.breakerWindow();
    }

    @Override
    public EvidenceDecision decide(NewEvidence e, EvidenceMatch match, List<FinalOutcome> finals, DomainOutcomes domain, Instant now) {
        EvidencePolicy.Transition t = EvidencePolicy.decide(match.currentState(), e.outcome());
        Optional<Suppression> suppression = Optional.empty();
        String suppressionRule = "";
        Optional<Outcome> o = e.outcome();
        if (o.isPresent() && o.get() != Outcome.DEFERRED && o.get() != Outcome.DELIVERED && !match.address().isEmpty()) {
            List<FinalOutcome> all = new ArrayList<>(finals);
            all.add(new FinalOutcome(now, match.messageId().orElse(""), RecipientState.of(o.get()), e.reason(), e.ruleId(),
                    e.smtpCode(), e.enhancedCode(), e.rawReason(), "NONE", e.domain()));
            SuppressionDecision d = suppressions.decision(all, Suppressions.health(domain), now);
            suppressionRule = d.ruleId();
            suppression = Suppressions.entry(d, match.address(), match.stream(), now);
        }
        return new EvidenceDecision(t.newState(), e.reason(), t.ruleId(), suppression, suppressionRule);
    }
}
