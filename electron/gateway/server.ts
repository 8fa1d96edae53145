// The HTTP front door: maps each URL to the proxy, the admin API, the log export, the dashboard's
// files, health or metrics. The same routes answer with and without the `/anthropic` prefix so
// either base URL works for Claude Code.
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { Socket } from 'node:net';
import type { GatewayContext } from './context.js';
import { adminHandlers, handleAdmin } from './admin.js';
import { GatewayError, notFound, sendError } from './errors.js';
import { handleExport } from './export.js';
import { handleInference, type Endpoint, type InferenceRoute } from './proxy.js';
import { defaultDashboardDir, isDashboardPath, serveDashboard } from './static.js';
import { handleUsage } from './usage.js';

export interface ServerOptions {
  /** The renderer build served under /dashboard/; defaults to out/renderer at the project root. */
  dashboardDir?: string | undefined;
}

const ANTHROPIC_PREFIX = '/anthropic';

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

export function createGatewayServer(ctx: GatewayContext, options: ServerOptions = {}): Server {
  const handlers = adminHandlers(ctx);
  const dashboardDir = options.dashboardDir ?? defaultDashboardDir();

  const route = async (req: IncomingMessage, res: ServerResponse): Promise<void> => {
    const method = req.method ?? 'GET';
    const url = new URL(req.url ?? '/', 'http://gateway.invalid');
    const pathname = url.pathname;

    const unprefixed = pathname.startsWith(`${ANTHROPIC_PREFIX}/`) ? pathname.slice(ANTHROPIC_PREFIX.length) : pathname;
    if (unprefixed === '/v1/tollgate/usage' && (method === 'GET' || method === 'HEAD')) return handleUsage(ctx, req, res);

    const proxied = inferenceRoute(method, pathname, url.search);
    if (proxied) return handleInference(ctx, proxied, req, res);

    if (pathname === '/' && method === 'GET' && (req.headers.accept ?? '').includes('text/html')) {
      // A person opening the gateway's address in a browser wants the dashboard; clients keep the probe.
      res.writeHead(302, { location: '/dashboard/', 'content-length': 0 });
      res.end();
      return;
    }
    if (pathname === '/' || pathname === ANTHROPIC_PREFIX || unprefixed === '/' || unprefixed === '/api/hello') {
      // Reachability probes: HEAD / from Claude Code, and HEAD /api/hello from versions that send
      // non-essential traffic. They carry no key and reveal nothing.
      return json(res, 200, { name: 'Tollgate', status: 'ok' }, method === 'HEAD');
    }

    // Before the admin routes, where /api/logs/:id would take "export" for an id.
    if (pathname === '/api/logs/export') return handleExport(ctx, req, res, url);
    if (pathname.startsWith('/api/')) return handleAdmin(ctx, handlers, req, res, url);
    if (isDashboardPath(pathname)) return serveDashboard(dashboardDir, req, res, pathname);
    if (pathname === '/health') return json(res, 200, { status: 'ok' }, method === 'HEAD');
    if (pathname === '/metrics' && (method === 'GET' || method === 'HEAD')) {
      const body = await ctx.metrics.render();
      res.writeHead(200, { 'content-type': ctx.metrics.contentType });
      res.end(method === 'HEAD' ? undefined : body);
      return;
    }
    sendError(res, notFound(`Tollgate has no route ${method} ${pathname}. Point ANTHROPIC_BASE_URL at this gateway's base URL.`));
  };

  const server = createServer({ keepAliveTimeout: 65_000, requestTimeout: 0 }, (req, res) => {
    route(req, res).catch((error: unknown) => {
      ctx.logger.error(`unhandled error on ${req.method ?? ''} ${req.url ?? ''}`, error);
      sendError(res, new GatewayError(500, 'api_error', 'Tollgate hit an internal error; see the gateway log.'));
    });
  });
  return server;
}

function json(res: ServerResponse, status: number, value: unknown, headOnly: boolean): void {
  const body = JSON.stringify(value);
  res.writeHead(status, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(body) });
  res.end(headOnly ? undefined : body);
}

/**
 * Tracks which connections are serving a request, so shutdown can close every other one at once.
 * Node's closeIdleConnections() misses connections that never sent a request (clients and browsers
 * open those ahead of time), and they would otherwise hold shutdown for the whole grace period.
 */
export function trackConnections(server: Server): { closeIdle(): void } {
  const activeRequests = new Map<Socket, number>();
  server.on('connection', (socket: Socket) => {
    activeRequests.set(socket, 0);
    socket.once('close', () => activeRequests.delete(socket));
  });
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
    },
  };
}
