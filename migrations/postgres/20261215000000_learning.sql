-- The learning loop (docs/learning.md): experiments kept as data with the state last published,
-- each coaching event's context and the agent's actions on it, and outcomes attributed to the
-- lead's recent coaching.

-- An experiment's definition is the core's JSON (learn::experiment_from_json) plus what each
-- variant changes in the request; status, winner and allocation are what /v1/policy publishes.
ALTER TABLE experiments ADD COLUMN definition jsonb NOT NULL DEFAULT '{}';
ALTER TABLE experiments ADD COLUMN status text NOT NULL DEFAULT 'running'
  CHECK (status IN ('running', 'paused', 'stopped'));
ALTER TABLE experiments ADD COLUMN winner text NOT NULL DEFAULT '';
ALTER TABLE experiments ADD COLUMN allocation jsonb NOT NULL DEFAULT '[]';
-- The rated results the published allocation was computed from (the next publish waits for more).
ALTER TABLE experiments ADD COLUMN published_trials bigint NOT NULL DEFAULT 0;

-- What the coaching was given for: the lead, the experiment arm, and who the agent was then.
ALTER TABLE agent_coaching_history ADD COLUMN lead_id text NOT NULL DEFAULT '';
ALTER TABLE agent_coaching_history ADD COLUMN experiment_id text NOT NULL DEFAULT '';
ALTER TABLE agent_coaching_history ADD COLUMN tier text NOT NULL DEFAULT '';
ALTER TABLE agent_coaching_history ADD COLUMN agent_role text NOT NULL DEFAULT '';
ALTER TABLE agent_coaching_history ADD COLUMN experience text NOT NULL DEFAULT '';
ALTER TABLE agent_coaching_history ADD COLUMN specializations jsonb NOT NULL DEFAULT '[]';
ALTER TABLE agent_coaching_history ADD COLUMN stage text NOT NULL DEFAULT '';
ALTER TABLE agent_coaching_history ADD COLUMN policy_version text NOT NULL DEFAULT '';
-- What the agent did with it: why a rating, how much a drafted reply was edited before it was
-- sent (the text only where the location opts in), how often it was copied and sent.
ALTER TABLE agent_coaching_history ADD COLUMN feedback_reason text NOT NULL DEFAULT '';
ALTER TABLE agent_coaching_history ADD COLUMN edit_distance bigint NOT NULL DEFAULT -1;  -- -1: not edited or unknown
ALTER TABLE agent_coaching_history ADD COLUMN edited_text text NOT NULL DEFAULT '';
ALTER TABLE agent_coaching_history ADD COLUMN copies bigint NOT NULL DEFAULT 0;
ALTER TABLE agent_coaching_history ADD COLUMN sends bigint NOT NULL DEFAULT 0;
CREATE INDEX agent_coaching_history_experiment ON agent_coaching_history (location_id, experiment_id)
  WHERE experiment_id <> '';
CREATE INDEX agent_coaching_history_lead ON agent_coaching_history (location_id, lead_id, created_at)
  WHERE lead_id <> '';

-- A lead's outcome as the CRM reports it (appointment set, buyer agreement signed, offer written,
-- under contract, closed won or lost), with the coaching events attributed to it: the lead's
-- events within the location's window before it happened. A report with the same source and
-- external id (a webhook delivered twice) is recorded once.
CREATE TABLE lead_outcomes (
  location_id text NOT NULL CONSTRAINT lead_outcomes_location_exists REFERENCES locations (id),
  id          text NOT NULL,
  lead_id     text NOT NULL CHECK (length(lead_id) BETWEEN 1 AND 64),
  agent_id    text NOT NULL DEFAULT '',
  outcome     text NOT NULL CHECK (outcome IN ('appointment_set', 'agreement_signed', 'offer_written',
                                               'under_contract', 'closed_won', 'closed_lost')),
  occurred_at timestamptz NOT NULL,
  source      text NOT NULL,
  external_id text NOT NULL,
  attributed  jsonb NOT NULL DEFAULT '[]',  -- coaching event ids
  recorded_at timestamptz NOT NULL,
  PRIMARY KEY (location_id, id),
  UNIQUE (location_id, source, external_id)
);
CREATE INDEX lead_outcomes_occurred ON lead_outcomes (location_id, occurred_at);

-- Each location's choices for learning: how far back an outcome reaches for coaching to credit,
-- and whether the text of an agent's edit is kept (otherwise only its size).
CREATE TABLE learning_settings (
  location_id        text PRIMARY KEY CONSTRAINT learning_settings_location_exists REFERENCES locations (id),
  attribution_days   bigint NOT NULL DEFAULT 30 CHECK (attribution_days BETWEEN 1 AND 365),
  keep_edited_text   boolean NOT NULL DEFAULT false,
  updated_at         timestamptz NOT NULL
);

DO $$
DECLARE
  t text;
BEGIN
  FOREACH t IN ARRAY ARRAY['lead_outcomes', 'learning_settings'] LOOP
    EXECUTE format('ALTER TABLE %I ENABLE ROW LEVEL SECURITY', t);
    EXECUTE format('ALTER TABLE %I FORCE ROW LEVEL SECURITY', t);
    EXECUTE format('CREATE POLICY tenant_isolation ON %I '
                   'USING (location_id = current_setting(''porchlight.location_id'', true)) '
                   'WITH CHECK (location_id = current_setting(''porchlight.location_id'', true))', t);
  END LOOP;
END
$$;
GRANT SELECT, INSERT ON lead_outcomes TO porchlight_app;
GRANT SELECT, INSERT, UPDATE ON learning_settings TO porchlight_app;
