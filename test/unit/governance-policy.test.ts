// Model and tool policy: glob matching, allow and deny lists for models, remapping a key to another model,
// and taking denied tools out of a request body before it is forwarded.
import { describe, expect, it } from 'vitest';
import { firstMatch, globMatch, matchesAny } from '../../electron/governance/glob.js';
import {
  applyToolPolicy,
  decideModel,
  modelIdForms,
  remapModel,
  toolRemovalRule,
  toolsToRemove,
} from '../../electron/governance/policy.js';

describe('globMatch', () => {
  it('matches any run with a star, including none, and the whole value only', () => {
    expect(globMatch('claude-sonnet-*', 'claude-sonnet-4-5')).toBe(true);
    expect(globMatch('claude-sonnet-*', 'claude-sonnet-')).toBe(true);
    expect(globMatch('claude-sonnet-*', 'claude-opus-4-8')).toBe(false);
    expect(globMatch('sonnet', 'claude-sonnet-4-5')).toBe(false);
    expect(globMatch('*sonnet*', 'claude-sonnet-4-5')).toBe(true);
    expect(globMatch('*', '')).toBe(true);
    expect(globMatch('', '')).toBe(true);
    expect(globMatch('', 'x')).toBe(false);
    expect(globMatch('mcp__*__read*', 'mcp__github__read_file')).toBe(true);
    expect(globMatch('mcp__*__read*', 'mcp__github__write_file')).toBe(false);
  });

  it('matches exactly one character with a question mark', () => {
    expect(globMatch('claude-opus-4-?', 'claude-opus-4-8')).toBe(true);
    expect(globMatch('claude-opus-4-?', 'claude-opus-4-10')).toBe(false);
    expect(globMatch('claude-opus-4-?', 'claude-opus-4-')).toBe(false);
    expect(globMatch('*-4-?', 'claude-opus-4-8')).toBe(true);
  });

  it('ignores case', () => {
    expect(globMatch('Claude-Opus-*', 'claude-opus-4-8')).toBe(true);
    expect(globMatch('bash', 'Bash')).toBe(true);
    expect(globMatch('WebFetch', 'webfetch')).toBe(true);
  });

  it('takes every other character literally, regular-expression syntax included', () => {
    expect(globMatch('claude-opus-4-8[1m]', 'claude-opus-4-8[1m]')).toBe(true);
    expect(globMatch('claude-opus-4-8[1m]', 'claude-opus-4-81')).toBe(false);
    expect(globMatch('a.c', 'abc')).toBe(false);
    expect(globMatch('a.c', 'a.c')).toBe(true);
    expect(globMatch('a+', 'aa')).toBe(false);
    expect(globMatch('(x)|y', 'y')).toBe(false);
    expect(globMatch('^x$', '^x$')).toBe(true);
    expect(globMatch('a\\*', 'a\\bc')).toBe(true);
  });

  it('places pieces between stars so that a later piece still fits', () => {
    expect(globMatch('*ab*ab*', 'xxabyyab')).toBe(true);
    expect(globMatch('*ab*ab', 'abab')).toBe(true);
    expect(globMatch('*aba*', 'ab')).toBe(false);
    // The tail must not reuse characters already given to the head.
    expect(globMatch('ab*ba', 'aba')).toBe(false);
    expect(globMatch('ab*ba', 'abba')).toBe(true);
    expect(globMatch('a*?*b', 'ab')).toBe(false);
    expect(globMatch('a*?*b', 'axb')).toBe(true);
  });

  it('answers a many-star pattern against a long client-chosen id', () => {
    const value = 'a'.repeat(20_000);
    expect(globMatch('*a*a*a*a*a*a*a*a*b*', value)).toBe(false);
    expect(globMatch('*a*a*a*a*a*a*a*a*', value)).toBe(true);
  });

  it('matches any of several patterns, and none of an absent or empty list', () => {
    expect(matchesAny(['Bash', 'Write'], 'write')).toBe(true);
    expect(matchesAny(['Bash', 'Write'], 'Edit')).toBe(false);
    expect(matchesAny([], 'Edit')).toBe(false);
    expect(matchesAny(undefined, 'Edit')).toBe(false);
    expect(firstMatch(['mcp__*', 'Bash'], 'mcp__x__y')).toBe('mcp__*');
    expect(firstMatch(['Bash'], 'Edit')).toBeNull();
  });
});

describe('modelIdForms', () => {
  it('offers the id as sent, without its [1m] tag, and without its date snapshot', () => {
    expect(modelIdForms('claude-haiku-4-5-20251001')).toEqual(['claude-haiku-4-5-20251001', 'claude-haiku-4-5']);
    expect(modelIdForms('claude-opus-4-8[1m]')).toEqual(['claude-opus-4-8[1m]', 'claude-opus-4-8']);
    expect(modelIdForms('claude-sonnet-4-5-20250929[1m]')).toEqual([
      'claude-sonnet-4-5-20250929[1m]',
      'claude-sonnet-4-5-20250929',
      'claude-sonnet-4-5',
    ]);
  });
});

