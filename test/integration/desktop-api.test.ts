// The admin routes behind the desktop app, over real HTTP with official SDK traffic through a real
// gateway: the status the tray shows (today's spend in the configured time zone, the biggest spenders,
// budgets at 80 % or more, upstream health), the notification switches and the first-run onboarding
// state. Answers are parsed with the contract's own schemas.
import Anthropic from '@anthropic-ai/sdk';
import { afterEach, describe, expect, it } from 'vitest';
import { adminApi } from '../../shared/contract.js';
import type { GatewayStatus, NotificationSettings, Onboarding } from '../../shared/schemas.js';
import { ManualClock } from '../support/clock.js';
import { startTestGateway, type TestGateway } from '../support/gateway.js';

/** Claude Sonnet 4.6 at $3 / $15 per million tokens. */
const MODEL = 'claude-sonnet-4-6';

let handle: TestGateway | null = null;

afterEach(async () => {
  await handle?.close();
  handle = null;
});

async function start(options: Parameters<typeof startTestGateway>[0] = {}): Promise<TestGateway> {
  handle = await startTestGateway(options);
  return handle;
}

/** One request that costs $0.003 of input and $0.015 per 1,000 output tokens. */
async function spend(gw: TestGateway, key: string, outputTokens: number): Promise<void> {
  gw.upstream.enqueue({ kind: 'message', usage: { input_tokens: 1000, output_tokens: outputTokens } });
  const sdk = new Anthropic({ baseURL: gw.url, authToken: key, maxRetries: 0 });
  await sdk.messages.create({ model: MODEL, max_tokens: 256, messages: [{ role: 'user', content: 'hi' }] });
}

async function status(gw: TestGateway): Promise<GatewayStatus> {
  const { status: code, body } = await gw.admin<unknown>('GET', '/api/gateway/status');
  expect(code).toBe(200);
  return adminApi.getGatewayStatus.response.parse(body);
}

describe('GET /api/gateway/status', () => {
  it("sums today's spend in the budget time zone and names the three biggest spenders and the fullest budgets", async () => {
    // 22:30 UTC on 20 November is 23:30 in Berlin; an hour later it is the 21st there but not in UTC.
    const clock = new ManualClock('2026-11-20T22:30:00Z');
    const gw = await start({ gateway: { clock: clock.read } });
    expect(
      (await gw.admin('PUT', '/api/config', { client_config: { budget_time_zone: 'Europe/Berlin' } })).status,
    ).toBe(200);
    const budget = (max_limit: number) => ({ budget: { max_limit, reset_duration: '1M' } });
    const yesterday = await gw.createKey('yesterday');
    const alice = await gw.createKey('alice', budget(1));
    const bob = await gw.createKey('bob', budget(0.04));
    const carol = await gw.createKey('carol', budget(0.02));
    const dave = await gw.createKey('dave');

    await spend(gw, yesterday.value, 10_000); // $0.153 on the 20th, Berlin time
    clock.set('2026-11-20T23:30:00Z');
    await spend(gw, alice.value, 3000); // $0.048
    await spend(gw, bob.value, 2000); // $0.033: 82.5 % of $0.04
    await spend(gw, carol.value, 1000); // $0.018: 90 % of $0.02
    await spend(gw, dave.value, 500); // $0.0105

    const current = await status(gw);
    expect(current.today).toEqual({
      time_zone: 'Europe/Berlin',
      spend: 0.1095,
      requests: 4,
      top_spenders: [
        { virtual_key_id: alice.id, name: 'alice', spend: 0.048 },
        { virtual_key_id: bob.id, name: 'bob', spend: 0.033 },
        { virtual_key_id: carol.id, name: 'carol', spend: 0.018 },
      ],
    });
    expect(current.budget_warnings).toEqual([
      {
        budget_id: expect.any(String) as unknown,
        level: 'virtual key',
        owner_name: 'carol',
        used_fraction: expect.closeTo(0.9, 6) as unknown,
        current_usage: 0.018,
        max_limit: 0.02,
        period_start: expect.any(String) as unknown,
      },
      {
        budget_id: expect.any(String) as unknown,
        level: 'virtual key',
        owner_name: 'bob',
        used_fraction: expect.closeTo(0.825, 6) as unknown,
        current_usage: 0.033,
        max_limit: 0.04,
        period_start: expect.any(String) as unknown,
      },
    ]);
    expect(current).toMatchObject({
      paused: false,
      paused_at: null,
      local_url: gw.url,
      lan: { settings: { enabled: false, tls: true, remote_admin: false }, listening: false, urls: [] },
      upstream: { consecutive_failures: 0, last_error: null, last_error_at: null },
    });
    // The tray reads the same thing without HTTP.
    expect(gw.gateway.status()).toEqual(current);
  });

  it('counts upstream failures in a row (5xx and 529, not 4xx) until the next success', async () => {
    const clock = new ManualClock('2026-11-20T10:00:00Z');
    const gw = await start({ gateway: { clock: clock.read } });
    const key = await gw.createKey('ci');
    const sdk = new Anthropic({ baseURL: gw.url, authToken: key.value, maxRetries: 0 });
    const ask = () =>
      sdk.messages.create({ model: MODEL, max_tokens: 64, messages: [{ role: 'user', content: 'hi' }] }).then(
        () => 'ok',
        (error: unknown) => (error instanceof Anthropic.APIError ? (error.status as number) : error),
      );

    gw.upstream.enqueue({ kind: 'error', status: 529, type: 'overloaded_error', message: 'Overloaded' });
    expect(await ask()).toBe(529);
    clock.advance(1000);
    gw.upstream.enqueue({ kind: 'error', status: 500, type: 'api_error', message: 'Internal server error' });
    expect(await ask()).toBe(500);
    gw.upstream.enqueue({
      kind: 'error',
      status: 400,
      type: 'invalid_request_error',
      message: 'max_tokens: too large',
    });
    expect(await ask()).toBe(400);

    expect((await status(gw)).upstream).toEqual({
      consecutive_failures: 2,
      last_error: 'The Anthropic API answered 500: api_error: Internal server error',
      last_error_at: '2026-11-20T10:00:01.000Z',
    });

    expect(await ask()).toBe('ok');
    expect((await status(gw)).upstream).toEqual({ consecutive_failures: 0, last_error: null, last_error_at: null });
  });

  it('counts a stream that breaks off mid-answer and an unreachable upstream as failures', async () => {
    const gw = await start();
    const key = await gw.createKey('ci');
    const sdk = new Anthropic({ baseURL: gw.url, authToken: key.value, maxRetries: 0 });
    gw.upstream.enqueue({ kind: 'stream-fail-after', events: 2 });
    const stream = await sdk.messages.create({
      model: MODEL,
      max_tokens: 64,
      stream: true,
      messages: [{ role: 'user', content: 'hi' }],
    });
    await expect(
      (async () => {
        for await (const _event of stream);
      })(),
    ).rejects.toThrow();
    expect((await status(gw)).upstream).toMatchObject({
      consecutive_failures: 1,
      last_error: expect.stringMatching(/failed mid-answer/) as unknown,
    });

    await gw.admin('PUT', '/api/providers/anthropic', { base_url: 'http://127.0.0.1:9' });
    const refused = await sdk.messages
      .create({ model: MODEL, max_tokens: 64, messages: [{ role: 'user', content: 'hi' }] })
      .catch((error: unknown) => error);
    expect(refused).toBeInstanceOf(Anthropic.APIError);
    expect((await status(gw)).upstream).toMatchObject({
      consecutive_failures: 2,
      last_error: expect.stringMatching(/could not reach the Anthropic API at http:\/\/127\.0\.0\.1:9/) as unknown,
    });
  });
});

