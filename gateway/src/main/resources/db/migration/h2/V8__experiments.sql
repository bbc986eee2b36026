-- The A/B experiment and variant a call was assigned (NULL outside experiments and on rows
-- written before these columns existed). The readout reads an experiment's calls by these.
ALTER TABLE usage_events ADD COLUMN experiment varchar(128);
ALTER TABLE usage_events ADD COLUMN variant varchar(128);
CREATE INDEX usage_events_experiment ON usage_events (experiment, variant);
-- POST /v1/feedback finds the call it rates by its request id.
CREATE INDEX usage_events_request ON usage_events (request_id);

-- Experiments created through the admin API, as the JSON of their definition.
CREATE TABLE experiments (
    name        varchar(128)    NOT NULL PRIMARY KEY,
    definition  varchar(16384)  NOT NULL,
    created_at  timestamp with time zone NOT NULL,
    updated_at  timestamp with time zone NOT NULL
);

-- POST /v1/feedback: one rating per call (the latest wins), normalised to 0..1 (-1 is stored as 0),
-- with the tenant of the key that gave it.
CREATE TABLE call_feedback (
    request_id  varchar(256)    NOT NULL PRIMARY KEY,
    rating      numeric(6, 5)   NOT NULL,
    comment     varchar(4000),
    key_name    varchar(256)    NOT NULL,
    tenant      varchar(256)    NOT NULL,
    created_at  timestamp with time zone NOT NULL
);
