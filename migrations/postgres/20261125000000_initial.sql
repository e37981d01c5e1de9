-- Porchlight schema for PostgreSQL 15+. Forward-only: never edit a file once it has been applied
-- anywhere (`porchlight-proxy migrate` refuses changed files); add a new timestamped file instead.
-- The migrator runs each file in one transaction, so files hold no BEGIN/COMMIT.
--
-- Tenancy: every tenant table has location_id. Row-level security is ENABLED and FORCED on each of
-- them, with policies keyed on the transaction-local setting porchlight.location_id, which the
-- proxy sets at the start of every transaction (set_config(..., true)). The proxy also filters by
-- location_id in every query: two independent walls, so a bug in one alone leaks nothing.
--
-- Roles: this file runs as the owner (the role that owns every object created here). The proxy
-- connects as porchlight_app, which owns nothing, has no BYPASSRLS and gets only the DML it needs.
--
-- Admin operations that cross tenants. Chosen mechanism: narrowly-scoped SECURITY DEFINER
-- functions, owned by the owner, each doing one thing, EXECUTE granted to porchlight_app only,
-- with a pinned search_path:
--   porchlight_find_api_key(hash)        a presented key is looked up before any tenant is known
--   porchlight_revoke_api_key(id|prefix) operators revoke a key without knowing its location
--   porchlight_claim_webhooks(...)       the webhook worker serves every location
-- Because RLS is FORCED, the owner is subject to policies too; the admin_* policies below give the
-- owner (and nobody else: TO CURRENT_USER resolves to the migrating role) exactly the row access
-- these functions need. create_location and find_location are not cross-tenant at all: the proxy
-- runs them with porchlight.location_id set to that location, through the ordinary wall.
-- Rejected alternative: a second login role with BYPASSRLS for admin work (needs a superuser to
-- create, and a second database secret in the proxy that could read everything).

-- ---- The application role ---------------------------------------------------------------------

DO $$
BEGIN
  IF NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = 'porchlight_app') THEN
    BEGIN
      CREATE ROLE porchlight_app NOLOGIN;
    EXCEPTION WHEN insufficient_privilege THEN
      RAISE EXCEPTION 'role porchlight_app does not exist and this role cannot create it; create it first: CREATE ROLE porchlight_app LOGIN PASSWORD ''...'' (see docs/operations.md)';
    END;
  END IF;
  IF EXISTS (SELECT 1 FROM pg_roles WHERE rolname = 'porchlight_app' AND (rolsuper OR rolbypassrls)) THEN
    RAISE EXCEPTION 'role porchlight_app must not be a superuser or have BYPASSRLS: row-level security would not apply to it';
  END IF;
  IF pg_has_role('porchlight_app', current_user, 'MEMBER') THEN
    RAISE EXCEPTION 'role porchlight_app must not be a member of the owner role %: it would own the tables and see every tenant', current_user;
  END IF;
END
$$;

-- ---- Tables ------------------------------------------------------------------------------------
-- Timestamps are timestamptz; the proxy reads and writes them as RFC 3339 UTC strings.

CREATE TABLE locations (
  id                 text PRIMARY KEY CHECK (length(id) BETWEEN 1 AND 64),
  name               text NOT NULL,
  agent_token_secret text NOT NULL,
  created_at         timestamptz NOT NULL
);

CREATE TABLE agent_profiles (
  location_id      text NOT NULL CONSTRAINT agent_profiles_location_exists REFERENCES locations (id),
  id               text NOT NULL CHECK (length(id) BETWEEN 1 AND 64),
  name             text NOT NULL,
  role             text NOT NULL,
  experience       text NOT NULL,
  specializations  jsonb NOT NULL,
  preferences      jsonb NOT NULL,
  shared_pool      boolean NOT NULL DEFAULT false,
  served_locations jsonb NOT NULL,  -- canonical list (sorted, home included); empty unless shared
  created_at       timestamptz NOT NULL,
  updated_at       timestamptz NOT NULL,
  PRIMARY KEY (location_id, id)
);