describe('notification switches', () => {
  it('are all on by default, change one at a time, and survive a restart', async () => {
    const gw = await start();
    const read = async () =>
      adminApi.getNotificationSettings.response.parse((await gw.admin('GET', '/api/notifications')).body);
    expect(await read()).toEqual({
      budget_thresholds: true,
      key_refusals: true,
      upstream_failures: true,
      sign_ins: true,
    });

    const { status: code, body } = await gw.admin<NotificationSettings>('PUT', '/api/notifications', {
      key_refusals: false,
    });
    expect(code).toBe(200);
    expect(body).toEqual({ budget_thresholds: true, key_refusals: false, upstream_failures: true, sign_ins: true });
    expect(gw.gateway.context.settings.notifications()).toEqual(body);

    await gw.restart();
    expect(await read()).toEqual({
      budget_thresholds: true,
      key_refusals: false,
      upstream_failures: true,
      sign_ins: true,
    });
    expect(gw.gateway.context.settings.updateNotifications({ upstream_failures: false })).toEqual({
      budget_thresholds: true,
      key_refusals: false,
      upstream_failures: false,
      sign_ins: true,
    });
    expect(await read()).toMatchObject({ upstream_failures: false });

    const invalid = await gw.admin<{ error: { type: string } }>('PUT', '/api/notifications', { key_refusals: 'no' });
    expect(invalid.status).toBe(400);
    expect(invalid.body.error.type).toBe('invalid_request_error');
  });
});

describe('onboarding', () => {
  it('is needed on a fresh install until completed, once, and stays completed after a restart', async () => {
    const gw = await start({ seedProviderKey: false });
    const read = async () => adminApi.getOnboarding.response.parse((await gw.admin('GET', '/api/onboarding')).body);
    expect(await read()).toEqual({ needed: true, has_provider_key: false, virtual_keys: 0, completed_at: null });

    expect(
      (
        await gw.admin('POST', '/api/providers', {
          provider: 'anthropic',
          keys: [{ name: 'mine', value: 'sk-ant-api03-onboarding' }],
        })
      ).status,
    ).toBe(201);
    expect(await read()).toMatchObject({ needed: true, has_provider_key: true });

    const completed = await gw.admin<Onboarding>('POST', '/api/onboarding/complete');
    expect(completed.status).toBe(200);
    expect(completed.body).toMatchObject({ needed: false, has_provider_key: true, virtual_keys: 0 });
    expect(Date.parse(completed.body.completed_at ?? '')).toBeGreaterThan(0);
    // Completing again changes nothing: the first completion is the one remembered.
    expect((await gw.admin<Onboarding>('POST', '/api/onboarding/complete')).body).toEqual(completed.body);

    await gw.restart();
    expect(await read()).toEqual(completed.body);
  });

  it('is not needed on an install that already has keys, completed or not', async () => {
    const gw = await start();
    await gw.createKey('made before onboarding existed');
    expect((await gw.admin<Onboarding>('GET', '/api/onboarding')).body).toEqual({
      needed: false,
      has_provider_key: true,
      virtual_keys: 1,
      completed_at: null,
    });
  });
});
