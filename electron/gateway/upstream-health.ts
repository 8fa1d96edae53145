// How the upstream Anthropic API has been answering: the current run of failures (5xx, 529
// overloaded, a network error, a stream that broke off) and its latest message, all cleared by the
// next success. A 4xx is the client's problem, not the upstream's, so it neither counts nor clears.
// In memory: a restart starts from a clean slate.

export interface UpstreamHealthSnapshot {
  consecutiveFailures: number;
  lastError: string | null;
  /** Epoch milliseconds of the last failure; null while the upstream is answering. */
  lastErrorAt: number | null;
}

export class UpstreamHealth {
  private failures = 0;
  private lastError: string | null = null;
  private lastErrorAt: number | null = null;

  succeeded(): void {
    this.failures = 0;
    this.lastError = null;
    this.lastErrorAt = null;
  }

  failed(message: string, at: number): void {
    this.failures++;
    this.lastError = message;
    this.lastErrorAt = at;
  }

  snapshot(): UpstreamHealthSnapshot {
    return { consecutiveFailures: this.failures, lastError: this.lastError, lastErrorAt: this.lastErrorAt };
  }
}

/** Whether an upstream HTTP status says the upstream itself is failing (not the request). */
export const isUpstreamFailure = (status: number): boolean => status >= 500;
