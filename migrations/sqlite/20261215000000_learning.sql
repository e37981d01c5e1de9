-- The learning loop (docs/learning.md): experiments kept as data with the state last published,
-- each coaching event's context and the agent's actions on it, and outcomes attributed to the
-- lead's recent coaching. The PostgreSQL file says more.

ALTER TABLE experiments ADD COLUMN definition TEXT NOT NULL DEFAULT '{}';
ALTER TABLE experiments ADD COLUMN status TEXT NOT NULL DEFAULT 'running'
  CHECK (status IN ('running', 'paused', 'stopped'));
ALTER TABLE experiments ADD COLUMN winner TEXT NOT NULL DEFAULT '';
ALTER TABLE experiments ADD COLUMN allocation TEXT NOT NULL DEFAULT '[]';
ALTER TABLE experiments ADD COLUMN published_trials INTEGER NOT NULL DEFAULT 0;

ALTER TABLE agent_coaching_history ADD COLUMN lead_id TEXT NOT NULL DEFAULT '';
ALTER TABLE agent_coaching_history ADD COLUMN experiment_id TEXT NOT NULL DEFAULT '';
ALTER TABLE agent_coaching_history ADD COLUMN tier TEXT NOT NULL DEFAULT '';
ALTER TABLE agent_coaching_history ADD COLUMN agent_role TEXT NOT NULL DEFAULT '';
ALTER TABLE agent_coaching_history ADD COLUMN experience TEXT NOT NULL DEFAULT '';
ALTER TABLE agent_coaching_history ADD COLUMN specializations TEXT NOT NULL DEFAULT '[]';
ALTER TABLE agent_coaching_history ADD COLUMN stage TEXT NOT NULL DEFAULT '';
ALTER TABLE agent_coaching_history ADD COLUMN policy_version TEXT NOT NULL DEFAULT '';
ALTER TABLE agent_coaching_history ADD COLUMN feedback_reason TEXT NOT NULL DEFAULT '';
ALTER TABLE agent_coaching_history ADD COLUMN edit_distance INTEGER NOT NULL DEFAULT -1;
ALTER TABLE agent_coaching_history ADD COLUMN edited_text TEXT NOT NULL DEFAULT '';
ALTER TABLE agent_coaching_history ADD COLUMN copies INTEGER NOT NULL DEFAULT 0;
ALTER TABLE agent_coaching_history ADD COLUMN sends INTEGER NOT NULL DEFAULT 0;
CREATE INDEX agent_coaching_history_experiment ON agent_coaching_history (location_id, experiment_id)
  WHERE experiment_id <> '';
CREATE INDEX agent_coaching_history_lead ON agent_coaching_history (location_id, lead_id, created_at)
  WHERE lead_id <> '';

CREATE TABLE lead_outcomes (
  location_id TEXT NOT NULL REFERENCES locations (id),
  id          TEXT NOT NULL,
  lead_id     TEXT NOT NULL CHECK (length(lead_id) BETWEEN 1 AND 64),
  agent_id    TEXT NOT NULL DEFAULT '',
  outcome     TEXT NOT NULL CHECK (outcome IN ('appointment_set', 'agreement_signed', 'offer_written',
                                               'under_contract', 'closed_won', 'closed_lost')),
  occurred_at TEXT NOT NULL,
  source      TEXT NOT NULL,
  external_id TEXT NOT NULL,
  attributed  TEXT NOT NULL DEFAULT '[]',
  recorded_at TEXT NOT NULL,
  PRIMARY KEY (location_id, id),
  UNIQUE (location_id, source, external_id)
) STRICT;
CREATE INDEX lead_outcomes_occurred ON lead_outcomes (location_id, occurred_at);

CREATE TABLE learning_settings (
  location_id        TEXT PRIMARY KEY REFERENCES locations (id),
  attribution_days   INTEGER NOT NULL DEFAULT 30 CHECK (attribution_days BETWEEN 1 AND 365),
  keep_edited_text   INTEGER NOT NULL DEFAULT 0,
  updated_at         TEXT NOT NULL
) STRICT;
