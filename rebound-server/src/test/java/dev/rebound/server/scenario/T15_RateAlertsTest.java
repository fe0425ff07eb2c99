package dev.rebound.server.scenario;

import static org.assertj.core.api.Assertions.assertThat;

import dev.rebound.core.monitor.Level;
import dev.rebound.core.monitor.Metric;
import dev.rebound.server.monitor.AlertMonitor;
import dev.rebound.server.store.Alert;
import dev.rebound.server.store.WebhookStore;
import dev.rebound.server.webhooks.EventTypes;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import tools.jackson.databind.JsonNode;

/**
 * Issue 13 end to end: real HTTP intake, real SMTP delivery to a scripted MX, the SQLite store, alerts evaluated on
 * the injected clock. Counts come from the transactions that record the attempts; the evaluation reads only them.
 */
class T15_RateAlertsTest extends ScenarioBase {

    /** Sends {@code total} recipients at {@code domain} in messages of 500, the first {@code bad} of them refused 550 5.1.1. */
    void send(String domain, String prefix, int total, int bad) throws Exception {
        List<String> ids = new ArrayList<>();
        for (int start = 0; start < total; start += 500) {
            StringBuilder to = new StringBuilder();
            for (int i = start; i < Math.min(total, start + 500); i++) {
                if (to.length() > 0) to.append(',');
                to.append('"').append(i < bad ? "bad" : "ok").append(prefix).append(i).append('@').append(domain).append('"');
            }
            ids.add(postMessage("{\"from\":\"app@sender.test\",\"to\":[" + to + "],\"text\":\"x\"}"));
        }
        while (h.service.scheduler().runOnce() > 0) { /* until nothing is due */ }
    }

    void script() {
        domainWithMx("spiky.test");
        domainWithMx("healthy.test");
        mx.script().reply("RCPT TO:<bad", "550 5.1.1 User unknown");
    }

    @Test
    void aSpikeOnOneDomainOpensOneCriticalAlertNamingThatDomain_andResolvesOnce() throws Exception {
        script();
        startService();
        // yesterday: spiky.test bounces 1 % (its baseline), healthy.test 0 %
        send("spiky.test", "y", 1000, 10);
        send("healthy.test", "y", 400, 0);
        assertThat(h.service.alerts().evaluate()).isEmpty();
        clock.advance(Duration.ofDays(1));
        h.service.store().webhooks().outboxAfter("t13", 1); // the cursor starts at the end of the outbox

        // today: 300 of 1,000 on spiky.test, healthy.test still fine
        send("spiky.test", "t", 1000, 300);
        send("healthy.test", "t", 400, 0);
        List<AlertMonitor.Change> changes = h.service.alerts().evaluate();

        assertThat(changes).hasSize(1);
        AlertMonitor.Change c = changes.get(0);
        assertThat(c.scopeKind()).isEqualTo("domain");
        assertThat(c.scope()).isEqualTo("spiky.test");
        assertThat(c.metric()).isEqualTo(Metric.HARD_BOUNCE);
        assertThat(c.verdict().level()).isEqualTo(Level.CRITICAL);
        assertThat(c.applied()).isTrue();
        assertThat(c.verdict().figures().trials()).isEqualTo(1000);
        assertThat(c.verdict().figures().events()).isEqualTo(300);
        // its own 1 % (10 of 1,000) shrunk towards the overall rate (15 of 2,400 with the floor's prior) by 1,000 trials
        double overallBaseline = (10 + 0.005 * 1000) / (1400 + 1000.0);
        assertThat(c.verdict().figures().baseline()).isCloseTo((10 + overallBaseline * 1000) / 2000.0, org.assertj.core.data.Offset.offset(1e-9));

        var alerts = h.get("/v1/alerts?state=open");
        assertThat(alerts.status()).isEqualTo(200);
        assertThat(alerts.json().get("alerts")).hasSize(1);
        JsonNode a = alerts.json().get("alerts").get(0);
        assertThat(a.get("scope_kind").asString()).isEqualTo("domain");
        assertThat(a.get("scope").asString()).isEqualTo("spiky.test");
        assertThat(a.get("metric").asString()).isEqualTo("hard_bounce");
        assertThat(a.get("level").asString()).isEqualTo("critical");
        assertThat(a.get("rule_id").asString()).isEqualTo("hard_bounce.ceiling.critical");
        assertThat(a.get("figures").get("rate").asDouble()).isEqualTo(0.3);
        // the overall and stream scopes were judged without spiky.test's counts
        assertThat(a.get("state").asString()).isEqualTo("open");

        // a second evaluation of the same counts (as a second node would) changes nothing
        AlertMonitor other = new AlertMonitor(h.service.store(), clock, h.service.config().monitor());
        List<AlertMonitor.Change> again = other.evaluate();
        assertThat(again).singleElement().satisfies(x -> assertThat(x.verdict().transition().name()).isEqualTo("STAY"));
        assertThat(h.service.store().alerts(true, 10)).hasSize(1);

        // two hours later without traffic: resolved once (the cool-down is over, the window is empty)
        clock.advance(Duration.ofHours(2));
        List<AlertMonitor.Change> resolved = h.service.alerts().evaluate();
        assertThat(resolved).singleElement().satisfies(x -> {
            assertThat(x.verdict().transition().name()).isEqualTo("RESOLVE");
            assertThat(x.applied()).isTrue();
        });
        assertThat(other.evaluate()).isEmpty();
        Alert closed = h.service.store().alerts(false, 10).get(0);
        assertThat(closed.resolvedAt()).contains(clock.instant());
        assertThat(closed.resolveRule()).contains("hard_bounce.clear");

        // one alert.opened and one alert.resolved in the outbox, public types for the webhooks
        List<WebhookStore.OutboxEvent> events = h.service.store().webhooks().outboxAfter("t13", 10_000).stream()
                .filter(e -> e.type().startsWith("alert.")).toList();
        assertThat(events).extracting(WebhookStore.OutboxEvent::type).containsExactly("alert.opened", "alert.resolved");
        assertThat(events).allSatisfy(e -> assertThat(EventTypes.publicType(e)).contains(e.type()));
        JsonNode opened = tools.jackson.databind.json.JsonMapper.builder().build().readTree(events.get(0).payload());
        assertThat(opened.get("scope").asString()).isEqualTo("spiky.test");
        assertThat(opened.get("recipient_domain").asString()).isEqualTo("spiky.test");
        assertThat(opened.get("figures").get("events").asLong()).isEqualTo(300);
    }