-- Shared-pool agents (an ISA or TC pool) serve several locations. A row belongs to the agent's
-- home location (location_id) and makes the profile visible in served_location_id.
CREATE TABLE agent_location_access (
  location_id        text NOT NULL,
  agent_id           text NOT NULL,
  served_location_id text NOT NULL CONSTRAINT agent_location_access_served_location_exists
                       REFERENCES locations (id),
  PRIMARY KEY (location_id, agent_id, served_location_id),
  FOREIGN KEY (location_id, agent_id) REFERENCES agent_profiles (location_id, id) ON DELETE CASCADE
);
CREATE INDEX agent_location_access_served ON agent_location_access (served_location_id, agent_id);

CREATE TABLE agent_sessions (
  location_id     text NOT NULL CONSTRAINT agent_sessions_location_exists REFERENCES locations (id),
  id              text NOT NULL,
  agent_id        text NOT NULL,
  conversation_id text NOT NULL,
  lead_id         text NOT NULL DEFAULT '',
  surface         text NOT NULL,
  stage           text NOT NULL,
  summary         text NOT NULL DEFAULT '',
  turn_count      bigint NOT NULL DEFAULT 0,
  started_at      timestamptz NOT NULL,
  last_active_at  timestamptz NOT NULL,
  PRIMARY KEY (location_id, id)
);

-- Conversation ids are global (derived from location, agent and lead, or random), so an id never
-- names two tenants' conversations.
CREATE TABLE conversations (
  id                  text PRIMARY KEY,
  location_id         text NOT NULL CONSTRAINT conversations_location_exists REFERENCES locations (id),
  agent_id            text NOT NULL,
  lead_id             text NOT NULL DEFAULT '',
  stage               text NOT NULL,
  summary             text NOT NULL DEFAULT '',
  summary_through_seq bigint NOT NULL DEFAULT 0,
  last_seq            bigint NOT NULL DEFAULT 0,  -- the seq of the newest message
  created_at          timestamptz NOT NULL,
  updated_at          timestamptz NOT NULL,
  UNIQUE (location_id, id),
  CONSTRAINT conversations_summary_within_transcript
    CHECK (summary_through_seq >= 0 AND summary_through_seq <= last_seq)
);
CREATE INDEX conversations_agent ON conversations (location_id, agent_id, updated_at);

-- The durable transcript. A user turn is committed before any upstream call; an assistant turn is
-- appended as it streams and finalized with its usage; an interrupted one stays, incomplete.
CREATE TABLE messages (
  id                             text PRIMARY KEY,
  location_id                    text NOT NULL,
  conversation_id                text NOT NULL,
  seq                            bigint NOT NULL CHECK (seq > 0),
  role                           text NOT NULL CHECK (role IN ('user', 'assistant')),
  content                        text NOT NULL,
  status                         text NOT NULL
    CHECK (status IN ('pending', 'streaming', 'complete', 'incomplete', 'failed')),
  surface                        text NOT NULL DEFAULT '',
  specialist                     text NOT NULL DEFAULT '',
  model                          text NOT NULL DEFAULT '',
  input_tokens                   bigint NOT NULL DEFAULT 0,
  output_tokens                  bigint NOT NULL DEFAULT 0,
  cache_creation_input_tokens    bigint NOT NULL DEFAULT 0,
  cache_creation_1h_input_tokens bigint NOT NULL DEFAULT 0,
  cache_read_input_tokens        bigint NOT NULL DEFAULT 0,
  cost_usd                       double precision NOT NULL DEFAULT 0,
  latency_ms                     bigint NOT NULL DEFAULT 0,
  event_id                       text NOT NULL DEFAULT '',
  created_at                     timestamptz NOT NULL,
  updated_at                     timestamptz NOT NULL,
  UNIQUE (conversation_id, seq),
  FOREIGN KEY (location_id, conversation_id) REFERENCES conversations (location_id, id)
);
CREATE INDEX messages_location_created ON messages (location_id, created_at);

