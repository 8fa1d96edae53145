// A full disk under the real `npm run serve`: its data directory sits on a 20 MB tmpfs that `dd` fills
// to the last byte while clients keep sending. Once the store cannot write, a key with a budget must
// be refused (503 api_error, x-should-retry: false, the cause named) since its spend could not be
// recorded, while a key without a budget is still served; rows and spend wait in memory, and once the
// filler is deleted they are all written, the budget has not overshot by more than one request, the
// invariant holds and `npm run doctor` agrees. Needs root (to mount the tmpfs); skipped, and says so,
// otherwise.
import { execFileSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { VirtualKey } from '../../shared/schemas.js';
import {
  admin,
  chargesByRequest,
  create,
  inferenceHeaders,
  invariantViolations,
  MODEL,
  pollUntil,
  readStore,
  rowsById,
  runDoctor,
  serve,
  storeStatus,
} from '../support/faults.js';
import { UPSTREAM_API_KEY } from '../support/gateway.js';
import { runProcess, stopAllProcesses } from '../support/processes.js';
import { startStandIn, type StandIn } from '../support/upstream.js';

const BUDGET_USD = 0.03;
/** A reply of 1,000 characters: 250 output tokens, $0.00375 at Sonnet 4.5's $15/M. */
const PRICED_REPLY = Array.from({ length: 200 }, () => 'coins')
  .join(' ')
  .slice(0, 1000);
/** A request body of about 4,000 bytes: 1,000 input tokens, $0.003 at $3/M; with the reply, ~$0.0068. */
const PRICED_BODY_BYTES = 4_000;
/** Incompressible prompts without a budget fill the store's free pages fast. */
const HEAVY_PROMPT_BYTES = 192 * 1024;

/** Why a tmpfs cannot be mounted here, or null when it can (tried once with a 1 MB mount). */
function tmpfsUnavailable(): string | null {
  if (process.platform !== 'linux') return `tmpfs is Linux-only (this is ${process.platform})`;
  if (process.getuid?.() !== 0) return 'mounting a tmpfs needs root';
  const probe = mkdtempSync(join(tmpdir(), 'tollgate-tmpfs-probe-'));
  try {
    execFileSync('mount', ['-t', 'tmpfs', '-o', 'size=1m', 'tmpfs', probe], { stdio: ['ignore', 'ignore', 'pipe'] });
    execFileSync('umount', [probe], { stdio: ['ignore', 'ignore', 'pipe'] });
    return null;
  } catch (error) {
    const stderr = (error as { stderr?: Buffer }).stderr?.toString().trim();
    return `mount -t tmpfs failed: ${stderr || (error instanceof Error ? error.message : String(error))}`;
  } finally {
    rmSync(probe, { recursive: true, force: true });
  }
}

const unavailable = tmpfsUnavailable();
if (unavailable) console.log(`disk-full test skipped: ${unavailable} (run the tests as root on Linux to include it)`);

interface Answer {
  key: 'budgeted' | 'unbudgeted';
  status: number;
  requestId: string;
  headers: Headers;
  body: { type?: string; error?: { type?: string; message?: string } };
}

describe.skipIf(unavailable !== null)('a full disk under the gateway', () => {
  let upstream: StandIn;
  let scratch: string;
  let mount: string;

  beforeAll(async () => {
    upstream = await startStandIn({ apiKey: UPSTREAM_API_KEY });
    scratch = mkdtempSync(join(tmpdir(), 'tollgate-fault-disk-'));
    mount = join(scratch, 'tmpfs');
    mkdirSync(mount);
    execFileSync('mount', ['-t', 'tmpfs', '-o', 'size=20m', 'tmpfs', mount]);
  });

  afterAll(async () => {
    await stopAllProcesses();
    await upstream.close();
    try {
      execFileSync('umount', [mount]);
    } finally {
      rmSync(scratch, { recursive: true, force: true });
    }
  });

  it('refuses keys with a budget while the store cannot write, still serves keys without one, and writes every held row once space frees', async () => {
    const dataDir = join(mount, 'data');
    const filler = join(mount, 'filler');
    const served = await serve({ dataDir, upstreamUrl: upstream.url });
    const budgeted = (
      await create<{ virtual_key: VirtualKey & { value: string } }>(served, '/api/governance/virtual-keys', {
        name: 'budgeted',
        budget: { max_limit: BUDGET_USD, reset_duration: '1M' },
      })
    ).virtual_key;
    const unbudgeted = (
      await create<{ virtual_key: VirtualKey & { value: string } }>(served, '/api/governance/virtual-keys', {
        name: 'unbudgeted',
      })
    ).virtual_key;
    const answers: Answer[] = [];

    const ask = async (key: Answer['key'], content: string): Promise<Answer> => {
      const response = await fetch(`${served.url}/v1/messages`, {
        method: 'POST',
        headers: inferenceHeaders(key === 'budgeted' ? budgeted.value : unbudgeted.value),
        body: JSON.stringify({ model: MODEL, max_tokens: 300, messages: [{ role: 'user', content }] }),
      });
      const requestId = response.headers.get('x-tollgate-request-id');
      if (requestId === null) throw new Error(`the gateway answered ${response.status} without x-tollgate-request-id`);
      const answer: Answer = {
        key,
        status: response.status,
        requestId,
        headers: response.headers,
        body: (await response.json()) as Answer['body'],
      };
      answers.push(answer);
      return answer;
    };
    const priced = (): Promise<Answer> => {
      const prompt = `REPLY WITH: ${PRICED_REPLY}\n`;
      return ask('budgeted', prompt + 'x'.repeat(PRICED_BODY_BYTES - prompt.length - 120));
    };
    const heavy = (): Promise<Answer> =>
      ask('unbudgeted', `REPLY WITH: ok\n${randomBytes(HEAVY_PROMPT_BYTES * 0.75).toString('base64')}`);
    const budgetUsage = async (): Promise<number> => {
      const { body } = await admin<{ virtual_key: VirtualKey }>(
        served,
        'GET',
        `/api/governance/virtual-keys/${budgeted.id}`,
      );
      return body.virtual_key.budget?.current_usage ?? Number.NaN;
    };

    // While the disk has room, both keys are served.
    for (let i = 0; i < 2; i++) {
      expect((await priced()).status).toBe(200);
      expect((await ask('unbudgeted', 'REPLY WITH: room to spare')).status).toBe(200);
    }
    const usageBefore = await budgetUsage();
    expect(usageBefore).toBeGreaterThan(0.006);

    // A budgeted stream is under way when the disk fills: its spend must be held, not dropped.
    upstream.enqueue({ kind: 'slow', delayMsPerEvent: 40, content: [{ type: 'text', text: PRICED_REPLY }] });
    const streaming = await fetch(`${served.url}/v1/messages`, {
      method: 'POST',
      headers: inferenceHeaders(budgeted.value),
      body: JSON.stringify({
        model: MODEL,
        max_tokens: 300,
        stream: true,
        messages: [{ role: 'user', content: 'a long answer' }],
      }),
    });
    expect(streaming.status).toBe(200);
    const streamingId = streaming.headers.get('x-tollgate-request-id') ?? '';

    // Fill the disk to the last byte.
    const dd = await runProcess('dd', ['if=/dev/zero', `of=${filler}`, 'bs=1M'], { timeoutMs: 30_000 });
    expect(dd.stderr).toMatch(/No space left on device/);

    // SQLite can go on for a while in pages it already has: keep sending on both keys until the store says it cannot write.
    let rounds = 0;
    const unwritable = await pollUntil(
      'the store to report it cannot write',
      async () => {
        rounds++;
        expect((await heavy()).status).toBe(200);
        // Served while the store still writes (or refused once its budget is spent), refused once it cannot.
        expect([200, 402, 503]).toContain((await priced()).status);
        const store = await storeStatus(served);
        return store.writable ? null : store;
      },
      40_000,
      0,
    );
    expect(unwritable.error).toMatch(/SQLITE_FULL|full|disk/i);

    // A key with a budget is refused: its spend could not be recorded.
    const refused = await priced();
    expect(refused.status).toBe(503);
    expect(refused.headers.get('x-should-retry')).toBe('false');
    expect(refused.body).toMatchObject({ type: 'error', error: { type: 'api_error' } });
    expect(refused.body.error?.message).toContain('cannot write to its store');
    expect(refused.body.error?.message).toContain(unwritable.error ?? '(no cause)');
    // A key without one is still served.
    for (let i = 0; i < 3; i++)
      expect((await ask('unbudgeted', `REPLY WITH: served on a full disk ${i}`)).status).toBe(200);
    const held = await storeStatus(served);
    expect(held).toMatchObject({ writable: false });
    expect(held.pending).toBeGreaterThan(0);
    const usageWhileFull = await budgetUsage();
    // The stream ends while the store cannot write: its row and spend wait in memory.
    expect(await streaming.text()).toContain('event: message_stop');
    expect((await storeStatus(served)).writable).toBe(false);
    expect(await budgetUsage()).toBe(usageWhileFull);

    // Space frees: the retry writes everything held in memory.
    rmSync(filler);
    const recovered = await pollUntil(
      'the store to write every held row',
      async () => {
        const store = await storeStatus(served);
        return store.writable && store.pending === 0 ? store : null;
      },
      20_000,
    );
    expect(recovered.error).toBeNull();
    const usageRecovered = await budgetUsage();
    // The stream's spend, held while the disk was full, is on the budget now.
    expect(usageRecovered).toBeGreaterThan(usageWhileFull);

    // With the store writing again, the budgeted key is served until its budget is spent.
    let exhausted: Answer | null = null;
    for (let i = 0; i < 12 && exhausted === null; i++) {
      const answer = await priced();
      expect([200, 402]).toContain(answer.status);
      if (answer.status === 402) exhausted = answer;
    }
    expect(exhausted?.body).toMatchObject({ type: 'error', error: { type: 'billing_error' } });
    const usageAfter = await budgetUsage();

    const stop = await served.process.stop('SIGINT');
    expect(stop, served.process.output).toEqual({ code: 0, signal: null });
    const store = readStore(dataDir);
    const rows = rowsById(store);
    const charges = chargesByRequest(store);
    const budgetedCosts = store.rows
      .filter((row) => row.virtual_key_id === budgeted.id && row.status === 'success')
      .map((row) => row.cost_micros);
    const oneRequestUsd = Math.max(...budgetedCosts) / 1e6;
    const byStatus = (key: Answer['key']): Record<number, number> =>
      answers
        .filter((a) => a.key === key)
        .reduce<Record<number, number>>((counts, a) => ({ ...counts, [a.status]: (counts[a.status] ?? 0) + 1 }), {});
    console.log(
      `disk full: the store stopped writing after ${rounds} heavy round(s) (${unwritable.error}); ` +
        `budgeted answers ${JSON.stringify(byStatus('budgeted'))}, unbudgeted ${JSON.stringify(byStatus('unbudgeted'))}; ` +
        `${held.pending} writes held at the peak; budget usage $${usageBefore} before, $${usageWhileFull} while full, ` +
        `$${usageRecovered} once written, $${usageAfter} once spent (limit $${BUDGET_USD}, one request ~$${oneRequestUsd})`,
    );

    // Every answer a client saw complete has its row; each refusal has its row too.
    for (const answer of answers.filter((a) => a.status === 200)) {
      expect(rows.get(answer.requestId), `row of ${answer.key} request ${answer.requestId}`).toMatchObject({
        status: 'success',
      });
    }
    expect(rows.get(streamingId), 'the row of the stream that ended on a full disk').toMatchObject({
      status: 'success',
    });
    expect(charges.get(streamingId)?.length).toBe(1);
    for (const answer of answers.filter((a) => a.status === 503)) {
      expect(rows.get(answer.requestId)).toMatchObject({ status: 'blocked', refusal_reason: 'store_unwritable' });
    }
    expect(rows.get(exhausted?.requestId ?? '')).toMatchObject({
      status: 'blocked',
      refusal_reason: 'budget_exhausted',
    });
    // The budget's recorded spend never ran past its limit by more than one request.
    for (const usage of [usageBefore, usageWhileFull, usageRecovered, usageAfter]) {
      expect(usage).toBeLessThanOrEqual(BUDGET_USD + oneRequestUsd);
    }
    expect(usageAfter * 1e6).toBeCloseTo(
      budgetedCosts.reduce((sum, cost) => sum + cost, 0),
      0,
    );
    for (const row of store.rows.filter((r) => r.virtual_key_id === budgeted.id && r.cost_micros > 0)) {
      expect(charges.get(row.request_id)?.length).toBe(1);
    }
    expect(store.admissions).toEqual([]);
    expect(invariantViolations(store)).toEqual([]);
    const doctor = await runDoctor(dataDir);
    expect(doctor.code, doctor.output).toBe(0);
  }, 120_000);

  it('saves the rows it holds when stopped while the store cannot write, and writes them at the next start', async () => {
    // The tmpfs is shared with the test before: start from an empty one.
    rmSync(join(mount, 'data'), { recursive: true, force: true });
    const dataDir = join(mount, 'stopped-while-full');
    const filler = join(mount, 'filler');
    const served = await serve({ dataDir, upstreamUrl: upstream.url });
    const key = (
      await create<{ virtual_key: VirtualKey & { value: string } }>(served, '/api/governance/virtual-keys', {
        name: 'no budget',
      })
    ).virtual_key;
    const servedIds: string[] = [];
    const ask = async (content: string): Promise<void> => {
      const response = await fetch(`${served.url}/v1/messages`, {
        method: 'POST',
        headers: inferenceHeaders(key.value),
        body: JSON.stringify({ model: MODEL, max_tokens: 300, messages: [{ role: 'user', content }] }),
      });
      expect(response.status).toBe(200);
      await response.arrayBuffer();
      servedIds.push(response.headers.get('x-tollgate-request-id') ?? '');
    };

    await runProcess('dd', ['if=/dev/zero', `of=${filler}`, 'bs=1M'], { timeoutMs: 30_000 });
    await pollUntil(
      'the store to report it cannot write',
      async () => {
        await ask(`REPLY WITH: ok\n${randomBytes(HEAVY_PROMPT_BYTES * 0.75).toString('base64')}`);
        const store = await storeStatus(served);
        return store.writable ? null : store;
      },
      40_000,
      0,
    );
    for (let i = 0; i < 3; i++) await ask(`REPLY WITH: held ${i}`);
    expect((await storeStatus(served)).pending).toBeGreaterThan(0);

    // Stopped while full: what it holds is saved (beside the store if it fits, else in the temp directory).
    const stop = await served.process.stop('SIGINT');
    expect(stop, served.process.output).toEqual({ code: 0, signal: null });
    expect(served.process.output).toMatch(/saved them to .+held-writes-.+\.jsonl, written at the next start/);

    rmSync(filler);
    const again = await serve({ dataDir, upstreamUrl: upstream.url });
    expect(again.process.output).toMatch(/wrote \d+ rows and traces the last run held over/);
    expect((await again.process.stop('SIGINT')).code).toBe(0);
    const store = readStore(dataDir);
    const rows = rowsById(store);
    for (const id of servedIds) expect(rows.get(id), `row of ${id}`).toMatchObject({ status: 'success' });
    expect(store.admissions).toEqual([]);
    expect(invariantViolations(store)).toEqual([]);
  }, 120_000);
});
