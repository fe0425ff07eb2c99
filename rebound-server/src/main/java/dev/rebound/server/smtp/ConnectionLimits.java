package dev.rebound.server.smtp;

import java.util.Optional;

/**
 * Admission of a new connection to the listener, a pure function of the counts at that moment.
 *
 * <p>Design: one client must not be able to lock the listener out (issue 9 finding 2). Three caps, in this order:
 * the total ({@code max}); the connections of clients outside {@code smtp.relay-networks} that have not
 * authenticated, which may use {@code max - reserved} of it, so the last {@code reserved} are kept for relay-network
 * and authenticated clients; and per client (IPv4 address or IPv6 /64), for clients outside the relay networks only.
 * Relay-network clients are exempt from the per-client cap as Postfix exempts {@code $mynetworks} from its
 * {@code smtpd_client_connection_count_limit} (postconf(5), {@code smtpd_client_event_limit_exceptions}): an
 * application server with a connection pool is one address.
 *
 * @param max       {@code smtp.limits.max-connections}
 * @param perClient {@code smtp.limits.max-connections-per-client}
 * @param reserved  {@code smtp.limits.reserved-connections}
 */
record ConnectionLimits(int max, int perClient, int reserved) {
    /**
     * @param total        connections open now, all clients
     * @param unprivileged open connections of clients outside the relay networks not (yet) authenticated
     * @param fromClient   open unprivileged connections of this client
     * @param relay        whether the new client is in {@code smtp.relay-networks}
     * @return the refusal, or empty to admit
     */
    Optional<Refusal> refusal(int total, int unprivileged, int fromClient, boolean relay, ClientKey client) {
        if (total >= max) return Optional.of(Refusal.of(ListenerReply.CONNECTIONS_FULL, max));
        if (relay) return Optional.empty();
        if (unprivileged >= max - reserved) return Optional.of(Refusal.of(ListenerReply.CONNECTIONS_RESERVED, reserved, max));
        if (fromClient >= perClient) return Optional.of(Refusal.of(ListenerReply.CONNECTIONS_PER_CLIENT, client, perClient));
        return Optional.empty();
    }
}
