-- Teams and hand-offs. A profile says what its agent may see of others' coaching (access: its
-- own, its team's as team_lead, the location's as location_admin) and which team it is on. A
-- lead's conversation now belongs to the lead: every agent who works it adds to one thread, and
-- each message says whose turn it was (agent_id), so a TC handed the lead sees the earlier turns
-- labelled by whose they were.

ALTER TABLE agent_profiles ADD COLUMN access TEXT NOT NULL DEFAULT 'agent'
  CHECK (access IN ('agent', 'team_lead', 'location_admin'));
ALTER TABLE agent_profiles ADD COLUMN team_id TEXT NOT NULL DEFAULT '' CHECK (length(team_id) <= 64);
CREATE INDEX agent_profiles_team ON agent_profiles (location_id, team_id) WHERE team_id <> '';

ALTER TABLE messages ADD COLUMN agent_id TEXT NOT NULL DEFAULT '';

CREATE INDEX agent_coaching_history_agent ON agent_coaching_history (location_id, agent_id, id);

UPDATE messages SET agent_id = (SELECT c.agent_id FROM conversations c
                                 WHERE c.location_id = messages.location_id AND c.id = messages.conversation_id)
  WHERE agent_id = '' AND EXISTS (SELECT 1 FROM conversations c
                                   WHERE c.location_id = messages.location_id AND c.id = messages.conversation_id);
