package dev.rebound.server.config;

import java.security.GeneralSecurityException;
import java.security.MessageDigest;
import java.security.SecureRandom;
import java.util.Base64;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import javax.crypto.SecretKeyFactory;
import javax.crypto.spec.PBEKeySpec;

/**
 * A salted password hash for {@code smtp.auth.users}: PBKDF2 with HMAC-SHA-256 (RFC 8018 §5.2), JDK only.
 *
 * <p>Text form: {@code pbkdf2-sha256$<iterations>$<salt>$<hash>}, salt (16 bytes) and hash (32 bytes) in
 * unpadded standard base64, so the value survives YAML and the {@code key=value,...} environment syntax. The
 * default cost is 600,000 iterations (OWASP 2023 for PBKDF2-HMAC-SHA256); any count from 1,000 is accepted when
 * verifying, because the count is part of the stored value. Verification compares with
 * {@link MessageDigest#isEqual} (constant time).
 */
public record PasswordHash(int iterations, byte[] salt, byte[] hash) {
    public static final int DEFAULT_ITERATIONS = 600_000;
    public static final int MIN_ITERATIONS = 1_000;
    private static final String PREFIX = "pbkdf2-sha256";
    private static final Pattern FORMAT = Pattern.compile("pbkdf2-sha256\\$(\\d{4,9})\\$([A-Za-z0-9+/]{16,88})\\$([A-Za-z0-9+/]{43})");

    /** A new hash of {@code password} with a fresh random salt. */
    public static PasswordHash create(char[] password, int iterations, SecureRandom random) {
        if (iterations < MIN_ITERATIONS) throw new IllegalArgumentException("iterations " + iterations + " is too low; use at least " + MIN_ITERATIONS);
        byte[] salt = new byte[16];
        random.nextBytes(salt);
        return new PasswordHash(iterations, salt, derive(password, salt, iterations));
    }

    /** Parses the text form, or null when {@code text} is not one. */
    public static PasswordHash parseOrNull(String text) {
        if (text == null) return null;
        Matcher m = FORMAT.matcher(text.trim());
        if (!m.matches()) return null;
        int iterations = Integer.parseInt(m.group(1));
        if (iterations < MIN_ITERATIONS) return null;
        try {
            Base64.Decoder d = Base64.getDecoder();
            return new PasswordHash(iterations, d.decode(m.group(2)), d.decode(m.group(3)));
        } catch (IllegalArgumentException e) {
            return null;
        }
    }

    public boolean matches(char[] password) {
        return MessageDigest.isEqual(hash, derive(password, salt, iterations));
    }

    /** Same as {@link #matches(char[])} for a UTF-8 password. */
    public boolean matches(String password) {
        return matches(password.toCharArray());
    }

    public String text() {
        Base64.Encoder e = Base64.getEncoder().withoutPadding();
        return PREFIX + "$" + iterations + "$" + e.encodeToString(salt) + "$" + e.encodeToString(hash);
    }

    @Override
    public String toString() {
        return text();
    }

    private static byte[] derive(char[] password, byte[] salt, int iterations) {
        PBEKeySpec spec = new PBEKeySpec(password, salt, iterations, 256);
        try {
            return SecretKeyFactory.getInstance("PBKDF2WithHmacSHA256").generateSecret(spec).getEncoded();
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("PBKDF2WithHmacSHA256 is not available in this JDK", e);
        } finally {
            spec.clearPassword();
        }
    }
}
