-- A location's consent to shared-pool agents (an ISA or TC pool) homed in another location: a
-- pool's profile appears in a location's roster and prompts only while that location accepts the
-- pool's home. The consent is the served location's to give and to take back (its settings);
-- until now a home could list any location in a profile's served_locations on its own.
CREATE TABLE shared_pool_consents (
  location_id      text NOT NULL CONSTRAINT shared_pool_consents_location_exists REFERENCES locations (id),
  from_location_id text NOT NULL CONSTRAINT shared_pool_consents_from_exists REFERENCES locations (id),
  created_at       timestamptz NOT NULL,
  PRIMARY KEY (location_id, from_location_id),
  CHECK (location_id <> from_location_id)
);
CREATE INDEX shared_pool_consents_from ON shared_pool_consents (from_location_id);

ALTER TABLE shared_pool_consents ENABLE ROW LEVEL SECURITY;
ALTER TABLE shared_pool_consents FORCE ROW LEVEL SECURITY;
CREATE POLICY tenant_isolation ON shared_pool_consents
  USING (location_id = current_setting('porchlight.location_id', true))
  WITH CHECK (location_id = current_setting('porchlight.location_id', true));
-- A pool's home reads which locations accept it (to refuse serving one that does not).
CREATE POLICY home_read ON shared_pool_consents FOR SELECT
  USING (from_location_id = current_setting('porchlight.location_id', true));
GRANT SELECT, INSERT, DELETE ON shared_pool_consents TO porchlight_app;

-- The second wall: a served location reads a pool's profile only while it accepts the pool's home.
DROP POLICY shared_pool_read ON agent_profiles;
CREATE POLICY shared_pool_read ON agent_profiles FOR SELECT
  USING (shared_pool
    AND EXISTS (SELECT 1 FROM agent_location_access a
                WHERE a.location_id = agent_profiles.location_id AND a.agent_id = agent_profiles.id
                  AND a.served_location_id = current_setting('porchlight.location_id', true))
    AND EXISTS (SELECT 1 FROM shared_pool_consents c
                WHERE c.location_id = current_setting('porchlight.location_id', true)
                  AND c.from_location_id = agent_profiles.location_id));
