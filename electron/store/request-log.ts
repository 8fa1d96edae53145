// The request log and the spend it settles: one row per request, blocked or not, written in the same
// transaction as the charges of its cost to every budget it was admitted under, so spend and its row
// are one fact. The hot path queues its writes; they are group-committed (every write queued in one
// turn of the event loop, one transaction) and each caller can await its own commit, which the proxy
// does before the client sees the end of the answer. Admission traces go through the same journal:
// a trace still on disk at start-up is a request that was in flight when the gateway died, and
// recoverInterrupted() turns it into an `interrupted` row charged to its budgets.
// When the store cannot write (a full disk), every write stays queued, health() says so, and a retry
// each second writes them all once space frees; close() drains the queue so a clean shutdown loses nothing.
import type { LogEntry, LogQuery, LogStatus, ModelUsage, UpstreamAttempt } from '../../shared/schemas.js';
import { cacheWriteSplit, emptyUsage, microsToUsd, type TokenUsage } from '../pricing/cost.js';
import { priceVersionLabel } from '../pricing/price-book.js';
import type { ContentStore } from './content-store.js';
import type { Db } from './database.js';
import { iso } from './time.js';

export interface LogRecord {
  request_id: string;
  created_at: number;
  virtual_key_id: string | null;
  virtual_key_name: string | null;
  user_id: string | null;
  team_id: string | null;
  customer_id: string | null;
  session_id: string | null;
  /** The Claude Code agent that sent the request, and the one that started it (subagents); absent in older held-over records. */
  agent_id?: string | null;
  parent_agent_id?: string | null;
  /** With hint headers on, whether a signed-in client's managed settings were current, stale or missing. */
  managed_settings?: 'current' | 'stale' | 'missing' | null;
  /** The keyed fingerprint of the checksum it reported (never the checksum itself). */
  managed_settings_fingerprint?: string | null;
  client: string | null;
  method: string;
  path: string;
  endpoint: string;
  model: string | null;
  provider: string | null;
  /** The pool key that served it, and every attempt made (absent in older held-over records). */
  provider_key_name?: string | null;
  attempts?: UpstreamAttempt[];
  status: LogStatus;
  status_code: number;
  error_type: string | null;
  error_message: string | null;
  stream: boolean;
  usage: TokenUsage;
  cost_micros: number;
  cost_estimated: boolean;
  price_id: number | null;
  latency_ms: number;
  ttfb_ms: number | null;
  stop_reason: string | null;
  tool_names: string[];
  request_bytes: number;
  response_bytes: number;
  upstream_request_id: string | null;
  refusal_reason: string | null;
  requested_model: string | null;
  removed_tools: string[];
  /** Per-model usage and cost when usage.iterations was priced step by step. */
  usage_by_model: ModelUsage[];
  /** Present when content capture applies: the raw and parsed request body, and the response message. */
  content?: { request: { body: Buffer; parsed: unknown } | null; response: unknown };
}

/** One budget period a request's cost lands on. */
export interface Charge {
  budgetId: string;
  periodStart: number;
}

/** What is known of a forwarded request when it is admitted: enough to book it if the gateway dies. */
export interface AdmissionTrace {
  record: Omit<LogRecord, 'content'>;
  charges: Charge[];
  /** The reservation's worst case, booked when no usage was ever seen. */
  estimateMicros: number;
}

/** Prices a usage for recovery: the same bill the proxy applies. */
export type PriceUsage = (
  model: string,
  usage: TokenUsage,
  at: number,
) => { costMicros: number; priceId: number | null; byModel: ModelUsage[] };

export interface StoreHealth {
  writable: boolean;
  error: string | null;
  since: number | null;
  /** Writes queued in memory. */
  pending: number;
}

interface CapturedContent {
  logId: number;
  record: LogRecord;
}

interface UsageNote {
  kind: 'usage';
  requestId: string;
  usage: TokenUsage;
}

type JournalEntry =
  | {
      kind: 'row';
      record: LogRecord;
      charges: readonly Charge[];
      traced: boolean;
      done?: ((durable: boolean) => void) | undefined;
    }
  | { kind: 'trace'; trace: AdmissionTrace; done?: ((durable: boolean) => void) | undefined }
  | UsageNote;

interface LogRow {
  id: number;
  request_id: string;
  created_at: number;
  virtual_key_id: string | null;
  virtual_key_name: string | null;
  user_id: string | null;
  team_id: string | null;
  customer_id: string | null;
  session_id: string | null;
  agent_id: string | null;
  parent_agent_id: string | null;
  managed_settings: 'current' | 'stale' | 'missing' | null;
  managed_settings_fingerprint: string | null;
  client: string | null;
  method: string;
  path: string;
  endpoint: string;
  model: string | null;
  provider: string | null;
  provider_key_name: string | null;
  attempts: string | null;
  status: LogStatus;
  status_code: number;
  error_type: string | null;
  error_message: string | null;
  stream: number;
  input_tokens: number;
  output_tokens: number;
  cache_creation_tokens: number;
  cache_creation_5m_tokens: number;
  cache_creation_1h_tokens: number;
  cache_read_tokens: number;
  cost_micros: number;
  cost_estimated: number;
  price_id: number | null;
  latency_ms: number;
  ttfb_ms: number | null;
  stop_reason: string | null;
  tool_names: string | null;
  request_bytes: number;
  response_bytes: number;
  upstream_request_id: string | null;
  refusal_reason: string | null;
  requested_model: string | null;
  removed_tools: string | null;
  usage_by_model: string | null;
  web_search_requests: number;
  web_fetch_requests: number;
  price_model: string | null;
  price_source: 'builtin' | 'override' | null;
  price_effective_from: number | null;
  has_content: number;
  client_cost_micros: number | null;
}

interface PeriodTotalsRow {
  day_cost: number;
  week_cost: number;
  month_cost: number;
  day_requests: number;
  week_requests: number;
  month_requests: number;
  cache_read_tokens: number;
  prompt_tokens: number;
  cache_saved_micros: number;
}

export interface PeriodTotals {
  /** Micro-dollars. */
  cost: { day: number; week: number; month: number };
  requests: { day: number; week: number; month: number };
  cacheReadTokens: number;
  promptTokens: number;
  cacheSavedMicros: number;
}

export interface SessionCostRow {
  session_id: string;
  virtual_key_name: string | null;
  requests: number;
  cost_micros: number;
  last_at: number;
}

export interface SpendSlotRow {
  group_id: string | null;
  key_name: string | null;
  /** created_at / SPEND_SLOT_MS, rounded down. */
  slot: number;
  cost_micros: number;
}

