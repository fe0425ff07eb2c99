package dev.rebound.server.service;

import dev.rebound.server.config.HostPort;
import dev.rebound.server.config.ReboundConfig;
import dev.rebound.server.delivery.DeliveryAgent;
import dev.rebound.server.delivery.DeliveryConfig;
import dev.rebound.server.delivery.SmtpDeliveryAgent;
import java.net.InetSocketAddress;
import java.time.Clock;
import java.util.List;

/** Builds the delivery agent from the service configuration. */
public final class DeliveryAgents {
    private DeliveryAgents() {}

    public static DeliveryConfig deliveryConfig(ReboundConfig config) {
        ReboundConfig.Delivery d = config.delivery();
        List<InetSocketAddress> dns = config.dns().servers().stream().map(HostPort::socketAddress).toList();
        return DeliveryConfig.defaults()
                .withHeloName(d.heloName())
                .withRoutes(d.routes())
                .withRelay(d.relay())
                .withDns(dns, config.dns().timeout())
                .withSmtpPort(d.mxPort())
                .withTls(d.tls())
                .withTlsPolicies(d.tlsPolicies())
                .withMtaSts(DeliveryConfig.MtaSts.defaults().withEnabled(d.mtaSts()).withTimeout(d.mtaStsTimeout()))
                // keep as many idle connections per host as transactions may run to one domain, so a busy domain
                // reuses its connections instead of closing all but two after each wave (Postfix's scache does the same)
                .withPool(Math.max(2, config.throttle().maxConcurrency()), DeliveryConfig.defaults().maxIdleTime());
    }

    public static DeliveryAgent forConfig(ReboundConfig config, Clock clock) {
        return new SmtpDeliveryAgent(deliveryConfig(config), clock);
    }
}
