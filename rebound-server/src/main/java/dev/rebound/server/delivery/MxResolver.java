package dev.rebound.server.delivery;

import java.net.IDN;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.UnknownHostException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.xbill.DNS.AAAARecord;
import org.xbill.DNS.ARecord;
import org.xbill.DNS.ExtendedResolver;
import org.xbill.DNS.MXRecord;
import org.xbill.DNS.Name;
import org.xbill.DNS.Record;
import org.xbill.DNS.Resolver;
import org.xbill.DNS.SimpleResolver;
import org.xbill.DNS.TXTRecord;
import org.xbill.DNS.TextParseException;
import org.xbill.DNS.Type;
import org.xbill.DNS.lookup.LookupSession;
import org.xbill.DNS.lookup.NoSuchDomainException;
import org.xbill.DNS.lookup.NoSuchRRSetException;

/**
 * Finds the mail hosts of a domain with dnsjava, following RFC 5321 §5.1:
 * <ul>
 * <li>MX records sorted by preference, lowest first. Equal preferences keep the order of the DNS answer
 *     (servers usually rotate it); no local shuffle, so a delivery is reproducible from the evidence.</li>
 * <li>NXDOMAIN for the domain: {@code 550 5.1.2} (hostunknown), permanent.</li>
 * <li>NODATA for MX: implicit MX, the domain's own A/AAAA records as a single host of preference 0. Only on
 *     NODATA, never on NXDOMAIN or a DNS failure. NODATA for A and AAAA too: {@code 550 5.1.2}.</li>
 * <li>Null MX (RFC 7505, a single {@code MX 0 .}): {@code 556 5.1.10} (notaccept), permanent. A "." target
 *     next to real MX records violates RFC 7505 §3 and is ignored.</li>
 * <li>SERVFAIL, REFUSED or a timeout: {@code 451 4.4.3}, transient.</li>
 * <li>MX targets are resolved to A then AAAA; targets without an address are skipped. When every target
 *     failed: {@code 451 4.4.3} if any lookup failed temporarily, else {@code 550 5.4.4}.</li>
 * </ul>
 * Host names in the hosts file (/etc/hosts) resolve from there, as with the system resolver.
 * No cache: dnsjava's cache is disabled so tests and retries see the DNS as it is now (the upstream
 * resolver caches).
 */
final class MxResolver {
    private final LookupSession session;
    private final Duration timeout;

    /**
     * @param servers DNS servers to ask in order; empty = the system configuration (/etc/resolv.conf)
     * @param timeout per-query timeout
     */
    public MxResolver(List<InetSocketAddress> servers, Duration timeout) {
        this.timeout = timeout;
        Resolver resolver;
        if (servers.size() == 1) {
            SimpleResolver r = new SimpleResolver(servers.getFirst());
            r.setTimeout(timeout);
            resolver = r;
        } else {
            ExtendedResolver r;
            if (servers.isEmpty()) {
                r = new ExtendedResolver();
            } else {
                r = new ExtendedResolver(servers.stream().map(a -> (Resolver) new SimpleResolver(a)).toList());
            }
            r.setTimeout(timeout);
            resolver = r;
        }
        // the hosts file answers A/AAAA first (e.g. a route to "localhost:2525"), as the system resolver would
        this.session = LookupSession.builder().resolver(resolver).clearCaches().cycleResults(false)
                .defaultHostsFileParser().build();
    }

