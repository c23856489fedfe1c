-- The initial schema: API keys, usage events with their hourly roll-up, deployments and settings.
-- Times are timestamptz (UTC instants); hours in usage_hourly are whole UTC hours.

CREATE TABLE api_keys (
    id                   uuid        PRIMARY KEY,
    name                 text        NOT NULL,
    key_hash             text        NOT NULL UNIQUE CHECK (key_hash ~ '^[0-9a-f]{64}$'),
    prefix               text        NOT NULL,
    rpm                  bigint      CHECK (rpm > 0),
    tpm                  bigint      CHECK (tpm > 0),
    monthly_token_budget bigint      CHECK (monthly_token_budget > 0),
    max_concurrent       integer     CHECK (max_concurrent > 0),
    models               text[]      NOT NULL DEFAULT '{}',
    expires_at           timestamptz,
    created_at           timestamptz NOT NULL,
    revoked_at           timestamptz,
    last_used_at         timestamptz,
    usage_count          bigint      NOT NULL DEFAULT 0 CHECK (usage_count >= 0)
);

CREATE INDEX api_keys_created_at ON api_keys (created_at, id);

-- One row per metered call, written at most once per request id. No foreign key to api_keys: a flush must
-- never fail as a whole because of one record, and keys are revoked, never deleted.
CREATE TABLE usage_events (
    request_id        text        PRIMARY KEY,
    key_id            uuid        NOT NULL,
    model             text        NOT NULL,
    prompt_tokens     bigint      NOT NULL CHECK (prompt_tokens >= 0),
    completion_tokens bigint      NOT NULL CHECK (completion_tokens >= 0),
    latency_ms        bigint      NOT NULL CHECK (latency_ms >= 0),
    status            text        NOT NULL CHECK (status IN ('completed', 'failed', 'cancelled')),
    occurred_at       timestamptz NOT NULL
);

CREATE INDEX usage_events_key_time ON usage_events (key_id, occurred_at);
-- Events arrive roughly in time order: a BRIN index serves all-key range queries for a few pages of index.
CREATE INDEX usage_events_time ON usage_events USING brin (occurred_at);

-- Moved in the same transaction as the events; what metrics and budgets are read from.
CREATE TABLE usage_hourly (
    key_id         uuid        NOT NULL,
    hour           timestamptz NOT NULL CHECK (extract(epoch FROM hour)::bigint % 3600 = 0),
    request_count  bigint      NOT NULL CHECK (request_count >= 0),
    token_count    bigint      NOT NULL CHECK (token_count >= 0),
    latency_ms_sum bigint      NOT NULL CHECK (latency_ms_sum >= 0),
    PRIMARY KEY (key_id, hour)
);

CREATE INDEX usage_hourly_hour ON usage_hourly (hour);

CREATE TABLE deployments (
    id                   uuid        PRIMARY KEY,
    name                 text        NOT NULL,
    model_type           text        NOT NULL,
    engine               text        NOT NULL CHECK (engine IN ('simulated', 'openai', 'queue')),
    endpoints            text[]      NOT NULL DEFAULT '{}',
    upstream_model       text,
    upstream_api_key_env text,
    status               text        NOT NULL CHECK (status IN ('provisioning', 'running', 'failed')),
    reason               text,
    created_at           timestamptz NOT NULL,
    updated_at           timestamptz NOT NULL
);

CREATE INDEX deployments_created_at ON deployments (created_at, id);

-- Small named values, e.g. 'admin_token_hash'.
CREATE TABLE settings (
    name       text        PRIMARY KEY,
    value      text        NOT NULL,
    updated_at timestamptz NOT NULL DEFAULT now()
);
