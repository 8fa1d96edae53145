// The store's health checks behind `npm run doctor`: SQLite's own integrity check, the budget invariant
// (each budget period's recorded usage equals the sum of its charges, and each charge equals the cost
// on its request's log row), the audit chain, and admissions left behind by a gateway that died with
// requests in flight. Checks only read; repairBudgetUsage is the one repair, and it rewrites nothing but
// budget_spend, in one transaction, audited. Results are plain, JSON-ready objects: ISO times, integer
// micro-dollars.
import Database from 'better-sqlite3';
import { AuditLog, type AuditVerification } from './audit.js';
import type { Db } from './database.js';
import { migrations } from './migrations/index.js';
import { iso } from './time.js';

/** The request id of spend carried over from before migration 0005: one charge per budget period, no log row. */
export const CARRIED_OVER = 'carried-over';

/** How many request ids and mismatched charges a report names; the counts stay exact. */
export const NAMED_AT_MOST = 20;

/** The first schema version that has budget_charges and admissions. */
const SETTLEMENT_SCHEMA = migrations.findIndex((migration) => migration.name === '0005-durable-settlement') + 1;

export interface SchemaCheck {
  ok: boolean;
  /** PRAGMA user_version of the store. */
  version: number;
  /** How many migrations this Tollgate knows: the version the gateway brings a store up to. */
  known: number;
}

export interface IntegrityCheck {
  ok: boolean;
  /** What PRAGMA integrity_check said, when it did not say "ok". */
  problems: string[];
}

export interface BudgetOwner {
  type: string;
  id: string;
  /** The customer's, team's, user's or key's name; null when the owner is gone. */
  name: string | null;
}

/** A budget period whose recorded usage is not the sum of its charges. */
export interface BudgetDisagreement {
  budget_id: string;
  /** null when the budget row itself is gone. */
  owner: BudgetOwner | null;
  period_start: string;
  /** budget_spend.spent_micros; null when the period has charges but no usage row. */
  recorded_micros: number | null;
  charged_micros: number;
  charges: number;
  /** recorded − charged: positive when the budget shows more usage than its charges add up to. */
  difference_micros: number;
}

/** A charge whose request still has its log row, and the row says a different cost. */
export interface ChargeMismatch {
  budget_id: string;
  period_start: string;
  request_id: string;
  charged_micros: number;
  logged_micros: number;
}

export interface BudgetCheck {
  ok: boolean;
  /** Budget periods checked: every usage row, and every period with charges but no usage row. */
  periods: number;
  disagreements: BudgetDisagreement[];
  charge_mismatches: { count: number; first: ChargeMismatch[] };
  /** Spend from before migration 0005, one charge per period: no log row by design. */
  carried_over_charges: number;
  /** Charges whose log row retention has since removed: nothing to compare them with, and nothing wrong. */
  charges_without_log_row: number;
}

/** Requests admitted but never logged: in flight now, or in flight when the gateway stopped. */
export interface AdmissionCheck {
  ok: boolean;
  count: number;
  /** The gateway that holds the data directory now, when one does: its admissions are simply in flight. */
  running_gateway_pid: number | null;
  oldest_created_at: string | null;
  /** The oldest NAMED_AT_MOST. */
  request_ids: string[];
}

export interface DoctorReport {
  ok: boolean;
  schema: SchemaCheck;
  integrity: IntegrityCheck;
  /** null when the schema is older than this Tollgate's: the tables checked may not exist yet. */
  budgets: BudgetCheck | null;
  audit: AuditVerification | null;
  admissions: AdmissionCheck | null;
}

export interface RepairedPeriod {
  budget_id: string;
  owner: BudgetOwner | null;
  period_start: string;
  /** Usage before the repair; null when there was no usage row. */
  before_micros: number | null;
  /** Usage after it: the sum of the charges; null when the period had no charges and its row was removed. */
  after_micros: number | null;
}

export function checkSchema(db: Db): SchemaCheck {
  const version = db.pragma('user_version', { simple: true }) as number;
  return { ok: version === migrations.length, version, known: migrations.length };
}

export function checkIntegrity(db: Db): IntegrityCheck {
  const problems: string[] = [];
  try {
    // Row by row: on some damage SQLite reports lines and then fails the statement, and the lines matter.
    for (const line of db.prepare<[], string>('PRAGMA integrity_check').pluck().iterate()) {
      if (line !== 'ok') problems.push(...line.split('\n'));
    }
  } catch (error) {
    if (!(error instanceof Database.SqliteError)) throw error;
    problems.push(`${error.code}: ${error.message}`);
  }
  return { ok: problems.length === 0, problems };
}

