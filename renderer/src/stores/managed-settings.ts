// Claude Code managed settings ("Claude Code policy"): the one home of the layers the admin edits
// (global, then per team, user and virtual key; later layers win), and of the preview of the exact
// document one key's Claude Code receives on /managed/settings. Saving answers the layer as the gateway
// stored it plus its warnings (an `env` block asks every teammate for approval); the caller shows them.
// Also the machines list: with hint headers on, each signed-in key's latest word on whether its
// Claude Code runs the current managed settings, stale ones or none. Typed from the admin API contract.
import { create, type StoreApi } from 'zustand';
import type { RouteResponse } from '../../../shared/contract';
import type {
  ManagedSettings,
  ManagedSettingsDocument,
  ManagedSettingsLayer,
  ManagedSettingsScope,
} from '../../../shared/schemas';
import { ApiError } from '../api/client';
import type { LoadStatus } from './keys';
import { callApi, onSignOut } from './session';
import { toast } from './toasts';

export type PolicyLayer = ManagedSettingsLayer;
export type PolicyScope = ManagedSettingsScope;
export type PolicyDocument = ManagedSettingsDocument;
export type SavedPolicyLayer = RouteResponse<'putGlobalManagedSettings'>;
/** One signed-in key's machine, as its latest model request reported it (hint headers on). */
export type PolicyMachine = RouteResponse<'listManagedSettingsMachines'>['machines'][number];
export type MachineSettingsState = PolicyMachine['state'];

/** The order layers apply in: later ones win. */
export const POLICY_SCOPES = ['global', 'team', 'user', 'virtual_key'] as const satisfies readonly PolicyScope[];

export interface PolicyPreview {
  keyId: string;
  /** `none`: no managed policy applies to the key (its Claude Code gets 404). */
  status: 'loading' | 'ready' | 'none' | 'error';
  document: PolicyDocument | null;
  error: string | null;
}

export interface ManagedSettingsData {
  layers: PolicyLayer[];
  status: LoadStatus;
  error: string | null;
  preview: PolicyPreview | null;
  machines: PolicyMachine[];
  machinesStatus: LoadStatus;
  machinesError: string | null;
  /** When the list on hand was answered (ms); null before the first answer. */
  machinesCheckedAt: number | null;
}

export interface ManagedSettingsActions {
  load: () => Promise<void>;
  /** Replaces the layer whole; resolves to it as saved with its warnings, rejects with the gateway's message. */
  save: (scope: PolicyScope, id: string | null, settings: ManagedSettings) => Promise<SavedPolicyLayer>;
  /** False (and a toast) when the gateway refuses. */
  remove: (scope: PolicyScope, id: string | null, label: string) => Promise<boolean>;
  /** Asks for the document a key's Claude Code receives; a 404 is `none`, not an error. */
  loadPreview: (keyId: string) => Promise<void>;
  clearPreview: () => void;
  /** Asks which machines run the current policy; the list on hand stays while the answer is out. */
  loadMachines: () => Promise<void>;
  reset: () => void;
}

export type ManagedSettingsState = ManagedSettingsData & ManagedSettingsActions;

export const initialManagedSettingsState: ManagedSettingsData = {
  layers: [],
  status: 'idle',
  error: null,
  preview: null,
  machines: [],
  machinesStatus: 'idle',
  machinesError: null,
  machinesCheckedAt: null,
};

