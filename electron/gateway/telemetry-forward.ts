// Sends the telemetry signed-in Claude Code exports on to the operator's own OpenTelemetry collector
// (client_config.telemetry_forward_url), stamped with who sent it. The client already had its 200:
// forwarding happens after, from a bounded queue, a few posts at a time, each with a deadline, so a
// slow or dead collector costs memory up to the bound and never a client's time. What does not fit
// or does not arrive is counted and dropped, not retried: the exporter's next flush brings fresh data,
// and Tollgate's own copy (the events it keeps) is not affected.
import { Agent, request, type Dispatcher } from 'undici';
import type { TelemetrySignal } from './otlp.js';
import type { Logger } from './logger.js';

export const FORWARD_LIMITS = {
  /** Exports waiting to be sent; more are dropped. */
  queuedExports: 256,
  /** Their bytes together. */
  queuedBytes: 32 * 1024 * 1024,
  /** Posts to the collector at once. */
  concurrent: 2,
  /** How long one post may take, from connect to the end of the answer. */
  timeoutMs: 10_000,
  /** At most one warning per this long about a failing collector. */
  warnEveryMs: 60_000,
} as const;

export type ForwardOutcome = 'sent' | 'failed' | 'dropped';

interface Job {
  url: string;
  signal: TelemetrySignal;
  contentType: string;
  body: Uint8Array;
}

export class TelemetryForwarder {
  /** Exports by signal and outcome, since start (read by /metrics). */
  readonly counts = new Map<`${TelemetrySignal}:${ForwardOutcome}`, number>();
  private readonly queue: Job[] = [];
  private queuedBytes = 0;
  private inFlight = 0;
  private lastWarning = -Infinity;
  private readonly idle = new Set<() => void>();
  private readonly dispatcher: Dispatcher;
  private closed = false;

  constructor(
    private readonly logger: Logger,
    private readonly clock: () => number,
  ) {
    this.dispatcher = new Agent({
      connections: FORWARD_LIMITS.concurrent,
      headersTimeout: FORWARD_LIMITS.timeoutMs,
      bodyTimeout: FORWARD_LIMITS.timeoutMs,
      connectTimeout: FORWARD_LIMITS.timeoutMs,
    });
  }

  /** Queues an export for `<base>/v1/<signal>`; false when it was dropped (queue full, or closing). */
  send(base: string, signal: TelemetrySignal, body: Uint8Array, contentType: string): boolean {
    const full =
      this.queue.length >= FORWARD_LIMITS.queuedExports ||
      this.queuedBytes + body.byteLength > FORWARD_LIMITS.queuedBytes;
    if (this.closed || full) {
      this.count(signal, 'dropped');
      this.warn(`the telemetry collector at ${base} is not keeping up; dropped a ${signal} export`);
      return false;
    }
    this.queue.push({ url: signalUrl(base, signal), signal, contentType, body });
    this.queuedBytes += body.byteLength;
    this.pump();
    return true;
  }

  /** Waits up to `timeoutMs` for what is queued to be sent, then drops the rest and closes. */
  async close(timeoutMs: number): Promise<void> {
    this.closed = true;
    if (this.inFlight > 0 || this.queue.length > 0) {
      await new Promise<void>((resolve) => {
        const timer = setTimeout(finish, timeoutMs);
        const idle = this.idle;
        function finish(): void {
          clearTimeout(timer);
          idle.delete(finish);
          resolve();
        }
        idle.add(finish);
      });
    }
    for (const job of this.queue.splice(0)) this.count(job.signal, 'dropped');
    this.queuedBytes = 0;
    await this.dispatcher.destroy();
  }

  private pump(): void {
    while (this.inFlight < FORWARD_LIMITS.concurrent && this.queue.length > 0) {
      const job = this.queue.shift() as Job;
      this.queuedBytes -= job.body.byteLength;
      this.inFlight++;
      void this.post(job).finally(() => {
        this.inFlight--;
        this.pump();
        if (this.inFlight === 0 && this.queue.length === 0) for (const resolve of [...this.idle]) resolve();
      });
    }
  }

  private async post(job: Job): Promise<void> {
    try {
      const answer = await request(job.url, {
        method: 'POST',
        dispatcher: this.dispatcher,
        headers: { 'content-type': job.contentType, 'user-agent': 'tollgate-telemetry-forwarder' },
        body: job.body,
        signal: AbortSignal.timeout(FORWARD_LIMITS.timeoutMs),
      });
      await answer.body.dump({ limit: 64 * 1024 });
      if (answer.statusCode >= 200 && answer.statusCode < 300) {
        this.count(job.signal, 'sent');
        return;
      }
      this.count(job.signal, 'failed');
      this.warn(`the telemetry collector answered ${answer.statusCode} to ${job.url}`);
    } catch (error) {
      this.count(job.signal, 'failed');
      this.warn(`could not send telemetry to ${job.url}: ${error instanceof Error ? error.message : String(error)}`);
    }
  }

  private count(signal: TelemetrySignal, outcome: ForwardOutcome): void {
    const name = `${signal}:${outcome}` as const;
    this.counts.set(name, (this.counts.get(name) ?? 0) + 1);
  }

  private warn(message: string): void {
    const now = this.clock();
    if (now - this.lastWarning < FORWARD_LIMITS.warnEveryMs) return;
    this.lastWarning = now;
    this.logger.warn(message);
  }
}

/** OTLP/HTTP's rule for a base endpoint (OTEL_EXPORTER_OTLP_ENDPOINT): each signal at `v1/<signal>` under it. */
export function signalUrl(base: string, signal: TelemetrySignal): string {
  return `${base.replace(/\/+$/, '')}/v1/${signal}`;
}
