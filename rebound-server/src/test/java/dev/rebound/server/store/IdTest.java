package dev.rebound.server.store;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import org.junit.jupiter.api.Test;

/** Row ids: 32 lowercase hex digits, unique, strictly growing within one process (monotonic within a millisecond). */
class IdTest {
    @Test
    void uniqueHexIds_orderedByTheirMillisecondPrefix() {
        List<String> ids = new ArrayList<>();
        for (int i = 0; i < 20_000; i++) ids.add(Database.newId());
        assertThat(ids).allSatisfy(id -> assertThat(id).matches("[0-9a-f]{32}"));
        assertThat(new HashSet<>(ids)).hasSize(ids.size());
        for (int i = 1; i < ids.size(); i++) {
            // the first 12 digits are the millisecond: never going backwards within one run
            assertThat(ids.get(i).substring(0, 12)).isGreaterThanOrEqualTo(ids.get(i - 1).substring(0, 12));
            // and the whole id grows, also within one millisecond: rows sorted by (at, id) keep their write order
            assertThat(ids.get(i)).isGreaterThan(ids.get(i - 1));
        }
        // the random part differs even within one millisecond
        assertThat(ids.stream().map(id -> id.substring(12)).distinct().count()).isEqualTo(ids.size());
    }
}
