// The HTTP front door: maps each URL to the proxy, the admin API, the log export, the dashboard's
// files, the self-service usage page, the CA certificate, health or metrics. The same routes answer
// with and without the `/anthropic` prefix so either base URL works for Claude Code. Two kinds of
// listener share this routing: the loopback one, and the LAN one (electron/lan), which answers only
// requests addressed to it by Host and serves the admin side only when remote admin is allowed.
// Below the routing, guardListener() holds each listener's line against hostile clients: headers,
// body and idle timeouts, a cap on connections per address, and answers in the Anthropic error shape
// for requests Node's HTTP parser refuses.
import {
  createServer,
  maxHeaderSize,
  STATUS_CODES,
  type IncomingMessage,
  type Server,
  type ServerOptions as HttpServerOptions,
  type ServerResponse,
} from 'node:http';
import type { Server as HttpsServer } from 'node:https';
import type { Socket } from 'node:net';
import type { Duplex } from 'node:stream';
import type { TLSSocket } from 'node:tls';
import { BODY_PROGRESS_BYTES, connectionLimits, type ConnectionLimits } from '../config.js';
import type { GatewayContext } from './context.js';
import { adminHandlers, handleAdmin, requireAdmin } from './admin.js';
import { errorBody, GatewayError, notFound, sendError, type AnthropicErrorType } from './errors.js';
import { handleExport } from './export.js';
import { governanceHandlers } from './admin-governance.js';
import { screenAddress } from './lan-guard.js';
import { handleManagedSettings, handleSignIn, isSignInPath, MANAGED_SETTINGS_PATH } from './sign-in.js';
import type { Logger } from './logger.js';
import { handleInference, type Endpoint, type InferenceRoute } from './proxy.js';
import { defaultDashboardDir, isDashboardPath, serveDashboard } from './static.js';
import { handleOAuthUsage, OAUTH_USAGE_PATH } from './usage-limits.js';
import { handleTelemetry, telemetrySignal } from './telemetry.js';
import { handleUsage } from './usage.js';
import { serveUsagePage, USAGE_PAGE_PATH } from './usage-page.js';
import { describeHost, hostAllowed, LOOPBACK_HOSTS, allowedHostSet } from '../lan/host-check.js';
import { isLoopbackAddress, isLoopbackHost, urlHost } from '../lan/addresses.js';
import { CA_CERTIFICATE_PATH } from '../lan/certificates.js';
import { normaliseAddress } from '../lan/throttle.js';

export interface ServerOptions {
  /** The renderer build served under /dashboard/; defaults to out/renderer at the project root. */
  dashboardDir?: string | undefined;
}

const ANTHROPIC_PREFIX = '/anthropic';

export type ListenerRole = 'local' | 'lan';

/** What one listener answers, asked per request because LAN settings change at run time. */
export interface ListenerPolicy {
  role: ListenerRole;
  /**
   * Whether the Host header names this listener; checked on every LAN request, and on loopback on
   * admin requests and, in open mode, on proxied ones.
   */
  hostAllowed(host: string | undefined): boolean;
  /** Whether an Origin header names this listener (admin requests on the LAN). */
  originAllowed(origin: string): boolean;
  /** Whether the admin API, dashboard, metrics and log export are served here. */
  servesAdmin(): boolean;
  /** The hosts a refusal tells the client to use instead. */
  hosts(): string[];
  /**
   * Whether failed keys and admin tokens from this client address are counted and, past the limit,
   * refused (lan-guard.ts), and its open connections capped (guardListener).
   */
  throttles(address: string): boolean;
}

/** Routes one request as received on `listener`; never rejects (failures become error answers). */
export type RequestRouter = (req: IncomingMessage, res: ServerResponse, listener: ListenerPolicy) => void;

/**
 * Which proxied route a path is, if any. `search` is kept and passed upstream (`?beta=true`). A wrong
 * method, or an API path Tollgate does not serve, becomes a route carrying its refusal so that the
 * request is still logged.
 */
