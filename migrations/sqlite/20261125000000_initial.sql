-- Porchlight schema for SQLite (the embedded default). Forward-only: never edit a file once it has
-- been applied anywhere (`porchlight-proxy migrate` refuses changed files); add a new one instead.
-- The migrator runs each file in one transaction (BEGIN IMMEDIATE), so files hold no BEGIN/COMMIT.
--
-- The same schema as migrations/postgres. SQLite has no row-level security: tenant isolation here
-- is the repository layer's job (every query filters by location_id, as it does on Postgres too).
-- Timestamps are RFC 3339 UTC text in one canonical form (2026-11-25T15:04:05.000000Z), so text
-- order is time order. Booleans are 0/1; lists are JSON text. Tables are STRICT.

CREATE TABLE locations (
  id                 TEXT PRIMARY KEY CHECK (length(id) BETWEEN 1 AND 64),
  name               TEXT NOT NULL,
  agent_token_secret TEXT NOT NULL,
  created_at         TEXT NOT NULL
) STRICT;

CREATE TABLE agent_profiles (
  location_id      TEXT NOT NULL REFERENCES locations (id),
  id               TEXT NOT NULL CHECK (length(id) BETWEEN 1 AND 64),
  name             TEXT NOT NULL,
  role             TEXT NOT NULL,
  experience       TEXT NOT NULL,
  specializations  TEXT NOT NULL,
  preferences      TEXT NOT NULL,
  shared_pool      INTEGER NOT NULL DEFAULT 0,
  served_locations TEXT NOT NULL,
  created_at       TEXT NOT NULL,
  updated_at       TEXT NOT NULL,
  PRIMARY KEY (location_id, id)
) STRICT;

CREATE TABLE agent_location_access (
  location_id        TEXT NOT NULL,  -- the agent's home location, which owns this row
  agent_id           TEXT NOT NULL,
  served_location_id TEXT NOT NULL REFERENCES locations (id),
  PRIMARY KEY (location_id, agent_id, served_location_id),
  FOREIGN KEY (location_id, agent_id) REFERENCES agent_profiles (location_id, id) ON DELETE CASCADE
) STRICT;
CREATE INDEX agent_location_access_served ON agent_location_access (served_location_id, agent_id);

CREATE TABLE agent_sessions (
  location_id     TEXT NOT NULL REFERENCES locations (id),
  id              TEXT NOT NULL,
  agent_id        TEXT NOT NULL,
  conversation_id TEXT NOT NULL,
  lead_id         TEXT NOT NULL DEFAULT '',
  surface         TEXT NOT NULL,
  stage           TEXT NOT NULL,
  summary         TEXT NOT NULL DEFAULT '',
  turn_count      INTEGER NOT NULL DEFAULT 0,
  started_at      TEXT NOT NULL,
  last_active_at  TEXT NOT NULL,
  PRIMARY KEY (location_id, id)
) STRICT;

CREATE TABLE conversations (
  id                  TEXT PRIMARY KEY,
  location_id         TEXT NOT NULL REFERENCES locations (id),
  agent_id            TEXT NOT NULL,
  lead_id             TEXT NOT NULL DEFAULT '',
  stage               TEXT NOT NULL,
  summary             TEXT NOT NULL DEFAULT '',
  summary_through_seq INTEGER NOT NULL DEFAULT 0,
  last_seq            INTEGER NOT NULL DEFAULT 0,
  created_at          TEXT NOT NULL,
  updated_at          TEXT NOT NULL,
  UNIQUE (location_id, id),
  CHECK (summary_through_seq >= 0 AND summary_through_seq <= last_seq)
) STRICT;
CREATE INDEX conversations_agent ON conversations (location_id, agent_id, updated_at);

CREATE TABLE messages (
  id                             TEXT PRIMARY KEY,
  location_id                    TEXT NOT NULL,
  conversation_id                TEXT NOT NULL,
  seq                            INTEGER NOT NULL CHECK (seq > 0),
  role                           TEXT NOT NULL CHECK (role IN ('user', 'assistant')),
  content                        TEXT NOT NULL,
  status                         TEXT NOT NULL
    CHECK (status IN ('pending', 'streaming', 'complete', 'incomplete', 'failed')),
  surface                        TEXT NOT NULL DEFAULT '',
  specialist                     TEXT NOT NULL DEFAULT '',
  model                          TEXT NOT NULL DEFAULT '',
  input_tokens                   INTEGER NOT NULL DEFAULT 0,
  output_tokens                  INTEGER NOT NULL DEFAULT 0,
  cache_creation_input_tokens    INTEGER NOT NULL DEFAULT 0,
  cache_creation_1h_input_tokens INTEGER NOT NULL DEFAULT 0,
  cache_read_input_tokens        INTEGER NOT NULL DEFAULT 0,
  cost_usd                       REAL NOT NULL DEFAULT 0,
  latency_ms                     INTEGER NOT NULL DEFAULT 0,
  event_id                       TEXT NOT NULL DEFAULT '',
  created_at                     TEXT NOT NULL,
  updated_at                     TEXT NOT NULL,
  UNIQUE (conversation_id, seq),
  FOREIGN KEY (location_id, conversation_id) REFERENCES conversations (location_id, id)
) STRICT;
CREATE INDEX messages_location_created ON messages (location_id, created_at);

