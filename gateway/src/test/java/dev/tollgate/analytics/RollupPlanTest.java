package dev.tollgate.analytics;

import static org.assertj.core.api.Assertions.assertThat;

import dev.tollgate.analytics.RollupPlan.Segment;
import dev.tollgate.analytics.RollupPlan.Source;
import java.time.Instant;
import java.time.ZoneId;
import java.time.ZoneOffset;
import org.junit.jupiter.api.Test;

class RollupPlanTest {

    static Instant t(String s) {
        return Instant.parse(s);
    }

    @Test
    void utcDaysFromTheDailyRollupHoursAroundThemFromTheHourlyAndPartialHoursFromEvents() {
        assertThat(RollupPlan.plan(t("2026-11-01T10:20:00Z"), t("2026-11-04T03:30:00Z"), ZoneOffset.UTC, CostQuery.Interval.DAY))
                .containsExactly(
                        new Segment(Source.EVENTS, t("2026-11-01T10:20:00Z"), t("2026-11-01T11:00:00Z")),
                        new Segment(Source.HOURLY, t("2026-11-01T11:00:00Z"), t("2026-11-02T00:00:00Z")),
                        new Segment(Source.DAILY, t("2026-11-02T00:00:00Z"), t("2026-11-04T00:00:00Z")),
                        new Segment(Source.HOURLY, t("2026-11-04T00:00:00Z"), t("2026-11-04T03:00:00Z")),
                        new Segment(Source.EVENTS, t("2026-11-04T03:00:00Z"), t("2026-11-04T03:30:00Z")));
    }

    @Test
    void otherZonesAndHourlyBucketsReadTheHourlyRollup() {
        assertThat(RollupPlan.plan(t("2026-11-01T00:00:00Z"), t("2026-11-05T00:00:00Z"), ZoneId.of("Europe/Berlin"), CostQuery.Interval.DAY))
                .containsExactly(new Segment(Source.HOURLY, t("2026-11-01T00:00:00Z"), t("2026-11-05T00:00:00Z")));
        assertThat(RollupPlan.plan(t("2026-11-01T00:00:00Z"), t("2026-11-05T00:00:00Z"), ZoneOffset.UTC, CostQuery.Interval.HOUR))
                .containsExactly(new Segment(Source.HOURLY, t("2026-11-01T00:00:00Z"), t("2026-11-05T00:00:00Z")));
    }

    @Test
    void withinOneHourOnlyEventsSplitAtTheHour() {
        assertThat(RollupPlan.plan(t("2026-11-01T10:20:00Z"), t("2026-11-01T10:40:00Z"), ZoneOffset.UTC, null))
                .containsExactly(new Segment(Source.EVENTS, t("2026-11-01T10:20:00Z"), t("2026-11-01T10:40:00Z")));
        assertThat(RollupPlan.plan(t("2026-11-01T10:20:00Z"), t("2026-11-01T11:15:00Z"), ZoneOffset.UTC, null))
                .containsExactly(new Segment(Source.EVENTS, t("2026-11-01T10:20:00Z"), t("2026-11-01T11:00:00Z")),
                        new Segment(Source.EVENTS, t("2026-11-01T11:00:00Z"), t("2026-11-01T11:15:00Z")));
    }

    @Test
    void zonesWithPartHourOffsetsAreNamed() {
        assertThat(RollupPlan.partHourOffset(ZoneId.of("Asia/Kolkata"), t("2026-11-01T00:00:00Z"), t("2026-11-02T00:00:00Z")))
                .isEqualTo(ZoneOffset.ofHoursMinutes(5, 30));
        assertThat(RollupPlan.partHourOffset(ZoneId.of("America/New_York"), t("2026-01-01T00:00:00Z"), t("2026-12-31T00:00:00Z"))).isNull();
    }
}
