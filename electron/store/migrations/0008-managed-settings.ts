// Claude Code managed settings (the gateway protocol's /managed/settings): JSON layers the admin edits,
// one for everyone, one per team, per user and per virtual key, merged in that order for a sign-in's
// key. The global layer's owner_id is '' (a primary key column holds no NULL worth relying on).
export default /* sql */ `
CREATE TABLE managed_settings (
  scope       TEXT NOT NULL CHECK (scope IN ('global', 'team', 'user', 'virtual_key')),
  owner_id    TEXT NOT NULL,
  settings    TEXT NOT NULL,
  updated_at  INTEGER NOT NULL,
  PRIMARY KEY (scope, owner_id),
  CHECK ((scope = 'global') = (owner_id = ''))
) STRICT;
`;