CREATE TABLE agent_coaching_history (
  location_id                    TEXT NOT NULL REFERENCES locations (id),
  id                             TEXT NOT NULL,
  agent_id                       TEXT NOT NULL,
  session_id                     TEXT NOT NULL DEFAULT '',
  conversation_id                TEXT NOT NULL DEFAULT '',
  guidance_type                  TEXT NOT NULL,
  approach_variant               TEXT NOT NULL,
  specialist                     TEXT NOT NULL,
  model                          TEXT NOT NULL DEFAULT '',
  input_tokens                   INTEGER NOT NULL DEFAULT 0,
  output_tokens                  INTEGER NOT NULL DEFAULT 0,
  cache_creation_input_tokens    INTEGER NOT NULL DEFAULT 0,
  cache_creation_1h_input_tokens INTEGER NOT NULL DEFAULT 0,
  cache_read_input_tokens        INTEGER NOT NULL DEFAULT 0,
  cost_usd                       REAL NOT NULL DEFAULT 0,
  latency_ms                     INTEGER NOT NULL DEFAULT 0,
  feedback                       TEXT NOT NULL DEFAULT 'none',
  feedback_comment               TEXT NOT NULL DEFAULT '',
  outcome                        TEXT NOT NULL DEFAULT 'pending',
  created_at                     TEXT NOT NULL,
  PRIMARY KEY (location_id, id)
) STRICT;
CREATE INDEX agent_coaching_history_created ON agent_coaching_history (location_id, created_at);

CREATE TABLE api_keys (
  id              TEXT PRIMARY KEY,
  location_id     TEXT NOT NULL REFERENCES locations (id),
  kind            TEXT NOT NULL CHECK (kind IN ('pk', 'sk')),
  prefix          TEXT NOT NULL,
  key_hash        TEXT NOT NULL UNIQUE CHECK (length(key_hash) = 64 AND key_hash NOT GLOB '*[^0-9a-f]*'),
  scopes          TEXT NOT NULL,
  allowed_origins TEXT NOT NULL,
  created_at      TEXT NOT NULL,
  revoked_at      TEXT
) STRICT;
CREATE INDEX api_keys_prefix ON api_keys (prefix);
CREATE INDEX api_keys_location ON api_keys (location_id);

CREATE TABLE usage_ledger (
  id                             TEXT PRIMARY KEY,
  location_id                    TEXT NOT NULL REFERENCES locations (id),
  key_id                         TEXT NOT NULL DEFAULT '',
  agent_id                       TEXT NOT NULL DEFAULT '',
  request_id                     TEXT NOT NULL DEFAULT '',
  kind                           TEXT NOT NULL,
  model                          TEXT NOT NULL DEFAULT '',
  input_tokens                   INTEGER NOT NULL DEFAULT 0,
  output_tokens                  INTEGER NOT NULL DEFAULT 0,
  cache_creation_input_tokens    INTEGER NOT NULL DEFAULT 0,
  cache_creation_1h_input_tokens INTEGER NOT NULL DEFAULT 0,
  cache_read_input_tokens        INTEGER NOT NULL DEFAULT 0,
  cost_usd                       REAL NOT NULL DEFAULT 0,
  at                             TEXT NOT NULL
) STRICT;
CREATE INDEX usage_ledger_location_at ON usage_ledger (location_id, at);
CREATE UNIQUE INDEX usage_ledger_request ON usage_ledger (location_id, request_id) WHERE request_id <> '';

CREATE TABLE budgets (
  location_id TEXT PRIMARY KEY REFERENCES locations (id),
  monthly_usd REAL NOT NULL CHECK (monthly_usd >= 0),
  updated_at  TEXT NOT NULL
) STRICT;

CREATE TABLE rate_limit_settings (
  location_id       TEXT PRIMARY KEY REFERENCES locations (id),
  key_requests      INTEGER NOT NULL DEFAULT 0,
  key_tokens        INTEGER NOT NULL DEFAULT 0,
  agent_requests    INTEGER NOT NULL DEFAULT 0,
  agent_tokens      INTEGER NOT NULL DEFAULT 0,
  location_requests INTEGER NOT NULL DEFAULT 0,
  location_tokens   INTEGER NOT NULL DEFAULT 0,
  updated_at        TEXT NOT NULL
) STRICT;

CREATE TABLE experiments (
  location_id TEXT NOT NULL REFERENCES locations (id),
  id          TEXT NOT NULL,
  name        TEXT NOT NULL,
  variants    TEXT NOT NULL,
  active      INTEGER NOT NULL DEFAULT 1,
  created_at  TEXT NOT NULL,
  updated_at  TEXT NOT NULL,
  PRIMARY KEY (location_id, id)
) STRICT;

CREATE TABLE experiment_assignments (
  location_id   TEXT NOT NULL,
  experiment_id TEXT NOT NULL,
  agent_id      TEXT NOT NULL,
  variant       TEXT NOT NULL,
  assigned_at   TEXT NOT NULL,
  PRIMARY KEY (location_id, experiment_id, agent_id),
  FOREIGN KEY (location_id, experiment_id) REFERENCES experiments (location_id, id)
) STRICT;

CREATE TABLE webhook_inbox (
  id              TEXT PRIMARY KEY,
  location_id     TEXT NOT NULL REFERENCES locations (id),
  provider        TEXT NOT NULL,
  dedupe_key      TEXT NOT NULL,
  body            BLOB NOT NULL,
  headers_json    TEXT NOT NULL DEFAULT '{}',
  signature_valid INTEGER NOT NULL DEFAULT 0,
  state           TEXT NOT NULL DEFAULT 'pending'
    CHECK (state IN ('pending', 'processing', 'done', 'failed')),
  attempts        INTEGER NOT NULL DEFAULT 0,
  error           TEXT NOT NULL DEFAULT '',
  received_at     TEXT NOT NULL,
  processed_at    TEXT,
  claimed_at      TEXT,
  UNIQUE (location_id, provider, dedupe_key)
) STRICT;
CREATE INDEX webhook_inbox_open ON webhook_inbox (received_at, id)
  WHERE state IN ('pending', 'processing');