export function inferenceRoute(method: string, pathname: string, search: string): InferenceRoute | null {
  const path = pathname.startsWith(`${ANTHROPIC_PREFIX}/`) ? pathname.slice(ANTHROPIC_PREFIX.length) : pathname;
  const upstreamPath = path + search;
  const expect = (wanted: string, endpoint: Endpoint): InferenceRoute =>
    method === wanted || (wanted === 'GET' && method === 'HEAD')
      ? { endpoint, upstreamPath }
      : {
          endpoint,
          upstreamPath,
          refusal: new GatewayError(405, 'invalid_request_error', `${path} expects ${wanted}, not ${method}.`, {
            allow: wanted,
          }),
        };
  if (path === '/v1/messages') return expect('POST', 'messages');
  if (path === '/v1/messages/count_tokens') return expect('POST', 'count_tokens');
  if (path === '/v1/models' || /^\/v1\/models\/[^/]+$/.test(path)) return expect('GET', 'models');
  if (path.startsWith('/v1/')) {
    return {
      endpoint: 'other',
      upstreamPath,
      refusal: notFound(
        `Tollgate does not serve ${method} ${path}. It proxies /v1/messages, /v1/messages/count_tokens and /v1/models.`,
      ),
    };
  }
  return null;
}

/**
 * The local listener's policy: everything is served; when bound to loopback, admin requests must say
 * a loopback Host, and so must proxied ones in open mode (the router asks). Bound beyond loopback
 * (`--host 0.0.0.0`), other machines reach it, so failed keys and admin tokens from their addresses
 * are throttled, and their connections capped, as on the LAN listener; this machine's own clients
 * never are (on a loopback binding they are the only ones).
 */
export function localPolicy(host: string, port: () => number): ListenerPolicy {
  const loopback = isLoopbackHost(host);
  const allowed = allowedHostSet([...LOOPBACK_HOSTS, host]);
  return {
    role: 'local',
    hostAllowed: (header) => !loopback || hostAllowed(header, allowed, port()),
    originAllowed: () => true,
    servesAdmin: () => true,
    hosts: () => [...allowed].map((name) => `${urlHost(name)}:${port()}`),
    throttles: (address) => !isLoopbackAddress(address),
  };
}

/**
 * The gateway's router. Its metrics report, at each scrape, what the LAN listeners refused below it and
 * the requests refused from throttled addresses (the loopback server's own refusals are registered by
 * whoever creates it: gateway.ts).
 */
