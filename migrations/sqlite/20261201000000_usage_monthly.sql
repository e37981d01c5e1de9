-- A location's spend per UTC month, kept beside the ledger. The budget check reads one row here
-- instead of summing every ledger row of the month (which grows with traffic). The repository
-- adds to it in the same transaction as the ledger rows it inserts, and only for rows actually
-- inserted (a retried request_id adds nothing), so the two always agree.

CREATE TABLE usage_monthly (
  location_id TEXT NOT NULL REFERENCES locations (id),
  month       TEXT NOT NULL CHECK (length(month) = 7),  -- "2026-12", UTC
  cost_usd    REAL NOT NULL DEFAULT 0,
  records     INTEGER NOT NULL DEFAULT 0,
  PRIMARY KEY (location_id, month)
) STRICT;

INSERT INTO usage_monthly (location_id, month, cost_usd, records)
  SELECT location_id, substr(at, 1, 7), sum(cost_usd), count(*) FROM usage_ledger GROUP BY 1, 2;
