-- Cost analytics (docs/cost-analytics.md); the PostgreSQL migration of the same version explains the tables.
CREATE TABLE usage_rollup_hourly (
    bucket_start        timestamp with time zone NOT NULL,
    team                varchar(256)    NOT NULL,
    project             varchar(256)    NOT NULL,
    key_name            varchar(256)    NOT NULL,
    end_user            varchar(256)    NOT NULL,
    feature             varchar(256)    NOT NULL,
    model               varchar(256)    NOT NULL,
    provider            varchar(256)    NOT NULL,
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

CREATE TABLE usage_rollup_daily (
    bucket_start        timestamp with time zone NOT NULL,
    team                varchar(256)    NOT NULL,
    project             varchar(256)    NOT NULL,
    key_name            varchar(256)    NOT NULL,
    end_user            varchar(256)    NOT NULL,
    feature             varchar(256)    NOT NULL,
    model               varchar(256)    NOT NULL,
    provider            varchar(256)    NOT NULL,
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

INSERT INTO usage_rollup_hourly
SELECT DATE_TRUNC('HOUR', created_at), COALESCE(team, ''), COALESCE(project, ''), COALESCE(key_name, ''),
       COALESCE(end_user, ''), COALESCE(feature, ''), COALESCE(model, requested_model, ''), COALESCE(provider, ''),
       COUNT(*), SUM(CASE WHEN status >= 400 THEN 1 ELSE 0 END),
       SUM(CASE WHEN cache_outcome IN ('hit', 'semantic-hit') THEN 1 ELSE 0 END),
       SUM(CASE WHEN cost_unknown THEN 1 ELSE 0 END), SUM(input_tokens), SUM(output_tokens), SUM(cached_input_tokens),
       SUM(latency_ms), COALESCE(SUM(cost_usd), 0), COALESCE(SUM(CASE WHEN status >= 400 THEN cost_usd END), 0),
       COALESCE(SUM(cost_saved_usd), 0)
FROM usage_events
GROUP BY DATE_TRUNC('HOUR', created_at), COALESCE(team, ''), COALESCE(project, ''), COALESCE(key_name, ''),
       COALESCE(end_user, ''), COALESCE(feature, ''), COALESCE(model, requested_model, ''), COALESCE(provider, '');

INSERT INTO usage_rollup_daily
SELECT DATE_TRUNC('DAY', bucket_start), team, project, key_name, end_user, feature, model, provider,
       SUM(calls), SUM(error_calls), SUM(cache_hits), SUM(unknown_cost_calls), SUM(input_tokens), SUM(output_tokens),
       SUM(cached_input_tokens), SUM(latency_ms_sum), SUM(cost_usd), SUM(failed_cost_usd), SUM(cost_saved_usd)
FROM usage_rollup_hourly
GROUP BY DATE_TRUNC('DAY', bucket_start), team, project, key_name, end_user, feature, model, provider;

-- The same without key and user (UsageRollups.COARSE).
CREATE TABLE usage_rollup_hourly_coarse (
    bucket_start        timestamp with time zone NOT NULL,
    team                varchar(256)    NOT NULL,
    project             varchar(256)    NOT NULL,
    feature             varchar(256)    NOT NULL,
    model               varchar(256)    NOT NULL,
    provider            varchar(256)    NOT NULL,
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
    PRIMARY KEY (bucket_start, team, project, feature, model, provider)
);

CREATE TABLE usage_rollup_daily_coarse (
    bucket_start        timestamp with time zone NOT NULL,
    team                varchar(256)    NOT NULL,
    project             varchar(256)    NOT NULL,
    feature             varchar(256)    NOT NULL,
    model               varchar(256)    NOT NULL,
    provider            varchar(256)    NOT NULL,
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
    PRIMARY KEY (bucket_start, team, project, feature, model, provider)
);

INSERT INTO usage_rollup_hourly_coarse
SELECT bucket_start, team, project, feature, model, provider, SUM(calls), SUM(error_calls), SUM(cache_hits), SUM(unknown_cost_calls), SUM(input_tokens), SUM(output_tokens), SUM(cached_input_tokens), SUM(latency_ms_sum), SUM(cost_usd), SUM(failed_cost_usd), SUM(cost_saved_usd)
FROM usage_rollup_hourly GROUP BY bucket_start, team, project, feature, model, provider;

INSERT INTO usage_rollup_daily_coarse
SELECT bucket_start, team, project, feature, model, provider, SUM(calls), SUM(error_calls), SUM(cache_hits), SUM(unknown_cost_calls), SUM(input_tokens), SUM(output_tokens), SUM(cached_input_tokens), SUM(latency_ms_sum), SUM(cost_usd), SUM(failed_cost_usd), SUM(cost_saved_usd)
FROM usage_rollup_daily GROUP BY bucket_start, team, project, feature, model, provider;

ALTER TABLE usage_events ADD COLUMN request_hash varchar(32);

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
    window_start        timestamp with time zone NOT NULL,
    window_end          timestamp with time zone NOT NULL,
    computed_at         timestamp with time zone NOT NULL,
    status              varchar(16)     NOT NULL,
    status_changed_at   timestamp with time zone,
    status_changed_by   varchar(256)
);

ALTER TABLE alert_events ALTER COLUMN budget SET NULL;
ALTER TABLE alert_events ADD COLUMN severity varchar(16);
ALTER TABLE alert_events ADD COLUMN subject varchar(512);
ALTER TABLE alert_events ADD COLUMN acknowledged_at timestamp with time zone;
ALTER TABLE alert_events ADD COLUMN acknowledged_by varchar(256);
