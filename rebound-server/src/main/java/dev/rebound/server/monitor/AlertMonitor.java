package dev.rebound.server.monitor;

import dev.rebound.core.monitor.AlertState;
import dev.rebound.core.monitor.Figures;
import dev.rebound.core.monitor.Level;
import dev.rebound.core.monitor.Metric;
import dev.rebound.core.monitor.MetricRules;
import dev.rebound.core.monitor.MonitorConfig;
import dev.rebound.core.monitor.SpikeDetector;
import dev.rebound.core.monitor.Tally;
import dev.rebound.core.monitor.Verdict;
import dev.rebound.server.config.ReboundConfig;
import dev.rebound.server.store.Alert;
import dev.rebound.server.store.MinuteCounts;
import dev.rebound.server.store.OutcomeCounts;
import dev.rebound.server.store.Pause;
import dev.rebound.server.store.ScopedCounts;
import dev.rebound.server.store.Store;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalDouble;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.MultiGauge;
import io.micrometer.core.instrument.Tags;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import tools.jackson.databind.json.JsonMapper;
import tools.jackson.databind.node.ObjectNode;

/**
 * Evaluates the alerts every {@code monitor.interval} from the stored per-minute counts: for each metric, each
 * recipient domain and stream with traffic in the window (or an open alert), then overall, the core
 * {@link SpikeDetector} decides against the scope's baseline (its own rate over {@code monitor.baseline} before the
 * window, shrunk towards the overall rate with the weight of {@value #PRIOR_TRIALS} trials, so a new domain starts at
 * the overall rate). <b>Attribution</b>: the streams and the overall scope are evaluated on their counts without
 * those of the domains alerting on the same metric, so a spike on one domain names that domain and not the overall
 * scope when the rest is healthy.
 *
 * <p>Every outcome is an idempotent store write: an open is an insert that the partial unique index on (scope,
 * metric) of open alerts lets through once, a resolve an update of an alert still open; the node whose write
 * applied logs it (once on open, once on resolve) and its outbox event goes out with it. So several nodes evaluating
 * the same counts open and resolve each alert once.
 */
