// The upstream providers (Tollgate speaks to Anthropic): their masked keys and base URL, replacing a
// key, and the result of the last connection test per provider.
import { create, type StateCreator } from 'zustand';
import type { RouteBody, RouteResponse } from '../../../shared/contract';
import { callApi, onSignOut } from './session';

export type Provider = RouteResponse<'getProvider'>;
export type ProviderTest = RouteResponse<'testProvider'>;
export type ProviderUpdate = NonNullable<RouteBody<'updateProvider'>>;

type Load = 'idle' | 'loading' | 'ready' | 'error';

export interface ProvidersState {
  providers: Provider[];
  status: Load;
  error: string | null;
  /** The provider being saved. */
  saving: string | null;
  testing: string | null;
  tests: Partial<Record<string, ProviderTest & { at: number }>>;
  testErrors: Partial<Record<string, string>>;
}

export const initialProvidersState: ProvidersState = {
  providers: [],
  status: 'idle',
  error: null,
  saving: null,
  testing: null,
  tests: {},
  testErrors: {},
};

interface ProvidersActions {
  load: () => Promise<void>;
  /** Replace keys or the base URL. Resolves when saved; throws the gateway's refusal otherwise. */
  update: (provider: string, change: ProviderUpdate) => Promise<Provider>;
  /** Configure a provider that has no entry yet. */
  create: (change: ProviderUpdate & { provider: 'anthropic' }) => Promise<Provider>;
  test: (provider: string) => Promise<void>;
}

export type ProvidersStore = ProvidersState & ProvidersActions;

const message = (error: unknown): string => (error instanceof Error ? error.message : String(error));

const createProvidersSlice: StateCreator<ProvidersStore, [], [], ProvidersActions> = (set, get) => {
  const replace = (saved: Provider): void => {
    const others = get().providers.filter((provider) => provider.provider !== saved.provider);
    set({ providers: [...others, saved].sort((a, b) => a.provider.localeCompare(b.provider)) });
  };
  const saving = async (name: string, run: () => Promise<Provider>): Promise<Provider> => {
    set({ saving: name });
    try {
      const saved = await run();
      replace(saved);
      // A key or URL change makes the last test result describe a configuration that is gone.
      const { [name]: _dropped, ...tests } = get().tests;
      set({ tests });
      return saved;
    } finally {
      set({ saving: null });
    }
  };
  return {
    load: async () => {
      set({ status: get().providers.length ? 'ready' : 'loading', error: null });
      try {
        const { providers } = await callApi('listProviders');
        set({ providers, status: 'ready' });
      } catch (error) {
        set({ status: 'error', error: message(error) });
      }
    },
    update: (provider, change) =>
      saving(provider, () => callApi('updateProvider', { params: { provider }, body: change })),
    create: (change) => saving(change.provider, () => callApi('upsertProvider', { body: change })),
    test: async (provider) => {
      set({ testing: provider, testErrors: { ...get().testErrors, [provider]: undefined } });
      try {
        const result = await callApi('testProvider', { params: { provider } });
        set({ tests: { ...get().tests, [provider]: { ...result, at: Date.now() } } });
      } catch (error) {
        set({ testErrors: { ...get().testErrors, [provider]: message(error) } });
      } finally {
        set({ testing: null });
      }
    },
  };
};

export const useProviders = create<ProvidersStore>()((...a) => ({
  ...initialProvidersState,
  ...createProvidersSlice(...a),
}));

onSignOut(() => useProviders.setState(initialProvidersState));

export const providersSelectors = {
  anthropic: (state: ProvidersState): Provider | null =>
    state.providers.find((provider) => provider.provider === 'anthropic') ?? null,
};
