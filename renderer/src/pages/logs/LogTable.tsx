// The request log as a virtualised table: only the rows in view are in the DOM, so a million-row log
// scrolls like a short one. Nearing the end asks for the next keyset page. Arrow keys move between
// rows, Enter opens one.
import { useVirtualizer } from '@tanstack/react-virtual';
import { memo, useEffect, useLayoutEffect, useRef, useState, type KeyboardEvent } from 'react';
import { Badge } from '../../components';
import type { LogRow } from '../../stores/logs';
import {
  cost,
  costExact,
  fullTime,
  duration,
  reasonLabel,
  shortId,
  shortModel,
  shortTime,
  STATUS_LABELS,
  STATUS_TONES,
  tokens,
  tokensShort,
} from './format';

export const ROW_HEIGHT = 40;
const HEADER_HEIGHT = 36;
/** Ask for the next page this many rows before the end, so scrolling rarely waits. */
const PREFETCH_ROWS = 40;

const COLUMNS = ['Time', 'Key', 'Model', 'Status', 'Tokens in/out/cache', 'Cost', 'Latency', 'Session'] as const;

export interface LogTableProps {
  rows: LogRow[];
  selectedId: number | null;
  fresh: ReadonlySet<number>;
  hasMore: boolean;
  loadingMore: boolean;
  onOpen: (row: LogRow) => void;
  onNearEnd: () => void;
  onSession: (sessionId: string) => void;
}

export function LogTable({
  rows,
  selectedId,
  fresh,
  hasMore,
  loadingMore,
  onOpen,
  onNearEnd,
  onSession,
}: LogTableProps) {
  const scrollRef = useRef<HTMLDivElement>(null);
  const [active, setActive] = useState(0);
  const focusPending = useRef(false);

  const virtualizer = useVirtualizer({
    count: rows.length,
    getScrollElement: () => scrollRef.current,
    estimateSize: () => ROW_HEIGHT,
    overscan: 12,
    scrollPaddingStart: HEADER_HEIGHT,
    getItemKey: (index) => rows[index]?.id ?? index,
  });
  const items = virtualizer.getVirtualItems();
  const lastVisible = items[items.length - 1]?.index ?? -1;

  useEffect(() => {
    if (hasMore && !loadingMore && rows.length > 0 && lastVisible >= rows.length - PREFETCH_ROWS) onNearEnd();
  }, [lastVisible, rows.length, hasMore, loadingMore, onNearEnd]);

  // Rows the live tail prepends would push what the reader is looking at down; keep it in place.
  const firstId = useRef<number | undefined>(rows[0]?.id);
  useLayoutEffect(() => {
    const previous = firstId.current;
    firstId.current = rows[0]?.id;
    const element = scrollRef.current;
    if (previous === undefined || !element || element.scrollTop === 0) return;
    const shifted = rows.findIndex((row) => row.id === previous);
    if (shifted > 0) {
      element.scrollTop += shifted * ROW_HEIGHT;
      setActive((index) => index + shifted);
    }
  }, [rows]);

  const clamped = Math.min(active, Math.max(rows.length - 1, 0));

  useEffect(() => {
    if (!focusPending.current) return;
    const element = scrollRef.current?.querySelector<HTMLElement>(`[data-index="${clamped}"]`);
    if (element) {
      focusPending.current = false;
      element.focus({ preventScroll: true });
    }
  });

  const moveTo = (index: number): void => {
    const next = Math.max(0, Math.min(rows.length - 1, index));
    setActive(next);
    focusPending.current = true;
    virtualizer.scrollToIndex(next, { align: 'auto' });
  };

  const onKeyDown = (event: KeyboardEvent<HTMLDivElement>): void => {
    const page = Math.max(1, Math.floor(((scrollRef.current?.clientHeight ?? 400) - HEADER_HEIGHT) / ROW_HEIGHT) - 1);
    const moves: Record<string, number> = {
      ArrowDown: clamped + 1,
      ArrowUp: clamped - 1,
      PageDown: clamped + page,
      PageUp: clamped - page,
      Home: 0,
      End: rows.length - 1,
    };
    const target = moves[event.key];
    if (target !== undefined) {
      event.preventDefault();
      moveTo(target);
    } else if (event.key === 'Enter' || event.key === ' ') {
      const row = rows[clamped];
      if (row && (event.target as HTMLElement).getAttribute('role') === 'row') {
        event.preventDefault();
        onOpen(row);
      }
    }
  };

  return (
    <div
      ref={scrollRef}
      className="logs-table"
      role="table"
      aria-label="Requests"
      aria-rowcount={hasMore ? -1 : rows.length + 1}
      onKeyDown={onKeyDown}
    >
      <div className="logs-row logs-head" role="row" aria-rowindex={1} style={{ height: HEADER_HEIGHT }}>
        {COLUMNS.map((column) => (
          <span
            key={column}
            role="columnheader"
            className={column === 'Cost' || column === 'Latency' ? 'logs-end' : undefined}
          >
            {column}
          </span>
        ))}
      </div>
      <div role="rowgroup" className="logs-body" style={{ height: virtualizer.getTotalSize() }}>
        {items.map((item) => {
          const row = rows[item.index];
          if (!row) return null;
          return (
            <Row
              key={row.id}
              row={row}
              index={item.index}
              top={item.start}
              selected={row.id === selectedId}
              fresh={fresh.has(row.id)}
              tabbable={item.index === clamped}
              compact={selectedId !== null}
              onOpen={onOpen}
              onFocus={setActive}
              onSession={onSession}
            />
          );
        })}
      </div>
      {loadingMore && (
        <div className="logs-more" role="status">
          Loading more requests…
        </div>
      )}
    </div>
  );
}

