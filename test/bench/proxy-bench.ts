// `npm run bench`: what Tollgate costs on top of a bare reverse proxy, on the request Claude Code sends.
// Starts the stand-in upstream, a bare undici pass-through proxy and Tollgate (virtual key, pricing,
// request log and content capture on) each in its own child process, then drives the upstream
// directly, the bare proxy and Tollgate with the same ~70 KB Claude-Code-shaped request, streamed and
// not, at light load (one request at a time) and at a throughput load, and prints req/s, p50/p99
// latency and proxy CPU per request, with Tollgate's ratio to the bare proxy against the targets.
//
//   npx tsx test/bench/proxy-bench.ts [--quick] [--profile] [--capture-off]
//
// --quick        shorter cases, for a smoke run
// --profile      runs Tollgate under --cpu-prof and prints where its CPU time went (slows Tollgate down)
// --capture-off  also measures a second Tollgate with content capture switched off
//
// The same file is the entry point of the child processes (`--role upstream|bare|tollgate`).
import { fork, type ChildProcess } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { availableParallelism, cpus, tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { fileURLToPath } from 'node:url';
import Database from 'better-sqlite3';
import { Pool } from 'undici';
import { startGateway } from '../../electron/gateway/gateway.js';
import { silentLogger } from '../../electron/gateway/logger.js';
import { logPageSchema } from '../../shared/schemas.js';
import { startStandIn } from '../support/upstream.js';
import { startBareProxy } from './bare-proxy.js';
import { claudeCodeRequest, REPLY_TEXT, type ClaudeCodeRequest } from './claude-code-request.js';

const UPSTREAM_API_KEY = 'sk-ant-api03-bench-upstream-key';
const THIS_FILE = fileURLToPath(import.meta.url);

const TARGET_THROUGHPUT_RATIO = 0.7;
const TARGET_ADDED_P50_MS = 1;

// ---- child processes ---------------------------------------------------------------------------------

type Role = 'upstream' | 'bare' | 'tollgate';

interface CpuTime {
  /** Microseconds of user + system CPU the process has used. */
  micros: number;
}

interface LogCount {
  rows: number;
  withContent: number;
  priced: number;
  success: number;
}

type ToChild = { id: number; type: 'cpu' | 'log-count' | 'close' };
type FromChild =
  | { type: 'ready'; url: string; adminToken: string | null }
  | { type: 'reply'; id: number; value: CpuTime | LogCount | null }
  | { type: 'failed'; message: string };

async function runRole(role: Role, upstreamUrl: string | undefined): Promise<void> {
  const send = (message: FromChild, then?: () => void): void => {
    if (!process.send) throw new Error('a bench role must be started by the bench, with an IPC channel');
    process.send(message, undefined, {}, () => then?.());
  };
  let url: string;
  let adminToken: string | null = null;
  let close: () => Promise<void>;
  let countLogs = (): LogCount | null => null;

  if (role === 'upstream') {
    const standIn = await startStandIn({ apiKey: UPSTREAM_API_KEY });
    // The stand-in records every request for tests to inspect; a benchmark would only accumulate them.
    const forget = setInterval(() => (standIn.requests.length = 0), 250);
    url = standIn.url;
    close = async () => {
      clearInterval(forget);
      await standIn.close();
    };
  } else if (role === 'bare') {
    if (!upstreamUrl) throw new Error('--upstream is required');
    const proxy = await startBareProxy({ upstreamUrl });
    url = proxy.url;
    close = () => proxy.close();
  } else {
    if (!upstreamUrl) throw new Error('--upstream is required');
    const dataDir = mkdtempSync(join(tmpdir(), 'tollgate-bench-'));
    const gateway = await startGateway({
      dataDir,
      port: 0,
      anthropicBaseUrl: upstreamUrl,
      env: { ANTHROPIC_API_KEY: UPSTREAM_API_KEY },
      logger: silentLogger,
    });
    url = gateway.url;
    adminToken = gateway.adminToken;
    countLogs = () => {
      gateway.context.requestLog.flush();
      const db = new Database(gateway.databaseFile, { readonly: true });
      try {
        const row = db
          .prepare<[], LogCount>(
            `SELECT count(*) AS rows,
                    (SELECT count(*) FROM request_content) AS withContent,
                    coalesce(sum(cost_micros > 0), 0) AS priced,
                    coalesce(sum(status = 'success'), 0) AS success
             FROM request_logs`,
          )
          .get();
        return row ?? null;
      } finally {
        db.close();
      }
    };
    close = async () => {
      await gateway.close();
      rmSync(dataDir, { recursive: true, force: true });
    };
  }

  process.on('message', (message: ToChild) => {
    const reply = (value: CpuTime | LogCount | null, then?: () => void): void =>
      send({ type: 'reply', id: message.id, value }, then);
    if (message.type === 'cpu') {
      const usage = process.cpuUsage();
      reply({ micros: usage.user + usage.system });
    } else if (message.type === 'log-count') {
      reply(countLogs());
    } else {
      // Exit rather than wait for the IPC channel to close, so --cpu-prof writes its profile now.
      void close().then(() => reply(null, () => process.exit(0)));
    }
  });
  // If the bench dies without stopping us, do not linger holding a port.
  process.once('disconnect', () => void close().finally(() => process.exit(0)));
  send({ type: 'ready', url, adminToken });
}

class Child {
  private nextId = 1;
  private exitCode: number | null | undefined = undefined;
  private readonly pending = new Map<
    number,
    { resolve: (value: CpuTime | LogCount | null) => void; reject: (error: Error) => void }
  >();

  private constructor(
    readonly role: Role,
    readonly proc: ChildProcess,
    readonly url: string,
    readonly adminToken: string | null,
  ) {
    proc.on('message', (message: FromChild) => {
      if (message.type !== 'reply') return;
      this.pending.get(message.id)?.resolve(message.value);
      this.pending.delete(message.id);
    });
    // A child that dies mid-run must fail the bench, not leave it waiting for an answer.
    proc.once('exit', (code) => {
      this.exitCode = code;
      for (const { reject } of this.pending.values()) reject(this.exitError());
      this.pending.clear();
    });
  }

  private exitError(): Error {
    return new Error(`the ${this.role} process exited (code ${String(this.exitCode)}) while the bench needed it`);
  }

  static start(role: Role, args: string[], nodeOptions: string[] = []): Promise<Child> {
    const child = fork(THIS_FILE, ['--role', role, ...args], {
      execArgv: ['--import', import.meta.resolve('tsx'), ...nodeOptions],
      stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
    });
    return new Promise((resolve, reject) => {
      const timeout = setTimeout(() => fail(new Error(`${role} did not start within 30 s`)), 30_000);
      const fail = (error: Error): void => {
        clearTimeout(timeout);
        child.kill();
        reject(error);
      };
      child.once('exit', (code) => fail(new Error(`${role} exited with code ${String(code)} before it was ready`)));
      child.on('message', (message: FromChild) => {
        if (message.type === 'failed') fail(new Error(`${role}: ${message.message}`));
        if (message.type !== 'ready') return;
        clearTimeout(timeout);
        child.removeAllListeners('exit');
        resolve(new Child(role, child, message.url, message.adminToken));
      });
    });
  }

  private ask(type: ToChild['type']): Promise<CpuTime | LogCount | null> {
    if (this.exitCode !== undefined) return Promise.reject(this.exitError());
    const id = this.nextId++;
    return new Promise((resolve, reject) => {
      this.pending.set(id, { resolve, reject });
      this.proc.send({ id, type } satisfies ToChild, (error) => {
        if (error) reject(error);
      });
    });
  }

  async cpuMicros(): Promise<number> {
    const value = await this.ask('cpu');
    if (value === null || !('micros' in value)) throw new Error(`${this.role} did not report its CPU time`);
    return value.micros;
  }

  async logCount(): Promise<LogCount> {
    const value = await this.ask('log-count');
    if (value === null || !('rows' in value)) throw new Error(`${this.role} did not report its log count`);
    return value;
  }

  /** Asks the child to shut down cleanly (Tollgate drains its log queue) and waits for it to exit. */
  async stop(): Promise<void> {
    if (this.exitCode !== undefined) return;
    const exited = new Promise<void>((resolve) => this.proc.once('exit', () => resolve()));
    // The child exits right after answering, so the answer and the exit may arrive in either order.
    this.ask('close').catch(() => undefined);
    await exited;
  }
}

// ---- load ------------------------------------------------------------------------------------------

type Mode = 'json' | 'stream';

interface Target {
  name: string;
  url: string;
  credential: string;
  /** The proxy process whose CPU time is charged to the request, if any. */
  proxy: Child | null;
  /** Set for Tollgate targets: compared with the bare proxy, and their request log is checked. */
  tollgate: boolean;
  sent: number;
}

interface CaseResult {
  target: Target;
  mode: Mode;
  concurrency: number;
  requests: number;
  errors: number;
  seconds: number;
  rps: number;
  p50: number;
  p99: number;
  /** Proxy CPU per request in milliseconds, when there is a proxy. */
  proxyCpuMs: number | null;
  /** Upstream CPU per request in milliseconds. */
  upstreamCpuMs: number;
}

interface Shot {
  ms: number;
  ok: boolean;
  text: string | null;
}

async function shoot(pool: Pool, request: ClaudeCodeRequest, keepText: boolean): Promise<Shot> {
  const started = performance.now();
  try {
    const { statusCode, body } = await pool.request({
      path: request.path,
      method: 'POST',
      headers: request.headers,
      body: request.body,
    });
    // Latency is the time to the whole answer, streamed or not.
    const chunks: Buffer[] = [];
    let bytes = 0;
    for await (const chunk of body as AsyncIterable<Buffer>) {
      bytes += chunk.length;
      if (keepText || statusCode !== 200) chunks.push(chunk);
    }
    const ms = performance.now() - started;
    const text = chunks.length ? Buffer.concat(chunks).toString('utf8') : null;
    if (statusCode !== 200) process.stderr.write(`  HTTP ${statusCode}: ${text?.slice(0, 300) ?? ''}\n`);
    return { ms, ok: statusCode === 200 && bytes > 0, text };
  } catch (error) {
    process.stderr.write(`  request failed: ${error instanceof Error ? error.message : String(error)}\n`);
    return { ms: performance.now() - started, ok: false, text: null };
  }
}

/** Checks that a target really answers the fixture with the stand-in's reply, in the right framing. */
function checkAnswer(target: Target, mode: Mode, shot: Shot): void {
  const text = shot.text ?? '';
  const complete =
    mode === 'json'
      ? text.includes('"type":"message"') && text.includes(JSON.stringify(REPLY_TEXT).slice(1, 40))
      : text.startsWith('event: message_start') && text.includes('event: message_stop');
  if (!shot.ok || !complete) throw new Error(`${target.name} (${mode}) answered unexpectedly: ${text.slice(0, 300)}`);
}

/** Keeps `concurrency` requests in flight for `ms`; returns how many failed. */
async function drive(
  pool: Pool,
  request: ClaudeCodeRequest,
  target: Target,
  concurrency: number,
  ms: number,
  latencies: number[] | null,
): Promise<number> {
  let errors = 0;
  const until = performance.now() + ms;
  await Promise.all(
    Array.from({ length: concurrency }, async () => {
      while (performance.now() < until) {
        target.sent++;
        const shot = await shoot(pool, request, false);
        if (!shot.ok) errors++;
        else latencies?.push(shot.ms);
      }
    }),
  );
  return errors;
}

/**
 * Measures every target at one mode and concurrency. The measured time is split into short rounds that
 * alternate between the targets, so a burst of background load on the shared CPUs lands on all of them
 * rather than on whichever happened to be running.
 */
async function runGroup(
  targets: Target[],
  upstream: Child,
  mode: Mode,
  concurrency: number,
  timing: { warmupMs: number; rounds: number; roundMs: number },
): Promise<CaseResult[]> {
  const lanes = targets.map((target) => ({
    target,
    request: claudeCodeRequest({ stream: mode === 'stream', credential: target.credential }),
    pool: new Pool(target.url, { connections: concurrency, pipelining: 1, keepAliveTimeout: 30_000 }),
    latencies: [] as number[],
    errors: 0,
    seconds: 0,
    proxyMicros: 0,
    upstreamMicros: 0,
  }));
  try {
    for (const lane of lanes) {
      lane.target.sent++;
      checkAnswer(lane.target, mode, await shoot(lane.pool, lane.request, true));
      await drive(lane.pool, lane.request, lane.target, concurrency, timing.warmupMs, null);
    }
    for (let round = 0; round < timing.rounds; round++) {
      for (let i = 0; i < lanes.length; i++) {
        const lane = lanes[(round + i) % lanes.length];
        if (!lane) continue;
        const proxyBefore = (await lane.target.proxy?.cpuMicros()) ?? 0;
        const upstreamBefore = await upstream.cpuMicros();
        const started = performance.now();
        lane.errors += await drive(lane.pool, lane.request, lane.target, concurrency, timing.roundMs, lane.latencies);
        lane.seconds += (performance.now() - started) / 1000;
        lane.proxyMicros += lane.target.proxy ? (await lane.target.proxy.cpuMicros()) - proxyBefore : 0;
        lane.upstreamMicros += (await upstream.cpuMicros()) - upstreamBefore;
      }
    }
  } finally {
    await Promise.all(lanes.map((lane) => lane.pool.close()));
  }
  return lanes.map((lane) => {
    const sorted = lane.latencies.sort((a, b) => a - b);
    const requests = sorted.length;
    return {
      target: lane.target,
      mode,
      concurrency,
      requests,
      errors: lane.errors,
      seconds: lane.seconds,
      rps: requests / lane.seconds,
      p50: percentile(sorted, 0.5),
      p99: percentile(sorted, 0.99),
      proxyCpuMs: lane.target.proxy && requests > 0 ? lane.proxyMicros / requests / 1000 : null,
      upstreamCpuMs: requests > 0 ? lane.upstreamMicros / requests / 1000 : 0,
    };
  });
}

/** Nearest-rank percentile of sorted values. */
function percentile(sorted: readonly number[], q: number): number {
  if (sorted.length === 0) return Number.NaN;
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil(q * sorted.length) - 1))] ?? Number.NaN;
}

