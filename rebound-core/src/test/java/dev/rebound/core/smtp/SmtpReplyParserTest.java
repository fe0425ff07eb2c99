package dev.rebound.core.smtp;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class SmtpReplyParserTest {

    @Test
    void parse_singleLine() {
        SmtpReply r = SmtpReplyParser.parse("550 5.1.1 <x@example.com>: Recipient address rejected: User unknown\r\n");
        assertThat(r.code()).isEqualTo(550);
        assertThat(r.lines()).containsExactly("5.1.1 <x@example.com>: Recipient address rejected: User unknown");
        assertThat(r.enhanced()).contains(new EnhancedStatus(5, 1, 1));
        assertThat(r.enhancedConflict()).isFalse();
    }

    @Test
    void parse_multiLineGmailStyle() {
        // Gmail's user-unknown reply: every line repeats code and enhanced code.
        String wire = "550-5.1.1 The email account that you tried to reach does not exist. Please try\r\n"
                + "550-5.1.1 double-checking the recipient's email address for typos or\r\n"
                + "550-5.1.1 unnecessary spaces. For more information, go to\r\n"
                + "550 5.1.1  https://support.google.com/mail/?p=NoSuchUser a1si123 - gsmtp\r\n";
        SmtpReply r = SmtpReplyParser.parse(wire);
        assertThat(r.code()).isEqualTo(550);
        assertThat(r.lines()).hasSize(4);
        assertThat(r.enhanced()).contains(new EnhancedStatus(5, 1, 1));
        assertThat(r.wire()).isEqualTo(wire.substring(0, wire.length() - 2));
    }

    @Test
    void parse_ehloReplyWithoutEnhanced_andBareLfAndNoFinalTerminator() {
        SmtpReply r = SmtpReplyParser.parse("250-mx.example.org\n250-PIPELINING\n250-SIZE 35882577\n250 ENHANCEDSTATUSCODES");
        assertThat(r.code()).isEqualTo(250);
        assertThat(r.lines()).containsExactly("mx.example.org", "PIPELINING", "SIZE 35882577", "ENHANCEDSTATUSCODES");
        assertThat(r.enhanced()).isEmpty();
    }

    @Test
    void parse_codeAloneIsALastLineWithEmptyText() {
        SmtpReply r = SmtpReplyParser.parse("250-first\r\n250\r\n");
        assertThat(r.lines()).containsExactly("first", "");
    }

    @Test
    void parse_keepsConflictingEnhancedCode() {
        SmtpReply r = SmtpReplyParser.parse("450 5.1.1 mailbox unavailable");
        assertThat(r.enhanced()).contains(new EnhancedStatus(5, 1, 1));
        assertThat(r.enhancedConflict()).isTrue();
        assertThat(SmtpReplyParser.parse("552 4.2.2 over quota").enhancedConflict()).isTrue();
        assertThat(SmtpReplyParser.parse("354 2.0.0 go ahead").enhancedConflict()).isFalse();
    }

    @ParameterizedTest(name = "{0} -> {1}")
    @CsvSource(delimiter = '|', value = {
        "550 5.1.10 RESOLVER.ADR.RecipientNotFound | 5.1.10",
        "556 5.1.10 Recipient address has null MX   | 5.1.10",
        "421 4.4.2 connection timed out             | 4.4.2",
        "550 5.7.999 a large detail                 | 5.7.999",
        "250 2.0.0 Ok: queued as 4Bc                | 2.0.0",
        "550 5.7.1: relay denied                    | 5.7.1",
        "550 5.1.01 leading zero is not a code      | ''",
        "550 5.1.1000 too many digits               | ''",
        "550 3.1.1 class 3 does not exist           | ''",
        "550 5.1 incomplete                         | ''",
        "550 User 5.1.1 not at the start            | ''",
        "550 5.1.1.2 four parts                     | ''",
        "550 5.1.1abc letters glued on              | ''",
    })
    void leadingEnhanced_table(String reply, String expected) {
        Optional<EnhancedStatus> e = SmtpReplyParser.parse(reply).enhanced();
        assertThat(e.map(EnhancedStatus::toString).orElse("")).isEqualTo(expected);
    }

    @ParameterizedTest(name = "[{index}] {1}")
    @CsvSource(delimiter = '|', value = {
        "''                                   | empty SMTP reply",
        "55                                   | shorter than a three-digit reply code",
        "5x0 letters                          | does not start with a three-digit reply code",
        "150 one-hundreds do not exist        | must be 2xx, 3xx, 4xx or 5xx",
        "650 six-hundreds do not exist        | must be 2xx, 3xx, 4xx or 5xx",
        "550/5.1.1 wrong separator            | followed by '-', a space or the end",
        "5501 four digits                     | followed by '-', a space or the end",
        "' 550 leading space'                 | does not start with a three-digit",
        "250-first\\n251 second               | differs from 250",
        "250-first\\n250-second               | incomplete SMTP reply",
        "250 first\\n250 second               | text after the last line",
        "550 bell\u0007char                   | control character 0x07",
        "550 nul\u0000char                    | control character 0x00",
        "550 bare\rcr inside                  | bare CR or LF",
    })
    void parse_rejects(String input, String problem) {
        String in = input.replace("\\n", "\n");
        assertThatThrownBy(() -> SmtpReplyParser.parse(in))
                .isInstanceOf(SmtpReplyException.class)
                .hasMessageContaining(problem)
                .satisfies(e -> {
                    if (!in.isEmpty()) {
                        // the message quotes the offending line
                        assertThat(java.util.stream.Stream.concat(java.util.stream.Stream.of(in), in.lines())
                                .map(SmtpReplyException::quote))
                                .anyMatch(q -> e.getMessage().contains("\"" + q + "\""));
                    }
                });
    }

    @Test
    void parse_rejectsOverlongLine_quotingIt() {
        String line = "550 " + "x".repeat(SmtpReplyParser.MAX_LINE_OCTETS - 4 - 2 + 1);
        assertThatThrownBy(() -> SmtpReplyParser.parse(line))
                .isInstanceOf(SmtpReplyException.class)
                .hasMessageContaining("longer than 2048 octets")
                .hasMessageContaining("\"550 xxxx");
        String longest = "550 " + "x".repeat(SmtpReplyParser.MAX_LINE_OCTETS - 4 - 2);
        assertThat(SmtpReplyParser.parse(longest + "\r\n").code()).isEqualTo(550);
    }

    @Test
    void parse_capCountsUtf8Octets_notChars() {
        // 1100 'é' are 1100 chars but 2200 octets: over the cap although the char count is not.
        String line = "550 " + "é".repeat(1100);
        assertThatThrownBy(() -> SmtpReplyParser.parse(line))
                .isInstanceOf(SmtpReplyException.class)
                .hasMessageContaining("longer than 2048 octets");
        assertThat(SmtpReplyParser.parse("550 " + "é".repeat(1000)).code()).isEqualTo(550);
    }

    @Test
    void parse_rejectsTooManyLines() {
        String ok = "250-x\r\n".repeat(SmtpReplyParser.MAX_LINES - 1) + "250 end\r\n";
        assertThat(SmtpReplyParser.parse(ok).lines()).hasSize(SmtpReplyParser.MAX_LINES);
        String tooMany = "250-x\r\n".repeat(SmtpReplyParser.MAX_LINES) + "250 end\r\n";
        assertThatThrownBy(() -> SmtpReplyParser.parse(tooMany))
                .isInstanceOf(SmtpReplyException.class)
                .hasMessageContaining("more than 100 lines");
    }

    @Test
    void accumulator_lineByLine() {
        ReplyAccumulator acc = new ReplyAccumulator();
        assertThat(acc.acceptLine("250-mx.example.org Hello")).isEmpty();
        assertThat(acc.inProgress()).isTrue();
        assertThat(acc.acceptLine("250-STARTTLS")).isEmpty();
        SmtpReply r = acc.acceptLine("250 SMTPUTF8").orElseThrow();
        assertThat(r.lines()).containsExactly("mx.example.org Hello", "STARTTLS", "SMTPUTF8");
        assertThat(acc.inProgress()).isFalse();
        assertThat(acc.acceptLine("354 End data with <CR><LF>.<CR><LF>")).isPresent();
    }

    @Test
    void accumulator_feedPipelinedRepliesInOneChunk() {
        ReplyAccumulator acc = new ReplyAccumulator();
        byte[] bytes = "250 2.1.0 Ok\r\n550 5.1.1 no such user\r\n354 go".getBytes(StandardCharsets.US_ASCII);
        List<SmtpReply> got = acc.feed(bytes);
        assertThat(got).extracting(SmtpReply::code).containsExactly(250, 550);
        assertThat(acc.inProgress()).isTrue();
        assertThat(acc.feed("\r\n".getBytes(StandardCharsets.US_ASCII))).extracting(SmtpReply::code).containsExactly(354);
    }

    @Test
    void accumulator_rejectsEndlessLineBeforeItEnds() {
        ReplyAccumulator acc = new ReplyAccumulator();
        byte[] chunk = "x".repeat(1000).getBytes(StandardCharsets.US_ASCII);
        acc.feed("550 ".getBytes(StandardCharsets.US_ASCII));
        acc.feed(chunk);
        acc.feed(chunk);
        assertThatThrownBy(() -> acc.feed(chunk))
                .isInstanceOf(SmtpReplyException.class)
                .hasMessageContaining("no LF yet");
    }

    @Test
    void accumulator_utf8Text() {
        ReplyAccumulator acc = new ReplyAccumulator();
        byte[] bytes = "550 5.1.1 Empfänger unbekannt\r\n".getBytes(StandardCharsets.UTF_8);
        assertThat(acc.feed(bytes).get(0).text()).isEqualTo("5.1.1 Empfänger unbekannt");
    }
}
