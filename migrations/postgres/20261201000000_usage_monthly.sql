-- A location's spend per UTC month, kept beside the ledger. The budget check reads one row here
-- instead of summing every ledger row of the month (which grows with traffic). The repository
-- adds to it in the same transaction as the ledger rows it inserts, and only for rows actually
-- inserted (a retried request_id adds nothing), so the two always agree.

CREATE TABLE usage_monthly (
  location_id text NOT NULL CONSTRAINT usage_monthly_location_exists REFERENCES locations (id),
  month       text NOT NULL CHECK (month ~ '^[0-9]{4}-[0-9]{2}$'),  -- UTC
  cost_usd    double precision NOT NULL DEFAULT 0,
  records     bigint NOT NULL DEFAULT 0,
  PRIMARY KEY (location_id, month)
);

ALTER TABLE usage_monthly ENABLE ROW LEVEL SECURITY;
ALTER TABLE usage_monthly FORCE ROW LEVEL SECURITY;
CREATE POLICY tenant_isolation ON usage_monthly
  USING (location_id = current_setting('porchlight.location_id', true))
  WITH CHECK (location_id = current_setting('porchlight.location_id', true));
GRANT SELECT, INSERT, UPDATE ON usage_monthly TO porchlight_app;

-- The backfill reads every tenant's ledger: RLS is forced on the owner too, so it is lifted for
-- these two statements only (inside this file's transaction, so no other session sees the gap).
ALTER TABLE usage_ledger NO FORCE ROW LEVEL SECURITY;
ALTER TABLE usage_monthly NO FORCE ROW LEVEL SECURITY;
INSERT INTO usage_monthly (location_id, month, cost_usd, records)
  SELECT location_id, to_char(at AT TIME ZONE 'UTC', 'YYYY-MM'), sum(cost_usd), count(*)
    FROM usage_ledger GROUP BY 1, 2;
ALTER TABLE usage_ledger FORCE ROW LEVEL SECURITY;
ALTER TABLE usage_monthly FORCE ROW LEVEL SECURITY;
