// The admin's side of Claude Code's telemetry: a session's events and metric points (what the agent
// did), oldest first, a page at a time, with the session's totals.
import type { RouteParams, RouteQuery, RouteResponse } from '../../shared/contract.js';
import type { GatewayContext } from './context.js';

export function telemetryHandlers(ctx: GatewayContext) {
  return {
    getSessionEvents: ({
      params,
      query,
    }: {
      params: RouteParams<'getSessionEvents'>;
      query: RouteQuery<'getSessionEvents'>;
    }): RouteResponse<'getSessionEvents'> => ctx.telemetry.sessionEvents(params.id, query),
  };
}
