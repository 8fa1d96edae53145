// The admin API, declared once. The gateway registers one handler per entry (the compiler insists on
// all of them, typed from these schemas); the renderer's client derives its calls from the same map.
import { z } from 'zod';
import {
  inviteInputSchema,
  managedSettingsDocumentSchema,
  managedSettingsInputSchema,
  managedSettingsLayerSchema,
  managedSettingsSavedSchema,
  signInApprovalSchema,
  signInSchema,
  signInStatusSchema,
  budgetGrantInputSchema,
  budgetSchema,
  configSchema,
  customerInputSchema,
  customerSchema,
  configUpdateSchema,
  gatewayStatusSchema,
  lanStatusSchema,
  lanUpdateSchema,
  logDetailSchema,
  notificationSettingsSchema,
  notificationSettingsUpdateSchema,
  onboardingSchema,
  logPageSchema,
  logQuerySchema,
  okSchema,
  overviewSchema,
  providerTestSchema,
  sessionTimelineSchema,
  spendSeriesQuerySchema,
  spendSeriesSchema,
  statsQuerySchema,
  priceOverrideSchema,
  pricingTableSchema,
  providerSchema,
  providerUpdateSchema,
  providerUpsertSchema,
  sessionSummarySchema,
  sessionEventsQuerySchema,
  sessionEventsSchema,
  teamInputSchema,
  teamSchema,
  userInputSchema,
  userSchema,
  virtualKeyCreateSchema,
  virtualKeyCreatedSchema,
  virtualKeySchema,
  virtualKeyUpdateSchema,
} from './schemas.js';

export type HttpMethod = 'GET' | 'POST' | 'PUT' | 'DELETE';

export interface RouteSpec {
  method: HttpMethod;
  /** Express-style path; `:name` segments become typed params. */
  path: string;
  query?: z.ZodType;
  body?: z.ZodType;
  response: z.ZodType;
  /** Status code of a successful answer. */
  status?: number;
}

const route = <const R extends RouteSpec>(spec: R): R => spec;

const auditEntrySchema = z.object({
  id: z.number().int(),
  at: z.string(),
  actor: z.string(),
  action: z.string(),
  target_type: z.string().nullable(),
  target_id: z.string().nullable(),
  before: z.unknown(),
  after: z.unknown(),
  address: z.string().nullable(),
  hash: z.string(),
});

/** Where the chain starts once retention has archived its oldest entries (null before that). */
const auditCheckpointSchema = z
  .object({
    at: z.string(),
    first_id: z.number().int(),
    through_id: z.number().int(),
    through_hash: z.string(),
    entries: z.number().int(),
    archive_file: z.string(),
    archive_sha256: z.string(),
  })
  .nullable();

const auditVerificationSchema = z.union([
  z.object({ ok: z.literal(true), entries: z.number().int(), head: z.string(), checkpoint: auditCheckpointSchema }),
  z.object({
    ok: z.literal(false),
    entries: z.number().int(),
    broken_at: z.number().int(),
    reason: z.string(),
    checkpoint: auditCheckpointSchema,
  }),
]);

/** The five routes of one organisation level, in Bifrost's shapes ({"customer": {...}}, {"customers": [...]}). */
function crud<
  const Name extends string,
  const Path extends string,
  const Field extends string,
  In extends z.ZodObject,
  Out extends z.ZodType,
>(name: Name, path: Path, field: Field, input: In, output: Out) {
  const one = z.object({ [field]: output } as Record<Field, Out>);
  const withMessage = z.object({ message: z.string(), [field]: output } as { message: z.ZodString } & Record<
    Field,
    Out
  >);
  return {
    [`list${name}s`]: route({
      method: 'GET',
      path,
      response: z.object({ [`${field}s`]: z.array(output), count: z.number().int() } as Record<
        `${Field}s`,
        z.ZodArray<Out>
      > & { count: z.ZodNumber }),
    }),
    [`create${name}`]: route({ method: 'POST', path, body: input, response: withMessage, status: 201 }),
    [`get${name}`]: route({ method: 'GET', path: `${path}/:id`, response: one }),
    [`update${name}`]: route({ method: 'PUT', path: `${path}/:id`, body: input.partial(), response: withMessage }),
    [`delete${name}`]: route({ method: 'DELETE', path: `${path}/:id`, response: z.object({ message: z.string() }) }),
  } as {
    [K in `list${Name}s`]: {
      method: 'GET';
      path: Path;
      response: z.ZodObject<Record<`${Field}s`, z.ZodArray<Out>> & { count: z.ZodNumber }>;
    };
  } & {
    [K in `create${Name}`]: { method: 'POST'; path: Path; body: In; response: typeof withMessage; status: 201 };
  } & {
    [K in `get${Name}`]: { method: 'GET'; path: `${Path}/:id`; response: typeof one };
  } & {
    [K in `update${Name}`]: {
      method: 'PUT';
      path: `${Path}/:id`;
      body: ReturnType<In['partial']>;
      response: typeof withMessage;
    };
  } & {
    [K in `delete${Name}`]: { method: 'DELETE'; path: `${Path}/:id`; response: z.ZodObject<{ message: z.ZodString }> };
  };
}

