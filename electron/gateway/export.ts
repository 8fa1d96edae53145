// GET /api/logs/export: the request log under the viewer's filters as CSV or JSON Lines, streamed in
// keyset pages with backpressure, so a million rows pass through without sitting in memory.
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { z } from 'zod';
import { logEntrySchema, logExportQuerySchema, type LogEntry, type LogQuery } from '../../shared/schemas.js';
import { iso } from '../store/time.js';
import { requireAdmin } from './admin.js';
import type { GatewayContext } from './context.js';
import { asGatewayError, badRequest, GatewayError, sendError } from './errors.js';
import type { ListenerPolicy } from './server.js';

const PAGE_ROWS = 1_000;
/** The CSV columns: every field of a log entry, in the contract's order. */
const COLUMNS = Object.keys(logEntrySchema.shape) as (keyof LogEntry)[];

type ExportQuery = z.output<typeof logExportQuerySchema>;

export async function handleExport(
  ctx: GatewayContext,
  req: IncomingMessage,
  res: ServerResponse,
  url: URL,
  listener: ListenerPolicy,
): Promise<void> {
  let query: ExportQuery;
  let first: ReturnType<GatewayContext['requestLog']['query']>;
  try {
    if (req.method !== 'GET') {
      throw new GatewayError(405, 'invalid_request_error', `${req.method ?? ''} is not supported on ${url.pathname}.`, {
        allow: 'GET',
      });
    }
    requireAdmin(ctx, req, listener);
    const parsed = logExportQuerySchema.safeParse(Object.fromEntries(url.searchParams));
    if (!parsed.success) {
      const problems = parsed.error.issues.map((issue) => `${issue.path.join('.') || 'query'}: ${issue.message}`);
      throw badRequest(`Invalid query: ${problems.join('; ')}`);
    }
    query = parsed.data;
    ctx.requestLog.flush();
    // Run the first page before answering, so a bad cursor or search is an error status, not a cut file.
    first = ctx.requestLog.query(pageQuery(query, undefined, Math.min(PAGE_ROWS, query.limit)));
  } catch (error) {
    if (error instanceof RangeError) return sendError(res, badRequest(error.message));
    if (!(error instanceof GatewayError)) ctx.logger.error(`log export failed`, error);
    return sendError(res, asGatewayError(error));
  }

  const csv = query.format === 'csv';
  const date = iso(ctx.clock()).slice(0, 10);
  res.writeHead(200, {
    'content-type': csv ? 'text/csv; charset=utf-8' : 'application/x-ndjson; charset=utf-8',
    'content-disposition': `attachment; filename="tollgate-logs-${date}.${csv ? 'csv' : 'jsonl'}"`,
    'cache-control': 'no-store',
    'x-content-type-options': 'nosniff',
  });
  const gone = new AbortController();
  res.once('close', () => gone.abort());

  try {
    if (csv) await write(res, COLUMNS.join(',') + '\r\n', gone.signal);
    let page = first;
    let left = query.limit;
    for (;;) {
      const rows = page.logs.slice(0, left);
      const text = rows.map((entry) => (csv ? csvLine(entry) : JSON.stringify(entry) + '\n')).join('');
      if (text) await write(res, text, gone.signal);
      left -= rows.length;
      if (!page.has_more || !page.next_cursor || left <= 0 || gone.signal.aborted) break;
      page = ctx.requestLog.query(pageQuery(query, page.next_cursor, Math.min(PAGE_ROWS, left)));
    }
    res.end();
  } catch (error) {
    if (!gone.signal.aborted) ctx.logger.error('log export failed mid-stream', error);
    res.destroy();
  }
}

function pageQuery(query: ExportQuery, cursor: string | undefined, limit: number): LogQuery {
  const { format: _format, limit: _limit, ...filters } = query;
  return { ...filters, limit, ...(cursor !== undefined && { cursor }) };
}

/** Writes, then waits for the socket to drain when its buffer is full; rejects if the client leaves. */
function write(res: ServerResponse, text: string, gone: AbortSignal): Promise<void> {
  if (gone.aborted) return Promise.reject(new Error('the client closed the export'));
  if (res.write(text)) return Promise.resolve();
  return new Promise((resolve, reject) => {
    const done = (): void => {
      res.off('drain', done);
      gone.removeEventListener('abort', done);
      if (gone.aborted) reject(new Error('the client closed the export'));
      else resolve();
    };
    res.on('drain', done);
    gone.addEventListener('abort', done);
  });
}

/**
 * One RFC 4180 record: arrays joined with `;`, null as an empty field, quoted when needed. Text cells
 * are neutralised against formula injection (see spreadsheetSafe); numbers and booleans are the
 * gateway's own figures and go out as they are, so a spreadsheet can still sum them.
 */
export function csvLine(entry: LogEntry): string {
  return COLUMNS.map((column) => csvField(entry[column])).join(',') + '\r\n';
}

function csvField(value: LogEntry[keyof LogEntry]): string {
  if (value === null) return '';
  if (typeof value === 'number' || typeof value === 'boolean') return String(value);
  const text = spreadsheetSafe(
    Array.isArray(value)
      ? value.map((item) => (typeof item === 'string' ? item : JSON.stringify(item))).join(';')
      : value,
  );
  // `;` is quoted too: spreadsheets in locales whose list separator is `;` would otherwise split an
  // array cell there, and a tool name after the split could start a formula cell of its own.
  return /[",;\r\n]/.test(text) ? `"${text.replaceAll('"', '""')}"` : text;
}

/**
 * Model, session, client and tool names are whatever a sender put in its request, and a spreadsheet
 * runs a cell that starts with `=`, `+`, `-` or `@` (or a tab or CR before one) as a formula. OWASP's
 * rule: such a cell gets a leading `'`, which spreadsheets show as text and do not evaluate.
 */
function spreadsheetSafe(text: string): string {
  return /^[=+\-@\t\r]/.test(text) ? `'${text}` : text;
}