// ---- Tollgate set-up and checks ----------------------------------------------------------------------

async function adminCall(gateway: Child, method: string, path: string, body?: unknown): Promise<unknown> {
  const response = await fetch(gateway.url + path, {
    method,
    headers: { authorization: `Bearer ${gateway.adminToken ?? ''}`, 'content-type': 'application/json' },
    ...(body !== undefined && { body: JSON.stringify(body) }),
  });
  const text = await response.text();
  if (!response.ok) throw new Error(`${method} ${path} answered ${response.status}: ${text}`);
  return JSON.parse(text) as unknown;
}

async function createVirtualKey(gateway: Child): Promise<string> {
  const created = await adminCall(gateway, 'POST', '/api/governance/virtual-keys', { name: 'bench' });
  const key = isRecord(created) && isRecord(created.virtual_key) ? created.virtual_key.value : undefined;
  if (typeof key !== 'string') throw new Error(`creating a virtual key answered ${JSON.stringify(created)}`);
  return key;
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

// ---- report ----------------------------------------------------------------------------------------

const fmt = (value: number, digits = 2): string => (Number.isFinite(value) ? value.toFixed(digits) : '—');

function printTable(results: CaseResult[], bareTarget: Target): void {
  const header = [
    'mode',
    'conc',
    'target',
    'req/s',
    'p50 ms',
    'p99 ms',
    'proxy CPU ms/req',
    'upstream CPU ms/req',
    'vs bare',
  ];
  const rows = results.map((r) => {
    let versus = '';
    if (r.target.tollgate) {
      const bare = results.find((b) => b.target === bareTarget && b.mode === r.mode && b.concurrency === r.concurrency);
      if (bare) {
        const cpu =
          r.proxyCpuMs !== null && bare.proxyCpuMs !== null ? ` · CPU ${fmt(r.proxyCpuMs / bare.proxyCpuMs)}×` : '';
        versus = `${fmt(r.rps / bare.rps)}× req/s · p50 ${r.p50 - bare.p50 >= 0 ? '+' : ''}${fmt(r.p50 - bare.p50, 3)} ms${cpu}`;
      }
    }
    return [
      r.mode,
      String(r.concurrency),
      r.target.name,
      fmt(r.rps, 0),
      fmt(r.p50, 3),
      fmt(r.p99, 3),
      r.proxyCpuMs === null ? '—' : fmt(r.proxyCpuMs, 3),
      fmt(r.upstreamCpuMs, 3),
      versus,
    ];
  });
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((row) => (row[i] ?? '').length)));
  const line = (cells: string[]): string =>
    cells.map((cell, i) => (i >= 3 && i <= 7 ? cell.padStart(widths[i] ?? 0) : cell.padEnd(widths[i] ?? 0))).join('  ');
  console.log(line(header));
  console.log(widths.map((w) => '-'.repeat(w)).join('  '));
  let previous = '';
  for (const row of rows) {
    const group = `${row[0] ?? ''}/${row[1] ?? ''}`;
    if (previous && group !== previous) console.log('');
    previous = group;
    console.log(line(row));
  }
}

