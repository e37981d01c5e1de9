-- Each lead's stage history: every move of the stage machine (core/data/stages.json), with the
-- event or signal that caused it and why, in order. The proxy appends as coaching turns and
-- recorded events move a lead; nothing is updated or deleted.

CREATE TABLE lead_stage_changes (
  location_id text NOT NULL CONSTRAINT lead_stage_changes_location_exists REFERENCES locations (id),
  lead_id     text NOT NULL CHECK (length(lead_id) BETWEEN 1 AND 64),
  seq         bigint NOT NULL CHECK (seq > 0),
  id          text NOT NULL,
  from_stage  text NOT NULL,  -- '' for the lead's first recorded stage
  to_stage    text NOT NULL CHECK (to_stage <> ''),
  trigger     text NOT NULL,
  reason      text NOT NULL,
  agent_id    text NOT NULL DEFAULT '',
  source      text NOT NULL,
  created_at  timestamptz NOT NULL,
  PRIMARY KEY (location_id, lead_id, seq),
  UNIQUE (location_id, id)
);

ALTER TABLE lead_stage_changes ENABLE ROW LEVEL SECURITY;
ALTER TABLE lead_stage_changes FORCE ROW LEVEL SECURITY;
CREATE POLICY tenant_isolation ON lead_stage_changes
  USING (location_id = current_setting('porchlight.location_id', true))
  WITH CHECK (location_id = current_setting('porchlight.location_id', true));
GRANT SELECT, INSERT ON lead_stage_changes TO porchlight_app;
