package dev.rebound.core.dsn;

import static org.assertj.core.api.Assertions.assertThat;

import com.code_intelligence.jazzer.junit.FuzzTest;
import dev.rebound.core.classify.Outcome;
import dev.rebound.core.classify.Reason;
import java.io.IOException;
import java.io.InputStream;
import java.util.EnumSet;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.Test;

/**
 * {@link BounceParser#parse(byte[])} never throws, whatever the bytes, and what it returns keeps its documented
 * shape. In {@code mvn verify} this replays the seed corpus under
 * {@code src/test/resources/dev/rebound/core/dsn/BounceParserFuzzTestInputs/parseNeverThrows}: dev emails with LF,
 * CRLF and CR line endings, and emails that exercise the MIME walk (nested multipart, {@code text/rfc822-headers},
 * an ISO-2022-JP body, a base64-encoded {@code message/delivery-status}, RFC 6533 {@code global-delivery-status},
 * an RFC 4155 mbox of two bounces). With {@code JAZZER_FUZZ=1} it fuzzes for up to 5 minutes.
 */
class BounceParserFuzzTest {
    private static final Set<Reason> HARD = EnumSet.of(Reason.USERUNKNOWN, Reason.HOSTUNKNOWN, Reason.HASMOVED);

    @FuzzTest(maxDuration = "5m")
    void parseNeverThrows(byte[] email) {
        BounceResult r = BounceParser.parse(email);
        assertThat(r).isNotNull();
        switch (r) {
            case BounceResult.Unparseable u -> assertThat(u.error()).isNotBlank();
            case BounceResult.NotABounce n -> assertThat(n.why()).isNotBlank();
            case BounceResult.AutoReply a -> assertThat(a.ruleId()).isNotBlank();
            case BounceResult.Complaint c -> c.records().forEach(b -> assertThat(b.outcome()).isEqualTo(Outcome.COMPLAINT));
            case BounceResult.Bounces b -> assertThat(b.records()).isNotEmpty();
        }
        for (BounceRecord b : r.records()) {
            assertThat(List.of(b.recipient(), b.action(), b.diagnosticText(), b.replyCode(), b.decodedBy(), b.feedbackType()))
                    .doesNotContainNull();
            assertThat(b.classification()).isNotNull();
            assertThat(b.ruleId()).isNotBlank();
            assertThat(b.status()).matches("|[245]\\.\\d{1,3}\\.\\d{1,3}");
            assertThat(b.replyCode()).matches("|[2-5]\\d\\d");
            if (b.hardBounce()) assertThat(b.reason()).isIn(Reason.USERUNKNOWN, Reason.HOSTUNKNOWN, Reason.HASMOVED, Reason.NOTACCEPT);
            if (HARD.contains(b.reason())) assertThat(b.hardBounce()).as("%s", b).isTrue();
        }
    }

    /** The MIME seeds reach the DSN fields through the walk: each is read as a bounce with its recipients. */
    @Test
    void mimeSeedsAreReadThroughTheWalk() throws IOException {
        BounceResult plain = BounceParser.parse(seed("lhost-postfix-02-lf"));
        assertThat(plain.records()).extracting(BounceRecord::recipient)
                .containsExactly("filtered@example.co.jp", "userunknown@example.co.jp");
        for (String encoded : List.of("mime-base64-delivery-status-lf", "mime-global-delivery-status-lf")) {
            assertThat(BounceParser.parse(seed(encoded)).records()).as(encoded)
                    .extracting(BounceRecord::recipient, BounceRecord::status)
                    .containsExactly(plain.records().stream().map(x -> org.assertj.core.groups.Tuple.tuple(x.recipient(), x.status()))
                            .toArray(org.assertj.core.groups.Tuple[]::new));
        }
        BounceResult mbox = BounceParser.parse(seed("mime-mbox-two-bounces-lf"));
        assertThat(mbox.records().size()).isEqualTo(plain.records().size() + BounceParser.parse(seed("lhost-exim-01-lf")).records().size());
        for (String s : List.of("mime-nested-multipart-domino-03-lf", "mime-rfc822-headers-amavis-01-lf", "mime-iso-2022-jp-biglobe-01-lf")) {
            assertThat(BounceParser.parse(seed(s))).as(s).isInstanceOf(BounceResult.Bounces.class);
        }
    }

    private static byte[] seed(String name) throws IOException {
        try (InputStream in = BounceParserFuzzTest.class.getResourceAsStream("BounceParserFuzzTestInputs/parseNeverThrows/" + name)) {
            assertThat(in).as(name).isNotNull();
            return in.readAllBytes();
        }
    }
}
