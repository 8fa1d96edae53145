// POST /v1/logs, /v1/metrics and /v1/traces: the OTLP/HTTP export a Claude Code signed in to Tollgate
// with /login sends its telemetry to (CLAUDE_CODE_ENABLE_TELEMETRY=1 with OTEL_LOGS_EXPORTER and
// OTEL_METRICS_EXPORTER=otlp, in JSON or protobuf). The gateway protocol's rule: answer 200 whether
// the data is kept or discarded, since anything else makes the client's exporter log an error on every
// flush. So: 401 (x-should-retry: false) only for a sign-in that has ended, as on every bearer
// endpoint; everything else gets an empty ExportServiceResponse. What is kept (otlp.ts) is attributed
// to the key the bearer stands for, its user and team; data without a live credential, that cannot be
// read, is too large, or over the key's rate, is discarded. Traces are kept by no one yet; with
// client_config.telemetry_forward_url set, all three signals go on to the operator's collector
// (telemetry-forward.ts) stamped with who sent them.
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { KeyIdentity } from '../store/virtual-keys.js';
import type { GatewayContext } from './context.js';
import { GatewayError, sendError } from './errors.js';
import { noteKeyFailure } from './lan-guard.js';
import type { Attribution } from '../governance/ledger.js';
import {
  decodeExport,
  encodeExport,
  encodingOf,
  exportResponse,
  extractRecords,
  inflate,
  stampExport,
  type OtlpEncoding,
  type TelemetryStamp,
  type TelemetrySignal,
} from './otlp.js';
import { bearerCredential } from './proxy.js';
import type { ListenerPolicy } from './server.js';

export type { TelemetrySignal };

/** The largest export read (after gzip is undone); a larger one is drained and discarded. */
export const MAX_TELEMETRY_BODY_BYTES = 4 * 1024 * 1024;

/** How much one key may export per minute: far above a Claude Code's flushes (logs every 5 s, metrics every 60 s). */
export const TELEMETRY_RATE = { exportsPerMinute: 240, recordsPerMinute: 20_000 } as const;

const SIGNALS: Record<string, TelemetrySignal> = {
  '/v1/logs': 'logs',
  '/v1/metrics': 'metrics',
  '/v1/traces': 'traces',
};

/** Which OTLP signal a path (without the /anthropic prefix) receives, if any. */
export function telemetrySignal(path: string): TelemetrySignal | null {
  return SIGNALS[path] ?? null;
}

interface RateWindow {
  start: number;
  exports: number;
  records: number;
}

/** Per gateway, per key: exports and records in the current minute. */
const windows = new WeakMap<GatewayContext, Map<string, RateWindow>>();

function rateWindow(ctx: GatewayContext, keyId: string, now: number): RateWindow {
  let byKey = windows.get(ctx);
  if (!byKey) windows.set(ctx, (byKey = new Map<string, RateWindow>()));
  let window = byKey.get(keyId);
  if (!window || now - window.start >= 60_000) {
    if (byKey.size > 10_000) for (const [id, old] of byKey) if (now - old.start >= 60_000) byKey.delete(id);
    window = { start: now, exports: 0, records: 0 };
    byKey.set(keyId, window);
  }
  return window;
}

export async function handleTelemetry(
  ctx: GatewayContext,
  signal: TelemetrySignal,
  req: IncomingMessage,
  res: ServerResponse,
  listener: ListenerPolicy,
): Promise<void> {
  if (req.method !== 'POST') {
    req.resume();
    return sendError(
      res,
      new GatewayError(405, 'invalid_request_error', `${req.url ?? ''} receives OTLP/HTTP exports: POST them.`, {
        allow: 'POST',
      }),
    );
  }
  const now = ctx.clock();
  const credential = bearerCredential(ctx, req, now);
  if ('refusal' in credential) {
    noteKeyFailure(ctx, listener, req, credential.refusal);
    req.resume();
    return sendError(res, credential.refusal);
  }
  const { key } = credential;

  const raw = await readBounded(req, MAX_TELEMETRY_BODY_BYTES);
  if (raw === 'gone') return;
  const gzip = /^\s*gzip\s*$/i.test(String(req.headers['content-encoding'] ?? ''));
  const body = raw === null ? null : gzip ? inflate(raw, MAX_TELEMETRY_BODY_BYTES) : raw;
  const encoding = encodingOf(req.headers['content-type'], body ?? Buffer.alloc(0));
  let outcome: TelemetryOutcome;
  try {
    outcome = receive(ctx, signal, key, body, encoding, now);
  } catch (error) {
    // A store that cannot write (a full disk) loses telemetry, never the answer the client waits for.
    ctx.logger.error(`could not keep the telemetry ${key?.name ?? 'a client'} exported`, error);
    outcome = 'store_failed';
  }
  ctx.metrics.telemetryReceived(signal, outcome);
  answer(res, signal, encoding);
}

