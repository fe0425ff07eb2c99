package dev.rebound.core.tls;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import org.junit.jupiter.api.Test;

/** RFC 8461 §3.1/§3.2 parsing: the policy body, the TXT record and mx patterns. */
class StsPolicyTest {
    private static StsPolicy valid(String body) {
        StsPolicy.Parse p = StsPolicy.parse(body);
        assertThat(p).isInstanceOf(StsPolicy.Valid.class);
        return ((StsPolicy.Valid) p).policy();
    }

    private static String invalid(String body) {
        StsPolicy.Parse p = StsPolicy.parse(body);
        assertThat(p).isInstanceOf(StsPolicy.Invalid.class);
        return ((StsPolicy.Invalid) p).problem();
    }

    @Test
    void rfcExampleWithCrlfAndLf() {
        StsPolicy p = valid("version: STSv1\r\nmode: enforce\r\nmx: mail.example.com\r\nmx: *.example.net\r\nmx: backupmx.example.com\r\nmax_age: 604800\r\n");
        assertThat(p.mode()).isEqualTo(StsMode.ENFORCE);
        assertThat(p.mx()).extracting(MxPattern::pattern).containsExactly("mail.example.com", "*.example.net", "backupmx.example.com");
        assertThat(p.maxAge()).isEqualTo(Duration.ofDays(7));
        assertThat(valid("version: STSv1\nmode: testing\nmx: MX.Example.COM\nmax_age: 86400").mx().getFirst().pattern()).isEqualTo("mx.example.com");
    }

    @Test
    void orderFreeWhitespaceAfterColonUnknownFieldsIgnoredFirstDuplicateWins() {
        StsPolicy p = valid("mode:enforce\nmx:   a.example\t\nmax_age: 10\nversion: STSv1\nx-note: anything here é\nmode: none\nmax_age: 99\n\n\n");
        assertThat(p.mode()).isEqualTo(StsMode.ENFORCE);
        assertThat(p.maxAge()).isEqualTo(Duration.ofSeconds(10));
    }

    @Test
    void modeNoneNeedsNoMx() {
        assertThat(valid("version: STSv1\nmode: none\nmax_age: 0").mode()).isEqualTo(StsMode.NONE);
    }

    @Test
    void maxAgeAboveOneYearIsCutToOneYear() {
        assertThat(valid("version: STSv1\nmode: enforce\nmx: a.test\nmax_age: 9999999999").maxAge()).isEqualTo(StsPolicy.MAX_AGE_LIMIT);
    }

    @Test
    void refusesWhatTheGrammarDoesNotAllow() {
        assertThat(invalid("mode: enforce\nmx: a.test\nmax_age: 1")).contains("missing field version");
        assertThat(invalid("version: STSv2\nmode: enforce\nmx: a.test\nmax_age: 1")).contains("STSv2");
        assertThat(invalid("version: stsv1\nmode: enforce\nmx: a.test\nmax_age: 1")).contains("not STSv1");
        assertThat(invalid("version: STSv1\nmode: Enforce\nmx: a.test\nmax_age: 1")).contains("\"Enforce\"");
        assertThat(invalid("version: STSv1\nmode: enforce\nmax_age: 1")).contains("without an mx");
        assertThat(invalid("version: STSv1\nmode: enforce\nmx: a.test")).contains("missing field max_age");
        assertThat(invalid("version: STSv1\nmode: enforce\nmx: a.test\nmax_age: -1")).contains("max_age \"-1\"");
        assertThat(invalid("version: STSv1\nmode: enforce\nmx: a.test\nmax_age: 12345678901")).contains("1 to 10 digits");
        assertThat(invalid("version: STSv1\nmode: enforce\nmx: mail.*.test\nmax_age: 1")).contains("line 3");
        assertThat(invalid("version: STSv1\nmode: enforce\nmx: -bad.test\nmax_age: 1")).contains("-bad.test");
        assertThat(invalid("version: STSv1\n mode: enforce\nmx: a.test\nmax_age: 1")).contains("bad field name");
        assertThat(invalid("version: STSv1\nmode enforce\nmx: a.test\nmax_age: 1")).contains("expected name: value");
        assertThat(invalid("version: STSv1\n\nmode: enforce\nmx: a.test\nmax_age: 1")).contains("blank line");
        assertThat(invalid("version: STSv1\rmode: enforce\nmx: a.test\nmax_age: 1")).contains("control character 0xd");
        assertThat(invalid("<html><body>not found</body></html>")).contains("expected name: value");
        assertThat(invalid("")).contains("empty");
        assertThat(invalid("version: STSv1\nmx: a.test\nmode: enforce\nmax_age: 1\n" + "x: y\n".repeat(20_000))).contains("exceeds 65536");
    }

    @Test
    void mxPatternsMatchOneLeftmostLabelCaseInsensitively() {
        MxPattern wild = new MxPattern("*.Example.net");
        assertThat(wild.matches("mx1.example.net")).isTrue();
        assertThat(wild.matches("MX1.EXAMPLE.NET.")).isTrue();
        assertThat(wild.matches("example.net")).isFalse();
        assertThat(wild.matches("a.b.example.net")).isFalse();
        assertThat(wild.matches("mx1.badexample.net")).isFalse();
        MxPattern exact = new MxPattern("mail.example.com");
        assertThat(exact.matches("mail.example.com.")).isTrue();
        assertThat(exact.matches("mail2.example.com")).isFalse();
        assertThat(exact.matches("x.mail.example.com")).isFalse();
    }

    @Test
    void txtRecordDiscovery() {
        assertThat(StsRecord.discover(java.util.List.of("v=spf1 -all", "v=STSv1; id=20160831085700Z;"))).isEqualTo(new StsRecord.Found("20160831085700Z"));
        assertThat(StsRecord.discover(java.util.List.of("v=STSv1;id=abc"))).isEqualTo(new StsRecord.Found("abc"));
        assertThat(StsRecord.discover(java.util.List.of("v=STSv1 ; id=a1 ; ext-1=v.a/l:ue ;"))).isEqualTo(new StsRecord.Found("a1"));
        assertThat(StsRecord.discover(java.util.List.of("v=STSv1; ext=1; id=first; id=second"))).isEqualTo(new StsRecord.Found("first"));
        assertThat(StsRecord.discover(java.util.List.of())).isInstanceOf(StsRecord.NotFound.class);
        assertThat(StsRecord.discover(java.util.List.of("v=STSv1; id=a", "v=STSv1; id=b")))
                .isEqualTo(new StsRecord.NotFound("2 TXT records start with v=STSv1 (exactly one allowed)"));
        assertThat(StsRecord.discover(java.util.List.of("v=STSv1;")).toString()).contains("without id");
        assertThat(StsRecord.discover(java.util.List.of("v=STSv1; id=abc-def")).toString()).contains("not 1-32 letters or digits");
        assertThat(StsRecord.discover(java.util.List.of("v=STSv1; id=" + "a".repeat(33))).toString()).contains("not 1-32");
        assertThat(StsRecord.discover(java.util.List.of("v=STSv1; id=a; bad field")).toString()).contains("not name=value");
        assertThat(StsRecord.discover(java.util.List.of("v=STSv1; id=a;; x=y")).toString()).contains("empty field");
        assertThat(StsRecord.discover(java.util.List.of("v=STSv10; id=a"))).isInstanceOf(StsRecord.NotFound.class);
        assertThat(StsRecord.discover(java.util.List.of("V=STSv1; id=a"))).isInstanceOf(StsRecord.NotFound.class);
    }
}
