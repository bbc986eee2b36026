-- Embedded usage store (H2): same columns as PostgreSQL, without partitioning.
CREATE TABLE usage_events (
    event_id            uuid            NOT NULL,
    request_id          varchar(256)    NOT NULL,
    created_at          timestamp with time zone NOT NULL,
    key_name            varchar(256),
    team                varchar(256),
    project             varchar(256),
    end_user            varchar(256),
    feature             varchar(256),
    operation           varchar(64)     NOT NULL,
    requested_model     varchar(256),
    model               varchar(256),
    provider            varchar(256),
    deployment          varchar(512),
    stream              boolean         NOT NULL,
    input_tokens        bigint          NOT NULL,
    output_tokens       bigint          NOT NULL,
    cached_input_tokens bigint          NOT NULL,
    tokens_estimated    boolean         NOT NULL,
    cost_usd            numeric(20, 10),
    price_version       varchar(128),
    latency_ms          integer         NOT NULL,
    ttft_ms             integer,
    status              integer         NOT NULL,
    error_code          varchar(128),
    fallback_path       varchar(4096),
    attempts            integer         NOT NULL,
    cache_outcome       varchar(32),
    metadata            varchar(8192),
    PRIMARY KEY (created_at, event_id)
);

CREATE INDEX usage_events_team_time ON usage_events (team, created_at);
CREATE INDEX usage_events_model_time ON usage_events (model, created_at);