interface RowProps {
  row: LogRow;
  index: number;
  top: number;
  selected: boolean;
  fresh: boolean;
  tabbable: boolean;
  /** The detail panel takes half the width: model ids lose their `claude-` prefix and date. */
  compact: boolean;
  onOpen: (row: LogRow) => void;
  onFocus: (index: number) => void;
  onSession: (sessionId: string) => void;
}

const Row = memo(function Row({
  row,
  index,
  top,
  selected,
  fresh,
  tabbable,
  compact,
  onOpen,
  onFocus,
  onSession,
}: RowProps) {
  const cacheTokens = row.cache_read_input_tokens + row.cache_creation_input_tokens;
  const remapped = row.requested_model !== null && row.requested_model !== row.model;
  return (
    <div
      role="row"
      aria-rowindex={index + 2}
      aria-selected={selected}
      data-index={index}
      tabIndex={tabbable ? 0 : -1}
      className={[
        'logs-row',
        selected && 'is-selected',
        fresh && 'is-fresh',
        row.status !== 'success' && `is-${row.status}`,
      ]
        .filter(Boolean)
        .join(' ')}
      style={{ transform: `translateY(${top}px)`, height: ROW_HEIGHT }}
      onClick={() => onOpen(row)}
      onFocus={() => onFocus(index)}
    >
      <span role="cell" className="num" title={fullTime(row.created_at_ms)}>
        {shortTime(row.created_at_ms)}
      </span>
      <span role="cell" className="logs-truncate" title={row.virtual_key_name ?? 'No virtual key'}>
        {row.virtual_key_name ?? <span className="muted">—</span>}
      </span>
      <span
        role="cell"
        className="logs-truncate mono"
        title={remapped ? `Asked for ${row.requested_model ?? ''}, sent to ${row.model ?? ''}` : (row.model ?? '')}
      >
        {row.model === null ? <span className="muted">—</span> : compact ? shortModel(row.model) : row.model}
        {remapped && (
          <span className="logs-remap" aria-label="remapped">
            {' '}
            ↪
          </span>
        )}
      </span>
      <span role="cell" className="logs-truncate">
        <Badge tone={STATUS_TONES[row.status]} title={row.error_message ?? undefined}>
          {row.status === 'blocked' && row.refusal_reason
            ? reasonLabel(row.refusal_reason)
            : `${STATUS_LABELS[row.status]} ${row.status_code || ''}`}
        </Badge>
      </span>
      <span
        role="cell"
        className="num logs-tokens"
        title={`${tokens(row.input_tokens)} input, ${tokens(row.output_tokens)} output, ${tokens(row.cache_read_input_tokens)} cache read, ${tokens(row.cache_creation_input_tokens)} cache write`}
      >
        {tokensShort(row.input_tokens)}
        <span className="muted"> / </span>
        {tokensShort(row.output_tokens)}
        <span className="muted"> / </span>
        <span className={cacheTokens === 0 ? 'muted' : undefined}>{tokensShort(cacheTokens)}</span>
      </span>
      <span role="cell" className="logs-end">
        <span
          className="num"
          title={
            row.client_cost === null
              ? costExact(row.cost)
              : `${costExact(row.cost)}; Claude Code's own cost ${costExact(row.client_cost)}`
          }
        >
          {cost(row.cost)}
        </span>
        {row.client_cost_differs && (
          <span
            className="logs-differs"
            title={`Claude Code's own cost differs: ${costExact(row.client_cost ?? 0)}`}
            aria-label="Claude Code's cost differs"
          >
            ≠
          </span>
        )}
        {row.cost_estimated && (
          <span
            className="logs-estimated"
            title={
              row.status === 'interrupted'
                ? 'Estimated: the gateway stopped before this request finished'
                : 'Estimated: priced by model family'
            }
            aria-label="estimated"
          >
            ~
          </span>
        )}
      </span>
      <span role="cell" className="num logs-end">
        {duration(row.latency_ms)}
      </span>
      <span role="cell" className="logs-truncate">
        {row.session_id ? (
          <button
            type="button"
            className="link-button mono"
            tabIndex={-1}
            title={`Session ${row.session_id}: open its timeline`}
            aria-label={`Open session ${row.session_id}`}
            onClick={(event) => {
              event.stopPropagation();
              onSession(row.session_id ?? '');
            }}
          >
            {shortId(row.session_id)}
          </button>
        ) : (
          <span className="muted">—</span>
        )}
      </span>
    </div>
  );
});
