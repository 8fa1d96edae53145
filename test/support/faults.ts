// The real gateway under faults (kill -9, SIGTERM past the grace period, a full disk): starts the
// `npm run serve` and `npm run doctor` command lines (minus npm) as child processes, reads a stopped
// gateway's SQLite file directly, and states the settlement invariant every fault must leave intact:
// for every budget and period, the recorded usage is the sum of its charges, and each charge is the
// cost on its request's log row. Also a seeded PRNG, so that "random" fault moments replay.
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as delay } from 'node:timers/promises';
import Database from 'better-sqlite3';
import { UPSTREAM_API_KEY } from './gateway.js';
import { afterEach, beforeEach } from 'vitest';
import {
  childEnv,
  runProcess,
  startProcess,
  stopAllProcesses,
  type FinishedProcess,
  type RunningProcess,
} from './processes.js';
import { startStandIn, type StandIn } from './upstream.js';

export const ROOT = join(import.meta.dirname, '..', '..');
export const MODEL = 'claude-sonnet-4-5-20250929';
const LISTENING = /^Tollgate gateway listening on (http:\/\/\S+)$/;

/** Each test gets a stand-in upstream and a scratch directory; both go afterwards, with every child process. */
export function useFaultBench(prefix: string): { upstream: () => StandIn; scratch: () => string } {
  let upstream: StandIn | null = null;
  let scratch: string | null = null;
  beforeEach(async () => {
    upstream = await startStandIn({ apiKey: UPSTREAM_API_KEY });
    scratch = mkdtempSync(join(tmpdir(), prefix));
  });
  afterEach(async () => {
    await stopAllProcesses();
    await upstream?.close();
    if (scratch) rmSync(scratch, { recursive: true, force: true });
  });
  const started = <T>(value: T | null): T => {
    if (value === null) throw new Error('useFaultBench: only inside a test');
    return value;
  };
  return { upstream: () => started(upstream), scratch: () => started(scratch) };
}

