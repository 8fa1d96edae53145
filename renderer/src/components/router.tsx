// Hash routing: `#/logs?session=abc`. The hash works under file:// in the desktop window and under
// /dashboard/ in a browser without the server knowing any client routes.
import { useSyncExternalStore, type AnchorHTMLAttributes, type MouseEvent } from 'react';

export interface Route {
  /** The first path segment: 'overview', 'keys', 'logs'… ('' for the root). */
  page: string;
  /** Path segments after the page: `#/logs/123` → ['123']. */
  rest: string[];
  /** The full path without the query: '/logs/123'. */
  path: string;
  /** The query after `?` in the hash. Read-only: change it with `navigate` or `setRouteParams`. */
  params: URLSearchParams;
}

export type ParamValues = Record<string, string | number | null | undefined>;

const listeners = new Set<() => void>();

function subscribe(listener: () => void): () => void {
  listeners.add(listener);
  // Back and forward over pushState entries fire popstate; typed or linked hashes fire hashchange.
  window.addEventListener('hashchange', listener);
  window.addEventListener('popstate', listener);
  return () => {
    listeners.delete(listener);
    window.removeEventListener('hashchange', listener);
    window.removeEventListener('popstate', listener);
  };
}

function readHash(): string {
  return window.location.hash;
}

export function parseHash(hash: string): Route {
  const body = hash.replace(/^#/, '');
  const queryAt = body.indexOf('?');
  const rawPath = queryAt === -1 ? body : body.slice(0, queryAt);
  const query = queryAt === -1 ? '' : body.slice(queryAt + 1);
  const segments = rawPath.split('/').filter(Boolean).map(safeDecode);
  return { page: segments[0] ?? '', rest: segments.slice(1), path: `/${segments.join('/')}`, params: new URLSearchParams(query) };
}

function safeDecode(segment: string): string {
  try {
    return decodeURIComponent(segment);
  } catch {
    return segment;
  }
}

/** `hrefFor('/logs', { session: 'abc' })` → `#/logs?session=abc`. Empty values are left out. */
export function hrefFor(path: string, params: ParamValues = {}): string {
  const query = new URLSearchParams();
  for (const [key, value] of Object.entries(params)) {
    if (value !== undefined && value !== null && value !== '') query.set(key, String(value));
  }
  const search = query.toString();
  return `#${path.startsWith('/') ? path : `/${path}`}${search ? `?${search}` : ''}`;
}

function go(href: string, replace: boolean): void {
  if (window.location.hash === href) return;
  if (replace) window.history.replaceState(window.history.state, '', href);
  else window.history.pushState(window.history.state, '', href);
  // pushState does not fire hashchange; tell subscribers ourselves, synchronously.
  for (const listener of listeners) listener();
}

/** Goes to a page; `replace` keeps the back button from filling up with filter tweaks. */
export function navigate(path: string, params: ParamValues = {}, options: { replace?: boolean } = {}): void {
  go(hrefFor(path, params), options.replace ?? false);
}

/** Merges into the current page's query (null or '' removes a key). Replaces history by default. */
export function setRouteParams(patch: ParamValues, options: { replace?: boolean } = {}): void {
  const current = parseHash(readHash());
  const merged: ParamValues = Object.fromEntries(current.params.entries());
  Object.assign(merged, patch);
  go(hrefFor(current.path, merged), options.replace ?? true);
}

/** The current route; re-renders when the hash changes. */
export function useRoute(): Route {
  const hash = useSyncExternalStore(subscribe, readHash, () => '');
  return parseHashCached(hash);
}

let lastHash: string | null = null;
let lastRoute: Route = parseHash('');
function parseHashCached(hash: string): Route {
  if (hash !== lastHash) {
    lastHash = hash;
    lastRoute = parseHash(hash);
  }
  return lastRoute;
}

export interface LinkProps extends Omit<AnchorHTMLAttributes<HTMLAnchorElement>, 'href'> {
  to: string;
  params?: ParamValues;
}

/** An in-app link: a real `<a href="#/…">` (open in new tab works) that navigates without a reload. */
export function Link({ to, params, onClick, ...rest }: LinkProps) {
  const href = hrefFor(to, params);
  return (
    <a
      {...rest}
      href={href}
      onClick={(event: MouseEvent<HTMLAnchorElement>) => {
        onClick?.(event);
        if (event.defaultPrevented || event.button !== 0 || event.metaKey || event.ctrlKey || event.shiftKey || event.altKey) return;
        event.preventDefault();
        go(href, false);
      }}
    />
  );
}
