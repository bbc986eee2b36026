package dev.tollgate.analytics;

import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import reactor.core.publisher.Mono;

/** Reads cost reports and raw usage events from the usage store. */
public interface CostAnalytics {

    /** The report, sorted by bucket, then by cost (highest first). */
    Mono<List<CostRow>> costs(CostQuery query);

    /** One page of events, newest first, starting after {@code after} (exclusive) when given. */
    Mono<List<Map<String, Object>>> events(EventQuery query);

    /**
     * @param filters column → value ({@code ""} = calls without it)
     * @param failed true: only failed calls (status ≥ 400); false: only successful ones; null: all
     */
    record EventQuery(Instant from, Instant to, Map<String, String> filters, Boolean failed, Cursor after, int limit) {}

    /** Where a page ended: the last event's time and id. */
    record Cursor(Instant createdAt, UUID eventId) {}
}
