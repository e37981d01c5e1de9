-- GoHighLevel: which GoHighLevel location each Porchlight location is, the leads (contacts) and
-- their real thread as the CRM reports them, guidance cards waiting for an agent's live socket,
-- and the webhook inbox's retries. The same schema as migrations/postgres; docs/ghl.md explains
-- the flow.

-- Events from a GoHighLevel location not linked yet wait in the inbox of the location
-- 'ghl-intake', which the proxy makes when the first such event arrives.

CREATE TABLE ghl_locations (
  ghl_location_id TEXT PRIMARY KEY CHECK (length(ghl_location_id) BETWEEN 1 AND 64),
  location_id     TEXT NOT NULL REFERENCES locations (id),
  installed       INTEGER NOT NULL,
  config          TEXT NOT NULL DEFAULT '{}',
  publishable_key TEXT NOT NULL DEFAULT '',
  created_at      TEXT NOT NULL,
  updated_at      TEXT NOT NULL
) STRICT;
CREATE INDEX ghl_locations_location ON ghl_locations (location_id);

CREATE TABLE leads (
  location_id TEXT NOT NULL REFERENCES locations (id),
  id          TEXT NOT NULL CHECK (length(id) BETWEEN 1 AND 64),
  name        TEXT NOT NULL DEFAULT '',
  email       TEXT NOT NULL DEFAULT '',
  phone       TEXT NOT NULL DEFAULT '',
  source      TEXT NOT NULL DEFAULT '',
  tags        TEXT NOT NULL DEFAULT '[]',
  facts       TEXT NOT NULL DEFAULT '{}',
  agent_id    TEXT NOT NULL DEFAULT '',
  sms_opt_out INTEGER NOT NULL DEFAULT 0,
  deleted     INTEGER NOT NULL DEFAULT 0,
  updated_at  TEXT NOT NULL,
  PRIMARY KEY (location_id, id)
) STRICT;

CREATE TABLE lead_messages (
  location_id TEXT NOT NULL REFERENCES locations (id),
  id          TEXT NOT NULL CHECK (length(id) BETWEEN 1 AND 128),
  lead_id     TEXT NOT NULL,
  direction   TEXT NOT NULL CHECK (direction IN ('inbound', 'outbound')),
  channel     TEXT NOT NULL,
  body        TEXT NOT NULL,
  agent_id    TEXT NOT NULL DEFAULT '',
  at          TEXT NOT NULL,
  PRIMARY KEY (location_id, id)
) STRICT;
CREATE INDEX lead_messages_lead ON lead_messages (location_id, lead_id, at);

CREATE TABLE live_cards (
  location_id  TEXT NOT NULL REFERENCES locations (id),
  id           TEXT NOT NULL,
  agent_id     TEXT NOT NULL,
  lead_id      TEXT NOT NULL DEFAULT '',
  card         TEXT NOT NULL,
  created_at   TEXT NOT NULL,
  expires_at   TEXT NOT NULL,
  delivered_at TEXT,
  PRIMARY KEY (location_id, id)
) STRICT;
CREATE INDEX live_cards_waiting ON live_cards (location_id, agent_id, created_at) WHERE delivered_at IS NULL;

ALTER TABLE webhook_inbox ADD COLUMN event_type TEXT NOT NULL DEFAULT '';
ALTER TABLE webhook_inbox ADD COLUMN external_location TEXT NOT NULL DEFAULT '';
ALTER TABLE webhook_inbox ADD COLUMN next_attempt_at TEXT;
