// Admin handlers for the governance hierarchy: virtual keys with their budgets, rate limits and
// policies; customers, teams and users; temporary budget increases. Every write that touches several
// tables runs in one transaction; references to other entities are checked and named when wrong.
import type { z } from 'zod';
import type { RouteBody, RouteParams, RouteResponse } from '../../shared/contract.js';
import type {
  BudgetInput,
  providerConfigInputSchema,
  RateLimitInput,
  VirtualKey,
} from '../../shared/schemas.js';
import { periodAt } from '../governance/periods.js';
import type { OwnerType } from '../governance/types.js';
import { usdToMicros } from '../pricing/cost.js';
import type { OrgEntity, OrgLevel } from '../store/organisation.js';
import { auditArchiveDir } from '../store/audit.js';
import { iso, isoOrNull } from '../store/time.js';
import type { KeyRecord } from '../store/virtual-keys.js';
import type { GatewayContext } from './context.js';
import { badRequest, notFound } from './errors.js';

type BudgetFields = { budget?: BudgetInput | null | undefined; budgets?: BudgetInput[] | undefined };
type ProviderConfigInput = z.infer<typeof providerConfigInputSchema>;

export function governanceHandlers(ctx: GatewayContext) {
  const now = (): number => ctx.clock();
  const tx = <T>(work: () => T): T => ctx.transaction(work);

  const checkReference = (level: OrgLevel, id: string | null | undefined, field: string): void => {
    if (id && !ctx.organisation.get(level, id)) throw badRequest(`${field}: there is no ${level} with id ${id}.`);
  };

  const budgetsOf = (type: OwnerType, id: string) => {
    const at = now();
    const budgets = ctx.budgets.rulesFor(type, id).map((rule) => ctx.ledger.describeBudget(rule, at));
    return { budgets, budget: budgets[0] ?? null };
  };
  const rateLimitOf = (type: OwnerType, id: string) => {
    const rule = ctx.budgets.rateLimitFor(type, id);
    return rule ? ctx.ledger.describeRateLimit(rule, now()) : null;
  };

  const keyView = (key: KeyRecord): VirtualKey => ({
    id: key.id,
    name: key.name,
    description: key.description,
    is_active: key.active,
    capture_content: key.captureContent,
    value_preview: key.valuePreview,
    created_at: iso(key.createdAt),
    updated_at: iso(key.updatedAt),
    last_used_at: isoOrNull(key.lastUsedAt),
    team_id: key.teamId,
    customer_id: key.customerId,
    user_id: key.userId,
    expires_at: isoOrNull(key.expiresAt),
    ...budgetsOf('virtual_key', key.id),
    rate_limit: rateLimitOf('virtual_key', key.id),
    provider_configs: key.providerConfigs.map((config) => ({
      id: config.id,
      provider: config.provider,
      weight: config.weight,
      allowed_models: config.allowedModels,
      denied_models: config.deniedModels,
      ...budgetsOf('provider_config', String(config.id)),
      rate_limit: rateLimitOf('provider_config', String(config.id)),
    })),
    allowed_models: key.policy.allowed_models ?? [],
    denied_models: key.policy.denied_models ?? [],
    model_remap: key.policy.model_remap ?? {},
    tool_policy: key.policy.tool_policy ?? null,
    max_concurrent_requests: key.policy.max_concurrent_requests ?? null,
  });

  const keyOr404 = (id: string): KeyRecord => {
    const key = ctx.keys.get(id);
    if (!key) throw notFound(`No virtual key with id ${id}.`);
    return key;
  };

  const checkKeyInput = (body: RouteBody<'updateVirtualKey'>): void => {
    checkReference('team', body.team_id, 'team_id');
    checkReference('customer', body.customer_id, 'customer_id');
    checkReference('user', body.user_id, 'user_id');
  };

  const applyKeyGovernance = (
    keyId: string,
    body: BudgetFields & { rate_limit?: RateLimitInput | null | undefined; provider_configs?: ProviderConfigInput[] | undefined },
    at: number,
  ): void => {
    ctx.budgets.applyInput('virtual_key', keyId, body, at);
    ctx.budgets.applyRateLimit('virtual_key', keyId, body.rate_limit, at);
    if (body.provider_configs) {
      for (const old of ctx.keys.get(keyId)?.providerConfigs ?? []) ctx.budgets.removeOwner('provider_config', String(old.id));
      const ids = ctx.keys.replaceProviderConfigs(keyId, body.provider_configs);
      body.provider_configs.forEach((config, i) => {
        const owner = String(ids[i]);
        ctx.budgets.applyInput('provider_config', owner, config, at);
        ctx.budgets.applyRateLimit('provider_config', owner, config.rate_limit, at);
      });
    }
  };

  // ---- organisation levels, one generic set of handlers -------------------------------------------

  const orgView = (level: OrgLevel, entity: OrgEntity) => ({
    id: entity.id,
    name: entity.name,
    description: entity.description,
    ...budgetsOf(level, entity.id),
    created_at: iso(entity.createdAt),
    updated_at: iso(entity.updatedAt),
    ...(level === 'team' && { customer_id: entity.parentId }),
    ...(level === 'user' && { team_id: entity.parentId, email: entity.email }),
  });

  const orgHandlers = <Level extends OrgLevel>(level: Level, parentField: 'customer_id' | 'team_id' | null) => {
    const parentLevel: OrgLevel | null = parentField === 'customer_id' ? 'customer' : parentField === 'team_id' ? 'team' : null;
    const entityOr404 = (id: string): OrgEntity => {
      const entity = ctx.organisation.get(level, id);
      if (!entity) throw notFound(`No ${level} with id ${id}.`);
      return entity;
    };
    type Input = BudgetFields & {
      name?: string | undefined;
      description?: string | undefined;
      customer_id?: string | null | undefined;
      team_id?: string | null | undefined;
      email?: string | null | undefined;
    };
    const parentOf = (body: Input): string | null | undefined => (parentField ? body[parentField] : undefined);
    const check = (body: Input): void => {
      if (parentLevel && parentField) checkReference(parentLevel, parentOf(body), parentField);
    };
    return {
      list: () => ctx.organisation.all(level).map((entity) => orgView(level, entity)),
      create: (body: Input & { name: string }) => {
        check(body);
        const at = now();
        return tx(() => {
          const entity = ctx.organisation.create(level, { ...body, parentId: parentOf(body), email: body.email }, at);
          ctx.budgets.applyInput(level, entity.id, body, at);
          return orgView(level, entity);
        });
      },
      get: (id: string) => orgView(level, entityOr404(id)),
      update: (id: string, body: Input) => {
        entityOr404(id);
        check(body);
        const at = now();
        return tx(() => {
          const entity = ctx.organisation.modify(level, id, { ...body, parentId: parentOf(body), email: body.email }, at);
          ctx.budgets.applyInput(level, id, body, at);
          return orgView(level, entity ?? entityOr404(id));
        });
      },
      remove: (id: string) => {
        entityOr404(id);
        tx(() => {
          ctx.budgets.removeOwner(level, id);
          ctx.organisation.remove(level, id);
        });
        return { message: `The ${level} was deleted; what pointed at it is now unattached.` };
      },
    };
  };

  const customers = orgHandlers('customer', null);
  const teams = orgHandlers('team', 'customer_id');
  const users = orgHandlers('user', 'team_id');

  /** The five contract routes of one level (`listTeams`, `createTeam`, …) in Bifrost's response shapes. */
  const orgRoutes = <Name extends 'Customer' | 'Team' | 'User'>(
    name: Name,
    field: OrgLevel,
    handlers: ReturnType<typeof orgHandlers>,
  ) =>
    ({
      [`list${name}s`]: () => {
        const list = handlers.list();
        return { [`${field}s`]: list, count: list.length };
      },
      [`create${name}`]: ({ body }: { body: Parameters<typeof handlers.create>[0] }) => ({
        message: `${name} created.`,
        [field]: handlers.create(body),
      }),
      [`get${name}`]: ({ params }: { params: { id: string } }) => ({ [field]: handlers.get(params.id) }),
      [`update${name}`]: ({ params, body }: { params: { id: string }; body: Parameters<typeof handlers.update>[1] }) => ({
        message: `${name} updated.`,
        [field]: handlers.update(params.id, body),
      }),
      [`delete${name}`]: ({ params }: { params: { id: string } }) => handlers.remove(params.id),
    }) as unknown as {
      [K in `list${Name}s` | `create${Name}` | `get${Name}` | `update${Name}` | `delete${Name}`]: (input: {
        params: RouteParams<K>;
        body: RouteBody<K>;
      }) => RouteResponse<K>;
    };

  return {
    listVirtualKeys: () => {
      const keys = ctx.keys.all().map(keyView);
      return { virtual_keys: keys, count: keys.length };
    },
    createVirtualKey: ({ body }: { body: RouteBody<'createVirtualKey'> }): RouteResponse<'createVirtualKey'> => {
      checkKeyInput(body);
      const at = now();
      const { id, value } = tx(() => {
        const created = ctx.keys.create(body, at);
        applyKeyGovernance(created.id, body, at);
        return created;
      });
      return {
        message: 'Virtual key created. Copy its value now: it is not shown again.',
        virtual_key: { ...keyView(keyOr404(id)), value },
      };
    },
    getVirtualKey: ({ params }: { params: { id: string } }) => ({ virtual_key: keyView(keyOr404(params.id)) }),
    updateVirtualKey: ({ params, body }: { params: { id: string }; body: RouteBody<'updateVirtualKey'> }) => {
      keyOr404(params.id);
      checkKeyInput(body);
      const at = now();
      tx(() => {
        ctx.keys.modify(params.id, body, at);
        applyKeyGovernance(params.id, body, at);
      });
      return { message: 'Virtual key updated.', virtual_key: keyView(keyOr404(params.id)) };
    },
    deleteVirtualKey: ({ params }: { params: { id: string } }) => {
      if (!ctx.keys.remove(params.id, now())) throw notFound(`No virtual key with id ${params.id}.`);
      return { message: 'Virtual key deleted; requests using it are refused from now on.' };
    },

    ...orgRoutes('Customer', 'customer', customers),
    ...orgRoutes('Team', 'team', teams),
    ...orgRoutes('User', 'user', users),

    getBudget: ({ params }: { params: { id: string } }) => {
      const rule = ctx.budgets.rule(params.id);
      if (!rule) throw notFound(`No budget with id ${params.id}.`);
      return { budget: ctx.ledger.describeBudget(rule, now()) };
    },
    grantBudgetIncrease: ({ params, body }: { params: { id: string }; body: RouteBody<'grantBudgetIncrease'> }) => {
      const rule = ctx.budgets.rule(params.id);
      if (!rule) throw notFound(`No budget with id ${params.id}.`);
      if (body.scope === 'session' && !body.session_id) throw badRequest('session_id: required when scope is "session".');
      const at = now();
      const periodEnd = periodAt(rule, at).end;
      const expiresAt = body.until ? Date.parse(body.until) : periodEnd;
      if (expiresAt <= at) throw badRequest('until: must be in the future.');
      ctx.budgets.addGrant({
        budgetId: rule.id,
        amountMicros: usdToMicros(body.amount),
        expiresAt,
        sessionId: body.scope === 'session' ? (body.session_id ?? null) : null,
        reason: body.reason ?? '',
        createdBy: 'admin',
        createdAt: at,
      });
      return {
        message: `Budget raised by $${body.amount.toFixed(2)} until ${iso(expiresAt)}.`,
        budget: ctx.ledger.describeBudget(rule, at),
      };
    },

    listAudit: ({ query }: { query: { limit: number; cursor?: number | undefined } }) => ctx.audit.list(query.limit, query.cursor),
    verifyAudit: () => ctx.audit.verify(),
    archiveAudit: ({ body }: { body: { older_than_days?: number | undefined } }) =>
      ctx.audit.archiveOlderThan(
        body.older_than_days ?? ctx.settings.config.audit_retention_days,
        ctx.clock(),
        auditArchiveDir(ctx.dataDir),
      ),
  };
}
