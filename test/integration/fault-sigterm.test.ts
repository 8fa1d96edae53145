// SIGTERM with streams longer than the grace period: the real `npm run serve --shutdown-grace 1` is
// stopped while three streams the stand-in stretches over about ten seconds are running, beside one
// short stream that finishes within the grace. The short one must end normally; each long one must
// end with a well-formed `event: error` saying Tollgate is restarting (not a bare socket close), and
// leave an `error` row with the usage it streamed, charged to its budget; the process must exit 0
// soon after the grace, with no admission trace left and the budget invariant intact.
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { describe, expect, it } from 'vitest';
import type { VirtualKey } from '../../shared/schemas.js';
import {
  chargesByRequest,
  create,
  inferenceHeaders,
  invariantViolations,
  MODEL,
  readStore,
  rowsById,
  runDoctor,
  serve,
  type Served,
  useFaultBench,
} from '../support/faults.js';
import { parseSse, type ParsedSseEvent } from '../support/sse.js';

const GRACE_SECONDS = 1;
const LONG_STREAMS = 3;
/** 100 words stream as 50 deltas: 56 events, 55 gaps of 180 ms, about 10 s in all; a few deltas come before the cut. */
const LONG_TEXT = Array.from({ length: 100 }, (_, i) => `word${i}`).join(' ');
const LONG_DELAY_MS = 180;
/** 8 events, 7 gaps of 50 ms: done well within the grace. */
const SHORT_TEXT = 'short and sweet';
const SHORT_DELAY_MS = 50;

const bench = useFaultBench('tollgate-fault-sigterm-');

interface Received {
  requestId: string;
  /** Everything the client read, as text. */
  text: string;
  /** Set when reading failed (a broken connection) instead of the stream ending. */
  error: unknown;
  /** When the stream ended, in performance.now() milliseconds. */
  endedAt: number;
}

/** Opens a stream and reads it to its end in the background; resolves once the answer's headers are in. */
async function openStream(
  served: Served,
  keyValue: string,
  text: string,
): Promise<{ requestId: string; done: Promise<Received> }> {
  const response = await fetch(`${served.url}/v1/messages`, {
    method: 'POST',
    headers: inferenceHeaders(keyValue),
    body: JSON.stringify({
      model: MODEL,
      max_tokens: 256,
      stream: true,
      messages: [{ role: 'user', content: `REPLY WITH: ${text}` }],
    }),
  });
  expect(response.status).toBe(200);
  const requestId = response.headers.get('x-tollgate-request-id');
  if (requestId === null) throw new Error('the answer has no x-tollgate-request-id');
  const done = response.text().then(
    (body) => ({ requestId, text: body, error: null, endedAt: performance.now() }),
    (error: unknown) => ({ requestId, text: '', error, endedAt: performance.now() }),
  );
  return { requestId, done };
}

function streamedText(events: ParsedSseEvent[]): string {
  return events
    .map((event) => event.data as { type?: string; delta?: { text?: string } })
    .map((data) => (data.type === 'content_block_delta' ? (data.delta?.text ?? '') : ''))
    .join('');
}

