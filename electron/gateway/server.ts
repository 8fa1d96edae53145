// The HTTP front door: maps each URL to the proxy, the admin API, health or metrics. The same routes
// answer with and without the `/anthropic` prefix so either base URL works for Claude Code.
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { GatewayContext } from './context.js';
import { adminHandlers, handleAdmin } from './admin.js';
import { GatewayError, notFound, sendError } from './errors.js';
import { handleInference, type InferenceRoute } from './proxy.js';

const ANTHROPIC_PREFIX = '/anthropic';

/** Which proxied route a path is, if any. `search` is kept and passed upstream (`?beta=true`). */
export function inferenceRoute(method: string, pathname: string, search: string): InferenceRoute | GatewayError | null {
  const path = pathname.startsWith(`${ANTHROPIC_PREFIX}/`) ? pathname.slice(ANTHROPIC_PREFIX.length) : pathname;
  const expect = (wanted: string, route: InferenceRoute): InferenceRoute | GatewayError =>
    method === wanted
      ? route
      : new GatewayError(405, 'invalid_request_error', `${path} expects ${wanted}, not ${method}.`, { allow: wanted });
  if (path === '/v1/messages') return expect('POST', { endpoint: 'messages', upstreamPath: path + search });
  if (path === '/v1/messages/count_tokens') return expect('POST', { endpoint: 'count_tokens', upstreamPath: path + search });
  if (path === '/v1/models' || /^\/v1\/models\/[^/]+$/.test(path)) {
    return expect('GET', { endpoint: 'models', upstreamPath: path + search });
  }
  return null;
}

export function createGatewayServer(ctx: GatewayContext): Server {
  const handlers = adminHandlers(ctx);

  const route = async (req: IncomingMessage, res: ServerResponse): Promise<void> => {
    const method = req.method ?? 'GET';
    const url = new URL(req.url ?? '/', 'http://gateway.invalid');
    const pathname = url.pathname;

    const proxied = inferenceRoute(method, pathname, url.search);
    if (proxied instanceof GatewayError) return sendError(res, proxied);
    if (proxied) return handleInference(ctx, proxied, req, res);

    if (pathname.startsWith('/api/')) return handleAdmin(ctx, handlers, req, res, url);

    if (pathname === '/' || pathname === ANTHROPIC_PREFIX || pathname === `${ANTHROPIC_PREFIX}/`) {
      // Claude Code probes the base URL with HEAD before its first request.
      return json(res, 200, { name: 'Tollgate', status: 'ok' }, method === 'HEAD');
    }
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
