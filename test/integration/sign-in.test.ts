// Claude Code's /login against Tollgate, over real HTTP on loopback: the gateway protocol's device
// flow with the admin as the identity provider. Discovery, a device code, the teammate on /device,
// the admin's approval through the admin API, the token answer carrying the approved email, the
// bearer admitted on /v1/messages by the official SDK and logged under the approved user, refresh
// with rotation, and every way a sign-in ends: denied, expired, revoked, signed out.
import Anthropic from '@anthropic-ai/sdk';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { RouteResponse } from '../../shared/contract.js';
import type { LogEntry, SignInView } from '../../shared/schemas.js';
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

interface Answer<T = Record<string, unknown>> {
  status: number;
  headers: Headers;
  body: T;
}

async function form<T = Record<string, unknown>>(path: string, fields: Record<string, string>): Promise<Answer<T>> {
  const response = await fetch(gw.url + path, {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded', 'user-agent': 'claude-code/2.1.330' },
    body: new URLSearchParams(fields).toString(),
  });
  const text = await response.text();
  return { status: response.status, headers: response.headers, body: (text ? JSON.parse(text) : null) as T };
}

interface DeviceAnswer {
  device_code: string;
  user_code: string;
  verification_uri: string;
  verification_uri_complete: string;
  expires_in: number;
  interval: number;
}

interface TokenAnswer {
  access_token: string;
  token_type: string;
  expires_in: number;
  refresh_token: string;
  email?: string;
  error?: string;
}

async function startDevice(): Promise<DeviceAnswer> {
  // Fields the protocol does not name (a future client's) are ignored, not refused.
  const answer = await form<DeviceAnswer>('/oauth/device_authorization', { surface: 'claude_code', future_field: 'x' });
  expect(answer.status).toBe(200);
  return answer.body;
}

const poll = (deviceCode: string): Promise<Answer<TokenAnswer>> =>
  form<TokenAnswer>('/oauth/token', { grant_type: DEVICE_GRANT, device_code: deviceCode });

async function enterCode(fields: Record<string, string>): Promise<{ status: number; html: string }> {
  const response = await fetch(`${gw.url}/device`, {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams(fields).toString(),
  });
  return { status: response.status, html: await response.text() };
}

async function pendingSignIn(userCode: string): Promise<SignInView> {
  const { body } = await gw.admin<{ sign_ins: SignInView[] }>('GET', '/api/sign-ins?status=pending');
  const found = body.sign_ins.find((signIn) => signIn.user_code === userCode);
  if (!found) throw new Error(`no pending sign-in ${userCode}: ${JSON.stringify(body)}`);
  return found;
}

/** A device code approved for Priya and its first tokens, as Claude Code would end up with them. */
async function signInPriya(
  approval: Record<string, unknown> = {},
): Promise<{ tokens: TokenAnswer; signIn: SignInView }> {
  const device = await startDevice();
  await enterCode({ user_code: device.user_code, name: 'Priya Raman', email: 'priya@example.com' });
  const signIn = await pendingSignIn(device.user_code);
  const approved = await gw.admin<RouteResponse<'approveSignIn'>>(
    'POST',
    `/api/sign-ins/${signIn.id}/approve`,
    approval,
  );
  expect(approved.status).toBe(200);
  clock.advance(device.interval * 1000);
  const tokens = await poll(device.device_code);
  expect(tokens.status).toBe(200);
  return { tokens: tokens.body, signIn: approved.body.sign_in };
}

function sdk(token: string): Anthropic {
  return new Anthropic({ baseURL: gw.url, authToken: token, maxRetries: 0 });
}

