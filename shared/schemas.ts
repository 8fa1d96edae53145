// Zod schemas for everything that crosses the admin API: request bodies are validated with these at
// the edge, and response types are inferred from them so the server and the renderer share one truth.
// Field names follow the shapes Bifrost documents (snake_case) so its published guides work as written.
import { z } from 'zod';

/** Whether the runtime knows this IANA zone (Intl is in Node and in every browser). */
/** An OTLP/HTTP base URL: http(s), no credentials in it (they would end up in logs), nothing after the path. */
export function isCollectorUrl(text: string): boolean {
  if (!URL.canParse(text)) return false;
  const url = new URL(text);
  return (
    (url.protocol === 'http:' || url.protocol === 'https:') &&
    !url.username &&
    !url.password &&
    !url.search &&
    !url.hash &&
    !text.includes('#')
  );
}

export function isTimeZone(zone: string): boolean {
  try {
    new Intl.DateTimeFormat('en-US', { timeZone: zone });
    return true;
  } catch {
    return false;
  }
}

// ---- Governance ---------------------------------------------------------------------------------
// Unknown fields are accepted and ignored (zod strips them), so request bodies written for Bifrost's
// governance guides are accepted as written.

const RESET_DURATION = /^[1-9]\d*(m|h|d|w|M|Y)$/;
export const resetDurationSchema = z
  .string()
  .regex(RESET_DURATION, 'must be a count and a unit: 1m, 5m, 1h, 1d, 1w, 1M, 1Y (or multiples such as 30m, 2d)');

export const budgetInputSchema = z.object({
  /** USD. */
  max_limit: z.number().nonnegative(),
  reset_duration: resetDurationSchema,
  /** Reset on calendar boundaries (midnight, Monday, the 1st, Jan 1) instead of N units after creation. */
  calendar_aligned: z.boolean().optional(),
  /** IANA time zone for calendar-aligned budgets; defaults to the gateway's budget_time_zone setting. */
  time_zone: z.string().min(1).refine(isTimeZone, 'must be an IANA time zone such as UTC or Europe/Paris').optional(),
});
export type BudgetInput = z.infer<typeof budgetInputSchema>;

export const budgetGrantSchema = z.object({
  id: z.string(),
  amount: z.number(),
  expires_at: z.string(),
  session_id: z.string().nullable(),
  reason: z.string(),
  created_by: z.string(),
  created_at: z.string(),
});

export const budgetSchema = z.object({
  id: z.string(),
  owner_type: z.enum(['customer', 'team', 'user', 'virtual_key', 'provider_config']),
  owner_id: z.string(),
  max_limit: z.number(),
  reset_duration: z.string(),
  calendar_aligned: z.boolean(),
  time_zone: z.string(),
  /** Settled spend in the current period, USD. */
  current_usage: z.number(),
  /** Worst-case cost held by requests in flight, USD. */
  reserved: z.number(),
  /** Sum of active temporary increases, USD. */
  granted: z.number(),
  remaining: z.number(),
  period_start: z.string(),
  reset_at: z.string(),
  grants: z.array(budgetGrantSchema),
});
export type Budget = z.infer<typeof budgetSchema>;

export const rateLimitInputSchema = z.object({
  request_max_limit: z.number().int().positive().nullable().optional(),
  request_reset_duration: resetDurationSchema.nullable().optional(),
  token_max_limit: z.number().int().positive().nullable().optional(),
  token_reset_duration: resetDurationSchema.nullable().optional(),
});
export type RateLimitInput = z.infer<typeof rateLimitInputSchema>;

export const rateLimitSchema = z.object({
  id: z.string(),
  request_max_limit: z.number().nullable(),
  request_reset_duration: z.string().nullable(),
  request_current_usage: z.number(),
  token_max_limit: z.number().nullable(),
  token_reset_duration: z.string().nullable(),
  token_current_usage: z.number(),
});

const budgetsInput = {
  /** One budget (Bifrost's shape) … */
  budget: budgetInputSchema.nullable().optional(),
  /** … or several, e.g. $20/day and $300/month. Replaces the owner's budgets when given. */
  budgets: z.array(budgetInputSchema).optional(),
};

export const customerInputSchema = z.object({
  name: z.string().trim().min(1, 'name is required').max(200),
  description: z.string().max(2000).optional(),
  ...budgetsInput,
});
export const teamInputSchema = customerInputSchema.extend({ customer_id: z.string().nullable().optional() });
export const userInputSchema = customerInputSchema.extend({
  email: z.string().max(320).nullable().optional(),
  team_id: z.string().nullable().optional(),
});

const entityOutput = {
  id: z.string(),
  name: z.string(),
  description: z.string(),
  budgets: z.array(budgetSchema),
  /** The first of `budgets`, for clients written against Bifrost's single-budget shape. */
  budget: budgetSchema.nullable(),
  created_at: z.string(),
  updated_at: z.string(),
};
export const customerSchema = z.object(entityOutput);
export const teamSchema = z.object({ ...entityOutput, customer_id: z.string().nullable() });
export const userSchema = z.object({ ...entityOutput, email: z.string().nullable(), team_id: z.string().nullable() });

export const toolPolicySchema = z.object({
  allow: z.array(z.string().min(1)).optional(),
  deny: z.array(z.string().min(1)).optional(),
});

export const providerConfigInputSchema = z.object({
  provider: z.string().min(1),
  weight: z.number().nonnegative().optional(),
  allowed_models: z.array(z.string().min(1)).optional(),
  denied_models: z.array(z.string().min(1)).optional(),
  ...budgetsInput,
  rate_limit: rateLimitInputSchema.nullable().optional(),
});

