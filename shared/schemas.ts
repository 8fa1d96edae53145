// Zod schemas for everything that crosses the admin API: request bodies are validated with these at
// the edge, and response types are inferred from them so the server and the renderer share one truth.
// Field names follow the shapes Bifrost documents (snake_case) so its published guides work as written.
import { z } from 'zod';

// ---- Virtual keys -------------------------------------------------------------------------------

export const virtualKeyCreateSchema = z.object({
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
});
export type VirtualKey = z.infer<typeof virtualKeySchema>;

/** Returned once, on creation: the only response that ever carries the secret `value`. */
export const virtualKeyCreatedSchema = virtualKeySchema.extend({ value: z.string() });

// ---- Providers ----------------------------------------------------------------------------------

export const providerNameSchema = z.enum(['anthropic']);
export type ProviderName = z.infer<typeof providerNameSchema>;

/** A literal secret, or `env.VAR_NAME` to read it from the gateway's environment at request time. */
export const providerKeyInputSchema = z.object({
  name: z.string().trim().min(1).max(200).optional(),
  value: z.string().trim().min(1, 'value is required: the API key, or env.VAR_NAME'),
  weight: z.number().positive().max(1000).optional(),
});

export const providerUpsertSchema = z.object({
  provider: providerNameSchema,
  keys: z.array(providerKeyInputSchema).optional(),
  base_url: z.url({ protocol: /^https?$/ }).nullable().optional(),
});
export type ProviderUpsert = z.infer<typeof providerUpsertSchema>;

export const providerUpdateSchema = providerUpsertSchema.omit({ provider: true });

export const providerKeySchema = z.object({
  id: z.string(),
  name: z.string(),
  /** Masked: `sk-ant-…abcd` for literals, `env.VAR_NAME` for references. */
  value: z.string(),
  weight: z.number(),
  source: z.enum(['literal', 'env']),
});

export const providerSchema = z.object({
  provider: providerNameSchema,
  base_url: z.string().nullable(),
  effective_base_url: z.string(),
  keys: z.array(providerKeySchema),
  created_at: z.string(),
  updated_at: z.string(),
});
export type Provider = z.infer<typeof providerSchema>;

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

export const logStatusSchema = z.enum(['success', 'error', 'blocked', 'aborted']);
export type LogStatus = z.infer<typeof logStatusSchema>;

const timeParam = z.union([z.coerce.number().int().nonnegative(), z.iso.datetime({ offset: true })]);

export const logQuerySchema = z.object({
  vk: z.string().optional(),
  model: z.string().optional(),
  /** An HTTP status code (`200`, `401`) or an outcome (`success`, `error`, `blocked`, `aborted`). */
  status: z.union([z.coerce.number().int().min(100).max(599), logStatusSchema]).optional(),
  session: z.string().optional(),
  /** Epoch milliseconds or an ISO 8601 timestamp; `start` inclusive, `end` exclusive. */
  start: timeParam.optional(),
  end: timeParam.optional(),
  limit: z.coerce.number().int().min(1).max(1000).default(100),
  cursor: z.string().optional(),
});
export type LogQuery = z.infer<typeof logQuerySchema>;

export const logEntrySchema = z.object({
  id: z.number().int(),
  request_id: z.string(),
  timestamp: z.string(),
  created_at_ms: z.number().int(),
  virtual_key_id: z.string().nullable(),
  virtual_key_name: z.string().nullable(),
  session_id: z.string().nullable(),
  client: z.string().nullable(),
  method: z.string(),
  path: z.string(),
  endpoint: z.string(),
  model: z.string().nullable(),
  provider: z.string().nullable(),
  status: logStatusSchema,
  status_code: z.number().int(),
  error_type: z.string().nullable(),
  error_message: z.string().nullable(),
  stream: z.boolean(),
  input_tokens: z.number().int(),
  output_tokens: z.number().int(),
  cache_creation_input_tokens: z.number().int(),
  cache_creation_5m_input_tokens: z.number().int(),
  cache_creation_1h_input_tokens: z.number().int(),
  cache_read_input_tokens: z.number().int(),
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

// ---- Settings -----------------------------------------------------------------------------------

export const clientConfigSchema = z.object({
  enforce_auth_on_inference: z.boolean(),
  capture_content: z.boolean(),
  retention_days: z.number().int().min(0).max(3650),
});
export type ClientConfig = z.infer<typeof clientConfigSchema>;

export const configUpdateSchema = z.object({ client_config: clientConfigSchema.partial() });
export const configSchema = z.object({ client_config: clientConfigSchema });

// ---- Common -------------------------------------------------------------------------------------

export const okSchema = z.object({ message: z.string() });
export const emptySchema = z.object({}).optional();
