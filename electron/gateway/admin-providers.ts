// The admin's providers: Anthropic and the other upstreams a request can go to, each with its pool of
// keys, and how each key stands with the router. What a type needs is checked here: the endpoint of
// an Anthropic-compatible or Foundry provider is the admin's own, so it must be given.
import type { Provider, ProviderUpsert } from '../../shared/schemas.js';
import { NEEDS_BASE_URL, providerTypeOf } from '../../shared/schemas.js';
import { isRoutable } from '../upstream/router.js';
import type { GatewayContext } from './context.js';
import { badRequest, GatewayError, notFound } from './errors.js';

export function providerHandlers(ctx: GatewayContext) {
  const health = (keyId: string) => ctx.keyHealth.view(keyId);
  const describeOr404 = (name: string): Provider => {
    const provider = ctx.providers.describe(name, health);
    if (!provider) throw notFound(`Provider ${name} is not configured.`);
    return provider;
  };
  const save = (input: ProviderUpsert): Provider => {
    const existing = ctx.providers.describe(input.provider);
    const type = existing?.type ?? input.type ?? providerTypeOf(input.provider);
    if (!isRoutable(type)) {
      throw new GatewayError(
        501,
        'not_supported',
        `Tollgate cannot send requests to ${type} in this version yet; configure anthropic, foundry or an Anthropic-compatible provider.`,
        { 'x-should-retry': 'false' },
      );
    }
    const baseUrl = input.base_url === undefined ? existing?.base_url : input.base_url;
    if (NEEDS_BASE_URL.includes(type) && !baseUrl) {
      throw badRequest(
        `base_url is required for a ${type} provider: Tollgate cannot know where "${input.provider}" is.`,
      );
    }
    ctx.providers.upsert(input, ctx.clock());
    ctx.keyHealth.keepOnly(ctx.providers.keyIds());
    return describeOr404(input.provider);
  };

  return {
    listProviders: () => {
      const providers = ctx.providers.all(health);
      return { providers, total: providers.length };
    },
    upsertProvider: ({ body }: { body: ProviderUpsert }) => save(body),
    getProvider: ({ params }: { params: { provider: string } }) => describeOr404(params.provider),
    updateProvider: ({ params, body }: { params: { provider: string }; body: Omit<ProviderUpsert, 'provider'> }) => {
      describeOr404(params.provider);
      return save({ ...body, provider: params.provider });
    },
    deleteProvider: ({ params }: { params: { provider: string } }) => {
      if (!ctx.providers.remove(params.provider)) throw notFound(`Provider ${params.provider} is not configured.`);
      ctx.keyHealth.keepOnly(ctx.providers.keyIds());
      return { message: `Provider ${params.provider} removed.` };
    },
  };
}