export const virtualKeyGovernanceInputSchema = z.object({
  team_id: z.string().nullable().optional(),
  customer_id: z.string().nullable().optional(),
  user_id: z.string().nullable().optional(),
  ...budgetsInput,
  rate_limit: rateLimitInputSchema.nullable().optional(),
  provider_configs: z.array(providerConfigInputSchema).optional(),
  /** ISO 8601; null or "" (as Bifrost's guide sends to clear it) means no expiry. */
  expires_at: z
    .union([z.literal('').transform(() => null), z.iso.datetime({ offset: true })])
    .nullable()
    .optional(),
  allowed_models: z.array(z.string().min(1)).optional(),
  denied_models: z.array(z.string().min(1)).optional(),
  model_remap: z.record(z.string().min(1), z.string().min(1)).optional(),
  tool_policy: toolPolicySchema.nullable().optional(),
  max_concurrent_requests: z.number().int().positive().nullable().optional(),
});

export const budgetGrantInputSchema = z.object({
  /** USD added on top of the budget's limit. */
  amount: z.number().positive(),
  /** `period` (default): until this budget period resets; `session`: only for requests of session_id. */
  scope: z.enum(['period', 'session']).optional(),
  session_id: z.string().min(1).optional(),
  /** An explicit end, ISO 8601; defaults to the end of the current period. */
  until: z.iso.datetime({ offset: true }).optional(),
  reason: z.string().max(500).optional(),
});

// ---- Virtual keys -------------------------------------------------------------------------------

export const virtualKeyCreateSchema = virtualKeyGovernanceInputSchema.extend({
  name: z.string().trim().min(1, 'name is required').max(200),
  description: z.string().max(2000).optional(),
  is_active: z.boolean().optional(),
  capture_content: z.boolean().optional(),
});
export type VirtualKeyCreate = z.infer<typeof virtualKeyCreateSchema>;

export const virtualKeyUpdateSchema = virtualKeyCreateSchema.partial();
export type VirtualKeyUpdate = z.infer<typeof virtualKeyUpdateSchema>;

export const virtualKeySchema = z.object({
  id: z.string(),
  name: z.string(),
  description: z.string(),
  is_active: z.boolean(),
  capture_content: z.boolean(),
  /** The first characters of the secret, enough to recognise it in a list. */
  value_preview: z.string(),
  created_at: z.string(),
  updated_at: z.string(),
  last_used_at: z.string().nullable(),
  team_id: z.string().nullable(),
  customer_id: z.string().nullable(),
  user_id: z.string().nullable(),
  expires_at: z.string().nullable(),
  budgets: z.array(budgetSchema),
  budget: budgetSchema.nullable(),
  rate_limit: rateLimitSchema.nullable(),
  provider_configs: z.array(
    z.object({
      id: z.number().int(),
      provider: z.string(),
      weight: z.number(),
      allowed_models: z.array(z.string()),
      denied_models: z.array(z.string()),
      budgets: z.array(budgetSchema),
      budget: budgetSchema.nullable(),
      rate_limit: rateLimitSchema.nullable(),
    }),
  ),
  allowed_models: z.array(z.string()),
  denied_models: z.array(z.string()),
  model_remap: z.record(z.string(), z.string()),
  tool_policy: toolPolicySchema.nullable(),
  max_concurrent_requests: z.number().nullable(),
});
export type VirtualKey = z.infer<typeof virtualKeySchema>;

/** Returned once, on creation: the only response that ever carries the secret `value`. */
export const virtualKeyCreatedSchema = virtualKeySchema.extend({ value: z.string() });

// ---- Sign-ins (Claude Code's /login) -------------------------------------------------------------

export const signInStatusSchema = z.enum(['pending', 'approved', 'denied', 'revoked']);

export const signInSchema = z.object({
  id: z.string(),
  user_code: z.string(),
  /** What the teammate entered on the /device page. */
  name: z.string().nullable(),
  email: z.string().nullable(),
  /** The client application that signs in (`claude_code`), as it said. */
  surface: z.string().nullable(),
  status: signInStatusSchema,
  created_at: z.string(),
  /** When the device code stops working if nobody decides. */
  expires_at: z.string(),
  decided_at: z.string().nullable(),
  user_id: z.string().nullable(),
  virtual_key_id: z.string().nullable(),
  /** The client's address and user agent when it asked for its code. */
  address: z.string().nullable(),
  user_agent: z.string().nullable(),
  /** The LAN server certificate the client signed in over and pinned (SHA-256, AB:CD:…); null over plain HTTP. */
  pinned_certificate_sha256: z.string().nullable(),
  /**
   * Approved, but pinned a LAN certificate that has since been replaced: the client refuses the new one,
   * so the teammate must run /login again.
   */
  must_sign_in_again: z.boolean(),
});
export type SignInView = z.infer<typeof signInSchema>;

/** The person a sign-in is for, when the admin creates them with the approval. */
export const signInUserInputSchema = z.object({
  name: z.string().trim().min(1).max(200),
  email: z.string().trim().max(320).nullable().optional(),
  team_id: z.string().nullable().optional(),
});

/** How an approval sets up its key: the virtual-key create fields, every one optional (the name too). */
export const signInKeyInputSchema = virtualKeyCreateSchema.partial();

export const signInApprovalSchema = z.object({
  /** An existing user; else `user` is created; else a user is found by the email entered, or created from it. */
  user_id: z.string().optional(),
  user: signInUserInputSchema.optional(),
  key: signInKeyInputSchema.optional(),
});
export type SignInApproval = z.infer<typeof signInApprovalSchema>;

export const inviteInputSchema = z.object({
  user: signInUserInputSchema.optional(),
  team_id: z.string().nullable().optional(),
  key: signInKeyInputSchema.optional(),
  /** Seconds the invite can be used for; default 7 days. */
  expires_in: z
    .number()
    .int()
    .min(60)
    .max(90 * 86_400)
    .optional(),
});
export type InviteInput = z.infer<typeof inviteInputSchema>;

