-- Cost analytics (docs/cost-analytics.md).
--
-- Rollups: the usage events summed per UTC hour and per UTC day over every dimension the costs API
-- groups by, maintained in the same transaction as the events they sum (R2dbcUsageRollups), so a
-- month of costs reads tens of thousands of rollup rows instead of millions of events. Missing
-- dimensions are stored as '' (a NULL could not be part of the key); text like the events' columns,
-- so no value that fits an event can fail its rollup. model is the model that served
-- the call, or the model asked for when none did (a cache hit, a call that failed before routing).
CREATE TABLE usage_rollup_hourly (
    bucket_start        timestamptz     NOT NULL,
    team                text            NOT NULL,
    project             text            NOT NULL,
    key_name            text            NOT NULL,
    end_user            text            NOT NULL,
    feature             text            NOT NULL,
    model               text            NOT NULL,
    provider            text            NOT NULL,
    calls               bigint          NOT NULL,
    error_calls         bigint          NOT NULL,
    cache_hits          bigint          NOT NULL,
    unknown_cost_calls  bigint          NOT NULL,
    input_tokens        bigint          NOT NULL,
    output_tokens       bigint          NOT NULL,
    cached_input_tokens bigint          NOT NULL,
    latency_ms_sum      bigint          NOT NULL,
    cost_usd            numeric(24, 10) NOT NULL,
    failed_cost_usd     numeric(24, 10) NOT NULL,
    cost_saved_usd      numeric(24, 10) NOT NULL,
    PRIMARY KEY (bucket_start, team, project, key_name, end_user, feature, model, provider)
);

CREATE TABLE usage_rollup_daily (LIKE usage_rollup_hourly INCLUDING ALL);

-- The same without key and user (UsageRollups.COARSE): end users number in the thousands, so the
-- full rollups are nearly as long as the events; reports that neither group nor filter by key or
-- user read these, which are hundreds of times shorter.
CREATE TABLE usage_rollup_hourly_coarse (LIKE usage_rollup_hourly INCLUDING DEFAULTS);
ALTER TABLE usage_rollup_hourly_coarse DROP COLUMN key_name, DROP COLUMN end_user;
ALTER TABLE usage_rollup_hourly_coarse ADD PRIMARY KEY (bucket_start, team, project, feature, model, provider);
CREATE TABLE usage_rollup_daily_coarse (LIKE usage_rollup_hourly_coarse INCLUDING ALL);

-- The rollups of the events already stored when this migration runs (no-op on a new database).
INSERT INTO usage_rollup_hourly
SELECT date_trunc('hour', created_at), COALESCE(team, ''), COALESCE(project, ''), COALESCE(key_name, ''),
       COALESCE(end_user, ''), COALESCE(feature, ''), COALESCE(model, requested_model, ''), COALESCE(provider, ''),
       count(*), count(*) FILTER (WHERE status >= 400), count(*) FILTER (WHERE cache_outcome IN ('hit', 'semantic-hit')),
       count(*) FILTER (WHERE cost_unknown), sum(input_tokens), sum(output_tokens), sum(cached_input_tokens),
       sum(latency_ms), COALESCE(sum(cost_usd), 0), COALESCE(sum(cost_usd) FILTER (WHERE status >= 400), 0),
       COALESCE(sum(cost_saved_usd), 0)
FROM usage_events GROUP BY 1, 2, 3, 4, 5, 6, 7, 8;

INSERT INTO usage_rollup_daily
SELECT date_trunc('day', bucket_start AT TIME ZONE 'UTC') AT TIME ZONE 'UTC', team, project, key_name, end_user, feature,
       model, provider, sum(calls), sum(error_calls), sum(cache_hits), sum(unknown_cost_calls), sum(input_tokens),
       sum(output_tokens), sum(cached_input_tokens), sum(latency_ms_sum), sum(cost_usd), sum(failed_cost_usd), sum(cost_saved_usd)
FROM usage_rollup_hourly GROUP BY 1, 2, 3, 4, 5, 6, 7, 8;

INSERT INTO usage_rollup_hourly_coarse
SELECT bucket_start, team, project, feature, model, provider, sum(calls), sum(error_calls), sum(cache_hits), sum(unknown_cost_calls), sum(input_tokens), sum(output_tokens), sum(cached_input_tokens), sum(latency_ms_sum), sum(cost_usd), sum(failed_cost_usd), sum(cost_saved_usd)
FROM usage_rollup_hourly GROUP BY 1, 2, 3, 4, 5, 6;

INSERT INTO usage_rollup_daily_coarse
SELECT bucket_start, team, project, feature, model, provider, sum(calls), sum(error_calls), sum(cache_hits), sum(unknown_cost_calls), sum(input_tokens), sum(output_tokens), sum(cached_input_tokens), sum(latency_ms_sum), sum(cost_usd), sum(failed_cost_usd), sum(cost_saved_usd)
FROM usage_rollup_daily GROUP BY 1, 2, 3, 4, 5, 6;

-- A hash of the request as the exact cache would see it (never its text), so repeated identical
-- prompts can be counted: the caching-opportunity recommendation. NULL on older rows.
ALTER TABLE usage_events ADD COLUMN request_hash varchar(32);

-- Recommendations computed from the last 30 days of usage. The id is the kind and its subject,
-- so a recomputation updates the row in place and a dismissal sticks.
CREATE TABLE recommendations (
    id                  varchar(512)    NOT NULL PRIMARY KEY,
    kind                varchar(64)     NOT NULL,
    subject             varchar(512)    NOT NULL,
    priority            varchar(16)     NOT NULL,
    title               varchar(512)    NOT NULL,
    description         varchar(4096)   NOT NULL,
    evidence            varchar(8192)   NOT NULL,
    affected_calls      bigint          NOT NULL,
    monthly_savings_usd numeric(20, 6)  NOT NULL,
    window_start        timestamptz     NOT NULL,
    window_end          timestamptz     NOT NULL,
    computed_at         timestamptz     NOT NULL,
    status              varchar(16)     NOT NULL,
    status_changed_at   timestamptz,
    status_changed_by   varchar(256)
);

-- Alerts that are not about a budget (anomalies): a severity, what they are about, and who acknowledged them.
ALTER TABLE alert_events ALTER COLUMN budget DROP NOT NULL;
ALTER TABLE alert_events ADD COLUMN severity varchar(16);
ALTER TABLE alert_events ADD COLUMN subject varchar(512);
ALTER TABLE alert_events ADD COLUMN acknowledged_at timestamptz;
ALTER TABLE alert_events ADD COLUMN acknowledged_by varchar(256);
