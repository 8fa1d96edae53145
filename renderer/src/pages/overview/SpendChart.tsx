// Spend over time as stacked bars, drawn by hand in SVG. Every segment carries a <title>, the SVG
// is summarised for screen readers, and the same figures are one click away as a table.
import { useEffect, useId, useMemo, useRef, useState } from 'react';
import { formatUsd } from '../../components/format';
import type { ChartModel, SeriesBucket } from '../../stores/overview';

const HEIGHT = 240;
const PAD = { top: 12, right: 8, bottom: 28, left: 56 };

export function seriesColour(index: number, isOther: boolean): string {
  return isOther ? 'var(--series-8)' : `var(--series-${(index % 7) + 1})`;
}

/** A round axis maximum: 1, 2, 2.5 or 5 times a power of ten, at or above `value`. */
export function niceCeiling(value: number): number {
  if (value <= 0) return 1;
  const power = 10 ** Math.floor(Math.log10(value));
  for (const step of [1, 2, 2.5, 5, 10]) if (value <= step * power) return step * power;
  return 10 * power;
}

export function columnLabel(start: string, bucket: SeriesBucket, long = false): string {
  const date = new Date(start);
  if (Number.isNaN(date.getTime())) return start;
  if (bucket === 'day') return date.toLocaleDateString(undefined, long ? { weekday: 'short', month: 'short', day: 'numeric' } : { month: 'short', day: 'numeric' });
  const time = date.toLocaleTimeString(undefined, { hour: '2-digit', minute: '2-digit' });
  return long || date.getHours() === 0 ? `${date.toLocaleDateString(undefined, { month: 'short', day: 'numeric' })} ${time}` : time;
}

function useWidth<T extends HTMLElement>(fallback: number) {
  const ref = useRef<T>(null);
  const [width, setWidth] = useState(fallback);
  useEffect(() => {
    const node = ref.current;
    if (!node || typeof ResizeObserver === 'undefined') return;
    const observer = new ResizeObserver(([entry]) => {
      if (entry) setWidth(Math.max(320, Math.floor(entry.contentRect.width)));
    });
    observer.observe(node);
    return () => observer.disconnect();
  }, []);
  return [ref, width] as const;
}

export interface SpendChartProps {
  chart: ChartModel;
  bucket: SeriesBucket;
  /** "team", "key" or "model": names the stacks in the summary. */
  groupLabel: string;
}