// ---- Managed settings (Claude Code's /managed/settings) ---------------------------------------------

/** The most JSON one layer of managed settings may hold, in UTF-8 bytes. */
export const MANAGED_SETTINGS_MAX_BYTES = 64 * 1024;
/** How deeply objects and arrays may nest in one layer. */
export const MANAGED_SETTINGS_MAX_DEPTH = 32;

const permissionRulesSchema = z.array(z.string().min(1).max(1000)).max(1000);

/**
 * One layer of Claude Code managed settings as the admin writes it (https://code.claude.com/docs/en/settings):
 * a JSON object. The keys Tollgate itself reads or merges are typed; every other key is passed on as it is.
 */
export const managedSettingsSchema = z
  .looseObject({
    permissions: z
      .looseObject({
        allow: permissionRulesSchema.optional(),
        ask: permissionRulesSchema.optional(),
        deny: permissionRulesSchema.optional(),
      })
      .optional(),
    availableModels: z.array(z.string().min(1).max(200)).max(1000).optional(),
    model: z.string().min(1).max(200).optional(),
    env: z.record(z.string().min(1).max(200), z.string().max(10_000)).optional(),
  })
  .superRefine((settings, issue) => {
    // Depth first: serialising a value nested thousands deep would overflow the stack.
    if (nestingDepth(settings, MANAGED_SETTINGS_MAX_DEPTH + 1) > MANAGED_SETTINGS_MAX_DEPTH) {
      issue.addIssue({
        code: 'custom',
        message: `Managed settings nest more than ${MANAGED_SETTINGS_MAX_DEPTH} levels deep.`,
      });
      return;
    }
    if (hasKey(settings, '__proto__')) {
      issue.addIssue({ code: 'custom', message: 'Managed settings cannot use "__proto__" as a key.' });
    }
    const bytes = new TextEncoder().encode(JSON.stringify(settings)).length;
    if (bytes > MANAGED_SETTINGS_MAX_BYTES) {
      issue.addIssue({
        code: 'custom',
        message: `Managed settings are ${bytes} bytes of JSON; one layer may hold at most ${MANAGED_SETTINGS_MAX_BYTES}.`,
      });
    }
  });
export type ManagedSettings = z.infer<typeof managedSettingsSchema>;

/** Whether `value` has an object with the own key `key` anywhere in it. */
function hasKey(value: unknown, key: string): boolean {
  if (typeof value !== 'object' || value === null) return false;
  if (!Array.isArray(value) && Object.hasOwn(value, key)) return true;
  return Object.values(value).some((child) => hasKey(child, key));
}

/** How deeply `value` nests objects and arrays, counted no further than `limit`. */
function nestingDepth(value: unknown, limit: number): number {
  if (limit <= 0 || typeof value !== 'object' || value === null) return 0;
  let deepest = 0;
  for (const child of Object.values(value)) {
    deepest = Math.max(deepest, nestingDepth(child, limit - 1));
    if (deepest >= limit - 1) break;
  }
  return deepest + 1;
}

export const managedSettingsScopeSchema = z.enum(['global', 'team', 'user', 'virtual_key']);
export type ManagedSettingsScope = z.infer<typeof managedSettingsScopeSchema>;

export const managedSettingsInputSchema = z.object({ settings: managedSettingsSchema });

export const managedSettingsLayerSchema = z.object({
  scope: managedSettingsScopeSchema,
  /** The team, user or virtual key the layer is for; null for the global layer. */
  id: z.string().nullable(),
  settings: z.record(z.string(), z.unknown()),
  updated_at: z.string(),
});
export type ManagedSettingsLayer = z.infer<typeof managedSettingsLayerSchema>;

/** A layer as a PUT saved it, with what the admin should know about it (an `env` block asks for approval). */
export const managedSettingsSavedSchema = managedSettingsLayerSchema.extend({ warnings: z.array(z.string()) });

/** What GET /managed/settings answers a signed-in Claude Code with (the gateway protocol's wrapper). */
export const managedSettingsDocumentSchema = z.object({
  uuid: z.string(),
  /** `sha256:` + hex SHA-256 of `settings` as JSON with keys sorted at every level and no whitespace. */
  checksum: z.string(),
  settings: z.record(z.string(), z.unknown()),
});
export type ManagedSettingsDocument = z.infer<typeof managedSettingsDocumentSchema>;

// ---- Providers ----------------------------------------------------------------------------------

/** The upstreams Tollgate speaks to by name; any other name is an Anthropic-compatible endpoint of the admin's. */
export const BUILT_IN_PROVIDERS = ['anthropic', 'bedrock', 'vertex', 'foundry'] as const;

/** A provider's name: one of the built-ins, or a name of the admin's (lower case, digits, `-` and `_`). */
export const providerNameSchema = z
  .string()
  .trim()
  .regex(/^[a-z][a-z0-9_-]{0,39}$/, 'provider: a name of lower-case letters, digits, - and _ (at most 40)');
export type ProviderName = z.infer<typeof providerNameSchema>;

/** How Tollgate speaks to a provider: fixed by a built-in name; `anthropic_compatible` for a name of the admin's. */
export const providerTypeSchema = z.enum(['anthropic', 'bedrock', 'vertex', 'foundry', 'anthropic_compatible']);
export type ProviderType = z.infer<typeof providerTypeSchema>;

/** The type a provider name implies: a built-in name is its own type, any other is Anthropic-compatible. */
export function providerTypeOf(name: string): ProviderType {
  return (BUILT_IN_PROVIDERS as readonly string[]).includes(name) ? (name as ProviderType) : 'anthropic_compatible';
}

/** A literal secret, or `env.VAR_NAME` to read it from the gateway's environment at request time. */
const secretInputSchema = z.string().trim().min(1).max(20_000);