export function createRouter(ctx: GatewayContext, options: ServerOptions = {}): RequestRouter {
  const handlers = adminHandlers(ctx);
  const governance = governanceHandlers(ctx);
  const dashboardDir = options.dashboardDir ?? defaultDashboardDir();

  /** DNS rebinding: a page elsewhere that got a browser to resolve its own name to this gateway. */
  const wrongHost = (req: IncomingMessage, listener: ListenerPolicy): GatewayError =>
    new GatewayError(
      403,
      'permission_error',
      `Tollgate refused this request: its Host header "${describeHost(req.headers.host)}" does not name this gateway. ` +
        `Address it as ${listener.hosts().join(', ')}.`,
      { 'x-should-retry': 'false' },
      'wrong_host',
    );

  const route = async (req: IncomingMessage, res: ServerResponse, listener: ListenerPolicy): Promise<void> => {
    const method = req.method ?? 'GET';
    const url = new URL(req.url ?? '/', 'http://gateway.invalid');
    const pathname = url.pathname;
    const lan = listener.role === 'lan';
    const unprefixed = pathname.startsWith(`${ANTHROPIC_PREFIX}/`) ? pathname.slice(ANTHROPIC_PREFIX.length) : pathname;
    const usage = unprefixed === '/v1/tollgate/usage' && (method === 'GET' || method === 'HEAD');
    // OTLP exports (/v1/logs, /v1/metrics, /v1/traces) are not inference: never refused as an unserved /v1 path.
    const telemetry = telemetrySignal(unprefixed);
    const proxied = usage || telemetry ? null : inferenceRoute(method, pathname, url.search);
    const adminSide = pathname === '/metrics' || pathname.startsWith('/api/') || isDashboardPath(pathname);

    // A throttled address first: whatever it asks for, wrong paths and methods included, it is refused.
    const screened = screenAddress(
      ctx,
      listener,
      req,
      adminSide && listener.servesAdmin() ? 'admin token' : 'key',
      proxied !== null && proxied.refusal === undefined,
    );
    if (screened) {
      if (screened.logged && proxied)
        return handleInference(ctx, { ...proxied, refusal: screened.refusal }, req, res, listener);
      return sendError(res, screened.refusal);
    }

    // DNS rebinding. A client with a key needs no Host check on loopback: the key is the credential,
    // and a rebinding page has none. In open mode (keys not enforced) a keyless request is forwarded
    // with the provider key, so the page could spend it and read the answers: there the Host must name
    // the gateway. Real clients (Claude Code, the SDKs, curl) send the address they connect to.
    // Sign-in routes hand out device codes and tokens to whoever reads the answer: a rebinding page
    // must not be the one that does.
    const signIn = isSignInPath(unprefixed);
    const hostChecked = lan || signIn || (proxied !== null && !ctx.settings.config.enforce_auth_on_inference);
    if (hostChecked && !listener.hostAllowed(req.headers.host)) {
      const refusal = wrongHost(req, listener);
      // Refused inference requests are logged like every other, and never forwarded; the rest just get the answer.
      if (proxied) return handleInference(ctx, { ...proxied, refusal }, req, res, listener);
      return sendError(res, refusal);
    }

    if (usage) return handleUsage(ctx, req, res, listener);
    if (telemetry) return handleTelemetry(ctx, telemetry, req, res, listener);
    if (signIn) return handleSignIn(ctx, governance, req, res, url, unprefixed);
    if (unprefixed === MANAGED_SETTINGS_PATH && (method === 'GET' || method === 'HEAD'))
      return handleManagedSettings(ctx, req, res);
    if (pathname === OAUTH_USAGE_PATH && (method === 'GET' || method === 'HEAD')) return handleOAuthUsage(ctx, req, res);
    if (proxied) return handleInference(ctx, proxied, req, res, listener);

    if (pathname === CA_CERTIFICATE_PATH && (method === 'GET' || method === 'HEAD'))
      return serveCaCertificate(ctx, res, method === 'HEAD');
    if (pathname === USAGE_PAGE_PATH) {
      // On the LAN, the /login lines check the CA they download against its fingerprint.
      const caFingerprint = listener.role === 'lan' ? ctx.lan.status().ca_fingerprint_sha256 : null;
      return serveUsagePage(req, res, { caFingerprint });
    }

    if (pathname === '/' && method === 'GET' && (req.headers.accept ?? '').includes('text/html')) {
      // A person opening the gateway's address in a browser wants the dashboard (a teammate, their usage); clients keep the probe.
      res.writeHead(302, { location: listener.servesAdmin() ? '/dashboard/' : USAGE_PAGE_PATH, 'content-length': 0 });
      res.end();
      return;
    }
    if (pathname === '/' || pathname === ANTHROPIC_PREFIX || unprefixed === '/' || unprefixed === '/api/hello') {
      // Reachability probes: HEAD / from Claude Code, and HEAD /api/hello from versions that send
      // non-essential traffic. They carry no key and reveal nothing.
      return json(res, 200, { name: 'Tollgate', status: 'ok' }, method === 'HEAD');
    }
    if (pathname === '/health') return json(res, 200, { status: 'ok' }, method === 'HEAD');

    if (adminSide) {
      if (!listener.servesAdmin()) {
        return sendError(
          res,
          notFound(
            `${pathname} is not served on the LAN: the admin API and dashboard are open on the gateway's own machine only.`,
          ),
        );
      }
      if (!listener.hostAllowed(req.headers.host)) return sendError(res, wrongHost(req, listener));
      const origin = req.headers.origin;
      if (lan && origin !== undefined && !listener.originAllowed(origin)) {
        return sendError(
          res,
          new GatewayError(
            403,
            'permission_error',
            `Tollgate refused this admin request from the web page at ${describeHost(origin)}: only pages the gateway serves itself may call its admin API.`,
          ),
        );
      }
      // Before the admin routes, where /api/logs/:id would take "export" for an id.
      if (pathname === '/api/logs/export') return handleExport(ctx, req, res, url, listener);
      if (pathname.startsWith('/api/')) return handleAdmin(ctx, handlers, req, res, url, listener);
      if (isDashboardPath(pathname)) return serveDashboard(dashboardDir, req, res, pathname);
      if (method === 'GET' || method === 'HEAD') {
        // On loopback /metrics is open to the local scraper; across the LAN it is admin information.
        if (lan) requireAdmin(ctx, req, listener);
        const body = await ctx.metrics.render();
        res.writeHead(200, { 'content-type': ctx.metrics.contentType });
        res.end(method === 'HEAD' ? undefined : body);
        return;
      }
    }
    sendError(
      res,
      notFound(`Tollgate has no route ${method} ${pathname}. Point ANTHROPIC_BASE_URL at this gateway's base URL.`),
    );
  };

  const router: RequestRouter = (req, res, listener) => {
    route(req, res, listener).catch((error: unknown) => {
      if (error instanceof GatewayError) return sendError(res, error);
      ctx.logger.error(`unhandled error on ${req.method ?? ''} ${req.url ?? ''}`, error);
      sendError(res, new GatewayError(500, 'api_error', 'Tollgate hit an internal error; see the gateway log.'));
    });
  };
  ctx.metrics.countRefusals('lan', ctx.lan.refusals);
  ctx.metrics.countThrottled(ctx.keyFailures);
  return router;
}