describe('decideModel', () => {
  const key = (allowed?: string[], denied?: string[]) => ({
    label: 'virtual key "alice"',
    policy: { ...(allowed && { allowed }), ...(denied && { denied }) },
  });

  it('allows every model when there is no allow list, or an empty one', () => {
    expect(decideModel('claude-opus-4-8', [])).toEqual({ allowed: true });
    expect(decideModel('claude-opus-4-8', [key()])).toEqual({ allowed: true });
    expect(decideModel('claude-opus-4-8', [key([])])).toEqual({ allowed: true });
  });

  it('allows only models an allow list matches, and says which models are allowed', () => {
    const policies = [key(['claude-sonnet-*', 'claude-haiku-*'])];
    expect(decideModel('claude-sonnet-4-5', policies)).toEqual({ allowed: true });
    const refused = decideModel('claude-opus-4-8', policies);
    expect(refused).toEqual({
      allowed: false,
      reason:
        'Model "claude-opus-4-8" is not allowed for virtual key "alice"; allowed models: "claude-sonnet-*", "claude-haiku-*".',
    });
  });

  it('refuses a denied model even when the allow list matches it, naming the rule', () => {
    const decision = decideModel('claude-opus-4-8', [key(['claude-*'], ['claude-opus-*'])]);
    expect(decision).toEqual({
      allowed: false,
      reason: 'Model "claude-opus-4-8" is denied for virtual key "alice" by the rule "claude-opus-*".',
    });
  });

  it('matches patterns against the id without its date snapshot and [1m] tag', () => {
    expect(decideModel('claude-haiku-4-5-20251001', [key(['claude-haiku-4-5*'])])).toEqual({ allowed: true });
    expect(decideModel('claude-haiku-4-5-20251001', [key(['claude-haiku-4-5'])])).toEqual({ allowed: true });
    expect(decideModel('claude-opus-4-8[1m]', [key(undefined, ['claude-opus-4-8'])]).allowed).toBe(false);
    expect(decideModel('claude-opus-4-8[1m]', [key(['claude-opus-4-8[1m]'])])).toEqual({ allowed: true });
  });

  it('needs every policy to allow the model and reports the one that refuses it', () => {
    const provider = { label: 'provider config anthropic', policy: { denied: ['claude-fable-*'] } };
    expect(decideModel('claude-sonnet-4-5', [key(['claude-*']), provider])).toEqual({ allowed: true });
    const decision = decideModel('claude-fable-5-2', [key(['claude-*']), provider]);
    expect(decision.allowed).toBe(false);
    expect(decision.allowed === false && decision.reason).toContain('provider config anthropic');
  });
});

describe('remapModel', () => {
  it('returns the target of the first matching pattern in key order, exactly as configured', () => {
    const remap = { 'claude-opus-*': 'claude-sonnet-4-5', 'claude-*': 'claude-haiku-4-5' };
    expect(remapModel('claude-opus-4-8', remap)).toBe('claude-sonnet-4-5');
    expect(remapModel('claude-opus-4-8[1m]', remap)).toBe('claude-sonnet-4-5');
    expect(remapModel('claude-fable-5-2', remap)).toBe('claude-haiku-4-5');
  });

  it('returns null when no pattern matches, there is no remap, or the id already is the target', () => {
    expect(remapModel('claude-haiku-4-5', { 'claude-opus-*': 'claude-sonnet-4-5' })).toBeNull();
    expect(remapModel('claude-opus-4-8', undefined)).toBeNull();
    expect(remapModel('claude-opus-4-8', {})).toBeNull();
    expect(remapModel('claude-sonnet-4-5', { 'claude-*': 'claude-sonnet-4-5' })).toBeNull();
  });

  it('matches a pattern against the id without its date snapshot', () => {
    expect(remapModel('claude-opus-4-1-20250805', { 'claude-opus-4-1': 'claude-sonnet-4-5' })).toBe(
      'claude-sonnet-4-5',
    );
  });
});