export const bedrockKeyConfigSchema = z.object({
  access_key: secretInputSchema,
  secret_key: secretInputSchema,
  session_token: secretInputSchema.optional(),
  region: z.string().trim().regex(/^[a-z]{2}(-[a-z]+)+-\d$/, 'region: an AWS region such as us-east-1'),
});

export const vertexKeyConfigSchema = z.object({
  project_id: z.string().trim().min(1).max(200),
  region: z.string().trim().min(1).max(100),
  /** The service account's JSON key file, as text (or env.VAR_NAME). */
  auth_credentials: secretInputSchema,
});

/** One key of a provider's pool: a literal secret, or `env.VAR_NAME` read at request time. */
export const providerKeyInputSchema = z.object({
  name: z.string().trim().min(1).max(200).optional(),
  value: secretInputSchema.optional(),
  weight: z.number().positive().max(1000).optional(),
  /** Only these models (Anthropic ids) go to this key; absent serves every model. */
  models: z.array(z.string().trim().min(1).max(200)).max(200).optional(),
  bedrock_key_config: bedrockKeyConfigSchema.optional(),
  vertex_key_config: vertexKeyConfigSchema.optional(),
});
export type ProviderKeyInput = z.infer<typeof providerKeyInputSchema>;

const providerFields = {
  type: providerTypeSchema.optional(),
  keys: z.array(providerKeyInputSchema).max(100).optional(),
  base_url: z
    .url({ protocol: /^https?$/ })
    .nullable()
    .optional(),
  /** Anthropic model id → the provider's model id (an inference profile, a Vertex id, a deployment name). */
  models_map: z.record(z.string().trim().min(1).max(200), z.string().trim().min(1).max(500)).optional(),
};

/** What each type needs of a key: an API key, or the cloud's own credentials. */
function checkProviderKeys(
  provider: { type?: ProviderType | undefined; keys?: ProviderKeyInput[] | undefined },
  name: string | undefined,
  context: z.RefinementCtx,
): void {
  const type = provider.type ?? (name === undefined ? undefined : providerTypeOf(name));
  if (name !== undefined && provider.type !== undefined && provider.type !== providerTypeOf(name)) {
    context.addIssue({
      code: 'custom',
      path: ['type'],
      message:
        providerTypeOf(name) === 'anthropic_compatible'
          ? `type: a provider of your own name is "anthropic_compatible"`
          : `type: the provider "${name}" is of type "${name}"`,
    });
  }
  (provider.keys ?? []).forEach((key, index) => {
    const needs =
      type === 'bedrock' ? 'bedrock_key_config' : type === 'vertex' ? 'vertex_key_config' : ('value' as const);
    if (key[needs] === undefined)
      context.addIssue({ code: 'custom', path: ['keys', index, needs], message: `keys[${index}].${needs} is required` });
  });
}

export const providerUpsertSchema = z
  .object({ provider: providerNameSchema, ...providerFields })
  .superRefine((value, context) => checkProviderKeys(value, value.provider, context));

/** Types whose endpoint is the admin's own: Tollgate cannot know where it is. */
export const NEEDS_BASE_URL: readonly ProviderType[] = ['foundry', 'anthropic_compatible'];
export type ProviderUpsert = z.infer<typeof providerUpsertSchema>;

export const providerUpdateSchema = z.object(providerFields).superRefine((value, context) => {
  checkProviderKeys(value, undefined, context);
});

/** How a provider key stands with the router now. */
export const providerKeyHealthSchema = z.object({
  /** closed: in use; open: skipped after repeated failures until `retry_at`; half_open: one probe in flight. */
  breaker: z.enum(['closed', 'open', 'half_open']),
  /** Set after an upstream 429: not used before then. */
  cooling_until: z.string().nullable(),
  /** A 401 or 403: the upstream refuses this key. */
  unhealthy: z.boolean(),
  last_error: z.string().nullable(),
  last_error_at: z.string().nullable(),
  consecutive_failures: z.number().int(),
});
export type ProviderKeyHealth = z.infer<typeof providerKeyHealthSchema>;

export const providerKeySchema = z.object({
  id: z.string(),
  name: z.string(),
  /** Masked: `sk-ant-…abcd` for literals, `env.VAR_NAME` for references; for a cloud key, its region and project. */
  value: z.string(),
  weight: z.number(),
  source: z.enum(['literal', 'env']),
  models: z.array(z.string()).nullable(),
  health: providerKeyHealthSchema,
});

export const providerSchema = z.object({
  provider: providerNameSchema,
  type: providerTypeSchema,
  base_url: z.string().nullable(),
  effective_base_url: z.string(),
  keys: z.array(providerKeySchema),
  models_map: z.record(z.string(), z.string()),
  created_at: z.string(),
  updated_at: z.string(),
});
export type Provider = z.infer<typeof providerSchema>;

/** Gateway-wide routing: the order providers are tried in, and how many attempts one request gets. */
export const routingConfigSchema = z.object({
  fallback_order: z.array(providerNameSchema).max(20),
  max_attempts: z.number().int().min(1).max(10),
});
export type RoutingConfig = z.infer<typeof routingConfigSchema>;

/** One try of one upstream for a request, as its log row keeps it. */
export const upstreamAttemptSchema = z.object({
  provider: z.string(),
  key_name: z.string().nullable(),
  /** The upstream's status, or null when it was never reached (connect failure, reset). */
  status_code: z.number().int().nullable(),
  error_type: z.string().nullable(),
  latency_ms: z.number().int(),
});
export type UpstreamAttempt = z.infer<typeof upstreamAttemptSchema>;

// ---- Pricing ------------------------------------------------------------------------------------

