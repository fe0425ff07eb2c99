package dev.rebound.server.delivery;

import dev.rebound.core.smtp.SmtpReply;
import java.net.InetAddress;
import java.util.List;
import java.util.Objects;

/** The result of resolving where a domain's mail goes (RFC 5321 §5.1). */
sealed interface MxResolution {

    /** One mail host with its preference and addresses (A first, then AAAA). */
    record MxHost(String name, int preference, List<InetAddress> addresses) {
        public MxHost {
            Objects.requireNonNull(name, "name");
            addresses = List.copyOf(addresses);
        }
    }

    /**
     * Hosts to try in order; hosts whose names had no address are left out.
     *
     * @param implicit true when the domain has no MX and its own A/AAAA is used (RFC 5321 §5.1 implicit MX)
     */
    record Hosts(List<MxHost> hosts, boolean implicit) implements MxResolution {
        public Hosts {
            hosts = List.copyOf(hosts);
            if (hosts.isEmpty()) throw new IllegalArgumentException("Hosts needs at least one host");
        }
    }

    /**
     * No host to try: a locally synthesised reply (550 5.1.2, 556 5.1.10, 550 5.4.4 or 451 4.4.3, see
     * {@link LocalReplies}) and what DNS said.
     */
    record Failed(SmtpReply reply, String detail) implements MxResolution {
        public Failed {
            Objects.requireNonNull(reply, "reply");
            Objects.requireNonNull(detail, "detail");
        }
    }
}
