// Money as every Tollgate surface says it (the dashboard, the tray, the notifications): one rule, so a
// spend reads the same wherever the user meets it. Plain ECMAScript: the renderer and the core both import it.

/** US dollars to the cent, `$1,234.56`. */
export const usdCents = new Intl.NumberFormat('en-US', {
  style: 'currency',
  currency: 'USD',
  minimumFractionDigits: 2,
  maximumFractionDigits: 2,
});

/** `$1,234.56`; a non-zero amount under a cent reads `<$0.01`, so a small spend never looks like nothing. */
export function formatUsd(value: number): string {
  if (!Number.isFinite(value)) return '—';
  if (value > 0 && value < 0.005) return '<$0.01';
  return usdCents.format(value);
}
