// The logs page: every request through the gateway, filtered by what the address says, with a live
// tail, a detail panel for one request and a timeline for one Claude Code session.
import { useCallback, useEffect, useRef, useState } from 'react';
import { useShallow } from 'zustand/react/shallow';
import { Button, EmptyState, ErrorBanner, Loading, PageHeader, useConnection, useToast } from '../../components';
import { logsSelectors, useLogs, type LogFilters, type LogRow } from '../../stores/logs';
import { pricingSelectors, usePricing } from '../../stores/pricing';
import { DetailPanel } from './DetailPanel';
import { downloadExport, type ExportFormat } from './export';
import { ClearFilters, FiltersBar } from './FiltersBar';
import { LogTable } from './LogTable';
import { SessionView } from './SessionView';
import { showFilters, useRouteFilters } from './url';
import './logs.css';

const TAIL_INTERVAL_MS = 2000;

export default function LogsPage() {
  const filters = useRouteFilters();
  const sessionId = filters.session;

  const applyFilters = useLogs((state) => state.applyFilters);
  const loadSession = useLogs((state) => state.loadSession);
  const loadOptions = useLogs((state) => state.loadOptions);
  const loadPricing = usePricing((state) => state.load);
  const pricingStatus = usePricing((state) => state.status);

  // The store outlives the page: opening the page reloads even an unchanged filter, so rows left from
  // an earlier visit are never shown as current. Later filter changes reload only when they differ.
  const opened = useRef(false);
  useEffect(() => {
    if (sessionId) return;
    const force = !opened.current;
    opened.current = true;
    void applyFilters(filters, { force });
  }, [filters, sessionId, applyFilters]);

  useEffect(() => {
    if (sessionId) void loadSession(sessionId);
  }, [sessionId, loadSession]);

  // Once per visit: keys, teams and prices change rarely, and a stale list only costs a name.
  useEffect(() => {
    void loadOptions();
  }, [loadOptions]);
  useEffect(() => {
    if (pricingStatus === 'idle') void loadPricing();
  }, [pricingStatus, loadPricing]);

  useLiveTail(!sessionId);
  useSlashToSearch();

  const change = useCallback((next: LogFilters, options?: { replace?: boolean }) => showFilters(next, options), []);

  return (
    <div className="logs-page">
      <PageHeader
        title={sessionId ? 'Session' : 'Logs'}
        description={
          sessionId
            ? 'One Claude Code session, request by request, with the running cost and what the agent did between them.'
            : 'Every request through the gateway: who sent it, what it cost, how long it took, and what was said.'
        }
        actions={sessionId ? undefined : <HeaderActions filters={filters} />}
      />
      {sessionId ? (
        <SessionPane sessionId={sessionId} onBack={() => change({})} />
      ) : (
        <ListPane filters={filters} onChange={change} />
      )}
    </div>
  );
}

function HeaderActions({ filters }: { filters: LogFilters }) {
  const connection = useConnection();
  const toast = useToast();
  const tail = useLogs((state) => state.tail);
  const canTail = useLogs(logsSelectors.canTail);
  const setTail = useLogs((state) => state.setTail);
  const applyFilters = useLogs((state) => state.applyFilters);
  const [exporting, setExporting] = useState<ExportFormat | null>(null);

  const exportAs = (format: ExportFormat): void => {
    setExporting(format);
    downloadExport(connection, filters, format)
      .then((name) => toast.success(`Exported the current filter to ${name}.`))
      .catch((error: unknown) =>
        toast.error(`Export failed: ${error instanceof Error ? error.message : String(error)}`),
      )
      .finally(() => setExporting(null));
  };

  return (
    <>
      <Button
        aria-pressed={tail && canTail}
        disabled={!canTail}
        title={canTail ? 'Show new requests as they arrive' : 'Live tail needs a time range that reaches now'}
        className={tail && canTail ? 'logs-live is-on' : 'logs-live'}
        onClick={() => setTail(!tail)}
        icon={<span className="logs-live-dot" aria-hidden="true" />}
      >
        {tail && canTail ? 'Live' : 'Live tail'}
      </Button>
      <Button onClick={() => void applyFilters(filters, { force: true })}>Refresh</Button>
      <div className="logs-export" role="group" aria-label="Export the current filter">
        <Button busy={exporting === 'csv'} disabled={exporting !== null} onClick={() => exportAs('csv')}>
          Export CSV
        </Button>
        <Button busy={exporting === 'jsonl'} disabled={exporting !== null} onClick={() => exportAs('jsonl')}>
          Export JSONL
        </Button>
      </div>
    </>
  );
}

