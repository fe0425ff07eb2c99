package dev.rebound.core.events;

import dev.rebound.core.classify.Classification;
import dev.rebound.core.classify.Reason;
import java.util.Objects;
import java.util.Optional;

/** What one authentic provider event means for Rebound. */
public sealed interface EventResult permits EventResult.Classified, EventResult.Ignored,
        EventResult.SubscriptionConfirmation {

    ProviderEvent event();

    /** The rule that decided. */
    String ruleId();

    /** A delivery outcome for the recipient: feed it to policy like any SMTP reply or DSN. */
    record Classified(ProviderEvent event, Classification classification) implements EventResult {
        public Classified {
            Objects.requireNonNull(event, "event");
            Objects.requireNonNull(classification, "classification");
        }

        @Override
        public String ruleId() {
            return classification.ruleId();
        }
    }

    /**
     * Authentic, but no delivery outcome (an open, {@code processed}, an auto-reply, a state echo, an event type
     * Rebound does not know). Kept with its raw payload as evidence; never changes suppression.
     *
     * @param reason a reason when the event still names one (auto-reply: vacation; state echo: suppressed)
     * @param why    a sentence saying why nothing follows from it
     */
    record Ignored(ProviderEvent event, Optional<Reason> reason, String why, String ruleId) implements EventResult {
        public Ignored {
            Objects.requireNonNull(event, "event");
            reason = reason == null ? Optional.empty() : reason;
            why = why == null ? "" : why;
            Objects.requireNonNull(ruleId, "ruleId");
        }
    }

    /**
     * An SNS SubscriptionConfirmation for an allow-listed topic, signature verified: the server confirms it by
     * an HTTPS GET of {@code subscribeUrl} (its host was checked to be {@code sns.<region>.amazonaws.com}).
     */
    record SubscriptionConfirmation(ProviderEvent event, String topicArn, String subscribeUrl, String ruleId)
            implements EventResult {
        public SubscriptionConfirmation {
            Objects.requireNonNull(event, "event");
            Objects.requireNonNull(topicArn, "topicArn");
            Objects.requireNonNull(subscribeUrl, "subscribeUrl");
            Objects.requireNonNull(ruleId, "ruleId");
        }

        /** What to do with it, for logs and the HTTP response. */
        public String instruction() {
            return "confirm the subscription to " + topicArn + " by GET " + subscribeUrl;
        }
    }
}
