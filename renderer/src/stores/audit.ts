// The audit trail: entries newest first with cursor paging, whether the hash chain verifies, and
// archiving what is past retention on request (settings' "Archive now").
import { create, type StateCreator } from 'zustand';
import type { RouteResponse } from '../../../shared/contract';
import { callApi, onSignOut, useSession } from './session';

export type AuditEntry = RouteResponse<'listAudit'>['entries'][number];
export type AuditVerification = RouteResponse<'verifyAudit'>;
/** Where the chain starts once retention has archived its oldest entries. */
export type AuditCheckpoint = NonNullable<AuditVerification['checkpoint']>;
/** What the last "Archive now" did, with the retention it applied (the saved setting when it was asked). */
export type AuditArchiveResult = RouteResponse<'archiveAudit'> & { older_than_days: number };

type Load = 'idle' | 'loading' | 'ready' | 'error';

export const AUDIT_PAGE_SIZE = 100;

export interface AuditState {
  entries: AuditEntry[];
  nextCursor: string | null;
  status: Load;
  loadingMore: boolean;
  error: string | null;
  verification: AuditVerification | null;
  verifyStatus: Load;
  verifyError: string | null;
  archiving: boolean;
  archiveResult: AuditArchiveResult | null;
  archiveError: string | null;
}

export const initialAuditState: AuditState = {
  entries: [],
  nextCursor: null,
  status: 'idle',
  loadingMore: false,
  error: null,
  verification: null,
  verifyStatus: 'idle',
  verifyError: null,
  archiving: false,
  archiveResult: null,
  archiveError: null,
};

interface AuditActions {
  load: () => Promise<void>;
  loadMore: () => Promise<void>;
  verify: () => Promise<void>;
  /** Archives the entries older than the saved audit retention, then reloads what this store has loaded. */
  archive: () => Promise<void>;
}

export type AuditStore = AuditState & AuditActions;

const message = (error: unknown): string => (error instanceof Error ? error.message : String(error));

const createTrailSlice: StateCreator<AuditStore, [], [], Pick<AuditActions, 'load' | 'loadMore'>> = (set, get) => ({
  load: async () => {
    set({ status: 'loading', error: null });
    try {
      const page = await callApi('listAudit', { query: { limit: AUDIT_PAGE_SIZE } });
      set({ entries: page.entries, nextCursor: page.next_cursor, status: 'ready' });
    } catch (error) {
      set({ status: 'error', error: message(error) });
    }
  },
  loadMore: async () => {
    const { nextCursor, loadingMore, status } = get();
    if (nextCursor === null || loadingMore || status !== 'ready') return;
    set({ loadingMore: true, error: null });
    try {
      const page = await callApi('listAudit', { query: { limit: AUDIT_PAGE_SIZE, cursor: Number(nextCursor) } });
      const seen = new Set(get().entries.map((entry) => entry.id));
      set({
        entries: [...get().entries, ...page.entries.filter((entry) => !seen.has(entry.id))],
        nextCursor: page.next_cursor,
        loadingMore: false,
      });
    } catch (error) {
      set({ loadingMore: false, error: message(error) });
    }
  },
});

const createVerificationSlice: StateCreator<AuditStore, [], [], Pick<AuditActions, 'verify'>> = (set) => ({
  verify: async () => {
    set({ verifyStatus: 'loading', verifyError: null });
    try {
      const verification = await callApi('verifyAudit');
      set({ verification, verifyStatus: 'ready' });
    } catch (error) {
      set({ verifyStatus: 'error', verifyError: message(error) });
    }
  },
});

const createArchiveSlice: StateCreator<AuditStore, [], [], Pick<AuditActions, 'archive'>> = (set, get) => ({
  archive: async () => {
    if (get().archiving) return;
    const olderThanDays = useSession.getState().config?.audit_retention_days ?? 0;
    set({ archiving: true, archiveResult: null, archiveError: null });
    try {
      // No older_than_days: the gateway applies its saved setting, the one the settings page shows.
      const result = await callApi('archiveAudit', { body: {} });
      set({ archiving: false, archiveResult: { ...result, older_than_days: olderThanDays } });
    } catch (error) {
      set({ archiving: false, archiveError: message(error) });
      return;
    }
    // The trail lost its oldest entries and gained an audit.archived one; the chain now starts at a checkpoint.
    const { status, verifyStatus } = get();
    await Promise.all([status !== 'idle' && get().load(), verifyStatus !== 'idle' && get().verify()]);
  },
});

export const useAudit = create<AuditStore>()((...a) => ({
  ...initialAuditState,
  ...createTrailSlice(...a),
  ...createVerificationSlice(...a),
  ...createArchiveSlice(...a),
}));

onSignOut(() => useAudit.setState(initialAuditState));

export const auditSelectors = {
  /** The entry the chain breaks at, when it is loaded. */
  brokenEntry: (state: AuditState): AuditEntry | null => {
    const verification = state.verification;
    if (!verification || verification.ok) return null;
    return state.entries.find((entry) => entry.id === verification.broken_at) ?? null;
  },
};