/** USD per million tokens, as Anthropic's pricing page states them. */
export const priceRatesSchema = z.object({
  input: z.number().nonnegative(),
  output: z.number().nonnegative(),
  cache_write_5m: z.number().nonnegative(),
  cache_write_1h: z.number().nonnegative(),
  cache_read: z.number().nonnegative(),
});
export type PriceRates = z.infer<typeof priceRatesSchema>;

/** A higher price band, applied to every token of a request whose prompt exceeds the threshold. */
export const priceBandSchema = priceRatesSchema.extend({
  above_prompt_tokens: z.number().int().positive(),
});

export const priceOverrideSchema = priceRatesSchema.extend({
  bands: z.array(priceBandSchema).optional(),
  note: z.string().max(500).optional(),
});
export type PriceOverride = z.infer<typeof priceOverrideSchema>;

export const priceVersionSchema = priceRatesSchema.extend({
  id: z.number().int(),
  model: z.string(),
  source: z.enum(['builtin', 'override']),
  effective_from: z.string(),
  bands: z.array(priceBandSchema),
  note: z.string().nullable(),
  retired_at: z.string().nullable(),
});
export type PriceVersion = z.infer<typeof priceVersionSchema>;

export const pricingTableSchema = z.object({
  table_version: z.string(),
  models: z.array(
    z.object({
      model: z.string(),
      family: z.string(),
      display_name: z.string(),
      aliases: z.array(z.string()),
      current: priceVersionSchema,
      history: z.array(priceVersionSchema),
    }),
  ),
});

// ---- Request log --------------------------------------------------------------------------------

/** `interrupted`: the gateway stopped (crash, kill) while the request was in flight; its row was written at the next start. */
export const logStatusSchema = z.enum(['success', 'error', 'blocked', 'aborted', 'interrupted']);
export type LogStatus = z.infer<typeof logStatusSchema>;

const timeParam = z.union([z.coerce.number().int().nonnegative(), z.iso.datetime({ offset: true })]);

export const logQuerySchema = z.object({
  vk: z.string().optional(),
  model: z.string().optional(),
  /** The provider that served the row (`anthropic`, `backup`…). */
  provider: z.string().max(40).optional(),
  /** An HTTP status code (`200`, `401`) or an outcome (`success`, `error`, `blocked`, `aborted`, `interrupted`). */
  status: z.union([z.coerce.number().int().min(100).max(599), logStatusSchema]).optional(),
  session: z.string().optional(),
  team: z.string().optional(),
  user: z.string().optional(),
  reason: z.string().optional(),
  /** `true`: only rows priced by model family or worst case (no exact price row); `false`: only exactly priced ones. */
  estimated: z
    .enum(['true', 'false'])
    .transform((value) => value === 'true')
    .optional(),
  /** Epoch milliseconds or an ISO 8601 timestamp; `start` inclusive, `end` exclusive. */
  start: timeParam.optional(),
  end: timeParam.optional(),
  limit: z.coerce.number().int().min(1).max(1000).default(100),
  cursor: z.string().optional(),
  /** Full-text search in captured prompts and responses (SQLite FTS5 query syntax). */
  q: z.string().min(1).max(500).optional(),
  /** Live tail: only rows with an id above this one (the highest id the client has seen). */
  since_id: z.coerce.number().int().nonnegative().optional(),
});
export type LogQuery = z.infer<typeof logQuerySchema>;

export const logExportQuerySchema = logQuerySchema.omit({ limit: true, cursor: true, since_id: true }).extend({
  format: z.enum(['csv', 'jsonl']).default('jsonl'),
  /** Rows at most, newest first. */
  limit: z.coerce.number().int().min(1).max(1_000_000).default(100_000),
});

/** Token counts as a log row shows them: the cache writes split into what is billed at 5 minutes and at 1 hour. */
const tokenCountsShape = {
  input_tokens: z.number().int(),
  output_tokens: z.number().int(),
  cache_creation_input_tokens: z.number().int(),
  cache_creation_5m_input_tokens: z.number().int(),
  cache_creation_1h_input_tokens: z.number().int(),
  cache_read_input_tokens: z.number().int(),
};

/** One model's share of a request that ran steps on several models or hid steps in usage.iterations. */
export const modelUsageSchema = z.object({
  model: z.string(),
  ...tokenCountsShape,
  /** The iteration types priced here, in order: message, compaction, advisor_message… */
  iteration_types: z.array(z.string()),
  cost: z.number(),
  cost_micros: z.number().int(),
  price_version: z.string().nullable(),
});
export type ModelUsage = z.infer<typeof modelUsageSchema>;

