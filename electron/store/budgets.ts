// Budgets and rate limits as configured, the settled spend of each budget period, and temporary
// increases. Spend is written only by the request log, with the row it belongs to; what is in flight
// (reservations, sliding windows) lives in the governance ledger.
import { randomUUID } from 'node:crypto';
import type { BudgetInput, RateLimitInput } from '../../shared/schemas.js';
import { usdToMicros } from '../pricing/cost.js';
import type { BudgetRule, OwnerType, RateLimitRule } from '../governance/types.js';
import type { Db } from './database.js';

interface BudgetRow {
  id: string;
  owner_type: OwnerType;
  owner_id: string;
  max_limit_micros: number;
  reset_duration: string;
  calendar_aligned: number;
  time_zone: string | null;
  anchor_at: number;
}

interface RateLimitRow {
  id: string;
  owner_type: OwnerType;
  owner_id: string;
  request_max_limit: number | null;
  request_reset_duration: string | null;
  token_max_limit: number | null;
  token_reset_duration: string | null;
}

export interface BudgetGrant {
  id: string;
  budgetId: string;
  amountMicros: number;
  expiresAt: number;
  sessionId: string | null;
  reason: string;
  createdBy: string;
  createdAt: number;
}

interface GrantRow {
  id: string;
  budget_id: string;
  amount_micros: number;
  expires_at: number;
  session_id: string | null;
  reason: string;
  created_by: string;
  created_at: number;
}

export class BudgetStore {
  private readonly byOwner;
  private readonly byId;
  private readonly everyBudget;
  private readonly deleteByOwner;
  private readonly insertBudget;
  private readonly spentIn;
  private readonly grantsOf;
  private readonly insertGrant;
  private readonly rateLimitOf;
  private readonly upsertRateLimit;
  private readonly deleteRateLimit;

  constructor(
    private readonly db: Db,
    /** The zone calendar-aligned budgets use when they do not name one. */
    private readonly defaultTimeZone: () => string,
  ) {
    this.byOwner = db.prepare<[string, string], BudgetRow>(
      'SELECT * FROM budgets WHERE owner_type = ? AND owner_id = ? ORDER BY created_at, rowid',
    );
    this.byId = db.prepare<[string], BudgetRow>('SELECT * FROM budgets WHERE id = ?');
    this.everyBudget = db.prepare<[], BudgetRow>('SELECT * FROM budgets ORDER BY owner_type, owner_id, created_at, rowid');
    this.deleteByOwner = db.prepare('DELETE FROM budgets WHERE owner_type = ? AND owner_id = ?');
    this.insertBudget = db.prepare(
      `INSERT INTO budgets (id, owner_type, owner_id, max_limit_micros, reset_duration, calendar_aligned, time_zone, anchor_at, created_at, updated_at)
       VALUES (@id, @owner_type, @owner_id, @max_limit_micros, @reset_duration, @calendar_aligned, @time_zone, @now, @now, @now)`,
    );
    this.spentIn = db.prepare<[string, number], { spent_micros: number }>(
      'SELECT spent_micros FROM budget_spend WHERE budget_id = ? AND period_start = ?',
    );
    this.grantsOf = db.prepare<[string, number], GrantRow>(
      'SELECT * FROM budget_grants WHERE budget_id = ? AND expires_at > ? ORDER BY created_at',
    );
    this.insertGrant = db.prepare(
      `INSERT INTO budget_grants (id, budget_id, amount_micros, expires_at, session_id, reason, created_by, created_at)
       VALUES (@id, @budget_id, @amount_micros, @expires_at, @session_id, @reason, @created_by, @created_at)`,
    );
    this.rateLimitOf = db.prepare<[string, string], RateLimitRow>(
      'SELECT * FROM rate_limits WHERE owner_type = ? AND owner_id = ?',
    );
    this.upsertRateLimit = db.prepare(
      `INSERT INTO rate_limits (id, owner_type, owner_id, request_max_limit, request_reset_duration, token_max_limit, token_reset_duration, created_at, updated_at)
       VALUES (@id, @owner_type, @owner_id, @request_max_limit, @request_reset_duration, @token_max_limit, @token_reset_duration, @now, @now)
       ON CONFLICT (owner_type, owner_id) DO UPDATE SET request_max_limit = excluded.request_max_limit,
         request_reset_duration = excluded.request_reset_duration, token_max_limit = excluded.token_max_limit,
         token_reset_duration = excluded.token_reset_duration, updated_at = excluded.updated_at`,
    );
    this.deleteRateLimit = db.prepare('DELETE FROM rate_limits WHERE owner_type = ? AND owner_id = ?');
  }