/** Refused requests of one key, for the notifier's "this key keeps getting refused" rule. */
export interface KeyRefusals {
  /** Null for requests that presented no key Tollgate knows (missing or unknown keys). */
  virtual_key_id: string | null;
  virtual_key_name: string | null;
  count: number;
  /** Every reason seen, most frequent first (ties: alphabetical). */
  reasons: { reason: string; count: number }[];
}

/** A quarter of an hour: every time zone in use today is offset from UTC by a whole number of them. */
export const SPEND_SLOT_MS = 15 * 60_000;

export interface RequestLogOptions {
  /** Flush when this many rows are queued… */
  batchSize?: number;
  /** …or this long after the first queued row; 0 (the default) commits at the end of the event-loop turn. */
  flushDelayMs?: number;
  /** Called when a write first fails (the store has become unwritable), not on every retry. */
  onFlushError?: (error: unknown) => void;
  /** Called when captured content first fails to be written (its rows are safe; it is retried). */
  onContentError?: (error: unknown) => void;
  /** Called with an entry the store refused for a reason of its own (one JSON line), after it was left out. */
  onRejected?: (line: string, error: unknown) => void;
  /** Called when writes succeed again after failing. */
  onRecovered?: (written: number) => void;
  /** How soon a failed write is tried again. */
  retryDelayMs?: number;
}

/** Captured content waits this long for more to share its transaction (hashing and indexing batch well). */
const CONTENT_DELAY_MS = 20;

/** Held writes past which their captured content is let go (a conversation can weigh megabytes). */
const HELD_WITH_CONTENT = 1_000;

/** How long a usage note may wait for another write to share its commit. */
const USAGE_NOTE_DELAY_MS = 250;

const INTERRUPTED_MESSAGE =
  'Tollgate stopped (a crash or forced exit) while this request was in flight. It is booked at the usage seen ' +
  'before the stop, or at its reservation when none was seen.';

/**
 * Refusals per key and reason among rows (afterId, lastId]. Walks the rowid range: the unary + keeps
 * the planner off the (status, created_at) index, which would visit every refusal ever logged to find
 * the few new ones. Exported for the test that checks that plan.
 */
export const REFUSALS_AFTER_SQL = `
  SELECT virtual_key_id, max(virtual_key_name) AS virtual_key_name, coalesce(refusal_reason, 'unknown') AS reason,
         count(*) AS count
  FROM request_logs
  WHERE id > ? AND id <= ? AND +status = 'blocked'
  GROUP BY virtual_key_id, reason
  ORDER BY count DESC, reason`;

// client_cost_micros: Claude Code's own cost for the request, from the api_request event its telemetry
// sent with the request-id it saw, from the same key (telemetry_events_by_request; electron/store/telemetry.ts).
const SELECT_ENTRY = `
  SELECT l.*, p.model AS price_model, p.source AS price_source, p.effective_from AS price_effective_from,
         EXISTS (SELECT 1 FROM request_content c WHERE c.log_id = l.id) AS has_content,
         (SELECT e.cost_micros FROM telemetry_events e
          WHERE e.request_id = l.upstream_request_id AND e.virtual_key_id = l.virtual_key_id AND e.name = 'api_request'
          ORDER BY e.id DESC LIMIT 1) AS client_cost_micros
  FROM request_logs l LEFT JOIN prices p ON p.id = l.price_id`;

export class RequestLog {
  private queue: JournalEntry[] = [];
  private timer: NodeJS.Timeout | null = null;
  private immediate: NodeJS.Immediate | null = null;
  private failure: { error: string; since: number } | null = null;
  private contentQueue: CapturedContent[] = [];
  private contentTimer: NodeJS.Timeout | null = null;
  private contentFailing = false;
  /** Usage notes still queued, by request id. */
  private readonly usageNotes = new Map<string, UsageNote>();
  private readonly logged;
  private readonly insertCharge;
  private readonly addSpend;
  private readonly insertTrace;
  private readonly updateTraceUsage;
  private readonly deleteTrace;
  private readonly allTraces;
  private readonly insert;
  private readonly touchKey;
  private readonly settingsStates;
  private readonly byId;
  private readonly sessionSummary;
  private readonly deleteBefore;
  private readonly admitted;
  private readonly bySession;
  private readonly totals;
  private readonly sessionsByCost;
  private readonly refusalCounts;
  private readonly errorCounts;
  private readonly spendSlots;
  private readonly refusalsAfter;
  private readonly lastId;
  private readonly batchSize: number;
  private readonly flushDelayMs: number;

