// First-run onboarding: whether the gateway still needs it (GET /api/onboarding) and the three steps
// that cap a solo developer in under a minute: the Anthropic key, their own virtual key with a monthly
// budget, the Claude Code snippet. The step transitions live here so they are tested without a page.
// The new key's secret is held only until the flow ends, then forgotten.
import { create, type StateCreator } from 'zustand';
import type { Onboarding } from '../../../shared/schemas';
import { useKeys, type CreatedKey } from './keys';
import { useProviders, type ProviderTest } from './providers';
import { callApi, onSignOut } from './session';

type Load = 'idle' | 'loading' | 'ready' | 'error';

export type OnboardingStep = 'provider' | 'key' | 'connect';
export const ONBOARDING_STEPS: readonly { id: OnboardingStep; label: string }[] = [
  { id: 'provider', label: 'Anthropic key' },
  { id: 'key', label: 'Your key' },
  { id: 'connect', label: 'Claude Code' },
];

export type BudgetPeriod = '1d' | '1w' | '1M';
export const BUDGET_PERIODS: readonly { value: BudgetPeriod; label: string }[] = [
  { value: '1d', label: 'Day' },
  { value: '1w', label: 'Week' },
  { value: '1M', label: 'Month' },
];

/** A budget that stops a runaway session without getting in the way of a normal month. */
export const DEFAULT_BUDGET_USD = '50';
export const DEFAULT_KEY_NAME = 'My Claude Code';

export interface OnboardingState {
  /** The gateway's answer; null until loaded or when it could not be asked. */
  onboarding: Onboarding | null;
  status: Load;
  error: string | null;
  step: OnboardingStep;

  /** Step 1: the Anthropic API key as pasted. Cleared once saved. */
  apiKey: string;
  apiKeyError: string | null;
  savingKey: boolean;
  /** The masked key the gateway saved in this run (`sk-ant-…abcd`). */
  savedKey: string | null;
  testing: boolean;
  test: ProviderTest | null;
  /** Why the test could not run at all (as opposed to running and failing). */
  testError: string | null;

  /** Step 2: the person's own virtual key. */
  keyName: string;
  budgetAmount: string;
  budgetPeriod: BudgetPeriod;
  keyErrors: { name?: string; amount?: string };
  creatingKey: boolean;
  createError: string | null;
  /** Step 3: the created key with its one-time secret. */
  created: CreatedKey | null;

  finishing: boolean;
  finishError: string | null;
}

export const initialOnboardingState: OnboardingState = {
  onboarding: null,
  status: 'idle',
  error: null,
  step: 'provider',
  apiKey: '',
  apiKeyError: null,
  savingKey: false,
  savedKey: null,
  testing: false,
  test: null,
  testError: null,
  keyName: DEFAULT_KEY_NAME,
  budgetAmount: DEFAULT_BUDGET_USD,
  budgetPeriod: '1M',
  keyErrors: {},
  creatingKey: false,
  createError: null,
  created: null,
  finishing: false,
  finishError: null,
};

interface OnboardingActions {
  load: () => Promise<void>;
  setApiKey: (value: string) => void;
  /** Saves the pasted key as the gateway's Anthropic key. Resolves to whether it was saved. */
  saveApiKey: () => Promise<boolean>;
  /** Asks Anthropic, through the gateway, whether the key works. Resolves to whether it does. */
  testConnection: () => Promise<boolean>;
  /** Save, then test: the one button of step 1. */
  saveAndTest: () => Promise<boolean>;
  /** Step 1 → 2; only once the gateway has a key (pasted now or already configured). */
  continueToKey: () => boolean;
  setKeyName: (value: string) => void;
  setBudgetAmount: (value: string) => void;
  setBudgetPeriod: (value: BudgetPeriod) => void;
  /** Step 2 → 3 when the gateway creates the key; stays on step 2 with the reason otherwise. */
  createKey: () => Promise<boolean>;
  back: () => void;
  /** Marks onboarding done; the app shows the overview. */
  finish: () => Promise<boolean>;
  /** "Skip setup": marks it done from any step. */
  skip: () => Promise<boolean>;
}

export type OnboardingStore = OnboardingState & OnboardingActions;

const describe = (error: unknown): string => (error instanceof Error ? error.message : String(error));

/** Why a pasted value cannot be an Anthropic API key, or null when it may be one. */
export function apiKeyProblem(value: string): string | null {
  const key = value.trim();
  if (!key) return 'Paste your Anthropic API key (it starts with sk-ant-).';
  if (/\s/.test(key)) return 'A key has no spaces: check what was pasted.';
  if (key.startsWith('sk-tg-')) return 'That is a Tollgate virtual key. This step needs an Anthropic API key (sk-ant-…).';
  return null;
}

/** The amount typed as a budget, in USD, or the reason it is not one. */
export function parseBudget(value: string): { amount: number } | { error: string } {
  const text = value.trim().replace(/^\$/, '').replace(/,/g, '');
  const amount = Number(text);
  if (!text) return { error: 'Enter a budget in US dollars.' };
  if (!Number.isFinite(amount) || amount <= 0) return { error: 'Enter an amount above $0, such as 50.' };
  return { amount };
}