/** What became of an export: kept (and forwarded), or why not. */
export type TelemetryOutcome = 'kept' | 'no_key' | 'too_large' | 'unreadable' | 'rate_limited' | 'store_failed';

function receive(
  ctx: GatewayContext,
  signal: TelemetrySignal,
  key: KeyIdentity | null,
  body: Buffer | null,
  encoding: OtlpEncoding,
  now: number,
): TelemetryOutcome {
  if (!key) return 'no_key';
  if (body === null) return 'too_large';
  const window = rateWindow(ctx, key.id, now);
  const room = TELEMETRY_RATE.recordsPerMinute - window.records;
  if (++window.exports > TELEMETRY_RATE.exportsPerMinute || room <= 0) return 'rate_limited';
  const request = body.length > 0 ? decodeExport(signal, body, encoding) : null;
  if (!request) return 'unreadable';
  const captureContent = ctx.settings.config.capture_content && key.captureContent;
  const attribution = ctx.ledger.attribute(key, null);
  // Read before forwarding stamps the request in place.
  const { records, seen } = extractRecords(signal, request, { captureContent, now });
  window.records += seen;
  const collector = ctx.settings.config.telemetry_forward_url;
  if (collector) forward(ctx, collector, signal, key, attribution, { request, body, encoding, captureContent });
  if (records.length > 0) {
    ctx.telemetry.add(
      { virtualKeyId: key.id, userId: attribution.user?.id ?? key.userId, teamId: attribution.team?.id ?? key.teamId },
      records.slice(0, room),
      now,
    );
  }
  return 'kept';
}

/**
 * Queues the export for the operator's collector, stamped with the key, user and team. A JSON export
 * goes on as the JSON the client sent (re-parsed: the protobuf library reads OTLP/JSON's hex trace ids
 * as base64), a protobuf one as protobuf.
 */
function forward(
  ctx: GatewayContext,
  collector: string,
  signal: TelemetrySignal,
  key: KeyIdentity,
  attribution: Attribution,
  sent: { request: Record<string, unknown>; body: Buffer; encoding: OtlpEncoding; captureContent: boolean },
): void {
  const { user, team } = attribution;
  const stamp: TelemetryStamp = {
    'tollgate.virtual_key.id': key.id,
    'tollgate.virtual_key.name': key.name,
    ...(user && { 'tollgate.user.id': user.id, 'tollgate.user.name': user.name }),
    ...(user?.email && { 'tollgate.user.email': user.email }),
    ...(team && { 'tollgate.team.id': team.id, 'tollgate.team.name': team.name }),
  };
  const options = { captureContent: sent.captureContent };
  if (sent.encoding === 'json') {
    const parsed = JSON.parse(sent.body.toString('utf8')) as Record<string, unknown>;
    if (stampExport(signal, parsed, stamp, options))
      ctx.telemetryForwarder.send(collector, signal, Buffer.from(JSON.stringify(parsed)), 'application/json');
    return;
  }
  if (stampExport(signal, sent.request, stamp, options))
    ctx.telemetryForwarder.send(collector, signal, encodeExport(signal, sent.request), 'application/x-protobuf');
}

function answer(res: ServerResponse, signal: TelemetrySignal, encoding: OtlpEncoding): void {
  if (res.headersSent || res.destroyed) return;
  const { contentType, body } = exportResponse(signal, encoding);
  res.writeHead(200, { 'content-type': contentType, 'content-length': body.byteLength, 'cache-control': 'no-store' });
  res.end(body);
}

/**
 * The body, or null when it is larger than `limit` (drained and discarded: the client still gets its
 * 200). A client that goes on sending past four times the limit is cut off ('gone'), and so is one
 * that hangs up first.
 */
function readBounded(req: IncomingMessage, limit: number): Promise<Buffer | null | 'gone'> {
  return new Promise((resolve) => {
    const chunks: Buffer[] = [];
    let size = 0;
    let over = Number(req.headers['content-length'] ?? 0) > limit;
    const onData = (chunk: Buffer): void => {
      size += chunk.length;
      if (!over && size <= limit) {
        chunks.push(chunk);
        return;
      }
      over = true;
      chunks.length = 0;
      if (size > 4 * limit) {
        req.off('data', onData);
        req.destroy();
        resolve('gone');
      }
    };
    req.on('data', onData);
    req.once('end', () => resolve(over ? null : Buffer.concat(chunks, size)));
    req.once('error', () => resolve('gone'));
    req.once('close', () => {
      if (!req.complete) resolve('gone');
    });
  });
}
