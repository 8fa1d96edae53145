// A signed-in Claude Code's budget standing, over real HTTP with the official SDK: the
// anthropic-ratelimit-unified-* headers of the gateway protocol on each successful answer (past 75 %
// and 95 % the threshold the client's notice keys on), the upstream's own rate-limit headers withheld,
// the 429 billing_error at the cap with its reset, and GET /api/oauth/usage in cents. A pasted key
// keeps Tollgate's 402 and the upstream's headers.
import Anthropic from '@anthropic-ai/sdk';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { ManualClock } from '../support/clock.js';
import { startTestGateway, type TestGateway } from '../support/gateway.js';
import { signInAs } from '../support/sign-in.js';

const MODEL = 'claude-sonnet-4-6';
/** $0.30 at Sonnet 4.6 prices ($3 in, $15 out per million). */
const THIRTY_CENTS = { input_tokens: 50_000, output_tokens: 10_000 };
const START = '2026-12-07T10:00:00Z';
const END_OF_MONTH = Date.parse('2027-01-01T00:00:00Z') / 1000;
let clock: ManualClock;
let gw: TestGateway;

beforeEach(async () => {
  clock = new ManualClock(START);
  gw = await startTestGateway({ gateway: { clock: clock.read } });
});

afterEach(async () => {
  await gw.close();
});

const monthlyDollar = { budget: { max_limit: 1, reset_duration: '1M', calendar_aligned: true, time_zone: 'UTC' } };

async function ask(token: string): Promise<{ status: number; headers: Headers; body: unknown }> {
  const response = await fetch(`${gw.url}/v1/messages`, {
    method: 'POST',
    headers: {
      authorization: `Bearer ${token}`,
      'content-type': 'application/json',
      'anthropic-version': '2023-06-01',
    },
    body: JSON.stringify({ model: MODEL, max_tokens: 1024, messages: [{ role: 'user', content: 'REPLY WITH: ok' }] }),
  });
  return { status: response.status, headers: response.headers, body: await response.json() };
}

function unified(headers: Headers): Record<string, string> {
  return Object.fromEntries([...headers].filter(([name]) => name.startsWith('anthropic-ratelimit-')));
}

