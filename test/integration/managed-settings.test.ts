// Claude Code managed settings over real HTTP on loopback: a teammate signed in with /login (the
// device flow, approved through the admin API) asks GET /managed/settings with their bearer, and the
// admin edits the layers through /api/managed-settings. No policy is a 404; the layers apply global <
// team < user < key with the key's own policy on top; the checksum is the ETag and an If-None-Match
// naming it gets a 304 (`*` and other values get the document); the preview is exactly what the
// bearer gets; an edit changes the checksum; and an ended sign-in is the re-login 401.
import { createHash } from 'node:crypto';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { RouteResponse } from '../../shared/contract.js';
import { adminApi } from '../../shared/contract.js';
import type { ManagedSettingsDocument, SignInView } from '../../shared/schemas.js';
import { ManualClock } from '../support/clock.js';
import { startTestGateway, type TestGateway } from '../support/gateway.js';

const DEVICE_GRANT = 'urn:ietf:params:oauth:grant-type:device_code';
let clock: ManualClock;
let gw: TestGateway;

beforeEach(async () => {
  clock = new ManualClock('2026-12-07T10:00:00Z');
  gw = await startTestGateway({ gateway: { clock: clock.read } });
});

afterEach(async () => {
  await gw.close();
});

async function form(path: string, fields: Record<string, string>): Promise<{ status: number; body: unknown }> {
  const response = await fetch(gw.url + path, {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded', 'user-agent': 'claude-code/2.1.330' },
    body: new URLSearchParams(fields).toString(),
  });
  return { status: response.status, body: await response.json() };
}

/** Priya signs in with /login and the admin approves (with `approval`); returns her bearer and sign-in. */
async function signInPriya(approval: Record<string, unknown> = {}): Promise<{ token: string; signIn: SignInView }> {
  const device = (await form('/oauth/device_authorization', { surface: 'claude_code' })).body as {
    device_code: string;
    user_code: string;
    interval: number;
  };
  const page = await fetch(`${gw.url}/device`, {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams({ user_code: device.user_code, name: 'Priya Raman', email: 'priya@example.com' }),
  });
  expect(page.status).toBe(200);
  const pending = await gw.admin<{ sign_ins: SignInView[] }>('GET', '/api/sign-ins?status=pending');
  const signIn = pending.body.sign_ins.find((candidate) => candidate.user_code === device.user_code);
  if (!signIn) throw new Error(`no pending sign-in for ${device.user_code}`);
  const approved = await gw.admin<RouteResponse<'approveSignIn'>>(
    'POST',
    `/api/sign-ins/${signIn.id}/approve`,
    approval,
  );
  expect(approved.status, JSON.stringify(approved.body)).toBe(200);
  clock.advance(device.interval * 1000);
  const tokens = await form('/oauth/token', { grant_type: DEVICE_GRANT, device_code: device.device_code });
  expect(tokens.status).toBe(200);
  return { token: (tokens.body as { access_token: string }).access_token, signIn: approved.body.sign_in };
}

interface Fetched {
  status: number;
  headers: Headers;
  text: string;
  document: ManagedSettingsDocument | null;
}

/** GET /managed/settings as Claude Code asks it. */
async function managedSettings(token: string, headers: Record<string, string> = {}): Promise<Fetched> {
  const response = await fetch(`${gw.url}/managed/settings`, {
    headers: { authorization: `Bearer ${token}`, accept: 'application/json', ...headers },
  });
  const text = await response.text();
  const document =
    response.status === 200 ? adminApi.previewManagedSettings.response.parse(JSON.parse(text) as unknown) : null;
  return { status: response.status, headers: response.headers, text, document };
}

async function put(path: string, settings: unknown): Promise<{ status: number; body: Record<string, unknown> }> {
  return gw.admin<Record<string, unknown>>('PUT', `/api/managed-settings/${path}`, { settings });
}

