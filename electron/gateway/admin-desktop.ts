// The admin routes behind the desktop features: the gateway's status, pause and resume, LAN sharing,
// notification switches and the first-run onboarding state. The tray calls the same functions
// through the Gateway object (electron/gateway/gateway.ts); either way the state lives in the
// settings table and survives a restart.
import type { RouteResponse } from '../../shared/contract.js';
import type { GatewayStatus, LanSettings, NotificationSettings } from '../../shared/schemas.js';
import { isoOrNull } from '../store/time.js';
import type { GatewayContext } from './context.js';

/** Pauses or resumes; pausing twice keeps the first pause's time and answers `changed: false`. */
export function setPaused(ctx: GatewayContext, paused: boolean): { status: GatewayStatus; changed: boolean } {
  const changed = ctx.settings.setPaused(paused, ctx.clock());
  if (changed) {
    ctx.logger.info(
      paused ? 'paused: inference requests are refused until resumed' : 'resumed: forwarding requests again',
    );
  }
  return { status: ctx.status.current(), changed };
}

export function onboarding(ctx: GatewayContext): RouteResponse<'getOnboarding'> {
  const completedAt = ctx.settings.onboardingCompletedAt();
  const virtualKeys = ctx.keys.all().length;
  return {
    // An install that already has keys was set up before onboarding existed, or by hand: no tour.
    needed: completedAt === null && virtualKeys === 0,
    has_provider_key: ctx.providers.hasKeys('anthropic'),
    virtual_keys: virtualKeys,
    completed_at: isoOrNull(completedAt),
  };
}

export function desktopHandlers(ctx: GatewayContext) {
  return {
    getGatewayStatus: (): GatewayStatus => ctx.status.current(),
    pauseGateway: (): GatewayStatus => setPaused(ctx, true).status,
    resumeGateway: (): GatewayStatus => setPaused(ctx, false).status,
    getLan: () => ctx.lan.status(),
    updateLan: ({ body }: { body: Partial<LanSettings> }) => ctx.lan.update(body),
    getNotificationSettings: (): NotificationSettings => ctx.settings.notifications(),
    updateNotificationSettings: ({ body }: { body: Partial<NotificationSettings> }): NotificationSettings =>
      ctx.settings.updateNotifications(body),
    getOnboarding: () => onboarding(ctx),
    completeOnboarding: () => {
      ctx.settings.completeOnboarding(ctx.clock());
      return onboarding(ctx);
    },
  };
}
