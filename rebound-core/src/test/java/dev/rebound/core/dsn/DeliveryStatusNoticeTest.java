package dev.rebound.core.dsn;

import static org.assertj.core.api.Assertions.assertThat;

import dev.rebound.core.classify.Outcome;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.Test;

/** The notice writer, read back by Rebound's own parser (the round trip without sockets). */
class DeliveryStatusNoticeTest {
    private static final Instant T = Instant.parse("2026-06-01T09:00:00Z");
    private static final byte[] ORIGINAL = ("From: App <app@sender.test>\r\nTo: bob@example.net\r\nSubject: your order\r\n"
            + "Message-ID: <order-7@sender.test>\r\n\r\nbody\r\n").getBytes(StandardCharsets.US_ASCII);

    static byte[] notice(DeliveryStatusNotice.Recipient... r) {
        return DeliveryStatusNotice.write(new DeliveryStatusNotice.Notice("rebound.example.org", "app@sender.test", "n1@rebound.example.org",
                T, T.minusSeconds(60), List.of(r), ORIGINAL));
    }

    @Test
    void failedRecipients_readBackWithStatusAndReason() {
        byte[] n = notice(new DeliveryStatusNotice.Recipient("bob@example.net", DeliveryStatusNotice.Action.FAILED, "5.1.1", "mx.example.net",
                        "550 5.1.1 <bob@example.net>: Recipient address rejected: User unknown", T, Optional.empty()),
                new DeliveryStatusNotice.Recipient("carol@example.net", DeliveryStatusNotice.Action.FAILED, "5.2.2", "mx.example.net",
                        "552 5.2.2 mailbox full\r\nover quota", T, Optional.empty()));
        String text = new String(n, StandardCharsets.UTF_8);
        assertThat(text).contains("Content-Type: multipart/report; report-type=delivery-status").contains("Auto-Submitted: auto-replied")
                .contains("Diagnostic-Code: smtp; 552 5.2.2 mailbox full over quota").doesNotContain("\r\nover quota");
        assertThat(text.replace("\r\n", "")).doesNotContain("\r").doesNotContain("\n");
        BounceResult r = BounceParser.parse(n);
        assertThat(r).isInstanceOf(BounceResult.Bounces.class);
        List<BounceRecord> recs = ((BounceResult.Bounces) r).records();
        assertThat(recs).extracting(BounceRecord::recipient).containsExactly("bob@example.net", "carol@example.net");
        assertThat(recs.get(0).status()).isEqualTo("5.1.1");
        assertThat(recs.get(0).reason().id()).isEqualTo("userunknown");
        assertThat(recs.get(0).action()).isEqualTo("failed");
        assertThat(recs.get(0).messageId()).contains("order-7@sender.test");
        assertThat(recs.get(1).reason().id()).isEqualTo("mailboxfull");
        // the notice is itself never answered
        assertThat(DeliveryStatusNotice.shouldNotify("app@sender.test", n)).isPresent();
    }

    @Test
    void delayedRecipient_isADeferral() {
        byte[] n = notice(new DeliveryStatusNotice.Recipient("bob@example.net", DeliveryStatusNotice.Action.DELAYED, "4.2.1", "mx.example.net",
                "450 4.2.1 try again later", T, Optional.of(T.plusSeconds(86_400))));
        assertThat(new String(n, StandardCharsets.UTF_8)).contains("Subject: Delayed Mail").contains("Will-Retry-Until: ");
        BounceRecord rec = ((BounceResult.Bounces) BounceParser.parse(n)).records().getFirst();
        assertThat(rec.action()).isEqualTo("delayed");
        assertThat(rec.outcome()).isEqualTo(Outcome.DEFERRED);
    }

    @Test
    void loopRules() {
        assertThat(DeliveryStatusNotice.shouldNotify("", ORIGINAL)).hasValue("null reverse-path");
        assertThat(DeliveryStatusNotice.shouldNotify("app@sender.test", ORIGINAL)).isEmpty();
        byte[] auto = ("Auto-Submitted: auto-replied\r\n" + new String(ORIGINAL, StandardCharsets.US_ASCII)).getBytes(StandardCharsets.US_ASCII);
        assertThat(DeliveryStatusNotice.shouldNotify("app@sender.test", auto)).hasValueSatisfying(s -> assertThat(s).contains("Auto-Submitted"));
        byte[] no = ("Auto-Submitted: no\r\n" + new String(ORIGINAL, StandardCharsets.US_ASCII)).getBytes(StandardCharsets.US_ASCII);
        assertThat(DeliveryStatusNotice.shouldNotify("app@sender.test", no)).isEmpty();
        byte[] report = ("Content-Type: multipart/report;\r\n report-type=delivery-status; boundary=x\r\n"
                + new String(ORIGINAL, StandardCharsets.US_ASCII)).getBytes(StandardCharsets.US_ASCII);
        assertThat(DeliveryStatusNotice.shouldNotify("app@sender.test", report)).isPresent();
    }
}