async function logRow(requestId: string | null): Promise<LogEntry> {
  const deadline = Date.now() + 5_000;
  for (;;) {
    const { body } = await gw.admin<{ logs: LogEntry[] }>('GET', '/api/logs?limit=100');
    const row = body.logs.find((entry) => entry.request_id === requestId);
    if (row) return row;
    if (Date.now() > deadline) throw new Error(`no log row for ${String(requestId)}`);
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}

describe('discovery and the device code', () => {
  it('serves RFC 8414 metadata on the origin the client reached, with no authorization endpoint', async () => {
    const response = await fetch(`${gw.url}/.well-known/oauth-authorization-server`);
    expect(response.status).toBe(200);
    expect(await response.json()).toEqual({
      issuer: gw.url,
      device_authorization_endpoint: `${gw.url}/oauth/device_authorization`,
      token_endpoint: `${gw.url}/oauth/token`,
      revocation_endpoint: `${gw.url}/oauth/revoke`,
      grant_types_supported: [DEVICE_GRANT, 'refresh_token'],
      token_endpoint_auth_methods_supported: ['none'],
      revocation_endpoint_auth_methods_supported: ['none'],
    });
  });

  it('issues a 256-bit device code and a base-20 user code, and keeps them pending until approved', async () => {
    const device = await startDevice();
    expect(Buffer.from(device.device_code, 'base64url').length).toBeGreaterThanOrEqual(32);
    expect(device.user_code).toMatch(/^[BCDFGHJKLMNPQRSTVWXZ]{4}-[BCDFGHJKLMNPQRSTVWXZ]{4}$/);
    expect(device).toMatchObject({
      verification_uri: `${gw.url}/device`,
      verification_uri_complete: `${gw.url}/device?user_code=${device.user_code}`,
      expires_in: 900,
      interval: 5,
    });
    expect(await poll(device.device_code)).toMatchObject({ status: 400, body: { error: 'authorization_pending' } });
    // Polling again at once is too fast: slow_down, and the interval grows by five seconds.
    expect(await poll(device.device_code)).toMatchObject({ status: 400, body: { error: 'slow_down' } });
    clock.advance(5_000);
    expect(await poll(device.device_code)).toMatchObject({ body: { error: 'slow_down' } });
    clock.advance(15_000);
    expect(await poll(device.device_code)).toMatchObject({ body: { error: 'authorization_pending' } });
    // A code nobody entered never reaches the admin.
    expect((await gw.admin<{ sign_ins: SignInView[] }>('GET', '/api/sign-ins')).body.sign_ins).toEqual([]);
  });

  it('answers an unknown device code invalid_grant, an unknown grant type unsupported_grant_type, and GET with 405', async () => {
    expect(await poll('made-up')).toMatchObject({ status: 400, body: { error: 'invalid_grant' } });
    expect(await form('/oauth/token', { grant_type: 'password' })).toMatchObject({
      status: 400,
      body: { error: 'unsupported_grant_type' },
    });
    expect((await fetch(`${gw.url}/oauth/token`)).status).toBe(405);
  });

  it('refuses sign-in routes addressed by a Host that is not this gateway (DNS rebinding)', async () => {
    const { request } = await import('node:http');
    const status = await new Promise<number>((resolve, reject) => {
      const req = request(`${gw.url}/oauth/device_authorization`, {
        method: 'POST',
        headers: { host: 'rebind.attacker.example', 'content-type': 'application/x-www-form-urlencoded' },
      });
      req.on('response', (res) => {
        res.resume();
        resolve(res.statusCode ?? 0);
      });
      req.on('error', reject);
      req.end('surface=claude_code');
    });
    expect(status).toBe(403);
  });
});

describe('the verification page', () => {
  it('pre-fills the code without submitting it, and runs no script', async () => {
    const device = await startDevice();
    const response = await fetch(`${gw.url}/device?user_code=${device.user_code}`);
    const html = await response.text();
    expect(response.status).toBe(200);
    expect(html).toContain(`value="${device.user_code}"`);
    expect(html).toContain('<form method="post" action="/device">');
    expect(html).not.toContain('<script');
    expect(response.headers.get('content-security-policy')).toContain("default-src 'none'");
    expect(response.headers.get('content-security-policy')).toContain("frame-ancestors 'none'");
  });

  it('tells the teammate their sign-in waits for the admin, who then sees it with their name and email', async () => {
    const device = await startDevice();
    const page = await enterCode({
      user_code: device.user_code.toLowerCase(),
      name: 'Priya Raman',
      email: 'priya@example.com',
    });
    expect(page.status).toBe(200);
    expect(page.html).toContain('Waiting for your admin');
    expect(page.html).toContain(device.user_code);
    expect(await pendingSignIn(device.user_code)).toMatchObject({
      name: 'Priya Raman',
      email: 'priya@example.com',
      surface: 'claude_code',
      status: 'pending',
      user_id: null,
      virtual_key_id: null,
      user_agent: 'claude-code/2.1.330',
    });
    const audit = await gw.admin<RouteResponse<'listAudit'>>('GET', '/api/audit');
    expect(audit.body.entries.map((entry) => entry.action)).toContain('signIn.requested');
  });

  it('escapes what the teammate typed, and refuses a wrong code, a missing email and, past ten wrong codes, everything', async () => {
    const device = await startDevice();
    const hostile = await enterCode({
      user_code: 'BCDF-GHJK',
      name: '<script>alert(1)</script>',
      email: 'x@example.com',
    });
    expect(hostile.status).toBe(400);
    expect(hostile.html).toContain('No sign-in is waiting with that code');
    expect(hostile.html).not.toContain('<script>alert(1)');
    expect(hostile.html).toContain('&#60;script&#62;');
    expect((await enterCode({ user_code: device.user_code, name: 'Priya', email: 'not an email' })).html).toContain(
      'Enter your email address',
    );
    for (let attempt = 1; attempt < 10; attempt++) {
      await enterCode({ user_code: 'BCDF-GHJK', name: 'Guess', email: 'g@example.com' });
    }
    const locked = await enterCode({ user_code: device.user_code, name: 'Priya', email: 'priya@example.com' });
    expect(locked.html).toContain('Too many wrong codes');
    expect((await gw.admin<{ sign_ins: SignInView[] }>('GET', '/api/sign-ins')).body.sign_ins).toEqual([]);
  });
});

describe('approval, tokens and the bearer', () => {
  it('approves with a new user and key named after the person, answers the poll with tokens and the email, and admits the bearer', async () => {
    const device = await startDevice();
    await enterCode({ user_code: device.user_code, name: 'Priya Raman', email: 'priya@example.com' });
    const signIn = await pendingSignIn(device.user_code);
    const approved = await gw.admin<RouteResponse<'approveSignIn'>>('POST', `/api/sign-ins/${signIn.id}/approve`, {
      key: { allowed_models: ['claude-sonnet-4-6'] },
    });
    expect(approved.status).toBe(200);
    expect(approved.body).toMatchObject({
      sign_in: { id: signIn.id, status: 'approved' },
      user: { name: 'Priya Raman', email: 'priya@example.com' },
      virtual_key: { name: 'Priya Raman · Claude Code', allowed_models: ['claude-sonnet-4-6'], is_active: true },
    });
    expect(approved.body.virtual_key).not.toHaveProperty('value');
    expect(approved.body.sign_in).toMatchObject({
      user_id: approved.body.user.id,
      virtual_key_id: approved.body.virtual_key.id,
    });

    clock.advance(5_000);
    const tokens = await poll(device.device_code);
    expect(tokens).toMatchObject({
      status: 200,
      body: { token_type: 'Bearer', expires_in: 3600, email: 'priya@example.com' },
    });
    expect(tokens.headers.get('cache-control')).toBe('no-store');
    // The device code is single-use.
    clock.advance(5_000);
    expect(await poll(device.device_code)).toMatchObject({ status: 400, body: { error: 'invalid_grant' } });

    const { data, response } = await sdk(tokens.body.access_token)
      .messages.create({
        model: 'claude-sonnet-4-6',
        max_tokens: 64,
        messages: [{ role: 'user', content: 'REPLY WITH: signed in' }],
      })
      .withResponse();
    expect(data.content).toEqual([{ type: 'text', text: 'signed in' }]);
    const row = await logRow(response.headers.get('x-tollgate-request-id'));
    expect(row).toMatchObject({
      virtual_key_id: approved.body.virtual_key.id,
      user_id: approved.body.user.id,
      status: 'success',
    });
    // The key's policy applies to the bearer like to a pasted key: a denied model is the protocol's 400.
    await expect(
      sdk(tokens.body.access_token).messages.create({
        model: 'claude-opus-4-6',
        max_tokens: 8,
        messages: [{ role: 'user', content: 'hi' }],
      }),
    ).rejects.toMatchObject({ status: 400 });
    // The key's model allow list reaches the CLI as managed settings (test/integration/managed-settings.test.ts).
    const settings = await fetch(`${gw.url}/managed/settings`, {
      headers: { authorization: `Bearer ${tokens.body.access_token}` },
    });
    expect(settings.status).toBe(200);
    expect(await settings.json()).toMatchObject({
      settings: { availableModels: ['claude-sonnet-4-6'], enforceAvailableModels: true, model: 'claude-sonnet-4-6' },
    });
  });

  it('reuses the user with the email the teammate entered, and takes an existing user or a new one from the admin', async () => {
    const existing = await gw.admin<{ user: { id: string } }>('POST', '/api/governance/users', {
      name: 'Priya R.',
      email: 'PRIYA@example.com',
    });
    const { signIn } = await signInPriya();
    expect(signIn.user_id).toBe(existing.body.user.id);

    const team = await gw.admin<{ team: { id: string } }>('POST', '/api/governance/teams', { name: 'Platform' });
    const { signIn: second } = await signInPriya({
      user: { name: 'Priya (laptop 2)', email: 'priya2@example.com', team_id: team.body.team.id },
    });
    const users = await gw.admin<{ users: { id: string; name: string; team_id: string | null }[] }>(
      'GET',
      '/api/governance/users',
    );
    expect(users.body.users.find((user) => user.id === second.user_id)).toMatchObject({
      name: 'Priya (laptop 2)',
      team_id: team.body.team.id,
    });
    const key = await gw.admin<{ virtual_key: { team_id: string | null } }>(
      'GET',
      `/api/governance/virtual-keys/${second.virtual_key_id}`,
    );
    expect(key.body.virtual_key.team_id).toBe(team.body.team.id);
  });

  it("gives the key Settings' sign-in template, with the approval's own key fields on top", async () => {
    const template = { allowed_models: ['claude-haiku-4-5'], max_concurrent_requests: 2 };
    expect((await gw.admin('PUT', '/api/config', { client_config: { sign_in_key_template: template } })).status).toBe(
      200,
    );
    const { signIn } = await signInPriya({ key: { allowed_models: ['claude-sonnet-4-6'] } });
    const key = await gw.admin<{ virtual_key: { allowed_models: string[]; max_concurrent_requests: number | null } }>(
      'GET',
      `/api/governance/virtual-keys/${signIn.virtual_key_id}`,
    );
    expect(key.body.virtual_key).toMatchObject({ allowed_models: ['claude-sonnet-4-6'], max_concurrent_requests: 2 });
  });

  it('rotates the refresh token, and a spent refresh token is invalid_grant', async () => {
    const { tokens } = await signInPriya();
    const refreshed = await form<TokenAnswer>('/oauth/token', {
      grant_type: 'refresh_token',
      refresh_token: tokens.refresh_token,
    });
    expect(refreshed).toMatchObject({ status: 200, body: { token_type: 'Bearer', email: 'priya@example.com' } });
    expect(refreshed.body.refresh_token).not.toBe(tokens.refresh_token);
    expect(
      await form('/oauth/token', { grant_type: 'refresh_token', refresh_token: tokens.refresh_token }),
    ).toMatchObject({
      status: 401,
      body: { error: 'invalid_grant' },
    });
    const ok = await sdk(refreshed.body.access_token).messages.create({
      model: 'claude-sonnet-4-6',
      max_tokens: 8,
      messages: [{ role: 'user', content: 'REPLY WITH: ok' }],
    });
    expect(ok.content).toEqual([{ type: 'text', text: 'ok' }]);
  });

  it.each([
    ['the sign-in', (signIn: SignInView) => gw.admin('POST', `/api/sign-ins/${signIn.id}/revoke`)],
    ['the key', (signIn: SignInView) => gw.admin('DELETE', `/api/governance/virtual-keys/${signIn.virtual_key_id}`)],
    ['the user', (signIn: SignInView) => gw.admin('DELETE', `/api/governance/users/${signIn.user_id}`)],
  ])('ends every bearer endpoint and the refresh when the admin revokes %s', async (_what, revoke) => {
    const { tokens, signIn } = await signInPriya();
    expect((await revoke(signIn)).status).toBe(200);

    const refused = await fetch(`${gw.url}/v1/messages`, {
      method: 'POST',
      headers: {
        authorization: `Bearer ${tokens.access_token}`,
        'content-type': 'application/json',
        'anthropic-version': '2023-06-01',
      },
      body: JSON.stringify({ model: 'claude-sonnet-4-6', max_tokens: 8, messages: [{ role: 'user', content: 'hi' }] }),
    });
    expect(refused.status).toBe(401);
    expect(refused.headers.get('x-should-retry')).toBe('false');
    expect(await refused.json()).toMatchObject({
      type: 'error',
      error: { type: 'authentication_error', message: expect.stringContaining('/login') as unknown },
    });
    const settings = await fetch(`${gw.url}/managed/settings`, {
      headers: { authorization: `Bearer ${tokens.access_token}` },
    });
    expect(settings.status).toBe(401);
    expect(settings.headers.get('x-should-retry')).toBe('false');
    expect(
      await form('/oauth/token', { grant_type: 'refresh_token', refresh_token: tokens.refresh_token }),
    ).toMatchObject({
      status: 401,
      body: { error: 'invalid_grant' },
    });
    expect(
      gw.upstream.requests.filter((request) => request.headers.authorization?.includes(tokens.access_token)),
    ).toEqual([]);
  });

  it('signs out through the revocation endpoint (RFC 7009): both tokens stop working, unknown ones are no error', async () => {
    const { tokens, signIn } = await signInPriya();
    expect(await form('/oauth/revoke', { token: tokens.access_token })).toMatchObject({ status: 200 });
    expect(
      await form('/oauth/revoke', { token: tokens.refresh_token, token_type_hint: 'refresh_token' }),
    ).toMatchObject({ status: 200 });
    expect(await form('/oauth/revoke', { token: 'never-issued' })).toMatchObject({ status: 200 });
    // Each revocation is audited against the sign-in, with which token it was; nothing for the unknown one.
    const audit = await gw.admin<{ entries: { action: string; target_id: string | null; after: unknown }[] }>(
      'GET',
      '/api/audit?limit=100',
    );
    const revoked = audit.body.entries.filter((entry) => entry.action === 'signIn.token_revoked');
    expect(revoked.map((entry) => entry.after)).toEqual(
      expect.arrayContaining([{ token: 'access' }, { token: 'refresh' }]),
    );
    expect(revoked.map((entry) => entry.target_id)).toEqual([signIn.id, signIn.id]);
    const settings = await fetch(`${gw.url}/managed/settings`, {
      headers: { authorization: `Bearer ${tokens.access_token}` },
    });
    expect(settings.status).toBe(401);
    expect(
      await form('/oauth/token', { grant_type: 'refresh_token', refresh_token: tokens.refresh_token }),
    ).toMatchObject({
      status: 401,
    });
  });

  it('issues no tokens to a sign-in whose key was switched off between the approval and the first poll', async () => {
    const device = await startDevice();
    await enterCode({ user_code: device.user_code, name: 'Priya Raman', email: 'priya@example.com' });
    const signIn = await pendingSignIn(device.user_code);
    const approved = await gw.admin<RouteResponse<'approveSignIn'>>('POST', `/api/sign-ins/${signIn.id}/approve`, {});
    expect(
      (await gw.admin('PUT', `/api/governance/virtual-keys/${approved.body.virtual_key.id}`, { is_active: false }))
        .status,
    ).toBe(200);
    clock.advance(device.interval * 1000);
    expect(await poll(device.device_code)).toMatchObject({ status: 400, body: { error: 'access_denied' } });
  });

  it('refuses an expired access token with the re-login 401', async () => {
    const { tokens } = await signInPriya();
    clock.advance(3601 * 1000);
    const settings = await fetch(`${gw.url}/managed/settings`, {
      headers: { authorization: `Bearer ${tokens.access_token}` },
    });
    expect(settings.status).toBe(401);
    expect(settings.headers.get('x-should-retry')).toBe('false');
  });
});

describe('denied, expired and invited sign-ins', () => {
  it('answers access_denied once the admin denies, and the sign-in cannot be approved after', async () => {
    const device = await startDevice();
    await enterCode({ user_code: device.user_code, name: 'Mallory', email: 'm@example.com' });
    const signIn = await pendingSignIn(device.user_code);
    expect(await gw.admin('POST', `/api/sign-ins/${signIn.id}/deny`)).toMatchObject({
      status: 200,
      body: { sign_in: { status: 'denied' } },
    });
    clock.advance(5_000);
    expect(await poll(device.device_code)).toMatchObject({ status: 400, body: { error: 'access_denied' } });
    expect((await gw.admin('POST', `/api/sign-ins/${signIn.id}/approve`, {})).status).toBe(409);
    expect(
      (await gw.admin<{ sign_ins: SignInView[] }>('GET', '/api/sign-ins?status=denied')).body.sign_ins,
    ).toHaveLength(1);
  });

  it('answers expired_token once the code outlives its 15 minutes, and refuses to approve it', async () => {
    const device = await startDevice();
    await enterCode({ user_code: device.user_code, name: 'Priya', email: 'priya@example.com' });
    const signIn = await pendingSignIn(device.user_code);
    clock.advance(15 * 60_000);
    expect(await poll(device.device_code)).toMatchObject({ status: 400, body: { error: 'expired_token' } });
    expect((await gw.admin('POST', `/api/sign-ins/${signIn.id}/approve`, {})).status).toBe(409);
  });

  it('keeps an invite’s team for the person it names, finds an existing user by email, and audits no invite code', async () => {
    const team = await gw.admin<{ team: { id: string } }>('POST', '/api/governance/teams', { name: 'Platform' });
    const sam = await gw.admin<{ user: { id: string } }>('POST', '/api/governance/users', {
      name: 'Sam Lee',
      email: 'sam@example.com',
    });
    const named = await gw.admin<RouteResponse<'createInvite'>>('POST', '/api/invites', {
      user: { name: 'Dana Ortiz', email: 'dana@example.com' },
      team_id: team.body.team.id,
    });
    const forSam = await gw.admin<RouteResponse<'createInvite'>>('POST', '/api/invites', {});

    const dana = await startDevice();
    await enterCode({ user_code: dana.user_code, name: 'D.', email: 'd@example.com', invite: named.body.code });
    const samDevice = await startDevice();
    await enterCode({
      user_code: samDevice.user_code,
      name: 'Sam',
      email: 'SAM@example.com',
      invite: forSam.body.code,
    });

    const approved = (await gw.admin<{ sign_ins: SignInView[] }>('GET', '/api/sign-ins?status=approved')).body.sign_ins;
    const users = (
      await gw.admin<{ users: { id: string; name: string; email: string | null; team_id: string | null }[] }>(
        'GET',
        '/api/governance/users',
      )
    ).body.users;
    const danaUser = users.find((user) => user.email === 'dana@example.com');
    expect(danaUser).toMatchObject({ name: 'Dana Ortiz', team_id: team.body.team.id });
    const danaKey = await gw.admin<{ virtual_key: { team_id: string | null } }>(
      'GET',
      `/api/governance/virtual-keys/${approved.find((entry) => entry.user_id === danaUser?.id)?.virtual_key_id}`,
    );
    expect(danaKey.body.virtual_key.team_id).toBe(team.body.team.id);
    // Sam was a user already: the invite signs him in as that user, not a second one.
    expect(users.filter((user) => user.email?.toLowerCase() === 'sam@example.com')).toHaveLength(1);
    expect(approved.find((entry) => entry.user_code === samDevice.user_code)?.user_id).toBe(sam.body.user.id);

    const audit = JSON.stringify((await gw.admin('GET', '/api/audit?limit=1000')).body);
    expect(audit).toContain('createInvite');
    expect(audit).not.toContain(named.body.code);
    expect(audit).not.toContain(forSam.body.code);
  });

  it('approves at once a teammate who opens an invite and enters their code, once per invite', async () => {
    const team = await gw.admin<{ team: { id: string } }>('POST', '/api/governance/teams', { name: 'Platform' });
    const invite = await gw.admin<RouteResponse<'createInvite'>>('POST', '/api/invites', {
      team_id: team.body.team.id,
      key: { allowed_models: ['claude-sonnet-4-6'] },
    });
    expect(invite.status).toBe(201);
    expect(invite.body.invite_url).toBe(`${gw.url}/device?invite=${invite.body.code}`);

    const page = await (await fetch(invite.body.invite_url)).text();
    expect(page).toContain(`name="invite" value="${invite.body.code}"`);
    const device = await startDevice();
    const done = await enterCode({
      user_code: device.user_code,
      name: 'Sam Lee',
      email: 'sam@example.com',
      invite: invite.body.code,
    });
    expect(done.html).toContain("You're signed in");
    clock.advance(5_000);
    const tokens = await poll(device.device_code);
    expect(tokens).toMatchObject({ status: 200, body: { email: 'sam@example.com' } });
    const approved = (await gw.admin<{ sign_ins: SignInView[] }>('GET', '/api/sign-ins?status=approved')).body.sign_ins;
    const key = await gw.admin<{ virtual_key: { team_id: string; allowed_models: string[] } }>(
      'GET',
      `/api/governance/virtual-keys/${approved[0]?.virtual_key_id}`,
    );
    expect(key.body.virtual_key).toMatchObject({ team_id: team.body.team.id, allowed_models: ['claude-sonnet-4-6'] });

    const second = await startDevice();
    const reused = await enterCode({
      user_code: second.user_code,
      name: 'Eve',
      email: 'eve@example.com',
      invite: invite.body.code,
    });
    expect(reused.html).toContain('This invite has expired or has been used');
    expect((await gw.admin<{ sign_ins: SignInView[] }>('GET', '/api/sign-ins?status=pending')).body.sign_ins).toEqual(
      [],
    );
  });
});
