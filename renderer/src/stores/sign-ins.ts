// Claude Code sign-ins (/login): the one home of the four lists the sign-ins page shows (pending,
// approved, denied, revoked), the pending one polled while the page is open, and what an admin does
// with them: approve (which makes or finds the user and makes their key), deny, revoke, and invites
// that approve a teammate's sign-in at once. Typed from the admin API contract.
import { create, type StoreApi } from 'zustand';
import type { RouteBody, RouteResponse } from '../../../shared/contract';
import { useKeys, type LoadStatus } from './keys';
import { useOrganisation } from './organisation';
import { pollWhileVisible } from './poll';
import { callApi, onSignOut } from './session';
import { toast } from './toasts';

export type SignIn = RouteResponse<'listSignIns'>['sign_ins'][number];
export type SignInStatus = SignIn['status'];
export type SignInApproval = RouteBody<'approveSignIn'>;
export type ApprovedSignIn = RouteResponse<'approveSignIn'>;
export type InviteRequest = RouteBody<'createInvite'>;
export type CreatedInvite = RouteResponse<'createInvite'>;

/** How often the page asks for new sign-ins while it is open and the tab is visible. */
export const SIGN_IN_POLL_MS = 3000;

export const SIGN_IN_STATUSES = ['pending', 'approved', 'denied', 'revoked'] as const satisfies readonly SignInStatus[];

export interface SignInList {
  items: SignIn[];
  status: LoadStatus;
  error: string | null;
}

export type SignInAction = 'approving' | 'denying' | 'revoking';

export interface SignInsData {
  lists: Record<SignInStatus, SignInList>;
  /** Sign-ins with a decision in flight, so their row can show it. */
  busy: Record<string, SignInAction>;
}

export interface SignInsActions {
  load: (status: SignInStatus) => Promise<void>;
  /** Loads the pending list now and every `intervalMs` while the tab is visible; returns the stop function. */
  startPolling: (intervalMs?: number) => () => void;
  /** Resolves to what the gateway made (user and key); rejects with its message (e.g. the code expired). */
  approve: (signIn: SignIn, approval: SignInApproval) => Promise<ApprovedSignIn>;
  /** False (and a toast) when the gateway refuses. */
  deny: (signIn: SignIn) => Promise<boolean>;
  /** Signs their Claude Code out and disables the key; false (and a toast) when the gateway refuses. */
  revoke: (signIn: SignIn) => Promise<boolean>;
  /** Resolves to the invite link, shown once; rejects with the gateway's message. */
  invite: (request: InviteRequest) => Promise<CreatedInvite>;
  reset: () => void;
}

export type SignInsState = SignInsData & SignInsActions;

const emptyList = (): SignInList => ({ items: [], status: 'idle', error: null });

export const initialSignInsState: SignInsData = {
  lists: { pending: emptyList(), approved: emptyList(), denied: emptyList(), revoked: emptyList() },
  busy: {},
};