function ListPane({
  filters,
  onChange,
}: {
  filters: LogFilters;
  onChange: (filters: LogFilters, options?: { replace?: boolean }) => void;
}) {
  const rows = useLogs((state) => state.rows);
  const status = useLogs((state) => state.status);
  const error = useLogs((state) => state.error);
  const hasMore = useLogs((state) => state.hasMore);
  const loadingMore = useLogs((state) => state.loadingMore);
  const fresh = useLogs((state) => state.fresh);
  const tail = useLogs((state) => state.tail);
  const tailError = useLogs((state) => state.tailError);
  const options = useLogs((state) => state.options);
  const selectedId = useLogs((state) => state.selectedId);
  const filterCount = useLogs(logsSelectors.activeFilterCount);
  const loadMore = useLogs((state) => state.loadMore);
  const applyFilters = useLogs((state) => state.applyFilters);
  const select = useLogs((state) => state.select);
  const models = usePricing(pricingSelectors.models);
  const modelIds = models.map((model) => model.model);

  const open = useCallback((row: LogRow) => void select(row.id), [select]);
  const nearEnd = useCallback(() => void loadMore(), [loadMore]);
  const openSession = useCallback((id: string) => showFilters({ session: id }), []);

  return (
    <>
      <div className="logs-toolbar">
        <FiltersBar filters={filters} options={options} models={modelIds} onChange={onChange} />
      </div>
      <div className="logs-status" aria-live="polite">
        {status === 'ready' && (
          <span className="muted">
            {hasMore
              ? `Showing ${rows.length.toLocaleString()} · more as you scroll`
              : `${rows.length.toLocaleString()} request${rows.length === 1 ? '' : 's'}`}
            {tail && ' · watching for new requests'}
          </span>
        )}
        <ClearFilters count={filterCount + (filters.range ? 1 : 0)} onClear={() => onChange({})} />
      </div>
      {tailError && <ErrorBanner title="Live tail paused" error={tailError} />}
      {status === 'error' && (
        <ErrorBanner
          title={filters.q ? 'The search failed' : 'Could not load the log'}
          error={error}
          onRetry={() => void applyFilters(filters, { force: true })}
        />
      )}
      {status === 'ready' && error && (
        <ErrorBanner title="Could not load more requests" error={error} onRetry={nearEnd} />
      )}
      <div className={selectedId === null ? 'logs-main' : 'logs-main has-detail'}>
        <div className="logs-table-wrap">
          {status === 'loading' && <Loading label="Loading requests…" />}
          {status === 'ready' && rows.length === 0 && (
            <NoRows filtered={filterCount > 0 || Boolean(filters.range)} onClear={() => onChange({})} />
          )}
          {status === 'ready' && rows.length > 0 && (
            <LogTable
              rows={rows}
              selectedId={selectedId}
              fresh={fresh}
              hasMore={hasMore}
              loadingMore={loadingMore}
              onOpen={open}
              onNearEnd={nearEnd}
              onSession={openSession}
            />
          )}
        </div>
        {selectedId !== null && <Detail onSession={openSession} />}
      </div>
    </>
  );
}

function SessionPane({ sessionId, onBack }: { sessionId: string; onBack: () => void }) {
  const timeline = useLogs((state) => state.timeline);
  const status = useLogs((state) => state.timelineStatus);
  const error = useLogs((state) => state.timelineError);
  const activity = useLogs((state) => state.activity);
  const activityStatus = useLogs((state) => state.activityStatus);
  const activityError = useLogs((state) => state.activityError);
  const activityLoadingMore = useLogs((state) => state.activityLoadingMore);
  const selectedId = useLogs((state) => state.selectedId);
  const loadSession = useLogs((state) => state.loadSession);
  const loadActivity = useLogs((state) => state.loadActivity);
  const loadMoreActivity = useLogs((state) => state.loadMoreActivity);
  const select = useLogs((state) => state.select);
  return (
    <div className={selectedId === null ? 'logs-main' : 'logs-main has-detail'}>
      <SessionView
        sessionId={sessionId}
        timeline={timeline?.session_id === sessionId ? timeline : null}
        status={status}
        error={error}
        activity={activity}
        activityStatus={activityStatus}
        activityError={activityError}
        activityLoadingMore={activityLoadingMore}
        selectedId={selectedId}
        onOpen={(row) => void select(row.id)}
        onRetry={() => void loadSession(sessionId)}
        onRetryActivity={() => void loadActivity(sessionId)}
        onMoreActivity={() => void loadMoreActivity()}
        onBack={onBack}
      />
      {selectedId !== null && <Detail onSession={(id) => showFilters({ session: id })} />}
    </div>
  );
}

