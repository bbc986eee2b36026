package dev.tollgate.analytics;

import dev.tollgate.usage.UsageEvent;
import java.math.BigDecimal;
import java.time.Instant;
import java.util.Map;

/** Usage events for analytics tests: only what a cost report reads varies. */
final class TestEvents {

    private TestEvents() {}

    static UsageEvent event(String at, String team, String model, String provider, String cost) {
        return event(Instant.parse(at), team, "proj", "key-1", "u-1", null, model, provider, 200,
                cost == null ? null : new BigDecimal(cost), null, null, 100, 20);
    }

    static UsageEvent event(Instant at, String team, String project, String key, String user, String feature, String model,
            String provider, int status, BigDecimal cost, String cacheOutcome, BigDecimal saved, long in, long out) {
        return new UsageEvent(UsageEvent.newId(), "req-" + UsageEvent.newId(), at, key, team, project, user, feature, "chat",
                model, model, provider, provider == null ? null : provider + "/" + model, false, in, out, 0, 0, false, cost,
                false, cost == null ? null : "test", 120, null, status, status >= 400 ? String.valueOf(status) : null, null, 1,
                cacheOutcome, saved, "openai", null, null, Map.of());
    }
}