describe('toolsToRemove', () => {
  const claudeCodeTools = ['Bash', 'Write', 'Edit', 'Read', 'WebFetch', 'mcp__github__create_issue', 'mcp__db__query'];

  it('removes denied tools, MCP tools by server glob included', () => {
    expect(toolsToRemove(claudeCodeTools, { deny: ['Bash', 'mcp__github__*'] })).toEqual([
      'Bash',
      'mcp__github__create_issue',
    ]);
  });

  it('removes everything an allow list does not match', () => {
    expect(toolsToRemove(claudeCodeTools, { allow: ['Read', 'Edit', 'mcp__db__*'] })).toEqual([
      'Bash',
      'Write',
      'WebFetch',
      'mcp__github__create_issue',
    ]);
  });

  it('lets deny win over allow', () => {
    expect(toolsToRemove(['Bash', 'Read'], { allow: ['*'], deny: ['bash'] })).toEqual(['Bash']);
  });

  it('removes nothing without a policy or with an empty allow list', () => {
    expect(toolsToRemove(claudeCodeTools, undefined)).toEqual([]);
    expect(toolsToRemove(claudeCodeTools, {})).toEqual([]);
    expect(toolsToRemove(claudeCodeTools, { allow: [] })).toEqual([]);
  });

  it('lists a tool sent twice once', () => {
    expect(toolsToRemove(['Bash', 'Bash'], { deny: ['Bash'] })).toEqual(['Bash']);
  });

  it('names the rule that removes a tool', () => {
    expect(toolRemovalRule('Bash', { deny: ['B*'] })).toBe('deny "B*"');
    expect(toolRemovalRule('Bash', { allow: ['Read'] })).toBe('not in allow list');
    expect(toolRemovalRule('Read', { allow: ['Read'] })).toBeNull();
    expect(toolRemovalRule('Read', undefined)).toBeNull();
  });
});

describe('applyToolPolicy', () => {
  const tool = (name: string) => ({ name, description: `${name} tool`, input_schema: { type: 'object' } });
  const webSearch = { type: 'web_search_20250305', name: 'web_search', max_uses: 5 };
  const messages = [
    { role: 'user', content: 'run ls' },
    { role: 'assistant', content: [{ type: 'tool_use', id: 'toolu_1', name: 'Bash', input: { command: 'ls' } }] },
    { role: 'user', content: [{ type: 'tool_result', tool_use_id: 'toolu_1', content: 'README.md' }] },
  ];
  const request = (extra: Record<string, unknown> = {}): Record<string, unknown> => ({
    model: 'claude-sonnet-4-5',
    max_tokens: 1024,
    messages,
    tools: [tool('Bash'), tool('Read'), webSearch, tool('mcp__github__create_issue')],
    ...extra,
  });

  it('returns null when the policy removes nothing, so the original bytes can be forwarded', () => {
    expect(applyToolPolicy(request(), undefined)).toBeNull();
    expect(applyToolPolicy(request(), { deny: ['Write'] })).toBeNull();
    expect(applyToolPolicy(request(), { allow: ['*'] })).toBeNull();
    expect(applyToolPolicy({ model: 'x', messages }, { deny: ['*'] })).toBeNull();
  });

  it('filters the tools and leaves the rest of the body, past tool_use blocks included, as it was', () => {
    const original = request({ tool_choice: { type: 'auto' } });
    const snapshot = structuredClone(original);
    const result = applyToolPolicy(original, { deny: ['Bash', 'mcp__*'] });
    expect(result?.removed).toEqual(['Bash', 'mcp__github__create_issue']);
    expect(result?.body).toEqual({ ...snapshot, tools: [tool('Read'), webSearch] });
    expect(original).toEqual(snapshot);
  });

  it('removes a server tool by its name', () => {
    const result = applyToolPolicy(request(), { deny: ['web_search'] });
    expect(result?.removed).toEqual(['web_search']);
    expect(result?.body.tools).toEqual([tool('Bash'), tool('Read'), tool('mcp__github__create_issue')]);
  });

  it('turns a forced choice of a removed tool into auto, keeping its other settings', () => {
    const result = applyToolPolicy(
      request({ tool_choice: { type: 'tool', name: 'Bash', disable_parallel_tool_use: true } }),
      { deny: ['Bash'] },
    );
    expect(result?.body.tool_choice).toEqual({ type: 'auto', disable_parallel_tool_use: true });
  });

  it('keeps a forced choice of a tool that stays, and a choice of any tool while tools remain', () => {
    expect(
      applyToolPolicy(request({ tool_choice: { type: 'tool', name: 'Read' } }), { deny: ['Bash'] })?.body.tool_choice,
    ).toEqual({
      type: 'tool',
      name: 'Read',
    });
    expect(applyToolPolicy(request({ tool_choice: { type: 'any' } }), { deny: ['Bash'] })?.body.tool_choice).toEqual({
      type: 'any',
    });
  });

  it('drops tools and tool_choice altogether when no tool remains', () => {
    const result = applyToolPolicy(request({ tool_choice: { type: 'any' } }), { deny: ['*'] });
    expect(result?.removed).toEqual(['Bash', 'Read', 'web_search', 'mcp__github__create_issue']);
    expect(result?.body).not.toHaveProperty('tools');
    expect(result?.body).not.toHaveProperty('tool_choice');
    expect(result?.body.messages).toBe(messages);
  });

  it('keeps tools that have no name, since no rule can be said to cover them', () => {
    const nameless = { type: 'custom_thing' };
    const result = applyToolPolicy(request({ tools: [nameless, tool('Bash')] }), { allow: ['Read'] });
    expect(result?.removed).toEqual(['Bash']);
    expect(result?.body.tools).toEqual([nameless]);
  });
});