interface PeriodRow {
  budget_id: string;
  period_start: number;
  recorded_micros: number | null;
  charged_micros: number;
  charges: number;
  owner_type: string | null;
  owner_id: string | null;
  owner_name: string | null;
}

/**
 * Every budget period where usage and charges disagree, including periods with charges but no usage
 * row, with the budget's owner and the owner's name where one can be found.
 */
function disagreeingPeriods(db: Db): PeriodRow[] {
  return db
    .prepare<[], PeriodRow>(
      `WITH charged AS (
         SELECT budget_id, period_start, SUM(micros) AS micros, COUNT(*) AS charges
         FROM budget_charges GROUP BY budget_id, period_start
       ),
       periods AS (
         SELECT s.budget_id, s.period_start, s.spent_micros AS recorded_micros,
                COALESCE(c.micros, 0) AS charged_micros, COALESCE(c.charges, 0) AS charges
         FROM budget_spend s LEFT JOIN charged c ON c.budget_id = s.budget_id AND c.period_start = s.period_start
         UNION ALL
         SELECT c.budget_id, c.period_start, NULL, c.micros, c.charges
         FROM charged c
         WHERE NOT EXISTS (SELECT 1 FROM budget_spend s WHERE s.budget_id = c.budget_id AND s.period_start = c.period_start)
       )
       SELECT p.budget_id, p.period_start, p.recorded_micros, p.charged_micros, p.charges,
              b.owner_type, b.owner_id,
              CASE b.owner_type
                WHEN 'customer' THEN (SELECT name FROM customers WHERE id = b.owner_id)
                WHEN 'team' THEN (SELECT name FROM teams WHERE id = b.owner_id)
                WHEN 'user' THEN (SELECT name FROM users WHERE id = b.owner_id)
                WHEN 'virtual_key' THEN (SELECT name FROM virtual_keys WHERE id = b.owner_id)
                WHEN 'provider_config' THEN (
                  SELECT k.name || ' (' || pc.provider || ')'
                  FROM provider_configs pc JOIN virtual_keys k ON k.id = pc.virtual_key_id
                  WHERE pc.id = CAST(b.owner_id AS INTEGER))
              END AS owner_name
       FROM periods p LEFT JOIN budgets b ON b.id = p.budget_id
       WHERE p.recorded_micros IS NULL OR p.recorded_micros <> p.charged_micros
       ORDER BY b.owner_type, b.owner_id, p.budget_id, p.period_start`,
    )
    .all();
}

const ownerOf = (row: PeriodRow): BudgetOwner | null =>
  row.owner_type === null || row.owner_id === null
    ? null
    : { type: row.owner_type, id: row.owner_id, name: row.owner_name };

export function checkBudgets(db: Db): BudgetCheck {
  const disagreements = disagreeingPeriods(db).map((row): BudgetDisagreement => ({
    budget_id: row.budget_id,
    owner: ownerOf(row),
    period_start: iso(row.period_start),
    recorded_micros: row.recorded_micros,
    charged_micros: row.charged_micros,
    charges: row.charges,
    difference_micros: (row.recorded_micros ?? 0) - row.charged_micros,
  }));
  const { periods } = db
    .prepare<[], { periods: number }>(
      `SELECT (SELECT COUNT(*) FROM budget_spend) +
              (SELECT COUNT(*) FROM (SELECT DISTINCT budget_id, period_start FROM budget_charges) c
               WHERE NOT EXISTS (SELECT 1 FROM budget_spend s WHERE s.budget_id = c.budget_id AND s.period_start = c.period_start))
              AS periods`,
    )
    .get() ?? { periods: 0 };
  // One pass over the charges that name a request, each looked up in the log by request id.
  const counts = db
    .prepare<[{ carried: string }], { carried_over: number; without_row: number; mismatched: number }>(
      `SELECT COALESCE(SUM(c.request_id = @carried), 0) AS carried_over,
              COALESCE(SUM(c.request_id <> @carried AND r.id IS NULL), 0) AS without_row,
              COALESCE(SUM(r.id IS NOT NULL AND r.cost_micros <> c.micros), 0) AS mismatched
       FROM budget_charges c LEFT JOIN request_logs r ON r.request_id = c.request_id AND c.request_id <> @carried`,
    )
    .get({ carried: CARRIED_OVER }) ?? { carried_over: 0, without_row: 0, mismatched: 0 };
  const mismatches = counts.mismatched === 0 ? [] : firstMismatchedCharges(db);
  return {
    ok: disagreements.length === 0 && counts.mismatched === 0,
    periods,
    disagreements,
    charge_mismatches: { count: counts.mismatched, first: mismatches },
    carried_over_charges: counts.carried_over,
    charges_without_log_row: counts.without_row,
  };
}

