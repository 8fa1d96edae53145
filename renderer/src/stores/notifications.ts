// Which desktop notifications the gateway raises: the one home of GET/PUT /api/notifications. A switch
// flips at once and is sent; a refusal puts it back and says why, as the other settings do.
import { create, type StateCreator } from 'zustand';
import type { NotificationSettings } from '../../../shared/schemas';
import { answered, optimistic, type Refusal } from './optimistic';
import { callApi, onSignOut } from './session';

type Load = 'idle' | 'loading' | 'ready' | 'error';
export type NotificationName = keyof NotificationSettings;

export interface NotificationsState {
  settings: NotificationSettings | null;
  status: Load;
  error: string | null;
  pending: ReadonlySet<NotificationName>;
  failure: Refusal<NotificationName> | null;
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

  update: (change) =>
    optimistic(change, {
      read: () => get().settings,
      pending: () => get().pending,
      send: () => callApi('updateNotificationSettings', { body: change }),
      apply: (settings, tracking) => set({ settings, ...tracking }),
      accept: (answer, fields, tracking) => set({ settings: answered(get().settings, answer, fields), ...tracking }),
      refuse: (settings, tracking) => set({ settings, ...tracking }),
    }),

  dismissFailure: () => set({ failure: null }),
});

export const useNotifications = create<NotificationsStore>()((...a) => ({
  ...initialNotificationsState,
  ...createNotificationsSlice(...a),
}));

onSignOut(() => useNotifications.setState(initialNotificationsState));
