// The overview's figures and the spend series, with the chart's grouping and bucket choices.
// Everything shown is derived from these two answers in selectors; nothing computed is stored.
import { create, type StoreApi } from 'zustand';
import type { RouteResponse } from '../../../shared/contract';
import type { LoadStatus } from './keys';
import { callApi, onSignOut } from './session';

export type Overview = RouteResponse<'getOverview'>;
export type SpendSeries = RouteResponse<'getSpendSeries'>;
export type SeriesGroup = SpendSeries['group'];
export type SeriesBucket = SpendSeries['bucket'];
export type BudgetHealth = Overview['budget_health'][number];
export type OverviewPerson = Overview['people'][number];

export interface OverviewData {
  overview: Overview | null;
  status: LoadStatus;
  error: string | null;
  series: SpendSeries | null;
  seriesStatus: LoadStatus;
  seriesError: string | null;
  group: SeriesGroup;
  bucket: SeriesBucket;
}

export interface OverviewActions {
  load: () => Promise<void>;
  loadSeries: () => Promise<void>;
  setGroup: (group: SeriesGroup) => void;
  setBucket: (bucket: SeriesBucket) => void;
  reset: () => void;
}

export type OverviewState = OverviewData & OverviewActions;

export const initialOverviewState: OverviewData = {
  overview: null,
  status: 'idle',
  error: null,
  series: null,
  seriesStatus: 'idle',
  seriesError: null,
  group: 'team',
  bucket: 'day',
};

const HOUR = 3_600_000;
/** How far back each bucket size looks: a month of days, two days of hours. */
export const SERIES_SPAN_MS: Record<SeriesBucket, number> = { day: 30 * 24 * HOUR, hour: 48 * HOUR };

function describe(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

function createOverviewActions(set: StoreApi<OverviewState>['setState'], get: StoreApi<OverviewState>['getState']): OverviewActions {
  let seriesRequest = 0;
  return {
    load: async () => {
      set({ status: get().overview ? 'ready' : 'loading', error: null });
      const series = get().loadSeries();
      try {
        const overview = await callApi('getOverview');
        set({ overview, status: 'ready' });
      } catch (error) {
        set({ status: 'error', error: describe(error) });
      }
      await series;
    },

    loadSeries: async () => {
      const { group, bucket } = get();
      const request = ++seriesRequest;
      set({ seriesStatus: 'loading', seriesError: null });
      try {
        const series = await callApi('getSpendSeries', { query: { group, bucket, start: Date.now() - SERIES_SPAN_MS[bucket] } });
        // A newer choice was made while this one was on its way: its answer wins.
        if (request === seriesRequest) set({ series, seriesStatus: 'ready' });
      } catch (error) {
        if (request === seriesRequest) set({ seriesStatus: 'error', seriesError: describe(error) });
      }
    },

    setGroup: (group) => {
      if (group === get().group) return;
      set({ group });
      void get().loadSeries();
    },

    setBucket: (bucket) => {
      if (bucket === get().bucket) return;
      set({ bucket });
      void get().loadSeries();
    },

    reset: () => set(initialOverviewState),
  };
}

export const useOverview = create<OverviewState>()((set, get) => ({ ...initialOverviewState, ...createOverviewActions(set, get) }));
onSignOut(() => useOverview.getState().reset());

export interface ChartSeries {
  id: string;
  name: string;
  total: number;
}
export interface ChartColumn {
  start: string;
  total: number;
  /** Value per series id, in `series` order. */
  values: number[];
}
export interface ChartModel {
  series: ChartSeries[];
  columns: ChartColumn[];
  max: number;
  total: number;
}

export const OTHER_ID = '__other__';
/** The gateway names at most a few groups and sums the rest under this id. */
export const SERVER_OTHER_ID = '(other)';

/** Stacks the series: the biggest `maxSeries - 1` groups by total, and everything else (with the gateway's own remainder) as "Other". */
export function buildChart(series: SpendSeries | null, maxSeries = 7): ChartModel {
  if (!series) return { series: [], columns: [], max: 0, total: 0 };
  const ranked = series.groups.filter((group) => group.id !== SERVER_OTHER_ID).sort((a, b) => b.total - a.total);
  const serverOther = series.groups.filter((group) => group.id === SERVER_OTHER_ID);
  const keep = ranked.length + serverOther.length > maxSeries ? ranked.slice(0, maxSeries - 1) : ranked;
  const keptIds = new Set(keep.map((group) => group.id));
  const rest = [...ranked.filter((group) => !keptIds.has(group.id)), ...serverOther];
  const chartSeries: ChartSeries[] = keep.map(({ id, name, total }) => ({ id, name, total }));
  if (rest.length) {
    chartSeries.push({
      id: OTHER_ID,
      name: serverOther.length ? 'Other' : `Other (${rest.length})`,
      total: rest.reduce((sum, group) => sum + group.total, 0),
    });
  }

  const columns = series.points.map((point) => {
    const values = keep.map((group) => point.values[group.id] ?? 0);
    if (rest.length) values.push(rest.reduce((sum, group) => sum + (point.values[group.id] ?? 0), 0));
    return { start: point.start, values, total: values.reduce((sum, value) => sum + value, 0) };
  });
  return {
    series: chartSeries,
    columns,
    max: columns.reduce((max, column) => Math.max(max, column.total), 0),
    total: chartSeries.reduce((sum, item) => sum + item.total, 0),
  };
}

let chartCache: { key: SpendSeries | null; model: ChartModel } = { key: null, model: buildChart(null) };

export const overviewSelectors = {
  chart: (state: OverviewData): ChartModel => {
    if (chartCache.key !== state.series) chartCache = { key: state.series, model: buildChart(state.series) };
    return chartCache.model;
  },
  /** Budgets that will cross first, then by how used they are. */
  budgetHealth: (overview: Overview | null): BudgetHealth[] =>
    overview ? [...overview.budget_health].sort((a, b) => Number(b.will_cross) - Number(a.will_cross) || b.used_fraction - a.used_fraction) : [],
  atRiskCount: (overview: Overview | null): number => overview?.budget_health.filter((budget) => budget.will_cross || budget.used_fraction >= 1).length ?? 0,
  refusalTotal: (overview: Overview | null): number => overview?.refusals.reduce((sum, item) => sum + item.count, 0) ?? 0,
  errorTotal: (overview: Overview | null): number => overview?.errors.reduce((sum, item) => sum + item.count, 0) ?? 0,
  /** Someone's Claude Code reported lines of code, commits, pull requests or active time this month. */
  hasActivity: (overview: Overview | null): boolean =>
    overview?.people.some((person) => person.lines_added + person.lines_removed + person.commits + person.pull_requests + person.active_time_seconds > 0) ?? false,
  /** Nothing has gone through the gateway yet this month. */
  isQuiet: (overview: Overview | null): boolean => overview !== null && overview.requests.month === 0 && overview.spend.month === 0,
};