    @Test
    void threeHardBouncesOutOfTenDoNotAlert_andStatsShowTheRates() throws Exception {
        script();
        startService();
        send("spiky.test", "s", 10, 3);
        assertThat(h.service.alerts().evaluate()).isEmpty();
        assertThat(h.service.store().alerts(false, 10)).isEmpty();

        var stats = h.get("/v1/stats?window=1h&by=domain");
        assertThat(stats.status()).isEqualTo(200);
        JsonNode overall = stats.json().get("overall");
        assertThat(overall.get("counts").get("finals").asLong()).isEqualTo(10);
        assertThat(overall.get("counts").get("hard_bounces").asLong()).isEqualTo(3);
        assertThat(overall.get("counts").get("attempts").asLong()).isEqualTo(10);
        assertThat(overall.get("rates").get("hard_bounce").asDouble()).isEqualTo(0.3);
        assertThat(overall.get("rates").get("complaint").asDouble()).isEqualTo(0.0); // 0 complaints of 7 delivered
        assertThat(stats.json().get("scopes").get(0).get("scope").asString()).isEqualTo("spiky.test");
        assertThat(h.get("/v1/stats?window=2h").status()).isEqualTo(400);
    }

    @Test
    void aCriticalDomainAlertPausesTheDomainWhenConfigured_itsMailStaysQueuedUntilResumed() throws Exception {
        script();
        startService(Map.of("REBOUND_MONITOR_PAUSE_ON_CRITICAL", "domain"));
        send("spiky.test", "p", 1000, 300);
        List<AlertMonitor.Change> changes = h.service.alerts().evaluate();
        assertThat(changes).singleElement().satisfies(x -> assertThat(x.scope()).isEqualTo("spiky.test"));

        var pauses = h.get("/v1/pauses");
        assertThat(pauses.json().get("pauses")).hasSize(1);
        JsonNode p = pauses.json().get("pauses").get(0);
        assertThat(p.get("scope_kind").asString()).isEqualTo("domain");
        assertThat(p.get("scope").asString()).isEqualTo("spiky.test");
        assertThat(p.get("alert_id").asString()).isEqualTo(changes.get(0).alertId().orElseThrow());
        assertThat(p.get("reason").asString()).contains("hard_bounce").contains("30.00 %");

        String held = postMessage("{\"from\":\"app@sender.test\",\"to\":[\"later@spiky.test\",\"fine@healthy.test\"],\"text\":\"x\"}");
        h.service.scheduler().runOnce();
        assertThat(recipient(held, "later@spiky.test").get("state").asString()).isEqualTo("QUEUED");
        assertThat(recipient(held, "fine@healthy.test").get("state").asString()).isEqualTo("DELIVERED");

        // the scrape shows exactly what the scenario produced: 700 delivered + 300 hard bounces by attempts, then the
        // healthy.test recipient delivered; the spiky.test recipient waits (paused) in QUEUED
        System.gc(); // a gauge whose object only the registry held (weakly) would read NaN from here on
        String metrics = h.get("/metrics").raw().body();
        assertThat(metrics.lines().filter(l -> !l.startsWith("#") && l.endsWith(" NaN"))).as("gauges that lost their object").isEmpty();
        assertThat(metricValue(metrics, "rebound_outcomes_total{family=\"BOUNCED_HARD\",outcome=\"BOUNCED_HARD\"}")).isEqualTo(300.0);
        assertThat(metricValue(metrics, "rebound_outcomes_total{family=\"DELIVERED\",outcome=\"DELIVERED\"}")).isEqualTo(701.0);
        assertThat(metrics.lines().filter(l -> l.startsWith("rebound_outcomes_total{")).count()).isEqualTo(2);
        assertThat(metricValue(metrics, "rebound_delivery_latency_seconds_count{outcome=\"DELIVERED\"}")).isEqualTo(701.0);
        assertThat(metricValue(metrics, "rebound_delivery_latency_seconds_count{outcome=\"BOUNCED_HARD\"}")).isEqualTo(300.0);
        assertThat(metricValue(metrics, "rebound_domain_final_outcomes{domain=\"spiky.test\",outcome=\"BOUNCED_HARD\"}")).isEqualTo(300.0);
        assertThat(metricValue(metrics, "rebound_domain_final_outcomes{domain=\"spiky.test\",outcome=\"DELIVERED\"}")).isEqualTo(700.0);
        assertThat(metricValue(metrics, "rebound_alerts_open")).isEqualTo(1.0);
        assertThat(metricValue(metrics, "rebound_queue_recipients{state=\"QUEUED\"}")).isEqualTo(1.0);
        assertThat(metricValue(metrics, "rebound_queue_recipients{state=\"DEFERRED\"}")).isEqualTo(0.0);

        var domains = h.get("/v1/domains?state=paused");
        assertThat(domains.json().get("domains")).singleElement().satisfies(d -> {
            assertThat(d.get("domain").asString()).isEqualTo("spiky.test");
            assertThat(d.get("throttle").get("known").asBoolean()).isTrue();
            assertThat(d.get("pause").get("actor").asString()).isEqualTo("monitor");
            assertThat(d.get("last_hour").get("counts").get("hard_bounces").asLong()).isEqualTo(300);
        });

        var resumed = h.delete("/v1/pauses/domain/spiky.test");
        assertThat(resumed.status()).isEqualTo(200);
        assertThat(h.delete("/v1/pauses/domain/spiky.test").status()).isEqualTo(404);
        h.service.scheduler().runOnce();
        assertThat(recipient(held, "later@spiky.test").get("state").asString()).isEqualTo("DELIVERED");
        assertThat(Optional.ofNullable(h.get("/v1/pauses").json().get("pauses")).map(JsonNode::size)).contains(0);
    }

    /** The value of one sample line of a Prometheus scrape (the exact series, labels as Micrometer writes them, sorted). */
    static double metricValue(String scrape, String series) {
        return scrape.lines().filter(l -> l.startsWith(series + " ")).map(l -> Double.parseDouble(l.substring(series.length() + 1).trim()))
                .findFirst().orElseThrow(() -> new AssertionError("no series " + series + " in the scrape:\n"
                        + scrape.lines().filter(l -> l.startsWith(series.split("[{ ]")[0])).toList()));
    }
}
