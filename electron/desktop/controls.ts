// What the desktop side (tray, notifier) needs from a running gateway, as small interfaces that the
// real Gateway from startGateway() satisfies structurally: the pure code and its tests depend on these
// few members, not on the whole core.
import type { GatewayStatus, LanSettings, LanStatus, NotificationSettings } from '../../shared/schemas.js';
import type { RequestLog } from '../store/request-log.js';

/** What the notifier reads: the status, the refusals in the request log, the switches and the clock. */
export interface NotifierGateway {
  status(): GatewayStatus;
  context: {
    requestLog: Pick<RequestLog, 'latestId' | 'refusalsByKeyAfter'>;
    settings: { notifications(): NotificationSettings };
    /** The gateway's clock, the one the request log's timestamps come from. */
    clock: () => number;
    logger: { error(message: string, error?: unknown): void };
  };
}

/** What the tray reads and changes. */
export interface TrayGateway {
  status(): GatewayStatus;
  setPaused(paused: boolean): GatewayStatus;
  lan: { update(patch: Partial<LanSettings>): Promise<LanStatus> };
}

/** Both: what the Electron shell hands the tray and the notifications. */
export type GatewayControls = NotifierGateway & TrayGateway;