describe('SIGTERM with streams longer than the grace', () => {
  it('ends each long stream with an error event saying Tollgate is restarting, books it, and exits 0 soon after the grace', async () => {
    const dataDir = join(bench.scratch(), 'data');
    const served = await serve({
      dataDir,
      upstreamUrl: bench.upstream().url,
      extraArgs: ['--shutdown-grace', String(GRACE_SECONDS)],
    });
    const { virtual_key: key } = await create<{ virtual_key: VirtualKey & { value: string } }>(
      served,
      '/api/governance/virtual-keys',
      { name: 'long streams', budget: { max_limit: 100, reset_duration: '1M' } },
    );
    const budgetId = key.budgets[0]?.id;

    // One at a time, so each takes the reply queued for it.
    const long: { requestId: string; done: Promise<Received> }[] = [];
    for (let i = 0; i < LONG_STREAMS; i++) {
      bench.upstream().enqueue({ kind: 'slow', delayMsPerEvent: LONG_DELAY_MS });
      long.push(await openStream(served, key.value, LONG_TEXT));
    }
    bench.upstream().enqueue({ kind: 'slow', delayMsPerEvent: SHORT_DELAY_MS });
    const short = await openStream(served, key.value, SHORT_TEXT);

    const signalledAt = performance.now();
    served.process.signal('SIGTERM');
    const [shortReceived, ...longReceived] = await Promise.all([short.done, ...long.map((stream) => stream.done)]);
    const exit = await served.process.waitForExit();
    const exitedAfterMs = performance.now() - signalledAt;
    const store = readStore(dataDir);
    const rows = rowsById(store);
    console.log(
      `SIGTERM with a ${GRACE_SECONDS} s grace: long streams ended ${longReceived
        .map((stream) => {
          const row = rows.get(stream.requestId);
          return `${Math.round(stream.endedAt - signalledAt)} ms (row: ${row?.status}, ${row?.input_tokens} in, ${row?.output_tokens} out, ${row?.cost_micros} µ$)`;
        })
        .join(', ')} after the signal; the process exited after ${Math.round(exitedAfterMs)} ms`,
    );

    // The short stream finished as if nothing happened.
    expect(shortReceived?.error).toBeNull();
    const shortEvents = parseSse(shortReceived?.text ?? '');
    expect(shortEvents.at(-1)?.event).toBe('message_stop');
    expect(streamedText(shortEvents)).toBe(SHORT_TEXT);

    // Each long stream got a well-formed error event, then its end: no broken connection, no message_stop.
    for (const stream of longReceived) {
      expect(stream.error, `reading ${stream.requestId}`).toBeNull();
      expect(stream.text.endsWith('\n\n')).toBe(true);
      const events = parseSse(stream.text);
      expect(events[0]?.event).toBe('message_start');
      expect(events.some((event) => event.event === 'message_stop')).toBe(false);
      expect(events.at(-1)).toEqual({
        event: 'error',
        data: {
          type: 'error',
          error: { type: 'api_error', message: expect.stringMatching(/restarting/) as unknown },
          request_id: stream.requestId,
        },
      });
      // Cut off only once the grace had run out.
      expect(stream.endedAt - signalledAt).toBeGreaterThanOrEqual(GRACE_SECONDS * 1000 - 100);
    }

    expect(exit, served.process.output).toEqual({ code: 0, signal: null });
    expect(served.process.stderr).toMatch(/stopped cleanly/);
    expect(exitedAfterMs).toBeLessThan(GRACE_SECONDS * 1000 + 5_000);

    // Each stream has its row, charged to the key's budget: the long ones at the usage seen before the cut.
    const charges = chargesByRequest(store);
    const shortRow = rows.get(short.requestId);
    expect(shortRow).toMatchObject({ status: 'success', status_code: 200 });
    expect(charges.get(short.requestId)).toEqual([
      {
        budget_id: budgetId,
        period_start: expect.any(Number) as unknown,
        request_id: short.requestId,
        micros: shortRow?.cost_micros,
      },
    ]);
    for (const stream of longReceived) {
      const row = rows.get(stream.requestId);
      expect(row).toMatchObject({ status: 'error', status_code: 200, error_type: 'api_error', stream: 1 });
      expect(row?.error_message).toMatch(/restarting/);
      // message_start's input, and output estimated from the text streamed before the cut.
      expect(streamedText(parseSse(stream.text))).not.toBe('');
      expect(row?.input_tokens).toBeGreaterThan(0);
      expect(row?.output_tokens).toBeGreaterThan(1);
      expect(row?.cost_estimated).toBe(1);
      expect(row?.cost_micros).toBeGreaterThan(0);
      expect(charges.get(stream.requestId)).toEqual([
        expect.objectContaining({ budget_id: budgetId, micros: row?.cost_micros }),
      ]);
    }
    expect(store.admissions).toEqual([]);
    expect(invariantViolations(store)).toEqual([]);
    const doctor = await runDoctor(dataDir);
    expect(doctor.code, doctor.output).toBe(0);
  }, 60_000);
});