  constructor(
    private readonly db: Db,
    private readonly content: ContentStore,
    private readonly options: RequestLogOptions = {},
  ) {
    this.batchSize = options.batchSize ?? 256;
    this.flushDelayMs = options.flushDelayMs ?? 0;
    // A charge to a budget deleted while its request ran is dropped rather than failing the whole batch.
    this.insertCharge = db.prepare(
      `INSERT INTO budget_charges (budget_id, period_start, request_id, micros)
       SELECT @budget_id, @period_start, @request_id, @micros WHERE EXISTS (SELECT 1 FROM budgets WHERE id = @budget_id)
       ON CONFLICT (budget_id, period_start, request_id) DO UPDATE SET micros = micros + excluded.micros`,
    );
    this.addSpend = db.prepare(
      `INSERT INTO budget_spend (budget_id, period_start, spent_micros)
       SELECT @budget_id, @period_start, @micros WHERE EXISTS (SELECT 1 FROM budgets WHERE id = @budget_id)
       ON CONFLICT (budget_id, period_start) DO UPDATE SET spent_micros = spent_micros + excluded.spent_micros`,
    );
    this.insertTrace = db.prepare(
      'INSERT OR REPLACE INTO admissions (request_id, created_at, record, usage) VALUES (?, ?, ?, NULL)',
    );
    this.updateTraceUsage = db.prepare('UPDATE admissions SET usage = ? WHERE request_id = ?');
    this.deleteTrace = db.prepare('DELETE FROM admissions WHERE request_id = ?');
    this.logged = db.prepare<[string], { found: number }>('SELECT 1 AS found FROM request_logs WHERE request_id = ?');
    this.allTraces = db.prepare<[], { request_id: string; created_at: number; record: string; usage: string | null }>(
      'SELECT * FROM admissions ORDER BY created_at',
    );
    this.insert = db.prepare(
      `INSERT INTO request_logs (request_id, created_at, virtual_key_id, virtual_key_name, session_id, client, method, path,
         endpoint, model, provider, status, status_code, error_type, error_message, stream, input_tokens, output_tokens,
         cache_creation_tokens, cache_creation_5m_tokens, cache_creation_1h_tokens, cache_read_tokens, cost_micros,
         cost_estimated, price_id, latency_ms, ttfb_ms, stop_reason, tool_names, request_bytes, response_bytes, upstream_request_id,
         user_id, team_id, customer_id, refusal_reason, requested_model, removed_tools, usage_by_model,
         web_search_requests, web_fetch_requests, agent_id, parent_agent_id, managed_settings, managed_settings_fingerprint,
         provider_key_name, attempts)
       VALUES (@request_id, @created_at, @virtual_key_id, @virtual_key_name, @session_id, @client, @method, @path,
         @endpoint, @model, @provider, @status, @status_code, @error_type, @error_message, @stream, @input_tokens, @output_tokens,
         @cache_creation_tokens, @cache_creation_5m_tokens, @cache_creation_1h_tokens, @cache_read_tokens, @cost_micros,
         @cost_estimated, @price_id, @latency_ms, @ttfb_ms, @stop_reason, @tool_names, @request_bytes, @response_bytes, @upstream_request_id,
         @user_id, @team_id, @customer_id, @refusal_reason, @requested_model, @removed_tools, @usage_by_model,
         @web_search_requests, @web_fetch_requests, @agent_id, @parent_agent_id, @managed_settings, @managed_settings_fingerprint,
         @provider_key_name, @attempts)`,
    );
    this.settingsStates = db.prepare<
      [],
      {
        virtual_key_id: string;
        managed_settings: 'current' | 'stale' | 'missing';
        managed_settings_fingerprint: string | null;
        created_at: number;
      }
    >(
      // SQLite takes the bare columns from the row holding the MAX: the latest request's state.
      `SELECT virtual_key_id, managed_settings, managed_settings_fingerprint, MAX(created_at) AS created_at FROM request_logs
       WHERE managed_settings IS NOT NULL AND virtual_key_id IS NOT NULL GROUP BY virtual_key_id`,
    );
    this.touchKey = db.prepare('UPDATE virtual_keys SET last_used_at = max(coalesce(last_used_at, 0), ?) WHERE id = ?');
    this.byId = db.prepare<[number], LogRow>(`${SELECT_ENTRY} WHERE l.id = ?`);
    this.sessionSummary = db.prepare<
      [string],
      {
        requests: number;
        first_at: number | null;
        last_at: number | null;
        input_tokens: number;
        output_tokens: number;
        cache_creation_input_tokens: number;
        cache_read_input_tokens: number;
        cost_micros: number;
      }
    >(
      `SELECT count(*) AS requests, min(created_at) AS first_at, max(created_at) AS last_at,
              coalesce(sum(input_tokens), 0) AS input_tokens, coalesce(sum(output_tokens), 0) AS output_tokens,
              coalesce(sum(cache_creation_tokens), 0) AS cache_creation_input_tokens,
              coalesce(sum(cache_read_tokens), 0) AS cache_read_input_tokens,
              coalesce(sum(cost_micros), 0) AS cost_micros
       FROM request_logs WHERE session_id = ?`,
    );
    this.deleteBefore = db.prepare('DELETE FROM request_logs WHERE created_at < ?');
    this.admitted = db.prepare<
      [{ keyId: string; since: number; provider: string | null }],
      { at: number; tokens: number }
    >(
      `SELECT created_at AS at, input_tokens + output_tokens + cache_creation_tokens + cache_read_tokens AS tokens
       FROM request_logs
       WHERE virtual_key_id = @keyId AND created_at > @since AND endpoint = 'messages' AND refusal_reason IS NULL
         AND (@provider IS NULL OR provider = @provider)
       ORDER BY created_at`,
    );
    this.bySession = db.prepare<[string], LogRow>(`${SELECT_ENTRY} WHERE l.session_id = ? ORDER BY l.created_at, l.id`);
    // The dashboard's figures, each one pass over a time range of the log (request_logs_by_time).
    this.totals = db.prepare<[{ day: number; week: number; month: number; from: number; to: number }], PeriodTotalsRow>(
      `SELECT
         coalesce(sum(CASE WHEN l.created_at >= @day THEN l.cost_micros END), 0) AS day_cost,
         coalesce(sum(CASE WHEN l.created_at >= @week THEN l.cost_micros END), 0) AS week_cost,
         coalesce(sum(CASE WHEN l.created_at >= @month THEN l.cost_micros END), 0) AS month_cost,
         count(CASE WHEN l.created_at >= @day AND l.endpoint = 'messages' THEN 1 END) AS day_requests,
         count(CASE WHEN l.created_at >= @week AND l.endpoint = 'messages' THEN 1 END) AS week_requests,
         count(CASE WHEN l.created_at >= @month AND l.endpoint = 'messages' THEN 1 END) AS month_requests,
         coalesce(sum(CASE WHEN l.created_at >= @month THEN l.cache_read_tokens END), 0) AS cache_read_tokens,
         coalesce(sum(CASE WHEN l.created_at >= @month
                      THEN l.input_tokens + l.cache_creation_tokens + l.cache_read_tokens END), 0) AS prompt_tokens,
         coalesce(sum(CASE WHEN l.created_at >= @month
                      THEN l.cache_read_tokens * max(p.input - p.cache_read, 0) / 1000000.0 END), 0) AS cache_saved_micros
       FROM request_logs l LEFT JOIN prices p ON p.id = l.price_id
       WHERE l.created_at >= @from AND l.created_at < @to`,
    );
    this.sessionsByCost = db.prepare<[number, number, number], SessionCostRow>(
      `SELECT session_id, max(virtual_key_name) AS virtual_key_name, count(*) AS requests,
              sum(cost_micros) AS cost_micros, max(created_at) AS last_at
       FROM request_logs
       WHERE created_at >= ? AND created_at < ? AND session_id IS NOT NULL
       GROUP BY session_id ORDER BY cost_micros DESC, last_at DESC LIMIT ?`,
    );
    this.refusalCounts = db.prepare<[number, number], { reason: string; count: number }>(
      `SELECT refusal_reason AS reason, count(*) AS count FROM request_logs
       WHERE status = 'blocked' AND created_at >= ? AND created_at < ? AND refusal_reason IS NOT NULL
       GROUP BY refusal_reason ORDER BY count DESC, reason`,
    );
    this.errorCounts = db.prepare<[number, number], { error_type: string; count: number }>(
      `SELECT coalesce(error_type, 'http_' || status_code) AS error_type, count(*) AS count FROM request_logs
       WHERE status = 'error' AND created_at >= ? AND created_at < ?
       GROUP BY 1 ORDER BY count DESC, error_type`,
    );
    const slotsBy = (column: string) =>
      db.prepare<[number, number], SpendSlotRow>(
        `SELECT ${column} AS group_id, max(virtual_key_name) AS key_name, created_at / ${SPEND_SLOT_MS} AS slot,
                sum(cost_micros) AS cost_micros
         FROM request_logs
         WHERE created_at >= ? AND created_at < ? AND cost_micros > 0
         GROUP BY group_id, slot`,
      );
    this.refusalsAfter = db.prepare<
      [number, number],
      { virtual_key_id: string | null; virtual_key_name: string | null; reason: string; count: number }
    >(REFUSALS_AFTER_SQL);
    this.lastId = db.prepare<[], { id: number }>('SELECT coalesce(max(id), 0) AS id FROM request_logs');
    this.spendSlots = { team: slotsBy('team_id'), key: slotsBy('virtual_key_id'), model: slotsBy('model') };
  }

