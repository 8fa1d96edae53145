// Changing the gateway's settings (enforcement, content capture, retention, budget time zone). The
// settings themselves live in the session store, which the shell's header reads too; this store holds
// what a change is doing: applied at once, sent, and on refusal the fields it touched come back with
// the refusal kept for the page to show.
import { create, type StateCreator } from 'zustand';
import type { ClientConfig } from '../../../shared/schemas';
import { answered, optimistic, type Refusal } from './optimistic';
import { callApi, onSignOut, useSession } from './session';

type Load = 'idle' | 'loading' | 'ready' | 'error';
export type SettingName = keyof ClientConfig;

export interface SettingsState {
  status: Load;
  error: string | null;
  /** Settings with a change in flight. */
  pending: ReadonlySet<SettingName>;
  /** The last refused change and why; cleared by the next change or dismissal. */
  failure: Refusal<SettingName> | null;
  /** The last change the gateway accepted. */
  saved: { fields: SettingName[]; at: number } | null;
}

export const initialSettingsState: SettingsState = {
  status: 'idle',
  error: null,
  pending: new Set(),
  failure: null,
  saved: null,
};

interface SettingsActions {
  load: () => Promise<void>;
  /** Apply a change now and send it; on refusal, restore the fields it touched. Resolves to whether it was kept. */
  update: (change: Partial<ClientConfig>) => Promise<boolean>;
  dismissFailure: () => void;
}

export type SettingsStore = SettingsState & SettingsActions;

const message = (error: unknown): string => (error instanceof Error ? error.message : String(error));
const config = (): ClientConfig | null => useSession.getState().config;
const setConfig = (next: ClientConfig): void => useSession.getState().setConfig(next);

const createSettingsSlice: StateCreator<SettingsStore, [], [], SettingsActions> = (set, get) => ({
  load: async () => {
    set({ status: config() ? 'ready' : 'loading', error: null });
    try {
      const { client_config } = await callApi('getConfig');
      setConfig(client_config);
      set({ status: 'ready' });
    } catch (error) {
      set({ status: 'error', error: message(error) });
    }
  },

  update: (change) =>
    optimistic(change, {
      read: config,
      pending: () => get().pending,
      send: () => callApi('updateConfig', { body: { client_config: change } }),
      apply: (next, tracking) => {
        setConfig(next);
        set(tracking);
      },
      accept: ({ client_config }, fields, { pending }) => {
        setConfig(answered(config(), client_config, fields));
        set({ pending, saved: { fields, at: Date.now() } });
      },
      refuse: (restored, tracking) => {
        setConfig(restored);
        set(tracking);
      },
    }),

  dismissFailure: () => set({ failure: null }),
});

export const useSettings = create<SettingsStore>()((...a) => ({
  ...initialSettingsState,
  ...createSettingsSlice(...a),
}));

onSignOut(() => useSettings.setState(initialSettingsState));

export const settingsSelectors = {
  isPending:
    (field: SettingName) =>
    (state: SettingsState): boolean =>
      state.pending.has(field),
  failedField:
    (field: SettingName) =>
    (state: SettingsState): string | null =>
      state.failure?.fields.includes(field) ? state.failure.message : null,
};