describe('usage-limit headers for a signed-in Claude Code', () => {
  it('reports the standing on each answer, with the 0.75 and 0.95 thresholds, and refuses at the cap with a 429 the client prints', async () => {
    const priya = await signInAs(gw, { name: 'Priya', email: 'priya@example.com' }, { key: monthlyDollar }, clock);
    const reset = String(END_OF_MONTH);

    gw.upstream.enqueue({ kind: 'message', usage: THIRTY_CENTS });
    const first = await ask(priya.accessToken);
    expect(first.status).toBe(200);
    expect(unified(first.headers)).toEqual({
      'anthropic-ratelimit-unified-status': 'allowed',
      'anthropic-ratelimit-unified-representative-claim': 'overage',
      'anthropic-ratelimit-unified-overage-status': 'allowed',
      'anthropic-ratelimit-unified-overage-utilization': '0.00',
      'anthropic-ratelimit-unified-reset': reset,
      'anthropic-ratelimit-unified-overage-reset': reset,
    });

    for (let i = 0; i < 2; i++) {
      gw.upstream.enqueue({ kind: 'message', usage: THIRTY_CENTS });
      expect((await ask(priya.accessToken)).status).toBe(200);
    }
    // $0.90 of $1.00 spent: past 75 %, not yet 95 %.
    gw.upstream.enqueue({ kind: 'message', usage: { input_tokens: 10_000, output_tokens: 3_000 } });
    const warned = await ask(priya.accessToken);
    expect(unified(warned.headers)).toMatchObject({
      'anthropic-ratelimit-unified-status': 'allowed_warning',
      'anthropic-ratelimit-unified-overage-status': 'allowed_warning',
      'anthropic-ratelimit-unified-overage-utilization': '0.90',
      'anthropic-ratelimit-unified-overage-surpassed-threshold': '0.75',
    });
    // $0.975: past 95 %.
    gw.upstream.enqueue({ kind: 'message', usage: { input_tokens: 1_000, output_tokens: 100 } });
    const nearly = await ask(priya.accessToken);
    expect(unified(nearly.headers)).toMatchObject({
      'anthropic-ratelimit-unified-overage-utilization': '0.97',
      'anthropic-ratelimit-unified-overage-surpassed-threshold': '0.95',
    });

    // Spend it all, then the next request is refused before the upstream sees it.
    gw.upstream.enqueue({ kind: 'message', usage: { input_tokens: 10_000, output_tokens: 1_000 } });
    await ask(priya.accessToken);
    const upstreamBefore = gw.upstream.messageRequests().length;
    const refused = await ask(priya.accessToken);
    expect(refused.status).toBe(429);
    expect(refused.body).toMatchObject({
      type: 'error',
      error: {
        type: 'billing_error',
        message:
          'Your Tollgate spend limit is reached · resets Jan 1 · ask your Tollgate admin for an increase to continue now.',
      },
    });
    expect(refused.headers.get('x-should-retry')).toBe('false');
    expect(Number(refused.headers.get('retry-after'))).toBe(END_OF_MONTH - Math.floor(clock.now / 1000));
    expect(unified(refused.headers)).toEqual({
      'anthropic-ratelimit-unified-status': 'rejected',
      'anthropic-ratelimit-unified-reset': reset,
      'anthropic-ratelimit-unified-overage-reset': reset,
      'anthropic-ratelimit-unified-overage-utilization': '1',
      'anthropic-ratelimit-unified-overage-surpassed-threshold': '1',
      'anthropic-ratelimit-unified-overage-period': 'monthly',
      'anthropic-ratelimit-unified-overage-disabled-reason': 'org_spend_cap_reached',
    });
    expect(gw.upstream.messageRequests()).toHaveLength(upstreamBefore);
  });

  it('says group_pool when the budget that ran out is the team’s, and describes the fullest budget', async () => {
    const team = await gw.admin<{ team: { id: string } }>('POST', '/api/governance/teams', {
      name: 'Platform',
      budget: { max_limit: 0.5, reset_duration: '1M', calendar_aligned: true, time_zone: 'UTC' },
    });
    const priya = await signInAs(
      gw,
      { name: 'Priya', email: 'priya@example.com' },
      { user: { name: 'Priya', email: 'priya@example.com', team_id: team.body.team.id }, key: monthlyDollar },
      clock,
    );
    gw.upstream.enqueue({ kind: 'message', usage: THIRTY_CENTS });
    await ask(priya.accessToken);
    // $0.30 of the team's $0.50 (60 %) is fuller than $0.30 of her own $1 (30 %).
    gw.upstream.enqueue({ kind: 'message', usage: THIRTY_CENTS });
    const second = await ask(priya.accessToken);
    expect(unified(second.headers)).toMatchObject({
      'anthropic-ratelimit-unified-overage-utilization': '0.60',
      'anthropic-ratelimit-unified-overage-scope': 'group_pool',
    });
    const refused = await ask(priya.accessToken);
    expect(refused.status).toBe(429);
    expect(unified(refused.headers)).toMatchObject({
      'anthropic-ratelimit-unified-overage-scope': 'group_pool',
      'anthropic-ratelimit-unified-overage-period': 'monthly',
    });
    expect(refused.body).toMatchObject({
      error: {
        message:
          'The team budget "Platform" you share is used up · resets Jan 1 · ask your Tollgate admin for an increase to continue now.',
      },
    });
  });

  it('sends none of them, and withholds the upstream’s, for a signed-in client with no budget', async () => {
    const priya = await signInAs(gw, { name: 'Priya', email: 'priya@example.com' }, {}, clock);
    const answer = await ask(priya.accessToken);
    expect(answer.status).toBe(200);
    expect(unified(answer.headers)).toEqual({});
  });

  it('leaves a pasted key as it was: the 402 and no unified headers', async () => {
    const key = await gw.createKey('pasted', monthlyDollar);
    const sdk = new Anthropic({ baseURL: gw.url, authToken: key.value, maxRetries: 0 });
    gw.upstream.enqueue({ kind: 'message', usage: { input_tokens: 200_000, output_tokens: 30_000 } });
    const { response } = await sdk.messages
      .create({ model: MODEL, max_tokens: 1024, messages: [{ role: 'user', content: 'REPLY WITH: ok' }] })
      .withResponse();
    expect([...response.headers.keys()].filter((name) => name.startsWith('anthropic-ratelimit-unified'))).toEqual([]);
    expect(response.headers.get('anthropic-ratelimit-requests-remaining')).toBe('3999');
    await expect(
      sdk.messages.create({ model: MODEL, max_tokens: 1024, messages: [{ role: 'user', content: 'REPLY WITH: ok' }] }),
    ).rejects.toMatchObject({ status: 402 });
  });
});

