package dev.tollgate.usage;

/**
 * Where usage events go. {@link #record} never blocks and never fails: the event is queued, or
 * spooled to disk when the queue is full, and written later.
 */
public interface UsageSink {

    void record(UsageEvent event);
}