CREATE TABLE agent_coaching_history (
  location_id                    text NOT NULL
    CONSTRAINT agent_coaching_history_location_exists REFERENCES locations (id),
  id                             text NOT NULL,
  agent_id                       text NOT NULL,
  session_id                     text NOT NULL DEFAULT '',
  conversation_id                text NOT NULL DEFAULT '',
  guidance_type                  text NOT NULL,
  approach_variant               text NOT NULL,
  specialist                     text NOT NULL,
  model                          text NOT NULL DEFAULT '',
  input_tokens                   bigint NOT NULL DEFAULT 0,
  output_tokens                  bigint NOT NULL DEFAULT 0,
  cache_creation_input_tokens    bigint NOT NULL DEFAULT 0,
  cache_creation_1h_input_tokens bigint NOT NULL DEFAULT 0,
  cache_read_input_tokens        bigint NOT NULL DEFAULT 0,
  cost_usd                       double precision NOT NULL DEFAULT 0,
  latency_ms                     bigint NOT NULL DEFAULT 0,
  feedback                       text NOT NULL DEFAULT 'none',
  feedback_comment               text NOT NULL DEFAULT '',
  outcome                        text NOT NULL DEFAULT 'pending',
  created_at                     timestamptz NOT NULL,
  PRIMARY KEY (location_id, id)
);
CREATE INDEX agent_coaching_history_created ON agent_coaching_history (location_id, created_at);

-- Keys are stored hashed (SHA-256 of the whole key); the key itself is never stored.
CREATE TABLE api_keys (
  id              text PRIMARY KEY,
  location_id     text NOT NULL CONSTRAINT api_keys_location_exists REFERENCES locations (id),
  kind            text NOT NULL CHECK (kind IN ('pk', 'sk')),
  prefix          text NOT NULL,
  key_hash        text NOT NULL UNIQUE CHECK (key_hash ~ '^[0-9a-f]{64}$'),
  scopes          jsonb NOT NULL,
  allowed_origins jsonb NOT NULL,
  created_at      timestamptz NOT NULL,
  revoked_at      timestamptz
);
CREATE INDEX api_keys_prefix ON api_keys (prefix);
CREATE INDEX api_keys_location ON api_keys (location_id);

CREATE TABLE usage_ledger (
  id                             text PRIMARY KEY,
  location_id                    text NOT NULL CONSTRAINT usage_ledger_location_exists REFERENCES locations (id),
  key_id                         text NOT NULL DEFAULT '',
  agent_id                       text NOT NULL DEFAULT '',
  request_id                     text NOT NULL DEFAULT '',
  kind                           text NOT NULL,
  model                          text NOT NULL DEFAULT '',
  input_tokens                   bigint NOT NULL DEFAULT 0,
  output_tokens                  bigint NOT NULL DEFAULT 0,
  cache_creation_input_tokens    bigint NOT NULL DEFAULT 0,
  cache_creation_1h_input_tokens bigint NOT NULL DEFAULT 0,
  cache_read_input_tokens        bigint NOT NULL DEFAULT 0,
  cost_usd                       double precision NOT NULL DEFAULT 0,
  at                             timestamptz NOT NULL
);
CREATE INDEX usage_ledger_location_at ON usage_ledger (location_id, at);
-- A retried record of the same request is not counted twice.
CREATE UNIQUE INDEX usage_ledger_request ON usage_ledger (location_id, request_id) WHERE request_id <> '';

CREATE TABLE budgets (
  location_id text PRIMARY KEY CONSTRAINT budgets_location_exists REFERENCES locations (id),
  monthly_usd double precision NOT NULL CHECK (monthly_usd >= 0),
  updated_at  timestamptz NOT NULL
);

CREATE TABLE rate_limit_settings (
  location_id       text PRIMARY KEY CONSTRAINT rate_limit_settings_location_exists REFERENCES locations (id),
  key_requests      bigint NOT NULL DEFAULT 0,
  key_tokens        bigint NOT NULL DEFAULT 0,
  agent_requests    bigint NOT NULL DEFAULT 0,
  agent_tokens      bigint NOT NULL DEFAULT 0,
  location_requests bigint NOT NULL DEFAULT 0,
  location_tokens   bigint NOT NULL DEFAULT 0,
  updated_at        timestamptz NOT NULL
);

CREATE TABLE experiments (
  location_id text NOT NULL CONSTRAINT experiments_location_exists REFERENCES locations (id),
  id          text NOT NULL,
  name        text NOT NULL,
  variants    jsonb NOT NULL,
  active      boolean NOT NULL DEFAULT true,
  created_at  timestamptz NOT NULL,
  updated_at  timestamptz NOT NULL,
  PRIMARY KEY (location_id, id)
);

