// Claude Code managed settings, the pure parts: the checksum the client computes for If-None-Match
// (keys sorted at every level, no whitespace, characters kept), how layers merge (objects deep, the
// permission lists as unions, everything else replaced), what a key's policy adds (its allowed models
// as availableModels with enforceAvailableModels and a model from the list, its denied tools as
// permissions.deny), the uuid, the approval warning for env, and what the admin API refuses.
import { createHash } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { managedSettingsInputSchema, managedSettingsSchema } from '../../shared/schemas.js';
import {
  allowedModelList,
  applyKeyPolicy,
  canonicalJson,
  deniedToolRules,
  ifNoneMatchNames,
  layerWarnings,
  managedSettingsUuid,
  mergeSettings,
  settingsChecksum,
} from '../../electron/gateway/managed-settings.js';

const CATALOG = ['claude-opus-4-8', 'claude-sonnet-4-6', 'claude-sonnet-4-5', 'claude-haiku-4-5', 'claude-haiku-3-5'];
const sha256 = (text: string): string => `sha256:${createHash('sha256').update(text, 'utf8').digest('hex')}`;

describe('the checksum', () => {
  it('hashes the settings as JSON with keys sorted at every level and no whitespace', () => {
    const settings = {
      permissions: { deny: ['Bash'], allow: ['Read'] },
      model: 'claude-sonnet-4-6',
      env: { B: '2', A: '1' },
      hooks: [{ z: 1, a: { y: true, b: null } }],
    };
    const canonical =
      '{"env":{"A":"1","B":"2"},"hooks":[{"a":{"b":null,"y":true},"z":1}],"model":"claude-sonnet-4-6","permissions":{"allow":["Read"],"deny":["Bash"]}}';
    expect(canonicalJson(settings)).toBe(canonical);
    expect(settingsChecksum(settings)).toBe(sha256(canonical));
    expect(settingsChecksum(settings)).toMatch(/^sha256:[0-9a-f]{64}$/);
  });

  it('does not depend on the order the keys were written in, and keeps array order', () => {
    expect(settingsChecksum({ a: 1, b: { c: 2, d: 3 } })).toBe(settingsChecksum({ b: { d: 3, c: 2 }, a: 1 }));
    expect(settingsChecksum({ list: [1, 2] })).not.toBe(settingsChecksum({ list: [2, 1] }));
  });

  it('keeps unicode as it is, escaping only what JSON must', () => {
    const settings = { message: 'Grüße — 日本語 🚀', quote: 'say "hi"\n' };
    expect(canonicalJson(settings)).toBe('{"message":"Grüße — 日本語 🚀","quote":"say \\"hi\\"\\n"}');
    expect(settingsChecksum(settings)).toBe(sha256('{"message":"Grüße — 日本語 🚀","quote":"say \\"hi\\"\\n"}'));
  });

  it('hashes the empty policy too (200 with {} is not the same as a 404)', () => {
    expect(settingsChecksum({})).toBe(sha256('{}'));
  });

  it('reads If-None-Match as the client sends it, quoted, and as lists and weak tags', () => {
    const checksum = settingsChecksum({ a: 1 });
    expect(ifNoneMatchNames(`"${checksum}"`, checksum)).toBe(true);
    expect(ifNoneMatchNames(`W/"${checksum}"`, checksum)).toBe(true);
    expect(ifNoneMatchNames(`"sha256:00", "${checksum}"`, checksum)).toBe(true);
    expect(ifNoneMatchNames(checksum, checksum)).toBe(true);
    expect(ifNoneMatchNames('"sha256:00"', checksum)).toBe(false);
    expect(ifNoneMatchNames('*', checksum)).toBe(false);
    expect(ifNoneMatchNames(undefined, checksum)).toBe(false);
  });
});

