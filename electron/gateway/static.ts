// The dashboard for browsers: serves the renderer build (index.html and its hashed assets) under
// /dashboard/. The app routes with the URL hash, so an unknown page path under /dashboard/ answers
// with index.html (one level deep; deeper ones are sent back to /dashboard/, where the page's
// relative asset URLs resolve). Paths are decoded segment by segment and must stay inside the build.
import { createReadStream, existsSync, type Stats } from 'node:fs';
import { stat } from 'node:fs/promises';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { extname, resolve, sep } from 'node:path';
import { pipeline } from 'node:stream/promises';

export const DASHBOARD_PREFIX = '/dashboard';

const CONTENT_TYPES: Readonly<Record<string, string>> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.mjs': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.json': 'application/json; charset=utf-8',
  '.map': 'application/json; charset=utf-8',
  '.txt': 'text/plain; charset=utf-8',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.jpg': 'image/jpeg',
  '.jpeg': 'image/jpeg',
  '.gif': 'image/gif',
  '.webp': 'image/webp',
  '.avif': 'image/avif',
  '.ico': 'image/x-icon',
  '.woff': 'font/woff',
  '.woff2': 'font/woff2',
  '.ttf': 'font/ttf',
  '.otf': 'font/otf',
  '.wasm': 'application/wasm',
};

/** The page may load only what the gateway itself serves; inline styles are allowed for the charts. */
export const DASHBOARD_CSP = [
  "default-src 'self'",
  "connect-src 'self'",
  "style-src 'self' 'unsafe-inline'",
  "img-src 'self' data:",
  "object-src 'none'",
  "base-uri 'self'",
  "frame-ancestors 'none'",
].join('; ');

/** Hashed file names never change content, so browsers may keep them for a year. */
const IMMUTABLE = 'public, max-age=31536000, immutable';

/**
 * Where electron-vite writes the renderer: out/renderer at the project root. From the sources
 * (electron/gateway) that is ../../out/renderer; from the bundled main process (out/main) it is
 * ../renderer. The first that holds an index.html wins.
 */
export function defaultDashboardDir(): string {
  const candidates = [resolve(import.meta.dirname, '../../out/renderer'), resolve(import.meta.dirname, '../renderer')];
  return candidates.find((dir) => existsSync(resolve(dir, 'index.html'))) ?? (candidates[0] as string);
}

export function isDashboardPath(pathname: string): boolean {
  return pathname === DASHBOARD_PREFIX || pathname.startsWith(`${DASHBOARD_PREFIX}/`);
}

export async function serveDashboard(
  dir: string,
  req: IncomingMessage,
  res: ServerResponse,
  pathname: string,
): Promise<void> {
  const method = req.method ?? 'GET';
  if (method !== 'GET' && method !== 'HEAD')
    return plain(res, 405, `${method} is not supported on ${pathname}.`, { allow: 'GET, HEAD' });
  if (pathname === DASHBOARD_PREFIX) return redirect(res, `${DASHBOARD_PREFIX}/`);

  const root = resolve(dir);
  const index = resolve(root, 'index.html');
  if (!existsSync(index)) return plain(res, 503, 'Run npm run build to build the dashboard.');

  const segments = decodeSegments(pathname.slice(DASHBOARD_PREFIX.length + 1));
  if (segments === null) return plain(res, 400, 'That path is not part of the dashboard.');
  const file = resolve(root, ...segments);
  if (file !== root && !file.startsWith(root + sep)) return plain(res, 400, 'That path is not part of the dashboard.');

  const found = segments.length === 0 ? null : await regularFile(file);
  if (found) return sendFile(res, file, found, method === 'HEAD', segments[0] === 'assets' ? IMMUTABLE : 'no-cache');
  // A missing asset is a 404: answering with the page would surface as a confusing MIME-type error.
  if (segments[0] === 'assets' || extname(segments.at(-1) ?? '') !== '') return plain(res, 404, 'Not found.');
  // The page loads ./assets/…: below a nested path that would miss, so send the browser to the top.
  if (segments.length > 1) return redirect(res, `${DASHBOARD_PREFIX}/`);
  const page = await regularFile(index);
  if (!page) return plain(res, 503, 'Run npm run build to build the dashboard.');
  return sendFile(res, index, page, method === 'HEAD', 'no-cache');
}

/** The path's segments, decoded; null when one would leave the folder or names a hidden file. */
function decodeSegments(path: string): string[] | null {
  const segments: string[] = [];
  for (const raw of path.split('/')) {
    if (raw === '') continue;
    let segment: string;
    try {
      segment = decodeURIComponent(raw);
    } catch {
      return null;
    }
    if (segment.startsWith('.') || /[/\\\0]/.test(segment)) return null;
    segments.push(segment);
  }
  return segments;
}

async function regularFile(file: string): Promise<Stats | null> {
  try {
    const stats = await stat(file);
    return stats.isFile() ? stats : null;
  } catch {
    return null;
  }
}

async function sendFile(
  res: ServerResponse,
  file: string,
  stats: Stats,
  headOnly: boolean,
  cacheControl: string,
): Promise<void> {
  const type = CONTENT_TYPES[extname(file).toLowerCase()] ?? 'application/octet-stream';
  res.writeHead(200, {
    'content-type': type,
    'content-length': stats.size,
    'cache-control': cacheControl,
    'last-modified': stats.mtime.toUTCString(),
    'x-content-type-options': 'nosniff',
    ...(type.startsWith('text/html') && {
      'content-security-policy': DASHBOARD_CSP,
      'referrer-policy': 'no-referrer',
      'x-frame-options': 'DENY',
    }),
  });
  if (headOnly) {
    res.end();
    return;
  }
  try {
    await pipeline(createReadStream(file), res);
  } catch {
    // The browser went away, or the file vanished mid-read (a rebuild): the response is already cut.
    res.destroy();
  }
}

function redirect(res: ServerResponse, location: string): void {
  res.writeHead(302, { location, 'content-length': 0 });
  res.end();
}

function plain(res: ServerResponse, status: number, message: string, headers: Record<string, string> = {}): void {
  const body = message + '\n';
  res.writeHead(status, {
    'content-type': 'text/plain; charset=utf-8',
    'content-length': Buffer.byteLength(body),
    'cache-control': 'no-store',
    ...headers,
  });
  res.end(body);
}
