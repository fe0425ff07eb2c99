package dev.rebound.core.smtp;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.Combinators;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;

/** A valid reply, cut into chunks at any byte boundary, reads back as the same reply. */
class ReplySplitPropertyTest {

    record Case(SmtpReply reply, String wire) {}

    @Provide
    Arbitrary<Case> replies() {
        Arbitrary<Integer> code = Arbitraries.integers().between(200, 599);
        Arbitrary<String> enh = Combinators.combine(Arbitraries.of(2, 4, 5), Arbitraries.integers().between(0, 999),
                Arbitraries.integers().between(0, 999)).as((c, s, d) -> c + "." + s + "." + d + " ");
        Arbitrary<String> prefix = Arbitraries.oneOf(enh, Arbitraries.just(""));
        Arbitrary<String> text = Arbitraries.strings()
                .withCharRange(' ', '~').withChars('\t', 'ä', 'é', '€')
                .ofMaxLength(80);
        Arbitrary<List<String>> lines = text.list().ofMinSize(1).ofMaxSize(6);
        return Combinators.combine(code, prefix, lines).as((c, p, ls) -> {
            List<String> texts = new ArrayList<>();
            for (int i = 0; i < ls.size(); i++) texts.add(i == 0 ? p + ls.get(i) : ls.get(i));
            StringBuilder sb = new StringBuilder();
            for (int i = 0; i < texts.size(); i++) {
                sb.append(c).append(i == texts.size() - 1 ? ' ' : '-').append(texts.get(i)).append("\r\n");
            }
            return new Case(SmtpReplyParser.parse(sb.toString()), sb.toString());
        });
    }

    @Property(tries = 200)
    void splitAtEveryByteBoundary_sameReply(@ForAll("replies") Case c) {
        byte[] bytes = c.wire().getBytes(StandardCharsets.UTF_8);
        for (int cut = 0; cut <= bytes.length; cut++) {
            ReplyAccumulator acc = new ReplyAccumulator();
            List<SmtpReply> got = new ArrayList<>(acc.feed(bytes, 0, cut));
            got.addAll(acc.feed(bytes, cut, bytes.length - cut));
            assertThat(got).containsExactly(c.reply());
            assertThat(acc.inProgress()).isFalse();
        }
    }

    @Property(tries = 100)
    void byteByByte_sameReply_andWireRoundTrips(@ForAll("replies") Case c) {
        byte[] bytes = c.wire().getBytes(StandardCharsets.UTF_8);
        ReplyAccumulator acc = new ReplyAccumulator();
        List<SmtpReply> got = new ArrayList<>();
        for (int i = 0; i < bytes.length; i++) got.addAll(acc.feed(bytes, i, 1));
        assertThat(got).containsExactly(c.reply());
        assertThat(c.reply().wire() + "\r\n").isEqualTo(c.wire());
    }

    @Property(tries = 100)
    void enhancedCodeAtStartIsFound(@ForAll("replies") Case c) {
        String first = c.reply().lines().get(0);
        boolean startsWithCode = first.matches("^[245]\\.(0|[1-9]\\d{0,2})\\.(0|[1-9]\\d{0,2}) .*");
        if (startsWithCode) assertThat(c.reply().enhanced()).isPresent();
    }

    @Property(tries = 1000)
    void arbitraryInput_eitherParsesOrFailsWithAQuotingSmtpReplyException(
            @ForAll("garbage") String input) {
        try {
            SmtpReply r = SmtpReplyParser.parse(input);
            assertThat(r.code()).isBetween(200, 599);
        } catch (SmtpReplyException e) {
            assertThat(e.getMessage()).contains("\"");
        }
    }

    @Property(tries = 1000)
    void arbitraryBytes_accumulatorNeverFailsOtherwise(@ForAll("garbage") String input) {
        ReplyAccumulator acc = new ReplyAccumulator();
        try {
            for (SmtpReply r : acc.feed(input.getBytes(StandardCharsets.UTF_8))) assertThat(r.code()).isBetween(200, 599);
        } catch (SmtpReplyException e) {
            assertThat(e.getMessage()).isNotEmpty();
        }
    }

    @Provide
    Arbitrary<String> garbage() {
        Arbitrary<String> token = Arbitraries.oneOf(
                Arbitraries.of("250", "550", "250-", "550 ", "5.1.1 ", "\r\n", "\n", "\r", "-", " ", "4.", "999", "1"),
                Arbitraries.strings().ofMaxLength(8));
        return token.list().ofMaxSize(12).map(l -> String.join("", l));
    }
}
