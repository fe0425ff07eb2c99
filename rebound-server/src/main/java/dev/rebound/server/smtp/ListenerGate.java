package dev.rebound.server.smtp;

import dev.rebound.server.config.IpNetwork;
import dev.rebound.server.config.ReboundConfig;
import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.LongSupplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.subethamail.smtp.MessageContext;
import org.subethamail.smtp.server.Session;
import org.subethamail.smtp.server.SessionHandler;

/**
 * The listener's door, SubEthaSMTP's {@link SessionHandler}: at connect, before the greeting, decides whether the
 * client is in {@code smtp.relay-networks} and whether it may have a connection now ({@link ConnectionLimits});
 * refused clients get a {@code 421} from {@link ListenerReply} and the connection is closed. An admitted session
 * gets its {@link SessionGuard} and its connection is wrapped in a {@link GuardedSocket}. An AUTH success moves the
 * session out of the unprivileged count ({@link #authenticated}), so authenticated sessions use the reserved room.
 */
final class ListenerGate implements SessionHandler {
    private static final Logger log = LoggerFactory.getLogger(ListenerGate.class);

    private final List<IpNetwork> relayNetworks;
    private final ReboundConfig.SmtpLimits limits;
    private final ConnectionLimits admission;
    private final LongSupplier nanoTime;
    private final Map<Session, SessionGuard> guards = new ConcurrentHashMap<>();
    // Guarded by this.
    private int total;
    private int unprivileged;
    private final Map<ClientKey, Integer> perClient = new HashMap<>();

    ListenerGate(ReboundConfig.Smtp config, LongSupplier nanoTime) {
        this.relayNetworks = List.copyOf(config.relayNetworks());
        this.limits = config.limits();
        this.admission = new ConnectionLimits(limits.maxConnections(), limits.maxConnectionsPerClient(), limits.reservedConnections());
        this.nanoTime = nanoTime;
    }

    @Override
    public SessionAcceptance accept(Session session) {
        InetSocketAddress remote = session.getRemoteAddress();
        InetAddress ip = remote == null ? null : remote.getAddress();
        if (ip == null) return refuse(Refusal.of(ListenerReply.CONNECTIONS_FULL, limits.maxConnections()), String.valueOf(remote));
        boolean relay = relayNetworks.stream().anyMatch(n -> n.contains(ip));
        ClientKey client = ClientKey.of(ip);
        synchronized (this) {
            Optional<Refusal> no = admission.refusal(total, unprivileged, perClient.getOrDefault(client, 0), relay, client);
            if (no.isPresent()) return refuse(no.get(), ip.getHostAddress());
            total++;
            if (!relay) {
                unprivileged++;
                perClient.merge(client, 1, Integer::sum);
            }
        }
        SessionGuard guard = new SessionGuard(session, client, relay, limits, nanoTime.getAsLong());
        guards.put(session, guard);
        try {
            session.setSocket(new GuardedSocket(session.getSocket(), guard, nanoTime));
        } catch (IOException e) {
            // The connection is already unusable; the session fails on its first write and ends normally.
            log.debug("cannot wrap the connection from {}: {}", ip.getHostAddress(), e.getMessage());
        }
        return SessionAcceptance.success();
    }

    private static SessionAcceptance refuse(Refusal refusal, String client) {
        log.info("refused a connection from {}: {}", client, refusal.line());
        return SessionAcceptance.failure(refusal.reply().code(), refusal.text());
    }

    @Override
    public void onSessionEnd(Session session) {
        SessionGuard guard = guards.remove(session);
        if (guard == null) return;
        synchronized (this) {
            total--;
            if (guard.unprivileged) release(guard);
        }
    }

    /** AUTH succeeded: the session no longer counts against the unprivileged share or its client's cap. */
    void authenticated(MessageContext context) {
        SessionGuard guard = context instanceof Session s ? guards.get(s) : null;
        if (guard == null) return;
        synchronized (this) {
            if (guard.unprivileged) release(guard);
        }
    }

    private void release(SessionGuard guard) {
        guard.unprivileged = false;
        unprivileged--;
        perClient.computeIfPresent(guard.client(), (k, v) -> v <= 1 ? null : v - 1);
    }

    /** The guard of an admitted session (null for a context that is not one). */
    SessionGuard guard(MessageContext context) {
        return context instanceof Session s ? guards.get(s) : null;
    }

    long now() {
        return nanoTime.getAsLong();
    }
}
