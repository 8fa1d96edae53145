// Hooks pages use to reach the gateway: the connection, and a bound API caller.
import type { Connection } from '../api/client';
import { callApi, sessionSelectors, useSession } from '../stores/session';

/** The signed-in connection. Pages only render inside the signed-in shell, so this is never null there. */
export function useConnection(): Connection {
  const connection = useSession((state) => state.connection);
  if (!connection) throw new Error('useConnection() was called outside a signed-in session.');
  return connection;
}

/** `const api = useApi(); await api('listLogs', { query: { limit: 100 } })`: typed from shared/contract.ts. */
export function useApi(): typeof callApi {
  return callApi;
}

/** The gateway's address as clients should use it (no trailing slash). */
export function useGatewayUrl(): string {
  return useSession(sessionSelectors.gatewayUrl);
}
