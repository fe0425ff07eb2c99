package dev.rebound.server.service;

import dev.rebound.core.classify.ReplyClassifier;
import dev.rebound.core.policy.ThrottleConfig;
import dev.rebound.core.policy.TokenBucket;
import dev.rebound.server.config.ReboundConfig;
import dev.rebound.server.evidence.BounceMailbox;
import dev.rebound.server.evidence.EvidenceRecorder;
import dev.rebound.server.decide.AttemptDecider;
import dev.rebound.server.decide.EvidenceDecider;
import dev.rebound.server.decide.Suppressions;
import dev.rebound.server.evidence.HttpsCertificateSource;
import dev.rebound.server.evidence.SubscriptionConfirmer;
import dev.rebound.server.evidence.StoredReplayTokens;
import dev.rebound.core.events.CertificateSource;
import dev.rebound.core.events.ProviderWebhooks;
import dev.rebound.server.delivery.DeliveryAgent;
import dev.rebound.server.api.ApiServer;
import dev.rebound.server.intake.MessageIntake;
import dev.rebound.server.queue.Scheduler;
import dev.rebound.server.smtp.SmtpListener;
import dev.rebound.server.store.SqlStore;
import dev.rebound.server.store.Store;
import dev.rebound.server.store.RecipientState;
import dev.rebound.server.store.WaitingState;
import java.util.List;
import dev.rebound.server.notices.BounceNotices;
import dev.rebound.server.nodes.Heartbeat;
import dev.rebound.server.monitor.AlertMonitor;
import dev.rebound.server.suppression.ProvisionalSweep;
import io.micrometer.core.instrument.FunctionCounter;
import dev.rebound.server.webhooks.Webhooks;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import java.time.Clock;
import java.time.Duration;
import java.util.Optional;

/**
 * The running service: store, scheduler, HTTP API and SMTP listener wired together. Start order is store →
 * scheduler (releases this node's stale leases) → listeners; stop order is the reverse, so nothing is accepted
 * once the store is closing.
 */
public final class ReboundService implements AutoCloseable {
    private final ReboundConfig config;
    private final Store store;
    private final DeliveryAgent agent;
    private final Scheduler scheduler;
    private final ApiServer http;
    private final SmtpListener smtp;
    private final Webhooks webhooks;
    private final BounceNotices notices;
    private final Heartbeat heartbeat;
    private final AlertMonitor alerts;
    private final ProvisionalSweep provisional;

    private ReboundService(ReboundConfig config, Store store, DeliveryAgent agent, Scheduler scheduler, ApiServer http, SmtpListener smtp,
                           Webhooks webhooks, BounceNotices notices, AlertMonitor alerts, Heartbeat heartbeat, ProvisionalSweep provisional) {
        this.provisional = provisional;
        this.heartbeat = heartbeat;
        this.alerts = alerts;
        this.webhooks = webhooks;
        this.notices = notices;
        this.config = config;
        this.store = store;
        this.agent = agent;
        this.scheduler = scheduler;
        this.http = http;
        this.smtp = smtp;
    }

    /**
     * @param runLoop false leaves the scheduler loop stopped (tests drive it with {@link Scheduler#runOnce()})
     */
    public static ReboundService start(ReboundConfig config, Clock clock, DeliveryAgent agent, boolean runLoop) {
        // SNS signing certificates are fetched over HTTPS and checked against the real clock, whatever the service clock.
        return start(config, clock, agent, runLoop, HttpsCertificateSource.overHttps(Clock.systemUTC()));
    }