export const logEntrySchema = z.object({
  id: z.number().int(),
  request_id: z.string(),
  timestamp: z.string(),
  created_at_ms: z.number().int(),
  virtual_key_id: z.string().nullable(),
  virtual_key_name: z.string().nullable(),
  session_id: z.string().nullable(),
  /** Claude Code's x-claude-code-agent-id and x-claude-code-parent-agent-id: which (sub)agent sent it. */
  agent_id: z.string().nullable(),
  parent_agent_id: z.string().nullable(),
  /**
   * With managed_settings_hint_headers on, the managed settings a signed-in Claude Code said it runs
   * under: `current`, `stale` (another checksum) or `missing` (none sent); null otherwise.
   */
  managed_settings: z.enum(['current', 'stale', 'missing']).nullable(),
  /**
   * A keyed fingerprint of the checksum the client reported (16 hex digits): tells machines' values
   * apart without showing the checksum, which would let anyone test guesses at short env values.
   */
  managed_settings_fingerprint: z.string().nullable(),
  client: z.string().nullable(),
  method: z.string(),
  path: z.string(),
  endpoint: z.string(),
  model: z.string().nullable(),
  provider: z.string().nullable(),
  /** The provider key that served it (its name); null when no key served it. */
  provider_key_name: z.string().nullable(),
  /** Every attempt at an upstream, in order: a failover shows as more than one. */
  attempts: z.array(upstreamAttemptSchema),
  status: logStatusSchema,
  status_code: z.number().int(),
  error_type: z.string().nullable(),
  error_message: z.string().nullable(),
  stream: z.boolean(),
  ...tokenCountsShape,
  web_search_requests: z.number().int(),
  web_fetch_requests: z.number().int(),
  /**
   * Per-model usage and cost when the response's usage.iterations billed steps the top-level usage does
   * not show (compaction, an advisor on another model); empty otherwise. `cost` is their sum.
   */
  usage_by_model: z.array(modelUsageSchema),
  /** USD. Stored as integer micro-dollars; `cost_micros` carries the exact figure. */
  cost: z.number(),
  cost_micros: z.number().int(),
  cost_estimated: z.boolean(),
  price_version: z.string().nullable(),
  latency_ms: z.number().int(),
  ttfb_ms: z.number().int().nullable(),
  stop_reason: z.string().nullable(),
  tool_names: z.array(z.string()),
  request_bytes: z.number().int(),
  response_bytes: z.number().int(),
  upstream_request_id: z.string().nullable(),
  /**
   * Claude Code's own cost for this request (USD), from the api_request event its telemetry exported
   * with the same request-id (the upstream's, passed through); null when none arrived.
   */
  client_cost: z.number().nullable(),
  /** Claude Code's cost and Tollgate's disagree by more than rounding (false when there is no client cost). */
  client_cost_differs: z.boolean(),
  user_id: z.string().nullable(),
  team_id: z.string().nullable(),
  customer_id: z.string().nullable(),
  /** Why governance refused the request: key_missing, key_unknown, key_revoked, key_expired, model_denied,
   * tool_denied, concurrency_limit, rate_limit, budget_exhausted, budget_reserved, governance_unavailable, store_unwritable, invalid_request, too_large. */
  refusal_reason: z.string().nullable(),
  /** The model the client asked for, when a remap sent another. */
  requested_model: z.string().nullable(),
  /** Tools the key's tool policy removed from the request. */
  removed_tools: z.array(z.string()),
  has_content: z.boolean(),
});
export type LogEntry = z.infer<typeof logEntrySchema>;

export const logPageSchema = z.object({
  logs: z.array(logEntrySchema),
  next_cursor: z.string().nullable(),
  has_more: z.boolean(),
});

export const logDetailSchema = z.object({
  log: logEntrySchema,
  /** The request body as the client sent it (reassembled from content-addressed parts), or null when not captured. */
  request: z.unknown().nullable(),
  /** The response message (streams are reassembled into the message they describe). */
  response: z.unknown().nullable(),
});

export const sessionSummarySchema = z.object({
  session_id: z.string(),
  requests: z.number().int(),
  first_at: z.string(),
  last_at: z.string(),
  input_tokens: z.number().int(),
  output_tokens: z.number().int(),
  cache_creation_input_tokens: z.number().int(),
  cache_read_input_tokens: z.number().int(),
  /** Share of prompt tokens served from the prompt cache, 0..1. */
  cache_read_share: z.number(),
  cost: z.number(),
});

// ---- What the agent did: Claude Code's telemetry (OTLP) ------------------------------------------

export const sessionEventsQuerySchema = z.object({
  limit: z.coerce.number().int().min(1).max(1000).default(200),
  /** next_cursor from the previous page. */
  cursor: z.string().optional(),
  /** Only this event (`api_request`, `tool_result`, `tool_decision`, `user_prompt`, `api_error`) or metric. */
  name: z.string().min(1).max(200).optional(),
});

/** One event (OTLP log record) or metric data point a signed-in Claude Code exported. */
export const telemetryEventSchema = z.object({
  id: z.number().int(),
  /** When it happened, by the client's clock (when it arrived, if that is more than a week off). */
  timestamp: z.string(),
  created_at_ms: z.number().int(),
  received_at: z.string(),
  kind: z.enum(['event', 'metric']),
  /** `api_request`, `api_error`, `tool_result`, `tool_decision`, `user_prompt`, or a metric's name. */
  name: z.string(),
  virtual_key_id: z.string(),
  user_id: z.string().nullable(),
  team_id: z.string().nullable(),
  /** OTLP `session.id`: the x-claude-code-session-id its requests carry (LogEntry.session_id). */
  session_id: z.string().nullable(),
  prompt_id: z.string().nullable(),
  /** The upstream request-id the client saw (LogEntry.upstream_request_id). */
  request_id: z.string().nullable(),
  model: z.string().nullable(),
  tool_name: z.string().nullable(),
  /** api_request: Claude Code's own cost estimate, USD. */
  client_cost: z.number().nullable(),
  /** A metric point's value: an increment, or a running total when temporality is cumulative. */
  value: z.number().nullable(),
  temporality: z.enum(['delta', 'cumulative']).nullable(),
  /**
   * What else the event says, strings clipped: tokens, duration_ms, success, decision, prompt_length…
   * With content capture on for the key, also `command` and `file` (tools) and `prompt` (user_prompt)
   * when the client sent them.
   */
  attributes: z.record(z.string(), z.union([z.string(), z.number(), z.boolean()])),
});
export type TelemetryEvent = z.infer<typeof telemetryEventSchema>;

export const sessionEventsSchema = z.object({
  session_id: z.string(),
  /** Oldest first. */
  events: z.array(telemetryEventSchema),
  has_more: z.boolean(),
  next_cursor: z.string().nullable(),
  /** The whole session's telemetry, whatever page this is. */
  summary: z.object({
    events: z.number().int(),
    first_at: z.string().nullable(),
    last_at: z.string().nullable(),
    api_requests: z.number().int(),
    /** Sum of the api_request events' cost_usd, USD. */
    client_cost: z.number(),
    prompts: z.number().int(),
    tool_results: z.number().int(),
    tool_failures: z.number().int(),
    lines_added: z.number(),
    lines_removed: z.number(),
    commits: z.number(),
    pull_requests: z.number(),
    active_time_seconds: z.number(),
  }),
});
export type SessionEvents = z.infer<typeof sessionEventsSchema>;

