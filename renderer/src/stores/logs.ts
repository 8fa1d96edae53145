// The request log as the logs page sees it: the active filter, the rows loaded so far (keyset pages,
// newest first), the live tail, the selected row's detail and a session's timeline with what Claude
// Code's telemetry says the agent did in it. Server data has its home here; the page only renders it and turns user intent into these actions.
import { create, type StateCreator } from 'zustand';
import { logStatusSchema, type LogQuery } from '../../../shared/schemas';
import type { RouteResponse } from '../../../shared/contract';
import { callApi, onSignOut } from './session';

export type LogRow = RouteResponse<'listLogs'>['logs'][number];
export type LogDetail = RouteResponse<'getLog'>;
export type SessionTimeline = RouteResponse<'getSessionTimeline'>;
/** A session's telemetry (events oldest first, the pages loaded so far) with the whole session's totals. */
export type SessionActivity = RouteResponse<'getSessionEvents'>;
export type SessionEvent = SessionActivity['events'][number];

/** The filter as the user states it (and as the URL carries it): strings, relative ranges unresolved. */
export interface LogFilters {
  vk?: string;
  model?: string;
  /** An outcome (`success`, `error`, `blocked`, `aborted`, `interrupted`) or an HTTP status code. */
  status?: string;
  session?: string;
  team?: string;
  user?: string;
  reason?: string;
  /** A relative window ending now: `15m`, `1h`, `24h`, `7d`, `30d`. Ignored when `start` is given. */
  range?: string;
  /** Absolute bounds, ISO 8601. */
  start?: string;
  end?: string;
  /** Full-text search in captured content. */
  q?: string;
  /** `true`: only requests priced by model family or worst case; `false`: only exactly priced ones. */
  estimated?: string;
}

export const FILTER_KEYS = [
  'vk',
  'model',
  'status',
  'session',
  'team',
  'user',
  'reason',
  'range',
  'start',
  'end',
  'q',
  'estimated',
] as const;
export type FilterKey = (typeof FILTER_KEYS)[number];

export const PAGE_SIZE = 200;
/** Telemetry events per page: the API's most, since a session's events outnumber its requests. */
export const ACTIVITY_PAGE_SIZE = 1000;

const RANGE_MS: Record<string, number> = {
  '15m': 15 * 60_000,
  '1h': 3_600_000,
  '6h': 6 * 3_600_000,
  '24h': 24 * 3_600_000,
  '7d': 7 * 24 * 3_600_000,
  '30d': 30 * 24 * 3_600_000,
};
export const RANGE_LABELS: Record<string, string> = {
  '15m': 'Last 15 minutes',
  '1h': 'Last hour',
  '6h': 'Last 6 hours',
  '24h': 'Last 24 hours',
  '7d': 'Last 7 days',
  '30d': 'Last 30 days',
};

type ApiLogQuery = Partial<LogQuery>;

/** The API query for a filter at a moment: empty fields dropped, relative ranges resolved against `now`. */
export function toLogQuery(filters: LogFilters, now: number): ApiLogQuery {
  const query: ApiLogQuery = {};
  const text = (value: string | undefined): string | undefined => {
    const trimmed = value?.trim();
    return trimmed ? trimmed : undefined;
  };
  for (const key of ['vk', 'model', 'session', 'team', 'user', 'reason', 'q'] as const) {
    const value = text(filters[key]);
    if (value !== undefined) query[key] = value;
  }
  const estimated = text(filters.estimated);
  if (estimated === 'true' || estimated === 'false') query.estimated = estimated === 'true';
  const status = text(filters.status);
  if (status !== undefined) {
    const outcome = logStatusSchema.safeParse(status);
    if (/^\d{3}$/.test(status)) query.status = Number(status);
    else if (outcome.success) query.status = outcome.data;
  }
  const start = text(filters.start);
  const end = text(filters.end);
  const range = text(filters.range);
  if (start !== undefined) query.start = toEpoch(start);
  else if (range !== undefined && RANGE_MS[range] !== undefined) query.start = now - RANGE_MS[range];
  if (end !== undefined) query.end = toEpoch(end);
  return query;
}

