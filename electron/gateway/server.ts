// The HTTP front door: maps each URL to the proxy, the admin API, the log export, the dashboard's
// files, the self-service usage page, the CA certificate, health or metrics. The same routes answer
// with and without the `/anthropic` prefix so either base URL works for Claude Code. Two kinds of
// listener share this routing: the loopback one, and the LAN one (electron/lan), which answers only
// requests addressed to it by Host and serves the admin side only when remote admin is allowed.
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { Server as HttpsServer } from 'node:https';
import type { Socket } from 'node:net';
import type { TLSSocket } from 'node:tls';
import type { GatewayContext } from './context.js';
import { adminHandlers, handleAdmin, requireAdmin } from './admin.js';
import { GatewayError, notFound, sendError } from './errors.js';
import { handleExport } from './export.js';
import { handleInference, type Endpoint, type InferenceRoute } from './proxy.js';
import { defaultDashboardDir, isDashboardPath, serveDashboard } from './static.js';
import { handleUsage } from './usage.js';
import { serveUsagePage, USAGE_PAGE_PATH } from './usage-page.js';
import { describeHost, hostAllowed, LOOPBACK_HOSTS, allowedHostSet } from '../lan/host-check.js';
import { isLoopbackAddress, isLoopbackHost, urlHost } from '../lan/addresses.js';
import { CA_CERTIFICATE_PATH } from '../lan/certificates.js';

export interface ServerOptions {
  /** The renderer build served under /dashboard/; defaults to out/renderer at the project root. */
  dashboardDir?: string | undefined;
}

const ANTHROPIC_PREFIX = '/anthropic';

export type ListenerRole = 'local' | 'lan';

/** What one listener answers, asked per request because LAN settings change at run time. */
export interface ListenerPolicy {
  role: ListenerRole;
  /** Whether the Host header names this listener; checked on every LAN request, and on admin requests on loopback. */
  hostAllowed(host: string | undefined): boolean;
  /** Whether an Origin header names this listener (admin requests on the LAN). */
  originAllowed(origin: string): boolean;
  /** Whether the admin API, dashboard, metrics and log export are served here. */
  servesAdmin(): boolean;
  /** The hosts a refusal tells the client to use instead. */
  hosts(): string[];
  /** Whether failed keys and admin tokens from this client address are counted and, past the limit, refused (lan-guard.ts). */
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
 * The local listener's policy: everything is served; admin requests must say a loopback Host when
 * bound to loopback. Bound beyond loopback (`--host 0.0.0.0`), other machines reach it, so failed keys
 * and admin tokens from their addresses are throttled as on the LAN listener; this machine's own
 * clients never are (on a loopback binding they are the only ones).
 */
export function localPolicy(host: string, port: () => number): ListenerPolicy {
  const loopback = isLoopbackHost(host);
  const allowed = allowedHostSet([...LOOPBACK_HOSTS, host]);
  return {
    role: 'local',
    hostAllowed: (header) => !loopback || hostAllowed(header, allowed, port()),
    originAllowed: () => true,
    servesAdmin: () => true,
    hosts: () => [...allowed].map(urlHost),
    throttles: (address) => !isLoopbackAddress(address),
  };
}

export function createRouter(ctx: GatewayContext, options: ServerOptions = {}): RequestRouter {
  const handlers = adminHandlers(ctx);
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
    const proxied = usage ? null : inferenceRoute(method, pathname, url.search);

    if (lan && !listener.hostAllowed(req.headers.host)) {
      const refusal = wrongHost(req, listener);
      // Refused inference requests are logged like every other; the rest just get the answer.
      if (proxied) return handleInference(ctx, { ...proxied, refusal }, req, res, listener);
      return sendError(res, refusal);
    }

    if (usage) return handleUsage(ctx, req, res, listener);
    if (proxied) return handleInference(ctx, proxied, req, res, listener);

    if (pathname === CA_CERTIFICATE_PATH && (method === 'GET' || method === 'HEAD'))
      return serveCaCertificate(ctx, res, method === 'HEAD');
    if (pathname === USAGE_PAGE_PATH) return serveUsagePage(req, res);

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

    const metrics = pathname === '/metrics';
    if (metrics || pathname.startsWith('/api/') || isDashboardPath(pathname)) {
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

  return (req, res, listener) => {
    route(req, res, listener).catch((error: unknown) => {
      if (error instanceof GatewayError) return sendError(res, error);
      ctx.logger.error(`unhandled error on ${req.method ?? ''} ${req.url ?? ''}`, error);
      sendError(res, new GatewayError(500, 'api_error', 'Tollgate hit an internal error; see the gateway log.'));
    });
  };
}

/** The loopback server. */
export function createGatewayServer(router: RequestRouter, policy: ListenerPolicy): Server {
  return createServer({ keepAliveTimeout: 65_000, requestTimeout: 0 }, (req, res) => router(req, res, policy));
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
