// Hooks pages use to reach the gateway: the connection, a bound API caller, and its client addresses;
// and a clock for countdowns.
import { useEffect, useMemo, useState } from 'react';
import type { Connection } from '../api/client';
import { endpointsFor, useGateway, type Endpoints } from '../stores/gateway';
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

/**
 * Where Claude Code reaches this gateway: this computer's loopback address (the status's local_url,
 * or the address this dashboard talks to until the status is in), and each LAN URL while sharing.
 */
export function useEndpoints(): Endpoints {
  const gatewayUrl = useGatewayUrl();
  const localUrl = useGateway((state) => state.status?.local_url ?? null);
  const lan = useGateway((state) => state.status?.lan ?? null);
  return useMemo(() => endpointsFor(localUrl ?? gatewayUrl, lan, gatewayUrl), [localUrl, gatewayUrl, lan]);
}

/** The time now, refreshed every `intervalMs` while mounted: for countdowns such as a code's time left. */
export function useNow(intervalMs = 1000): number {
  const [now, setNow] = useState(() => Date.now());
  useEffect(() => {
    const timer = setInterval(() => setNow(Date.now()), intervalMs);
    return () => clearInterval(timer);
  }, [intervalMs]);
  return now;
}
