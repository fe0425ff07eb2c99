package dev.rebound.server.store;

/** Group commit counters: {@code writes / commits} is the mean batch size. */
public record WriteStats(long commits, long writes, int largestBatch) {}
