// The benchmark's baseline: the least a Node reverse proxy can do. A node:http server hands each request
// to an undici keep-alive pool (configured as Tollgate's is) and relays the answer with backpressure,
// after undici's own proxy example. No auth, parsing, pricing or logging: whatever Tollgate costs on top
// of this is the price of governing.
import { createServer, type IncomingHttpHeaders, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Agent } from 'undici';

export interface BareProxy {
  url: string;
  close(): Promise<void>;
}

/** Headers about one connection rather than the request; the body's own length is kept. */
const HOP_BY_HOP = new Set([
  'connection',
  'keep-alive',
  'proxy-authenticate',
  'proxy-authorization',
  'proxy-connection',
  'te',
  'trailer',
  'transfer-encoding',
  'upgrade',
  'host',
]);

export async function startBareProxy(options: {
  upstreamUrl: string;
  host?: string;
  port?: number;
}): Promise<BareProxy> {
  const origin = new URL(options.upstreamUrl).origin;
  const dispatcher = new Agent({
    keepAliveTimeout: 30_000,
    connections: 256,
    headersTimeout: 600_000,
    bodyTimeout: 600_000,
  });

  const server: Server = createServer({ keepAliveTimeout: 65_000, requestTimeout: 0 }, (req, res) => {
    const clientGone = new AbortController();
    res.on('close', () => {
      if (!res.writableFinished) clientGone.abort();
    });
    const relay = async (): Promise<void> => {
      const upstream = await dispatcher.request({
        origin,
        path: req.url ?? '/',
        method: req.method === 'GET' ? 'GET' : 'POST',
        headers: withoutHopByHop(req.headers),
        body: req.method === 'GET' ? null : req,
        signal: clientGone.signal,
      });
      res.writeHead(upstream.statusCode, withoutHopByHop(upstream.headers));
      for await (const chunk of upstream.body as AsyncIterable<Buffer>) {
        if (!res.write(chunk)) await drained(res, clientGone.signal);
      }
      res.end();
    };
    relay().catch(() => {
      if (res.headersSent) res.destroy();
      else if (!clientGone.signal.aborted) {
        res.writeHead(502, { 'content-type': 'application/json' });
        res.end('{"type":"error","error":{"type":"api_error","message":"bare proxy: upstream failed"}}');
      }
    });
  });

  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port ?? 0, options.host ?? '127.0.0.1', () => {
      server.off('error', reject);
      resolve();
    });
  });
  const { address, port } = server.address() as AddressInfo;

  return {
    url: `http://${address}:${port}`,
    close: async () => {
      await new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      });
      await dispatcher.close();
    },
  };
}

function withoutHopByHop(
  headers: IncomingHttpHeaders | Record<string, string | string[] | undefined>,
): Record<string, string | string[]> {
  const out: Record<string, string | string[]> = {};
  for (const [name, value] of Object.entries(headers)) {
    if (value !== undefined && !HOP_BY_HOP.has(name)) out[name] = value;
  }
  return out;
}

function drained(res: NodeJS.WritableStream, signal: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    const done = (): void => {
      res.off('drain', done);
      signal.removeEventListener('abort', done);
      resolve();
    };
    res.once('drain', done);
    signal.addEventListener('abort', done, { once: true });
  });
}
