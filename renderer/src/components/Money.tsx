// A USD amount, with tabular figures so columns of money line up.
import { formatUsd, type MoneyStyle } from './format';

export interface MoneyProps {
  value: number;
  /** `standard` ($1,234.56, `<$0.01` for crumbs), `precise` (up to 6 decimals), `compact` ($1.2K). */
  format?: MoneyStyle;
  className?: string;
}

export function Money({ value, format = 'standard', className }: MoneyProps) {
  const text = formatUsd(value, format);
  return (
    <span className={['num', className].filter(Boolean).join(' ')} title={format === 'precise' ? undefined : formatUsd(value, 'precise')}>
      {text}
    </span>
  );
}
