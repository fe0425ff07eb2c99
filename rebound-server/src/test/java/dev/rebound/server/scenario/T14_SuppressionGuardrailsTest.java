package dev.rebound.server.scenario;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import tools.jackson.databind.JsonNode;

/**
 * The suppression guardrails end to end (real service, SQLite store, SMTP to a fake MX through fake DNS): one soft
 * bounce leaves no entry; repeated soft failures make a review, not a suppression; once most of a domain's recipients
 * fail within minutes, further recipient-gone failures there become reviews, not suppressions (the circuit breaker),
 * while a healthy domain's same failure suppresses. A review never blocks the next message.
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

    @Test
    void sixtyPercentOfADomainFailingWithinMinutes_furtherFailuresAreReviewsNotSuppressions() throws Exception {
        domainWithMx("flaky.test");
        domainWithMx("healthy.test");
        List<String> gone = new ArrayList<>();
        for (int i = 0; i < 12; i++) {
            mx.script().reply("RCPT TO:<gone" + i + "@flaky.test>", "550 5.1.1 <gone" + i + "@flaky.test>: Recipient address rejected: User unknown");
            gone.add("gone" + i + "@flaky.test");
        }
        for (int i = 0; i < 5; i++)
            mx.script().reply("RCPT TO:<later" + i + "@flaky.test>", "550 5.1.1 <later" + i + "@flaky.test>: Recipient address rejected: User unknown");
        mx.script().reply("RCPT TO:<gone@healthy.test>", "550 5.1.1 <gone@healthy.test>: Recipient address rejected: User unknown");
        startService();

        // 20 recipients of flaky.test within two minutes, 12 of them (60 %) refused as unknown
        for (int i = 0; i < 20; i++) {
            send(i < 12 ? gone.get(i) : "ok" + i + "@flaky.test");
            if (i == 10) clock.advance(Duration.ofMinutes(1));
        }
        h.service.scheduler().runOnce();
        clock.advance(Duration.ofMinutes(2));

        // from now on the domain is failing: a recipient-gone failure there is a review, not a suppression
        List<String> later = new ArrayList<>();
        for (int i = 0; i < 5; i++) later.add(send("later" + i + "@flaky.test"));
        h.service.scheduler().runOnce();
        for (int i = 0; i < 5; i++) {
            assertThat(recipient(later.get(i), "later" + i + "@flaky.test").get("state").asString()).isEqualTo("BOUNCED_HARD");
            JsonNode e = entry("later" + i + "@flaky.test");
            assertThat(e.get("state").asString()).isEqualTo("REVIEW");
            assertThat(e.get("rule").asString()).isEqualTo("suppress.breaker.hard");
        }
        assertThat(h.get("/v1/suppressions/review?domain=flaky.test").json().get("count").asInt()).isEqualTo(5);
        // they are not blocked
        assertThat(h.post("/v1/messages", "{\"from\":\"app@sender.test\",\"to\":[\"later0@flaky.test\"],\"text\":\"y\"}").json()
                .get("recipients").get(0).get("state").asString()).isEqualTo("QUEUED");

        // the same failure at a healthy domain suppresses
        send("gone@healthy.test");
        h.service.scheduler().runOnce();
        assertThat(entry("gone@healthy.test").get("state").asString()).isEqualTo("SUPPRESSED");
        assertThat(entry("gone@healthy.test").get("rule").asString()).isEqualTo("suppress.hard.userunknown");
    }
}