/**
 * The loopback server. `limits` defaults to the TOLLGATE_* variables (config.ts); its refusal counts
 * are connectionRefusals(server).
 */
export function createGatewayServer(
  router: RequestRouter,
  policy: ListenerPolicy,
  limits: ConnectionLimits = connectionLimits(),
): Server {
  const server = createServer(httpServerOptions(limits), (req, res) => router(req, res, policy));
  guardListener(server, policy, limits);
  return server;
}

// ---- holding the line below the router -----------------------------------------------------------

/**
 * Node's server options for a listener. No bound on a whole request (`requestTimeout: 0`): a 32 MB body
 * on a slow link may take many minutes, so guardListener watches that a body keeps arriving instead.
 * Node checks the headers timeout every connectionsCheckingInterval, so a client is cut between one
 * and one and a quarter timeouts. Requests without a Host reach the router, which refuses them in the
 * Anthropic shape where a Host is needed (Node's own refusal is a bare 400).
 */
export function httpServerOptions(limits: ConnectionLimits): HttpServerOptions {
  return {
    headersTimeout: limits.headersTimeoutMs,
    requestTimeout: 0,
    keepAliveTimeout: limits.idleTimeoutMs,
    connectionsCheckingInterval: Math.min(30_000, Math.max(50, Math.floor(limits.headersTimeoutMs / 4))),
    requireHostHeader: false,
  };
}

/** What a listener refused or cut off below the router, where no log row is written: counted here. */
export class ConnectionRefusals {
  /** Requests Node's HTTP parser could not read (answered 400, 413 or 431), by Node's error code. */
  readonly malformed = new Map<string, number>();
  /** Connections that began a request and did not finish its headers within the headers timeout (answered 408). */
  headersTimedOut = 0;
  /** Connections that sent nothing within the headers timeout (closed without an answer). */
  silentClosed = 0;
  /** Requests whose body stopped arriving (answered 408 when nothing had been answered yet). */
  bodiesStalled = 0;
  /** Connections refused because their address already held connectionsPerAddress. */
  overConnectionCap = 0;

  /** Requests refused by the parser, whatever the code. */
  get malformedTotal(): number {
    let total = 0;
    for (const count of this.malformed.values()) total += count;
    return total;
  }
}

const refusalsByServer = new WeakMap<Server | HttpsServer, ConnectionRefusals>();

/** The counts of a server guardListener guards; null for any other. */
export function connectionRefusals(server: Server | HttpsServer): ConnectionRefusals | null {
  return refusalsByServer.get(server) ?? null;
}

/** After answering a request the parser refused, how long the client may go on sending before the connection is closed. */
const LINGER_MS = 2_000;