describe('merging layers', () => {
  it('merges objects at every level, the later layer winning', () => {
    expect(
      mergeSettings(
        { env: { A: '1', B: '1' }, statusLine: { type: 'command', command: 'a' }, cleanupPeriodDays: 30 },
        { env: { B: '2', C: '3' }, statusLine: { command: 'b' }, cleanupPeriodDays: 7 },
      ),
    ).toEqual({ env: { A: '1', B: '2', C: '3' }, statusLine: { type: 'command', command: 'b' }, cleanupPeriodDays: 7 });
  });

  it('adds up permissions.allow, ask and deny across layers, each rule once, in order', () => {
    expect(
      mergeSettings(
        { permissions: { allow: ['Read', 'Grep'], deny: ['WebFetch'], defaultMode: 'default' } },
        { permissions: { allow: ['Grep', 'Edit'], ask: ['Bash(git push:*)'], deny: ['Bash'], defaultMode: 'plan' } },
      ),
    ).toEqual({
      permissions: {
        allow: ['Read', 'Grep', 'Edit'],
        ask: ['Bash(git push:*)'],
        deny: ['WebFetch', 'Bash'],
        defaultMode: 'plan',
      },
    });
  });

  it('replaces every other array and scalar, and an object by a scalar or the other way round', () => {
    expect(
      mergeSettings(
        {
          availableModels: ['claude-opus-4-8', 'claude-sonnet-4-6'],
          permissions: { additionalDirectories: ['/a'] },
          model: 'opus',
          hooks: { PreToolUse: [] },
          companyAnnouncements: 'x',
        },
        {
          availableModels: ['claude-sonnet-4-6'],
          permissions: { additionalDirectories: ['/b'] },
          model: 'claude-sonnet-4-6',
          hooks: 'none',
          companyAnnouncements: { text: 'y' },
        },
      ),
    ).toEqual({
      availableModels: ['claude-sonnet-4-6'],
      permissions: { additionalDirectories: ['/b'] },
      model: 'claude-sonnet-4-6',
      hooks: 'none',
      companyAnnouncements: { text: 'y' },
    });
  });

  it('changes neither input', () => {
    const base = { permissions: { deny: ['Bash'] }, env: { A: '1' } };
    const over = { permissions: { deny: ['WebFetch'] }, env: { B: '2' } };
    const merged = mergeSettings(base, over);
    (merged.env as Record<string, string>).C = '3';
    expect(base).toEqual({ permissions: { deny: ['Bash'] }, env: { A: '1' } });
    expect(over).toEqual({ permissions: { deny: ['WebFetch'] }, env: { B: '2' } });
  });
});

describe("what the key's policy adds", () => {
  it('turns the allowed models into availableModels, enforced, with a model from the list', () => {
    expect(applyKeyPolicy({}, { allowed_models: ['claude-sonnet-4-6', 'claude-haiku-4-5'] }, CATALOG)).toEqual({
      availableModels: ['claude-sonnet-4-6', 'claude-haiku-4-5'],
      enforceAvailableModels: true,
      model: 'claude-sonnet-4-6',
    });
  });

  it("keeps the layers' model when the key may use it, else takes the first allowed model", () => {
    const policy = { allowed_models: ['claude-sonnet-4-6', 'claude-haiku-4-5'] };
    expect(applyKeyPolicy({ model: 'claude-haiku-4-5' }, policy, CATALOG).model).toBe('claude-haiku-4-5');
    expect(applyKeyPolicy({ model: 'claude-opus-4-8' }, policy, CATALOG).model).toBe('claude-sonnet-4-6');
    expect(applyKeyPolicy({ model: 'opus' }, policy, CATALOG).model).toBe('claude-sonnet-4-6');
    // A dated id of an allowed model is allowed, as the gateway matches it.
    expect(applyKeyPolicy({ model: 'claude-haiku-4-5-20251001' }, policy, CATALOG).model).toBe(
      'claude-haiku-4-5-20251001',
    );
  });

  it("replaces the layers' availableModels with the key's list, which the gateway enforces", () => {
    const settings = applyKeyPolicy(
      { availableModels: ['opus'], enforceAvailableModels: false },
      { allowed_models: ['claude-haiku-4-5'] },
      CATALOG,
    );
    expect(settings).toMatchObject({ availableModels: ['claude-haiku-4-5'], enforceAvailableModels: true });
  });

  it('lists a pattern as the known models it matches, without the ones the key denies', () => {
    const policy = { allowed_models: ['claude-sonnet-*', 'claude-haiku-4-5'], denied_models: ['claude-sonnet-4-5'] };
    expect(allowedModelList(policy, CATALOG)).toEqual(['claude-sonnet-4-6', 'claude-haiku-4-5']);
    expect(applyKeyPolicy({}, policy, CATALOG).model).toBe('claude-sonnet-4-6');
  });

  it('adds nothing about models without an allow list, or with one that allows everything', () => {
    expect(applyKeyPolicy({ model: 'opus' }, {}, CATALOG)).toEqual({ model: 'opus' });
    expect(applyKeyPolicy({}, { allowed_models: [] }, CATALOG)).toEqual({});
    expect(applyKeyPolicy({}, { allowed_models: ['*'] }, CATALOG)).toEqual({});
    expect(allowedModelList({ allowed_models: ['*'] }, CATALOG)).toBeNull();
  });

  it("drops a layers' model the key denies when there is no list to take another from", () => {
    expect(applyKeyPolicy({ model: 'claude-opus-4-8' }, { denied_models: ['claude-opus-*'] }, CATALOG)).toEqual({});
  });

  it("adds the key's denied tools to permissions.deny, kept with the layers' rules", () => {
    const settings = applyKeyPolicy(
      { permissions: { deny: ['WebFetch'], allow: ['Read'] } },
      { tool_policy: { deny: ['Bash', 'WebFetch', 'mcp__github__*', 'Web*'], allow: ['Read', 'Bash'] } },
      CATALOG,
    );
    expect(settings).toEqual({ permissions: { deny: ['WebFetch', 'Bash', 'mcp__github__*'], allow: ['Read'] } });
    expect(deniedToolRules({ tool_policy: { deny: ['Bash', 'Bash', '*', 'mcp__x__read_*'] } })).toEqual(['Bash']);
    expect(deniedToolRules({ tool_policy: null })).toEqual([]);
  });

  it('changes nothing for a key without a policy', () => {
    const layered = { permissions: { deny: ['Bash'] }, model: 'claude-opus-4-8' };
    expect(applyKeyPolicy(layered, {}, CATALOG)).toEqual(layered);
  });
});

