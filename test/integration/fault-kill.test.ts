// kill -9 under load: the real `npm run serve` takes 300 requests from 16 concurrent clients (streamed
// and not, on a key with its own budget and on a key whose user and team have budgets too) while the
// stand-in upstream answers slowly enough that requests are always in flight, and is killed with
// SIGKILL at several moments chosen by a seeded PRNG, each time restarted on the same data directory
// and port. Whatever the kill interrupted, the store must come out whole: every answer a client saw
// complete has exactly one row, every cost is charged to each budget it lands on, requests cut off
// are booked as `interrupted` rows with their charges, no admission trace is left, and `npm run doctor`
// agrees.
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import type { VirtualKey } from '../../shared/schemas.js';
import {
  bookedInterrupted,
  chargesByRequest,
  create,
  inferenceHeaders,
  invariantViolations,
  MODEL,
  readStore,
  rowsById,
  runDoctor,
  seededRandom,
  serve,
  type Served,
  useFaultBench,
} from '../support/faults.js';
import { parseSse } from '../support/sse.js';

const TOTAL_REQUESTS = 300;
const CLIENTS = 16;
/** Kills land after this many completed answers (each drawn from its range by the seeded PRNG). */
const KILL_WINDOWS: [number, number][] = [
  [40, 80],
  [110, 150],
  [180, 210],
];
const SEED = Number(process.env.TOLLGATE_FAULT_SEED ?? 20_260_611);
/** Between stream events (about 10 per answer), and once before a JSON answer. */
const EVENT_DELAY_MS = 30;

const bench = useFaultBench('tollgate-fault-kill-');

interface Planned {
  index: number;
  key: 'solo' | 'team';
  stream: boolean;
}

interface Outcome {
  /** x-tollgate-request-id, when the answer's headers arrived. */
  requestId: string | null;
  status: number | null;
  /** The whole answer arrived: a stream's message_stop, or a JSON body that parses as a message. */
  completed: boolean;
}

interface Kill {
  afterCompleted: number;
  /** Requests sent and not yet answered in full when the kill landed… */
  inFlight: number;
  /** …of which the gateway had already answered with headers (so their trace was on disk). */
  answering: number;
  /** What the next start said it booked as interrupted. */
  booked: number;
}

/** Open while the gateway serves; clients wait on it between requests while it is down. */
function gateway(): { wait(): Promise<void>; close(): void; open(): void } {
  let opened: Promise<void> = Promise.resolve();
  let release = (): void => undefined;
  return {
    wait: () => opened,
    close() {
      opened = new Promise((resolve) => (release = resolve));
    },
    open: () => release(),
  };
}

async function send(url: string, keyValue: string, planned: Planned, onHeaders: () => void): Promise<Outcome> {
  const outcome: Outcome = { requestId: null, status: null, completed: false };
  try {
    const response = await fetch(`${url}/v1/messages`, {
      method: 'POST',
      headers: inferenceHeaders(keyValue),
      body: JSON.stringify({
        model: MODEL,
        max_tokens: 64,
        stream: planned.stream,
        messages: [{ role: 'user', content: `REPLY WITH: answer number ${planned.index} of the load under kill -9` }],
      }),
    });
    outcome.status = response.status;
    outcome.requestId = response.headers.get('x-tollgate-request-id');
    onHeaders();
    const text = await response.text();
    if (response.status !== 200) return outcome;
    if (planned.stream) outcome.completed = parseSse(text).at(-1)?.event === 'message_stop';
    else outcome.completed = (JSON.parse(text) as { type?: unknown }).type === 'message';
  } catch {
    // The connection broke (the gateway was killed, or a pooled socket to the dead one was reused): not completed.
  }
  return outcome;
}

