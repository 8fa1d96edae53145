// The renderer's only data path: a typed client derived from the admin API contract in shared/.
import { adminApi, type RouteBody, type RouteName, type RouteParams, type RouteQuery, type RouteResponse } from '../../../shared/contract';
import type { DesktopBridge } from '../../../shared/ipc';

export interface Connection {
  /** The gateway's origin, e.g. http://127.0.0.1:4141: the admin API and the Anthropic-compatible API live here. */
  apiBase: string;
  adminToken: string;
}

/** A refusal or failure from the gateway; `status` 0 means the gateway could not be reached at all. */
export class ApiError extends Error {
  constructor(
    readonly status: number,
    message: string,
    readonly type: string | null = null,
  ) {
    super(message);
    this.name = 'ApiError';
  }
}

export type CallInput<N extends RouteName> = {
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
    if (value !== undefined && value !== '') url.searchParams.set(key, String(value));
  }
  let response: Response;
  try {
    response = await fetch(url, {
      method: spec.method,
      headers: {
        authorization: `Bearer ${connection.adminToken}`,
        ...(input.body !== undefined && { 'content-type': 'application/json' }),
      },
      ...(input.body !== undefined && { body: JSON.stringify(input.body) }),
    });
  } catch {
    throw new ApiError(0, `Could not reach the gateway at ${connection.apiBase}. Is it running?`);
  }
  const payload: unknown = await response.json().then(
    (value: unknown) => value,
    () => null,
  );
  if (!response.ok) {
    const error = typeof payload === 'object' && payload !== null && 'error' in payload ? payload.error : null;
    const detail = typeof error === 'object' && error !== null ? (error as { message?: unknown; type?: unknown }) : {};
    const message = typeof detail.message === 'string' ? detail.message : `${response.status} ${response.statusText}`.trim();
    throw new ApiError(response.status, message, typeof detail.type === 'string' ? detail.type : null);
  }
  return payload as RouteResponse<N>;
}

declare global {
  interface Window {
    tollgate?: DesktopBridge;
  }
}

export const ADMIN_TOKEN_STORAGE_KEY = 'tollgate.adminToken';

/** True inside the desktop window, where the preload hands over the connection and there is nothing to sign in to. */
export function isDesktop(): boolean {
  return typeof window !== 'undefined' && window.tollgate !== undefined;
}

/** In a browser the dashboard is served by the gateway itself, so the page's origin is the gateway. */
export function browserConnection(adminToken: string): Connection {
  return { apiBase: window.location.origin, adminToken };
}

/** In the desktop window the preload hands over the connection; in a browser the token comes from this tab's session. */
export async function discoverConnection(): Promise<Connection | null> {
  if (window.tollgate) return window.tollgate.connection();
  const adminToken = sessionStorage.getItem(ADMIN_TOKEN_STORAGE_KEY);
  return adminToken ? browserConnection(adminToken) : null;
}
