-- Usage events: one row per metered call, partitioned by month so old months can be detached
-- or dropped cheaply and queries by time touch only the months they ask for.
CREATE TABLE usage_events (
    event_id            uuid            NOT NULL,
    request_id          text            NOT NULL,
    created_at          timestamptz     NOT NULL,
    key_name            text,
    team                text,
    project             text,
    end_user            text,
    feature             text,
    operation           text            NOT NULL,
    requested_model     text,
    model               text,
    provider            text,
    deployment          text,
    stream              boolean         NOT NULL,
    input_tokens        bigint          NOT NULL,
    output_tokens       bigint          NOT NULL,
    cached_input_tokens bigint          NOT NULL,
    tokens_estimated    boolean         NOT NULL,
    cost_usd            numeric(20, 10),
    price_version       text,
    latency_ms          integer         NOT NULL,
    ttft_ms             integer,
    status              integer         NOT NULL,
    error_code          text,
    fallback_path       text,
    attempts            integer         NOT NULL,
    cache_outcome       text,
    metadata            jsonb,
    PRIMARY KEY (created_at, event_id)
) PARTITION BY RANGE (created_at);

CREATE INDEX usage_events_team_time ON usage_events (team, created_at);
CREATE INDEX usage_events_model_time ON usage_events (model, created_at);

-- Catches rows outside every monthly partition (e.g. replayed after a long outage).
CREATE TABLE usage_events_default PARTITION OF usage_events DEFAULT;

-- Creates the partition for the month that contains month_start; the gateway calls it ahead of time.
CREATE FUNCTION tollgate_ensure_usage_partition(month_start date) RETURNS void AS $$
DECLARE
    first_day date := date_trunc('month', month_start)::date;
    part_name text := 'usage_events_' || to_char(first_day, 'YYYY_MM');
BEGIN
    IF to_regclass(part_name) IS NULL THEN
        EXECUTE format('CREATE TABLE %I PARTITION OF usage_events FOR VALUES FROM (%L) TO (%L)',
                       part_name, first_day, (first_day + interval '1 month')::date);
    END IF;
END;
$$ LANGUAGE plpgsql;

SELECT tollgate_ensure_usage_partition(date_trunc('month', now())::date);
SELECT tollgate_ensure_usage_partition((date_trunc('month', now()) + interval '1 month')::date);
SELECT tollgate_ensure_usage_partition((date_trunc('month', now()) + interval '2 month')::date);