const canonicalChecksum = (settings: unknown): string => {
  const sort = (value: unknown): unknown =>
    Array.isArray(value)
      ? value.map(sort)
      : value !== null && typeof value === 'object'
        ? Object.fromEntries(
            Object.keys(value)
              .sort()
              .map((key) => [key, sort((value as Record<string, unknown>)[key])]),
          )
        : value;
  return `sha256:${createHash('sha256')
    .update(JSON.stringify(sort(settings)))
    .digest('hex')}`;
};

describe('GET /managed/settings', () => {
  it('is a 404, the protocol\'s "no policy", while nothing applies to the key', async () => {
    const { token } = await signInPriya();
    const answer = await managedSettings(token);
    expect(answer.status).toBe(404);
    expect(JSON.parse(answer.text)).toMatchObject({ type: 'error', error: { type: 'not_found_error' } });
    // Another key's layer is not this key's policy.
    const other = await gw.createKey('someone else');
    expect((await put(`virtual_key/${other.id}`, { model: 'claude-haiku-4-5' })).status).toBe(200);
    expect((await managedSettings(token)).status).toBe(404);
    // An empty layer is a policy: the empty one, 200 with {}.
    expect((await put('global', {})).status).toBe(200);
    const empty = await managedSettings(token);
    expect(empty.status).toBe(200);
    expect(empty.document?.settings).toEqual({});
    expect(empty.document?.checksum).toBe(canonicalChecksum({}));
  });

  it('applies the layers in order, global < team < user < key, and the team of the key or else of its user', async () => {
    const team = await gw.admin<{ team: { id: string } }>('POST', '/api/governance/teams', { name: 'Platform' });
    const teamId = team.body.team.id;
    const { token, signIn } = await signInPriya({
      user: { name: 'Priya Raman', email: 'priya@example.com', team_id: teamId },
    });
    const userId = signIn.user_id ?? '';
    const keyId = signIn.virtual_key_id ?? '';

    expect(
      await put('global', {
        model: 'claude-opus-4-8',
        permissions: { deny: ['WebFetch'], allow: ['Read'] },
        companyAnnouncements: ['Welcome to Acme'],
        cleanupPeriodDays: 30,
      }),
    ).toMatchObject({ status: 200, body: { scope: 'global', id: null, warnings: [] } });
    expect(
      await put(`team/${teamId}`, {
        model: 'claude-sonnet-4-6',
        permissions: { deny: ['Bash(rm:*)'] },
        cleanupPeriodDays: 14,
      }),
    ).toMatchObject({ status: 200, body: { scope: 'team', id: teamId } });
    expect(
      await put(`user/${userId}`, {
        permissions: { ask: ['Bash(git push:*)'] },
        statusLine: { type: 'command', command: 'x' },
      }),
    ).toMatchObject({
      status: 200,
    });
    expect(
      await put(`virtual_key/${keyId}`, { permissions: { deny: ['Bash'] }, statusLine: { command: 'y' } }),
    ).toMatchObject({
      status: 200,
    });

    const expected = {
      model: 'claude-sonnet-4-6',
      permissions: { deny: ['WebFetch', 'Bash(rm:*)', 'Bash'], allow: ['Read'], ask: ['Bash(git push:*)'] },
      companyAnnouncements: ['Welcome to Acme'],
      cleanupPeriodDays: 14,
      statusLine: { type: 'command', command: 'y' },
    };
    const answer = await managedSettings(token);
    expect(answer.status).toBe(200);
    expect(answer.document).toEqual({
      uuid: expect.stringMatching(/^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/) as unknown,
      checksum: canonicalChecksum(expected),
      settings: expected,
    });
    expect(answer.headers.get('content-type')).toBe('application/json');

    // Without a team of its own, the key takes its user's team.
    expect((await gw.admin('PUT', `/api/governance/virtual-keys/${keyId}`, { team_id: null })).status).toBe(200);
    expect((await managedSettings(token)).document?.settings).toEqual(expected);
    // A user with no team: the team layer no longer applies.
    expect((await gw.admin('PUT', `/api/governance/users/${userId}`, { team_id: null })).status).toBe(200);
    expect((await managedSettings(token)).document?.settings).toMatchObject({
      model: 'claude-opus-4-8',
      cleanupPeriodDays: 30,
      permissions: { deny: ['WebFetch', 'Bash'] },
    });

    // The uuid stays the key's.
    expect((await managedSettings(token)).document?.uuid).toBe(answer.document?.uuid);
  });

  it("adds what the key's policy implies: its allowed models, enforced, a model from the list, and its denied tools", async () => {
    const { token } = await signInPriya({
      key: {
        allowed_models: ['claude-sonnet-4-6', 'claude-haiku-4-5'],
        tool_policy: { deny: ['WebSearch'] },
      },
    });
    // No layer at all: the key's policy alone is a managed policy.
    expect((await managedSettings(token)).document?.settings).toEqual({
      availableModels: ['claude-sonnet-4-6', 'claude-haiku-4-5'],
      enforceAvailableModels: true,
      model: 'claude-sonnet-4-6',
      permissions: { deny: ['WebSearch'] },
    });
    // Claude Code would start on Opus, which this key cannot use: the layer's model gives way to the list.
    expect((await put('global', { model: 'claude-opus-4-8', permissions: { deny: ['Bash'] } })).status).toBe(200);
    expect((await managedSettings(token)).document?.settings).toEqual({
      availableModels: ['claude-sonnet-4-6', 'claude-haiku-4-5'],
      enforceAvailableModels: true,
      model: 'claude-sonnet-4-6',
      permissions: { deny: ['Bash', 'WebSearch'] },
    });
    expect((await put('global', { model: 'claude-haiku-4-5' })).status).toBe(200);
    expect((await managedSettings(token)).document?.settings).toMatchObject({ model: 'claude-haiku-4-5' });
  });

  it('sends the checksum as ETag and answers 304 to an If-None-Match naming it, and the document to anything else', async () => {
    const { token, signIn } = await signInPriya();
    expect((await put(`virtual_key/${signIn.virtual_key_id ?? ''}`, { permissions: { deny: ['Bash'] } })).status).toBe(
      200,
    );

    const first = await managedSettings(token);
    expect(first.status).toBe(200);
    const checksum = first.document?.checksum ?? '';
    expect(checksum).toBe(canonicalChecksum({ permissions: { deny: ['Bash'] } }));
    expect(first.headers.get('etag')).toBe(`"${checksum}"`);

    const unchanged = await managedSettings(token, { 'if-none-match': `"${checksum}"` });
    expect(unchanged.status).toBe(304);
    expect(unchanged.text).toBe('');
    expect(unchanged.headers.get('etag')).toBe(`"${checksum}"`);

    // Claude Desktop's "are there settings?" is answered as without the header: never a 304.
    const star = await managedSettings(token, { 'if-none-match': '*' });
    expect(star.status).toBe(200);
    expect(star.document).toEqual(first.document);

    const stale = await managedSettings(token, { 'if-none-match': `"${canonicalChecksum({ old: true })}"` });
    expect(stale.status).toBe(200);
    expect(stale.document).toEqual(first.document);
  });

  it('changes the checksum when a layer is edited, so the old If-None-Match gets the new document', async () => {
    const { token, signIn } = await signInPriya();
    const userId = signIn.user_id ?? '';
    expect((await put(`user/${userId}`, { permissions: { deny: ['Bash'] } })).status).toBe(200);
    const before = await managedSettings(token);
    const checksum = before.document?.checksum ?? '';

    expect((await put(`user/${userId}`, { permissions: { deny: ['Bash', 'WebFetch'] } })).status).toBe(200);
    const after = await managedSettings(token, { 'if-none-match': `"${checksum}"` });
    expect(after.status).toBe(200);
    expect(after.document?.settings).toEqual({ permissions: { deny: ['Bash', 'WebFetch'] } });
    expect(after.document?.checksum).not.toBe(checksum);
    expect(after.headers.get('etag')).toBe(`"${after.document?.checksum ?? ''}"`);

    expect((await gw.admin('DELETE', `/api/managed-settings/user/${userId}`)).status).toBe(200);
    expect((await managedSettings(token, { 'if-none-match': `"${checksum}"` })).status).toBe(404);
  });

  it('is the re-login 401 once the sign-in is revoked, whatever the layers say', async () => {
    const { token, signIn } = await signInPriya();
    expect((await put('global', { permissions: { deny: ['Bash'] } })).status).toBe(200);
    const live = await managedSettings(token);
    expect(live.status).toBe(200);
    expect((await gw.admin('POST', `/api/sign-ins/${signIn.id}/revoke`)).status).toBe(200);
    const ended = await managedSettings(token, { 'if-none-match': `"${live.document?.checksum ?? ''}"` });
    expect(ended.status).toBe(401);
    expect(ended.headers.get('x-should-retry')).toBe('false');
    expect(JSON.parse(ended.text)).toMatchObject({ error: { type: 'authentication_error' } });
  });
});