  /**
   * Queues a request's row and the charges of its cost to its budgets (and, when it was traced at
   * admission, the removal of that trace): one transaction. Resolves true once committed, false when
   * the store could not write it; it then stays queued and is written when the store recovers.
   */
  append(record: LogRecord, charges: readonly Charge[] = [], traced = false): Promise<boolean> {
    // A usage note still queued for this request is superseded by its row.
    const note = traced ? this.usageNotes.get(record.request_id) : undefined;
    if (note) {
      this.usageNotes.delete(record.request_id);
      const at = this.queue.lastIndexOf(note);
      if (at >= 0) this.queue.splice(at, 1);
    }
    return new Promise((done) => this.enqueue({ kind: 'row', record, charges, traced, done }));
  }

  /** Queues a row nobody waits for (generated history, tests). */
  appendQuietly(record: LogRecord, charges: readonly Charge[] = []): void {
    this.enqueue({ kind: 'row', record, charges, traced: false });
  }

  /** Writes the trace of a request about to be forwarded. Resolves true once it is on disk. */
  trace(trace: AdmissionTrace): Promise<boolean> {
    return new Promise((done) => this.enqueue({ kind: 'trace', trace, done }));
  }

  /** Notes the usage a traced request's stream has reported so far; written with the next commit, awaited by nobody. */
  noteUsage(requestId: string, usage: TokenUsage): void {
    const queued = this.usageNotes.get(requestId);
    if (queued) {
      queued.usage = { ...usage };
      return;
    }
    const note: UsageNote = { kind: 'usage', requestId, usage: { ...usage } };
    this.usageNotes.set(requestId, note);
    this.enqueue(note);
  }

  get pending(): number {
    return this.queue.length;
  }

  health(): StoreHealth {
    return {
      writable: this.failure === null,
      error: this.failure?.error ?? null,
      since: this.failure?.since ?? null,
      pending: this.queue.length,
    };
  }

  /** Writes everything queued, rows and then their content. Synchronous, so it is safe at exit. */
  flush(): void {
    this.commit();
    this.flushContent();
  }

  /** The group commit: every row, charge and trace queued, in one transaction; content follows in its own. */
  private commit(): void {
    if (this.timer) clearTimeout(this.timer);
    if (this.immediate) clearImmediate(this.immediate);
    this.timer = null;
    this.immediate = null;
    if (this.queue.length === 0) return;
    const batch = this.queue;
    this.queue = [];
    this.usageNotes.clear();
    let captured: CapturedContent[];
    try {
      captured = this.writeBatch(batch);
    } catch (error) {
      // The rollback also undid any content blobs, so the content store must not trust its cache.
      this.content.forgetStored();
      if (isStoreFailure(error)) {
        this.holdBack(batch, error);
        return;
      }
      const written = this.writeOneByOne(batch, error);
      if (written === null) return;
      captured = written;
    }
    this.recovered(batch.length);
    for (const entry of batch) settleWaiter(entry, true);
    this.queueContent(captured);
  }

  private recovered(written: number): void {
    if (this.failure === null) return;
    this.failure = null;
    this.options.onRecovered?.(written);
  }

  /**
   * The store cannot take writes (a full disk, an I/O error, a lock): keep everything for the retry,
   * rather than drop spend. Past HELD_WITH_CONTENT entries, captured content is let go to bound what
   * waits in memory; rows, spend and traces are always kept.
   */
  private holdBack(entries: JournalEntry[], error: unknown): void {
    this.queue = entries.concat(this.queue);
    if (this.queue.length > HELD_WITH_CONTENT) {
      for (const entry of this.queue) if (entry.kind === 'row') delete entry.record.content;
    }
    if (this.failure === null) {
      this.failure = { error: describeWriteError(error), since: Date.now() };
      this.options.onFlushError?.(error);
    }
    this.timer ??= unref(setTimeout(() => this.commit(), this.options.retryDelayMs ?? 1000));
    for (const entry of entries) settleWaiter(entry, false);
  }

  /**
   * A batch failed for a reason of its own (a value the store refuses, a constraint): writes its entries
   * one at a time, so one bad entry cannot hold back every other request's row and spend. An entry that
   * still fails is handed to onRejected (kept in a file) and left out. When every entry fails alike, the
   * store itself is refusing writes: everything waits for the retry, and null is returned. Otherwise the
   * content of what was written is returned; every waiter in the batch has then been told.
   */
  private writeOneByOne(batch: JournalEntry[], batchError: unknown): CapturedContent[] | null {
    const captured: CapturedContent[] = [];
    const rejected: { entry: JournalEntry; error: unknown }[] = [];
    for (const [index, entry] of batch.entries()) {
      try {
        captured.push(...this.writeBatch([entry]));
        settleWaiter(entry, true);
      } catch (error) {
        this.content.forgetStored();
        if (isStoreFailure(error)) {
          this.queueContent(captured);
          this.holdBack(batch.slice(index).concat(rejected.map((r) => r.entry)), error);
          return null;
        }
        rejected.push({ entry, error });
      }
    }
    if (rejected.length === batch.length) {
      this.holdBack(batch, batchError);
      return null;
    }
    for (const { entry, error } of rejected) {
      settleWaiter(entry, false);
      this.options.onRejected?.(serialise(entry), error);
    }
    return captured;
  }

  /**
   * Writes everything queued and stops the timers. Returns the writes the store could not take (a full
   * disk): the caller saves them with holdOver() so that nothing is dropped at exit.
   */
  close(): number {
    this.flush();
    if (this.timer) clearTimeout(this.timer);
    if (this.contentTimer) clearTimeout(this.contentTimer);
    this.timer = null;
    this.contentTimer = null;
    return this.queue.length;
  }

