package dev.rebound.server.api;

import static org.assertj.core.api.Assertions.assertThat;

import dev.rebound.server.store.WebhookStore;
import dev.rebound.server.testing.MutableClock;
import dev.rebound.server.testing.ScriptedAgent;
import dev.rebound.server.testing.ServiceHarness;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import tools.jackson.databind.JsonNode;

/**
 * {@code GET /v1/webhooks/{id}/deliveries} and {@code /log} through the real service: keyset pages that follow
 * {@code next_cursor} to its null, in both orders and with a state filter, and the 400 answers for a bad order,
 * cursor or limit. The deliveries are made through the store's own stream calls (the dispatcher's loop is off), so
 * the endpoint has both kinds: events the stream delivered at once (no row) and delivery rows.
 */
class WebhookPagingApiTest {
    @TempDir Path dir;
    final MutableClock clock = new MutableClock(Instant.parse("2026-05-01T12:00:00Z"));
    ServiceHarness h;
    String endpoint;
    final List<String> delivered = new ArrayList<>();
    final List<String> pending = new ArrayList<>();
    final List<String> attempts = new ArrayList<>();

    @BeforeEach
    void start() throws Exception {
        h = new ServiceHarness(dir, clock, new ScriptedAgent(clock), false, Map.of());
        var created = h.post("/v1/webhooks", "{\"url\":\"http://127.0.0.1:9/hook\",\"final_only\":false}");
        assertThat(created.status()).as(created.raw().body()).isEqualTo(201);
        endpoint = created.json().get("id").asString();
        WebhookStore w = h.service.store().webhooks();
        WebhookStore.Stream stream = w.acquireStream("paging-test", Duration.ofHours(1)).orElseThrow();
        for (int i = 0; i < 5; i++) {
            var r = h.post("/v1/messages", "{\"from\":\"app@sender.test\",\"to\":[\"r" + i + "@ex.test\"],\"subject\":\"s\",\"text\":\"x\"}");
            assertThat(r.status()).as(r.raw().body()).isEqualTo(202);
        }
        WebhookStore.StreamBatch batch = w.streamBatch(stream.cursor(), stream.hwm(), 100, (e, ev) -> ev.type().equals("message.accepted"));
        assertThat(batch.offers()).hasSize(5);
        List<WebhookStore.Result> results = new ArrayList<>();
        List<WebhookStore.Handoff> handoffs = new ArrayList<>();
        for (WebhookStore.Offer o : batch.offers()) {
            if (results.size() < 3) { // delivered by the stream at once: only a log row
                WebhookStore.Attempt a = new WebhookStore.Attempt(WebhookStore.newId(), endpoint, o.event().id(), 1, clock.instant(), 200, 3, "", "ok");
                results.add(new WebhookStore.Result(new WebhookStore.Claimed(o.endpoint(), o.event(), 0, stream.lease(), true), a,
                        WebhookStore.DeliveryState.DELIVERED, Optional.empty(), Optional.empty()));
                delivered.add(o.event().id());
                attempts.add(a.id());
            } else { // handed off: a PENDING row
                handoffs.add(new WebhookStore.Handoff(endpoint, o.event()));
                pending.add(o.event().id());
            }
        }
        assertThat(w.record(results, handoffs, Optional.of(new WebhookStore.StreamMove(stream.lease(), batch.last(), batch.last())))
                .streamLost()).isFalse();
    }

    @AfterEach
    void stop() {
        if (h != null) h.close();
    }

    private JsonNode ok(String path) throws Exception {
        var r = h.get(path);
        assertThat(r.status()).as(path + " " + r.raw().body()).isEqualTo(200);
        return r.json();
    }

    /** Follows next_cursor from {@code first} to the end; returns the event ids in the order listed. */
    private List<String> pages(String first, String list, String key) throws Exception {
        List<String> out = new ArrayList<>();
        JsonNode page = ok(first);
        for (int n = 0; ; n++) {
            assertThat(n).as("the pages end").isLessThan(10);
            for (JsonNode d : page.get(list)) out.add(d.get(key).asString());
            if (page.get("next_cursor").isNull()) return out;
            String cursor = page.get("next_cursor").asString();
            page = ok(first + "&cursor=" + URLEncoder.encode(cursor, StandardCharsets.UTF_8));
        }
    }