/** Self time per function and per file from a V8 .cpuprofile, for finding the hot spot. */
function printProfile(dir: string): void {
  const file = readdirSync(dir).find((name) => name.endsWith('.cpuprofile'));
  if (!file) {
    console.log('  (no profile was written)');
    return;
  }
  const profile = JSON.parse(readFileSync(join(dir, file), 'utf8')) as {
    nodes: { id: number; hitCount?: number; callFrame: { functionName: string; url: string; lineNumber: number } }[];
  };
  // Idle time says nothing about cost; shares are of the time Tollgate's thread was busy.
  const busy = profile.nodes.filter((node) => node.callFrame.functionName !== '(idle)');
  const total = busy.reduce((sum, node) => sum + (node.hitCount ?? 0), 0);
  const byFunction = new Map<string, number>();
  const byFile = new Map<string, number>();
  for (const node of busy) {
    const hits = node.hitCount ?? 0;
    if (hits === 0) continue;
    const { functionName, url, lineNumber } = node.callFrame;
    const where = url.replace(/^file:\/\//, '').replace(process.cwd() + '/', '');
    const fn = url ? `${functionName || '(anonymous)'}  ${where}:${lineNumber + 1}` : functionName || '(native)';
    byFunction.set(fn, (byFunction.get(fn) ?? 0) + hits);
    const module = url
      ? where.replace(/node_modules\/(@[^/]+\/[^/]+|[^/]+)\/.*/, 'node_modules/$1')
      : functionName || '(native)';
    byFile.set(module, (byFile.get(module) ?? 0) + hits);
  }
  const top = (map: Map<string, number>, n: number): void => {
    for (const [name, hits] of [...map].sort((a, b) => b[1] - a[1]).slice(0, n)) {
      console.log(`  ${fmt((100 * hits) / total, 1).padStart(5)}%  ${name}`);
    }
  };
  console.log(`Tollgate CPU profile (${total} busy samples; ${join(dir, file)}): share of busy time by file or module`);
  top(byFile, 15);
  console.log('…and by function (line numbers are of the tsx-compiled code):');
  top(byFunction, 25);
}

// ---- main ------------------------------------------------------------------------------------------

async function bench(quick: boolean, profile: boolean, captureOff: boolean): Promise<number> {
  const timing = quick ? { warmupMs: 300, rounds: 3, roundMs: 500 } : { warmupMs: 750, rounds: 5, roundMs: 1000 };
  /** Before anything is measured, so each process has compiled its hot path (the first case ran slow without it). */
  const jitMs = quick ? 500 : 2000;
  const concurrencyLevels = [1, 16];
  const modes: Mode[] = ['json', 'stream'];
  const profileDir = profile ? mkdtempSync(join(tmpdir(), 'tollgate-bench-profile-')) : null;

  const sample = claudeCodeRequest({ stream: false, credential: 'x' });
  const tools = Array.isArray(sample.json.tools) ? sample.json.tools.length : 0;
  console.log('Tollgate proxy benchmark');
  console.log(
    `  machine: ${availableParallelism()} CPU(s) (${cpus()[0]?.model.trim() ?? 'unknown'}), Node ${process.version}` +
      `${quick ? ', --quick' : ''}${profile ? ', --profile (Tollgate runs under --cpu-prof: slower)' : ''}`,
  );
  console.log(
    '  processes: this one generates load (undici Pool); the stand-in upstream, the bare proxy and Tollgate\n' +
      '             each run in their own child process on loopback, sharing the same CPUs',
  );
  console.log(
    `  request: POST /v1/messages?beta=true, ${sample.body.length} bytes of JSON, ${tools} tools, Claude Code headers;` +
      ` reply ~${REPLY_TEXT.length} chars of text (about 35 SSE events when streamed)`,
  );
  console.log(
    '  Tollgate: fresh data dir, virtual key, pricing, request log and content capture on (the defaults)\n' +
      '  bare proxy: node:http + undici Agent keep-alive pool, relays bytes with backpressure, nothing else',
  );
  console.log(
    `  each case: ${timing.warmupMs} ms warm-up, then ${timing.rounds} rounds of ${timing.roundMs} ms per target at fixed\n` +
      '  concurrency, the targets taking turns; latency = time from sending the request to reading the whole body\n',
  );

  const upstream = await Child.start('upstream', []);
  const children: Child[] = [upstream];
  try {
    const bare = await Child.start('bare', ['--upstream', upstream.url]);
    children.push(bare);
    const startTollgate = async (profiled: boolean): Promise<{ child: Child; key: string }> => {
      const child = await Child.start(
        'tollgate',
        ['--upstream', upstream.url],
        profiled && profileDir ? ['--cpu-prof', `--cpu-prof-dir=${profileDir}`] : [],
      );
      children.push(child);
      return { child, key: await createVirtualKey(child) };
    };
    const tollgate = await startTollgate(true);

    const bareTarget: Target = {
      name: 'bare proxy',
      url: bare.url,
      credential: UPSTREAM_API_KEY,
      proxy: bare,
      tollgate: false,
      sent: 0,
    };
    const tollgateTarget: Target = {
      name: 'Tollgate',
      url: tollgate.child.url,
      credential: tollgate.key,
      proxy: tollgate.child,
      tollgate: true,
      sent: 0,
    };
    const targets: Target[] = [
      {
        name: 'upstream (direct)',
        url: upstream.url,
        credential: UPSTREAM_API_KEY,
        proxy: null,
        tollgate: false,
        sent: 0,
      },
      bareTarget,
      tollgateTarget,
    ];
    if (captureOff) {
      // Same gateway with content capture switched off, to show what capture costs.
      const plain = await startTollgate(false);
      await adminCall(plain.child, 'PUT', '/api/config', { client_config: { capture_content: false } });
      targets.push({
        name: 'Tollgate, capture off',
        url: plain.child.url,
        credential: plain.key,
        proxy: plain.child,
        tollgate: true,
        sent: 0,
      });
    }

    // Let every process compile its hot path, for both framings, before anything is measured.
    for (const mode of modes) await runGroup(targets, upstream, mode, 4, { warmupMs: jitMs, rounds: 0, roundMs: 0 });

    const results: CaseResult[] = [];
    for (const mode of modes) {
      for (const concurrency of concurrencyLevels) {
        process.stderr.write(`  measuring ${mode} at concurrency ${concurrency}…\n`);
        results.push(...(await runGroup(targets, upstream, mode, concurrency, timing)));
      }
    }

    console.log('');
    printTable(results, bareTarget);

    let failed = false;
    const errors = results.reduce((sum, r) => sum + r.errors, 0);
    if (errors > 0) {
      console.log(`\nERROR: ${errors} request(s) failed or answered non-200 during measurement`);
      failed = true;
    }

    console.log('\nTargets (informational):');
    const pick = (target: Target, mode: Mode, concurrency: number): CaseResult | undefined =>
      results.find((r) => r.target === target && r.mode === mode && r.concurrency === concurrency);
    const throughputLevel = Math.max(...concurrencyLevels);
    for (const mode of modes) {
      const t = pick(tollgateTarget, mode, throughputLevel);
      const b = pick(bareTarget, mode, throughputLevel);
      if (!t || !b) continue;
      const ratio = t.rps / b.rps;
      const cpu = t.proxyCpuMs !== null && b.proxyCpuMs !== null ? b.proxyCpuMs / t.proxyCpuMs : Number.NaN;
      console.log(
        `  ${ratio >= TARGET_THROUGHPUT_RATIO ? 'PASS' : 'MISS'}  throughput, ${mode}, c=${throughputLevel}: Tollgate ${fmt(t.rps, 0)} req/s = ` +
          `${fmt(ratio)}× the bare proxy's ${fmt(b.rps, 0)} (target ≥ ${TARGET_THROUGHPUT_RATIO}×)`,
      );
      console.log(
        `        proxy-bound capacity (1 / CPU per request, as if the upstream were remote): ${fmt(cpu)}× ` +
          `(Tollgate ${fmt(t.proxyCpuMs ?? Number.NaN, 3)} ms vs bare ${fmt(b.proxyCpuMs ?? Number.NaN, 3)} ms of CPU per request)`,
      );
    }
    for (const mode of modes) {
      const t = pick(tollgateTarget, mode, 1);
      const b = pick(bareTarget, mode, 1);
      if (!t || !b) continue;
      const added = t.p50 - b.p50;
      console.log(
        `  ${added < TARGET_ADDED_P50_MS ? 'PASS' : 'MISS'}  added p50 latency, ${mode}, c=1: ${fmt(added, 3)} ms ` +
          `(Tollgate ${fmt(t.p50, 3)} ms − bare ${fmt(b.p50, 3)} ms; target < ${TARGET_ADDED_P50_MS} ms)`,
      );
    }

    console.log('');
    for (const target of targets) {
      if (!target.tollgate || !target.proxy) continue;
      const logs = await target.proxy.logCount();
      const everyRow = logs.rows === target.sent;
      if (!everyRow) failed = true;
      console.log(
        `${target.name} request log: ${logs.rows} rows for ${target.sent} requests sent ` +
          `(${logs.success} success, ${logs.priced} priced, ${logs.withContent} with captured content)` +
          `${everyRow ? '' : '  ERROR: every request should have exactly one row'}`,
      );
      const latest = logPageSchema.parse(await adminCall(target.proxy, 'GET', '/api/logs?limit=1')).logs[0];
      if (latest) {
        console.log(
          `  latest row: ${latest.model ?? '?'}, session ${latest.session_id ?? '?'}, key "${latest.virtual_key_name ?? '?'}", ` +
            `${latest.input_tokens} in / ${latest.cache_read_input_tokens} cache read / ${latest.output_tokens} out, ` +
            `$${latest.cost.toFixed(6)} at ${latest.price_version ?? 'no price'}, content ${latest.has_content ? 'captured' : 'not captured'}`,
        );
      }
    }

    for (const child of children.splice(0).reverse()) await child.stop();
    if (profileDir) {
      console.log('');
      printProfile(profileDir);
    }
    return failed ? 1 : 0;
  } finally {
    for (const child of children) child.proc.kill();
  }
}

async function main(): Promise<void> {
  const args = process.argv.slice(2);
  const option = (name: string): string | undefined => {
    const index = args.indexOf(name);
    return index >= 0 ? args[index + 1] : undefined;
  };
  const role = option('--role');
  if (role === 'upstream' || role === 'bare' || role === 'tollgate') {
    await runRole(role, option('--upstream')).catch((error: unknown) => {
      process.send?.({
        type: 'failed',
        message: error instanceof Error ? error.message : String(error),
      } satisfies FromChild);
      throw error;
    });
    return;
  }
  if (role !== undefined) throw new Error(`unknown role ${role}`);
  process.exitCode = await bench(args.includes('--quick'), args.includes('--profile'), args.includes('--capture-off'));
}

main().catch((error: unknown) => {
  console.error(error);
  process.exitCode = 1;
});
