// Claude Code's subagents: each request says which agent sent it (x-claude-code-agent-id) and which
// agent started that one (x-claude-code-parent-agent-id), so a session's requests and cost can be
// told apart by agent; the index serves that grouping within a session.
export default /* sql */ `
ALTER TABLE request_logs ADD COLUMN agent_id TEXT;
ALTER TABLE request_logs ADD COLUMN parent_agent_id TEXT;
CREATE INDEX request_logs_by_session_agent ON request_logs (session_id, agent_id);
`;