/**
 * Guards a listener below the router:
 * - a guarded address (ListenerPolicy.throttles) may hold `connectionsPerAddress` connections; the next
 *   is closed at once, so one machine cannot take every socket the gateway has;
 * - a body still arriving must bring BODY_PROGRESS_BYTES within every `bodyTimeoutMs`: a slow link is
 *   fine, a trickle is not; it is answered 408 and its connection closed;
 * - requests the parser refuses (oversized headers, duplicate content-length, bad chunk framing) and
 *   headers not done within the headers timeout are answered in the Anthropic error shape and counted;
 *   a connection that never sent a byte is just closed.
 * The counts go to `refusals` (shared by the LAN's listeners), also found by connectionRefusals(server).
 */
export function guardListener(
  server: Server | HttpsServer,
  policy: ListenerPolicy,
  limits: ConnectionLimits,
  refusals: ConnectionRefusals = new ConnectionRefusals(),
  logger?: Logger,
): ConnectionRefusals {
  refusalsByServer.set(server, refusals);
  capConnectionsPerAddress(server, policy, limits.connectionsPerAddress, refusals, logger);

  /** The response under way on a connection: a raw answer must not cut into one already started. */
  const responding = new WeakMap<Duplex, ServerResponse>();
  const answered = new WeakSet<Duplex>();

  server.on('request', (req: IncomingMessage, res: ServerResponse) => {
    responding.set(req.socket, res);
    watchBody(req, limits.bodyTimeoutMs, () => {
      refusals.bodiesStalled++;
      answered.add(req.socket);
      const answer = res.headersSent
        ? null
        : rawAnswer(
            408,
            'timeout_error',
            `The request body stopped arriving: less than ${BODY_PROGRESS_BYTES / 1024} KB in ${seconds(limits.bodyTimeoutMs)}. Tollgate closed the connection; send the request again.`,
          );
      closeWith(req.socket, answer, 0);
    });
  });

  server.on('clientError', (error: NodeJS.ErrnoException, socket: Duplex) => {
    // The parser reports every further chunk from a client it refused; the first answer stands.
    if (answered.has(socket)) return;
    answered.add(socket);
    const code = error.code ?? 'unknown';
    const inFlight = responding.get(socket);
    const open = inFlight !== undefined && !inFlight.writableEnded;
    const underWay = open && inFlight.headersSent;
    if (code === 'ECONNRESET' || !socket.writable || underWay) {
      socket.destroy();
      return;
    }
    if (code === 'ERR_HTTP_REQUEST_TIMEOUT') {
      // Browsers and clients open connections ahead of need: one that never spoke gets no answer.
      if ((socket as Socket).bytesRead === 0) {
        refusals.silentClosed++;
        socket.destroy();
        return;
      }
      refusals.headersTimedOut++;
      const answer = rawAnswer(
        408,
        'timeout_error',
        `The request's headers did not arrive within ${seconds(limits.headersTimeoutMs)}. Tollgate closed the connection; send the request again.`,
      );
      return closeWith(socket, answer, open ? 0 : LINGER_MS);
    }
    refusals.malformed.set(code, (refusals.malformed.get(code) ?? 0) + 1);
    closeWith(socket, parserRefusal(code, error), open ? 0 : LINGER_MS);
  });
  return refusals;
}

function capConnectionsPerAddress(
  server: Server | HttpsServer,
  policy: ListenerPolicy,
  cap: number,
  refusals: ConnectionRefusals,
  logger: Logger | undefined,
): void {
  const open = new Map<string, number>();
  /** Addresses at the cap that have been reported, until they drop below it. */
  const reported = new Set<string>();
  server.on('connection', (socket: Socket) => {
    const address = socket.remoteAddress;
    if (address === undefined || !policy.throttles(address)) return;
    const key = normaliseAddress(address);
    const count = open.get(key) ?? 0;
    if (count >= cap) {
      refusals.overConnectionCap++;
      if (!reported.has(key)) {
        reported.add(key);
        logger?.warn(`${address} holds ${cap} open connections, the most one address may; refusing more from it`);
      }
      socket.destroy();
      return;
    }
    open.set(key, count + 1);
    socket.once('close', () => {
      const left = (open.get(key) ?? 1) - 1;
      if (left > 0) open.set(key, left);
      else open.delete(key);
      if (left < cap) reported.delete(key);
    });
  });
}

