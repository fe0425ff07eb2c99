package dev.rebound.core.tls;

import java.time.Duration;
import java.time.Instant;
import java.util.Objects;
import java.util.Optional;

/**
 * When to use a cached MTA-STS policy and when to fetch one (RFC 8461 §3.3, §5.1), as a pure function of the
 * cache entry, the TXT record just looked up, the last failed fetch and {@code now}.
 *
 * <ol>
 *   <li>TXT record with id X: a cached policy of id X that is still fresh (fetched less than its max_age ago) is
 *       used, nothing is fetched ({@code sts.cache.same-id}). Otherwise the policy is fetched ({@code sts.fetch}),
 *       unless fetching id X failed less than {@code failureBackoff} ago (senders should limit refetches, §3.3):
 *       then the fresh cached policy, if any, is used ({@code sts.cache.fetch-failed}), else there is none
 *       ({@code sts.none.fetch-failed}).</li>
 *   <li>No usable TXT record (absent, invalid, DNS failure): a fresh cached policy still applies
 *       ({@code sts.cache.no-record}: "if no live policy can be discovered ... but a valid (non-expired) policy
 *       exists in the sender's cache, the sender MUST apply that cached policy"); else there is none
 *       ({@code sts.none.no-record}).</li>
 *   <li>After a fetch: a valid policy is cached under X with the fetch time ({@code sts.fetched}); a failed or
 *       invalid one leaves the fresh cached policy in force ({@code sts.cache.fetch-failed}), else none
 *       ({@code sts.none.fetch-failed}: deliver as though the domain had no policy, §3.3).</li>
 * </ol>
 */
public final class StsDiscovery {
    private StsDiscovery() {}

    /** A policy as cached: its id, the policy and when it was fetched. */
    public record Cached(String id, StsPolicy policy, Instant fetchedAt) {
        public Cached {
            Objects.requireNonNull(id, "id");
            Objects.requireNonNull(policy, "policy");
            Objects.requireNonNull(fetchedAt, "fetchedAt");
        }

        /** Fresh while less than max_age has passed since the fetch. */
        public boolean fresh(Instant now) {
            return now.isBefore(fetchedAt.plus(policy.maxAge()));
        }
    }

    /** A fetch of policy {@code id} that failed at {@code at}. */
    public record FailedFetch(String id, Instant at, String problem) {}

    /** What to do next. */
    public sealed interface Step {
        String rule();

        String why();
    }

    /** Apply this policy (cache it when {@code rule} is {@code sts.fetched}). */
    public record Use(Cached policy, String rule, String why) implements Step {}

    /** Fetch the policy over HTTPS, expecting id {@code id}. */
    public record Fetch(String id, String rule, String why) implements Step {}

    /** No policy applies: deliver by the configured mode. */
    public record NoPolicy(String rule, String why) implements Step {}

    /** The step after the TXT lookup. */
    public static Step next(Optional<Cached> cached, StsRecord txt, Optional<FailedFetch> lastFailure,
                            Duration failureBackoff, Instant now) {
        Optional<Cached> fresh = cached.filter(c -> c.fresh(now));
        return switch (txt) {
            case StsRecord.Found f -> {
                if (fresh.isPresent() && fresh.get().id().equals(f.id())) {
                    yield new Use(fresh.get(), "sts.cache.same-id", "cached policy " + f.id() + " is fresh and its id is unchanged");
                }
                Optional<FailedFetch> recent = lastFailure.filter(x -> x.id().equals(f.id()) && now.isBefore(x.at().plus(failureBackoff)));
                if (recent.isPresent()) {
                    String why = "fetching policy " + f.id() + " failed at " + recent.get().at() + " (" + recent.get().problem() + ")";
                    yield fresh.<Step>map(c -> new Use(c, "sts.cache.fetch-failed", why + "; the cached policy " + c.id() + " still applies"))
                            .orElseGet(() -> new NoPolicy("sts.none.fetch-failed", why));
                }
                yield new Fetch(f.id(), "sts.fetch", fresh.isPresent() ? "the policy id changed from " + fresh.get().id() + " to " + f.id()
                        : cached.isPresent() ? "the cached policy " + cached.get().id() + " expired" : "no cached policy");
            }
            case StsRecord.NotFound n -> fresh.<Step>map(c -> new Use(c, "sts.cache.no-record",
                            "no usable _mta-sts record (" + n.why() + "); the cached policy " + c.id() + " is still fresh"))
                    .orElseGet(() -> new NoPolicy("sts.none.no-record", n.why()));
        };
    }

    /** The step after fetching policy {@code id}: the parse result, or a fetch problem. */
    public static Step afterFetch(Optional<Cached> cached, String id, StsPolicy.Parse fetched, Instant now) {
        if (fetched instanceof StsPolicy.Valid v) {
            return new Use(new Cached(id, v.policy(), now), "sts.fetched", "fetched policy " + id);
        }
        String problem = ((StsPolicy.Invalid) fetched).problem();
        String why = "policy " + id + " could not be fetched: " + problem;
        return cached.filter(c -> c.fresh(now))
                .<Step>map(c -> new Use(c, "sts.cache.fetch-failed", why + "; the cached policy " + c.id() + " still applies"))
                .orElseGet(() -> new NoPolicy("sts.none.fetch-failed", why));
    }
}
