package dev.rebound.server.delivery;

import dev.rebound.core.tls.StsDiscovery;
import dev.rebound.core.tls.StsPolicy;
import dev.rebound.core.tls.StsRecord;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.Locale;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.locks.ReentrantLock;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The MTA-STS policies of recipient domains (RFC 8461), kept in memory: the TXT record looked up by the caller is
 * handed in, the core {@link StsDiscovery} says whether the cached policy applies or one must be fetched, the
 * {@link MtaStsFetcher} fetches it, and the result is cached per domain by id and max_age on the injected clock.
 * A failed fetch is remembered per (domain, id) so it is not repeated on every delivery within the backoff.
 * Concurrent deliveries to one domain fetch once (striped locks by domain). The cache holds at most
 * {@value #MAX_DOMAINS} domains; when full, expired entries are dropped first.
 */
final class MtaStsPolicies {
    private static final Logger log = LoggerFactory.getLogger(MtaStsPolicies.class);
    static final int MAX_DOMAINS = 10_000;

    /** The policy that applies to a domain now (if any) and the discovery rule that said so. */
    record Resolved(Optional<StsDiscovery.Cached> policy, String rule, String why) {}

    private final MtaStsFetcher fetcher;
    private final Duration failureBackoff;
    private final Clock clock;
    private final ConcurrentHashMap<String, StsDiscovery.Cached> cache = new ConcurrentHashMap<>();
    private final ConcurrentHashMap<String, StsDiscovery.FailedFetch> failures = new ConcurrentHashMap<>();
    private final ReentrantLock[] locks = new ReentrantLock[64];

    MtaStsPolicies(MtaStsFetcher fetcher, Duration failureBackoff, Clock clock) {
        this.fetcher = fetcher;
        this.failureBackoff = failureBackoff;
        this.clock = clock;
        for (int i = 0; i < locks.length; i++) locks[i] = new ReentrantLock();
    }

    /** The policy for {@code domain}, given its {@code _mta-sts} TXT answer. */
    Resolved resolve(String domain, MxResolver.Txt txt) {
        String d = domain.toLowerCase(Locale.ROOT);
        StsRecord record = txt.records().isEmpty() ? new StsRecord.NotFound(txt.detail().isEmpty() ? "no TXT record" : txt.detail())
                : StsRecord.discover(txt.records());
        ReentrantLock lock = locks[Math.floorMod(d.hashCode(), locks.length)];
        lock.lock();
        try {
            Instant now = clock.instant();
            StsDiscovery.Step step = StsDiscovery.next(Optional.ofNullable(cache.get(d)), record,
                    Optional.ofNullable(failures.get(d)), failureBackoff, now);
            if (step instanceof StsDiscovery.Fetch f) {
                StsPolicy.Parse fetched = fetcher.fetch(d);
                step = StsDiscovery.afterFetch(Optional.ofNullable(cache.get(d)), f.id(), fetched, clock.instant());
                if (fetched instanceof StsPolicy.Invalid inv) {
                    failures.put(d, new StsDiscovery.FailedFetch(f.id(), clock.instant(), inv.problem()));
                    log.warn("MTA-STS policy {} of {} could not be fetched: {} ({})", f.id(), d, inv.problem(), step.rule());
                } else {
                    failures.remove(d);
                }
            }
            return switch (step) {
                case StsDiscovery.Use u -> {
                    if (u.rule().equals("sts.fetched")) {
                        store(d, u.policy(), now);
                        log.info("MTA-STS policy {} of {}: mode {}, mx {}, max_age {}", u.policy().id(), d,
                                u.policy().policy().mode(), u.policy().policy().mx(), u.policy().policy().maxAge());
                    }
                    yield new Resolved(Optional.of(u.policy()), u.rule(), u.why());
                }
                case StsDiscovery.NoPolicy n -> {
                    cache.computeIfPresent(d, (k, c) -> c.fresh(now) ? c : null);
                    yield new Resolved(Optional.empty(), n.rule(), n.why());
                }
                case StsDiscovery.Fetch f -> throw new IllegalStateException("afterFetch never asks to fetch again: " + f);
            };
        } finally {
            lock.unlock();
        }
    }

    /** Number of cached policies (for tests and metrics). */
    int size() {
        return cache.size();
    }

    private void store(String domain, StsDiscovery.Cached c, Instant now) {
        if (cache.size() >= MAX_DOMAINS && !cache.containsKey(domain)) {
            cache.values().removeIf(x -> !x.fresh(now));
            failures.values().removeIf(x -> !now.isBefore(x.at().plus(failureBackoff)));
            if (cache.size() >= MAX_DOMAINS) return; // full of fresh policies: this one applies now, uncached
        }
        cache.put(domain, c);
    }
}
