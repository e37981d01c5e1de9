-- Budgets for one agent or one API key beside the location's, the spend they are checked against,
-- and the alerts already sent. The spend per agent and per key is kept like usage_monthly: added
-- in the same transaction as the ledger rows, only for rows actually inserted.

CREATE TABLE usage_monthly_by (
  location_id TEXT NOT NULL REFERENCES locations (id),
  month       TEXT NOT NULL CHECK (length(month) = 7),  -- "2026-12", UTC
  scope_kind  TEXT NOT NULL CHECK (scope_kind IN ('agent', 'key')),
  scope_id    TEXT NOT NULL CHECK (length(scope_id) BETWEEN 1 AND 128),
  cost_usd    REAL NOT NULL DEFAULT 0,
  records     INTEGER NOT NULL DEFAULT 0,
  PRIMARY KEY (location_id, month, scope_kind, scope_id)
) STRICT;

CREATE TABLE scoped_budgets (
  location_id TEXT NOT NULL REFERENCES locations (id),
  scope_kind  TEXT NOT NULL CHECK (scope_kind IN ('agent', 'key')),
  scope_id    TEXT NOT NULL CHECK (length(scope_id) BETWEEN 1 AND 128),
  monthly_usd REAL NOT NULL CHECK (monthly_usd >= 0),
  updated_at  TEXT NOT NULL,
  PRIMARY KEY (location_id, scope_kind, scope_id)
) STRICT;

CREATE TABLE budget_alerts (
  location_id TEXT NOT NULL REFERENCES locations (id),
  month       TEXT NOT NULL CHECK (length(month) = 7),
  scope_kind  TEXT NOT NULL CHECK (scope_kind IN ('location', 'agent', 'key')),
  scope_id    TEXT NOT NULL,
  threshold   INTEGER NOT NULL CHECK (threshold IN (80, 100)),
  at          TEXT NOT NULL,
  PRIMARY KEY (location_id, month, scope_kind, scope_id, threshold)
) STRICT;

ALTER TABLE budgets ADD COLUMN agent_monthly_usd REAL NOT NULL DEFAULT 0 CHECK (agent_monthly_usd >= 0);
ALTER TABLE budgets ADD COLUMN alert_webhook_url TEXT NOT NULL DEFAULT '' CHECK (length(alert_webhook_url) <= 2048);

INSERT INTO usage_monthly_by (location_id, month, scope_kind, scope_id, cost_usd, records)
  SELECT location_id, substr(at, 1, 7), 'agent', agent_id, sum(cost_usd), count(*) FROM usage_ledger
    WHERE agent_id <> '' GROUP BY 1, 2, 4;
INSERT INTO usage_monthly_by (location_id, month, scope_kind, scope_id, cost_usd, records)
  SELECT location_id, substr(at, 1, 7), 'key', key_id, sum(cost_usd), count(*) FROM usage_ledger
    WHERE key_id <> '' GROUP BY 1, 2, 4;