    @Test
    void deliveries_newestFirstByDefault_pagedByCursor_toANullNextCursor_bothOrders_withAState() throws Exception {
        String base = "/v1/webhooks/" + endpoint + "/deliveries";
        JsonNode first = ok(base + "?limit=2");
        assertThat(first.get("order").asString()).isEqualTo("desc");
        assertThat(first.get("limit").asInt()).isEqualTo(2);
        assertThat(first.get("deliveries")).hasSize(2);
        assertThat(first.get("next_cursor").isString()).isTrue();

        List<String> all = new ArrayList<>(delivered);
        all.addAll(pending);
        List<String> desc = pages(base + "?limit=2", "deliveries", "event_id");
        assertThat(desc).containsExactlyInAnyOrderElementsOf(all).isSortedAccordingTo(Comparator.reverseOrder());
        List<String> asc = pages(base + "?order=asc&limit=2", "deliveries", "event_id");
        assertThat(asc).isEqualTo(desc.reversed());
        assertThat(pages(base + "?limit=5", "deliveries", "event_id")).as("one full page, then null").hasSize(5);
        assertThat(ok(base + "?limit=5").get("next_cursor").isNull()).isTrue();
        assertThat(pages(base + "?state=pending&order=asc&limit=1", "deliveries", "event_id")).containsExactlyInAnyOrderElementsOf(pending);
        assertThat(pages(base + "?state=delivered&limit=2", "deliveries", "event_id")).containsExactlyInAnyOrderElementsOf(delivered);
        assertThat(ok(base + "?state=failed").get("deliveries")).isEmpty();
        assertThat(ok(base + "?state=failed").get("next_cursor").isNull()).isTrue();
        for (JsonNode d : ok(base + "?state=delivered").get("deliveries")) {
            assertThat(d.get("state").asString()).isEqualTo("delivered");
            assertThat(d.get("attempts").asInt()).isEqualTo(1);
            assertThat(d.get("last_status").asInt()).isEqualTo(200);
            assertThat(d.get("webhook_id").asString()).isEqualTo("evt_" + d.get("event_id").asString());
        }

        // a cursor keeps its order: without order= it goes on the same way, with the other order it is refused
        String cursor = first.get("next_cursor").asString();
        assertThat(ok(base + "?limit=2&cursor=" + cursor).get("deliveries")).extracting(d -> d.get("event_id").asString())
                .containsExactlyElementsOf(desc.subList(2, 4));
        assertThat(ok(base + "?order=desc&limit=2&cursor=" + cursor).get("order").asString()).isEqualTo("desc");
        refused(base + "?order=asc&cursor=" + cursor, "order", "asc", "order=desc");
    }

    @Test
    void log_newestFirst_pagedByCursor_toANullNextCursor() throws Exception {
        String base = "/v1/webhooks/" + endpoint + "/log";
        assertThat(pages(base + "?limit=2", "attempts", "event_id")).containsExactlyInAnyOrderElementsOf(delivered);
        JsonNode page = ok(base + "?limit=3");
        assertThat(page.get("attempts")).hasSize(3);
        assertThat(page.get("next_cursor").isNull()).as("exactly one full page").isTrue();
        assertThat(ok(base + "?limit=1&event_id=evt_" + delivered.getFirst()).get("attempts")).singleElement()
                .satisfies(a -> assertThat(a.get("event_id").asString()).isEqualTo(delivered.getFirst()));
    }

    @Test
    void badOrderCursorOrLimit_400_quotingTheValue() throws Exception {
        String deliveries = "/v1/webhooks/" + endpoint + "/deliveries";
        String log = "/v1/webhooks/" + endpoint + "/log";
        refused(deliveries + "?order=newest", "order", "newest", "expected asc");
        refused(deliveries + "?order=DESC", "order", "DESC", "expected asc");
        refused(deliveries + "?cursor=not-a-cursor", "cursor", "not-a-cursor", "next_cursor");
        refused(deliveries + "?cursor=%21%21", "cursor", "!!", "next_cursor");
        refused(deliveries + "?limit=-1", "limit", "-1", "from 1 to 1000");
        refused(deliveries + "?limit=1001", "limit", "1001", "from 1 to 1000");
        refused(deliveries + "?limit=ten", "limit", "ten", "from 1 to 1000");
        refused(log + "?limit=0", "limit", "0", "from 1 to 1000");
        refused(log + "?limit=100000", "limit", "100000", "from 1 to 1000");
        refused(log + "?cursor=xyz", "cursor", "xyz", "next_cursor");
        // one view's cursor is not the other's
        String logCursor = ok(log + "?limit=1").get("next_cursor").asString();
        String deliveriesCursor = ok(deliveries + "?limit=1").get("next_cursor").asString();
        refused(deliveries + "?cursor=" + logCursor, "cursor", logCursor, "next_cursor");
        refused(log + "?cursor=" + deliveriesCursor, "cursor", deliveriesCursor, "next_cursor");
        assertThat(h.get("/v1/webhooks/wh_none/deliveries?order=sideways").status()).as("an unknown endpoint first").isEqualTo(404);
    }

    private void refused(String path, String field, String value, String hint) throws Exception {
        var r = h.get(path);
        assertThat(r.status()).as(path + " " + r.raw().body()).isEqualTo(400);
        assertThat(r.json().get("error").asString()).isEqualTo("invalid_request");
        assertThat(r.json().get("field").asString()).isEqualTo(field);
        assertThat(r.json().get("value").asString()).isEqualTo(value);
        assertThat(r.json().get("message").asString()).contains(hint);
    }
}
