package dev.tollgate.ratelimit;

/** After a decision: what is left of a limit and in how many milliseconds it is full again. */
public record LimitState(LimitRule rule, long remaining, long resetMillis) {}
