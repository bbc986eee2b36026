-- Every alert fired (budget thresholds), once per budget instance, period and threshold.
CREATE TABLE alert_events (
    id                uuid            NOT NULL PRIMARY KEY,
    created_at        timestamp with time zone NOT NULL,
    kind              varchar(64)     NOT NULL,
    budget            varchar(256)    NOT NULL,
    instance          varchar(1024)   NOT NULL,
    period            varchar(32)     NOT NULL,
    threshold_percent integer         NOT NULL,
    spent_usd         numeric(20, 6)  NOT NULL,
    amount_usd        numeric(20, 6)  NOT NULL,
    hard              boolean         NOT NULL,
    message           varchar(2048)   NOT NULL,
    deliveries        varchar(2048)
);

CREATE INDEX alert_events_time ON alert_events (created_at);
