// Spend against a limit: settled spend, the part held by requests in flight, and what is left.
import { formatPercent, formatUsd } from './format';

export interface BudgetBarProps {
  /** Settled spend this period, USD. */
  used: number;
  /** Limit, USD (include active grants if the caller wants them counted). */
  limit: number;
  /** Worst-case cost held by requests in flight, USD. */
  reserved?: number;
  /** What the bar measures, for assistive tech: "Team Platform daily budget". */
  label: string;
  /** Show the "$12.00 of $20.00" line under the bar. */
  showFigures?: boolean;
  /** Projected end-of-period spend, USD: drawn as a tick and flagged when past the limit. */
  projected?: number;
}

export function budgetTone(fraction: number): 'ok' | 'warn' | 'over' {
  return fraction >= 1 ? 'over' : fraction >= 0.8 ? 'warn' : 'ok';
}

export function BudgetBar({ used, limit, reserved = 0, label, showFigures = true, projected }: BudgetBarProps) {
  const fraction = limit > 0 ? used / limit : used > 0 ? 1 : 0;
  const usedWidth = Math.min(100, fraction * 100);
  const reservedWidth = limit > 0 ? Math.max(0, Math.min(100 - usedWidth, (reserved / limit) * 100)) : 0;
  const projectedAt = projected !== undefined && limit > 0 ? Math.min(100, (projected / limit) * 100) : null;
  const text = `${formatUsd(used)} of ${formatUsd(limit)} (${formatPercent(fraction)})${reserved > 0 ? `, ${formatUsd(reserved)} reserved` : ''}`;
  return (
    <div className={`budget budget-${budgetTone(fraction)}`}>
      <div
        className="budget-track"
        role="meter"
        aria-label={label}
        aria-valuemin={0}
        aria-valuemax={limit}
        aria-valuenow={Math.min(used, limit)}
        aria-valuetext={text}
        title={text}
      >
        <span className="budget-used" style={{ width: `${usedWidth}%` }} />
        {reservedWidth > 0 && <span className="budget-reserved" style={{ left: `${usedWidth}%`, width: `${reservedWidth}%` }} />}
        {projectedAt !== null && <span className="budget-projection" style={{ left: `calc(${projectedAt}% - 1px)` }} />}
      </div>
      {showFigures && (
        <div className="budget-figures num">
          <span>
            {formatUsd(used)} <span className="muted">of {formatUsd(limit)}</span>
          </span>
          <span className="muted">{formatPercent(fraction)}</span>
        </div>
      )}
    </div>
  );
}