  /**
   * The writes still queued, as JSON lines for a file beside the store, and forgets them. Captured content
   * is left out: the rows, their spend and the traces are what must survive. Replayed by takeBack().
   */
  holdOver(): string {
    const text = this.queue.map((entry) => serialise(entry) + '\n').join('');
    this.queue = [];
    this.usageNotes.clear();
    return text;
  }

  /**
   * Writes what an earlier run held over (holdOver's text) in one transaction, once: a row already in
   * the log (the file was replayed before) is skipped with its charges. Lines that are not entries are
   * skipped and counted. Call at start-up, before recoverInterrupted.
   */
  takeBack(text: string): { written: number; skipped: number } {
    const entries: JournalEntry[] = [];
    let skipped = 0;
    for (const line of text.split('\n')) {
      if (line.trim() === '') continue;
      const entry = parseEntry(line);
      if (entry) entries.push(entry);
      else skipped++;
    }
    this.flush();
    this.writeBatch(entries, { once: true });
    return { written: entries.length, skipped };
  }

  /**
   * Books every request whose admission trace outlived its gateway as an `interrupted` row charged to
   * its budgets: at the usage its stream had reported, else at its reservation, either way flagged as
   * an estimate. Call at start-up, before serving. Returns the rows written.
   */
  recoverInterrupted(price: PriceUsage, now: number): number {
    this.flush();
    const traces = this.allTraces.all();
    if (traces.length === 0) return 0;
    const batch: JournalEntry[] = traces.map((row) => {
      const trace = JSON.parse(row.record) as AdmissionTrace;
      const usage = row.usage === null ? null : (JSON.parse(row.usage) as TokenUsage);
      const model = trace.record.model ?? trace.record.requested_model;
      const bill = usage && model ? price(model, usage, trace.record.created_at) : null;
      const record: LogRecord = {
        ...trace.record,
        status: 'interrupted',
        status_code: 0,
        error_type: 'gateway_interrupted',
        error_message: INTERRUPTED_MESSAGE,
        usage: usage ?? emptyUsage(),
        cost_micros: bill ? bill.costMicros : trace.estimateMicros,
        cost_estimated: true,
        price_id: bill?.priceId ?? trace.record.price_id,
        usage_by_model: bill?.byModel ?? [],
        latency_ms: Math.max(0, now - trace.record.created_at),
      };
      return { kind: 'row', record, charges: trace.charges, traced: true };
    });
    this.writeBatch(batch);
    return batch.length;
  }

  private enqueue(entry: JournalEntry): void {
    this.queue.push(entry);
    if (this.failure !== null) {
      // Nothing is durable until the retry timer gets it written: whoever waits is told so now.
      settleWaiter(entry, false);
      return;
    }
    if (this.queue.length >= this.batchSize) this.commit();
    // Usage notes are for a crash mid-stream, awaited by nobody: they ride along with the next commit.
    else if (entry.kind === 'usage') this.timer ??= unref(setTimeout(() => this.commit(), USAGE_NOTE_DELAY_MS));
    else if (this.flushDelayMs === 0) this.immediate ??= setImmediate(() => this.commit());
    else this.timer ??= setTimeout(() => this.commit(), this.flushDelayMs);
  }

  /** Writes a batch in one transaction; returns the captured content of its rows, to be written next. */
  private writeBatch(batch: readonly JournalEntry[], options: { once?: boolean } = {}): CapturedContent[] {
    const captured: CapturedContent[] = [];
    this.db.transaction(() => {
      const lastUse = new Map<string, number>();
      for (const entry of batch) {
        if (entry.kind === 'trace') {
          const { record } = entry.trace;
          this.insertTrace.run(record.request_id, record.created_at, JSON.stringify(entry.trace));
          continue;
        }
        if (entry.kind === 'usage') {
          this.updateTraceUsage.run(JSON.stringify(entry.usage), entry.requestId);
          continue;
        }
        const { record } = entry;
        if (options.once && this.logged.get(record.request_id)) {
          if (entry.traced) this.deleteTrace.run(record.request_id);
          continue;
        }
        const { lastInsertRowid } = this.insert.run(toRow(record));
        if (record.content) captured.push({ logId: Number(lastInsertRowid), record });
        if (record.cost_micros !== 0) {
          for (const charge of entry.charges) {
            const values = {
              budget_id: charge.budgetId,
              period_start: charge.periodStart,
              request_id: record.request_id,
              micros: record.cost_micros,
            };
            this.insertCharge.run(values);
            this.addSpend.run(values);
          }
        }
        if (entry.traced) this.deleteTrace.run(record.request_id);
        if (record.virtual_key_id !== null) {
          lastUse.set(record.virtual_key_id, Math.max(lastUse.get(record.virtual_key_id) ?? 0, record.created_at));
        }
      }
      for (const [keyId, at] of lastUse) this.touchKey.run(at, keyId);
    })();
    return captured;
  }

  /**
   * Captured content is written in a transaction of its own just after its rows: hashing, compressing and
   * indexing a conversation need not delay the end of the answer, and a row never waits on its content.
   */
  private queueContent(captured: readonly CapturedContent[]): void {
    if (captured.length === 0) return;
    this.contentQueue.push(...captured);
    this.contentTimer ??= setTimeout(() => {
      this.contentTimer = null;
      this.flushContent();
    }, CONTENT_DELAY_MS);
  }

  /** Writes captured content still queued. Synchronous; readers of content call it first. */
  flushContent(): void {
    if (this.contentTimer) clearTimeout(this.contentTimer);
    this.contentTimer = null;
    if (this.contentQueue.length === 0) return;
    const batch = this.contentQueue;
    this.contentQueue = [];
    try {
      this.db.transaction(() => {
        for (const { logId, record } of batch) {
          if (!record.content) continue;
          this.content.save(
            logId,
            record.content.request,
            record.content.response,
            record.created_at,
            record.session_id ?? record.virtual_key_id,
          );
        }
      })();
      this.contentFailing = false;
    } catch (error) {
      // The rollback undid any blobs, so the content store must not trust its cache; the rows are safe.
      this.content.forgetStored();
      if (!this.contentFailing) this.options.onContentError?.(error);
      this.contentFailing = true;
      this.contentQueue = batch.concat(this.contentQueue);
      this.contentTimer = setTimeout(() => {
        this.contentTimer = null;
        this.flushContent();
      }, this.options.retryDelayMs ?? 1000);
    }
  }