  /**
   * Applies the `budget` / `budgets` fields of an admin request: `budgets` replaces the owner's list,
   * `budget` replaces it with one (null removes all), neither leaves it as it is. Periods of budgets
   * that are not calendar-aligned start now.
   */
  applyInput(
    ownerType: OwnerType,
    ownerId: string,
    input: { budget?: BudgetInput | null | undefined; budgets?: BudgetInput[] | undefined },
    now: number,
  ): void {
    const list = input.budgets ?? (input.budget === undefined ? undefined : input.budget === null ? [] : [input.budget]);
    if (list === undefined) return;
    const existing = this.byOwner.all(ownerType, ownerId);
    const unchanged =
      existing.length === list.length &&
      existing.every((row, i) => {
        const next = list[i];
        return (
          next !== undefined &&
          row.max_limit_micros === usdToMicros(next.max_limit) &&
          row.reset_duration === next.reset_duration &&
          row.calendar_aligned === (next.calendar_aligned ? 1 : 0) &&
          row.time_zone === (next.time_zone ?? null)
        );
      });
    if (unchanged) return; // keep ids, anchors and spend when an edit resends the same budgets
    this.deleteByOwner.run(ownerType, ownerId);
    for (const budget of list) {
      this.insertBudget.run({
        id: randomUUID(),
        owner_type: ownerType,
        owner_id: ownerId,
        max_limit_micros: usdToMicros(budget.max_limit),
        reset_duration: budget.reset_duration,
        calendar_aligned: budget.calendar_aligned ? 1 : 0,
        time_zone: budget.time_zone ?? null,
        now,
      });
    }
  }

  removeOwner(ownerType: OwnerType, ownerId: string): void {
    this.deleteByOwner.run(ownerType, ownerId);
    this.deleteRateLimit.run(ownerType, ownerId);
  }

  rulesFor(ownerType: OwnerType, ownerId: string): BudgetRule[] {
    return this.byOwner.all(ownerType, ownerId).map((row) => this.toRule(row));
  }

  /** Every budget at every level, grouped by owner. */
  allRules(): BudgetRule[] {
    return this.everyBudget.all().map((row) => this.toRule(row));
  }

  rule(id: string): BudgetRule | null {
    const row = this.byId.get(id);
    return row ? this.toRule(row) : null;
  }

  spent(budgetId: string, periodStart: number): number {
    return this.spentIn.get(budgetId, periodStart)?.spent_micros ?? 0;
  }


  activeGrants(budgetId: string, at: number): BudgetGrant[] {
    return this.grantsOf.all(budgetId, at).map((row) => ({
      id: row.id,
      budgetId: row.budget_id,
      amountMicros: row.amount_micros,
      expiresAt: row.expires_at,
      sessionId: row.session_id,
      reason: row.reason,
      createdBy: row.created_by,
      createdAt: row.created_at,
    }));
  }

  addGrant(grant: Omit<BudgetGrant, 'id'>): BudgetGrant {
    const id = randomUUID();
    this.insertGrant.run({
      id,
      budget_id: grant.budgetId,
      amount_micros: grant.amountMicros,
      expires_at: grant.expiresAt,
      session_id: grant.sessionId,
      reason: grant.reason,
      created_by: grant.createdBy,
      created_at: grant.createdAt,
    });
    return { ...grant, id };
  }

  /** `rate_limit` of an admin request: an object sets it, null removes it, absent leaves it. */
  applyRateLimit(ownerType: OwnerType, ownerId: string, input: RateLimitInput | null | undefined, now: number): void {
    if (input === undefined) return;
    if (input === null) {
      this.deleteRateLimit.run(ownerType, ownerId);
      return;
    }
    this.upsertRateLimit.run({
      id: randomUUID(),
      owner_type: ownerType,
      owner_id: ownerId,
      request_max_limit: input.request_max_limit ?? null,
      request_reset_duration: input.request_reset_duration ?? (input.request_max_limit ? '1m' : null),
      token_max_limit: input.token_max_limit ?? null,
      token_reset_duration: input.token_reset_duration ?? (input.token_max_limit ? '1m' : null),
      now,
    });
  }

  rateLimitFor(ownerType: OwnerType, ownerId: string): RateLimitRule | null {
    const row = this.rateLimitOf.get(ownerType, ownerId);
    if (!row) return null;
    return {
      id: row.id,
      ownerType: row.owner_type,
      ownerId: row.owner_id,
      requestMaxLimit: row.request_max_limit,
      requestResetDuration: row.request_reset_duration,
      tokenMaxLimit: row.token_max_limit,
      tokenResetDuration: row.token_reset_duration,
    };
  }

  private toRule(row: BudgetRow): BudgetRule {
    return {
      id: row.id,
      ownerType: row.owner_type,
      ownerId: row.owner_id,
      maxLimitMicros: row.max_limit_micros,
      resetDuration: row.reset_duration,
      calendarAligned: row.calendar_aligned === 1,
      timeZone: row.time_zone ?? this.defaultTimeZone(),
      anchorMs: row.anchor_at,
    };
  }
}
