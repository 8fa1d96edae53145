// Which desktop notifications the gateway raises: the one home of GET/PUT /api/notifications. A switch
// flips at once and is sent; a refusal puts it back and says why, as the other settings do.
import { create, type StateCreator } from 'zustand';
import type { NotificationSettings } from '../../../shared/schemas';
import { callApi, onSignOut } from './session';

type Load = 'idle' | 'loading' | 'ready' | 'error';
export type NotificationName = keyof NotificationSettings;

export interface NotificationsState {
  settings: NotificationSettings | null;
  status: Load;
  error: string | null;
  pending: ReadonlySet<NotificationName>;
  failure: { fields: NotificationName[]; message: string } | null;
}

export const initialNotificationsState: NotificationsState = {
  settings: null,
  status: 'idle',
  error: null,
  pending: new Set(),
  failure: null,
};

interface NotificationsActions {
  load: () => Promise<void>;
  update: (change: Partial<NotificationSettings>) => Promise<boolean>;
  dismissFailure: () => void;
}

export type NotificationsStore = NotificationsState & NotificationsActions;

const message = (error: unknown): string => (error instanceof Error ? error.message : String(error));

const createNotificationsSlice: StateCreator<NotificationsStore, [], [], NotificationsActions> = (set, get) => ({
  load: async () => {
    set({ status: get().settings ? 'ready' : 'loading', error: null });
    try {
      const settings = await callApi('getNotificationSettings');
      set({ settings, status: 'ready' });
    } catch (error) {
      set({ status: 'error', error: message(error) });
    }
  },

  update: async (change) => {
    const before = get().settings;
    if (!before) return false;
    const fields = Object.keys(change) as NotificationName[];
    const previous = Object.fromEntries(fields.map((field) => [field, before[field]])) as Partial<NotificationSettings>;
    set({ settings: { ...before, ...change }, pending: new Set([...get().pending, ...fields]), failure: null });
    const settled = (): ReadonlySet<NotificationName> => new Set([...get().pending].filter((field) => !fields.includes(field)));
    try {
      const answer = await callApi('updateNotificationSettings', { body: change });
      // Only this change's fields: another switch may be in flight for the rest.
      const accepted = Object.fromEntries(fields.map((field) => [field, answer[field]])) as Partial<NotificationSettings>;
      set({ settings: { ...(get().settings ?? answer), ...accepted }, pending: settled() });
      return true;
    } catch (error) {
      set({
        settings: { ...(get().settings ?? before), ...previous },
        pending: settled(),
        failure: { fields, message: message(error) },
      });
      return false;
    }
  },

  dismissFailure: () => set({ failure: null }),
});

export const useNotifications = create<NotificationsStore>()((...a) => ({
  ...initialNotificationsState,
  ...createNotificationsSlice(...a),
}));

onSignOut(() => useNotifications.setState(initialNotificationsState));
