// The gateway's front door against hostile clients, over real sockets: a DNS-rebinding page in open
// mode, a throttled LAN address that keeps knocking on wrong paths, clients that send their headers
// or body a byte at a time or never speak at all, one address opening connections without end, and
// requests Node's HTTP parser refuses. What each is told (the Anthropic error shape wherever an answer
// is possible), what reaches the upstream (nothing), and what is logged or counted instead.
import { once } from 'node:events';
import { request as httpRequest, type IncomingHttpHeaders } from 'node:http';
import { connect, type Socket } from 'node:net';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { LogEntry } from '../../shared/schemas.js';
import type { GatewayOptions } from '../../electron/gateway/gateway.js';
import { connectionRefusals, type ConnectionRefusals } from '../../electron/gateway/server.js';
import { startTestGateway, type TestGateway } from '../support/gateway.js';

const MODEL = 'claude-sonnet-4-6';
const LAN_ADDRESS = '127.0.0.2';
/** A teammate's machine on the LAN; Linux answers on all of 127/8, so these stand in for 192.168.x.y. */
const PROBER = '127.0.0.3';
const NEIGHBOUR = '127.0.0.4';

let handle: TestGateway | null = null;
const sockets: Socket[] = [];

afterEach(async () => {
  for (const socket of sockets.splice(0)) socket.destroy();
  await handle?.close();
  handle = null;
});

/** A gateway sharing on LAN_ADDRESS over plain HTTP, so raw sockets can speak to it. */
async function startLan(gateway: Partial<GatewayOptions> = {}): Promise<TestGateway> {
  handle = await startTestGateway({
    gateway: { lan: { enabled: true, tls: false, address: LAN_ADDRESS, port: 0 }, ...gateway },
  });
  return handle;
}

function lanUrl(gw: TestGateway): string {
  const [url] = gw.gateway.lan.status().urls;
  if (!url) throw new Error(`not listening on the LAN: ${JSON.stringify(gw.gateway.lan.status())}`);
  return url;
}

function loopbackRefusals(gw: TestGateway): ConnectionRefusals {
  const refusals = connectionRefusals(gw.gateway.server);
  if (!refusals) throw new Error('the loopback server is not guarded');
  return refusals;
}

const body = (text: string): string =>
  JSON.stringify({ model: MODEL, max_tokens: 64, messages: [{ role: 'user', content: `REPLY WITH: ${text}` }] });

interface Answer {
  status: number;
  headers: IncomingHttpHeaders;
  text: string;
  json<T = unknown>(): T;
}

/** One request on a fresh connection with full control of Host and the client's own address. */
function call(
  base: string,
  path: string,
  options: { method?: string; headers?: Record<string, string>; body?: string; localAddress?: string } = {},
): Promise<Answer> {
  return new Promise((resolve, reject) => {
    const req = httpRequest(
      new URL(path, base),
      {
        method: options.method ?? 'GET',
        headers: { ...(options.body !== undefined && { 'content-type': 'application/json' }), ...options.headers },
        agent: false,
        ...(options.localAddress !== undefined && { localAddress: options.localAddress }),
      },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (chunk: Buffer) => chunks.push(chunk));
        res.on('end', () => {
          const text = Buffer.concat(chunks).toString('utf8');
          resolve({ status: res.statusCode ?? 0, headers: res.headers, text, json: <T>() => JSON.parse(text) as T });
        });
        res.on('error', reject);
      },
    );
    req.on('error', reject);
    req.end(options.body);
  });
}

const inference = (
  key: string | null,
  text = 'hello',
): { method: string; headers: Record<string, string>; body: string } => ({
  method: 'POST',
  headers: { 'anthropic-version': '2023-06-01', ...(key !== null && { 'x-api-key': key }) },
  body: body(text),
});

/** GET /metrics on loopback, where it is open to the local scraper: its lines. */
async function scrape(gw: TestGateway): Promise<string[]> {
  const answer = await call(gw.url, '/metrics');
  expect(answer.status).toBe(200);
  return answer.text.split('\n');
}

