// Virtual keys: the one home of the key list. Edits apply at once and roll back, with a message,
// when the gateway refuses them. The secret of a new or rotated key is returned to the caller and
// never stored here: it is shown once and forgotten.
import { create, type StoreApi } from 'zustand';
import type { RouteResponse } from '../../../shared/contract';
import type { VirtualKey, VirtualKeyCreate, VirtualKeyUpdate } from '../../../shared/schemas';
import { callApi, onSignOut } from './session';
import { toast } from './toasts';

export type LoadStatus = 'idle' | 'loading' | 'ready' | 'error';
export type CreatedKey = RouteResponse<'createVirtualKey'>['virtual_key'];

export interface KeysData {
  keys: VirtualKey[];
  status: LoadStatus;
  error: string | null;
  /** Keys with a request in flight, so their row can show it. */
  pending: Record<string, true>;
}

export interface KeysActions {
  load: () => Promise<void>;
  /** Resolves to the created key with its one-time `value`; rejects with the gateway's message. */
  create: (input: VirtualKeyCreate) => Promise<CreatedKey>;
  /** Optimistic; resolves false (and toasts) after rolling back when the gateway refuses. */
  update: (id: string, patch: VirtualKeyUpdate) => Promise<boolean>;
  setActive: (id: string, active: boolean) => Promise<boolean>;
  /** Optimistic removal; the key comes back with a message if the gateway refuses. */
  revoke: (id: string) => Promise<boolean>;
  /** A new secret for the same key; null (and a toast) on failure. */
  rotate: (id: string) => Promise<CreatedKey | null>;
  reset: () => void;
}

export type KeysState = KeysData & KeysActions;

export const initialKeysState: KeysData = { keys: [], status: 'idle', error: null, pending: {} };

function describe(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

/** The parts of an update that mean the same on the key as in the request, so the row can change before the answer. */
export function applyKeyPatch(key: VirtualKey, patch: VirtualKeyUpdate): VirtualKey {
  const next: VirtualKey = { ...key };
  if (patch.name !== undefined) next.name = patch.name;
  if (patch.description !== undefined) next.description = patch.description;
  if (patch.is_active !== undefined) next.is_active = patch.is_active;
  if (patch.capture_content !== undefined) next.capture_content = patch.capture_content;
  if (patch.team_id !== undefined) next.team_id = patch.team_id;
  if (patch.customer_id !== undefined) next.customer_id = patch.customer_id;
  if (patch.user_id !== undefined) next.user_id = patch.user_id;
  if (patch.allowed_models !== undefined) next.allowed_models = patch.allowed_models;
  if (patch.denied_models !== undefined) next.denied_models = patch.denied_models;
  if (patch.model_remap !== undefined) next.model_remap = patch.model_remap;
  if (patch.tool_policy !== undefined) next.tool_policy = patch.tool_policy;
  if (patch.max_concurrent_requests !== undefined) next.max_concurrent_requests = patch.max_concurrent_requests;
  if (patch.expires_at !== undefined) next.expires_at = patch.expires_at;
  return next;
}

function createKeysActions(set: StoreApi<KeysState>['setState'], get: StoreApi<KeysState>['getState']): KeysActions {
  const replace = (id: string, key: VirtualKey | undefined) =>
    set((state) => ({ keys: key ? state.keys.map((item) => (item.id === id ? key : item)) : state.keys.filter((item) => item.id !== id) }));
  const setPending = (id: string, on: boolean) =>
    set((state) => {
      const pending = { ...state.pending };
      if (on) pending[id] = true;
      else delete pending[id];
      return { pending };
    });
  const nameOf = (id: string) => get().keys.find((key) => key.id === id)?.name ?? 'the key';

  return {
    load: async () => {
      set({ status: get().keys.length ? 'ready' : 'loading', error: null });
      try {
        const { virtual_keys } = await callApi('listVirtualKeys');
        set({ keys: virtual_keys, status: 'ready' });
      } catch (error) {
        set({ status: 'error', error: describe(error) });
      }
    },

    create: async (input) => {
      const { virtual_key } = await callApi('createVirtualKey', { body: input });
      const { value: _secret, ...listed } = virtual_key;
      set((state) => ({ keys: [...state.keys.filter((key) => key.id !== listed.id), listed] }));
      return virtual_key;
    },

    update: async (id, patch) => {
      const before = get().keys.find((key) => key.id === id);
      if (!before) return false;
      replace(id, applyKeyPatch(before, patch));
      setPending(id, true);
      try {
        const { virtual_key } = await callApi('updateVirtualKey', { params: { id }, body: patch });
        replace(id, virtual_key);
        return true;
      } catch (error) {
        replace(id, before);
        toast.error(`Could not save “${before.name}”: ${describe(error)} The change was undone.`);
        return false;
      } finally {
        setPending(id, false);
      }
    },

    setActive: async (id, active) => {
      const ok = await get().update(id, { is_active: active });
      if (ok) toast.success(`${active ? 'Enabled' : 'Disabled'} “${nameOf(id)}”.`);
      return ok;
    },

    revoke: async (id) => {
      const before = get().keys;
      const key = before.find((item) => item.id === id);
      if (!key) return false;
      replace(id, undefined);
      try {
        await callApi('deleteVirtualKey', { params: { id } });
        toast.success(`Revoked “${key.name}”. Clients using it are refused from now on.`);
        return true;
      } catch (error) {
        // Put it back where it was, not at the end.
        const index = before.indexOf(key);
        set((state) => {
          if (state.keys.some((item) => item.id === id)) return {};
          const keys = [...state.keys];
          keys.splice(Math.min(index, keys.length), 0, key);
          return { keys };
        });
        toast.error(`Could not revoke “${key.name}”: ${describe(error)} The key is still active.`);
        return false;
      }
    },

    rotate: async (id) => {
      setPending(id, true);
      try {
        const { virtual_key } = await callApi('rotateVirtualKey', { params: { id } });
        const { value: _secret, ...listed } = virtual_key;
        replace(id, listed);
        return virtual_key;
      } catch (error) {
        toast.error(`Could not rotate “${nameOf(id)}”: ${describe(error)} The old secret still works.`);
        return null;
      } finally {
        setPending(id, false);
      }
    },

    reset: () => set(initialKeysState),
  };
}

export const useKeys = create<KeysState>()((set, get) => ({ ...initialKeysState, ...createKeysActions(set, get) }));
onSignOut(() => useKeys.getState().reset());

/** The budget nearest its limit: what a one-line spend bar should show. */
export function tightestBudget(key: Pick<VirtualKey, 'budgets'>): VirtualKey['budgets'][number] | null {
  let tightest: VirtualKey['budgets'][number] | null = null;
  let worst = -1;
  for (const budget of key.budgets) {
    const limit = budget.max_limit + budget.granted;
    const fraction = limit > 0 ? (budget.current_usage + budget.reserved) / limit : 1;
    if (fraction > worst) {
      worst = fraction;
      tightest = budget;
    }
  }
  return tightest;
}

export const keysSelectors = {
  /** Active keys first, then by name. */
  sorted: (state: KeysData): VirtualKey[] =>
    [...state.keys].sort((a, b) => Number(b.is_active) - Number(a.is_active) || a.name.localeCompare(b.name)),
  byId: (id: string) => (state: KeysData) => state.keys.find((key) => key.id === id),
  count: (state: KeysData) => state.keys.length,
  activeCount: (state: KeysData) => state.keys.filter((key) => key.is_active).length,
  isPending: (id: string) => (state: KeysData) => state.pending[id] === true,
};
