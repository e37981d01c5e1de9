-- GoHighLevel: which GoHighLevel location each Porchlight location is, the leads (contacts) and
-- their real thread as the CRM reports them, guidance cards waiting for an agent's live socket,
-- and the webhook inbox's retries. docs/ghl.md explains the flow.

-- Events from a GoHighLevel location not linked yet (its INSTALL may still be on its way) wait in
-- the inbox of the location 'ghl-intake', which the proxy makes when the first such event arrives:
-- kept and reported, never dropped. No key is ever made for it.

CREATE TABLE ghl_locations (
  ghl_location_id text PRIMARY KEY CHECK (length(ghl_location_id) BETWEEN 1 AND 64),
  location_id     text NOT NULL CONSTRAINT ghl_locations_location_exists REFERENCES locations (id),
  installed       boolean NOT NULL,
  config          jsonb NOT NULL DEFAULT '{}',  -- field_map, stage_map, user_map (docs/ghl.md)
  -- The location's publishable key for sign-in from the CRM (pk_ keys are public by design: bound
  -- to GoHighLevel's origins, they only work with an agent token the proxy mints).
  publishable_key text NOT NULL DEFAULT '',
  created_at      timestamptz NOT NULL,
  updated_at      timestamptz NOT NULL
);
CREATE INDEX ghl_locations_location ON ghl_locations (location_id);

-- A lead as the CRM keeps it. Facts are the core's lead facts ("pre_approved" -> "yes").
CREATE TABLE leads (
  location_id text NOT NULL CONSTRAINT leads_location_exists REFERENCES locations (id),
  id          text NOT NULL CHECK (length(id) BETWEEN 1 AND 64),
  name        text NOT NULL DEFAULT '',
  email       text NOT NULL DEFAULT '',
  phone       text NOT NULL DEFAULT '',
  source      text NOT NULL DEFAULT '',
  tags        jsonb NOT NULL DEFAULT '[]',
  facts       jsonb NOT NULL DEFAULT '{}',
  agent_id    text NOT NULL DEFAULT '',      -- the assigned agent
  sms_opt_out boolean NOT NULL DEFAULT false, -- the lead texted STOP (or the CRM says DND)
  deleted     boolean NOT NULL DEFAULT false,
  updated_at  timestamptz NOT NULL,
  PRIMARY KEY (location_id, id)
);

-- The real thread with the lead (texts, e-mails, calls), keyed by the CRM's message id so that a
-- webhook processed twice appends once.
CREATE TABLE lead_messages (
  location_id text NOT NULL CONSTRAINT lead_messages_location_exists REFERENCES locations (id),
  id          text NOT NULL CHECK (length(id) BETWEEN 1 AND 128),
  lead_id     text NOT NULL,
  direction   text NOT NULL CHECK (direction IN ('inbound', 'outbound')),
  channel     text NOT NULL,
  body        text NOT NULL,
  agent_id    text NOT NULL DEFAULT '',
  at          timestamptz NOT NULL,
  PRIMARY KEY (location_id, id)
);
CREATE INDEX lead_messages_lead ON lead_messages (location_id, lead_id, at);

-- Guidance cards for an agent's live socket, kept until expires_at for an agent who is offline.
CREATE TABLE live_cards (
  location_id  text NOT NULL CONSTRAINT live_cards_location_exists REFERENCES locations (id),
  id           text NOT NULL,
  agent_id     text NOT NULL,
  lead_id      text NOT NULL DEFAULT '',
  card         jsonb NOT NULL,
  created_at   timestamptz NOT NULL,
  expires_at   timestamptz NOT NULL,
  delivered_at timestamptz,
  PRIMARY KEY (location_id, id)
);
CREATE INDEX live_cards_waiting ON live_cards (location_id, agent_id, created_at) WHERE delivered_at IS NULL;

-- Retries: a failed attempt waits until next_attempt_at; after the last one the event stays
-- 'failed' (the dead letter) until an operator retries it.
ALTER TABLE webhook_inbox ADD COLUMN event_type text NOT NULL DEFAULT '';
ALTER TABLE webhook_inbox ADD COLUMN external_location text NOT NULL DEFAULT '';
ALTER TABLE webhook_inbox ADD COLUMN next_attempt_at timestamptz;

