-- Keys created through the admin API (config-file keys live in the file). Only the SHA-256 of a
-- key is stored; the secret is shown once, when it is created or rotated.
CREATE TABLE virtual_keys (
    name        varchar(256)    NOT NULL PRIMARY KEY,
    key_hash    varchar(64)     NOT NULL UNIQUE,
    team        varchar(256),
    project     varchar(256),
    end_user    varchar(256),
    models      varchar(4096),
    metadata    varchar(8192),
    limits      varchar(1024),
    created_at  timestamp with time zone NOT NULL,
    created_by  varchar(256)    NOT NULL,
    revoked_at  timestamp with time zone
);

-- Budgets created through the admin API, as the JSON of their definition.
CREATE TABLE budgets (
    name        varchar(256)    NOT NULL PRIMARY KEY,
    definition  varchar(8192)   NOT NULL,
    created_at  timestamp with time zone NOT NULL,
    updated_at  timestamp with time zone NOT NULL
);

-- Every change made through the admin API.
CREATE TABLE audit_log (
    id          uuid            NOT NULL PRIMARY KEY,
    at          timestamp with time zone NOT NULL,
    actor       varchar(256)    NOT NULL,
    role        varchar(32)     NOT NULL,
    action      varchar(64)     NOT NULL,
    target      varchar(512)    NOT NULL,
    details     varchar(8192)
);

CREATE INDEX audit_log_time ON audit_log (at);
