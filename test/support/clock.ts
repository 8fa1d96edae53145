// A clock a test sets and moves by hand, injected into the gateway (`gateway: { clock: clock.read }`) so
// budget periods, calendar resets and rate-limit windows are exercised without waiting for real time.

export class ManualClock {
  private ms: number;

  constructor(start: string | number) {
    this.ms = toMs(start);
  }

  /** The current time in epoch milliseconds; pass this function as the gateway's clock. */
  readonly read = (): number => this.ms;

  get now(): number {
    return this.ms;
  }

  /** Jumps to an instant (ISO 8601 or epoch ms); time may go either way. */
  set(at: string | number): void {
    this.ms = toMs(at);
  }

  advance(ms: number): void {
    this.ms += ms;
  }
}

function toMs(at: string | number): number {
  const ms = typeof at === 'number' ? at : Date.parse(at);
  if (!Number.isFinite(ms)) throw new Error(`not an instant: ${String(at)}`);
  return ms;
}
