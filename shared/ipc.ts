// The only values the desktop window gets over IPC: where the gateway's API is and the admin token.
// Everything else goes through the HTTP API in contract.ts, so the same UI works in a browser.
export interface DesktopConnection {
  /** The origin the window loaded the dashboard from: the gateway itself (or, in `npm run dev`, the dev server proxying /api to it). */
  apiBase: string;
  adminToken: string;
}

export const IPC_CHANNELS = { connection: 'tollgate:connection' } as const;

/** What the preload exposes on window.tollgate. */
export interface DesktopBridge {
  connection(): Promise<DesktopConnection>;
}
