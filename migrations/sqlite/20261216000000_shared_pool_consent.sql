-- A location's consent to shared-pool agents homed in another location (see the PostgreSQL
-- migration of the same name): a pool's profile appears in a location only while it accepts the
-- pool's home.
CREATE TABLE shared_pool_consents (
  location_id      TEXT NOT NULL REFERENCES locations (id),
  from_location_id TEXT NOT NULL REFERENCES locations (id),
  created_at       TEXT NOT NULL,
  PRIMARY KEY (location_id, from_location_id),
  CHECK (location_id <> from_location_id)
);
CREATE INDEX shared_pool_consents_from ON shared_pool_consents (from_location_id);
