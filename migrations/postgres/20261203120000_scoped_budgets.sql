-- Budgets for one agent or one API key beside the location's, the spend they are checked against,
-- and the alerts already sent. The spend per agent and per key is kept like usage_monthly: added
-- in the same transaction as the ledger rows, only for rows actually inserted.

CREATE TABLE usage_monthly_by (
  location_id text NOT NULL CONSTRAINT usage_monthly_by_location_exists REFERENCES locations (id),
  month       text NOT NULL CHECK (month ~ '^[0-9]{4}-[0-9]{2}$'),  -- UTC
  scope_kind  text NOT NULL CHECK (scope_kind IN ('agent', 'key')),
  scope_id    text NOT NULL CHECK (length(scope_id) BETWEEN 1 AND 128),
  cost_usd    double precision NOT NULL DEFAULT 0,
  records     bigint NOT NULL DEFAULT 0,
  PRIMARY KEY (location_id, month, scope_kind, scope_id)
);

CREATE TABLE scoped_budgets (
  location_id text NOT NULL CONSTRAINT scoped_budgets_location_exists REFERENCES locations (id),
  scope_kind  text NOT NULL CHECK (scope_kind IN ('agent', 'key')),
  scope_id    text NOT NULL CHECK (length(scope_id) BETWEEN 1 AND 128),
  monthly_usd double precision NOT NULL CHECK (monthly_usd >= 0),
  updated_at  timestamptz NOT NULL,
  PRIMARY KEY (location_id, scope_kind, scope_id)
);

-- One row per alert sent: the first instance to insert it sends it (once per month, scope and threshold).
CREATE TABLE budget_alerts (
  location_id text NOT NULL CONSTRAINT budget_alerts_location_exists REFERENCES locations (id),
  month       text NOT NULL CHECK (month ~ '^[0-9]{4}-[0-9]{2}$'),
  scope_kind  text NOT NULL CHECK (scope_kind IN ('location', 'agent', 'key')),
  scope_id    text NOT NULL,
  threshold   integer NOT NULL CHECK (threshold IN (80, 100)),
  at          timestamptz NOT NULL,
  PRIMARY KEY (location_id, month, scope_kind, scope_id, threshold)
);

-- A default budget for every agent without one of its own, and where alerts are posted.
ALTER TABLE budgets ADD COLUMN agent_monthly_usd double precision NOT NULL DEFAULT 0 CHECK (agent_monthly_usd >= 0);
ALTER TABLE budgets ADD COLUMN alert_webhook_url text NOT NULL DEFAULT '' CHECK (length(alert_webhook_url) <= 2048);

DO $$
DECLARE t text;
BEGIN
  FOREACH t IN ARRAY ARRAY['usage_monthly_by', 'scoped_budgets', 'budget_alerts'] LOOP
    EXECUTE format('ALTER TABLE %I ENABLE ROW LEVEL SECURITY', t);
    EXECUTE format('ALTER TABLE %I FORCE ROW LEVEL SECURITY', t);
    EXECUTE format('CREATE POLICY tenant_isolation ON %I '
                   'USING (location_id = current_setting(''porchlight.location_id'', true)) '
                   'WITH CHECK (location_id = current_setting(''porchlight.location_id'', true))', t);
  END LOOP;
END
$$;
GRANT SELECT, INSERT, UPDATE ON usage_monthly_by, budget_alerts TO porchlight_app;
GRANT SELECT, INSERT, UPDATE, DELETE ON scoped_budgets TO porchlight_app;

-- The backfill reads every tenant's ledger: RLS is lifted for these statements only, inside this
-- file's transaction.
ALTER TABLE usage_ledger NO FORCE ROW LEVEL SECURITY;
ALTER TABLE usage_monthly_by NO FORCE ROW LEVEL SECURITY;
INSERT INTO usage_monthly_by (location_id, month, scope_kind, scope_id, cost_usd, records)
  SELECT location_id, to_char(at AT TIME ZONE 'UTC', 'YYYY-MM'), 'agent', agent_id, sum(cost_usd), count(*)
    FROM usage_ledger WHERE agent_id <> '' GROUP BY 1, 2, 4;
INSERT INTO usage_monthly_by (location_id, month, scope_kind, scope_id, cost_usd, records)
  SELECT location_id, to_char(at AT TIME ZONE 'UTC', 'YYYY-MM'), 'key', key_id, sum(cost_usd), count(*)
    FROM usage_ledger WHERE key_id <> '' GROUP BY 1, 2, 4;
ALTER TABLE usage_ledger FORCE ROW LEVEL SECURITY;
ALTER TABLE usage_monthly_by FORCE ROW LEVEL SECURITY;
