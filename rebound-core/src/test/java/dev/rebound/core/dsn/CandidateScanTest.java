package dev.rebound.core.dsn;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayList;
import java.util.List;
import java.util.function.BiFunction;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import org.junit.jupiter.api.Test;

/**
 * The scans that try a pattern only where a match can start (a code's digits, an address's "@", an alternative's
 * literal) find exactly the matches, in order, that {@code Matcher.find()} finds scanning every position.
 */
class CandidateScanTest {

    @Provide
    Arbitrary<String> texts() {
        Arbitrary<String> parts = Arbitraries.of("550", "5.1.1", "4.4.7", "250", "2.0.0", "5.01.1", "1.5.1.1", "55", "5",
                "4", ".", " ", "\n", "\r", "-", ":", "(", "<", ">", "\"", "'", "=", ";", ",", "0", "9", "a", "user",
                "@", "example.com", "x.y", "bob.smith", "-x", "..", "in reply to", "after", " rcpt to", "mail from",
                "end of data", "while talking to host >>> ", "does not like", "didn't like our ", "smtp: data",
                "following recipient", "sent <<< ", "in response to", "response to ", ">>>", "most progress was");
        return parts.list().ofMaxSize(16).map(l -> String.join("", l));
    }

    /** Every match of {@code p} in {@code text}, as "start-end:group", by the regex's own scan. */
    static List<String> byFind(Pattern p, String text) {
        List<String> out = new ArrayList<>();
        Matcher m = p.matcher(text);
        while (m.find()) out.add(m.start() + "-" + m.end() + ":" + m.group());
        return out;
    }

    /** The same through a candidate scan (returns the next search start, or -1). */
    static List<String> byScan(Pattern p, String text, ScanFrom scan) {
        List<String> out = new ArrayList<>();
        Matcher m = p.matcher(text);
        int from = 0;
        while ((from = scan.find(m, text, from)) >= 0) out.add(m.start() + "-" + m.end() + ":" + m.group());
        return out;
    }

    interface ScanFrom {
        int find(Matcher m, String text, int from);
    }

    @Property(tries = 3000)
    void replyCodesStatusesAndAddressesAreFoundAsTheRegexFindsThem(@ForAll("texts") String text) {
        assertThat(byScan(Codes.REPLY, text, Codes::findReply)).as("reply in [%s]", text).isEqualTo(byFind(Codes.REPLY, text));
        assertThat(byScan(Codes.FAILURE_STATUS, text, Codes::findStatus)).as("status in [%s]", text)
                .isEqualTo(byFind(Codes.FAILURE_STATUS, text));
        assertThat(byScan(Codes.ADDRESS, text, Codes::findAddress)).as("address in [%s]", text)
                .isEqualTo(byFind(Codes.ADDRESS, text));
    }

    @Property(tries = 3000)
    void anchoredFindsTheLeftmostMatch(@ForAll("texts") String text) {
        String lower = text.toLowerCase(java.util.Locale.ROOT);
        Matcher a = new Prefilter.Anchored(Codes.PHASE).find(lower);
        List<String> want = byFind(Codes.PHASE, lower);
        assertThat(a == null ? null : a.start() + "-" + a.end() + ":" + a.group()).as("phase in [%s]", lower)
                .isEqualTo(want.isEmpty() ? null : want.get(0));
    }

    @Test
    void startLiteralsAreDerivedFromThePatternOrRefused() {
        assertThat(Prefilter.startLiterals("in reply to|(?:does not|didn't) like|smtp:", 0))
                .containsExactly("in reply to", "does not", "didn't", "smtp:");
        assertThat(Prefilter.startLiterals("mail ?box|over", 0)).containsExactly("mail", "over");
        assertThat(Prefilter.startLiterals("ab?c|x", 0)).containsExactly("a", "x");
        assertThat(Prefilter.startLiterals("(?:a|b)?c", 0)).isNull();
        assertThat(Prefilter.startLiterals("^x|y", 0)).isNull();
        assertThat(Prefilter.startLiterals("\\bspf\\b", 0)).isNull();
        assertThat(Prefilter.startLiterals("[a-z]+@", 0)).isNull();
    }
}