CREATE TABLE experiment_assignments (
  location_id   text NOT NULL,
  experiment_id text NOT NULL,
  agent_id      text NOT NULL,
  variant       text NOT NULL,
  assigned_at   timestamptz NOT NULL,
  PRIMARY KEY (location_id, experiment_id, agent_id),
  FOREIGN KEY (location_id, experiment_id) REFERENCES experiments (location_id, id)
);

-- Webhooks are acknowledged to the sender only once inserted here.
CREATE TABLE webhook_inbox (
  id              text PRIMARY KEY,
  location_id     text NOT NULL CONSTRAINT webhook_inbox_location_exists REFERENCES locations (id),
  provider        text NOT NULL,
  dedupe_key      text NOT NULL,
  body            bytea NOT NULL,  -- raw bytes as received
  headers_json    text NOT NULL DEFAULT '{}',
  signature_valid boolean NOT NULL DEFAULT false,
  state           text NOT NULL DEFAULT 'pending'
    CHECK (state IN ('pending', 'processing', 'done', 'failed')),
  attempts        bigint NOT NULL DEFAULT 0,
  error           text NOT NULL DEFAULT '',
  received_at     timestamptz NOT NULL,
  processed_at    timestamptz,
  claimed_at      timestamptz,  -- a claim older than the stale limit is taken again (worker died)
  UNIQUE (location_id, provider, dedupe_key)
);
CREATE INDEX webhook_inbox_open ON webhook_inbox (received_at, id)
  WHERE state IN ('pending', 'processing');

-- ---- Row-level security: the second wall --------------------------------------------------------
-- current_setting(..., true) is NULL when unset, so a transaction without a tenant sees nothing.

ALTER TABLE locations ENABLE ROW LEVEL SECURITY;
ALTER TABLE locations FORCE ROW LEVEL SECURITY;
CREATE POLICY tenant_isolation ON locations
  USING (id = current_setting('porchlight.location_id', true))
  WITH CHECK (id = current_setting('porchlight.location_id', true));

-- A profile is visible in its home location and, for shared-pool agents, in each served location.
-- Only the home location writes it.
ALTER TABLE agent_profiles ENABLE ROW LEVEL SECURITY;
ALTER TABLE agent_profiles FORCE ROW LEVEL SECURITY;
CREATE POLICY tenant_isolation ON agent_profiles
  USING (location_id = current_setting('porchlight.location_id', true))
  WITH CHECK (location_id = current_setting('porchlight.location_id', true));
CREATE POLICY shared_pool_read ON agent_profiles FOR SELECT
  USING (shared_pool AND EXISTS (
    SELECT 1 FROM agent_location_access a
    WHERE a.location_id = agent_profiles.location_id AND a.agent_id = agent_profiles.id
      AND a.served_location_id = current_setting('porchlight.location_id', true)));

ALTER TABLE agent_location_access ENABLE ROW LEVEL SECURITY;
ALTER TABLE agent_location_access FORCE ROW LEVEL SECURITY;
CREATE POLICY tenant_isolation ON agent_location_access
  USING (location_id = current_setting('porchlight.location_id', true))
  WITH CHECK (location_id = current_setting('porchlight.location_id', true));
CREATE POLICY served_read ON agent_location_access FOR SELECT
  USING (served_location_id = current_setting('porchlight.location_id', true));

DO $$
DECLARE
  t text;
BEGIN
  FOREACH t IN ARRAY ARRAY['agent_sessions', 'conversations', 'messages', 'agent_coaching_history',
                           'api_keys', 'usage_ledger', 'budgets', 'rate_limit_settings',
                           'experiments', 'experiment_assignments', 'webhook_inbox'] LOOP
    EXECUTE format('ALTER TABLE %I ENABLE ROW LEVEL SECURITY', t);
    EXECUTE format('ALTER TABLE %I FORCE ROW LEVEL SECURITY', t);
    EXECUTE format('CREATE POLICY tenant_isolation ON %I '
                   'USING (location_id = current_setting(''porchlight.location_id'', true)) '
                   'WITH CHECK (location_id = current_setting(''porchlight.location_id'', true))', t);
  END LOOP;
