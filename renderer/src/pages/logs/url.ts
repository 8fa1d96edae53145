// The logs page keeps its filter in the URL hash (`#/logs?model=…&range=24h`), so a view can be shared
// by copying the address and the back button undoes a filter change.
import { useMemo } from 'react';
import { navigate, useRoute } from '../../components';
import { FILTER_KEYS, type LogFilters } from '../../stores/logs';

export function filtersFromParams(params: URLSearchParams): LogFilters {
  const filters: LogFilters = {};
  for (const key of FILTER_KEYS) {
    const value = params.get(key);
    if (value !== null && value !== '') filters[key] = value;
  }
  return filters;
}

/** The filter the address describes; a new object only when the address changes. */
export function useRouteFilters(): LogFilters {
  const { params } = useRoute();
  return useMemo(() => filtersFromParams(params), [params]);
}

/**
 * Show another filter. Picking a filter is a new history entry, so Back returns to the previous view;
 * typing in the search box replaces the entry instead of leaving one per keystroke.
 */
export function showFilters(filters: LogFilters, options: { replace?: boolean } = {}): void {
  navigate('/logs', { ...filters }, options);
}