function describe(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

/** A stable identity for a layer: its scope and owner. */
export function layerKey(layer: { scope: PolicyScope; id: string | null }): string {
  return `${layer.scope}:${layer.id ?? ''}`;
}

/** Layers in the order they apply, each owner's by id (as the gateway lists them). */
function ordered(layers: readonly PolicyLayer[]): PolicyLayer[] {
  return [...layers].sort(
    (a, b) => POLICY_SCOPES.indexOf(a.scope) - POLICY_SCOPES.indexOf(b.scope) || (a.id ?? '').localeCompare(b.id ?? ''),
  );
}

// One call per route keeps every route name literal, so the client stays fully typed.
async function sendPut(scope: PolicyScope, id: string | null, settings: ManagedSettings): Promise<SavedPolicyLayer> {
  const body = { settings };
  const params = { id: id ?? '' };
  switch (scope) {
    case 'global':
      return callApi('putGlobalManagedSettings', { body });
    case 'team':
      return callApi('putTeamManagedSettings', { params, body });
    case 'user':
      return callApi('putUserManagedSettings', { params, body });
    case 'virtual_key':
      return callApi('putKeyManagedSettings', { params, body });
  }
}

async function sendDelete(scope: PolicyScope, id: string | null): Promise<void> {
  const params = { id: id ?? '' };
  switch (scope) {
    case 'global':
      await callApi('deleteGlobalManagedSettings');
      return;
    case 'team':
      await callApi('deleteTeamManagedSettings', { params });
      return;
    case 'user':
      await callApi('deleteUserManagedSettings', { params });
      return;
    case 'virtual_key':
      await callApi('deleteKeyManagedSettings', { params });
      return;
  }
}

function createManagedSettingsActions(
  set: StoreApi<ManagedSettingsState>['setState'],
  get: StoreApi<ManagedSettingsState>['getState'],
): ManagedSettingsActions {
  // An answer that left before a change (or before another key was chosen) describes the world before it.
  let listVersion = 0;
  let previewVersion = 0;
  let machinesVersion = 0;

  /** A change to any layer can change what the key being previewed receives: ask again. */
  const refreshPreview = () => {
    const preview = get().preview;
    if (preview) void get().loadPreview(preview.keyId);
  };

  return {
    load: async () => {
      const seen = listVersion;
      set({ status: get().status === 'ready' ? 'ready' : 'loading', error: null });
      try {
        const { layers } = await callApi('listManagedSettings');
        if (seen !== listVersion) return;
        set({ layers: ordered(layers), status: 'ready', error: null });
      } catch (error) {
        if (seen !== listVersion) return;
        set({ status: 'error', error: describe(error) });
      }
    },

    save: async (scope, id, settings) => {
      const saved = await sendPut(scope, id, settings);
      listVersion++;
      const { warnings: _warnings, ...layer } = saved;
      set((state) => ({
        layers: ordered([...state.layers.filter((item) => layerKey(item) !== layerKey(layer)), layer]),
      }));
      refreshPreview();
      return saved;
    },

    remove: async (scope, id, label) => {
      try {
        await sendDelete(scope, id);
      } catch (error) {
        toast.error(`Could not remove the policy for ${label}: ${describe(error)}`);
        void get().load();
        return false;
      }
      listVersion++;
      const removed = layerKey({ scope, id });
      set((state) => ({ layers: state.layers.filter((item) => layerKey(item) !== removed) }));
      toast.success(`Removed the policy for ${label}. Claude Code picks up the change at its next check.`);
      refreshPreview();
      return true;
    },

    loadPreview: async (keyId) => {
      const seen = ++previewVersion;
      const current = get().preview;
      // Asked again for the same key (after an edit): keep the last answer on screen until the new one is in.
      const refreshing = current?.keyId === keyId && (current.status === 'ready' || current.status === 'none');
      if (!refreshing) set({ preview: { keyId, status: 'loading', document: null, error: null } });
      try {
        const document = await callApi('previewManagedSettings', { query: { key_id: keyId } });
        if (seen !== previewVersion) return;
        set({ preview: { keyId, status: 'ready', document, error: null } });
      } catch (error) {
        if (seen !== previewVersion) return;
        if (error instanceof ApiError && error.status === 404) {
          set({ preview: { keyId, status: 'none', document: null, error: null } });
        } else {
          set({ preview: { keyId, status: 'error', document: null, error: describe(error) } });
        }
      }
    },

    clearPreview: () => {
      previewVersion++;
      set({ preview: null });
    },

    loadMachines: async () => {
      const seen = ++machinesVersion;
      set({ machinesStatus: 'loading', machinesError: null });
      try {
        const { machines } = await callApi('listManagedSettingsMachines');
        if (seen !== machinesVersion) return;
        set({ machines, machinesStatus: 'ready', machinesError: null, machinesCheckedAt: Date.now() });
      } catch (error) {
        if (seen !== machinesVersion) return;
        set({ machinesStatus: 'error', machinesError: describe(error) });
      }
    },

    reset: () => {
      listVersion++;
      previewVersion++;
      machinesVersion++;
      set(initialManagedSettingsState);
    },
  };
}

export const useManagedSettings = create<ManagedSettingsState>()((set, get) => ({
  ...initialManagedSettingsState,
  ...createManagedSettingsActions(set, get),
}));
onSignOut(() => useManagedSettings.getState().reset());
