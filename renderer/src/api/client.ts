// The renderer's only data path: a typed client derived from the admin API contract in shared/.
import { adminApi, type RouteBody, type RouteName, type RouteParams, type RouteQuery, type RouteResponse } from '../../../shared/contract';
import type { DesktopBridge } from '../../../shared/ipc';

export interface Connection {
  apiBase: string;
  adminToken: string;
}

export class ApiError extends Error {
  constructor(
    readonly status: number,
    message: string,
  ) {
    super(message);
  }
}

type CallInput<N extends RouteName> = {
  params?: RouteParams<N>;
  query?: Partial<RouteQuery<N>>;
  body?: RouteBody<N>;
};

export async function call<N extends RouteName>(
  connection: Connection,
  name: N,
  input: CallInput<N> = {},
): Promise<RouteResponse<N>> {
  const spec = adminApi[name];
  const params = (input.params ?? {}) as Record<string, string>;
  const path = spec.path.replace(/:([a-z_]+)/g, (_match, key: string) => encodeURIComponent(params[key] ?? ''));
  const url = new URL(path, connection.apiBase);
  for (const [key, value] of Object.entries(input.query ?? {}) as [string, string | number | undefined][]) {
    if (value !== undefined) url.searchParams.set(key, String(value));
  }
  const response = await fetch(url, {
    method: spec.method,
    headers: { authorization: `Bearer ${connection.adminToken}`, 'content-type': 'application/json' },
    ...(input.body !== undefined && { body: JSON.stringify(input.body) }),
  });
  const payload = (await response.json()) as unknown;
  if (!response.ok) {
    const message =
      typeof payload === 'object' && payload !== null && 'error' in payload
        ? String((payload as { error: { message?: unknown } }).error.message)
        : response.statusText;
    throw new ApiError(response.status, message);
  }
  return payload as RouteResponse<N>;
}

declare global {
  interface Window {
    tollgate?: DesktopBridge;
  }
}

/** In the desktop window the preload hands over the connection; in a browser the page's origin is the gateway. */
export async function discoverConnection(): Promise<Connection | null> {
  if (window.tollgate) return window.tollgate.connection();
  const adminToken = sessionStorage.getItem('tollgate.adminToken');
  return adminToken ? { apiBase: window.location.origin, adminToken } : null;
}
