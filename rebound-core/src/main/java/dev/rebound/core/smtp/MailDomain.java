package dev.rebound.core.smtp;

import java.util.Locale;

/**
 * The domain of a mailbox address: the part after the last {@code @} (RFC 5321 §4.1.2, {@code Mailbox = Local-part
 * "@" ( Domain / address-literal )}; a quoted local part may itself contain {@code @}), lower case because domain
 * names compare case-insensitively (RFC 5321 §2.4). "" when the address has no {@code @}.
 */
public final class MailDomain {
    private MailDomain() {}

    public static String of(String address) {
        int at = address.lastIndexOf('@');
        return at < 0 ? "" : address.substring(at + 1).toLowerCase(Locale.ROOT);
    }
}
