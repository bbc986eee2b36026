-- Changes operators make at run time through the admin API on top of the config file: a
-- deployment drained or re-weighted or re-ordered within a model; rate limits of a key or team.
-- Every replica reads this table within its refresh interval and applies it as an overlay.
CREATE TABLE runtime_overrides (
    kind        varchar(32)     NOT NULL,  -- deployment | limits
    target      varchar(1024)   NOT NULL,  -- "model|provider/upstream-model", or "key|name" / "team|name"
    definition  varchar(4096)   NOT NULL,  -- JSON of the override's fields
    updated_at  timestamp with time zone NOT NULL,
    updated_by  varchar(256)    NOT NULL,
    PRIMARY KEY (kind, target)
);
