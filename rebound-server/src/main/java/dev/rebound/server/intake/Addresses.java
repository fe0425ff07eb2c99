package dev.rebound.server.intake;

import dev.rebound.core.smtp.MailDomain;
import java.util.Locale;
import java.util.Optional;
import java.util.regex.Pattern;

/**
 * Mailbox syntax for intake, deliberately narrower than RFC 5322 (no comments, no quoted local parts, no
 * source routes): {@code local@domain} or {@code Display Name <local@domain>}. Limits from RFC 5321 §4.5.3.1:
 * local part 64 octets, domain 255, path 256.
 */
public final class Addresses {
    private static final Pattern LOCAL = Pattern.compile("[A-Za-z0-9!#$%&'*+/=?^_`{|}~.-]+|[^\\s\\p{Cntrl}@<>()\\[\\]\\\\,;:\"]+");
    private static final Pattern DOMAIN = Pattern.compile("(?=.{1,255}$)([A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?)(\\.[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?)*|\\[[0-9.:A-Fa-f]+]");

    private Addresses() {}

    /** A parsed mailbox: optional display name and the addr-spec. */
    public record Mailbox(String displayName, String address) {
        public String domain() {
            return MailDomain.of(address);
        }
    }

    /** {@code local@domain} or {@code Display Name <local@domain>}. */
    public static Optional<Mailbox> mailbox(String text) {
        if (text == null) return Optional.empty();
        String t = text.strip();
        if (t.indexOf('\r') >= 0 || t.indexOf('\n') >= 0) return Optional.empty();
        String name = "";
        String addr = t;
        int lt = t.lastIndexOf('<');
        if (lt >= 0) {
            if (!t.endsWith(">")) return Optional.empty();
            name = t.substring(0, lt).strip();
            if (name.startsWith("\"") && name.endsWith("\"") && name.length() >= 2) name = name.substring(1, name.length() - 1);
            addr = t.substring(lt + 1, t.length() - 1).strip();
        }
        String display = name;
        return addrSpec(addr).map(a -> new Mailbox(display, a));
    }

    /** A bare address {@code local@domain} (SMTP envelope form). */
    public static Optional<String> addrSpec(String text) {
        if (text == null || text.length() > 254) return Optional.empty();
        int at = text.lastIndexOf('@');
        if (at <= 0 || at == text.length() - 1) return Optional.empty();
        String local = text.substring(0, at), domain = text.substring(at + 1);
        if (local.length() > 64 || !LOCAL.matcher(local).matches() || local.startsWith(".") || local.endsWith(".") || local.contains("..")) return Optional.empty();
        if (!DOMAIN.matcher(domain).matches()) return Optional.empty();
        return Optional.of(text);
    }
}
