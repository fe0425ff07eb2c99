package dev.rebound.server.delivery;

import dev.rebound.server.config.HostPort;
import dev.rebound.core.classify.SmtpPhase;
import dev.rebound.core.smtp.SmtpReply;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;

/**
 * Delivers a transaction over SMTP to the recipient domain's mail hosts.
 *
 * <p>Routing, first match wins: a per-domain route ({@code delivery.routes}), the relay
 * ({@code delivery.relay}), else MX resolution ({@link MxResolver}, RFC 5321 §5.1). Routes and the relay
 * are single hosts on their own port; MX hosts use {@link DeliveryConfig#smtpPort()}.
 *
 * <p>Hosts and their addresses are tried in order (RFC 5321 §5.1), at most
 * {@value #MAX_ADDRESSES_PER_ATTEMPT} addresses per attempt. A transient failure of one host moves to
 * the next: connection refused or timed out, a 4xx greeting or EHLO, a failed TLS handshake (with
 * {@code TlsMode.VERIFY}; with {@code OPPORTUNISTIC} the host is retried once in plain text), a connection
 * lost before any RCPT was answered. Anything else decides: a 5xx greeting (the host refuses us, RFC 5321
 * §3.1), the RCPT replies, the MAIL/DATA/end-of-DATA reply, a connection lost after RCPT replies. When every
 * host failed transiently, each recipient gets the last failure. DNS failures give synthesised replies (see
 * {@link LocalReplies}) with phase {@code NONE}.
 *
 * <p>Recipients beyond {@link DeliveryConfig#maxRecipientsPerTransaction()} go in further transactions.
 * Sessions are kept in a {@link SessionPool} and reused, after an RSET (pipelined with MAIL when the server offers
 * PIPELINING; a dead reused session is replaced by a fresh one), for the next transaction to the same
 * address. Addresses containing CR, LF, "<", ">" or spaces are refused locally and never sent.
 */
public final class SmtpDeliveryAgent implements DeliveryAgent {
    /**
     * Addresses tried per attempt at most (Postfix: {@code smtp_mx_address_limit} 5). Each unreachable
     * address can cost a connect timeout, and the retry policy brings the rest back later.
     */
    static final int MAX_ADDRESSES_PER_ATTEMPT = 10;

    private final DeliveryConfig config;
    private final MxResolver resolver;
    private final Clock clock;
    private final SessionPool pool;
    private final ScheduledExecutorService watchdog;

    public SmtpDeliveryAgent(DeliveryConfig config, Clock clock) {
        this(config, new MxResolver(config.dnsServers(), config.dnsTimeout()), clock);
    }

    public SmtpDeliveryAgent(DeliveryConfig config, MxResolver resolver, Clock clock) {
        this.config = config;
        this.resolver = resolver;
        this.clock = clock;
        this.pool = new SessionPool(config.maxIdlePerHost(), config.maxIdleTime(), clock);
        this.watchdog = Executors.newSingleThreadScheduledExecutor(
                Thread.ofPlatform().daemon().name("smtp-write-watchdog").factory());
    }

    /** One address to connect to. */
    private record Target(String host, InetSocketAddress address) {}

    /** Where to go, or why nowhere. */
    private record Plan(List<Target> targets, SmtpReply failure) {}

    @Override
    public List<RecipientResult> deliver(DeliveryRequest request) {
        Instant start = clock.instant();
        Map<String, RecipientResult> results = new LinkedHashMap<>();
        List<String> sendable = new ArrayList<>();
        boolean badSender = !validAddress(request.mailFrom(), true);
        for (String r : request.recipients()) {
            if (badSender) results.put(r, local(r, SmtpPhase.MAIL, LocalReplies.badSender(request.mailFrom()), "", "", start));
            else if (!validAddress(r, false)) results.put(r, local(r, SmtpPhase.RCPT, LocalReplies.badRecipient(r), "", "", start));
            else sendable.add(r);
        }
        if (!sendable.isEmpty()) {
            Plan plan = plan(request.domain());
            if (plan.failure != null) {
                for (String r : sendable) results.put(r, local(r, SmtpPhase.NONE, plan.failure, "", "", start));
            } else {
                byte[] data = SmtpData.encode(request.content());
                boolean eightBit = SmtpData.hasEightBit(request.content());
                int chunk = config.maxRecipientsPerTransaction();
                for (int i = 0; i < sendable.size(); i += chunk) {
                    List<String> batch = sendable.subList(i, Math.min(sendable.size(), i + chunk));
                    for (RecipientResult rr : attempt(plan.targets, request.mailFrom(), batch, data, eightBit, start)) {
                        results.put(rr.recipient(), rr);
                    }
                }
            }
        }
        List<RecipientResult> ordered = new ArrayList<>();
        for (String r : request.recipients()) ordered.add(results.get(r));
        return List.copyOf(ordered);
    }

