package dev.rebound.core.events;

import java.util.List;
import java.util.Objects;

/** The result of receiving one webhook request: its events, or a refusal naming the problem. */
public sealed interface WebhookResult permits WebhookResult.Accepted, WebhookResult.Refused {

    Provider provider();

    /**
     * The request is authentic and well formed.
     *
     * @param verifiedBy how it was proven authentic
     * @param events     one result per event and recipient, in the order the provider sent them
     */
    record Accepted(Provider provider, String verifiedBy, List<EventResult> events) implements WebhookResult {
        public Accepted {
            Objects.requireNonNull(provider, "provider");
            Objects.requireNonNull(verifiedBy, "verifiedBy");
            events = List.copyOf(events);
        }
    }

    /** Nothing may be stored except a counted rejection. */
    record Refused(Provider provider, Verification.Problem problem, String reason) implements WebhookResult {
        public Refused {
            Objects.requireNonNull(provider, "provider");
            Objects.requireNonNull(problem, "problem");
            Objects.requireNonNull(reason, "reason");
        }
    }
}