END
$$;

-- The owner's own row access, used only inside the SECURITY DEFINER functions below.
CREATE POLICY admin_find_key ON api_keys FOR SELECT TO CURRENT_USER USING (true);
CREATE POLICY admin_revoke_key ON api_keys FOR UPDATE TO CURRENT_USER USING (true) WITH CHECK (true);
CREATE POLICY admin_claim_read ON webhook_inbox FOR SELECT TO CURRENT_USER USING (true);
CREATE POLICY admin_claim ON webhook_inbox FOR UPDATE TO CURRENT_USER USING (true) WITH CHECK (true);

-- ---- Admin functions (cross-tenant by nature) ---------------------------------------------------

CREATE FUNCTION porchlight_find_api_key(p_key_hash text) RETURNS SETOF api_keys
  LANGUAGE sql STABLE SECURITY DEFINER SET search_path = public, pg_temp
AS $$
  SELECT * FROM api_keys WHERE key_hash = p_key_hash
$$;

-- Revokes the one live key with this id or prefix. Returns how many live keys matched: 0 (none),
-- 1 (revoked) or more (ambiguous prefix: nothing revoked).
CREATE FUNCTION porchlight_revoke_api_key(p_id_or_prefix text, p_now timestamptz) RETURNS bigint
  LANGUAGE plpgsql VOLATILE SECURITY DEFINER SET search_path = public, pg_temp
AS $$
DECLARE
  n bigint;
BEGIN
  SELECT count(*) INTO n FROM api_keys
    WHERE (id = p_id_or_prefix OR prefix = p_id_or_prefix) AND revoked_at IS NULL;
  IF n = 1 THEN
    UPDATE api_keys SET revoked_at = p_now
      WHERE (id = p_id_or_prefix OR prefix = p_id_or_prefix) AND revoked_at IS NULL;
  END IF;
  RETURN n;
END
$$;

-- Takes up to p_limit (at most 1000) pending webhooks, or ones whose claim is older than
-- p_stale_before, and marks them processing. SKIP LOCKED lets several workers claim at once.
CREATE FUNCTION porchlight_claim_webhooks(p_limit bigint, p_now timestamptz, p_stale_before timestamptz)
  RETURNS SETOF webhook_inbox
  LANGUAGE sql VOLATILE SECURITY DEFINER SET search_path = public, pg_temp
AS $$
  UPDATE webhook_inbox w
     SET state = 'processing', attempts = w.attempts + 1, claimed_at = p_now
   WHERE w.id IN (SELECT id FROM webhook_inbox
                   WHERE state = 'pending' OR (state = 'processing' AND claimed_at < p_stale_before)
                   ORDER BY received_at, id
                   LIMIT least(greatest(p_limit, 0), 1000)
                   FOR UPDATE SKIP LOCKED)
  RETURNING w.*
$$;

REVOKE ALL ON FUNCTION porchlight_find_api_key(text) FROM PUBLIC;
REVOKE ALL ON FUNCTION porchlight_revoke_api_key(text, timestamptz) FROM PUBLIC;
REVOKE ALL ON FUNCTION porchlight_claim_webhooks(bigint, timestamptz, timestamptz) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION porchlight_find_api_key(text) TO porchlight_app;
GRANT EXECUTE ON FUNCTION porchlight_revoke_api_key(text, timestamptz) TO porchlight_app;
GRANT EXECUTE ON FUNCTION porchlight_claim_webhooks(bigint, timestamptz, timestamptz) TO porchlight_app;

-- ---- Grants: only the DML the proxy uses ---------------------------------------------------------

GRANT USAGE ON SCHEMA public TO porchlight_app;
GRANT SELECT ON schema_migrations TO porchlight_app;  -- the proxy checks it is up to date
GRANT SELECT, INSERT ON locations, api_keys, usage_ledger, experiment_assignments TO porchlight_app;
GRANT SELECT, INSERT, UPDATE ON agent_sessions, conversations, messages, agent_coaching_history,
  budgets, rate_limit_settings, experiments, webhook_inbox TO porchlight_app;
GRANT SELECT, INSERT, UPDATE, DELETE ON agent_profiles, agent_location_access TO porchlight_app;
