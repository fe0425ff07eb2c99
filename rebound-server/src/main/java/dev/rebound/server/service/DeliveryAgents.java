package dev.rebound.server.service;

import dev.rebound.core.classify.SmtpPhase;
import dev.rebound.core.smtp.SmtpReply;
import dev.rebound.server.config.ReboundConfig;
import dev.rebound.server.delivery.DeliveryAgent;
import dev.rebound.server.delivery.RecipientResult;
import java.time.Clock;
import java.time.Duration;

/** Chooses the delivery agent the service runs with. */
public final class DeliveryAgents {
    private DeliveryAgents() {}

    /**
     * INTERIM: the real agent ({@code SmtpDeliveryAgent}, delivery branch) is not in main yet. Until it is, this
     * build defers every recipient with a locally synthesised {@code 451 4.3.0} that says so, which the
     * scheduler records as evidence like any other reply. Swap the body for {@code new SmtpDeliveryAgent(...)}.
     */
    public static DeliveryAgent forConfig(ReboundConfig config, Clock clock) {
        return request -> request.recipients().stream()
                .map(r -> new RecipientResult(r, SmtpPhase.NONE,
                        SmtpReply.of(451, "4.3.0 this build of Rebound has no SMTP delivery agent yet"), true, "", "",
                        clock.instant(), Duration.ZERO))
                .toList();
    }

}
