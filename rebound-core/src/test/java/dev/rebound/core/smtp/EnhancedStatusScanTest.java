package dev.rebound.core.smtp;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;

/** {@link EnhancedStatus#find} tries its pattern only at a class digit before a dot: the same matches as a full scan. */
class EnhancedStatusScanTest {

    @Provide
    Arbitrary<String> texts() {
        return Arbitraries.of("5.1.1", "4.4.7", "2.0.0", "5.01.1", "1.5.1.1", "5.1.1.1", "550", "5", "4", "2", ".", " ",
                "\n", "0", "9", "12", "a", "x.y").list().ofMaxSize(16).map(l -> String.join("", l));
    }

    @Property(tries = 3000)
    void candidateScanFindsWhatTheRegexFinds(@ForAll("texts") String text) {
        List<String> want = new ArrayList<>();
        Matcher m = EnhancedStatus.CODE.matcher(text);
        while (m.find()) want.add(m.start() + "-" + m.end());
        List<String> got = new ArrayList<>();
        Matcher s = EnhancedStatus.CODE.matcher(text);
        int from = 0;
        while ((from = EnhancedStatus.findFrom(s, text, from)) >= 0) got.add(s.start() + "-" + s.end());
        assertThat(got).as("[%s]", text).isEqualTo(want);
        assertThat(EnhancedStatus.find(new StringBuilder(text))).isEqualTo(EnhancedStatus.find(text));
    }
}