    /** @param certificates where the SNS signing certificates come from (tests map the fixture URL to a test PEM) */
    public static ReboundService start(ReboundConfig config, Clock clock, DeliveryAgent agent, boolean runLoop,
                                       CertificateSource certificates) {
        Store store = SqlStore.open(config.store().url(), config.store().user(), config.store().password(),
                config.store().readConnections(), clock);
        Scheduler scheduler = null;
        ApiServer http = null;
        SmtpListener smtp = null;
        Webhooks outbound = null;
        Heartbeat heartbeat = null;
        AlertMonitor alerts = null;
        ProvisionalSweep provisional = null;
        try {
            PrometheusMeterRegistry metrics = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
            AttemptDecider retry = new AttemptDecider(ReplyClassifier.standard(), config.retry());
            Suppressions suppressions = new Suppressions(config.suppressionPolicy());
            scheduler = new Scheduler(store, agent, retry, suppressions, clock, config.scheduler(), throttleConfig(config.throttle()),
                    messageRate(config.throttle()), config.bounces().domain(), config.node().id(), metrics);
            Gauge.builder("rebound_queue_depth", store, s -> s.queueStats().depth())
                    .description("recipients waiting for a delivery attempt").register(metrics);
            Gauge.builder("rebound_queue_oldest_age_seconds", store, s -> s.queueStats().oldestDueAt()
                            .map(t -> Math.max(0, Duration.between(t, clock.instant()).toMillis() / 1000.0)).orElse(0.0))
                    .description("age of the most overdue waiting recipient").register(metrics);
            Gauge.builder("rebound_store_commits", store, s -> s.writeStats().commits()).register(metrics);
            Gauge.builder("rebound_store_writes", store, s -> s.writeStats().writes()).register(metrics);
            FunctionCounter.builder("rebound_store_write_failures", store, s -> s.health().failedGroups())
                    .description("store transactions that failed with a store fault (disk full, I/O error, a transaction the database rolled back), probes included")
                    .register(metrics);
            Gauge.builder("rebound_store_writable", store, s -> s.health().writable() ? 1 : 0)
                    .description("1 while the store can commit writes, 0 after a store fault until its probe commits").register(metrics);
            if (runLoop) scheduler.start();
            else scheduler.releaseLeases();
            heartbeat = Heartbeat.start(store, config.node(), clock, scheduler::renewLeases, runLoop);
            MessageIntake intake = new MessageIntake(store, scheduler::wake, config.delivery().heloName());
            ProviderWebhooks webhooks = new ProviderWebhooks(config.providers().webhooks(), certificates,
                    new StoredReplayTokens(store), clock, ReplyClassifier.standard());
            EvidenceRecorder evidence = new EvidenceRecorder(store, new EvidenceDecider(suppressions), config.providers().defaultStream());
            var providerEvents = new ApiServer.ProviderEvents(webhooks, evidence,
                    config.providers().confirmSnsSubscriptions() ? SubscriptionConfirmer.overHttps() : SubscriptionConfirmer.OFF);
            outbound = Webhooks.start(config.webhooks(), store.webhooks(), clock, config.node().id(), metrics, runLoop);
            http = new ApiServer(config, intake, store, retry, clock, metrics, providerEvents, outbound, scheduler::domains).start();
            smtp = new SmtpListener(config.smtp(), intake, config.bounces().domain().isEmpty() ? null
                    : new BounceMailbox(config.bounces().domain(), evidence, metrics), clock);
            smtp.start();
            BounceNotices notices = new BounceNotices(store, config.bounces().notices(), config.delivery().heloName(), clock,
                    config.scheduler().pollInterval(), scheduler::wake);
            if (runLoop) notices.start();
            alerts = new AlertMonitor(store, clock, config.monitor(), metrics);
            WaitingGauges waiting = new WaitingGauges(store);
            for (RecipientState st : List.of(RecipientState.QUEUED, RecipientState.DEFERRED)) {
                // strongReference: nothing else holds `waiting`, and a gauge keeps only a weak reference by default (a
                // collected object reads as NaN)
                Gauge.builder("rebound_queue_recipients", waiting, w -> w.count(st)).tag("state", st.name()).strongReference(true)
                        .description("recipients waiting for an attempt, per state").register(metrics);
                Gauge.builder("rebound_queue_state_oldest_age_seconds", waiting, w -> w.oldestAgeSeconds(st, clock.instant())).tag("state", st.name())
                        .strongReference(true)
                        .description("age of the oldest message with a recipient waiting in this state").register(metrics);
            }
            if (runLoop) alerts.start();
            Gauge.builder("rebound_alerts_open", alerts, AlertMonitor::openCount)
                    .description("alerts open after the last evaluation").register(metrics);
            provisional = new ProvisionalSweep(store, suppressions, clock);
            if (runLoop) provisional.start();
            return new ReboundService(config, store, agent, scheduler, http, smtp, outbound, notices, alerts, heartbeat, provisional);
        } catch (RuntimeException e) {
            if (provisional != null) provisional.close();
            if (alerts != null) alerts.close();
            if (smtp != null) smtp.close();
            if (http != null) http.close();
            if (outbound != null) outbound.close();
            if (scheduler != null) scheduler.close();
            if (heartbeat != null) heartbeat.close();
            store.close();
            throw e;
        }
    }