  /**
   * One page of the log, newest first, narrowed by the query's filters. `since_id` keeps rows with a
   * higher id (a live tail: rows are numbered as they are written). `q` is a full-text search over
   * captured content in FTS5 syntax; text that is not valid FTS5 syntax is searched for as plain
   * words. A row matches when the text it added to its conversation matches: a message resent by
   * later turns of the same session is found on the row that sent it first.
   */
  query(query: LogQuery): { logs: LogEntry[]; next_cursor: string | null; has_more: boolean } {
    this.flush();
    // FTS5 reads its query as C text, which ends at a NUL: `a\0b` would quietly search for `a` alone,
    // and the plain-words retry of a lone NUL fails as an unterminated string. Refused as the caller's.
    if (query.q?.includes('\0')) {
      throw new RangeError('q contains a NUL character (%00), which full-text search cannot match; remove it');
    }
    const where: string[] = [];
    const params: (string | number)[] = [];
    const add = (clause: string, value: string | number): void => {
      where.push(clause);
      params.push(value);
    };
    if (query.vk !== undefined) add('(l.virtual_key_id = ? )', query.vk);
    if (query.model !== undefined) add('l.model = ?', query.model);
    if (query.provider !== undefined) add('l.provider = ?', query.provider);
    if (typeof query.status === 'number') add('l.status_code = ?', query.status);
    else if (query.status !== undefined) add('l.status = ?', query.status);
    if (query.session !== undefined) add('l.session_id = ?', query.session);
    if (query.team !== undefined) add('l.team_id = ?', query.team);
    if (query.user !== undefined) add('l.user_id = ?', query.user);
    if (query.reason !== undefined) add('l.refusal_reason = ?', query.reason);
    if (query.estimated !== undefined) add('l.cost_estimated = ?', query.estimated ? 1 : 0);
    if (query.start !== undefined) add('l.created_at >= ?', toMs(query.start));
    if (query.end !== undefined) add('l.created_at < ?', toMs(query.end));
    if (query.since_id !== undefined) add('l.id > ?', query.since_id);
    if (query.cursor !== undefined) {
      const cursor = decodeCursor(query.cursor);
      where.push('(l.created_at, l.id) < (?, ?)');
      params.push(cursor.createdAt, cursor.id);
    }
    const search = query.q === undefined ? -1 : params.length;
    // The unary + keeps SQLite walking the newest-first index and testing each row against the match
    // set; driving the query from the matches instead sorts every match (3.5 s for a common word at 1M rows).
    if (query.q !== undefined) add('+l.id IN (SELECT rowid FROM request_search WHERE request_search MATCH ?)', query.q);
    // A tail asks for the few rows above an id: walk the rowid range rather than an index that would
    // visit every row of a busy key or model to find none.
    const from = query.since_id === undefined ? 'request_logs l' : 'request_logs l NOT INDEXED';
    const sql = `${SELECT_ENTRY.replace('request_logs l', from)} ${where.length ? `WHERE ${where.join(' AND ')}` : ''}
      ORDER BY l.created_at DESC, l.id DESC LIMIT ?`;
    const statement = this.db.prepare<(string | number)[], LogRow>(sql);
    let rows: LogRow[];
    try {
      rows = statement.all(...params, query.limit + 1);
    } catch (error) {
      if (search < 0 || !isSearchSyntaxError(error)) throw error;
      params[search] = plainWords(query.q ?? '');
      rows = statement.all(...params, query.limit + 1);
    }
    const has_more = rows.length > query.limit;
    const page = rows.slice(0, query.limit).map(toEntry);
    const last = page.at(-1);
    return { logs: page, has_more, next_cursor: has_more && last ? encodeCursor(last) : null };
  }

  get(id: number): { log: LogEntry; request: unknown; response: unknown } | null {
    this.flush();
    const row = this.byId.get(id);
    if (!row) return null;
    const content = this.content.load(id);
    return { log: toEntry(row), request: content?.request ?? null, response: content?.response ?? null };
  }

  session(sessionId: string) {
    const row = this.sessionSummary.get(sessionId);
    if (!row || row.requests === 0 || row.first_at === null || row.last_at === null) return null;
    const prompt = row.input_tokens + row.cache_creation_input_tokens + row.cache_read_input_tokens;
    return {
      session_id: sessionId,
      requests: row.requests,
      first_at: iso(row.first_at),
      last_at: iso(row.last_at),
      input_tokens: row.input_tokens,
      output_tokens: row.output_tokens,
      cache_creation_input_tokens: row.cache_creation_input_tokens,
      cache_read_input_tokens: row.cache_read_input_tokens,
      cache_read_share: prompt === 0 ? 0 : row.cache_read_input_tokens / prompt,
      cost: microsToUsd(row.cost_micros),
    };
  }

  /** Every row of a session, oldest first. */
  sessionEntries(sessionId: string): LogEntry[] {
    this.flush();
    return this.bySession.all(sessionId).map(toEntry);
  }

  /**
   * Spend (micro-dollars) and `messages` requests since each of three instants up to `to`, and the
   * prompt cache's effect since `month`: tokens read from it, all prompt tokens, and what reading
   * them saved against the input price of each row's price version (long-context bands aside).
   */
  periodTotals(bounds: { day: number; week: number; month: number; to: number }): PeriodTotals {
    this.flush();
    const row = this.totals.get({ ...bounds, from: Math.min(bounds.day, bounds.week, bounds.month) });
    return {
      cost: { day: row?.day_cost ?? 0, week: row?.week_cost ?? 0, month: row?.month_cost ?? 0 },
      requests: { day: row?.day_requests ?? 0, week: row?.week_requests ?? 0, month: row?.month_requests ?? 0 },
      cacheReadTokens: row?.cache_read_tokens ?? 0,
      promptTokens: row?.prompt_tokens ?? 0,
      cacheSavedMicros: Math.round(row?.cache_saved_micros ?? 0),
    };
  }

  /** Sessions by cost in [from, to), most expensive first. */
  topSessions(from: number, to: number, limit: number): SessionCostRow[] {
    this.flush();
    return this.sessionsByCost.all(from, to, limit);
  }

  /** Refused requests by refusal reason, and failed ones by error type, in [from, to). */
  outcomes(
    from: number,
    to: number,
  ): { refusals: { reason: string; count: number }[]; errors: { error_type: string; count: number }[] } {
    this.flush();
    return { refusals: this.refusalCounts.all(from, to), errors: this.errorCounts.all(from, to) };
  }

  /**
   * Spend in [from, to) per group (team id, key id or model; null when the row has none) and per
   * SPEND_SLOT_MS slot of UTC time. Every zone's hours and days start on a slot boundary, so callers
   * add slots up into local buckets.
   */
  spendBySlot(group: 'team' | 'key' | 'model', from: number, to: number): SpendSlotRow[] {
    this.flush();
    return this.spendSlots[group].all(from, to);
  }