/**
 * Calls `stalled` when a request's body, while still arriving, brings less than BODY_PROGRESS_BYTES
 * within `windowMs`. Reads the socket's byte count, never the body itself, which stays the handler's.
 */
function watchBody(req: IncomingMessage, windowMs: number, stalled: () => void): void {
  const declared = req.headers['content-length'];
  const hasBody = req.headers['transfer-encoding'] !== undefined || (declared !== undefined && Number(declared) > 0);
  if (!hasBody || req.complete) return;
  const socket = req.socket;
  let seen = socket.bytesRead;
  const timer = setInterval(() => {
    if (req.complete) return clearInterval(timer);
    const read = socket.bytesRead;
    if (read - seen >= BODY_PROGRESS_BYTES) {
      seen = read;
      return;
    }
    clearInterval(timer);
    stalled();
  }, windowMs);
  timer.unref();
  // A keep-alive socket carries many requests: each takes its close listener off again when it ends.
  const stop = (): void => {
    clearInterval(timer);
    socket.off('close', stop);
  };
  req.once('end', stop);
  req.once('close', stop);
  socket.once('close', stop);
}

/** The answer to a request the parser refused, by Node's error code. */
function parserRefusal(code: string, error: NodeJS.ErrnoException): string {
  const final = { 'x-should-retry': 'false' };
  switch (code) {
    case 'HPE_HEADER_OVERFLOW':
      return rawAnswer(
        431,
        'invalid_request_error',
        `The request's headers are larger than Tollgate accepts (${Math.round(maxHeaderSize / 1024)} KB in all, the request line included). Send fewer or shorter headers.`,
        final,
      );
    case 'HPE_CHUNK_EXTENSIONS_OVERFLOW':
      return rawAnswer(
        413,
        'request_too_large',
        "The request body's chunk extensions are larger than Tollgate accepts.",
        final,
      );
    default: {
      const reason = (error as { reason?: unknown }).reason;
      const why =
        typeof reason === 'string' && reason ? ` (${reason.replace(/[^\x20-\x7e]/g, '?').slice(0, 120)})` : '';
      return rawAnswer(
        400,
        'invalid_request_error',
        `Tollgate could not read this HTTP request${why}: it is not well-formed HTTP/1.1. Check the client or any proxy in between.`,
        final,
      );
    }
  }
}

/** A whole HTTP response, for a socket that has no ServerResponse to answer through. */
function rawAnswer(
  status: number,
  type: AnthropicErrorType,
  message: string,
  headers: Record<string, string> = {},
): string {
  const body = errorBody(type, message);
  const lines = [
    `HTTP/1.1 ${status} ${STATUS_CODES[status] ?? ''}`,
    'content-type: application/json',
    `content-length: ${Buffer.byteLength(body)}`,
    'connection: close',
    ...Object.entries(headers).map(([name, value]) => `${name}: ${value}`),
  ];
  return `${lines.join('\r\n')}\r\n\r\n${body}`;
}

/**
 * Sends `answer` (when there is one) and closes. A client still sending (a 1 MB header line) may read
 * on for `lingerMs` first: closing a socket with unread input resets it, and the reset can overtake
 * the answer. With a request in flight there is no lingering: its handler learns the client is gone.
 */
function closeWith(socket: Duplex, answer: string | null, lingerMs: number): void {
  if (answer === null || !socket.writable) {
    socket.destroy();
    return;
  }
  socket.end(answer);
  if (lingerMs <= 0) {
    socket.once('finish', () => socket.destroy());
    return;
  }
  const timer = setTimeout(() => socket.destroy(), lingerMs);
  timer.unref();
  socket.once('close', () => clearTimeout(timer));
}

function seconds(ms: number): string {
  return `${Number((ms / 1000).toFixed(1))} s`;
}

/**
 * Teammates download the CA here (the first time without verification, hence the fingerprint beside
 * it), once there is one: sharing with TLS makes it, a download does not.
 */
