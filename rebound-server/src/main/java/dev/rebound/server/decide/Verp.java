package dev.rebound.server.decide;

import java.util.Locale;
import java.util.Optional;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Rebound's bounce address: {@code bounces+<recipient-id>@<bounces.domain>} (VERP, the envelope sender of every
 * attempt when {@code bounces.domain} is set) or plain {@code bounces@<bounces.domain>} (feedback loops, no id).
 * Built by the scheduler, parsed by the bounce mailbox: one type for both sides.
 *
 * <p>Design. Variable envelope return paths (D. J. Bernstein, https://cr.yp.to/proto/verp.txt) put the recipient in
 * the return path, so a bounce names the recipient it is about even when the DSN itself is unreadable, forwarded or
 * about an alias. The id is Rebound's recipient id (letters and digits, at most 64), not the address: the local part
 * stays short (RFC 5321 §4.5.3.1.1, 64 octets) and reveals nothing.
 *
 * @param recipientId Rebound's recipient id, "" for the plain bounce address
 * @param domain      the bounce domain, lower case
 */
public record Verp(String recipientId, String domain) {
    private static final Pattern ADDRESS = Pattern.compile("(?i)bounces(?:\\+([A-Za-z0-9]{1,64}))?@(.+)");

    public Verp {
        recipientId = recipientId == null ? "" : recipientId;
        domain = domain.toLowerCase(Locale.ROOT);
    }

    /** The envelope address. */
    public String address() {
        return recipientId.isEmpty() ? "bounces@" + domain : "bounces+" + recipientId + "@" + domain;
    }

    /** A bounce address at any domain, with or without a recipient id; empty when {@code address} is none. */
    public static Optional<Verp> parse(String address) {
        Matcher m = ADDRESS.matcher(address == null ? "" : address.strip());
        return m.matches() ? Optional.of(new Verp(m.group(1), m.group(2))) : Optional.empty();
    }
}