    /** Waiting recipients per state for the queue gauges: one store read per scrape (kept for 1 s). */
    private static final class WaitingGauges {
        private final Store store;
        private List<WaitingState> last = List.of();
        private long readAt;

        WaitingGauges(Store store) {
            this.store = store;
        }

        private synchronized List<WaitingState> states() {
            long now = System.nanoTime();
            if (readAt == 0 || now - readAt > 1_000_000_000L) {
                last = store.waitingByState();
                readAt = now;
            }
            return last;
        }

        double count(RecipientState s) {
            return states().stream().filter(w -> w.state() == s).mapToLong(WaitingState::count).sum();
        }

        double oldestAgeSeconds(RecipientState s, java.time.Instant now) {
            return states().stream().filter(w -> w.state() == s).findFirst().flatMap(WaitingState::oldestAcceptedAt)
                    .map(t -> Math.max(0, Duration.between(t, now).toMillis() / 1000.0)).orElse(0.0);
        }
    }

    /** The per-domain token bucket, when {@code throttle.messages-per-second} is above 0. */
    static Optional<TokenBucket> messageRate(ReboundConfig.Throttle t) {
        return t.messagesPerSecond() > 0 ? Optional.of(new TokenBucket(t.messagesPerSecond(), t.burst())) : Optional.empty();
    }

    /** The core throttle defaults with the configured concurrency bounds. */
    static ThrottleConfig throttleConfig(ReboundConfig.Throttle t) {
        ThrottleConfig d = ThrottleConfig.defaults();
        return new ThrottleConfig(t.initialConcurrency(), t.maxConcurrency(), t.minConcurrency(), d.deferralsToDecrease(),
                d.rateLimitsToDecrease(), d.negativeWindow(), d.decreaseCooldown(), d.successesToIncrease(), d.backoffBase(),
                d.backoffMax(), d.deadAfterConnectionFailures(), d.probeBase(), d.probeMax(), d.tokenRatePerSecond(), d.tokenBurst());
    }

    public int httpPort() {
        return http.port();
    }

    public int smtpPort() {
        return smtp.port();
    }

    public Store store() {
        return store;
    }

    public Scheduler scheduler() {
        return scheduler;
    }

    public ApiServer http() {
        return http;
    }

    public BounceNotices notices() {
        return notices;
    }

    public Heartbeat heartbeat() {
        return heartbeat;
    }

    /** The alert evaluation (tests run {@link AlertMonitor#evaluate()} on their clock). */
    public AlertMonitor alerts() {
        return alerts;
    }

    public Webhooks webhooks() {
        return webhooks;
    }

    /** The sweep that ends provisional suppression reviews (tests run {@link ProvisionalSweep#runOnce()} on their clock). */
    public ProvisionalSweep provisional() {
        return provisional;
    }

    public ReboundConfig config() {
        return config;
    }

    @Override
    public void close() {
        provisional.close();
        alerts.close();
        smtp.close();
        http.close();
        notices.close();
        webhooks.close();
        scheduler.close();
        heartbeat.close();
        agent.close();
        store.close();
    }
}