export const adminApi = {
  listVirtualKeys: route({
    method: 'GET',
    path: '/api/governance/virtual-keys',
    response: z.object({ virtual_keys: z.array(virtualKeySchema), count: z.number().int() }),
  }),
  createVirtualKey: route({
    method: 'POST',
    path: '/api/governance/virtual-keys',
    body: virtualKeyCreateSchema,
    response: z.object({ message: z.string(), virtual_key: virtualKeyCreatedSchema }),
    status: 201,
  }),
  getVirtualKey: route({
    method: 'GET',
    path: '/api/governance/virtual-keys/:id',
    response: z.object({ virtual_key: virtualKeySchema }),
  }),
  updateVirtualKey: route({
    method: 'PUT',
    path: '/api/governance/virtual-keys/:id',
    body: virtualKeyUpdateSchema,
    response: z.object({ message: z.string(), virtual_key: virtualKeySchema }),
  }),
  deleteVirtualKey: route({
    method: 'DELETE',
    path: '/api/governance/virtual-keys/:id',
    response: okSchema,
  }),

  ...crud('Customer', '/api/governance/customers', 'customer', customerInputSchema, customerSchema),
  ...crud('Team', '/api/governance/teams', 'team', teamInputSchema, teamSchema),
  ...crud('User', '/api/governance/users', 'user', userInputSchema, userSchema),

  getBudget: route({
    method: 'GET',
    path: '/api/governance/budgets/:id',
    response: z.object({ budget: budgetSchema }),
  }),
  grantBudgetIncrease: route({
    method: 'POST',
    path: '/api/governance/budgets/:id/grants',
    body: budgetGrantInputSchema,
    response: z.object({ message: z.string(), budget: budgetSchema }),
    status: 201,
  }),

  listAudit: route({
    method: 'GET',
    path: '/api/audit',
    query: z.object({
      limit: z.coerce.number().int().min(1).max(1000).default(100),
      cursor: z.coerce.number().int().positive().optional(),
    }),
    response: z.object({ entries: z.array(auditEntrySchema), next_cursor: z.string().nullable() }),
  }),
  verifyAudit: route({ method: 'GET', path: '/api/audit/verify', response: auditVerificationSchema }),
  archiveAudit: route({
    method: 'POST',
    path: '/api/audit/archive',
    body: z.object({ older_than_days: z.number().int().min(1).max(36_500).optional() }).strict(),
    response: z.object({ archived: z.number().int(), checkpoint: auditCheckpointSchema }),
  }),

  listSignIns: route({
    method: 'GET',
    path: '/api/sign-ins',
    query: z.object({ status: signInStatusSchema.optional() }),
    response: z.object({ sign_ins: z.array(signInSchema) }),
  }),
  approveSignIn: route({
    method: 'POST',
    path: '/api/sign-ins/:id/approve',
    body: signInApprovalSchema,
    response: z.object({ sign_in: signInSchema, user: userSchema, virtual_key: virtualKeySchema }),
  }),
  denySignIn: route({
    method: 'POST',
    path: '/api/sign-ins/:id/deny',
    response: z.object({ sign_in: signInSchema }),
  }),
  revokeSignIn: route({
    method: 'POST',
    path: '/api/sign-ins/:id/revoke',
    response: z.object({ sign_in: signInSchema }),
  }),
  createInvite: route({
    method: 'POST',
    path: '/api/invites',
    body: inviteInputSchema,
    response: z.object({ invite_url: z.string(), code: z.string(), expires_at: z.string() }),
    status: 201,
  }),

  // Claude Code managed settings, served on /managed/settings: layers global < team < user < virtual key.
  listManagedSettings: route({
    method: 'GET',
    path: '/api/managed-settings',
    response: z.object({ layers: z.array(managedSettingsLayerSchema) }),
  }),
  /** With hint headers on: each signed-in key's machine, and whether its managed settings are current, stale or missing. */
  listManagedSettingsMachines: route({
    method: 'GET',
    path: '/api/managed-settings/machines',
    response: z.object({
      hint_headers: z.boolean(),
      machines: z.array(
        z.object({
          virtual_key_id: z.string(),
          key_name: z.string(),
          user_id: z.string().nullable(),
          email: z.string().nullable(),
          sign_in_id: z.string().nullable(),
          state: z.enum(['current', 'stale', 'missing']),
          last_seen_at: z.string(),
          /** A keyed fingerprint of the checksum the machine last reported; null when it reported none. */
          reported_fingerprint: z.string().nullable(),
          /** The checksum of what the key is served now; null when no policy applies. */
          served_checksum: z.string().nullable(),
        }),
      ),
    }),
  }),
  /**
   * Accepts what a key's machine last reported as matching what the key is served now (its client or an
   * MDM profile changes what it loads): machines reporting it count as current from then on.
   */
  acceptManagedSettingsMachine: route({
    method: 'POST',
    path: '/api/managed-settings/machines/:key_id/accept',
    response: z.object({ served_checksum: z.string(), reported_fingerprint: z.string() }),
  }),
  /** The exact document (uuid, checksum, settings) a key's Claude Code receives; 404 when none applies. */
  previewManagedSettings: route({
    method: 'GET',
    path: '/api/managed-settings/preview',
    query: z.object({ key_id: z.string().min(1) }),
    response: managedSettingsDocumentSchema,
  }),
  getGlobalManagedSettings: route({
    method: 'GET',
    path: '/api/managed-settings/global',
    response: managedSettingsLayerSchema,
  }),
  putGlobalManagedSettings: route({
    method: 'PUT',
    path: '/api/managed-settings/global',
    body: managedSettingsInputSchema,
    response: managedSettingsSavedSchema,
  }),
  deleteGlobalManagedSettings: route({ method: 'DELETE', path: '/api/managed-settings/global', response: okSchema }),
  getTeamManagedSettings: route({
    method: 'GET',
    path: '/api/managed-settings/team/:id',
    response: managedSettingsLayerSchema,
  }),
  putTeamManagedSettings: route({
    method: 'PUT',
    path: '/api/managed-settings/team/:id',
    body: managedSettingsInputSchema,
    response: managedSettingsSavedSchema,
  }),
  deleteTeamManagedSettings: route({ method: 'DELETE', path: '/api/managed-settings/team/:id', response: okSchema }),
  getUserManagedSettings: route({
    method: 'GET',
    path: '/api/managed-settings/user/:id',
    response: managedSettingsLayerSchema,
  }),
  putUserManagedSettings: route({
    method: 'PUT',
    path: '/api/managed-settings/user/:id',
    body: managedSettingsInputSchema,
    response: managedSettingsSavedSchema,
  }),
  deleteUserManagedSettings: route({ method: 'DELETE', path: '/api/managed-settings/user/:id', response: okSchema }),
  getKeyManagedSettings: route({
    method: 'GET',
    path: '/api/managed-settings/virtual_key/:id',
    response: managedSettingsLayerSchema,
  }),
  putKeyManagedSettings: route({
    method: 'PUT',
    path: '/api/managed-settings/virtual_key/:id',
    body: managedSettingsInputSchema,
    response: managedSettingsSavedSchema,
  }),
  deleteKeyManagedSettings: route({
    method: 'DELETE',
    path: '/api/managed-settings/virtual_key/:id',
    response: okSchema,
  }),

  listProviders: route({
    method: 'GET',
    path: '/api/providers',
    response: z.object({ providers: z.array(providerSchema), total: z.number().int() }),
  }),
  upsertProvider: route({
    method: 'POST',
    path: '/api/providers',
    body: providerUpsertSchema,
    response: providerSchema,
    status: 201,
  }),
  getProvider: route({ method: 'GET', path: '/api/providers/:provider', response: providerSchema }),
  updateProvider: route({
    method: 'PUT',
    path: '/api/providers/:provider',
    body: providerUpdateSchema,
    response: providerSchema,
  }),
  deleteProvider: route({ method: 'DELETE', path: '/api/providers/:provider', response: okSchema }),

  getPricing: route({ method: 'GET', path: '/api/pricing', response: pricingTableSchema }),
  setPriceOverride: route({
    method: 'PUT',
    path: '/api/pricing/overrides/:model',
    body: priceOverrideSchema,
    response: okSchema,
  }),
  deletePriceOverride: route({
    method: 'DELETE',
    path: '/api/pricing/overrides/:model',
    response: okSchema,
  }),

  listLogs: route({ method: 'GET', path: '/api/logs', query: logQuerySchema, response: logPageSchema }),
  getLog: route({ method: 'GET', path: '/api/logs/:id', response: logDetailSchema }),
  getSession: route({
    method: 'GET',
    path: '/api/sessions/:id',
    response: sessionSummarySchema,
  }),

  getOverview: route({ method: 'GET', path: '/api/stats/overview', query: statsQuerySchema, response: overviewSchema }),
  getSpendSeries: route({
    method: 'GET',
    path: '/api/stats/spend',
    query: spendSeriesQuerySchema,
    response: spendSeriesSchema,
  }),
  getSessionTimeline: route({ method: 'GET', path: '/api/sessions/:id/requests', response: sessionTimelineSchema }),
  /** What the agent did: the session's Claude Code telemetry (events and metric points), oldest first. */
  getSessionEvents: route({
    method: 'GET',
    path: '/api/sessions/:id/events',
    query: sessionEventsQuerySchema,
    response: sessionEventsSchema,
  }),
  rotateVirtualKey: route({
    method: 'POST',
    path: '/api/governance/virtual-keys/:id/rotate',
    response: z.object({ message: z.string(), virtual_key: virtualKeyCreatedSchema }),
  }),
  testProvider: route({ method: 'POST', path: '/api/providers/:provider/test', response: providerTestSchema }),

  getConfig: route({ method: 'GET', path: '/api/config', response: configSchema }),
  updateConfig: route({ method: 'PUT', path: '/api/config', body: configUpdateSchema, response: configSchema }),

  getGatewayStatus: route({ method: 'GET', path: '/api/gateway/status', response: gatewayStatusSchema }),
  /** Every inference request gets a 503 (and a log row) until resumed; persists across restarts. */
  pauseGateway: route({ method: 'POST', path: '/api/gateway/pause', response: gatewayStatusSchema }),
  resumeGateway: route({ method: 'POST', path: '/api/gateway/resume', response: gatewayStatusSchema }),
  getLan: route({ method: 'GET', path: '/api/lan', response: lanStatusSchema }),
  /** Applies at once: starts, restarts or stops the LAN listener, then answers with what is listening. */
  updateLan: route({ method: 'PUT', path: '/api/lan', body: lanUpdateSchema, response: lanStatusSchema }),
  getNotificationSettings: route({ method: 'GET', path: '/api/notifications', response: notificationSettingsSchema }),
  updateNotificationSettings: route({
    method: 'PUT',
    path: '/api/notifications',
    body: notificationSettingsUpdateSchema,
    response: notificationSettingsSchema,
  }),
  getOnboarding: route({ method: 'GET', path: '/api/onboarding', response: onboardingSchema }),
  /** Marks the first-run steps done (or skipped), so the window opens on the overview from now on. */
  completeOnboarding: route({ method: 'POST', path: '/api/onboarding/complete', response: onboardingSchema }),
} as const;

export type AdminApi = typeof adminApi;
export type RouteName = keyof AdminApi;

type ParamNames<P extends string> = P extends `${string}:${infer Name}/${infer Rest}`
  ? Name | ParamNames<`/${Rest}`>
  : P extends `${string}:${infer Name}`
    ? Name
    : never;

export type RouteParams<N extends RouteName> = { [K in ParamNames<AdminApi[N]['path']>]: string };
export type RouteBody<N extends RouteName> = AdminApi[N] extends { body: z.ZodType }
  ? z.output<AdminApi[N]['body']>
  : undefined;
export type RouteQuery<N extends RouteName> = AdminApi[N] extends { query: z.ZodType }
  ? z.output<AdminApi[N]['query']>
  : undefined;
export type RouteResponse<N extends RouteName> = z.input<AdminApi[N]['response']>;
