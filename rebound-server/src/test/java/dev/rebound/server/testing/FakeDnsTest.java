package dev.rebound.server.testing;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Duration;
import java.util.concurrent.CompletionException;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.xbill.DNS.MXRecord;
import org.xbill.DNS.Name;
import org.xbill.DNS.SimpleResolver;
import org.xbill.DNS.Type;
import org.xbill.DNS.lookup.LookupResult;
import org.xbill.DNS.lookup.LookupSession;
import org.xbill.DNS.lookup.NoSuchDomainException;
import org.xbill.DNS.lookup.ServerFailedException;

/** The fake DNS server answers real dnsjava lookups over UDP on 127.0.0.1 as scripted. */
class FakeDnsTest {
    private final FakeDns dns = FakeDns.start();

    @AfterEach
    void close() {
        dns.close();
    }

    private LookupResult lookup(String name, int type) throws Exception {
        SimpleResolver r = new SimpleResolver(dns.address());
        r.setTimeout(Duration.ofMillis(300));
        LookupSession s = LookupSession.builder().resolver(r).clearCaches().build();
        try {
            return s.lookupAsync(Name.fromString(name), type).toCompletableFuture().join();
        } catch (CompletionException e) {
            throw (Exception) e.getCause();
        }
    }

    @Test
    void answersMxRecordsAndAddresses() throws Exception {
        dns.mx("example.test", 20, "mx2.example.test").mx("example.test", 10, "mx1.example.test")
                .a("mx1.example.test", "127.0.0.1");
        LookupResult mx = lookup("example.test.", Type.MX);
        assertThat(mx.getRecords()).extracting(r -> ((MXRecord) r).getTarget().toString())
                .containsExactlyInAnyOrder("mx1.example.test.", "mx2.example.test.");
        assertThat(lookup("MX1.example.test.", Type.A).getRecords()).hasSize(1);
        assertThat(dns.queries()).contains("example.test. MX");
    }

    @Test
    void answersTxtRecordsWithTheirStringsAndCanChangeThem() throws Exception {
        dns.txt("_mta-sts.example.test", "v=STSv1; ", "id=1;").txt("_mta-sts.example.test", "v=spf1 -all");
        LookupResult txt = lookup("_mta-sts.example.test.", Type.TXT);
        assertThat(txt.getRecords()).extracting(r -> ((org.xbill.DNS.TXTRecord) r).getStrings())
                .containsExactlyInAnyOrder(java.util.List.of("v=STSv1; ", "id=1;"), java.util.List.of("v=spf1 -all"));
        dns.remove("_mta-sts.example.test", Type.TXT).txt("_mta-sts.example.test", "v=STSv1; id=2;");
        assertThat(lookup("_mta-sts.example.test.", Type.TXT).getRecords()).extracting(r -> ((org.xbill.DNS.TXTRecord) r).getStrings())
                .containsExactly(java.util.List.of("v=STSv1; id=2;"));
    }

    @Test
    void distinguishesNxdomainNodataServfail() throws Exception {
        dns.a("implicit.test", "127.0.0.1").servfail("broken.test");
        assertThatThrownBy(() -> lookup("unknown.test.", Type.MX)).isInstanceOf(NoSuchDomainException.class);
        // dnsjava's LookupSession reports NODATA as an empty result (NoSuchRRSetException only from a cache)
        assertThat(lookup("implicit.test.", Type.MX).getRecords()).isEmpty();
        assertThat(lookup("implicit.test.", Type.A).getRecords()).hasSize(1);
        assertThatThrownBy(() -> lookup("broken.test.", Type.MX)).isInstanceOf(ServerFailedException.class);
    }

    @Test
    void nullMxIsPreferenceZeroRoot() throws Exception {
        dns.nullMx("nomail.test");
        MXRecord r = (MXRecord) lookup("nomail.test.", Type.MX).getRecords().getFirst();
        assertThat(r.getPriority()).isZero();
        assertThat(r.getTarget()).isEqualTo(Name.root);
    }

    @Test
    void noAnswerMakesTheClientTimeOut() {
        dns.noAnswer("slow.test");
        assertThatThrownBy(() -> lookup("slow.test.", Type.MX))
                .isNotInstanceOf(NoSuchDomainException.class).isNotInstanceOf(ServerFailedException.class);
        assertThat(dns.answered()).isZero();
    }
}