describe('GET /api/oauth/usage', () => {
  it('answers the cap in cents with one limits row per budget, resetting at the headers’ instant', async () => {
    const priya = await signInAs(
      gw,
      { name: 'Priya', email: 'priya@example.com' },
      {
        key: {
          budgets: [
            monthlyDollar.budget,
            { max_limit: 0.4, reset_duration: '1d', calendar_aligned: true, time_zone: 'UTC' },
          ],
        },
      },
      clock,
    );
    gw.upstream.enqueue({ kind: 'message', usage: THIRTY_CENTS });
    await ask(priya.accessToken);
    const response = await fetch(`${gw.url}/api/oauth/usage`, {
      headers: { authorization: `Bearer ${priya.accessToken}` },
    });
    expect(response.status).toBe(200);
    expect(response.headers.get('cache-control')).toBe('no-store');
    expect(await response.json()).toEqual({
      extra_usage: { is_enabled: true, monthly_limit: 40, used_credits: 30, utilization: 75, currency: 'USD' },
      limits: [
        {
          kind: 'spend',
          group: 'monthly',
          percent: 30,
          resets_at: '2027-01-01T00:00:00.000Z',
          severity: 'normal',
          is_active: false,
        },
        {
          kind: 'spend',
          group: 'daily',
          percent: 75,
          resets_at: '2026-12-08T00:00:00.000Z',
          severity: 'warning',
          is_active: true,
        },
      ],
    });
  });

  it('answers the month, day and week spend with null limits when no budget applies, and 401 for anything but a live sign-in', async () => {
    const priya = await signInAs(gw, { name: 'Priya', email: 'priya@example.com' }, {}, clock);
    gw.upstream.enqueue({ kind: 'message', usage: THIRTY_CENTS });
    await ask(priya.accessToken);
    const usage = await (
      await fetch(`${gw.url}/api/oauth/usage`, { headers: { authorization: `Bearer ${priya.accessToken}` } })
    ).json();
    expect(usage).toEqual({
      extra_usage: {
        is_enabled: true,
        monthly_limit: null,
        used_credits: 30,
        utilization: null,
        currency: 'USD',
        daily: { limit: null, used_credits: 30, utilization: null },
        weekly: { limit: null, used_credits: 30, utilization: null },
      },
      limits: [],
    });
    const key = await gw.createKey('pasted');
    expect(
      (await fetch(`${gw.url}/api/oauth/usage`, { headers: { authorization: `Bearer ${key.value}` } })).status,
    ).toBe(401);
    await gw.admin('POST', `/api/sign-ins/${priya.signIn.id}/revoke`);
    const ended = await fetch(`${gw.url}/api/oauth/usage`, {
      headers: { authorization: `Bearer ${priya.accessToken}` },
    });
    expect(ended.status).toBe(401);
    expect(ended.headers.get('x-should-retry')).toBe('false');
  });
});
