-- Responses API answers kept for previous_response_id, GET/DELETE /v1/responses/{id} (store: true).
CREATE TABLE stored_responses (
    id            varchar(64)     NOT NULL PRIMARY KEY,
    owner         varchar(256)    NOT NULL,
    created_at    timestamp with time zone NOT NULL,
    response      varchar(100000000) NOT NULL,
    input_items   varchar(100000000) NOT NULL,
    conversation  varchar(100000000) NOT NULL
);

CREATE INDEX stored_responses_time ON stored_responses (created_at);