const createOnboardingSlice: StateCreator<OnboardingStore, [], [], OnboardingActions> = (set, get) => {
  const complete = async (): Promise<boolean> => {
    set({ finishing: true, finishError: null });
    try {
      const onboarding = await callApi('completeOnboarding');
      // The secret has been shown; nothing keeps it past this point.
      set({ ...initialOnboardingState, onboarding, status: 'ready' });
      return true;
    } catch (error) {
      set({ finishing: false, finishError: describe(error) });
      return false;
    }
  };

  return {
    load: async () => {
      // Asking again keeps the last answer on screen: the dashboard must not unmount to re-decide.
      if (get().status === 'idle') set({ status: 'loading', error: null });
      try {
        const onboarding = await callApi('getOnboarding');
        set({ onboarding, status: 'ready', error: null });
      } catch (error) {
        // An answer already in hand stays the answer; a first failure means "show the dashboard".
        if (get().onboarding) set({ error: describe(error) });
        else set({ status: 'error', error: describe(error) });
      }
    },

    setApiKey: (apiKey) => set({ apiKey, apiKeyError: null }),

    saveApiKey: async () => {
      const problem = apiKeyProblem(get().apiKey);
      if (problem) {
        set({ apiKeyError: problem });
        return false;
      }
      set({ savingKey: true, apiKeyError: null, test: null, testError: null });
      try {
        const provider = await useProviders.getState().create({
          provider: 'anthropic',
          keys: [{ name: 'primary', value: get().apiKey.trim() }],
        });
        const onboarding = get().onboarding;
        set({
          apiKey: '',
          savedKey: provider.keys[0]?.value ?? 'saved',
          ...(onboarding && { onboarding: { ...onboarding, has_provider_key: true } }),
        });
        return true;
      } catch (error) {
        set({ apiKeyError: `The gateway did not save the key: ${describe(error)}` });
        return false;
      } finally {
        set({ savingKey: false });
      }
    },

    testConnection: async () => {
      set({ testing: true, test: null, testError: null });
      try {
        const test = await callApi('testProvider', { params: { provider: 'anthropic' } });
        set({ test });
        return test.ok;
      } catch (error) {
        set({ testError: describe(error) });
        return false;
      } finally {
        set({ testing: false });
      }
    },

    saveAndTest: async () => (await get().saveApiKey()) && get().testConnection(),

    continueToKey: () => {
      if (!get().onboarding?.has_provider_key) {
        set({ apiKeyError: 'Paste your Anthropic API key first: without it no request can reach Anthropic.' });
        return false;
      }
      set({ step: 'key' });
      return true;
    },

    setKeyName: (keyName) => set({ keyName, keyErrors: { ...get().keyErrors, name: undefined } }),
    setBudgetAmount: (budgetAmount) => set({ budgetAmount, keyErrors: { ...get().keyErrors, amount: undefined } }),
    setBudgetPeriod: (budgetPeriod) => set({ budgetPeriod }),

    createKey: async () => {
      const { keyName, budgetAmount, budgetPeriod } = get();
      const name = keyName.trim();
      const budget = parseBudget(budgetAmount);
      const keyErrors = {
        ...(!name && { name: 'Give the key a name, such as your own.' }),
        ...('error' in budget && { amount: budget.error }),
      };
      set({ keyErrors, createError: null });
      if (!name || 'error' in budget) return false;
      set({ creatingKey: true });
      try {
        const created = await useKeys.getState().create({
          name,
          description: 'Created during first-run setup.',
          budgets: [{ max_limit: budget.amount, reset_duration: budgetPeriod, calendar_aligned: true }],
        });
        const onboarding = get().onboarding;
        set({
          created,
          step: 'connect',
          ...(onboarding && { onboarding: { ...onboarding, virtual_keys: onboarding.virtual_keys + 1 } }),
        });
        return true;
      } catch (error) {
        set({ createError: describe(error) });
        return false;
      } finally {
        set({ creatingKey: false });
      }
    },

    back: () => {
      // Once the key exists its secret is on screen; going back would only hide it.
      if (get().step === 'key') set({ step: 'provider', createError: null });
    },

    finish: complete,
    skip: complete,
  };
};

export const useOnboarding = create<OnboardingStore>()((...a) => ({
  ...initialOnboardingState,
  ...createOnboardingSlice(...a),
}));

onSignOut(() => useOnboarding.setState(initialOnboardingState));

export const onboardingSelectors = {
  /**
   * Show the first-run steps instead of the dashboard. A gateway that cannot say (an error, an older
   * version without the route) gets the dashboard: onboarding must never lock anyone out.
   */
  needed: (state: OnboardingState): boolean => state.status === 'ready' && state.onboarding?.needed === true,
  /** Still asking the gateway, so neither the steps nor the dashboard should flash up yet. */
  deciding: (state: OnboardingState): boolean => state.status === 'idle' || state.status === 'loading',
  hasProviderKey: (state: OnboardingState): boolean => state.onboarding?.has_provider_key === true,
  stepIndex: (state: OnboardingState): number => ONBOARDING_STEPS.findIndex((step) => step.id === state.step),
};