/** The first NAMED_AT_MOST charges whose request's log row says another cost, oldest request first. */
function firstMismatchedCharges(db: Db): ChargeMismatch[] {
  return db
    .prepare<[string, number], Omit<ChargeMismatch, 'period_start'> & { period_start: number }>(
      `SELECT c.budget_id, c.period_start, c.request_id, c.micros AS charged_micros, r.cost_micros AS logged_micros
       FROM budget_charges c JOIN request_logs r ON r.request_id = c.request_id
       WHERE c.request_id <> ? AND r.cost_micros <> c.micros
       ORDER BY r.created_at, c.request_id, c.budget_id LIMIT ?`,
    )
    .all(CARRIED_OVER, NAMED_AT_MOST)
    .map((row) => ({ ...row, period_start: iso(row.period_start) }));
}

export function checkAdmissions(db: Db, runningGatewayPid: number | null = null): AdmissionCheck {
  const { count, oldest } = db
    .prepare<[], { count: number; oldest: number | null }>(
      'SELECT COUNT(*) AS count, MIN(created_at) AS oldest FROM admissions',
    )
    .get() ?? { count: 0, oldest: null };
  const requestIds = db
    .prepare<[number], { request_id: string }>(
      'SELECT request_id FROM admissions ORDER BY created_at, request_id LIMIT ?',
    )
    .all(NAMED_AT_MOST)
    .map((row) => row.request_id);
  return {
    ok: count === 0 || runningGatewayPid !== null,
    count,
    running_gateway_pid: runningGatewayPid,
    oldest_created_at: oldest === null ? null : iso(oldest),
    request_ids: requestIds,
  };
}

/** Every check; those that need tables of the current schema are skipped (null) on an older store. */
export function checkStore(db: Db, runningGatewayPid: number | null = null): DoctorReport {
  const schema = checkSchema(db);
  const integrity = checkIntegrity(db);
  const current = schema.ok && schema.version >= SETTLEMENT_SCHEMA;
  const budgets = current ? checkBudgets(db) : null;
  const audit = current ? new AuditLog(db).verify() : null;
  const admissions = current ? checkAdmissions(db, runningGatewayPid) : null;
  return {
    ok: schema.ok && integrity.ok && budgets?.ok !== false && audit?.ok !== false && admissions?.ok !== false,
    schema,
    integrity,
    budgets,
    audit,
    admissions,
  };
}

/**
 * Sets each budget period's usage to the sum of its charges (inserting the usage row a period with
 * charges lacks, deleting the row of a period without charges) and audits each period it changed,
 * all in one transaction, so a settling gateway sees the store before or after, never between.
 */
export function repairBudgetUsage(db: Db, by: { actor: string; at: number }): RepairedPeriod[] {
  const setUsage = db.prepare(
    `INSERT INTO budget_spend (budget_id, period_start, spent_micros) VALUES (?, ?, ?)
     ON CONFLICT (budget_id, period_start) DO UPDATE SET spent_micros = excluded.spent_micros`,
  );
  const removeUsage = db.prepare('DELETE FROM budget_spend WHERE budget_id = ? AND period_start = ?');
  const audit = new AuditLog(db);
  return db
    .transaction(() =>
      disagreeingPeriods(db).map((row): RepairedPeriod => {
        const after = row.charges > 0 ? row.charged_micros : null;
        if (after === null) removeUsage.run(row.budget_id, row.period_start);
        else setUsage.run(row.budget_id, row.period_start, after);
        const periodStart = iso(row.period_start);
        const usage = (micros: number | null): { period_start: string; spent_micros: number | null } => ({
          period_start: periodStart,
          spent_micros: micros,
        });
        audit.record(
          {
            actor: by.actor,
            action: 'repairBudgetUsage',
            targetType: 'budget',
            targetId: row.budget_id,
            before: usage(row.recorded_micros),
            after: usage(after),
          },
          by.at,
        );
        return {
          budget_id: row.budget_id,
          owner: ownerOf(row),
          period_start: periodStart,
          before_micros: row.recorded_micros,
          after_micros: after,
        };
      }),
    )
    .immediate();
}
