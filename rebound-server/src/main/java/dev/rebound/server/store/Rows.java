package dev.rebound.server.store;

import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Types;
import java.time.Instant;
import java.util.Optional;

/**
 * The one mapping between Java values and columns that every table group uses: instants are stored as epoch
 * milliseconds ({@code BIGINT}), an absent instant as SQL NULL, an absent text as "" on the Java side.
 */
final class Rows {
    private Rows() {}

    /** A nullable millisecond column as an optional instant. */
    static Optional<Instant> instant(ResultSet rs, int column) throws SQLException {
        long v = rs.getLong(column);
        return rs.wasNull() ? Optional.empty() : Optional.of(Instant.ofEpochMilli(v));
    }

    /** A NOT NULL millisecond column. */
    static Instant requiredInstant(ResultSet rs, int column) throws SQLException {
        return Instant.ofEpochMilli(rs.getLong(column));
    }

    /** Binds an optional instant as milliseconds or SQL NULL. */
    static void setInstant(PreparedStatement ps, int index, Optional<Instant> at) throws SQLException {
        if (at.isPresent()) ps.setLong(index, at.get().toEpochMilli());
        else ps.setNull(index, Types.BIGINT);
    }

    /** A nullable text column as "" when NULL. */
    static String text(ResultSet rs, int column) throws SQLException {
        String s = rs.getString(column);
        return s == null ? "" : s;
    }

    /** "" as SQL NULL. */
    static String nullIfEmpty(String s) {
        return s == null || s.isEmpty() ? null : s;
    }
}