    private List<RecipientResult> attempt(List<Target> targets, String from, List<String> rcpts, byte[] data,
                                          boolean eightBit, Instant start) {
        SessionFailure last = null;
        Target lastTarget = targets.getFirst();
        long size = data.length - 3; // without the terminating ".CRLF"
        for (Target target : targets) {
            lastTarget = target;
            SessionPool.Key key = new SessionPool.Key(target.host, target.address);
            SmtpSession session = pool.take(key);
            // a reused session is reset first: the RSET is pipelined with MAIL when the server allows it
            SmtpSession.TransactionResult tr = session == null ? null : session.send(from, rcpts, data, size, eightBit, true);
            if (tr == null || tr.stale()) { // no idle session, or the reused one was dead: open a fresh one
                try {
                    session = openSession(target);
                } catch (SessionFailure f) {
                    last = f;
                    if (f.tryNextHost) continue;
                    return all(rcpts, f.phase, f.reply, f.local, target, start);
                }
                tr = session.send(from, rcpts, data, size, eightBit);
            }
            if (tr.tryNextHost()) {
                SmtpSession.Attributed a = tr.results().getFirst();
                last = new SessionFailure(a.phase(), a.reply(), a.local(), true);
                continue;
            }
            pool.give(key, session);
            Duration took = Duration.between(start, clock.instant());
            List<RecipientResult> out = new ArrayList<>();
            for (SmtpSession.Attributed a : tr.results()) {
                out.add(new RecipientResult(a.recipient(), a.phase(), a.reply(), a.local(), target.host,
                        target.address.getAddress().getHostAddress(), start, took));
            }
            return out;
        }
        return all(rcpts, last.phase, last.reply, last.local, lastTarget, start);
    }

    /**
     * Opens a session. Opportunistic TLS must never stop mail: when the handshake fails, the same address is
     * tried once more in plain text, as Postfix does at security level "may". With {@code VERIFY} a failed
     * handshake is a transient failure of this host.
     */
    private SmtpSession openSession(Target target) throws SessionFailure {
        try {
            return SmtpSession.open(target.host, target.address, config, watchdog, false);
        } catch (SessionFailure f) {
            if (f.phase != SmtpPhase.STARTTLS || config.tls() != DeliveryConfig.TlsMode.OPPORTUNISTIC) throw f;
            return SmtpSession.open(target.host, target.address, config, watchdog, true);
        }
    }

    private List<RecipientResult> all(List<String> rcpts, SmtpPhase phase, SmtpReply reply, boolean local,
                                      Target target, Instant start) {
        Duration took = Duration.between(start, clock.instant());
        String addr = target.address.getAddress().getHostAddress();
        return rcpts.stream().map(r -> new RecipientResult(r, phase, reply, local, target.host, addr, start, took)).toList();
    }

    private RecipientResult local(String rcpt, SmtpPhase phase, SmtpReply reply, String host, String addr, Instant start) {
        return new RecipientResult(rcpt, phase, reply, true, host, addr, start, Duration.between(start, clock.instant()));
    }

    private Plan plan(String domain) {
        String d = domain.toLowerCase(Locale.ROOT);
        Optional<HostPort> fixed = Optional.ofNullable(config.routes().get(d)).or(config::relay);
        if (fixed.isPresent()) {
            HostPort hp = fixed.get();
            MxResolver.Addresses a = resolver.addresses(hp.host());
            if (a.addresses().isEmpty()) {
                // a configured route that does not resolve is our problem, never the recipient's: defer
                return new Plan(List.of(), LocalReplies.dnsTemporary(hp.host() + " (route for " + d + ")", a.detail()));
            }
            return new Plan(a.addresses().stream().map(ip -> new Target(hp.host(), new InetSocketAddress(ip, hp.port()))).toList(), null);
        }
        return switch (resolver.resolve(d)) {
            case MxResolution.Failed f -> new Plan(List.of(), f.reply());
            case MxResolution.Hosts h -> {
                List<Target> targets = new ArrayList<>();
                for (MxResolution.MxHost host : h.hosts()) {
                    for (InetAddress ip : host.addresses()) {
                        targets.add(new Target(host.name(), new InetSocketAddress(ip, config.smtpPort())));
                    }
                }
                yield new Plan(targets.subList(0, Math.min(targets.size(), MAX_ADDRESSES_PER_ATTEMPT)), null);
            }
        };
    }

    /** Refuses what could inject SMTP commands or break the path syntax (RFC 5321 §4.1.2). */
    static boolean validAddress(String address, boolean mayBeEmpty) {
        if (address.isEmpty()) return mayBeEmpty;
        if (address.length() > 320) return false;
        for (int i = 0; i < address.length(); i++) {
            char c = address.charAt(i);
            if (c <= ' ' || c == '<' || c == '>' || c == 0x7f) return false;
        }
        return address.indexOf('@') > 0;
    }

    /** Idle connections currently kept for reuse. */
    public int idleConnections() {
        return pool.idleCount();
    }

    @Override
    public void close() {
        pool.close();
        watchdog.shutdownNow();
    }
}