describe('kill -9 under load', () => {
  it('keeps one row per completed answer, charges every cost to its budgets and books cut-off requests as interrupted', async () => {
    const dataDir = join(bench.scratch(), 'data');
    let served: Served = await serve({ dataDir, upstreamUrl: bench.upstream().url });
    const port = served.port;

    const budget = { max_limit: 1000, reset_duration: '1M' };
    const team = await create<{ team: { id: string; budgets: { id: string }[] } }>(served, '/api/governance/teams', {
      name: 'platform',
      budget,
    });
    const user = await create<{ user: { id: string; budgets: { id: string }[] } }>(served, '/api/governance/users', {
      name: 'ada',
      team_id: team.team.id,
      budget,
    });
    const solo = await create<{ virtual_key: VirtualKey & { value: string } }>(served, '/api/governance/virtual-keys', {
      name: 'solo',
      budget,
    });
    const teamKey = await create<{ virtual_key: VirtualKey & { value: string } }>(
      served,
      '/api/governance/virtual-keys',
      { name: 'ada on platform', user_id: user.user.id, budget },
    );
    const budgetsOf = new Map<string, string[]>([
      [solo.virtual_key.id, solo.virtual_key.budgets.map((b) => b.id)],
      [
        teamKey.virtual_key.id,
        [...teamKey.virtual_key.budgets, ...user.user.budgets, ...team.team.budgets].map((b) => b.id),
      ],
    ]);
    expect(budgetsOf.get(teamKey.virtual_key.id)).toHaveLength(3);
    const keyValue = { solo: solo.virtual_key.value, team: teamKey.virtual_key.value };

    const random = seededRandom(SEED);
    const plan: Planned[] = Array.from({ length: TOTAL_REQUESTS }, (_, index) => ({
      index,
      key: random() < 0.5 ? 'solo' : 'team',
      stream: random() < 0.6,
    }));
    const killAt = KILL_WINDOWS.map(([low, high]) => low + Math.floor(random() * (high - low + 1)));

    const up = gateway();
    const outcomes: Outcome[] = [];
    const kills: Kill[] = [];
    let next = 0;
    let completedSoFar = 0;
    let inFlight = 0;
    let withHeaders = 0;
    let killing: Promise<void> = Promise.resolve();
    let killsPlanned = 0;

    const kill = async (afterCompleted: number): Promise<void> => {
      up.close();
      const record: Kill = { afterCompleted, inFlight, answering: withHeaders, booked: 0 };
      try {
        served.process.signal('SIGKILL');
        const exit = await served.process.exited;
        expect(exit.signal).toBe('SIGKILL');
        served = await serve({ dataDir, upstreamUrl: bench.upstream().url, port });
        record.booked = bookedInterrupted(served);
        kills.push(record);
      } finally {
        // Even when the restart failed: the clients then run out their requests at once, and the failure is reported.
        up.open();
      }
    };

    const client = async (): Promise<void> => {
      for (;;) {
        await up.wait();
        const planned = plan[next++];
        if (planned === undefined) return;
        // The stand-in takes replies in arrival order; every one is the same slow reply, so order does not matter.
        bench.upstream().enqueue({ kind: 'slow', delayMsPerEvent: EVENT_DELAY_MS });
        inFlight++;
        let answered = false;
        const outcome = await send(served.url, keyValue[planned.key], planned, () => {
          answered = true;
          withHeaders++;
        });
        inFlight--;
        if (answered) withHeaders--;
        outcomes[planned.index] = outcome;
        if (!outcome.completed) continue;
        completedSoFar++;
        if (killAt[killsPlanned] === completedSoFar) {
          killsPlanned++;
          const at = completedSoFar;
          killing = killing.then(() => kill(at));
        }
      }
    };
    await Promise.all(Array.from({ length: CLIENTS }, client));
    await killing;

    const stop = await served.process.stop('SIGTERM');
    expect(stop, served.process.output).toEqual({ code: 0, signal: null });

    const store = readStore(dataDir);
    const rowCount = new Map<string, number>();
    for (const row of store.rows) rowCount.set(row.request_id, (rowCount.get(row.request_id) ?? 0) + 1);
    const rows = rowsById(store);
    const byRequest = chargesByRequest(store);
    const completed = outcomes.filter((outcome) => outcome.completed);
    const completedIds = new Set(
      completed.flatMap((outcome) => (outcome.requestId === null ? [] : [outcome.requestId])),
    );
    const interrupted = store.rows.filter((row) => row.status === 'interrupted');

    const statuses = [...new Set(store.rows.map((row) => row.status))];
    const summary = {
      seed: SEED,
      completed: completedIds.size,
      notCompleted: TOTAL_REQUESTS - completedIds.size,
      rows: store.rows.length,
      byStatus: Object.fromEntries(statuses.map((s) => [s, store.rows.filter((row) => row.status === s).length])),
      kills,
    };
    console.log(`kill -9 under load: ${JSON.stringify(summary)}`);

    expect(kills.map((k) => k.afterCompleted)).toEqual(killAt);
    // Every answer the gateway gave was a 200: nothing was refused for lack of budget or anything else.
    expect(outcomes.filter((outcome) => outcome.status !== null && outcome.status !== 200)).toEqual([]);
    expect(completedIds.size).toBe(completed.length);

    // Every completed answer has exactly one row, a success; no request has two.
    for (const id of completedIds) {
      expect(rowCount.get(id), `rows for completed request ${id}`).toBe(1);
      expect(rows.get(id)?.status).toBe('success');
    }
    expect([...rowCount.entries()].filter(([, count]) => count !== 1)).toEqual([]);

    // Each cost lands once on every budget of its key's chain, and nowhere else.
    for (const row of store.rows) {
      const expected = budgetsOf.get(row.virtual_key_id ?? '');
      expect(expected, `row ${row.request_id} belongs to a known key`).toBeDefined();
      const charged = (byRequest.get(row.request_id) ?? []).map((charge) => charge.budget_id).sort();
      expect(charged, `charges of ${row.status} row ${row.request_id}`).toEqual(
        row.cost_micros > 0 ? [...(expected ?? [])].sort() : [],
      );
    }

    // Interrupted rows belong only to requests no client saw complete, each booked at a cost (so charged, above).
    for (const row of interrupted) {
      expect(completedIds.has(row.request_id)).toBe(false);
      expect(row).toMatchObject({ error_type: 'gateway_interrupted', cost_estimated: 1 });
      expect(row.cost_micros).toBeGreaterThan(0);
    }
    expect(interrupted.length).toBe(kills.reduce((sum, k) => sum + k.booked, 0));
    expect(interrupted.length).toBeGreaterThan(0);
    // Nothing reached Anthropic unrecorded: every request is traced before it is forwarded, so each one the
    // stand-in received has a row (a trace cut off before forwarding is booked too, hence at least).
    const forwardedRows = store.rows.filter((row) => row.status === 'success' || row.status === 'interrupted');
    expect(forwardedRows.length).toBeGreaterThanOrEqual(bench.upstream().messageRequests().length);

    expect(store.admissions).toEqual([]);
    expect(invariantViolations(store)).toEqual([]);
    const doctor = await runDoctor(dataDir);
    expect(doctor.code, doctor.output).toBe(0);
  }, 120_000);
});