async function serveCaCertificate(ctx: GatewayContext, res: ServerResponse, headOnly: boolean): Promise<void> {
  const ca = await ctx.lan.downloadableCa();
  if (!ca) {
    throw notFound(
      'Tollgate has no LAN certificate authority yet: turn on LAN sharing with TLS (Settings, the tray menu, or npm run serve -- --lan) and it makes one.',
    );
  }
  res.writeHead(200, {
    'content-type': 'application/x-pem-file',
    'content-length': Buffer.byteLength(ca.certPem),
    'content-disposition': 'attachment; filename="tollgate-ca.pem"',
    'cache-control': 'no-cache',
    'x-tollgate-ca-fingerprint-sha256': ca.fingerprint,
  });
  res.end(headOnly ? undefined : ca.certPem);
}

function json(res: ServerResponse, status: number, value: unknown, headOnly: boolean): void {
  const body = JSON.stringify(value);
  res.writeHead(status, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(body) });
  res.end(headOnly ? undefined : body);
}

export interface ConnectionTracker {
  /** Closes every connection that is not serving a request (including TLS handshakes still under way). */
  closeIdle(): void;
  /** Closes every connection. */
  closeAll(): void;
}

/**
 * Tracks which connections are serving a request, so shutdown can close every other one at once.
 * Node's closeIdleConnections() misses connections that never sent a request (clients and browsers
 * open those ahead of time), and they would otherwise hold shutdown for the whole grace period. On a
 * TLS server requests arrive on the TLS socket, not the TCP one the server accepted; a TCP socket
 * with no TLS socket yet is a handshake, idle by definition.
 */
export function trackConnections(server: Server | HttpsServer): ConnectionTracker {
  const activeRequests = new Map<Socket, number>();
  const accepted = new Set<Socket>();
  const secured = new Set<string>();
  const endpoint = (socket: Socket): string => `${socket.remoteAddress ?? ''}|${socket.remotePort ?? ''}`;
  const tls = 'setSecureContext' in server;
  const track = (socket: Socket): void => {
    activeRequests.set(socket, 0);
    socket.once('close', () => activeRequests.delete(socket));
  };
  server.on('connection', (socket: Socket) => {
    accepted.add(socket);
    socket.once('close', () => accepted.delete(socket));
    if (!tls) track(socket);
  });
  if (tls) {
    server.on('secureConnection', (socket: TLSSocket) => {
      const key = endpoint(socket);
      secured.add(key);
      socket.once('close', () => secured.delete(key));
      track(socket);
    });
  }
  server.on('request', (req: IncomingMessage, res: ServerResponse) => {
    const socket = req.socket;
    activeRequests.set(socket, (activeRequests.get(socket) ?? 0) + 1);
    res.once('close', () => {
      const count = activeRequests.get(socket);
      if (count !== undefined) activeRequests.set(socket, count - 1);
    });
  });
  return {
    closeIdle() {
      for (const [socket, count] of activeRequests) if (count <= 0) socket.destroy();
      if (tls) for (const socket of accepted) if (!secured.has(endpoint(socket))) socket.destroy();
    },
    closeAll() {
      for (const socket of activeRequests.keys()) socket.destroy();
      for (const socket of accepted) socket.destroy();
    },
  };
}

/**
 * Stops accepting, closes idle connections as they go idle, and waits for requests in flight up to
 * `graceMs`; past it, closes what is left. Resolves 'timeout' when it had to cut requests off.
 */
export async function drainServer(
  server: Server | HttpsServer,
  connections: ConnectionTracker,
  graceMs: number,
): Promise<'drained' | 'timeout'> {
  const drained = new Promise<'drained'>((resolve) => server.close(() => resolve('drained')));
  // Keep-alive connections go idle as their last request finishes; close each as soon as it does.
  connections.closeIdle();
  const idleSweep = setInterval(() => connections.closeIdle(), 25);
  let timer: NodeJS.Timeout | undefined;
  const deadline = new Promise<'timeout'>((resolve) => {
    timer = setTimeout(() => resolve('timeout'), graceMs);
  });
  const outcome = await Promise.race([drained, deadline]);
  clearInterval(idleSweep);
  clearTimeout(timer);
  if (outcome === 'timeout') connections.closeAll();
  return outcome;
}