// ---- Dashboard statistics -----------------------------------------------------------------------

export const statsQuerySchema = z.object({
  /** IANA zone for "today", "this week" (Monday) and "this month"; defaults to budget_time_zone. */
  tz: z.string().refine(isTimeZone, 'must be an IANA time zone').optional(),
});

export const spendSeriesQuerySchema = statsQuerySchema.extend({
  bucket: z.enum(['hour', 'day']).default('day'),
  group: z.enum(['team', 'key', 'model']).default('model'),
  start: timeParam.optional(),
  end: timeParam.optional(),
});

/**
 * One person's month: spend through the gateway beside what their signed-in Claude Code reported in
 * its telemetry (0 where nothing arrived). A person is a user, or a key with no user, standing for
 * whoever holds it.
 */
export const overviewPersonSchema = z.object({
  kind: z.enum(['user', 'key']),
  /** The user's or the key's id. */
  id: z.string(),
  name: z.string(),
  /** USD this month. */
  spend: z.number(),
  requests: z.number().int(),
  lines_added: z.number().int(),
  lines_removed: z.number().int(),
  commits: z.number().int(),
  pull_requests: z.number().int(),
  active_time_seconds: z.number(),
});
export type OverviewPerson = z.infer<typeof overviewPersonSchema>;

export const overviewSchema = z.object({
  time_zone: z.string(),
  spend: z.object({ today: z.number(), week: z.number(), month: z.number() }),
  requests: z.object({ today: z.number().int(), week: z.number().int(), month: z.number().int() }),
  budget_health: z.array(
    budgetSchema.extend({
      level: z.string(),
      owner_name: z.string(),
      used_fraction: z.number(),
      /** Where the period ends at the current pace, USD. */
      projected_usage: z.number(),
      will_cross: z.boolean(),
    }),
  ),
  top_sessions: z.array(
    z.object({
      session_id: z.string(),
      virtual_key_name: z.string().nullable(),
      requests: z.number().int(),
      cost: z.number(),
      last_at: z.string(),
    }),
  ),
  cache: z.object({
    /** Share of prompt tokens served from the prompt cache this month, 0..1. */
    read_share: z.number(),
    /** What cache reads saved this month against paying full input price, USD. */
    saved: z.number(),
  }),
  refusals: z.array(z.object({ reason: z.string(), count: z.number().int() })),
  errors: z.array(z.object({ error_type: z.string(), count: z.number().int() })),
  /** This month's people, most spend first (then most lines of code), at most 20. */
  people: z.array(overviewPersonSchema),
});

export const spendSeriesSchema = z.object({
  bucket: z.enum(['hour', 'day']),
  group: z.enum(['team', 'key', 'model']),
  groups: z.array(z.object({ id: z.string(), name: z.string(), total: z.number() })),
  points: z.array(z.object({ start: z.string(), values: z.record(z.string(), z.number()) })),
});

export const sessionTimelineSchema = sessionSummarySchema.extend({
  entries: z.array(logEntrySchema.extend({ running_cost: z.number() })),
});

export const providerTestSchema = z.object({
  ok: z.boolean(),
  status: z.number().int().nullable(),
  latency_ms: z.number().int(),
  message: z.string(),
});

// ---- Settings -----------------------------------------------------------------------------------

export const clientConfigSchema = z.object({
  enforce_auth_on_inference: z.boolean(),
  capture_content: z.boolean(),
  retention_days: z.number().int().min(0).max(3650),
  /** Audit entries older than this are archived to JSON Lines and pruned behind a checkpoint; 0 keeps them all. */
  audit_retention_days: z.number().int().min(0).max(36_500),
  /** IANA time zone for calendar-aligned budgets that do not name their own. */
  budget_time_zone: z.string().min(1).refine(isTimeZone, 'must be an IANA time zone such as UTC or Europe/Paris'),
  /**
   * The key a Claude Code sign-in gets when the admin approves it without saying otherwise: any of the
   * virtual-key create fields (budgets, rate limit, models, tool policy). An approval's own `key` fields win.
   */
  sign_in_key_template: signInKeyInputSchema,
  /**
   * Ask signed-in Claude Code to send the checksum of the managed settings it runs under on every model
   * request (CLAUDE_CODE_GATEWAY_HINT_HEADERS in the served settings' env; an interactive Claude Code
   * asks the developer to approve it once), so the log shows machines whose settings are stale or missing.
   */
  managed_settings_hint_headers: z.boolean(),
  /**
   * The operator's OpenTelemetry collector (its OTLP/HTTP base URL, as in OTEL_EXPORTER_OTLP_ENDPOINT):
   * the telemetry signed-in Claude Code exports to Tollgate is sent on to `<url>/v1/logs|metrics|traces`,
   * stamped with the user, team and key. null keeps it in Tollgate only.
   */
  telemetry_forward_url: z
    .string()
    .max(2048)
    .refine(isCollectorUrl, 'must be an http:// or https:// URL without a user name or password, query or fragment')
    .nullable(),
});
export type ClientConfig = z.infer<typeof clientConfigSchema>;

export const configUpdateSchema = z.object({
  client_config: clientConfigSchema.partial().optional(),
  routing: routingConfigSchema.partial().optional(),
});
export const configSchema = z.object({ client_config: clientConfigSchema, routing: routingConfigSchema });

// ---- The desktop gateway: pause, LAN sharing, notifications, onboarding --------------------------

