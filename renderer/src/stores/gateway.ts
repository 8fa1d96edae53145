// Gateway overview state: the connection and the figures the first screen shows.
import { create } from 'zustand';
import { call, discoverConnection, type Connection } from '../api/client';

interface GatewayState {
  connection: Connection | null;
  status: 'idle' | 'loading' | 'ready' | 'error';
  error: string | null;
  keyCount: number;
  recentRequests: number;
  load: () => Promise<void>;
}

export const useGateway = create<GatewayState>((set) => ({
  connection: null,
  status: 'idle',
  error: null,
  keyCount: 0,
  recentRequests: 0,
  load: async () => {
    set({ status: 'loading', error: null });
    try {
      const connection = await discoverConnection();
      if (!connection) throw new Error('Sign in with the admin token to see this gateway.');
      const [keys, logs] = await Promise.all([
        call(connection, 'listVirtualKeys'),
        call(connection, 'listLogs', { query: { limit: 100 } }),
      ]);
      set({ connection, status: 'ready', keyCount: keys.count, recentRequests: logs.logs.length });
    } catch (error) {
      set({ status: 'error', error: error instanceof Error ? error.message : String(error) });
    }
  },
}));
