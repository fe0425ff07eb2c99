package dev.rebound.server.delivery;

import dev.rebound.server.config.HostPort;
import dev.rebound.core.classify.SmtpPhase;
import dev.rebound.core.smtp.SmtpReply;
import dev.rebound.core.tls.StsDiscovery;
import dev.rebound.core.tls.TlsDecision;
import dev.rebound.core.tls.TlsMode;
import dev.rebound.core.tls.TlsPolicy;
import dev.rebound.core.tls.TlsRequirement;
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
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Delivers a transaction over SMTP to the recipient domain's mail hosts.
 *
 * <p>Routing, first match wins: a per-domain route ({@code delivery.routes}), the relay
 * ({@code delivery.relay}), else MX resolution ({@link MxResolver}, RFC 5321 §5.1). Routes and the relay
 * are single hosts on their own port; MX hosts use {@link DeliveryConfig#smtpPort()}.
 *
 * <p>Hosts and their addresses are tried in order (RFC 5321 §5.1), at most
 * {@value #MAX_ADDRESSES_PER_ATTEMPT} addresses per attempt. A transient failure of one host moves to
 * the next: connection refused or timed out, a 4xx greeting or EHLO, a host the TLS decision refuses (see
 * below), a connection lost before any RCPT was answered. Anything else decides: a 5xx greeting (the host refuses us, RFC 5321
 * §3.1), the RCPT replies, the MAIL/DATA/end-of-DATA reply, a connection lost after RCPT replies. When every
 * host failed transiently, each recipient gets the last failure. DNS failures give synthesised replies (see
 * {@link LocalReplies}) with phase {@code NONE}.
 *
 * <p>Recipients beyond {@link DeliveryConfig#maxRecipientsPerTransaction()} go in further transactions.
 * Sessions are kept in a {@link SessionPool} and reused, after an RSET (pipelined with MAIL when the server offers
 * PIPELINING; a dead reused session is replaced by a fresh one), for the next transaction to the same
 * address. Addresses containing CR, LF, "<", ">" or spaces are refused locally and never sent.
 *
 * <p>TLS. Each domain has a configured {@link TlsMode} ({@link DeliveryConfig#tlsFor}); for mail routed through
 * MX records, the domain's MTA-STS policy (RFC 8461: the {@code _mta-sts} TXT record, looked up alongside the MX
 * records, and the policy fetched over HTTPS and cached by {@link MtaStsPolicies}) joins it into a
 * {@link TlsRequirement}. The core {@link TlsPolicy} decides before connecting ({@code host}: an enforce policy
 * skips MX hosts that match none of its patterns) and after EHLO/STARTTLS ({@code session}): a refused host is a
 * temporary failure of that host (a local {@code 451 4.7.4}/{@code 4.7.5}, see {@link LocalReplies}) and the next
 * MX is tried; a session is never used for a transaction before that decision allowed it, and a pooled session
 * is reused only when the decision for the new transaction's domain allows it too. With
 * {@code OPPORTUNISTIC} (and a testing policy) a failed handshake is retried once in plain text on the same
 * address. Each result carries the decision ({@link RecipientResult#tls()}).
 */
public final class SmtpDeliveryAgent implements DeliveryAgent {
    /**
     * Addresses tried per attempt at most (Postfix: {@code smtp_mx_address_limit} 5). Each unreachable
     * address can cost a connect timeout, and the retry policy brings the rest back later.
     */
    static final int MAX_ADDRESSES_PER_ATTEMPT = 10;
    private static final Logger log = LoggerFactory.getLogger(SmtpDeliveryAgent.class);

    private final DeliveryConfig config;
    private final MxResolver resolver;
    private final Clock clock;
    private final SessionPool pool;
    private final ScheduledExecutorService watchdog;
    private final TlsTrust trust;
    private final MtaStsPolicies mtaSts;

    public SmtpDeliveryAgent(DeliveryConfig config, Clock clock) {
        this(config, new MxResolver(config.dnsServers(), config.dnsTimeout()), clock);
    }

    /**
     * @param clock the clock of results and of the MTA-STS cache (max_age, fetch backoff); the policy host's
     *              port and the trust anchors come from {@code config} ({@link DeliveryConfig.MtaSts#policyPort()},
     *              {@link DeliveryConfig#trustAnchors()}), which tests point at a loopback HTTPS server
     */
    public SmtpDeliveryAgent(DeliveryConfig config, MxResolver resolver, Clock clock) {
        this.config = config;
        this.resolver = resolver;
        this.clock = clock;
        this.trust = new TlsTrust(config.trustAnchors());
        DeliveryConfig.MtaSts sts = config.mtaSts();
        this.mtaSts = sts.enabled()
                ? new MtaStsPolicies(new MtaStsFetcher(resolver, trust, sts.policyPort(), sts.timeout()), sts.failureBackoff(), clock)
                : null;
        this.pool = new SessionPool(config.maxIdlePerHost(), config.maxIdleTime(), clock);
        this.watchdog = Executors.newSingleThreadScheduledExecutor(
                Thread.ofPlatform().daemon().name("smtp-write-watchdog").factory());
    }

    /** One address to connect to. */
    private record Target(String host, InetSocketAddress address) {}

    /** Where to go and what TLS must be, or why nowhere. */
    private record Plan(List<Target> targets, SmtpReply failure, TlsRequirement tls) {}

    /** A session that may carry the transaction, with the decision that allowed it. */
    private record Opened(SmtpSession session, TlsDecision decision) {}

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
            Plan plan = plan(request.domain(), config.tlsFor(request.domain()));
            if (plan.failure != null) {
                for (String r : sendable) results.put(r, local(r, SmtpPhase.NONE, plan.failure, "", "", start));
            } else {
                byte[] data = SmtpData.encode(request.content());
                boolean eightBit = SmtpData.hasEightBit(request.content());
                int chunk = config.maxRecipientsPerTransaction();
                for (int i = 0; i < sendable.size(); i += chunk) {
                    List<String> batch = sendable.subList(i, Math.min(sendable.size(), i + chunk));
                    for (RecipientResult rr : attempt(plan, request.mailFrom(), batch, data, eightBit, start)) {
                        results.put(rr.recipient(), rr);
                    }
                }
            }
        }
        List<RecipientResult> ordered = new ArrayList<>();
        for (String r : request.recipients()) ordered.add(results.get(r));
        return List.copyOf(ordered);
    }

    private List<RecipientResult> attempt(Plan plan, String from, List<String> rcpts, byte[] data,
                                          boolean eightBit, Instant start) {
        SessionFailure last = null;
        List<Target> targets = plan.targets;
        Target lastTarget = targets.getFirst();
        long size = data.length - 3; // without the terminating ".CRLF"
        for (Target target : targets) {
            lastTarget = target;
            TlsDecision hostCheck = TlsPolicy.host(plan.tls, target.host);
            if (hostCheck.verdict() == TlsDecision.Verdict.DENIED) { // an enforce policy: never connect to this host
                last = new SessionFailure(SmtpPhase.NONE, LocalReplies.tlsRefused(target(target), hostCheck), true, true, null, hostCheck);
                continue;
            }
            SessionPool.Key key = new SessionPool.Key(target.host, target.address);
            SmtpSession session = pool.take(key);
            TlsDecision decision = null;
            if (session != null) {
                decision = TlsPolicy.session(plan.tls, target.host, session.tlsResult());
                if (!decision.allowed()) { // opened for a domain with a weaker requirement: keep it for that one
                    pool.give(key, session);
                    session = null;
                }
            }
            // a reused session is reset first: the RSET is pipelined with MAIL when the server allows it
            SmtpSession.TransactionResult tr = session == null ? null : session.send(from, rcpts, data, size, eightBit, true);
            if (tr == null || tr.stale()) { // no idle session, or the reused one was dead: open a fresh one
                try {
                    Opened o = openSession(target, plan.tls);
                    session = o.session;
                    decision = o.decision;
                } catch (SessionFailure f) {
                    last = f;
                    if (f.tryNextHost) continue;
                    return all(rcpts, f.phase, f.reply, f.local, target, start, f.decision);
                }
                tr = session.send(from, rcpts, data, size, eightBit);
            }
            if (tr.tryNextHost()) {
                SmtpSession.Attributed a = tr.results().getFirst();
                last = new SessionFailure(a.phase(), a.reply(), a.local(), true, null, decision);
                continue;
            }
            pool.give(key, session);
            Duration took = Duration.between(start, clock.instant());
            List<RecipientResult> out = new ArrayList<>();
            for (SmtpSession.Attributed a : tr.results()) {
                out.add(new RecipientResult(a.recipient(), a.phase(), a.reply(), a.local(), target.host,
                        target.address.getAddress().getHostAddress(), start, took, Optional.ofNullable(decision)));
            }
            if (decision.verdict() == TlsDecision.Verdict.ALLOWED_WITH_FAILURE) {
                log.warn("delivered to {} although its MTA-STS policy (testing) was not met: {}", target(target), decision.summary());
            }
            return out;
        }
        return all(rcpts, last.phase, last.reply, last.local, lastTarget, start, last.decision);
    }

    private static String target(Target t) {
        return t.host + "[" + t.address.getAddress().getHostAddress() + "]:" + t.address.getPort();
    }

    /**
     * Opens a session and decides whether the transaction may use it ({@link TlsPolicy#session}). A failed
     * handshake that the decision lets go on in plain text ({@code RETRY_PLAIN}: opportunistic TLS must never
     * stop mail, as Postfix's security level "may") is retried once on the same address without STARTTLS; a
     * {@code DENIED} session is closed and the host fails temporarily.
     */
    private Opened openSession(Target target, TlsRequirement req) throws SessionFailure {
        SmtpSession s;
        try {
            s = SmtpSession.open(target.host, target.address, config, trust, req.startTls(), watchdog, false);
        } catch (SessionFailure f) {
            if (f.tls == null) throw f;
            TlsDecision d = TlsPolicy.session(req, target.host, f.tls);
            if (d.verdict() != TlsDecision.Verdict.RETRY_PLAIN) {
                throw new SessionFailure(f.phase, LocalReplies.tlsRefused(target(target), d), true, true, f.tls, d);
            }
            SmtpSession plain = SmtpSession.open(target.host, target.address, config, trust, false, watchdog, true);
            return checked(plain, target, req);
        }
        return checked(s, target, req);
    }

    private Opened checked(SmtpSession s, Target target, TlsRequirement req) throws SessionFailure {
        TlsDecision d = TlsPolicy.session(req, target.host, s.tlsResult());
        if (!d.allowed()) {
            s.quit(); // nothing of the message was sent
            log.info("not delivering to {}: {}", target(target), d.summary());
            throw new SessionFailure(SmtpPhase.STARTTLS, LocalReplies.tlsRefused(target(target), d), true, true, s.tlsResult(), d);
        }
        return new Opened(s, d);
    }

    private List<RecipientResult> all(List<String> rcpts, SmtpPhase phase, SmtpReply reply, boolean local,
                                      Target target, Instant start, TlsDecision tls) {
        Duration took = Duration.between(start, clock.instant());
        String addr = target.address.getAddress().getHostAddress();
        return rcpts.stream().map(r -> new RecipientResult(r, phase, reply, local, target.host, addr, start, took,
                Optional.ofNullable(tls))).toList();
    }

    private RecipientResult local(String rcpt, SmtpPhase phase, SmtpReply reply, String host, String addr, Instant start) {
        return new RecipientResult(rcpt, phase, reply, true, host, addr, start, Duration.between(start, clock.instant()));
    }

    private Plan plan(String domain, TlsMode mode) {
        String d = domain.toLowerCase(Locale.ROOT);
        Optional<HostPort> fixed = Optional.ofNullable(config.routes().get(d)).or(config::relay);
        if (fixed.isPresent()) { // a configured next hop: the domain's MTA-STS policy is about its MX hosts, not ours
            HostPort hp = fixed.get();
            MxResolver.Addresses a = resolver.addresses(hp.host());
            if (a.addresses().isEmpty()) {
                // a configured route that does not resolve is our problem, never the recipient's: defer
                return new Plan(List.of(), LocalReplies.dnsTemporary(hp.host() + " (route for " + d + ")", a.detail()), TlsRequirement.of(mode));
            }
            return new Plan(a.addresses().stream().map(ip -> new Target(hp.host(), new InetSocketAddress(ip, hp.port()))).toList(),
                    null, TlsRequirement.of(mode));
        }
        // the _mta-sts TXT record is asked alongside the MX records
        CompletableFuture<MxResolver.Txt> txt = mtaSts == null ? null : resolver.txtAsync("_mta-sts." + aLabel(d));
        return switch (resolver.resolve(d)) {
            case MxResolution.Failed f -> new Plan(List.of(), f.reply(), TlsRequirement.of(mode));
            case MxResolution.Hosts h -> {
                List<Target> targets = new ArrayList<>();
                for (MxResolution.MxHost host : h.hosts()) {
                    for (InetAddress ip : host.addresses()) {
                        targets.add(new Target(host.name(), new InetSocketAddress(ip, config.smtpPort())));
                    }
                }
                yield new Plan(targets.subList(0, Math.min(targets.size(), MAX_ADDRESSES_PER_ATTEMPT)), null, requirement(d, mode, txt));
            }
        };
    }

    /** The A-label form of a domain (RFC 5890) for DNS names built from it; the input when it is not a domain. */
    private static String aLabel(String domain) {
        try {
            return java.net.IDN.toASCII(domain, java.net.IDN.ALLOW_UNASSIGNED).toLowerCase(Locale.ROOT);
        } catch (IllegalArgumentException e) {
            return domain;
        }
    }

    /** The configured mode joined with the domain's MTA-STS policy, if it has one. */
    private TlsRequirement requirement(String domain, TlsMode mode, CompletableFuture<MxResolver.Txt> txt) {
        if (mtaSts == null) return TlsRequirement.of(mode);
        MxResolver.Txt answer;
        try {
            answer = txt.get(config.dnsTimeout().toMillis() * 4 + 1000, TimeUnit.MILLISECONDS);
        } catch (TimeoutException | ExecutionException e) {
            answer = new MxResolver.Txt(List.of(), "_mta-sts." + domain + " TXT: " + e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            answer = new MxResolver.Txt(List.of(), "interrupted");
        }
        MtaStsPolicies.Resolved r = mtaSts.resolve(domain, answer);
        return r.policy().map((StsDiscovery.Cached c) -> TlsRequirement.withSts(mode, c.id(), c.policy())).orElse(TlsRequirement.of(mode));
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
