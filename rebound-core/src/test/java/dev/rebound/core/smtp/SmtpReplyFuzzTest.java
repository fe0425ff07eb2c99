package dev.rebound.core.smtp;

import static org.assertj.core.api.Assertions.assertThat;

import com.code_intelligence.jazzer.junit.FuzzTest;
import dev.rebound.core.classify.Classification;
import dev.rebound.core.classify.Outcome;
import dev.rebound.core.classify.ReplyClassifier;
import dev.rebound.core.classify.SmtpPhase;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Optional;
import java.util.SplittableRandom;

/**
 * Jazzer fuzz tests of the SMTP reply readers, the first parsers to see what a remote server sends (RFC 5321 §4.2).
 * In {@code mvn verify} they replay the seeds under {@code src/test/resources/dev/rebound/core/smtp/SmtpReplyFuzzTestInputs/}
 * (real replies of Gmail, Microsoft 365, Yahoo, Postfix, Exim, ... from the classifier's table, and EHLO replies);
 * with {@code JAZZER_FUZZ=1} one method fuzzes for {@code maxDuration}.
 */
class SmtpReplyFuzzTest {
    private static final ReplyClassifier CLASSIFIER = ReplyClassifier.standard();
    /** An error names the problem and quotes at most 200 characters of input, each escaped to at most 4. */
    private static final int MAX_ERROR_MESSAGE = 1200;

    /**
     * {@link SmtpReplyParser#parse} either refuses with {@link SmtpReplyException} or returns a reply within the caps
     * that renders ({@link SmtpReply#wire()}) to text that parses again to the same reply; the streaming
     * {@link ReplyAccumulator} agrees with it; the classifier takes every parsed reply without throwing and gives an
     * outcome of the reply code's class.
     */
    @FuzzTest(maxDuration = "5m")
    void parse(byte[] input) {
        String text = new String(input, StandardCharsets.UTF_8);
        SmtpReply reply;
        try {
            reply = SmtpReplyParser.parse(text);
        } catch (SmtpReplyException e) {
            assertThat(e.getMessage()).contains(": \"").hasSizeLessThan(MAX_ERROR_MESSAGE);
            assertThat(SmtpReplyParser.tryParse(text)).isEmpty();
            assertThat(acceptsAsExactlyOne(text)).isEmpty();
            return;
        }
        assertWithinCaps(reply);
        assertThat(reply.code() / 100).isEqualTo(text.charAt(0) - '0');
        assertThat(reply.enhanced()).isEqualTo(SmtpReplyParser.leadingEnhanced(reply.lines().get(0)));
        assertThat(SmtpReplyParser.parse(reply.wire())).isEqualTo(reply);
        assertThat(SmtpReplyParser.parse(reply.wire() + "\r\n")).isEqualTo(reply);
        assertThat(SmtpReplyParser.tryParse(text)).contains(reply);
        assertThat(acceptsAsExactlyOne(text)).contains(reply);

        for (SmtpPhase phase : new SmtpPhase[] {SmtpPhase.RCPT, SmtpPhase.CONNECT, SmtpPhase.END_OF_DATA}) {
            Classification c = CLASSIFIER.classify(reply, phase, "example.com");
            assertThat(c.ruleId()).isNotBlank();
            if (reply.code() < 400) assertThat(c.outcome()).isEqualTo(Outcome.DELIVERED);
            else if (reply.code() < 500) assertThat(c.outcome()).isEqualTo(Outcome.DEFERRED);
            else assertThat(c.outcome()).isNotIn(Outcome.DELIVERED, Outcome.DEFERRED);
        }
    }

