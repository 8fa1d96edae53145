// The admin routes behind the desktop features: pause, LAN sharing, notification switches and the
// first-run onboarding state. (Placeholder handlers; the LAN issue fills them in.)
import type { GatewayContext } from './context.js';
import { GatewayError } from './errors.js';

const pending = (): never => {
  throw new GatewayError(501, 'api_error', 'Not implemented yet.');
};

export function desktopHandlers(_ctx: GatewayContext) {
  return {
    getGatewayStatus: pending,
    pauseGateway: pending,
    resumeGateway: pending,
    getLan: pending,
    updateLan: pending,
    getNotificationSettings: pending,
    updateNotificationSettings: pending,
    getOnboarding: pending,
    completeOnboarding: pending,
  };
}
