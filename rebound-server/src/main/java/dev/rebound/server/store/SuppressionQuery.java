package dev.rebound.server.store;

import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.Base64;
import java.util.List;
import java.util.Optional;

/**
 * A filter over the active (not expired) suppression list entries and a page of it: entries newest first, in the
 * keyset order (created_at, address, stream) descending, starting after {@code after}. A cursor names the last entry of the
 * previous page, never an offset, so rows added or removed meanwhile neither repeat nor skip the rest.
 *
 * @param domain        the recipient domain (the part after the last '@'), exact, case-insensitive
 * @param createdFrom   created at or after
 * @param createdBefore created before
 * @param expiresFrom   expires at or after (an entry that never expires is "after" any time)
 * @param expiresBefore expires before (an entry that never expires never matches)
 */
public record SuppressionQuery(Optional<String> stream, Optional<String> address, Optional<SuppressionState> state,
                               Optional<String> reason, Optional<String> origin, Optional<String> domain,
                               Optional<Instant> createdFrom, Optional<Instant> createdBefore,
                               Optional<Instant> expiresFrom, Optional<Instant> expiresBefore,
                               Optional<Cursor> after, int limit) {

    /** Everything, first page. */
    public static SuppressionQuery all(int limit) {
        return new SuppressionQuery(Optional.empty(), Optional.empty(), Optional.empty(), Optional.empty(), Optional.empty(),
                Optional.empty(), Optional.empty(), Optional.empty(), Optional.empty(), Optional.empty(), Optional.empty(), limit);
    }

    public SuppressionQuery after(Cursor c) {
        return new SuppressionQuery(stream, address, state, reason, origin, domain, createdFrom, createdBefore, expiresFrom,
                expiresBefore, Optional.of(c), limit);
    }

    /** The position after one entry: its (created_at, address, stream). */
    public record Cursor(Instant createdAt, String address, String stream) {
        public static Cursor of(Suppression s) {
            return new Cursor(s.createdAt(), s.address(), s.stream());
        }

        /** Opaque for clients: base64url of "millis\naddress\nstream". */
        public String token() {
            return Base64.getUrlEncoder().withoutPadding().encodeToString((createdAt.toEpochMilli() + "\n" + address + "\n" + stream)
                    .getBytes(StandardCharsets.UTF_8));
        }

        /** The cursor in a token, empty when the token is not one this class wrote. */
        public static Optional<Cursor> parse(String token) {
            try {
                String[] p = new String(Base64.getUrlDecoder().decode(token.strip()), StandardCharsets.UTF_8).split("\n", -1);
                if (p.length != 3 || p[1].isEmpty() || p[2].isEmpty()) return Optional.empty();
                return Optional.of(new Cursor(Instant.ofEpochMilli(Long.parseLong(p[0])), p[1], p[2]));
            } catch (IllegalArgumentException e) {
                return Optional.empty();
            }
        }
    }

    /** One page and the cursor of the next (empty on the last page). */
    public record Page(List<Suppression> entries, Optional<Cursor> next) {}
}
