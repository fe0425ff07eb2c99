package dev.rebound.core.monitor;

/**
 * The numbers behind a {@link Verdict}, for the operator and the alert record.
 *
 * @param trials     trials in the evaluated stretch (the window, or the change point's suffix for a spike)
 * @param events     events in it
 * @param rate       events / trials
 * @param lowerBound the Wilson lower confidence bound of the rate
 * @param baseline   the baseline rate the spike test compared against (after the floor)
 * @param statistic  the Bernoulli GLR statistic (maximum log-likelihood ratio over change points; 0 when no
 *                   stretch of the window was above the baseline)
 * @param threshold  the level that decided: the ceiling, the spike level, or the clearing level
 * @param minutes    how many minutes the evaluated stretch covers
 */
public record Figures(long trials, long events, double rate, double lowerBound, double baseline, double statistic,
                      double threshold, int minutes) {}