  /** Per key, what its latest signed-in request said of its managed settings (hint headers on). */
  latestSettingsStates(): {
    virtual_key_id: string;
    managed_settings: 'current' | 'stale' | 'missing';
    managed_settings_fingerprint: string | null;
    created_at: number;
  }[] {
    this.flush();
    return this.settingsStates.all();
  }

  /** The id of the last row written (0 for an empty log): where a reader of rows written from now on starts. */
  latestId(): number {
    this.flush();
    return this.lastId.get()?.id ?? 0;
  }

  /**
   * Refusals per key among the rows written after `afterId` (0 for all), and the id of the last row
   * written, to pass next time. Rows are numbered as they are written, so a poll that passes back
   * `last_id` sees every row exactly once, however late its request's row reached the log.
   */
  refusalsByKeyAfter(afterId: number): { last_id: number; keys: KeyRefusals[] } {
    const lastId = this.latestId();
    // An id past the end means retention emptied the log since, and ids started again from 1.
    const from = afterId > lastId ? 0 : afterId;
    const byKey = new Map<string | null, KeyRefusals>();
    for (const row of this.refusalsAfter.all(from, lastId)) {
      const key = byKey.get(row.virtual_key_id);
      if (key) {
        key.count += row.count;
        key.virtual_key_name ??= row.virtual_key_name;
        key.reasons.push({ reason: row.reason, count: row.count });
      } else {
        byKey.set(row.virtual_key_id, {
          virtual_key_id: row.virtual_key_id,
          virtual_key_name: row.virtual_key_name,
          count: row.count,
          reasons: [{ reason: row.reason, count: row.count }],
        });
      }
    }
    return { last_id: lastId, keys: [...byKey.values()].sort((a, b) => b.count - a.count) };
  }

  /** Admitted inference requests of a key since `since`, for rebuilding rate-limit windows after a restart. */
  admittedSince(keyId: string, since: number, provider?: string): { at: number; tokens: number }[] {
    this.flush();
    return this.admitted.all({ keyId, since, provider: provider ?? null });
  }

  /** Deletes rows older than the retention window, then the content only they referred to. */
  prune(retentionDays: number, now: number): { rows: number; blobs: number } {
    if (retentionDays <= 0) return { rows: 0, blobs: 0 };
    this.flush();
    return this.db.transaction(() => {
      const rows = this.deleteBefore.run(now - retentionDays * 86_400_000).changes;
      return { rows, blobs: rows > 0 ? this.content.prune() : 0 };
    })();
  }
}

function toRow(record: LogRecord): Record<string, string | number | null> {
  const { usage } = record;
  const writes = cacheWriteSplit(usage);
  return {
    request_id: record.request_id,
    created_at: record.created_at,
    virtual_key_id: record.virtual_key_id,
    virtual_key_name: record.virtual_key_name,
    session_id: record.session_id,
    client: record.client,
    method: record.method,
    path: record.path,
    endpoint: record.endpoint,
    model: record.model,
    provider: record.provider,
    status: record.status,
    status_code: record.status_code,
    error_type: record.error_type,
    error_message: record.error_message,
    stream: record.stream ? 1 : 0,
    input_tokens: usage.input_tokens,
    output_tokens: usage.output_tokens,
    cache_creation_tokens: usage.cache_creation_input_tokens,
    cache_creation_5m_tokens: writes.fiveMinute,
    cache_creation_1h_tokens: writes.oneHour,
    cache_read_tokens: usage.cache_read_input_tokens,
    cost_micros: record.cost_micros,
    cost_estimated: record.cost_estimated ? 1 : 0,
    price_id: record.price_id,
    latency_ms: record.latency_ms,
    ttfb_ms: record.ttfb_ms,
    stop_reason: record.stop_reason,
    tool_names: record.tool_names.length ? JSON.stringify(record.tool_names) : null,
    request_bytes: record.request_bytes,
    response_bytes: record.response_bytes,
    upstream_request_id: record.upstream_request_id,
    user_id: record.user_id,
    team_id: record.team_id,
    customer_id: record.customer_id,
    refusal_reason: record.refusal_reason,
    requested_model: record.requested_model,
    removed_tools: record.removed_tools.length ? JSON.stringify(record.removed_tools) : null,
    usage_by_model: record.usage_by_model.length ? JSON.stringify(record.usage_by_model) : null,
    web_search_requests: usage.web_search_requests ?? 0,
    web_fetch_requests: usage.web_fetch_requests ?? 0,
    agent_id: record.agent_id ?? null,
    parent_agent_id: record.parent_agent_id ?? null,
    managed_settings: record.managed_settings ?? null,
    managed_settings_fingerprint: record.managed_settings_fingerprint ?? null,
    provider_key_name: record.provider_key_name ?? null,
    attempts: record.attempts && record.attempts.length > 0 ? JSON.stringify(record.attempts) : null,
  };
}

function toEntry(row: LogRow): LogEntry {
  return {
    id: row.id,
    request_id: row.request_id,
    timestamp: iso(row.created_at),
    created_at_ms: row.created_at,
    virtual_key_id: row.virtual_key_id,
    virtual_key_name: row.virtual_key_name,
    session_id: row.session_id,
    agent_id: row.agent_id,
    parent_agent_id: row.parent_agent_id,
    managed_settings: row.managed_settings,
    managed_settings_fingerprint: row.managed_settings_fingerprint,
    client: row.client,
    method: row.method,
    path: row.path,
    endpoint: row.endpoint,
    model: row.model,
    provider: row.provider,
    provider_key_name: row.provider_key_name,
    attempts: row.attempts === null ? [] : (JSON.parse(row.attempts) as UpstreamAttempt[]),
    status: row.status,
    status_code: row.status_code,
    error_type: row.error_type,
    error_message: row.error_message,
    stream: row.stream === 1,
    input_tokens: row.input_tokens,
    output_tokens: row.output_tokens,
    cache_creation_input_tokens: row.cache_creation_tokens,
    cache_creation_5m_input_tokens: row.cache_creation_5m_tokens,
    cache_creation_1h_input_tokens: row.cache_creation_1h_tokens,
    cache_read_input_tokens: row.cache_read_tokens,
    web_search_requests: row.web_search_requests,
    web_fetch_requests: row.web_fetch_requests,
    usage_by_model: row.usage_by_model ? (JSON.parse(row.usage_by_model) as ModelUsage[]) : [],
    cost: microsToUsd(row.cost_micros),
    cost_micros: row.cost_micros,
    cost_estimated: row.cost_estimated === 1,
    price_version:
      row.price_id !== null &&
      row.price_model !== null &&
      row.price_source !== null &&
      row.price_effective_from !== null
        ? priceVersionLabel({
            id: row.price_id,
            model: row.price_model,
            source: row.price_source,
            effective_from: row.price_effective_from,
          })
        : null,
    latency_ms: row.latency_ms,
    ttfb_ms: row.ttfb_ms,
    stop_reason: row.stop_reason,
    tool_names: row.tool_names ? (JSON.parse(row.tool_names) as string[]) : [],
    request_bytes: row.request_bytes,
    response_bytes: row.response_bytes,
    upstream_request_id: row.upstream_request_id,
    client_cost: row.client_cost_micros === null ? null : microsToUsd(row.client_cost_micros),
    client_cost_differs: row.client_cost_micros !== null && costsDiffer(row.client_cost_micros, row.cost_micros),
    user_id: row.user_id,
    team_id: row.team_id,
    customer_id: row.customer_id,
    refusal_reason: row.refusal_reason,
    requested_model: row.requested_model,
    removed_tools: row.removed_tools ? (JSON.parse(row.removed_tools) as string[]) : [],
    has_content: row.has_content === 1,
  };
}

