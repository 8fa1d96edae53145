// The session: how to reach the gateway (connection), whether we are signed in, and the gateway's
// settings the shell shows (enforcement). Every other store reaches the API through `callApi` here,
// so a token that stops working signs the browser out in one place.
import { create } from 'zustand';
import type { StoreApi } from 'zustand';
import type { ClientConfig } from '../../../shared/schemas';
import type { RouteName, RouteResponse } from '../../../shared/contract';
import { ADMIN_TOKEN_STORAGE_KEY, ApiError, browserConnection, call, discoverConnection, isDesktop, type CallInput, type Connection } from '../api/client';

export type SessionStatus = 'starting' | 'signed-out' | 'unreachable' | 'ready';

export interface SessionData {
  status: SessionStatus;
  mode: 'desktop' | 'browser';
  connection: Connection | null;
  /** The gateway's client config; its home is here because the shell header shows it on every page. */
  config: ClientConfig | null;
  signingIn: boolean;
  /** Why the last sign-in failed, in words a person can act on. */
  signInError: string | null;
  /** Why the session ended or could not start (token rotated, gateway down). */
  notice: string | null;
}

export interface SessionActions {
  /** Finds the connection (preload or this tab's stored token) and checks it against the gateway. */
  start: () => Promise<void>;
  /** Browser mode: checks the admin token with GET /api/config and keeps it for this tab only. */
  signIn: (adminToken: string) => Promise<boolean>;
  signOut: (notice?: string) => void;
  /** Marks the session ready with a known connection (the desktop window, tests). */
  connect: (connection: Connection, config?: ClientConfig | null) => void;
  /** Another page changed the gateway's settings: keep the header in step without a refetch. */
  setConfig: (config: ClientConfig) => void;
  refreshConfig: () => Promise<void>;
}

export type SessionState = SessionData & SessionActions;

export const initialSessionState: SessionData = {
  status: 'starting',
  mode: 'browser',
  connection: null,
  config: null,
  signingIn: false,
  signInError: null,
  notice: null,
};

const signOutListeners = new Set<() => void>();

/** Stores holding server data register their reset here, so signing out leaves nothing behind. */
export function onSignOut(reset: () => void): () => void {
  signOutListeners.add(reset);
  return () => signOutListeners.delete(reset);
}

const UNACCEPTED_TOKEN =
  'That admin token was not accepted. Copy it again from the admin-token file in the gateway data directory (or the line the gateway printed when it started).';

function describe(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

function createSessionActions(set: StoreApi<SessionState>['setState'], get: StoreApi<SessionState>['getState']): SessionActions {
  return {
    start: async () => {
      const mode = isDesktop() ? 'desktop' : 'browser';
      set({ status: 'starting', mode, notice: null });
      let connection: Connection | null;
      try {
        connection = await discoverConnection();
      } catch (error) {
        set({ status: 'unreachable', notice: `The desktop app did not hand over a connection: ${describe(error)}` });
        return;
      }
      if (!connection) {
        set({ status: 'signed-out' });
        return;
      }
      try {
        const { client_config } = await call(connection, 'getConfig');
        set({ status: 'ready', connection, config: client_config });
      } catch (error) {
        if (error instanceof ApiError && error.status === 401 && mode === 'browser') {
          sessionStorage.removeItem(ADMIN_TOKEN_STORAGE_KEY);
          set({ status: 'signed-out', notice: 'The saved admin token is no longer accepted. Sign in again.' });
        } else {
          set({ status: 'unreachable', connection, notice: describe(error) });
        }
      }
    },

    signIn: async (adminToken) => {
      const token = adminToken.trim();
      if (!token) {
        set({ signInError: 'Enter the admin token.' });
        return false;
      }
      set({ signingIn: true, signInError: null, notice: null });
      const connection = browserConnection(token);
      try {
        const { client_config } = await call(connection, 'getConfig');
        sessionStorage.setItem(ADMIN_TOKEN_STORAGE_KEY, token);
        set({ status: 'ready', mode: 'browser', connection, config: client_config, signingIn: false });
        return true;
      } catch (error) {
        const message = error instanceof ApiError && error.status === 401 ? UNACCEPTED_TOKEN : describe(error);
        set({ signingIn: false, signInError: message });
        return false;
      }
    },

    signOut: (notice) => {
      sessionStorage.removeItem(ADMIN_TOKEN_STORAGE_KEY);
      for (const reset of signOutListeners) reset();
      set({ ...initialSessionState, mode: get().mode, status: 'signed-out', notice: notice ?? null });
    },

    connect: (connection, config = null) => set({ status: 'ready', connection, config, notice: null, signInError: null }),

    setConfig: (config) => set({ config }),

    refreshConfig: async () => {
      try {
        const { client_config } = await callApi('getConfig');
        set({ config: client_config });
      } catch {
        // The header keeps the last known state; pages report their own failures.
      }
    },
  };
}

export const useSession = create<SessionState>()((set, get) => ({
  ...initialSessionState,
  ...createSessionActions(set, get),
}));

export const sessionSelectors = {
  isSignedIn: (state: SessionData) => state.status === 'ready' && state.connection !== null,
  /** Where clients send Anthropic API traffic: the gateway's own address, without a trailing slash. */
  gatewayUrl: (state: SessionData) => state.connection?.apiBase.replace(/\/+$/, '') ?? '',
  enforcement: (state: SessionData): 'enforced' | 'open' | 'unknown' =>
    state.config === null ? 'unknown' : state.config.enforce_auth_on_inference ? 'enforced' : 'open',
};

/** The connection, or a clear error when a page calls the API before sign-in. */
export function requireConnection(): Connection {
  const { connection } = useSession.getState();
  if (!connection) throw new ApiError(401, 'Not signed in to a gateway.');
  return connection;
}

/**
 * Calls an admin route with the session's connection. A 401 in the browser means the token was
 * rotated or revoked: the tab signs out and says why, instead of every page showing its own error.
 */
export async function callApi<N extends RouteName>(name: N, input: CallInput<N> = {}): Promise<RouteResponse<N>> {
  try {
    return await call(requireConnection(), name, input);
  } catch (error) {
    const { mode, status } = useSession.getState();
    if (error instanceof ApiError && error.status === 401 && mode === 'browser' && status === 'ready') {
      useSession.getState().signOut('The gateway no longer accepts this admin token. Sign in again.');
    }
    throw error;
  }
}