const refusalLine = (listener: 'local' | 'lan', reason: string, count: number): string =>
  `tollgate_connection_refusals_total{listener="${listener}",reason="${reason}"} ${count}`;

async function logRows(gw: TestGateway): Promise<LogEntry[]> {
  const { status, body: answer } = await gw.admin<{ logs: LogEntry[] }>('GET', '/api/logs?limit=1000');
  expect(status).toBe(200);
  return answer.logs;
}

/** Polls the log until `predicate` picks a row (rows are written in small batches). */
async function waitForRow(gw: TestGateway, predicate: (row: LogEntry) => boolean, what: string): Promise<LogEntry[]> {
  const deadline = Date.now() + 5_000;
  for (;;) {
    const rows = await logRows(gw);
    if (rows.some(predicate)) return rows;
    if (Date.now() > deadline) throw new Error(`no log row ${what} within 5 s`);
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}

/** A raw connection: what it received, and whether the gateway closed it. */
interface RawConnection {
  socket: Socket;
  received(): string;
  /** Resolves once the connection is closed, with everything received on it. */
  closed: Promise<string>;
}

async function openRaw(port: number, host = '127.0.0.1', localAddress?: string): Promise<RawConnection> {
  const socket = connect({ port, host, ...(localAddress !== undefined && { localAddress }) });
  sockets.push(socket);
  let received = '';
  socket.on('data', (chunk: Buffer) => (received += chunk.toString('latin1')));
  // A server that answers and closes while the client is still sending may reset the connection.
  socket.on('error', () => undefined);
  const closed = once(socket, 'close').then(() => received);
  await once(socket, 'connect');
  return { socket, received: () => received, closed };
}

/** Sends `payload` on a fresh connection and returns everything received until the gateway closes it. */
async function exchangeRaw(port: number, payload: string | Buffer): Promise<string> {
  const raw = await openRaw(port);
  raw.socket.write(payload);
  return raw.closed;
}

/** Splits a raw HTTP response; fails unless it is one whole response with an Anthropic error body. */
function parseRawAnswer(text: string): { status: number; headers: Record<string, string>; error: unknown } {
  const split = text.indexOf('\r\n\r\n');
  expect(split, `a whole HTTP response, not ${JSON.stringify(text.slice(0, 200))}`).toBeGreaterThan(0);
  const [statusLine = '', ...headerLines] = text.slice(0, split).split('\r\n');
  const status = Number(/^HTTP\/1\.1 (\d{3}) /.exec(statusLine)?.[1]);
  const headers = Object.fromEntries(
    headerLines.map((line) => {
      const colon = line.indexOf(':');
      return [line.slice(0, colon).trim().toLowerCase(), line.slice(colon + 1).trim()];
    }),
  );
  const content = text.slice(split + 4);
  expect(headers['content-type']).toBe('application/json');
  expect(Buffer.byteLength(content, 'latin1')).toBe(Number(headers['content-length']));
  return { status, headers, error: JSON.parse(content) };
}

/** Writes `text` one byte every `everyMs` until the connection closes; resolves how many bytes went out. */
function trickle(socket: Socket, text: string, everyMs = 150): Promise<number> {
  return new Promise((resolve) => {
    let sent = 0;
    const timer = setInterval(() => {
      if (socket.destroyed || !socket.writable || sent >= text.length) {
        clearInterval(timer);
        resolve(sent);
        return;
      }
      socket.write(text.slice(sent, sent + 1));
      sent++;
    }, everyMs);
    socket.once('close', () => {
      clearInterval(timer);
      resolve(sent);
    });
  });
}

/** Sets TOLLGATE_* variables for the tests of one block; listeners read them as they start. */
function withEnvironment(values: Record<string, string>): void {
  const saved: Record<string, string | undefined> = {};
  beforeEach(() => {
    for (const [name, value] of Object.entries(values)) {
      saved[name] = process.env[name];
      process.env[name] = value;
    }
  });
  afterEach(() => {
    for (const name of Object.keys(values)) {
      if (saved[name] === undefined) delete process.env[name];
      else process.env[name] = saved[name];
    }
  });
}

describe('open mode on loopback (virtual keys not required)', () => {
  it('refuses a proxied request whose Host does not name the gateway with 403 wrong_host, logs it and forwards nothing, and serves the loopback Hosts', async () => {
    const gw = (handle = await startTestGateway());
    const port = new URL(gw.url).port;
    const open = await gw.admin('PUT', '/api/config', { client_config: { enforce_auth_on_inference: false } });
    expect(open.status).toBe(200);

    // A page on evil.example that got the browser to resolve its name to 127.0.0.1.
    const rebound = await call(gw.url, '/v1/messages', {
      ...inference(null),
      headers: { ...inference(null).headers, host: `evil.example:${port}` },
    });
    expect(rebound.status).toBe(403);
    expect(rebound.headers['x-should-retry']).toBe('false');
    expect(rebound.json()).toMatchObject({
      type: 'error',
      error: {
        type: 'permission_error',
        message: expect.stringContaining(`"evil.example:${port}"`) as unknown,
      },
    });
    expect(rebound.json<{ error: { message: string } }>().error.message).toContain(`127.0.0.1:${port}`);
    const models = await call(gw.url, '/v1/models', { headers: { host: 'evil.example' } });
    expect(models.status).toBe(403);
    expect(gw.upstream.requests).toEqual([]);

    const refused = await waitForRow(gw, (row) => row.path === '/v1/models', 'for the refused GET /v1/models');
    expect(refused).toHaveLength(2);
    for (const row of refused) {
      expect(row).toMatchObject({
        status: 'blocked',
        status_code: 403,
        refusal_reason: 'wrong_host',
        error_type: 'permission_error',
      });
    }

    // What Claude Code and the SDKs send: the address they connect to, with its port.
    const hosts = [`127.0.0.1:${port}`, `localhost:${port}`, `[::1]:${port}`, 'localhost'];
    for (const host of hosts) {
      const served = await call(gw.url, '/v1/messages', {
        ...inference(null, host),
        headers: { ...inference(null).headers, host },
      });
      expect(served.status, host).toBe(200);
    }
    expect(gw.upstream.messageRequests()).toHaveLength(hosts.length);
  });
});

describe('a throttled address on the LAN', () => {
  it("answers a throttled address's wrong paths and methods with 429 before routing them, and counts them instead of writing a row each", async () => {
    const gw = await startLan();
    const key = await gw.createKey('teammate laptop');
    const url = lanUrl(gw);
    const prober = { localAddress: PROBER };

    for (let attempt = 0; attempt < 10; attempt++) {
      const answer = await call(url, '/v1/messages', { ...inference(`sk-tg-guess-${attempt}`), ...prober });
      expect(answer.status, `attempt ${attempt + 1}`).toBe(401);
    }
    await waitForRow(gw, () => true, 'for the failed keys');

    // 12 KB of headers each: as rows, a hundred of these would add megabytes to the log.
    const padding = { 'x-padding': 'p'.repeat(12 * 1024) };
    const wrong = [
      { method: 'GET', path: '/v1/messages' },
      { method: 'POST', path: '/v1/completions' },
      { method: 'DELETE', path: '/v1/models' },
      { method: 'PUT', path: '/anthropic/v1/messages/count_tokens' },
      { method: 'GET', path: '/nowhere' },
    ];
    for (let attempt = 0; attempt < 100; attempt++) {
      const { method, path } = wrong[attempt % wrong.length] ?? { method: 'GET', path: '/' };
      const answer = await call(url, path, { method, headers: padding, ...prober });
      expect(answer.status, `${method} ${path}`).toBe(429);
      expect(answer.json()).toMatchObject({ type: 'error', error: { type: 'rate_limit_error' } });
      expect(Number(answer.headers['retry-after'])).toBeGreaterThan(0);
    }
    expect(gw.gateway.context.keyFailures.refusedWhileThrottled).toBe(100);

    // A real request from there leaves one row saying why it was turned away; the next ones do not.
    for (let attempt = 0; attempt < 3; attempt++) {
      expect((await call(url, '/v1/messages', { ...inference(key.value), ...prober })).status).toBe(429);
    }
    expect(gw.gateway.context.keyFailures.refusedWhileThrottled).toBe(103);
    expect(await scrape(gw)).toContain('tollgate_throttled_refusals_total 103');

    // Another machine is not throttled: its wrong method is refused and logged as ever.
    const neighbour = await call(url, '/v1/messages', { method: 'GET', localAddress: NEIGHBOUR });
    expect(neighbour.status).toBe(405);
    const rows = await waitForRow(gw, (row) => row.status_code === 405, 'for the neighbour');
    expect(rows).toHaveLength(12);
    expect(rows.filter((row) => row.refusal_reason === 'key_unknown')).toHaveLength(10);
    expect(rows.filter((row) => row.refusal_reason === 'address_throttled')).toMatchObject([
      { status: 'blocked', status_code: 429, path: '/v1/messages' },
    ]);
    expect(gw.upstream.requests).toEqual([]);
  });
});

describe('slow and idle clients', () => {
  withEnvironment({
    TOLLGATE_HEADERS_TIMEOUT: '0.4',
    TOLLGATE_BODY_TIMEOUT: '0.4',
    TOLLGATE_IDLE_TIMEOUT: '0.5',
  });

  it('cuts a client that sends its headers a byte every 150 ms with a 408 once the headers timeout passes, while another connection is served', async () => {
    const gw = (handle = await startTestGateway());
    const key = await gw.createKey('slow headers');
    const headers = `POST /v1/messages HTTP/1.1\r\nHost: 127.0.0.1:${gw.gateway.port}\r\nx-api-key: ${key.value}\r\ncontent-type: application/json\r\ncontent-length: 2\r\n\r\n{}`;

    const slow = await openRaw(gw.gateway.port);
    const sending = trickle(slow.socket, headers);
    const served = await call(gw.url, '/v1/messages', inference(key.value, 'meanwhile'));
    expect(served.status).toBe(200);

    const sent = await sending;
    const answer = parseRawAnswer(await slow.closed);
    // At one byte every 150 ms the headers would take half a minute; the gateway cut them off long before.
    expect(sent).toBeLessThan(headers.length / 2);
    expect(answer.status).toBe(408);
    expect(answer.headers.connection).toBe('close');
    expect(answer.error).toMatchObject({
      type: 'error',
      error: { type: 'timeout_error', message: expect.stringContaining('0.4 s') as unknown },
    });
    expect(loopbackRefusals(gw).headersTimedOut).toBe(1);
    expect(await scrape(gw)).toContain(refusalLine('local', 'headers_timeout', 1));
    expect(gw.upstream.messageRequests()).toHaveLength(1);
  });

  it('cuts a request whose body trickles in a byte every 150 ms with a 408, while another connection is served', async () => {
    const gw = (handle = await startTestGateway());
    const key = await gw.createKey('slow body');
    const payload = body('x'.repeat(2_000));

    const slow = await openRaw(gw.gateway.port);
    slow.socket.write(
      `POST /v1/messages HTTP/1.1\r\nHost: 127.0.0.1:${gw.gateway.port}\r\nx-api-key: ${key.value}\r\n` +
        `content-type: application/json\r\ncontent-length: ${Buffer.byteLength(payload)}\r\n\r\n`,
    );
    const sending = trickle(slow.socket, payload);
    const served = await call(gw.url, '/v1/messages', inference(key.value, 'meanwhile'));
    expect(served.status).toBe(200);

    const sent = await sending;
    const answer = parseRawAnswer(await slow.closed);
    expect(sent).toBeLessThan(payload.length / 2);
    expect(answer.status).toBe(408);
    expect(answer.error).toMatchObject({
      type: 'error',
      error: { type: 'timeout_error', message: expect.stringContaining('stopped arriving') as unknown },
    });
    expect(loopbackRefusals(gw).bodiesStalled).toBe(1);
    expect(await scrape(gw)).toContain(refusalLine('local', 'body_stalled', 1));
    expect(gw.upstream.messageRequests()).toHaveLength(1);
    // Its handler saw the client go: the request is in the log, never forwarded.
    await waitForRow(gw, (row) => row.status === 'aborted', 'for the stalled request');
  });

  it('closes connections that never send a byte, and keep-alive connections left idle, once their timeouts pass', async () => {
    const gw = (handle = await startTestGateway());
    const silent = await Promise.all(Array.from({ length: 200 }, () => openRaw(gw.gateway.port)));
    // Closed without a word: a browser's preconnected socket is not sent an answer it never asked for.
    expect(await Promise.all(silent.map((connection) => connection.closed))).toEqual(Array<string>(200).fill(''));
    expect(loopbackRefusals(gw).silentClosed).toBe(200);
    expect(await scrape(gw)).toContain(refusalLine('local', 'idle_before_request', 200));

    const keptAlive = await openRaw(gw.gateway.port);
    keptAlive.socket.write(`GET /health HTTP/1.1\r\nHost: 127.0.0.1:${gw.gateway.port}\r\n\r\n`);
    const received = await keptAlive.closed;
    expect(received).toMatch(/^HTTP\/1\.1 200 OK\r\n/);
    expect(received.endsWith('{"status":"ok"}')).toBe(true);
  });
});

describe('connections per address on the LAN listener', () => {
  it('refuses the 65th connection one address holds open, and still serves its open connections and other addresses', async () => {
    const gw = await startLan();
    const port = Number(new URL(lanUrl(gw)).port);
    const held = [];
    for (let i = 0; i < 64; i++) held.push(await openRaw(port, LAN_ADDRESS, PROBER));

    const extra = await openRaw(port, LAN_ADDRESS, PROBER);
    expect(await extra.closed).toBe('');
    expect(gw.gateway.context.lan.refusals.overConnectionCap).toBe(1);
    expect(await scrape(gw)).toEqual(
      expect.arrayContaining([refusalLine('lan', 'connection_cap', 1), refusalLine('local', 'connection_cap', 0)]),
    );

    const [first] = held;
    if (!first) throw new Error('no connection held');
    first.socket.write(`GET /health HTTP/1.1\r\nHost: ${LAN_ADDRESS}:${port}\r\nconnection: close\r\n\r\n`);
    expect(await first.closed).toMatch(/^HTTP\/1\.1 200 OK\r\n/);
    expect((await call(lanUrl(gw), '/health', { localAddress: NEIGHBOUR })).status).toBe(200);

    // With one of its connections closed, the address may open another.
    const deadline = Date.now() + 5_000;
    for (;;) {
      const again = await call(lanUrl(gw), '/health', { localAddress: PROBER }).catch(() => null);
      if (again?.status === 200) break;
      if (Date.now() > deadline) throw new Error('the address got no connection back within 5 s');
      await new Promise((resolve) => setTimeout(resolve, 10));
    }
  });
});

describe("requests Node's HTTP parser refuses", () => {
  it('answers a 1 MB header line with 431 in the Anthropic error shape and counts it', async () => {
    const gw = (handle = await startTestGateway());
    const text = await exchangeRaw(
      gw.gateway.port,
      `GET /v1/models HTTP/1.1\r\nHost: 127.0.0.1\r\nx-huge: ${'h'.repeat(1024 * 1024)}\r\n\r\n`,
    );
    const answer = parseRawAnswer(text);
    expect(answer.status).toBe(431);
    expect(answer.headers['x-should-retry']).toBe('false');
    expect(answer.error).toMatchObject({
      type: 'error',
      error: { type: 'invalid_request_error', message: expect.stringContaining('headers are larger') as unknown },
    });
    expect(loopbackRefusals(gw).malformed.get('HPE_HEADER_OVERFLOW')).toBe(1);
    expect((await call(gw.url, '/health')).status).toBe(200);
  });

  it('answers a request with two Content-Length headers with 400 in the Anthropic error shape and counts it', async () => {
    const gw = (handle = await startTestGateway());
    const key = await gw.createKey('smuggler');
    const text = await exchangeRaw(
      gw.gateway.port,
      `POST /v1/messages HTTP/1.1\r\nHost: 127.0.0.1\r\nx-api-key: ${key.value}\r\ncontent-type: application/json\r\n` +
        'content-length: 2\r\ncontent-length: 40\r\n\r\n{}',
    );
    const answer = parseRawAnswer(text);
    expect(answer.status).toBe(400);
    expect(answer.error).toMatchObject({
      type: 'error',
      error: { type: 'invalid_request_error', message: expect.stringContaining('Content-Length') as unknown },
    });
    expect(loopbackRefusals(gw).malformed.get('HPE_UNEXPECTED_CONTENT_LENGTH')).toBe(1);
    expect(gw.upstream.requests).toEqual([]);
  });

  it('answers a chunked body with bad chunk framing with 400 in the Anthropic error shape and counts it', async () => {
    const gw = (handle = await startTestGateway());
    const key = await gw.createKey('bad framing');
    const text = await exchangeRaw(
      gw.gateway.port,
      `POST /v1/messages HTTP/1.1\r\nHost: 127.0.0.1\r\nx-api-key: ${key.value}\r\ncontent-type: application/json\r\n` +
        'transfer-encoding: chunked\r\n\r\nzz\r\n{}\r\n0\r\n\r\n',
    );
    const answer = parseRawAnswer(text);
    expect(answer.status).toBe(400);
    expect(answer.error).toMatchObject({
      type: 'error',
      error: { type: 'invalid_request_error', message: expect.stringContaining('chunk size') as unknown },
    });
    expect(loopbackRefusals(gw).malformed.get('HPE_INVALID_CHUNK_SIZE')).toBe(1);
    expect(loopbackRefusals(gw).malformedTotal).toBe(1);
    expect(gw.upstream.requests).toEqual([]);
  });

  it('counts the refusals in GET /metrics by listener and a fixed reason, never by Node error code', async () => {
    const gw = (handle = await startTestGateway());
    parseRawAnswer(
      await exchangeRaw(
        gw.gateway.port,
        `GET /v1/models HTTP/1.1\r\nHost: 127.0.0.1\r\nx-huge: ${'h'.repeat(1024 * 1024)}\r\n\r\n`,
      ),
    );
    parseRawAnswer(
      await exchangeRaw(
        gw.gateway.port,
        'POST /v1/messages HTTP/1.1\r\nHost: 127.0.0.1\r\ncontent-type: application/json\r\n' +
          'content-length: 2\r\ncontent-length: 40\r\n\r\n{}',
      ),
    );

    const lines = await scrape(gw);
    expect(lines).toContain('# TYPE tollgate_connection_refusals_total counter');
    expect(lines).toContain('# TYPE tollgate_throttled_refusals_total counter');
    expect(lines).toEqual(
      expect.arrayContaining([
        refusalLine('local', 'header_too_large', 1),
        refusalLine('local', 'malformed', 1),
        refusalLine('local', 'chunk_extensions_too_large', 0),
        refusalLine('lan', 'header_too_large', 0),
        'tollgate_throttled_refusals_total 0',
      ]),
    );
    const series = lines.filter((line) => line.startsWith('tollgate_connection_refusals_total{'));
    // Two listeners by seven reasons, whatever the parser reported.
    expect(series).toHaveLength(14);
    expect(series.join('\n')).not.toContain('HPE_');
  });
});