DO $$
DECLARE
  t text;
BEGIN
  FOREACH t IN ARRAY ARRAY['ghl_locations', 'leads', 'lead_messages', 'live_cards'] LOOP
    EXECUTE format('ALTER TABLE %I ENABLE ROW LEVEL SECURITY', t);
    EXECUTE format('ALTER TABLE %I FORCE ROW LEVEL SECURITY', t);
    EXECUTE format('CREATE POLICY tenant_isolation ON %I '
                   'USING (location_id = current_setting(''porchlight.location_id'', true)) '
                   'WITH CHECK (location_id = current_setting(''porchlight.location_id'', true))', t);
  END LOOP;
END
$$;
CREATE POLICY admin_find_link ON ghl_locations FOR SELECT TO CURRENT_USER USING (true);

-- A webhook names its GoHighLevel location before any tenant is known.
CREATE FUNCTION porchlight_find_ghl_location(p_ghl_location_id text) RETURNS SETOF ghl_locations
  LANGUAGE sql STABLE SECURITY DEFINER SET search_path = public, pg_temp
AS $$
  SELECT * FROM ghl_locations WHERE ghl_location_id = p_ghl_location_id
$$;

-- As before, and a pending event waits for its next_attempt_at.
CREATE OR REPLACE FUNCTION porchlight_claim_webhooks(p_limit bigint, p_now timestamptz, p_stale_before timestamptz)
  RETURNS SETOF webhook_inbox
  LANGUAGE sql VOLATILE SECURITY DEFINER SET search_path = public, pg_temp
AS $$
  UPDATE webhook_inbox w
     SET state = 'processing', attempts = w.attempts + 1, claimed_at = p_now
   WHERE w.id IN (SELECT id FROM webhook_inbox
                   WHERE (state = 'pending' AND (next_attempt_at IS NULL OR next_attempt_at <= p_now))
                      OR (state = 'processing' AND claimed_at < p_stale_before)
                   ORDER BY received_at, id
                   LIMIT least(greatest(p_limit, 0), 1000)
                   FOR UPDATE SKIP LOCKED)
  RETURNING w.*
$$;

-- Operators (porchlight-proxy webhooks list) see every location's events: newest first.
CREATE FUNCTION porchlight_list_webhooks(p_state text, p_limit bigint) RETURNS SETOF webhook_inbox
  LANGUAGE sql STABLE SECURITY DEFINER SET search_path = public, pg_temp
AS $$
  SELECT * FROM webhook_inbox WHERE p_state = '' OR state = p_state
   ORDER BY received_at DESC, id DESC LIMIT least(greatest(p_limit, 0), 1000)
$$;

-- Puts one event back to pending (webhooks retry: a failed one; replay: a done one too). Returns
-- how many rows it changed (0: no such event, or not in a state that may go back).
CREATE FUNCTION porchlight_requeue_webhook(p_id text, p_replay boolean) RETURNS bigint
  LANGUAGE plpgsql VOLATILE SECURITY DEFINER SET search_path = public, pg_temp
AS $$
DECLARE
  n bigint;
BEGIN
  UPDATE webhook_inbox SET state = 'pending', attempts = 0, next_attempt_at = NULL, error = ''
   WHERE id = p_id AND (state = 'failed' OR (p_replay AND state = 'done'));
  GET DIAGNOSTICS n = ROW_COUNT;
  RETURN n;
END
$$;

REVOKE ALL ON FUNCTION porchlight_find_ghl_location(text) FROM PUBLIC;
REVOKE ALL ON FUNCTION porchlight_list_webhooks(text, bigint) FROM PUBLIC;
REVOKE ALL ON FUNCTION porchlight_requeue_webhook(text, boolean) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION porchlight_find_ghl_location(text) TO porchlight_app;
GRANT EXECUTE ON FUNCTION porchlight_list_webhooks(text, bigint) TO porchlight_app;
GRANT EXECUTE ON FUNCTION porchlight_requeue_webhook(text, boolean) TO porchlight_app;

GRANT SELECT, INSERT, UPDATE ON ghl_locations, leads, live_cards TO porchlight_app;
GRANT SELECT, INSERT ON lead_messages TO porchlight_app;