export function SpendChart({ chart, bucket, groupLabel }: SpendChartProps) {
  const [box, width] = useWidth<HTMLDivElement>(800);
  const [showTable, setShowTable] = useState(false);
  const [active, setActive] = useState<number | null>(null);
  const titleId = useId();
  const descId = useId();
  const tableId = useId();

  const plotWidth = width - PAD.left - PAD.right;
  const plotHeight = HEIGHT - PAD.top - PAD.bottom;
  const ceiling = niceCeiling(chart.max);
  const ticks = [0, 0.25, 0.5, 0.75, 1].map((fraction) => fraction * ceiling);
  const band = chart.columns.length ? plotWidth / chart.columns.length : plotWidth;
  const barWidth = Math.max(2, Math.min(36, band * 0.68));
  const labelEvery = Math.max(1, Math.ceil(chart.columns.length / Math.max(1, Math.floor(plotWidth / 64))));
  const y = (value: number) => PAD.top + plotHeight - (value / ceiling) * plotHeight;

  const summary = useMemo(() => {
    const busiest = chart.columns.reduce<{ start: string; total: number } | null>((best, column) => (!best || column.total > best.total ? column : best), null);
    const leaders = chart.series
      .slice(0, 3)
      .map((item) => `${item.name} ${formatUsd(item.total)}`)
      .join(', ');
    return `${formatUsd(chart.total)} over ${chart.columns.length} ${bucket === 'day' ? 'days' : 'hours'}, stacked by ${groupLabel}. ${leaders ? `Largest: ${leaders}.` : ''}${
      busiest && busiest.total > 0 ? ` Peak ${formatUsd(busiest.total)} on ${columnLabel(busiest.start, bucket, true)}.` : ''
    }`;
  }, [chart, bucket, groupLabel]);

  const hovered = active === null ? null : chart.columns[active];

  return (
    <div className="chart">
      <div ref={box} className="chart-canvas" onMouseLeave={() => setActive(null)}>
        <svg width={width} height={HEIGHT} viewBox={`0 0 ${width} ${HEIGHT}`} role="img" aria-labelledby={titleId} aria-describedby={descId}>
          <title id={titleId}>Spend per {bucket} by {groupLabel}</title>
          <desc id={descId}>{summary}</desc>
          {ticks.map((tick) => (
            <g key={tick} aria-hidden="true">
              <line className="chart-grid" x1={PAD.left} x2={width - PAD.right} y1={y(tick)} y2={y(tick)} />
              <text className="chart-axis" x={PAD.left - 8} y={y(tick)} dy="0.32em" textAnchor="end">
                {formatUsd(tick, 'compact')}
              </text>
            </g>
          ))}
          {chart.columns.map((column, index) => {
            const x = PAD.left + index * band + (band - barWidth) / 2;
            let base = 0;
            return (
              <g key={column.start} className={active !== null && active !== index ? 'chart-column is-dim' : 'chart-column'} onMouseEnter={() => setActive(index)}>
                <rect className="chart-hit" x={PAD.left + index * band} y={PAD.top} width={band} height={plotHeight} />
                {column.values.map((value, seriesIndex) => {
                  if (value <= 0) return null;
                  const top = y(base + value);
                  const height = Math.max(1, y(base) - top);
                  base += value;
                  const item = chart.series[seriesIndex];
                  return (
                    <rect key={item?.id ?? seriesIndex} x={x} y={top} width={barWidth} height={height} rx={barWidth > 8 ? 2 : 0} fill={seriesColour(seriesIndex, item?.id === '__other__')}>
                      <title>{`${item?.name ?? ''} · ${columnLabel(column.start, bucket, true)}: ${formatUsd(value)}`}</title>
                    </rect>
                  );
                })}
                {index % labelEvery === 0 && (
                  <text className="chart-axis" x={PAD.left + index * band + band / 2} y={HEIGHT - 8} textAnchor="middle" aria-hidden="true">
                    {columnLabel(column.start, bucket)}
                  </text>
                )}
              </g>
            );
          })}
        </svg>
        {hovered && (
          <div className="chart-tooltip" aria-hidden="true">
            <strong>{columnLabel(hovered.start, bucket, true)}</strong>
            <span className="num">{formatUsd(hovered.total)}</span>
          </div>
        )}
      </div>
      <div className="chart-footer">
        <ul className="legend" aria-label={`Spend by ${groupLabel} over the period`}>
          {chart.series.map((item, index) => (
            <li key={item.id}>
              <span className="legend-swatch" style={{ background: seriesColour(index, item.id === '__other__') }} aria-hidden="true" />
              <span className="legend-name">{item.name}</span>
              <span className="legend-value num">{formatUsd(item.total)}</span>
            </li>
          ))}
        </ul>
        <button type="button" className="link-button" aria-expanded={showTable} aria-controls={tableId} onClick={() => setShowTable((value) => !value)}>
          {showTable ? 'Hide table' : 'Show as table'}
        </button>
      </div>
      {showTable && (
        <div id={tableId} className="table-wrap chart-table">
          <table className="table">
            <caption className="visually-hidden">
              Spend per {bucket} by {groupLabel}, USD
            </caption>
            <thead>
              <tr>
                <th scope="col">{bucket === 'day' ? 'Day' : 'Hour'}</th>
                {chart.series.map((item) => (
                  <th key={item.id} scope="col" className="end">
                    {item.name}
                  </th>
                ))}
                <th scope="col" className="end">
                  Total
                </th>
              </tr>
            </thead>
            <tbody>
              {chart.columns.map((column) => (
                <tr key={column.start}>
                  <th scope="row">{columnLabel(column.start, bucket, true)}</th>
                  {column.values.map((value, index) => (
                    <td key={chart.series[index]?.id ?? index} className="end">
                      {formatUsd(value)}
                    </td>
                  ))}
                  <td className="end">{formatUsd(column.total)}</td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}
    </div>
  );
}