/** A package.json script's command line without npm in between, so the test and the script cannot drift apart. */
export function scriptCommand(name: 'serve' | 'doctor'): { command: string; args: string[] } {
  const manifest = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as { scripts?: Record<string, string> };
  const script = manifest.scripts?.[name];
  if (script === undefined) throw new Error(`package.json has no "${name}" script`);
  const [bin, ...args] = script.trim().split(/\s+/);
  if (bin !== 'node' || /["'`$&|;<>()]/.test(script))
    throw new Error(
      `the "${name}" script is no longer a plain node command line; teach this helper to run it: ${script}`,
    );
  return { command: process.execPath, args };
}

const SERVE = scriptCommand('serve');
const DOCTOR = scriptCommand('doctor');

export interface Served {
  process: RunningProcess;
  url: string;
  port: number;
  adminToken: string;
}

export interface ServeOptions {
  dataDir: string;
  upstreamUrl: string;
  /** 0 (the default) takes any free port; a restart passes the port the first start got. */
  port?: number;
  extraArgs?: string[];
}

/** Starts `npm run serve` on a data directory, seeded with the stand-in's key, and waits until it is ready. */
export async function serve(options: ServeOptions): Promise<Served> {
  const child = startProcess(
    SERVE.command,
    [
      ...SERVE.args,
      '--port',
      String(options.port ?? 0),
      '--data-dir',
      options.dataDir,
      '--anthropic-base-url',
      options.upstreamUrl,
      ...(options.extraArgs ?? []),
    ],
    { cwd: ROOT, env: childEnv({ ANTHROPIC_API_KEY: UPSTREAM_API_KEY }), name: 'tollgate serve' },
  );
  const [, url] = await child.waitForLine(LISTENING);
  const [, tokenFile] = await child.waitForLine(/^\s+admin token:\s+(.+?)(?: \(created now\))?$/);
  await child.waitForLine(/^Ready\./);
  if (url === undefined || tokenFile === undefined) throw new Error('the start-up banner is incomplete');
  return { process: child, url, port: Number(new URL(url).port), adminToken: readFileSync(tokenFile, 'utf8').trim() };
}

/** How many interrupted requests a start booked, from its own start-up warning (0 when it printed none). */
export function bookedInterrupted(served: Served): number {
  const match = /booked (\d+) requests? interrupted by the last stop/.exec(served.process.output);
  return match ? Number(match[1]) : 0;
}

export async function admin<T>(
  served: Served,
  method: string,
  path: string,
  body?: unknown,
): Promise<{ status: number; body: T }> {
  const response = await fetch(served.url + path, {
    method,
    headers: { authorization: `Bearer ${served.adminToken}`, 'content-type': 'application/json' },
    ...(body !== undefined && { body: JSON.stringify(body) }),
  });
  const text = await response.text();
  return { status: response.status, body: (text ? JSON.parse(text) : null) as T };
}

/** Creates an organisation entity or key through the admin API; throws with the answer unless it is a 201. */
export async function create<T>(served: Served, path: string, body: unknown): Promise<T> {
  const answer = await admin<T>(served, 'POST', path, body);
  if (answer.status !== 201) throw new Error(`POST ${path} answered ${answer.status}: ${JSON.stringify(answer.body)}`);
  return answer.body;
}

export interface StoreStatus {
  writable: boolean;
  error: string | null;
  since: string | null;
  pending: number;
}

export async function storeStatus(served: Served): Promise<StoreStatus> {
  const { status, body } = await admin<{ store: StoreStatus }>(served, 'GET', '/api/gateway/status');
  if (status !== 200) throw new Error(`GET /api/gateway/status answered ${status}`);
  return body.store;
}

/** Headers an Anthropic client sends, with a Tollgate key. */
export function inferenceHeaders(keyValue: string): Record<string, string> {
  return { 'content-type': 'application/json', 'anthropic-version': '2023-06-01', 'x-api-key': keyValue };
}

/** `npm run doctor -- --data-dir DIR --json`. */
export function runDoctor(dataDir: string): Promise<FinishedProcess> {
  return runProcess(DOCTOR.command, [...DOCTOR.args, '--data-dir', dataDir, '--json'], {
    cwd: ROOT,
    env: childEnv({}),
    name: 'tollgate doctor',
    timeoutMs: 30_000,
  });
}

// ---- The store, read after the fact -----------------------------------------------------------

export interface StoredRow {
  request_id: string;
  virtual_key_id: string | null;
  status: string;
  status_code: number;
  error_type: string | null;
  error_message: string | null;
  refusal_reason: string | null;
  stream: number;
  input_tokens: number;
  output_tokens: number;
  cost_micros: number;
  cost_estimated: number;
}

export interface StoredCharge {
  budget_id: string;
  period_start: number;
  request_id: string;
  micros: number;
}

export interface StoredSpend {
  budget_id: string;
  period_start: number;
  spent_micros: number;
}

export interface StoreSnapshot {
  rows: StoredRow[];
  charges: StoredCharge[];
  spend: StoredSpend[];
  /** Request ids of admission traces still on disk. */
  admissions: string[];
}

/** Reads a stopped gateway's store read-only, the way an auditor with sqlite3 would. */
export function readStore(dataDir: string): StoreSnapshot {
  const db = new Database(join(dataDir, 'tollgate.db'), { readonly: true, fileMustExist: true });
  try {
    return {
      rows: db
        .prepare<[], StoredRow>(
          `SELECT request_id, virtual_key_id, status, status_code, error_type, error_message, refusal_reason, stream,
                  input_tokens, output_tokens, cost_micros, cost_estimated
           FROM request_logs ORDER BY id`,
        )
        .all(),
      charges: db
        .prepare<[], StoredCharge>('SELECT budget_id, period_start, request_id, micros FROM budget_charges')
        .all(),
      spend: db.prepare<[], StoredSpend>('SELECT budget_id, period_start, spent_micros FROM budget_spend').all(),
      admissions: db
        .prepare<[], { request_id: string }>('SELECT request_id FROM admissions')
        .all()
        .map((row) => row.request_id),
    };
  } finally {
    db.close();
  }
}

/**
 * Every way the store breaks the settlement invariant, one sentence each (none when it holds): a
 * budget period whose usage is not the sum of its charges, a charge with no log row, or a charge that
 * differs from its row's cost.
 */
export function invariantViolations(store: StoreSnapshot): string[] {
  const violations: string[] = [];
  const periods = new Map<string, { spent: number | null; charged: number }>();
  const period = (budgetId: string, start: number): { spent: number | null; charged: number } => {
    const key = `${budgetId} from ${start}`;
    let entry = periods.get(key);
    if (!entry) periods.set(key, (entry = { spent: null, charged: 0 }));
    return entry;
  };
  for (const spend of store.spend) period(spend.budget_id, spend.period_start).spent = spend.spent_micros;
  const rows = rowsById(store);
  for (const charge of store.charges) {
    period(charge.budget_id, charge.period_start).charged += charge.micros;
    const row = rows.get(charge.request_id);
    if (!row) violations.push(`charge of ${charge.micros} µ$ for ${charge.request_id} has no log row`);
    else if (row.cost_micros !== charge.micros)
      violations.push(
        `charge of ${charge.micros} µ$ for ${charge.request_id} differs from its row's ${row.cost_micros} µ$`,
      );
  }
  for (const [key, { spent, charged }] of periods) {
    if ((spent ?? 0) !== charged) violations.push(`budget ${key}: usage ${spent ?? 'none'} µ$, charges ${charged} µ$`);
  }
  return violations;
}

export function rowsById(store: StoreSnapshot): Map<string, StoredRow> {
  return new Map(store.rows.map((row) => [row.request_id, row]));
}

export function chargesByRequest(store: StoreSnapshot): Map<string, StoredCharge[]> {
  const byRequest = new Map<string, StoredCharge[]>();
  for (const charge of store.charges)
    byRequest.set(charge.request_id, [...(byRequest.get(charge.request_id) ?? []), charge]);
  return byRequest;
}

// ---- Small tools ------------------------------------------------------------------------------

/** mulberry32: a tiny seeded PRNG, so a failing run's "random" moments can be replayed from its seed. */
export function seededRandom(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4_294_967_296;
  };
}

/** Polls `probe` until it returns something other than null/undefined/false; rejects past the deadline. */
export async function pollUntil<T>(
  what: string,
  probe: () => Promise<T | null | undefined | false>,
  timeoutMs = 20_000,
  intervalMs = 50,
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe();
    if (value !== null && value !== undefined && value !== false) return value;
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await delay(intervalMs);
  }
}
