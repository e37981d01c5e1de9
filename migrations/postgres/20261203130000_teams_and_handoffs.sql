-- Teams and hand-offs. A profile says what its agent may see of others' coaching (access: its
-- own, its team's as team_lead, the location's as location_admin) and which team it is on. A
-- lead's conversation now belongs to the lead: every agent who works it adds to one thread, and
-- each message says whose turn it was (agent_id), so a TC handed the lead sees the earlier turns
-- labelled by whose they were.

ALTER TABLE agent_profiles ADD COLUMN access text NOT NULL DEFAULT 'agent'
  CHECK (access IN ('agent', 'team_lead', 'location_admin'));
ALTER TABLE agent_profiles ADD COLUMN team_id text NOT NULL DEFAULT '' CHECK (length(team_id) <= 64);
CREATE INDEX agent_profiles_team ON agent_profiles (location_id, team_id) WHERE team_id <> '';

ALTER TABLE messages ADD COLUMN agent_id text NOT NULL DEFAULT '';

-- An agent's coaching history, newest first, by cursor (GET /v1/agents/{id}/history).
CREATE INDEX agent_coaching_history_agent ON agent_coaching_history (location_id, agent_id, id);

-- Messages written before this migration were the conversation's agent's. The backfill crosses
-- tenants: RLS is lifted for it only, inside this file's transaction.
ALTER TABLE messages NO FORCE ROW LEVEL SECURITY;
ALTER TABLE conversations NO FORCE ROW LEVEL SECURITY;
UPDATE messages m SET agent_id = c.agent_id FROM conversations c
  WHERE c.location_id = m.location_id AND c.id = m.conversation_id AND m.agent_id = '';
ALTER TABLE messages FORCE ROW LEVEL SECURITY;
ALTER TABLE conversations FORCE ROW LEVEL SECURITY;