describe('the admin API', () => {
  it('previews exactly the document the bearer gets, or 404 when none applies', async () => {
    const { token, signIn } = await signInPriya({ key: { allowed_models: ['claude-sonnet-*'] } });
    const keyId = signIn.virtual_key_id ?? '';
    expect((await put('global', { permissions: { allow: ['Read'] }, env: { FOO: 'bar' } })).status).toBe(200);
    const preview = await gw.admin<ManagedSettingsDocument>('GET', `/api/managed-settings/preview?key_id=${keyId}`);
    expect(preview.status).toBe(200);
    const fetched = await managedSettings(token);
    expect(preview.body).toEqual(fetched.document);
    expect(JSON.stringify(preview.body)).toBe(fetched.text);

    const bare = await gw.createKey('no policy');
    expect((await gw.admin('DELETE', '/api/managed-settings/global')).status).toBe(200);
    expect(await gw.admin('GET', `/api/managed-settings/preview?key_id=${bare.id}`)).toMatchObject({
      status: 404,
      body: { error: { message: expect.stringContaining('No managed settings apply') as unknown } },
    });
    expect((await gw.admin('GET', '/api/managed-settings/preview?key_id=nope')).status).toBe(404);
    expect((await gw.admin('GET', '/api/managed-settings/preview')).status).toBe(400);
  });

  it('lists, reads, replaces and removes layers, and 404s for an owner that does not exist', async () => {
    const key = await gw.createKey('laptop');
    const team = await gw.admin<{ team: { id: string } }>('POST', '/api/governance/teams', { name: 'Platform' });
    expect((await put('global', { model: 'claude-sonnet-4-6' })).status).toBe(200);
    clock.advance(1000);
    expect((await put(`team/${team.body.team.id}`, { permissions: { deny: ['Bash'] } })).status).toBe(200);
    clock.advance(1000);
    const saved = await put(`virtual_key/${key.id}`, { model: 'claude-haiku-4-5' });
    expect(saved).toEqual({
      status: 200,
      body: {
        scope: 'virtual_key',
        id: key.id,
        settings: { model: 'claude-haiku-4-5' },
        updated_at: '2026-12-07T10:00:02.000Z',
        warnings: [],
      },
    });
    const listed = await gw.admin<RouteResponse<'listManagedSettings'>>('GET', '/api/managed-settings');
    expect(adminApi.listManagedSettings.response.parse(listed.body).layers).toEqual([
      { scope: 'global', id: null, settings: { model: 'claude-sonnet-4-6' }, updated_at: '2026-12-07T10:00:00.000Z' },
      {
        scope: 'team',
        id: team.body.team.id,
        settings: { permissions: { deny: ['Bash'] } },
        updated_at: '2026-12-07T10:00:01.000Z',
      },
      {
        scope: 'virtual_key',
        id: key.id,
        settings: { model: 'claude-haiku-4-5' },
        updated_at: '2026-12-07T10:00:02.000Z',
      },
    ]);
    expect(await gw.admin('GET', `/api/managed-settings/virtual_key/${key.id}`)).toMatchObject({
      status: 200,
      body: { scope: 'virtual_key', id: key.id, settings: { model: 'claude-haiku-4-5' } },
    });
    // A PUT replaces the layer whole.
    expect((await put('global', { cleanupPeriodDays: 7 })).body.settings).toEqual({ cleanupPeriodDays: 7 });

    for (const path of ['team/nope', 'user/nope', 'virtual_key/nope']) {
      expect(await put(path, {})).toMatchObject({ status: 404, body: { error: { type: 'not_found_error' } } });
    }
    expect((await put('customer/whatever', {})).status).toBe(404);
    expect((await gw.admin('GET', `/api/managed-settings/user/nope`)).status).toBe(404);
    expect((await gw.admin('DELETE', `/api/managed-settings/team/${team.body.team.id}`)).status).toBe(200);
    expect((await gw.admin('DELETE', `/api/managed-settings/team/${team.body.team.id}`)).status).toBe(404);
    expect((await gw.admin('GET', '/api/managed-settings')).body).toMatchObject({
      layers: [{ scope: 'global' }, { scope: 'virtual_key' }],
    });
  });

  it('refuses settings that are not an object, known keys in the wrong shape, and layers over 64 KB', async () => {
    const key = await gw.createKey('laptop');
    for (const settings of [
      ['Bash'],
      'x',
      null,
      { permissions: { deny: 'Bash' } },
      { env: { PORT: 8080 } },
      { model: 3 },
    ]) {
      const answer = await put(`virtual_key/${key.id}`, settings);
      expect(answer, JSON.stringify(settings)).toMatchObject({
        status: 400,
        body: { error: { type: 'invalid_request_error', message: expect.stringContaining('settings') as unknown } },
      });
    }
    expect(await put('global', { companyAnnouncements: ['x'.repeat(65 * 1024)] })).toMatchObject({
      status: 400,
      body: { error: { message: expect.stringContaining('65536') as unknown } },
    });
    expect((await gw.admin('PUT', '/api/managed-settings/global', {})).status).toBe(400);
    expect((await gw.admin('GET', '/api/managed-settings')).body).toEqual({ layers: [] });
  });

  it('warns that env entries ask each teammate to approve the settings once, and serves no env of its own', async () => {
    const { token, signIn } = await signInPriya({ key: { allowed_models: ['claude-sonnet-4-6'] } });
    // The policy Tollgate derives from the key has no env: Claude Code asks nothing.
    expect((await managedSettings(token)).document?.settings).not.toHaveProperty('env');
    const saved = await put(`user/${signIn.user_id ?? ''}`, { env: { CLAUDE_CODE_GATEWAY_HINT_HEADERS: '1' } });
    expect(saved.status).toBe(200);
    expect(saved.body.warnings).toEqual([
      expect.stringMatching(/CLAUDE_CODE_GATEWAY_HINT_HEADERS[\s\S]*approve them once/),
    ]);
    expect((await managedSettings(token)).document?.settings).toMatchObject({
      env: { CLAUDE_CODE_GATEWAY_HINT_HEADERS: '1' },
    });
  });

  it('audits every change with the layer it was about, before and after', async () => {
    const key = await gw.createKey('laptop');
    expect((await put(`virtual_key/${key.id}`, { model: 'claude-haiku-4-5' })).status).toBe(200);
    expect((await put(`virtual_key/${key.id}`, { model: 'claude-sonnet-4-6' })).status).toBe(200);
    expect((await gw.admin('DELETE', `/api/managed-settings/virtual_key/${key.id}`)).status).toBe(200);
    expect((await put('global', { permissions: { deny: ['Bash'] } })).status).toBe(200);
    const audit = await gw.admin<RouteResponse<'listAudit'>>('GET', '/api/audit?limit=10');
    const entries = audit.body.entries.filter((entry) => entry.target_type === 'managed-settings');
    expect(entries.map((entry) => [entry.action, entry.target_id])).toEqual([
      ['putGlobalManagedSettings', null],
      ['deleteKeyManagedSettings', key.id],
      ['putKeyManagedSettings', key.id],
      ['putKeyManagedSettings', key.id],
    ]);
    expect(entries[2]).toMatchObject({
      before: { settings: { model: 'claude-haiku-4-5' } },
      after: { settings: { model: 'claude-sonnet-4-6' } },
    });
    expect(entries[1]).toMatchObject({ before: { settings: { model: 'claude-sonnet-4-6' } }, after: null });
  });
});