public final class AlertMonitor implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(AlertMonitor.class);
    private static final JsonMapper JSON = JsonMapper.builder().build();
    /** The weight (in trials) of the overall rate in a scope's baseline. */
    static final long PRIOR_TRIALS = 1000;

    private final Store store;
    private final Clock clock;
    private final ReboundConfig.Monitor config;
    private final SpikeDetector detector;
    private ScheduledExecutorService timer;
    private volatile int openCount;

    private final MultiGauge domainOutcomes;

    /** Without metrics (e.g. a second evaluator in tests). */
    public AlertMonitor(Store store, Clock clock, ReboundConfig.Monitor config) {
        this(store, clock, config, new SimpleMeterRegistry());
    }

    /**
     * @param metrics gets {@code rebound_domain_final_outcomes{domain,outcome}}: the last 24 h's final outcomes of the
     *                {@code monitor.top-domains} busiest domains and {@code other}, refreshed at each evaluation
     */
    public AlertMonitor(Store store, Clock clock, ReboundConfig.Monitor config, MeterRegistry metrics) {
        this.store = store;
        this.clock = clock;
        this.config = config;
        this.detector = new SpikeDetector(detectorConfig(config));
        this.domainOutcomes = MultiGauge.builder("rebound_domain_final_outcomes")
                .description("final outcomes in the last 24 h per recipient domain (the busiest monitor.top-domains, the rest as other)")
                .register(metrics);
    }

    /** The last 24 h per domain, top N by finals plus "other" (bounded label values). */
    private void refreshDomainGauges(Instant end) {
        List<ScopedCounts> rows = store.outcomeTotals(end.minus(Duration.ofHours(24)), end, ScopedCounts.By.DOMAIN);
        Map<String, OutcomeCounts> shown = new java.util.LinkedHashMap<>();
        OutcomeCounts other = OutcomeCounts.ZERO;
        for (ScopedCounts r : rows) {
            if (shown.size() < config.topDomains() && !r.scope().equals("other")) shown.put(r.scope(), r.counts());
            else other = other.plus(r.counts());
        }
        if (!other.isEmpty()) shown.put("other", other);
        List<MultiGauge.Row<?>> out = new ArrayList<>();
        for (Map.Entry<String, OutcomeCounts> e : shown.entrySet()) {
            OutcomeCounts c = e.getValue();
            long[] values = {c.delivered(), c.hard(), c.soft(), c.blocked(), c.complaints()};
            String[] names = {"DELIVERED", "BOUNCED_HARD", "BOUNCED_SOFT", "BLOCKED_POLICY", "COMPLAINT"};
            for (int i = 0; i < values.length; i++) out.add(MultiGauge.Row.of(Tags.of("domain", e.getKey(), "outcome", names[i]), values[i]));
        }
        domainOutcomes.register(out, true);
    }

    /** The core defaults with the configured ceilings. */
    static MonitorConfig detectorConfig(ReboundConfig.Monitor c) {
        MonitorConfig d = MonitorConfig.defaults();
        MetricRules hard = d.rules(Metric.HARD_BOUNCE);
        MetricRules complaint = d.rules(Metric.COMPLAINT);
        return d.withRules(Metric.HARD_BOUNCE, new MetricRules(OptionalDouble.of(c.hardBounceWarn()), OptionalDouble.of(c.hardBounceCritical()),
                        hard.spike(), hard.minEvents(), hard.minIncrease(), hard.baselineFloor()))
                .withRules(Metric.COMPLAINT, new MetricRules(OptionalDouble.of(c.complaintWarn()), OptionalDouble.of(c.complaintCritical()),
                        complaint.spike(), complaint.minEvents(), complaint.minIncrease(), complaint.baselineFloor()));
    }

    public MonitorConfig detectorConfig() {
        return detector.config();
    }

    /** Evaluates every {@code monitor.interval} on a platform thread (the evaluation time is the service clock's). */
    public AlertMonitor start() {
        if (!config.enabled()) return this;
        timer = Executors.newSingleThreadScheduledExecutor(r -> {
            Thread t = new Thread(r, "rebound-alerts");
            t.setDaemon(true);
            return t;
        });
        long period = config.interval().toMillis();
        timer.scheduleWithFixedDelay(() -> {
            try {
                evaluate();
            } catch (RuntimeException e) {
                log.error("alert evaluation failed; the next one runs in {}", config.interval(), e);
            }
        }, period, period, TimeUnit.MILLISECONDS);
        return this;
    }

    /** Open alerts after the last evaluation (the metrics gauge). */
    public int openCount() {
        return openCount;
    }

    /** One evaluation at the clock's now; returns what it changed (for tests and the log). */
    public List<Change> evaluate() {
        Instant now = clock.instant();
        int minutes = (int) Math.max(1, config.window().toMinutes());
        Instant end = Instant.ofEpochMilli(Math.floorDiv(now.toEpochMilli(), 60_000L) * 60_000L).plus(Duration.ofMinutes(1));
        Instant start = end.minus(Duration.ofMinutes(minutes));
        List<MinuteCounts> rows = store.outcomeMinutes(start, end);
        Instant baselineFrom = start.minus(config.baseline());
        OutcomeCounts overallHistory = store.outcomeTotals(baselineFrom, start, ScopedCounts.By.OVERALL).stream().findFirst()
                .map(ScopedCounts::counts).orElse(OutcomeCounts.ZERO);
        Map<String, OutcomeCounts> domainHistory = byScope(store.outcomeTotals(baselineFrom, start, ScopedCounts.By.DOMAIN));
        Map<String, OutcomeCounts> streamHistory = byScope(store.outcomeTotals(baselineFrom, start, ScopedCounts.By.STREAM));
        Map<String, Alert> open = new HashMap<>();
        for (Alert a : store.alerts(true, 100_000)) open.put(key(a.scopeKind(), a.scope(), a.metric()), a);

        List<Change> changes = new ArrayList<>();
        for (Metric metric : Metric.values()) {
            MetricRules rules = detector.config().rules(metric);
            double overallBaseline = SpikeDetector.baseline(Rates.tally(metric, overallHistory), rules.baselineFloor(), PRIOR_TRIALS);
            // domains first: the ones alerting are left out of the streams' and the overall counts
            Map<String, Tally[]> domainSeries = series(rows, metric, start, minutes, r -> r.domain(), Set.of());
            domainSeries.remove(""); // evidence that named no recipient domain counts for its stream and overall only
            addOpenScopes(domainSeries, open, "domain", metric, minutes);
            Set<String> alertingDomains = new HashSet<>();
            for (Map.Entry<String, Tally[]> e : domainSeries.entrySet()) {
                double p0 = SpikeDetector.baseline(Rates.tally(metric, domainHistory.getOrDefault(e.getKey(), OutcomeCounts.ZERO)), overallBaseline, PRIOR_TRIALS);
                Optional<Change> c = decide("domain", e.getKey(), metric, e.getValue(), p0, open, now, Set.of());
                if (c.isPresent()) {
                    changes.add(c.get());
                    if (c.get().verdict().level() != Level.OK) alertingDomains.add(e.getKey());
                }
            }
            Set<String> excluded = Set.copyOf(alertingDomains);
            Map<String, Tally[]> streamSeries = series(rows, metric, start, minutes, r -> r.stream(), excluded);
            addOpenScopes(streamSeries, open, "stream", metric, minutes);
            for (Map.Entry<String, Tally[]> e : streamSeries.entrySet()) {
                double p0 = SpikeDetector.baseline(Rates.tally(metric, streamHistory.getOrDefault(e.getKey(), OutcomeCounts.ZERO)), overallBaseline, PRIOR_TRIALS);
                decide("stream", e.getKey(), metric, e.getValue(), p0, open, now, excluded).ifPresent(changes::add);
            }
            Tally[] overall = series(rows, metric, start, minutes, r -> "", excluded).getOrDefault("", empty(minutes));
            decide("overall", "", metric, overall, overallBaseline, open, now, excluded).ifPresent(changes::add);
        }
        openCount = (int) changes.stream().filter(c -> c.verdict().level() != Level.OK).count();
        refreshDomainGauges(end);
        return changes;
    }

    /**
     * What one evaluation did for one scope and metric.
     *
     * @param applied whether this node's store write applied (false: another node had done it)
     */
    public record Change(String scopeKind, String scope, Metric metric, Verdict verdict, Optional<String> alertId, boolean applied) {}

    private Optional<Change> decide(String kind, String scope, Metric metric, Tally[] series, double baseline, Map<String, Alert> open,
                                    Instant now, Set<String> excluded) {
        Alert current = open.get(key(kind, scope, metric.id()));
        AlertState state = current == null ? AlertState.QUIET
                : new AlertState.Open(Level.valueOf(current.level().toUpperCase(java.util.Locale.ROOT)), current.ruleId(), current.openedAt());
        Verdict v = detector.evaluate(metric, List.of(series), baseline, state, now);
        String figures = figures(v, excluded);
        return switch (v.transition()) {
            case NONE -> Optional.empty();
            case OPEN -> {
                Alert a = new Alert("", kind, scope, metric.id(), v.level().id(), v.ruleId(), now, now, Optional.empty(), Optional.empty(), figures, figures);
                Optional<Pause> pause = v.level() == Level.CRITICAL && config.pauseOnCritical().contains(kind)
                        ? Optional.of(pause(kind, scope, metric, v, now)) : Optional.empty();
                Optional<String> id = store.openAlert(a, pause);
                id.ifPresent(i -> log.warn("alert opened: {} {} {} {} by {}: rate {} ({} of {}) against baseline {}, lower bound {}, statistic {}{}",
                        i, kind, scope.isEmpty() ? "(all mail)" : scope, metric.id(), v.ruleId(), pct(v.figures().rate()), v.figures().events(),
                        v.figures().trials(), pct(v.figures().baseline()), pct(v.figures().lowerBound()),
                        String.format("%.1f", v.figures().statistic()), pause.isPresent() ? "; " + kind + " paused" : ""));
                yield Optional.of(new Change(kind, scope, metric, v, id, id.isPresent()));
            }
            case ESCALATE -> {
                boolean ok = store.escalateAlert(current.id(), v.level().id(), v.ruleId(), figures, now);
                if (ok && v.level() == Level.CRITICAL && config.pauseOnCritical().contains(kind) && store.pause(pause(kind, scope, metric, v, now)))
                    log.warn("alert {} escalated to critical by {}: {} {} paused", current.id(), v.ruleId(), kind, scope);
                yield Optional.of(new Change(kind, scope, metric, v, Optional.of(current.id()), ok));
            }
            case STAY -> {
                store.touchAlert(current.id(), figures, now);
                yield Optional.of(new Change(kind, scope, metric, v, Optional.of(current.id()), true));
            }
            case RESOLVE -> {
                boolean ok = store.resolveAlert(current.id(), v.ruleId(), figures, now);
                if (ok) log.info("alert resolved: {} {} {} {} by {}: rate {} ({} of {}) under {}", current.id(), kind,
                        scope.isEmpty() ? "(all mail)" : scope, metric.id(), v.ruleId(), pct(v.figures().rate()), v.figures().events(),
                        v.figures().trials(), pct(v.figures().threshold()));
                yield Optional.of(new Change(kind, scope, metric, v, Optional.of(current.id()), ok));
            }
        };
    }

    private static Pause pause(String kind, String scope, Metric metric, Verdict v, Instant now) {
        return new Pause(kind, scope, "critical " + metric.id() + " alert (" + v.ruleId() + "): rate " + pct(v.figures().rate()) + ", "
                + v.figures().events() + " of " + v.figures().trials() + "; resume with rebound resume " + kind + " " + scope,
                Optional.empty(), "monitor", now);
    }

    private static String pct(double rate) {
        return String.format(java.util.Locale.ROOT, "%.2f %%", rate * 100);
    }

    /** The figures as the alert record and its events carry them. */
    static String figures(Verdict v, Set<String> excluded) {
        Figures f = v.figures();
        ObjectNode n = JSON.createObjectNode().put("level", v.level().id()).put("rule_id", v.ruleId()).put("trials", f.trials())
                .put("events", f.events()).put("rate", f.rate()).put("lower_bound", f.lowerBound()).put("baseline", f.baseline())
                .put("statistic", f.statistic()).put("threshold", f.threshold()).put("minutes", f.minutes());
        if (!excluded.isEmpty()) {
            var arr = n.putArray("excluded_domains");
            excluded.stream().sorted().forEach(arr::add);
        }
        return JSON.writeValueAsString(n);
    }

    private static String key(String kind, String scope, String metric) {
        return kind + "\u0000" + scope + "\u0000" + metric;
    }

    private static Map<String, OutcomeCounts> byScope(List<ScopedCounts> rows) {
        Map<String, OutcomeCounts> out = new HashMap<>();
        for (ScopedCounts s : rows) out.put(s.scope(), s.counts());
        return out;
    }

    private static Tally[] empty(int minutes) {
        Tally[] t = new Tally[minutes];
        java.util.Arrays.fill(t, Tally.ZERO);
        return t;
    }

    /** Per-minute tallies per scope (keyed by {@code scopeOf}), without the rows of the {@code excluded} domains. */
    private static Map<String, Tally[]> series(List<MinuteCounts> rows, Metric metric, Instant start, int minutes,
                                               java.util.function.Function<MinuteCounts, String> scopeOf, Set<String> excluded) {
        Map<String, Tally[]> out = new TreeMap<>();
        for (MinuteCounts r : rows) {
            if (excluded.contains(r.domain())) continue;
            Tally t = Rates.tally(metric, r.counts());
            if (t.trials() == 0) continue;
            int i = (int) Duration.between(start, r.minute()).toMinutes();
            if (i < 0 || i >= minutes) continue;
            Tally[] s = out.computeIfAbsent(scopeOf.apply(r), k -> empty(minutes));
            s[i] = s[i].plus(t);
        }
        return out;
    }

    /** Scopes with an open alert are evaluated even without traffic in the window (so they can clear). */
    private static void addOpenScopes(Map<String, Tally[]> series, Map<String, Alert> open, String kind, Metric metric, int minutes) {
        for (Alert a : open.values()) {
            if (a.scopeKind().equals(kind) && a.metric().equals(metric.id())) series.computeIfAbsent(a.scope(), k -> empty(minutes));
        }
    }

    @Override
    public void close() {
        if (timer != null) timer.shutdownNow();
    }
}
