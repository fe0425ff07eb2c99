package dev.rebound.server.store;

import java.time.Instant;

/** One {@code outcome_counts} row: the counts of one recipient domain and stream in the minute starting at {@code minute}. */
public record MinuteCounts(Instant minute, String domain, String stream, OutcomeCounts counts) {}
