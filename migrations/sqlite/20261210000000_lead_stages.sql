-- Each lead's stage history: every move of the stage machine (core/data/stages.json), with the
-- event or signal that caused it and why, in order. The proxy appends as coaching turns and
-- recorded events move a lead; nothing is updated or deleted.

CREATE TABLE lead_stage_changes (
  location_id TEXT NOT NULL REFERENCES locations (id),
  lead_id     TEXT NOT NULL CHECK (length(lead_id) BETWEEN 1 AND 64),
  seq         INTEGER NOT NULL CHECK (seq > 0),
  id          TEXT NOT NULL,
  from_stage  TEXT NOT NULL,  -- '' for the lead's first recorded stage
  to_stage    TEXT NOT NULL CHECK (to_stage <> ''),
  trigger     TEXT NOT NULL,
  reason      TEXT NOT NULL,
  agent_id    TEXT NOT NULL DEFAULT '',
  source      TEXT NOT NULL,
  created_at  TEXT NOT NULL,
  PRIMARY KEY (location_id, lead_id, seq),
  UNIQUE (location_id, id)
) STRICT;
