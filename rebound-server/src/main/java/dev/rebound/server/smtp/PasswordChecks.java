package dev.rebound.server.smtp;

import dev.rebound.server.config.PasswordHash;
import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.security.MessageDigest;
import java.security.SecureRandom;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;

/**
 * Password checks for SMTP AUTH with a bounded share of the CPU (issue 9 finding 3).
 *
 * <ul>
 *   <li>At most {@code maxConcurrent} PBKDF2 runs at once (a semaphore, by default half the processors), so
 *       guesses never take more than that share of the CPU; an attempt that finds them all busy waits at most
 *       {@code permitWait} (a parked thread, no CPU) and is then answered {@link Verdict#BUSY} (the listener
 *       replies {@code 454 4.7.0}) instead of piling up more CPU work behind the guesses. Attempts from clients
 *       that failed recently do not wait at all, so a permit released during an attack goes to a waiting client
 *       without failures first.</li>
 *   <li>A verified user/password pair is remembered for {@code cacheTtl} as an HMAC-SHA256 under a key drawn at
 *       start and kept in memory only (the positive authentication cache of mail servers such as Dovecot's
 *       {@code auth_cache_ttl}): a legitimate client that logs in again needs no PBKDF2 run and no permit, so its
 *       latency does not depend on how many guesses are being checked. A wrong password never matches the cache
 *       and always costs a permit and a PBKDF2 run.</li>
 *   <li>An unknown user costs the same PBKDF2 run as a known one (a decoy hash), so the reply time does not tell
 *       which user names exist.</li>
 * </ul>
 */
final class PasswordChecks {
    enum Verdict { VALID, INVALID, BUSY }

    private record Remembered(byte[] mac, Instant until) {}

    private final Map<String, PasswordHash> users;
    private final PasswordHash decoy;
    private final Semaphore permits;
    private final Duration permitWait;
    private final Duration cacheTtl;
    private final Clock clock;
    private final SecretKeySpec key;
    private final Map<String, Remembered> verified = new ConcurrentHashMap<>();

    PasswordChecks(Map<String, PasswordHash> users, int maxConcurrent, Duration permitWait, Duration cacheTtl, Clock clock) {
        this(users, new Semaphore(maxConcurrent), permitWait, cacheTtl, clock);
    }

    /**
     * @param permits    one per password check allowed at once (tests hold them to see {@link Verdict#BUSY})
     * @param permitWait the longest wait for a permit (no CPU is used while waiting)
     */
    PasswordChecks(Map<String, PasswordHash> users, Semaphore permits, Duration permitWait, Duration cacheTtl, Clock clock) {
        this.users = Map.copyOf(users);
        PasswordHash any = users.values().iterator().next();
        this.decoy = new PasswordHash(any.iterations(), new byte[16], new byte[32]);
        this.permits = permits;
        this.permitWait = permitWait;
        this.cacheTtl = cacheTtl;
        this.clock = clock;
        byte[] k = new byte[32];
        new SecureRandom().nextBytes(k);
        this.key = new SecretKeySpec(k, "HmacSHA256");
    }

    /**
     * @param mayWait whether this attempt may wait for a permit (up to {@code permitWait}); false for clients that
     *                failed recently, so at a released permit a waiting client without failures is served first
     */
    Verdict check(String user, String password, boolean mayWait) {
        PasswordHash hash = users.get(user);
        byte[] mac = null;
        if (hash != null && !cacheTtl.isZero()) {
            mac = mac(user, password);
            Remembered r = verified.get(user);
            if (r != null && r.until().isAfter(clock.instant()) && MessageDigest.isEqual(r.mac(), mac)) return Verdict.VALID;
        }
        try {
            if (!(mayWait ? permits.tryAcquire(permitWait.toNanos(), TimeUnit.NANOSECONDS) : permits.tryAcquire())) return Verdict.BUSY;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return Verdict.BUSY;
        }
        boolean ok;
        try {
            ok = (hash == null ? decoy : hash).matches(password.toCharArray());
        } finally {
            permits.release();
        }
        if (hash == null || !ok) return Verdict.INVALID;
        if (mac != null) verified.put(user, new Remembered(mac, clock.instant().plus(cacheTtl)));
        return Verdict.VALID;
    }

    private byte[] mac(String user, String password) {
        try {
            Mac m = Mac.getInstance("HmacSHA256");
            m.init(key);
            m.update(user.getBytes(StandardCharsets.UTF_8));
            m.update((byte) 0);
            return m.doFinal(password.getBytes(StandardCharsets.UTF_8));
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("HmacSHA256 is part of every Java runtime", e);
        }
    }
}
