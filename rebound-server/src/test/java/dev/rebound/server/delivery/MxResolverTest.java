package dev.rebound.server.delivery;

import static org.assertj.core.api.Assertions.assertThat;

import dev.rebound.server.testing.FakeDns;
import java.net.InetAddress;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.xbill.DNS.Type;

/** RFC 5321 §5.1 / RFC 7505 MX rules against a real DNS exchange with FakeDns. */
class MxResolverTest {
    private final FakeDns dns = FakeDns.start();
    private final MxResolver resolver = new MxResolver(List.of(dns.address()), Duration.ofMillis(400));

    @AfterEach
    void close() {
        dns.close();
    }

    private static List<String> hosts(MxResolution r) {
        assertThat(r).isInstanceOf(MxResolution.Hosts.class);
        return ((MxResolution.Hosts) r).hosts().stream().map(h -> h.preference() + " " + h.name() + " "
                + h.addresses().stream().map(InetAddress::getHostAddress).toList()).toList();
    }

    @Test
    void sortsByPreferenceKeepingAnswerOrderForTies() {
        dns.mx("d.test", 20, "c.d.test").mx("d.test", 10, "b.d.test").mx("d.test", 10, "a.d.test")
                .a("a.d.test", "127.0.0.1").a("b.d.test", "127.0.0.1").aaaa("b.d.test", "::1").a("c.d.test", "127.0.0.1");
        assertThat(hosts(resolver.resolve("D.test"))).containsExactly(
                "10 b.d.test [127.0.0.1, 0:0:0:0:0:0:0:1]", "10 a.d.test [127.0.0.1]", "20 c.d.test [127.0.0.1]");
    }

    @Test
    void skipsMxHostsWithoutAddresses() {
        dns.mx("d.test", 10, "gone.d.test").mx("d.test", 20, "ok.d.test").a("ok.d.test", "127.0.0.1");
        assertThat(hosts(resolver.resolve("d.test"))).containsExactly("20 ok.d.test [127.0.0.1]");
    }

    @Test
    void temporaryFailureOfEveryMxHostIsDeferred() {
        dns.mx("d.test", 10, "a.d.test").servfail("a.d.test");
        MxResolution r = resolver.resolve("d.test");
        assertThat(r).isInstanceOfSatisfying(MxResolution.Failed.class,
                f -> assertThat(f.reply().toString()).startsWith("451 4.4.3"));
    }

    @Test
    void implicitMxOnlyOnNodata() {
        dns.a("imp.test", "127.0.0.1");
        MxResolution r = resolver.resolve("imp.test");
        assertThat(hosts(r)).containsExactly("0 imp.test [127.0.0.1]");
        assertThat(((MxResolution.Hosts) r).implicit()).isTrue();
        // SERVFAIL on MX must not fall back to the A record
        dns.servfail("imp.test", Type.MX);
        assertThat(resolver.resolve("imp.test")).isInstanceOfSatisfying(MxResolution.Failed.class,
                f -> assertThat(f.reply().code()).isEqualTo(451));
    }

    @Test
    void nullMxNextToRealMxIsIgnored() {
        dns.nullMx("mixed.test").mx("mixed.test", 10, "mx.mixed.test").a("mx.mixed.test", "127.0.0.1");
        assertThat(hosts(resolver.resolve("mixed.test"))).containsExactly("10 mx.mixed.test [127.0.0.1]");
    }

    @Test
    void internationalisedDomainIsLookedUpAsALabel() {
        dns.mx("xn--bcher-kva.test", 10, "mx.xn--bcher-kva.test").a("mx.xn--bcher-kva.test", "127.0.0.1");
        assertThat(hosts(resolver.resolve("bücher.test"))).containsExactly("10 mx.xn--bcher-kva.test [127.0.0.1]");
        assertThat(dns.queries()).startsWith("xn--bcher-kva.test. MX");
    }

    @Test
    void nullMxAloneIsNotAccept() {
        dns.nullMx("none.test");
        assertThat(resolver.resolve("none.test")).isInstanceOfSatisfying(MxResolution.Failed.class, f -> {
            assertThat(f.reply().code()).isEqualTo(556);
            assertThat(f.reply().enhanced()).hasValueSatisfying(e -> assertThat(e.toString()).isEqualTo("5.1.10"));
        });
    }
}