    /** Where mail for {@code domain} goes. Never throws for DNS outcomes. */
    public MxResolution resolve(String domain) {
        String d;
        Name name;
        try {
            // an internationalised domain is looked up in its A-label form (RFC 5890), e.g. xn--bcher-kva.test
            d = IDN.toASCII(domain, IDN.ALLOW_UNASSIGNED).toLowerCase(Locale.ROOT);
            name = Name.fromString(d.endsWith(".") ? d : d + ".");
        } catch (TextParseException | IllegalArgumentException e) {
            return new MxResolution.Failed(LocalReplies.hostUnknown(domain), "not a DNS name: \"" + domain + "\"");
        }
        Lookup mx = lookup(name, Type.MX);
        switch (mx.status) {
            case NXDOMAIN:
                return new MxResolution.Failed(LocalReplies.hostUnknown(d), "NXDOMAIN for " + name + " MX");
            case TEMPORARY:
                return new MxResolution.Failed(LocalReplies.dnsTemporary(d + " MX", mx.detail), mx.detail);
            case NODATA:
                return implicitMx(d, name);
            case FOUND:
            default:
                break;
        }
        List<MXRecord> records = new ArrayList<>();
        for (Record r : mx.records) if (r instanceof MXRecord m) records.add(m);
        if (records.stream().allMatch(m -> m.getTarget().equals(Name.root))) {
            return new MxResolution.Failed(LocalReplies.nullMx(d), "null MX: " + name + " MX 0 .");
        }
        records.removeIf(m -> m.getTarget().equals(Name.root));
        records.sort(Comparator.comparingInt(MXRecord::getPriority)); // stable: equal preferences keep answer order
        List<CompletableFuture<Addresses>> futures = records.stream().map(m -> addressesAsync(m.getTarget())).toList();
        List<MxResolution.MxHost> hosts = new ArrayList<>();
        boolean temporary = false;
        List<String> failures = new ArrayList<>();
        for (int i = 0; i < records.size(); i++) {
            Addresses a = join(futures.get(i), records.get(i).getTarget());
            String host = hostName(records.get(i).getTarget());
            if (!a.addresses.isEmpty()) hosts.add(new MxResolution.MxHost(host, records.get(i).getPriority(), a.addresses));
            else {
                temporary |= a.temporary;
                failures.add(host + ": " + a.detail);
            }
        }
        if (!hosts.isEmpty()) return new MxResolution.Hosts(hosts, false);
        String detail = String.join("; ", failures);
        return new MxResolution.Failed(temporary ? LocalReplies.dnsTemporary("MX hosts of " + d, detail)
                : LocalReplies.mxHostsUnresolvable(d, detail), detail);
    }

    /**
     * The addresses of a host name (A then AAAA), for routes and relays given by name. IP literals are
     * returned as they are.
     */
    public Addresses addresses(String host) {
        if (isIpLiteral(host)) {
            try {
                return new Addresses(List.of(InetAddress.getByName(host)), false, "");
            } catch (UnknownHostException e) {
                return new Addresses(List.of(), false, "bad IP literal \"" + host + "\"");
            }
        }
        try {
            Name n = Name.fromString(host.endsWith(".") ? host : host + ".");
            return join(addressesAsync(n), n);
        } catch (TextParseException e) {
            return new Addresses(List.of(), false, "not a DNS name: \"" + host + "\"");
        }
    }

    /**
     * The TXT records of {@code name}, each record's strings joined without spaces (as RFC 8461 §3.1 and RFC 7208
     * §3.3 read them); empty with a detail when there are none or the lookup failed. Never completes
     * exceptionally.
     */
    public CompletableFuture<Txt> txtAsync(String name) {
        Name n;
        try {
            n = Name.fromString(name.endsWith(".") ? name : name + ".");
        } catch (TextParseException e) {
            return CompletableFuture.completedFuture(new Txt(List.of(), "not a DNS name: \"" + name + "\""));
        }
        return lookupAsync(n, Type.TXT).thenApply(l -> {
            List<String> out = new ArrayList<>();
            for (Record r : l.records) {
                if (r instanceof TXTRecord t) out.add(String.join("", t.getStrings()));
            }
            return new Txt(out, l.status == Status.FOUND ? "" : n + " TXT " + l.describe());
        });
    }

    /** TXT records of a name (strings joined); {@code detail} says why there are none. */
    public record Txt(List<String> records, String detail) {
        public Txt {
            records = List.copyOf(records);
        }
    }

    /** Addresses of a name; empty with a detail (and whether the failure was temporary) when none. */
    public record Addresses(List<InetAddress> addresses, boolean temporary, String detail) {}