function Detail({ onSession }: { onSession: (id: string) => void }) {
  const row = useLogs(logsSelectors.selectedRow);
  const detail = useLogs((state) => state.detail);
  const status = useLogs((state) => state.detailStatus);
  const error = useLogs((state) => state.detailError);
  const selectedId = useLogs((state) => state.selectedId);
  const select = useLogs((state) => state.select);
  const closeDetail = useLogs((state) => state.closeDetail);
  const names = useLogs(
    useShallow((state) => ({
      key: logsSelectors.nameOf(state, 'keys', row?.virtual_key_id ?? null),
      team: logsSelectors.nameOf(state, 'teams', row?.team_id ?? null),
      user: logsSelectors.nameOf(state, 'users', row?.user_id ?? null),
    })),
  );
  const pricing = usePricing(pricingSelectors.models);

  const close = (): void => {
    closeDetail();
    // Back to where the reader was: the row that was open.
    requestAnimationFrame(() =>
      document
        .querySelector<HTMLElement>('.logs-table [role="row"][tabindex="0"], .session-timeline .is-selected button')
        ?.focus(),
    );
  };

  return (
    <DetailPanel
      row={row}
      detail={detail}
      status={status}
      error={error}
      pricing={pricing}
      names={names}
      onClose={close}
      onRetry={() => selectedId !== null && void select(selectedId)}
      onSession={onSession}
    />
  );
}

function NoRows({ filtered, onClear }: { filtered: boolean; onClear: () => void }) {
  if (filtered) {
    return (
      <EmptyState
        title="No requests match this filter"
        body="Widen the time range or clear a filter. Full-text search only finds requests whose content was captured."
        action={<Button onClick={onClear}>Clear filters</Button>}
      />
    );
  }
  return (
    <EmptyState
      title="No requests yet"
      body={
        <>
          Requests appear here as soon as a client sends them through the gateway. Create a virtual key on the{' '}
          <a href="#/keys">Keys page</a>, then point Claude Code at this gateway with the{' '}
          <span className="mono">settings.json</span> snippet it gives you.
        </>
      }
      action={
        <a className="btn btn-primary" href="#/keys">
          Create a key
        </a>
      }
    />
  );
}

/** Polls for new rows every two seconds while the live tail is on and the tab is visible. */
function useLiveTail(active: boolean): void {
  const tail = useLogs((state) => state.tail);
  const canTail = useLogs(logsSelectors.canTail);
  const status = useLogs((state) => state.status);
  const on = active && tail && canTail && status === 'ready';
  useEffect(() => {
    if (!on) return;
    let stopped = false;
    let timer: ReturnType<typeof setTimeout> | undefined;
    const tick = async (): Promise<void> => {
      if (!document.hidden) await useLogs.getState().pollTail();
      if (!stopped) timer = setTimeout(() => void tick(), TAIL_INTERVAL_MS);
    };
    void tick();
    return () => {
      stopped = true;
      clearTimeout(timer);
    };
  }, [on]);
}

/** `/` jumps to the search box, as in most log viewers. */
function useSlashToSearch(): void {
  const handler = useRef((event: KeyboardEvent) => {
    const target = event.target as HTMLElement | null;
    if (event.key !== '/' || event.metaKey || event.ctrlKey || event.altKey) return;
    if (target && (target.isContentEditable || ['INPUT', 'TEXTAREA', 'SELECT'].includes(target.tagName))) return;
    const search = document.getElementById('logs-search');
    if (search) {
      event.preventDefault();
      search.focus();
    }
  });
  useEffect(() => {
    const listener = handler.current;
    document.addEventListener('keydown', listener);
    return () => document.removeEventListener('keydown', listener);
  }, []);
}
