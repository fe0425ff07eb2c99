package dev.rebound.server.store;

import java.sql.PreparedStatement;
import java.time.Instant;

/** Single-use webhook tokens ({@code webhook_tokens}, V11): Mailgun's replay protection, kept past a restart. */
final class TokenTables {
    private final Database db;

    TokenTables(Database db) {
        this.db = db;
    }

    boolean firstUse(String provider, String token, Instant keepUntil) {
        return db.write(c -> {
            long now = db.clock().millis();
            try (PreparedStatement del = c.prepareStatement("DELETE FROM webhook_tokens WHERE expires_at < ?")) {
                del.setLong(1, now);
                del.executeUpdate();
            }
            // ON CONFLICT ... DO NOTHING: SQLite >= 3.24 and PostgreSQL >= 9.5; the single writer plus the primary
            // key make the check and the insert one atomic step.
            try (PreparedStatement ins = c.prepareStatement("""
                    INSERT INTO webhook_tokens (provider, token, used_at, expires_at) VALUES (?, ?, ?, ?)
                    ON CONFLICT (provider, token) DO NOTHING
                    """)) {
                ins.setString(1, provider);
                ins.setString(2, token);
                ins.setLong(3, now);
                ins.setLong(4, keepUntil.toEpochMilli());
                return ins.executeUpdate() == 1;
            }
        });
    }
}