/**
 * Whether Claude Code's cost and Tollgate's disagree beyond rounding: each is rounded to the micro-dollar
 * (Claude Code reports float dollars), so two micro-dollars apart, or a ten-thousandth of the larger, is
 * still the same price.
 */
export function costsDiffer(clientMicros: number, tollgateMicros: number): boolean {
  return Math.abs(clientMicros - tollgateMicros) > Math.max(2, Math.max(clientMicros, tollgateMicros) / 10_000);
}

function isSearchSyntaxError(error: unknown): boolean {
  return (
    error instanceof Error && /^fts5: |unterminated string|no such column|unknown special query/.test(error.message)
  );
}

/** Text as a sequence of quoted words, each required: `src/main.ts -x` becomes `"src/main.ts" "-x"`. */
function plainWords(text: string): string {
  const words = text.split(/\s+/).filter(Boolean);
  return words.length ? words.map((word) => `"${word.replaceAll('"', '""')}"`).join(' ') : '""';
}

function toMs(value: number | string): number {
  return typeof value === 'number' ? value : Date.parse(value);
}

/** Keyset cursor: the position of the last row of a page, as `<created_at>.<id>`. */
function encodeCursor(entry: LogEntry): string {
  return `${entry.created_at_ms}.${entry.id}`;
}

function decodeCursor(cursor: string): { createdAt: number; id: number } {
  const match = /^(\d+)\.(\d+)$/.exec(cursor);
  const createdAt = Number(match?.[1]);
  const id = Number(match?.[2]);
  if (!match || !Number.isSafeInteger(createdAt) || !Number.isSafeInteger(id)) {
    throw new RangeError(`cursor "${cursor}" is not one this API returned; pass next_cursor from the previous page`);
  }
  return { createdAt, id };
}

function settleWaiter(entry: JournalEntry, durable: boolean): void {
  if (entry.kind === 'usage') return;
  const done = entry.done;
  if (!done) return;
  entry.done = undefined; // a retry after a failure has nobody left to tell
  done(durable);
}

/** "SQLITE_FULL: database or disk is full": the code says what happened, the message says it to a person. */
function describeWriteError(error: unknown): string {
  if (!(error instanceof Error)) return String(error);
  const code = (error as { code?: unknown }).code;
  return typeof code === 'string' && !error.message.startsWith(code) ? `${code}: ${error.message}` : error.message;
}

/** Errors that say the store as a whole cannot take writes now, as opposed to refusing one entry. */
function isStoreFailure(error: unknown): boolean {
  const code = (error as { code?: unknown } | null)?.code;
  return (
    typeof code === 'string' &&
    /^SQLITE_(FULL|IOERR|READONLY|BUSY|LOCKED|CANTOPEN|NOMEM|PROTOCOL|CORRUPT|NOTADB)/.test(code)
  );
}

/** One queued write as a JSON line, without captured content (kept in memory only). */
function serialise(entry: JournalEntry): string {
  if (entry.kind === 'row') {
    const { content: _content, ...record } = entry.record;
    void _content;
    return JSON.stringify({ kind: 'row', record, charges: entry.charges, traced: entry.traced });
  }
  if (entry.kind === 'trace') return JSON.stringify({ kind: 'trace', trace: entry.trace });
  return JSON.stringify({ kind: 'usage', requestId: entry.requestId, usage: entry.usage });
}

/** A held-over line back as an entry, or null when it is not one this version wrote. */
function parseEntry(line: string): JournalEntry | null {
  let value: unknown;
  try {
    value = JSON.parse(line);
  } catch {
    return null;
  }
  if (typeof value !== 'object' || value === null) return null;
  const entry = value as Partial<Record<string, unknown>>;
  const isRecord = (r: unknown): r is LogRecord =>
    typeof r === 'object' &&
    r !== null &&
    typeof (r as { request_id?: unknown }).request_id === 'string' &&
    typeof (r as { cost_micros?: unknown }).cost_micros === 'number' &&
    Number.isSafeInteger((r as { cost_micros: number }).cost_micros);
  const isCharges = (c: unknown): c is Charge[] =>
    Array.isArray(c) &&
    c.every(
      (x) =>
        typeof x === 'object' &&
        x !== null &&
        typeof (x as Charge).budgetId === 'string' &&
        Number.isSafeInteger((x as Charge).periodStart),
    );
  if (entry.kind === 'row' && isRecord(entry.record) && isCharges(entry.charges)) {
    return { kind: 'row', record: entry.record, charges: entry.charges, traced: entry.traced === true };
  }
  const trace = entry.trace as Partial<AdmissionTrace> | undefined;
  if (
    entry.kind === 'trace' &&
    trace &&
    isRecord(trace.record) &&
    isCharges(trace.charges) &&
    Number.isSafeInteger(trace.estimateMicros)
  ) {
    return { kind: 'trace', trace: trace as AdmissionTrace };
  }
  if (
    entry.kind === 'usage' &&
    typeof entry.requestId === 'string' &&
    typeof entry.usage === 'object' &&
    entry.usage !== null
  ) {
    return { kind: 'usage', requestId: entry.requestId, usage: entry.usage as TokenUsage };
  }
  return null;
}

function unref(timer: NodeJS.Timeout): NodeJS.Timeout {
  timer.unref();
  return timer;
}
