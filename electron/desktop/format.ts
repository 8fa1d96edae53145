// Words and figures the tray and the notifications share: money as the dashboard shows it (the rule
// itself lives in shared/format.ts, which the renderer uses too), percentages, budget owners, refusal
// reasons in the user's language, and who is asking to sign in.
import { formatUsd } from '../../shared/format.js';
import type { GatewayStatus } from '../../shared/schemas.js';
import { clip } from '../gateway/clip.js';

export { formatUsd };

export type BudgetWarning = GatewayStatus['budget_warnings'][number];

const usd4 = new Intl.NumberFormat('en-US', {
  style: 'currency',
  currency: 'USD',
  minimumFractionDigits: 2,
  maximumFractionDigits: 4,
});

/**
 * `$8.50 of $10.00`. When cents cannot tell the two apart (a $0.036 spend of a $0.04 budget), both get
 * up to four decimals, so a budget at 90 % never reads as `$0.04 of $0.04`.
 */
export function formatBudgetFigures(used: number, limit: number): string {
  const [a, b] = [formatUsd(used), formatUsd(limit)];
  return a === b && used !== limit ? `${usd4.format(used)} of ${usd4.format(limit)}` : `${a} of ${b}`;
}

/** 0.853 → `85%`, rounded down so that 99.6 % is not shown as a spent budget's 100 %. */
export function formatPercent(fraction: number): string {
  return `${Math.floor(fraction * 100)}%`;
}

/** `team "Platform"`, `virtual key "alice laptop"`. */
export function budgetOwner(warning: Pick<BudgetWarning, 'level' | 'owner_name'>): string {
  return `${warning.level} "${warning.owner_name}"`;
}

/** A spent budget (100 % or more) is said as spent; a fuller one as a share of its limit. */
export function budgetTitle(warning: BudgetWarning): string {
  const owner = budgetOwner(warning);
  return warning.used_fraction >= 1
    ? `Budget spent: ${owner}`
    : `Budget at ${formatPercent(warning.used_fraction)}: ${owner}`;
}

/** The title with the figures: `Budget at 85%: team "Platform" ($8.50 of $10.00)`. */
export function budgetLine(warning: BudgetWarning): string {
  return `${budgetTitle(warning)} (${formatBudgetFigures(warning.current_usage, warning.max_limit)})`;
}

const REASONS: Record<string, string> = {
  budget_exhausted: 'its budget is spent',
  budget_reserved: 'its budget is held by requests in flight',
  rate_limit: 'rate limit',
  concurrency_limit: 'too many requests at once',
  model_denied: 'model not allowed',
  tool_denied: 'tool not allowed',
  key_missing: 'no key sent',
  key_unknown: 'not a Tollgate key',
  key_revoked: 'key revoked',
  key_expired: 'key expired',
  governance_unavailable: 'governance unavailable',
  invalid_request: 'invalid request',
  too_large: 'request too large',
  paused: 'gateway paused',
};

/** A refusal reason as the log names it (`budget_exhausted`), said for people. */
export function refusalReasonText(reason: string): string {
  return REASONS[reason] ?? reason.replaceAll('_', ' ');
}

export type PendingSignIn = GatewayStatus['pending_sign_ins'][number];

/** A person's name in a notification title or a menu line: at most this many characters. */
const PERSON_MAX = 60;

/**
 * Text a teammate typed on /device (a name, an email), fit for one line of a notification or a menu:
 * control characters and line breaks become spaces and formatting characters (bidirectional overrides,
 * zero-width ones) are dropped, so nobody can forge a second line or make the text read backwards; runs
 * of space become one; clipped to `max`. Empty when nothing printable is left.
 */
export function personText(text: string | null, max = PERSON_MAX): string {
  if (text === null) return '';
  const line = text
    .replace(/\p{Cf}/gu, '')
    .replace(/[\p{Cc}\p{Zl}\p{Zp}\s]+/gu, ' ')
    .trim();
  return clip(line, max);
}

/** Who a waiting sign-in is for: the name they entered, else their email. */
export function signInPerson(signIn: Pick<PendingSignIn, 'name' | 'email'>): string {
  return personText(signIn.name) || personText(signIn.email) || 'Someone';
}