function toEpoch(value: string): number | string {
  const ms = Date.parse(value);
  return Number.isNaN(ms) ? value : ms;
}

/** Filters compared by content, so re-applying the same view does not reload it. */
export function sameFilters(a: LogFilters, b: LogFilters): boolean {
  return FILTER_KEYS.every((key) => (a[key] ?? '') === (b[key] ?? ''));
}

function message(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

/** Newest first, the order the API pages in. */
function newestFirst(a: LogRow, b: LogRow): number {
  return b.created_at_ms - a.created_at_ms || b.id - a.id;
}

// ---- state ---------------------------------------------------------------------------------------

type Load = 'idle' | 'loading' | 'ready' | 'error';

interface ListState {
  filters: LogFilters;
  rows: LogRow[];
  nextCursor: string | null;
  hasMore: boolean;
  status: Load;
  loadingMore: boolean;
  error: string | null;
  /** Bumped on every filter change; answers to an older generation are dropped. */
  generation: number;
  tail: boolean;
  tailError: string | null;
  /** Rows the last tail poll brought in, for a highlight. */
  fresh: ReadonlySet<number>;
}

interface DetailState {
  selectedId: number | null;
  detail: LogDetail | null;
  detailStatus: Load;
  detailError: string | null;
}

interface SessionState {
  sessionId: string | null;
  timeline: SessionTimeline | null;
  timelineStatus: Load;
  timelineError: string | null;
  /** Claude Code's telemetry for the session; loaded beside the timeline, failing on its own. */
  activity: SessionActivity | null;
  activityStatus: Load;
  activityError: string | null;
  activityLoadingMore: boolean;
}

/** Names for the key, team and user filters (ids go in the query; people pick by name). */
export interface FilterOption {
  id: string;
  name: string;
}

interface OptionsState {
  options: { keys: FilterOption[]; teams: FilterOption[]; users: FilterOption[] } | null;
}

export type LogsState = ListState & DetailState & SessionState & OptionsState;

export const initialLogsState: LogsState = {
  filters: {},
  rows: [],
  nextCursor: null,
  hasMore: false,
  status: 'idle',
  loadingMore: false,
  error: null,
  generation: 0,
  tail: false,
  tailError: null,
  fresh: new Set(),
  selectedId: null,
  detail: null,
  detailStatus: 'idle',
  detailError: null,
  sessionId: null,
  timeline: null,
  timelineStatus: 'idle',
  timelineError: null,
  activity: null,
  activityStatus: 'idle',
  activityError: null,
  activityLoadingMore: false,
  options: null,
};

interface ListActions {
  /** Apply a filter: drops the loaded rows and loads the first page. A no-op if nothing changed, unless forced. */
  applyFilters: (filters: LogFilters, options?: { force?: boolean }) => Promise<void>;
  /** The next keyset page, appended. Ignored while a page is loading or when there is none. */
  loadMore: () => Promise<void>;
  setTail: (on: boolean) => void;
  /** One live-tail poll: rows newer than the newest loaded, prepended without duplicates. */
  pollTail: () => Promise<void>;
}

interface DetailActions {
  select: (id: number) => Promise<void>;
  closeDetail: () => void;
}

interface SessionActions {
  /** The session's requests and its telemetry, side by side. */
  loadSession: (sessionId: string) => Promise<void>;
  /** The first page of the session's telemetry again (a retry after a failure). */
  loadActivity: (sessionId: string) => Promise<void>;
  /** The next page of telemetry, appended. Ignored while one is loading or when there is none. */
  loadMoreActivity: () => Promise<void>;
  clearSession: () => void;
}

interface OptionsActions {
  /** The keys, teams and users the filters offer; failures leave the filters as free text. */
  loadOptions: () => Promise<void>;
}

export type LogsStore = LogsState & ListActions & DetailActions & SessionActions & OptionsActions;

// ---- slices --------------------------------------------------------------------------------------

const createListSlice: StateCreator<LogsStore, [], [], ListActions> = (set, get) => ({
  applyFilters: async (filters, options) => {
    const state = get();
    if (!options?.force && state.status !== 'idle' && state.status !== 'error' && sameFilters(state.filters, filters))
      return;
    const generation = state.generation + 1;
    set({
      filters,
      generation,
      rows: [],
      nextCursor: null,
      hasMore: false,
      status: 'loading',
      loadingMore: false,
      error: null,
      fresh: new Set(),
    });
    try {
      const page = await callApi('listLogs', { query: { ...toLogQuery(filters, Date.now()), limit: PAGE_SIZE } });
      if (get().generation !== generation) return;
      set({ rows: page.logs, nextCursor: page.next_cursor, hasMore: page.has_more, status: 'ready' });
    } catch (error) {
      if (get().generation !== generation) return;
      set({ status: 'error', error: message(error) });
    }
  },

  loadMore: async () => {
    const state = get();
    if (state.status !== 'ready' || state.loadingMore || !state.hasMore || state.nextCursor === null) return;
    const { generation, nextCursor, filters } = state;
    set({ loadingMore: true, error: null });
    try {
      const page = await callApi('listLogs', {
        query: { ...toLogQuery(filters, Date.now()), limit: PAGE_SIZE, cursor: nextCursor },
      });
      if (get().generation !== generation) return;
      const seen = new Set(get().rows.map((row) => row.id));
      set({
        rows: [...get().rows, ...page.logs.filter((row) => !seen.has(row.id))],
        nextCursor: page.next_cursor,
        hasMore: page.has_more,
        loadingMore: false,
      });
    } catch (error) {
      if (get().generation !== generation) return;
      set({ loadingMore: false, error: message(error) });
    }
  },

  setTail: (on) => set({ tail: on, tailError: null, fresh: new Set() }),

  pollTail: async () => {
    const state = get();
    if (state.status !== 'ready') return;
    const { generation, filters } = state;
    const sinceId = logsSelectors.highestId(state);
    try {
      // The relative range is dropped: everything newer than what is shown is inside "the last N".
      const query = toLogQuery({ ...filters, range: undefined }, Date.now());
      const page = await callApi('listLogs', { query: { ...query, since_id: sinceId, limit: PAGE_SIZE } });
      if (get().generation !== generation) return;
      if (page.has_more) {
        // More arrived than one page holds: a gap would open between the old rows and the new, so start over.
        await get().applyFilters(filters, { force: true });
        return;
      }
      const current = get().rows;
      const seen = new Set(current.map((row) => row.id));
      const added = page.logs.filter((row) => !seen.has(row.id)).sort(newestFirst);
      set({
        tailError: null,
        ...(added.length > 0 && { rows: [...added, ...current], fresh: new Set(added.map((row) => row.id)) }),
      });
    } catch (error) {
      if (get().generation !== generation) return;
      set({ tailError: message(error) });
    }
  },
});

const createDetailSlice: StateCreator<LogsStore, [], [], DetailActions> = (set, get) => ({
  select: async (id) => {
    set({ selectedId: id, detail: null, detailStatus: 'loading', detailError: null });
    try {
      const detail = await callApi('getLog', { params: { id: String(id) } });
      if (get().selectedId !== id) return;
      set({ detail, detailStatus: 'ready' });
    } catch (error) {
      if (get().selectedId !== id) return;
      set({ detailStatus: 'error', detailError: message(error) });
    }
  },
  closeDetail: () => set({ selectedId: null, detail: null, detailStatus: 'idle', detailError: null }),
});

const noActivity = { activity: null, activityStatus: 'idle', activityError: null, activityLoadingMore: false } as const;
/** Bumped by every first-page load of telemetry; answers to an older one (or its later pages) are dropped. */
let activityTicket = 0;

const createSessionSlice: StateCreator<LogsStore, [], [], SessionActions> = (set, get) => ({
  loadSession: async (sessionId) => {
    set({ sessionId, timeline: null, timelineStatus: 'loading', timelineError: null });
    const activity = get().loadActivity(sessionId);
    try {
      const timeline = await callApi('getSessionTimeline', { params: { id: sessionId } });
      if (get().sessionId === sessionId) set({ timeline, timelineStatus: 'ready' });
    } catch (error) {
      if (get().sessionId === sessionId) set({ timelineStatus: 'error', timelineError: message(error) });
    }
    await activity;
  },

  loadActivity: async (sessionId) => {
    const ticket = ++activityTicket;
    set({ sessionId, ...noActivity, activityStatus: 'loading' });
    try {
      const activity = await callApi('getSessionEvents', {
        params: { id: sessionId },
        query: { limit: ACTIVITY_PAGE_SIZE },
      });
      if (ticket === activityTicket && get().sessionId === sessionId) set({ activity, activityStatus: 'ready' });
    } catch (error) {
      if (ticket === activityTicket && get().sessionId === sessionId)
        set({ activityStatus: 'error', activityError: message(error) });
    }
  },

  loadMoreActivity: async () => {
    const { sessionId, activity, activityStatus, activityLoadingMore } = get();
    if (!sessionId || !activity || activityStatus !== 'ready' || activityLoadingMore || !activity.next_cursor) return;
    const ticket = activityTicket;
    const current = (): boolean => ticket === activityTicket && get().sessionId === sessionId;
    set({ activityLoadingMore: true, activityError: null });
    try {
      const page = await callApi('getSessionEvents', {
        params: { id: sessionId },
        query: { limit: ACTIVITY_PAGE_SIZE, cursor: activity.next_cursor },
      });
      const loaded = get().activity;
      if (!current() || !loaded) return;
      const seen = new Set(loaded.events.map((event) => event.id));
      set({
        activity: { ...page, events: [...loaded.events, ...page.events.filter((event) => !seen.has(event.id))] },
        activityLoadingMore: false,
      });
    } catch (error) {
      if (current()) set({ activityLoadingMore: false, activityError: message(error) });
    }
  },

  clearSession: () =>
    set({ sessionId: null, timeline: null, timelineStatus: 'idle', timelineError: null, ...noActivity }),
});

const createOptionsSlice: StateCreator<LogsStore, [], [], OptionsActions> = (set) => ({
  loadOptions: async () => {
    const named = (items: { id: string; name: string }[]): FilterOption[] =>
      items.map(({ id, name }) => ({ id, name })).sort((a, b) => a.name.localeCompare(b.name));
    const [keys, teams, users] = await Promise.allSettled([
      callApi('listVirtualKeys'),
      callApi('listTeams'),
      callApi('listUsers'),
    ]);
    set({
      options: {
        keys: keys.status === 'fulfilled' ? named(keys.value.virtual_keys) : [],
        teams: teams.status === 'fulfilled' ? named(teams.value.teams) : [],
        users: users.status === 'fulfilled' ? named(users.value.users) : [],
      },
    });
  },
});

export const useLogs = create<LogsStore>()((...a) => ({
  ...initialLogsState,
  ...createListSlice(...a),
  ...createDetailSlice(...a),
  ...createSessionSlice(...a),
  ...createOptionsSlice(...a),
}));

onSignOut(() => useLogs.setState(initialLogsState));

// ---- selectors -----------------------------------------------------------------------------------

export const logsSelectors = {
  /** The highest id loaded: the live tail asks for rows above it. */
  highestId: (state: LogsState): number => state.rows.reduce((max, row) => (row.id > max ? row.id : max), 0),
  selectedRow: (state: LogsState): LogRow | null =>
    state.selectedId === null
      ? null
      : (state.rows.find((row) => row.id === state.selectedId) ?? state.detail?.log ?? null),
  activeFilterCount: (state: LogsState): number =>
    FILTER_KEYS.filter((key) => key !== 'range' && (state.filters[key] ?? '').trim() !== '').length,
  /** Whether live tail can mean anything: an end in the past closes the window. */
  canTail: (state: LogsState): boolean => (state.filters.end ?? '') === '',
  /** The name of a key, team or user id, when the filter options know it. */
  nameOf: (state: LogsState, kind: 'keys' | 'teams' | 'users', id: string | null): string | null =>
    id === null ? null : (state.options?.[kind].find((option) => option.id === id)?.name ?? null),
};