    /**
     * {@link ReplyAccumulator#feed} gives the same replies whatever the chunking of the stream: fed in chunks of
     * random sizes it yields the replies fed byte by byte, stopping where byte-by-byte feeding meets the first
     * malformed line (an exception, never another type); every reply it yields is within the caps and parses back
     * through {@link SmtpReplyParser} from its wire form.
     */
    @FuzzTest(maxDuration = "5m")
    void feed(byte[] stream) {
        List<SmtpReply> bytewise = new ArrayList<>();
        ReplyAccumulator one = new ReplyAccumulator();
        boolean failed = false;
        int failedAt = -1;
        for (int i = 0; i < stream.length && !failed; i++) {
            try {
                bytewise.addAll(one.feed(stream, i, 1));
            } catch (SmtpReplyException e) {
                assertThat(e.getMessage()).hasSizeLessThan(MAX_ERROR_MESSAGE);
                failed = true;
                failedAt = i;
            }
        }
        for (SmtpReply r : bytewise) {
            assertWithinCaps(r);
            assertThat(SmtpReplyParser.parse(r.wire())).isEqualTo(r);
        }

        SplittableRandom random = new SplittableRandom(Arrays.hashCode(stream));
        List<SmtpReply> chunked = new ArrayList<>();
        ReplyAccumulator acc = new ReplyAccumulator();
        int off = 0;
        boolean chunkedFailed = false;
        while (off < stream.length) {
            int len = Math.min(stream.length - off, 1 + random.nextInt(64));
            try {
                chunked.addAll(acc.feed(stream, off, len));
            } catch (SmtpReplyException e) {
                chunkedFailed = true;
                assertThat(failed).as("chunked feeding failed where byte-by-byte did not: %s", e.getMessage()).isTrue();
                assertThat(failedAt).isBetween(off, off + len - 1);
                break;
            }
            off += len;
        }
        assertThat(chunkedFailed).isEqualTo(failed);
        if (failed) {
            // The chunk holding the bad byte is lost with its exception: what came before it is the same.
            assertThat(chunked.size()).isLessThanOrEqualTo(bytewise.size());
            assertThat(bytewise.subList(0, chunked.size())).isEqualTo(chunked);
        } else {
            assertThat(chunked).isEqualTo(bytewise);
            assertThat(acc.inProgress()).isEqualTo(one.inProgress());
        }
    }

    /**
     * Enhanced status codes found in free text (RFC 3463) are in range and their {@code toString()} parses back to
     * the same code; neither finder throws.
     */
    @FuzzTest(maxDuration = "3m")
    void enhancedStatus(byte[] input) {
        String text = new String(input, StandardCharsets.ISO_8859_1);
        Optional<EnhancedStatus> found = EnhancedStatus.find(text);
        found.ifPresent(s -> {
            assertThat(EnhancedStatus.parse(s.toString())).isEqualTo(s);
            assertThat(text).contains(s.toString());
        });
        EnhancedStatus.tryParse(text).ifPresent(s -> assertThat(EnhancedStatus.parse(s.toString())).isEqualTo(s));
        SmtpReplyParser.leadingEnhanced(text).ifPresent(s -> {
            assertThat(text).startsWith(s.toString());
            assertThat(EnhancedStatus.parse(s.toString())).isEqualTo(s);
        });
    }

    private static void assertWithinCaps(SmtpReply reply) {
        assertThat(reply.code()).isBetween(200, 599);
        assertThat(reply.lines()).isNotEmpty().hasSizeLessThanOrEqualTo(SmtpReplyParser.MAX_LINES);
        for (String line : reply.lines()) {
            assertThat(SmtpReplyParser.utf8Length(line) + 4 + 2).isLessThanOrEqualTo(SmtpReplyParser.MAX_LINE_OCTETS);
            assertThat(line.chars().noneMatch(c -> c < 0x20 && c != '\t' || c == 0x7f))
                    .as("control character in %s", line).isTrue();
        }
    }

    /** The reply the accumulator reads from the text's UTF-8 bytes when they hold exactly one complete reply. */
    private static Optional<SmtpReply> acceptsAsExactlyOne(String text) {
        String terminated = text.endsWith("\n") ? text : text + "\n";
        ReplyAccumulator acc = new ReplyAccumulator();
        try {
            List<SmtpReply> replies = acc.feed(terminated.getBytes(StandardCharsets.UTF_8));
            return replies.size() == 1 && !acc.inProgress() ? Optional.of(replies.get(0)) : Optional.empty();
        } catch (SmtpReplyException e) {
            return Optional.empty();
        }
    }
}
