package dev.rebound.server.access;

import dev.rebound.core.policy.TokenBucket;
import dev.rebound.server.intake.Sha256;
import dev.rebound.server.store.ApiKeyRecord;
import dev.rebound.server.store.Store;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.SecureRandom;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.Base64;
import java.util.EnumSet;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Collectors;

/**
 * API keys with scopes. A key is {@code rbk_<id>_<secret>}: a 16-hex-digit public id (the lookup and the name in
 * audit rows) and 32 random bytes (base64url) as the secret. The store keeps the id, the scopes, the rate limit
 * and the SHA-256 of the secret, never the secret itself (a 256-bit random secret needs no slow hash; compare
 * GitHub's and Stripe's tokens); the secret is shown once, when the key is created. Checks compare digests with
 * {@link MessageDigest#isEqual} (constant time), and an unknown id is compared against a dummy digest so that
 * "no such id" and "wrong secret" take the same work.
 *
 * <p>Keys from {@code api.keys} in the config keep working as full-access keys (every scope, no rate limit).
 * Once any key exists (in the config or the store, revoked ones included, so revoking every key never opens the
 * API), every route that needs a scope needs a key; before that the API is open, as it always was.
 *
 * <p>Rate limit per key: the core {@link TokenBucket} (requests per second and burst, stored with the key; 0 = no
 * limit), state kept in memory per node, time from the injected clock. Order of the checks: key (401), scope
 * (403), rate (429): a refused scope spends no token.
 */
public final class ApiKeys {
    public static final String PREFIX = "rbk_";
    private static final Pattern TOKEN = Pattern.compile("rbk_([0-9a-f]{16})_([A-Za-z0-9_-]{43})");
    private static final SecureRandom RANDOM = new SecureRandom();
    private static final byte[] DUMMY = new byte[64];

    private final Store store;
    private final List<byte[]> configKeys;
    private final Clock clock;
    private final Map<String, TokenBucket.State> buckets = new ConcurrentHashMap<>();

    /** The answer of {@link ApiKeys#authorize}: go on as {@code caller}, or refuse with an HTTP status and a message. */
    public sealed interface Decision {
        /** @param caller who made the call, for audit rows: {@code api-key:<id>}, {@code api-key:<sha-256 prefix>} or {@code api} */
        record Allowed(String caller, Set<Scope> scopes) implements Decision {
            public Allowed {
                scopes = Set.copyOf(scopes);
            }

            /** Whether the caller holds {@code scope} ({@code admin} holds every scope). */
            public boolean may(Scope scope) {
                return scopes.contains(scope) || scopes.contains(Scope.ADMIN);
            }
        }

        /**
         * @param status     401 (no or unknown key), 403 (a scope missing) or 429 (over the key's rate)
         * @param error      the JSON error code
         * @param retryAfter for 429: when the next request may pass
         */
        record Refused(int status, String error, String message, Optional<Duration> retryAfter) implements Decision {}
    }

    /** A new key: its stored record and the whole key, which is shown once and never again. */
    public record Issued(ApiKeyRecord record, String key) {}

    public ApiKeys(Store store, List<String> configKeys, Clock clock) {
        this.store = store;
        this.configKeys = configKeys.stream().map(k -> k.getBytes(StandardCharsets.UTF_8)).toList();
        this.clock = clock;
    }

    /** Creates and stores a key. {@code ratePerSecond} 0 means no rate limit. */
    public Issued create(String name, Set<Scope> scopes, double ratePerSecond, int burst) {
        if (name.isBlank() || name.length() > 128) throw new IllegalArgumentException("key name \"" + name + "\": give 1 to 128 characters");
        if (scopes.isEmpty()) throw new IllegalArgumentException("a key needs at least one scope: " + allScopes());
        if (!(ratePerSecond >= 0) || !Double.isFinite(ratePerSecond)) throw new IllegalArgumentException("rate " + ratePerSecond + ": give requests per second, 0 for no limit");
        if (burst < 1) throw new IllegalArgumentException("burst " + burst + ": give at least 1");
        if (ratePerSecond > 0) new TokenBucket(ratePerSecond, burst); // validates the pair
        byte[] idBytes = new byte[8];
        byte[] secretBytes = new byte[32];
        RANDOM.nextBytes(idBytes);
        RANDOM.nextBytes(secretBytes);
        String id = HexFormat.of().formatHex(idBytes);
        String secret = Base64.getUrlEncoder().withoutPadding().encodeToString(secretBytes);
        ApiKeyRecord record = new ApiKeyRecord(id, name.strip(), Sha256.hex(secret.getBytes(StandardCharsets.US_ASCII)),
                scopeIds(scopes), ratePerSecond, burst, clock.instant(), Optional.empty());
        store.createApiKey(record);
        return new Issued(record, PREFIX + id + "_" + secret);
    }

    public List<ApiKeyRecord> list() {
        return store.apiKeys();
    }