/** How the gateway shares itself on the LAN. Persisted; `npm run serve -- --lan` overrides for one run. */
export const lanSettingsSchema = z.object({
  /** Listen on this machine's LAN addresses (the proxy and the self-service usage page only). */
  enabled: z.boolean(),
  /** TLS with Tollgate's own local certificate authority. Off only when the admin says so. */
  tls: z.boolean(),
  /** Also serve the admin API and dashboard on the LAN: admin token required, Host and Origin checked. */
  remote_admin: z.boolean(),
  /** Pin the one address to listen on; null listens on every LAN address of this machine. */
  address: z.string().min(1).nullable(),
  /** Port for the LAN listener; null uses the gateway's local port. */
  port: z.number().int().min(0).max(65535).nullable(),
});
export type LanSettings = z.infer<typeof lanSettingsSchema>;
export const lanUpdateSchema = lanSettingsSchema.partial();

export const lanStatusSchema = z.object({
  settings: lanSettingsSchema,
  listening: z.boolean(),
  /** Base URLs teammates put in ANTHROPIC_BASE_URL, e.g. https://192.168.1.20:8787. */
  urls: z.array(z.string()),
  /** LAN addresses this machine has now, whether or not Tollgate listens on them. */
  available_addresses: z.array(z.string()),
  /** Path (on the gateway) of the CA certificate teammates download; null without TLS. */
  ca_certificate_url: z.string().nullable(),
  /** Where the CA certificate is on the gateway's own disk; null without TLS. */
  ca_certificate_path: z.string().nullable(),
  /** SHA-256 fingerprint of the CA certificate (AB:CD:…), for checking a download by eye. */
  ca_fingerprint_sha256: z.string().nullable(),
  /**
   * SHA-256 fingerprint of the server certificate the LAN listener presents, which Claude Code pins at
   * /login; null without TLS, or before sharing has first started.
   */
  server_fingerprint_sha256: z.string().nullable(),
  /** The addresses and names that certificate covers: a change to another one issues a new certificate. */
  server_certificate_covers: z.array(z.string()),
  /** Live /login sign-ins that pinned an earlier server certificate: those teammates must run /login again. */
  sign_ins_pinned_to_old_certificate: z.number().int().min(0),
  /** Why sharing is not listening although enabled (address in use, address gone…). */
  error: z.string().nullable(),
  /** Something the admin should see, e.g. plain HTTP on the LAN. */
  warning: z.string().nullable(),
});
export type LanStatus = z.infer<typeof lanStatusSchema>;

export const notificationSettingsSchema = z.object({
  /** A budget crossed 80 % or 100 % of its limit. */
  budget_thresholds: z.boolean(),
  /** One key was refused again and again (spent budget, rate limit, policy, bad key). */
  key_refusals: z.boolean(),
  /** The upstream API failed several requests in a row. */
  upstream_failures: z.boolean(),
  /** A teammate asked to sign in with Claude Code's /login and waits for the admin to approve or deny it. */
  sign_ins: z.boolean(),
});
export type NotificationSettings = z.infer<typeof notificationSettingsSchema>;
export const notificationSettingsUpdateSchema = notificationSettingsSchema.partial();

/** The gateway status lists at most this many sign-ins waiting for the admin (the newest). */
export const STATUS_PENDING_SIGN_INS_MAX = 20;

export const gatewayStatusSchema = z.object({
  paused: z.boolean(),
  paused_at: z.string().nullable(),
  /** The loopback URL this machine's own Claude Code uses. */
  local_url: z.string(),
  lan: lanStatusSchema,
  today: z.object({
    time_zone: z.string(),
    spend: z.number(),
    requests: z.number().int(),
    /** The three keys that spent most today, biggest first. */
    top_spenders: z.array(z.object({ virtual_key_id: z.string(), name: z.string(), spend: z.number() })),
  }),
  /** Budgets at 80 % or more of their limit, fullest first. */
  budget_warnings: z.array(
    z.object({
      budget_id: z.string(),
      level: z.string(),
      owner_name: z.string(),
      used_fraction: z.number(),
      current_usage: z.number(),
      max_limit: z.number(),
      /** When the budget's current period began: a new value means it reset. */
      period_start: z.string(),
    }),
  ),
  /** Whether the store takes writes. While it does not, keys with a budget are refused (503) and rows wait in memory. */
  store: z.object({
    writable: z.boolean(),
    /** Why the last write failed, e.g. "SQLITE_FULL: database or disk is full". */
    error: z.string().nullable(),
    since: z.string().nullable(),
    /** Rows and spend held in memory until the store takes writes again. */
    pending: z.number().int(),
  }),
  upstream: z.object({
    /** Upstream failures (5xx, 529, network) since the last success. */
    consecutive_failures: z.number().int(),
    last_error: z.string().nullable(),
    last_error_at: z.string().nullable(),
  }),
  /**
   * Sign-ins a teammate entered on /device that wait for the admin and whose code has not expired,
   * newest first, at most STATUS_PENDING_SIGN_INS_MAX of them. Name and email are as the teammate typed them.
   */
  pending_sign_ins: z
    .array(
      z.object({
        id: z.string(),
        name: z.string().nullable(),
        email: z.string().nullable(),
        user_code: z.string(),
        created_at: z.string(),
        expires_at: z.string(),
      }),
    )
    .max(STATUS_PENDING_SIGN_INS_MAX),
});
export type GatewayStatus = z.infer<typeof gatewayStatusSchema>;

export const onboardingSchema = z.object({
  /** True on a fresh install until the admin finishes or skips the first-run steps. */
  needed: z.boolean(),
  has_provider_key: z.boolean(),
  virtual_keys: z.number().int(),
  completed_at: z.string().nullable(),
});
export type Onboarding = z.infer<typeof onboardingSchema>;

// ---- Common -------------------------------------------------------------------------------------

export const okSchema = z.object({ message: z.string() });
export const emptySchema = z.object({}).optional();