function describe(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

/** Who a sign-in is for, in words: the name they entered, else their email, else the code. */
export function signInLabel(signIn: Pick<SignIn, 'name' | 'email' | 'user_code'>): string {
  return signIn.name ?? signIn.email ?? `code ${signIn.user_code}`;
}

/** Whether a pending sign-in's code has run out (approving it would be refused). */
export function isExpired(signIn: Pick<SignIn, 'expires_at'>, now = Date.now()): boolean {
  return Date.parse(signIn.expires_at) <= now;
}

function createSignInsActions(
  set: StoreApi<SignInsState>['setState'],
  get: StoreApi<SignInsState>['getState'],
): SignInsActions {
  // A list answer that left before a decision changed that list carries the world before it: drop it.
  const versions: Record<SignInStatus, number> = { pending: 0, approved: 0, denied: 0, revoked: 0 };

  const patchList = (status: SignInStatus, patch: Partial<SignInList>) =>
    set((state) => ({ lists: { ...state.lists, [status]: { ...state.lists[status], ...patch } } }));

  /** Moves a sign-in out of one list and to the top of another, as the gateway answered it. */
  const move = (from: SignInStatus, to: SignInStatus, answered: SignIn) => {
    versions[from]++;
    versions[to]++;
    set((state) => ({
      lists: {
        ...state.lists,
        [from]: { ...state.lists[from], items: state.lists[from].items.filter((item) => item.id !== answered.id) },
        [to]: {
          ...state.lists[to],
          items: [answered, ...state.lists[to].items.filter((item) => item.id !== answered.id)],
        },
      },
    }));
  };

  const setBusy = (id: string, action: SignInAction | null) =>
    set((state) => {
      const busy = { ...state.busy };
      if (action) busy[id] = action;
      else delete busy[id];
      return { busy };
    });

  return {
    load: async (status) => {
      const seen = versions[status];
      const list = get().lists[status];
      patchList(status, { status: list.status === 'ready' ? 'ready' : 'loading', error: null });
      try {
        const { sign_ins } = await callApi('listSignIns', { query: { status } });
        if (seen !== versions[status]) return;
        patchList(status, { items: sign_ins, status: 'ready', error: null });
      } catch (error) {
        if (seen !== versions[status]) return;
        // Keep the last known list on screen: one failed poll should not empty it.
        patchList(status, { status: 'error', error: describe(error) });
      }
    },

    startPolling: (intervalMs = SIGN_IN_POLL_MS) => pollWhileVisible(() => get().load('pending'), intervalMs),

    approve: async (signIn, approval) => {
      setBusy(signIn.id, 'approving');
      try {
        const approved = await callApi('approveSignIn', { params: { id: signIn.id }, body: approval });
        move('pending', 'approved', approved.sign_in);
        // The key and the user are new (or newly used): keep the lists other pages show in step, once loaded.
        const { virtual_key: key, user } = approved;
        if (useKeys.getState().status !== 'idle') {
          useKeys.setState((state) => ({ keys: [...state.keys.filter((item) => item.id !== key.id), key] }));
        }
        if (useOrganisation.getState().status !== 'idle') {
          useOrganisation.setState((state) => ({
            users: state.users.some((item) => item.id === user.id)
              ? state.users.map((item) => (item.id === user.id ? user : item))
              : [...state.users, user],
          }));
        }
        toast.success(`Approved ${user.name}: their Claude Code is signed in with the key “${key.name}”.`);
        return approved;
      } catch (error) {
        // Expired or decided elsewhere: the list should say so now, not at the next poll.
        void get().load('pending');
        throw error;
      } finally {
        setBusy(signIn.id, null);
      }
    },

    deny: async (signIn) => {
      setBusy(signIn.id, 'denying');
      try {
        const { sign_in } = await callApi('denySignIn', { params: { id: signIn.id } });
        move('pending', 'denied', sign_in);
        toast.success(`Denied the sign-in of ${signInLabel(signIn)}. Their Claude Code is told it was refused.`);
        return true;
      } catch (error) {
        toast.error(`Could not deny the sign-in of ${signInLabel(signIn)}: ${describe(error)}`);
        void get().load('pending');
        return false;
      } finally {
        setBusy(signIn.id, null);
      }
    },

    revoke: async (signIn) => {
      setBusy(signIn.id, 'revoking');
      try {
        const { sign_in } = await callApi('revokeSignIn', { params: { id: signIn.id } });
        move('approved', 'revoked', sign_in);
        // The gateway switched the sign-in's key off too.
        const keyId = sign_in.virtual_key_id ?? signIn.virtual_key_id;
        if (keyId) {
          useKeys.setState((state) => ({
            keys: state.keys.map((key) => (key.id === keyId ? { ...key, is_active: false } : key)),
          }));
        }
        toast.success(
          `Revoked the sign-in of ${signInLabel(signIn)}: their Claude Code is signed out and its key is disabled.`,
        );
        return true;
      } catch (error) {
        toast.error(`Could not revoke the sign-in of ${signInLabel(signIn)}: ${describe(error)}`);
        void get().load('approved');
        return false;
      } finally {
        setBusy(signIn.id, null);
      }
    },

    invite: (request) => callApi('createInvite', { body: request }),

    reset: () => {
      for (const status of SIGN_IN_STATUSES) versions[status]++;
      set(initialSignInsState);
    },
  };
}

export const useSignIns = create<SignInsState>()((set, get) => ({
  ...initialSignInsState,
  ...createSignInsActions(set, get),
}));
onSignOut(() => useSignIns.getState().reset());

export const signInsSelectors = {
  list: (status: SignInStatus) => (state: SignInsData) => state.lists[status],
  busy: (id: string) => (state: SignInsData) => state.busy[id] ?? null,
};
