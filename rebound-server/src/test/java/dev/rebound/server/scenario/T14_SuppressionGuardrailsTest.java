package dev.rebound.server.scenario;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import tools.jackson.databind.JsonNode;

/**
 * The suppression guardrails end to end (real service, SQLite store, SMTP to a fake MX through fake DNS): one soft
 * bounce leaves no entry; repeated soft failures make a review, not a suppression; when most of a domain's recipients
 * fail within minutes, every recipient-gone failure there is a review, not a suppression (the first ones provisional
 * reviews the breaker then keeps, later ones the breaker's at once), while a busy healthy domain's same failure suppresses
 * at once and a small domain's suppresses when its provisional hold ends. A review never blocks the next message.
 */
class T14_SuppressionGuardrailsTest extends ScenarioBase {
    private JsonNode entry(String address) throws Exception {
        var r = h.get("/v1/suppressions/transactional/" + address);
        return r.status() == 404 ? null : r.json();
    }

    private String send(String to) throws Exception {
        return postMessage("{\"from\":\"app@sender.test\",\"to\":[\"" + to + "\"],\"text\":\"x\"}");
    }

    @Test
    void oneSoftBounce_noEntry_repeatedSoftEvidence_aReviewThatDoesNotBlock() throws Exception {
        domainWithMx("soft.test");
        mx.script().reply("RCPT TO:<full@soft.test>", "452 4.2.2 <full@soft.test>: mailbox full, try again later");
        startService(Map.of("REBOUND_RETRY_MAX_ATTEMPTS", "1")); // every 4xx is final at once: one soft bounce per message

        String first = send("full@soft.test");
        h.service.scheduler().runOnce();
        assertThat(recipient(first, "full@soft.test").get("state").asString()).isEqualTo("BOUNCED_SOFT");
        assertThat(entry("full@soft.test")).as("one soft bounce never makes an entry").isNull();

        clock.advance(Duration.ofHours(37));
        send("full@soft.test");
        h.service.scheduler().runOnce();
        assertThat(entry("full@soft.test")).as("two soft bounces are below the threshold").isNull();

        clock.advance(Duration.ofHours(37)); // three soft failures over 74 h: repeated soft evidence
        send("full@soft.test");
        h.service.scheduler().runOnce();
        JsonNode review = entry("full@soft.test");
        assertThat(review).isNotNull();
        assertThat(review.get("state").asString()).isEqualTo("REVIEW");
        assertThat(review.get("rule").asString()).isEqualTo("suppress.review.soft-repeated");
        assertThat(review.get("evidence").get(0).get("attempt").get("smtp_code").asInt()).isEqualTo(452);
        assertThat(h.get("/v1/suppressions?state=SUPPRESSED").json().get("count").asInt()).isZero();

        // a review does not block: the next message is sent
        mx.script().reset();
        String next = send("full@soft.test");
        assertThat(recipient(next, "full@soft.test").get("state").asString()).isEqualTo("QUEUED");
        h.service.scheduler().runOnce();
        assertThat(recipient(next, "full@soft.test").get("state").asString()).isEqualTo("DELIVERED");
    }

    private JsonNode suppressions(String query) throws Exception {
        return h.get("/v1/suppressions?" + query + "&limit=1000").json();
    }