describe('the uuid and the warnings', () => {
  it('derives a stable UUID-shaped id from the key id', () => {
    const uuid = managedSettingsUuid('6f1c1b1e-0000-4000-8000-000000000001');
    expect(uuid).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-8[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
    expect(managedSettingsUuid('6f1c1b1e-0000-4000-8000-000000000001')).toBe(uuid);
    expect(managedSettingsUuid('another key')).not.toBe(uuid);
  });

  it('warns that env entries ask every teammate to approve them once, and says nothing without them', () => {
    const [warning, ...rest] = layerWarnings({ env: { CLAUDE_CODE_GATEWAY_HINT_HEADERS: '1' } });
    expect(rest).toEqual([]);
    expect(warning).toContain('CLAUDE_CODE_GATEWAY_HINT_HEADERS');
    expect(warning).toContain('approve');
    expect(warning).toContain('once');
    expect(layerWarnings({ env: {} })).toEqual([]);
    expect(layerWarnings({ permissions: { deny: ['Bash'] } })).toEqual([]);
  });
});

describe('validation', () => {
  const problems = (settings: unknown): string[] => {
    const result = managedSettingsInputSchema.safeParse({ settings });
    return result.success ? [] : result.error.issues.map((issue) => `${issue.path.join('.')}: ${issue.message}`);
  };

  it('takes an object, typing the keys it knows and passing the others on', () => {
    const settings = {
      permissions: { allow: ['Read'], ask: ['Bash(git push:*)'], deny: ['Bash'], defaultMode: 'plan' },
      availableModels: ['claude-sonnet-4-6'],
      model: 'claude-sonnet-4-6',
      env: { CLAUDE_CODE_GATEWAY_HINT_HEADERS: '1' },
      cleanupPeriodDays: 14,
      hooks: { PreToolUse: [] },
    };
    expect(managedSettingsSchema.parse(settings)).toEqual(settings);
    expect(problems({})).toEqual([]);
  });

  it('refuses what is not an object, and the known keys in the wrong shape', () => {
    expect(problems(['Bash'])).not.toEqual([]);
    expect(problems('{}')).not.toEqual([]);
    expect(problems(null)).not.toEqual([]);
    expect(problems({ permissions: { deny: 'Bash' } })).toEqual([expect.stringContaining('settings.permissions.deny')]);
    expect(problems({ permissions: { allow: [''] } })).toEqual([expect.stringContaining('settings.permissions.allow')]);
    expect(problems({ availableModels: 'claude-sonnet-4-6' })).toEqual([
      expect.stringContaining('settings.availableModels'),
    ]);
    expect(problems({ model: 4 })).toEqual([expect.stringContaining('settings.model')]);
    expect(problems({ env: { PORT: 8080 } })).toEqual([expect.stringContaining('settings.env.PORT')]);
  });

  it('bounds the size and the nesting of a layer', () => {
    expect(problems({ companyAnnouncements: ['x'.repeat(70 * 1024)] })).toEqual([
      expect.stringMatching(/at most 65536/),
    ]);
    let deep: unknown = 'leaf';
    for (let level = 0; level < 40; level++) deep = { next: deep };
    expect(problems({ deep })).toEqual([expect.stringMatching(/levels deep/)]);
    let veryDeep: unknown = [];
    for (let level = 0; level < 100_000; level++) veryDeep = [veryDeep];
    expect(problems({ veryDeep })).toEqual([expect.stringMatching(/levels deep/)]);
  });

  it('refuses a __proto__ key', () => {
    expect(problems(JSON.parse('{"hooks":{"__proto__":{"polluted":true}}}'))).toEqual([
      expect.stringContaining('__proto__'),
    ]);
  });
});