    private MxResolution implicitMx(String d, Name name) {
        Addresses a = join(addressesAsync(name), name);
        if (!a.addresses.isEmpty()) {
            return new MxResolution.Hosts(List.of(new MxResolution.MxHost(d, 0, a.addresses)), true);
        }
        if (a.temporary) return new MxResolution.Failed(LocalReplies.dnsTemporary(d + " A/AAAA", a.detail), a.detail);
        return new MxResolution.Failed(LocalReplies.noMailHost(d), "NODATA for " + name + " MX, and " + a.detail);
    }

    private CompletableFuture<Addresses> addressesAsync(Name n) {
        CompletableFuture<Lookup> a = lookupAsync(n, Type.A);
        CompletableFuture<Lookup> aaaa = lookupAsync(n, Type.AAAA);
        return a.thenCombine(aaaa, (l4, l6) -> {
            List<InetAddress> out = new ArrayList<>();
            for (Lookup l : List.of(l4, l6)) {
                for (Record r : l.records) {
                    if (r instanceof ARecord ar) out.add(ar.getAddress());
                    else if (r instanceof AAAARecord ar) out.add(ar.getAddress());
                }
            }
            boolean temporary = l4.status == Status.TEMPORARY || l6.status == Status.TEMPORARY;
            String detail = out.isEmpty() ? "A " + l4.describe() + ", AAAA " + l6.describe() : "";
            return new Addresses(out, temporary, detail);
        });
    }

    private Addresses join(CompletableFuture<Addresses> f, Name n) {
        try {
            // each of A and AAAA has its own resolver timeout; this bound only guards against a lost callback
            return f.get(timeout.toMillis() * 4 + 1000, TimeUnit.MILLISECONDS);
        } catch (TimeoutException e) {
            return new Addresses(List.of(), true, "timeout resolving " + n);
        } catch (ExecutionException e) {
            return new Addresses(List.of(), true, String.valueOf(e.getCause()));
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return new Addresses(List.of(), true, "interrupted");
        }
    }

    private enum Status { FOUND, NODATA, NXDOMAIN, TEMPORARY }

    private record Lookup(Status status, List<Record> records, String detail) {
        String describe() {
            return switch (status) {
                case FOUND -> records.size() + " record(s)";
                case NODATA -> "NODATA";
                case NXDOMAIN -> "NXDOMAIN";
                case TEMPORARY -> detail;
            };
        }
    }

    private Lookup lookup(Name n, int type) {
        try {
            return lookupAsync(n, type).get(timeout.toMillis() * 4 + 1000, TimeUnit.MILLISECONDS);
        } catch (TimeoutException e) {
            return new Lookup(Status.TEMPORARY, List.of(), "timeout");
        } catch (ExecutionException e) {
            return new Lookup(Status.TEMPORARY, List.of(), String.valueOf(e.getCause()));
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return new Lookup(Status.TEMPORARY, List.of(), "interrupted");
        }
    }

    private CompletableFuture<Lookup> lookupAsync(Name n, int type) {
        return session.lookupAsync(n, type).toCompletableFuture().handle((result, error) -> {
            Throwable e = error instanceof CompletionException ce && ce.getCause() != null ? ce.getCause() : error;
            if (e == null) {
                return result.getRecords().isEmpty() ? new Lookup(Status.NODATA, List.of(), "")
                        : new Lookup(Status.FOUND, result.getRecords(), "");
            }
            if (e instanceof NoSuchDomainException) return new Lookup(Status.NXDOMAIN, List.of(), "NXDOMAIN");
            if (e instanceof NoSuchRRSetException) return new Lookup(Status.NODATA, List.of(), "NODATA");
            // ServerFailedException (SERVFAIL/REFUSED), timeouts, I/O errors
            String what = e.getClass().getSimpleName() + (e.getMessage() == null ? "" : ": " + e.getMessage());
            return new Lookup(Status.TEMPORARY, List.of(), n + " " + Type.string(type) + " " + what);
        });
    }

    private static String hostName(Name n) {
        String s = n.toString(true);
        return s.toLowerCase(Locale.ROOT);
    }

    static boolean isIpLiteral(String host) {
        return host.matches("\\d{1,3}(\\.\\d{1,3}){3}") || (host.contains(":") && host.matches("[0-9a-fA-F:.]+"));
    }
}