    @Test
    void sixtyPercentOfADomainFailingWithinMinutes_everyRecipientThereIsAReviewNotASuppression() throws Exception {
        domainWithMx("flaky.test");
        domainWithMx("healthy.test");
        List<String> gone = new ArrayList<>();
        for (int i = 0; i < 17; i++) {
            mx.script().reply("RCPT TO:<gone" + i + "@flaky.test>", "550 5.1.1 <gone" + i + "@flaky.test>: Recipient address rejected: User unknown");
            gone.add("gone" + i + "@flaky.test");
        }
        mx.script().reply("RCPT TO:<gone@healthy.test>", "550 5.1.1 <gone@healthy.test>: Recipient address rejected: User unknown");
        startService();

        // 20 recipients of flaky.test within two minutes, 12 of them (60 %) refused as unknown: each failure is decided
        // before the domain's counts reach the breaker's minimum of 20, so each is a provisional review, not a suppression
        for (int i = 0; i < 20; i++) {
            send(i < 12 ? gone.get(i) : "ok" + i + "@flaky.test");
            if (i == 10) clock.advance(Duration.ofMinutes(1));
        }
        h.service.scheduler().runOnce();
        for (int i = 0; i < 12; i++) {
            JsonNode e = entry(gone.get(i));
            assertThat(e).as(gone.get(i)).isNotNull();
            assertThat(e.get("state").asString()).as(gone.get(i)).isEqualTo("REVIEW");
            assertThat(e.get("rule").asString()).as(gone.get(i)).isEqualTo("suppress.provisional.hard");
        }
        clock.advance(Duration.ofMinutes(2));

        // from now on the breaker judges the domain failing: a recipient-gone failure there is the breaker's review at once
        List<String> later = new ArrayList<>();
        for (int i = 12; i < 17; i++) later.add(send(gone.get(i)));
        h.service.scheduler().runOnce();
        for (int i = 12; i < 17; i++) {
            assertThat(recipient(later.get(i - 12), gone.get(i)).get("state").asString()).isEqualTo("BOUNCED_HARD");
            JsonNode e = entry(gone.get(i));
            assertThat(e.get("state").asString()).isEqualTo("REVIEW");
            assertThat(e.get("rule").asString()).isEqualTo("suppress.breaker.hard");
        }
        // reviews do not block
        assertThat(h.post("/v1/messages", "{\"from\":\"app@sender.test\",\"to\":[\"gone0@flaky.test\"],\"text\":\"y\"}").json()
                .get("recipients").get(0).get("state").asString()).isEqualTo("QUEUED");

        // the provisional reviews' hold ends: decided again with the domain's counts by then, they stay reviews (the
        // breaker's), so every failing recipient of the domain is a review and none is suppressed
        assertThat(h.service.provisional().runOnce().total()).as("nothing is due before the hold ends").isZero();
        clock.advance(Duration.ofMinutes(15));
        var swept = h.service.provisional().runOnce();
        assertThat(swept.reviewed()).isEqualTo(12);
        assertThat(swept.suppressed()).isZero();
        for (String address : gone) {
            JsonNode e = entry(address);
            assertThat(e.get("state").asString()).as(address).isEqualTo("REVIEW");
            assertThat(e.get("rule").asString()).as(address).isEqualTo("suppress.breaker.hard");
        }
        assertThat(suppressions("domain=flaky.test&state=REVIEW").get("count").asInt()).isEqualTo(17);
        assertThat(suppressions("domain=flaky.test&state=SUPPRESSED").get("count").asInt()).isZero();
        assertThat(h.service.provisional().runOnce().total()).as("a second sweep finds nothing left").isZero();

        // a busy, healthy domain (20 deliveries in the last hour): the same failure there suppresses at once
        for (int i = 0; i < 20; i++) send("ok" + i + "@healthy.test");
        h.service.scheduler().runOnce();
        send("gone@healthy.test");
        h.service.scheduler().runOnce();
        assertThat(entry("gone@healthy.test").get("state").asString()).isEqualTo("SUPPRESSED");
        assertThat(entry("gone@healthy.test").get("rule").asString()).isEqualTo("suppress.hard.userunknown");
    }

    @Test
    void aSmallDomainsHardBounce_isAProvisionalReview_suppressedWhenTheHoldEndsWithTheDomainHealthy() throws Exception {
        domainWithMx("small.test");
        mx.script().reply("RCPT TO:<gone@small.test>", "550 5.1.1 <gone@small.test>: Recipient address rejected: User unknown");
        startService();
        Instant bounced = clock.instant();
        send("gone@small.test");
        send("ok@small.test");
        h.service.scheduler().runOnce();
        JsonNode e = entry("gone@small.test");
        assertThat(e.get("state").asString()).isEqualTo("REVIEW");
        assertThat(e.get("rule").asString()).isEqualTo("suppress.provisional.hard");

        clock.advance(Duration.ofMinutes(14));
        assertThat(h.service.provisional().runOnce().total()).isZero();
        assertThat(entry("gone@small.test").get("state").asString()).isEqualTo("REVIEW");

        // a sweep long after the hold decides as at its end: suppressed, expiring 365 days after the bounce
        clock.advance(Duration.ofHours(3));
        assertThat(h.service.provisional().runOnce().suppressed()).isEqualTo(1);
        e = entry("gone@small.test");
        assertThat(e.get("state").asString()).isEqualTo("SUPPRESSED");
        assertThat(e.get("rule").asString()).isEqualTo("suppress.hard.userunknown");
        assertThat(Instant.parse(e.get("expires_at").asString())).isEqualTo(bounced.plus(Duration.ofDays(365)));
        assertThat(e.get("audit")).hasSize(2);
        assertThat(e.get("audit").get(1).get("rule").asString()).isEqualTo("suppress.hard.userunknown");
        // now it blocks
        assertThat(h.post("/v1/messages", "{\"from\":\"app@sender.test\",\"to\":[\"gone@small.test\"],\"text\":\"y\"}").json()
                .get("recipients").get(0).get("state").asString()).isEqualTo("SUPPRESSED");
    }
}
