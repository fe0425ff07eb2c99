package dev.rebound.server.store;

import java.util.Objects;

/**
 * A bounce email as received at the bounce address, kept once by its SHA-256 (table {@code bounce_mail}, V22) next to
 * the evidence rows of its records, so that replay can parse it again with the running build's parser. Emails larger
 * than {@link #MAX_KEPT} are not kept.
 */
public record BounceMail(String sha256, byte[] raw) {
    /** The largest email kept (1 MiB): a DSN that returns a large original message keeps only its parsed records. */
    public static final int MAX_KEPT = 1 << 20;

    public BounceMail {
        Objects.requireNonNull(sha256, "BounceMail.sha256");
        Objects.requireNonNull(raw, "BounceMail.raw");
    }

    /** Whether the email is small enough to keep. */
    public boolean kept() {
        return raw.length <= MAX_KEPT;
    }
}
