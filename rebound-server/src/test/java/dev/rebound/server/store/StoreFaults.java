package dev.rebound.server.store;

import java.sql.ResultSet;
import java.sql.Statement;

/**
 * Fault injection for the {@code faults} test group: SQLite's own per-connection page limit
 * ({@code PRAGMA max_page_count}, https://sqlite.org/pragma.html#pragma_max_page_count) on the store's write
 * connection, so a write that needs a new page fails with {@code SQLITE_FULL} exactly as on a full disk,
 * without mounting anything. The limit is applied again to any write connection the store opens later.
 */
public final class StoreFaults {
    private StoreFaults() {}

    /** Caps the database file at its current size plus {@code extraPages} pages; returns the cap. */
    public static long limitPages(Store store, long extraPages) {
        SqliteStore s = (SqliteStore) store;
        long pages = s.writer().write(c -> {
            try (Statement st = c.createStatement(); ResultSet rs = st.executeQuery("PRAGMA page_count")) {
                rs.next();
                return rs.getLong(1);
            }
        });
        return s.maxPageCount(pages + extraPages);
    }

    /** Lifts the cap (SQLite's largest page count). */
    public static void unlimitPages(Store store) {
        ((SqliteStore) store).maxPageCount(4294967294L);
    }
}