    /** Revokes a key by id (or by the whole key); empty when there is no such key. */
    public Optional<ApiKeyRecord> revoke(String idOrKey) {
        Matcher m = TOKEN.matcher(idOrKey.strip());
        String id = m.matches() ? m.group(1) : idOrKey.strip();
        return store.revokeApiKey(id, clock.instant());
    }

    /** Whether requests need a key: one is configured or was ever created. */
    public boolean required() {
        return !configKeys.isEmpty() || store.apiKeysExist();
    }

    /**
     * Checks a request's {@code Authorization} header for {@code needed}.
     *
     * @param what the request, for messages ("POST /v1/messages")
     */
    public Decision authorize(Optional<String> authorization, Scope needed, String what) {
        if (!required()) return new Decision.Allowed("api", EnumSet.allOf(Scope.class));
        String h = authorization.orElse("");
        if (!h.startsWith("Bearer ") || h.substring(7).isBlank())
            return unauthorized(what + " needs an API key: send Authorization: Bearer <key> (create one with `rebound keys create`)");
        byte[] given = h.substring(7).strip().getBytes(StandardCharsets.UTF_8);
        String token = new String(given, StandardCharsets.UTF_8);
        for (byte[] k : configKeys)
            if (MessageDigest.isEqual(given, k)) return new Decision.Allowed("api-key:" + Sha256.hex(given).substring(0, 12), EnumSet.allOf(Scope.class));
        Matcher m = TOKEN.matcher(token);
        Optional<ApiKeyRecord> key = m.matches() ? store.apiKey(m.group(1)) : Optional.empty();
        byte[] presented = (m.matches() ? Sha256.hex(m.group(2).getBytes(StandardCharsets.US_ASCII)) : "").getBytes(StandardCharsets.US_ASCII);
        byte[] stored = key.map(k -> k.secretSha256().getBytes(StandardCharsets.US_ASCII)).orElse(DUMMY);
        boolean secretMatches = MessageDigest.isEqual(presented, stored);
        if (key.isEmpty() || !secretMatches) return unauthorized("unknown API key; check the key (" + Sha256.hex(given).substring(0, 12)
                + "… by its SHA-256) or create one with `rebound keys create`");
        ApiKeyRecord k = key.get();
        if (k.revokedAt().isPresent())
            return unauthorized("API key " + k.id() + " (" + k.name() + ") was revoked at " + k.revokedAt().get() + "; create a new one with `rebound keys create`");
        Set<Scope> scopes = scopes(k.scopes());
        if (!scopes.contains(needed) && !scopes.contains(Scope.ADMIN))
            return new Decision.Refused(403, "forbidden", "API key " + k.id() + " (" + k.name() + ") lacks the scope \"" + needed.id()
                    + "\" that " + what + " needs; its scopes: " + k.scopes() + " (create a key with --scope " + needed.id() + ")", Optional.empty());
        if (k.ratePerSecond() > 0) {
            TokenBucket bucket = new TokenBucket(k.ratePerSecond(), k.burst());
            Instant now = clock.instant();
            TokenBucket.Take[] take = new TokenBucket.Take[1];
            buckets.compute(k.id(), (id, s) -> {
                take[0] = bucket.tryTake(s == null ? bucket.full(now) : s, now);
                return take[0].newState();
            });
            if (!take[0].allowed()) {
                Duration wait = Duration.between(now, take[0].waitUntil());
                return new Decision.Refused(429, "rate_limited", "API key " + k.id() + " (" + k.name() + ") is over its rate of "
                        + rate(k) + "; retry after the Retry-After seconds", Optional.of(wait));
            }
        }
        return new Decision.Allowed("api-key:" + k.id(), scopes);
    }

    private static Decision unauthorized(String message) {
        return new Decision.Refused(401, "unauthorized", message, Optional.empty());
    }

    static String rate(ApiKeyRecord k) {
        return k.ratePerSecond() <= 0 ? "no limit" : fmt(k.ratePerSecond()) + " requests/s, burst " + k.burst();
    }

    private static String fmt(double d) {
        return d == Math.rint(d) ? String.valueOf((long) d) : String.valueOf(d);
    }

    /** The scopes of a stored key (unknown ids are ignored: a key never gains a scope by a typo). */
    public static Set<Scope> scopes(String ids) {
        Set<Scope> out = EnumSet.noneOf(Scope.class);
        for (String s : ids.trim().split("\\s+")) if (!s.isEmpty()) Scope.of(s).ifPresent(out::add);
        return out;
    }

    static String scopeIds(Set<Scope> scopes) {
        return EnumSet.copyOf(scopes).stream().map(Scope::id).collect(Collectors.joining(" "));
    }

    public static String allScopes() {
        return EnumSet.allOf(Scope.class).stream().map(Scope::id).collect(Collectors.joining(", "));
    }
}
