// The gateway's own diagnostics (not the request log). Plain lines on stderr by default, silent in tests.
export interface Logger {
  info(message: string): void;
  warn(message: string): void;
  error(message: string, error?: unknown): void;
}

export const consoleLogger: Logger = {
  info: (message) => console.error(`[tollgate] ${message}`),
  warn: (message) => console.error(`[tollgate] warning: ${message}`),
  error: (message, error) => console.error(`[tollgate] error: ${message}`, error ?? ''),
};

export const silentLogger: Logger = { info: () => {}, warn: () => {}, error: () => {} };
