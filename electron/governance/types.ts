// Shapes shared by the governance decisions (pure) and the ledger that applies them.

/** Levels of the hierarchy, outermost first. */
export type OwnerType = 'customer' | 'team' | 'user' | 'virtual_key' | 'provider_config';

/** `1m 5m 1h 1d 1w 1M 1Y` and multiples (`30m`, `2d`, `3M`). */
export type ResetDuration = string;

export interface BudgetRule {
  id: string;
  ownerType: OwnerType;
  ownerId: string;
  /** Integer micro-dollars. */
  maxLimitMicros: number;
  resetDuration: ResetDuration;
  /** Periods start on calendar boundaries in `timeZone` (day at midnight, week on Monday, month on the 1st, year on Jan 1). */
  calendarAligned: boolean;
  /** IANA zone, e.g. `Europe/Paris`; used when calendarAligned. */
  timeZone: string;
  /** Anchor for periods that are not calendar-aligned: they start at anchor + k × duration. */
  anchorMs: number;
}

export interface RateLimitRule {
  id: string;
  ownerType: OwnerType;
  ownerId: string;
  requestMaxLimit: number | null;
  requestResetDuration: ResetDuration | null;
  tokenMaxLimit: number | null;
  tokenResetDuration: ResetDuration | null;
}
