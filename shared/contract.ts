// The admin API, declared once. The gateway registers one handler per entry (the compiler insists on
// all of them, typed from these schemas); the renderer's client derives its calls from the same map.
import { z } from 'zod';
import {
  configSchema,
  configUpdateSchema,
  logDetailSchema,
  logPageSchema,
  logQuerySchema,
  okSchema,
  priceOverrideSchema,
  pricingTableSchema,
  providerSchema,
  providerUpdateSchema,
  providerUpsertSchema,
  sessionSummarySchema,
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

  getConfig: route({ method: 'GET', path: '/api/config', response: configSchema }),
  updateConfig: route({ method: 'PUT', path: '/api/config', body: configUpdateSchema, response: configSchema }),
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
