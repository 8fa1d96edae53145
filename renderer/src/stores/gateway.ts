// The running gateway as the shell sees it: paused or not, whether its store takes writes, LAN sharing
// and its URLs, today's spend.
// The one home of GET /api/gateway/status, polled while the tab is visible; pausing, resuming and LAN
// changes land here too, so the banner, the header, the settings page and every snippet agree.
import { create, type StateCreator } from 'zustand';
import type { GatewayEndpoint } from '../../../shared/snippets';
import type { GatewayStatus, LanSettings, LanStatus } from '../../../shared/schemas';
import { optimistic, type Refusal } from './optimistic';
import { callApi, onSignOut } from './session';
import { toast } from './toasts';

type Load = 'idle' | 'loading' | 'ready' | 'error';
export type LanSettingName = keyof LanSettings;

/** How often the shell asks for the status while the tab is visible. */
export const STATUS_POLL_MS = 5000;

export interface GatewayState {
  status: GatewayStatus | null;
  load: Load;
  error: string | null;
  /** A pause or resume in flight. */
  switching: 'pausing' | 'resuming' | null;
  /** LAN settings with a change in flight. */
  lanPending: ReadonlySet<LanSettingName>;
  /** The last refused LAN change and why; cleared by the next change or dismissal. */
  lanFailure: Refusal<LanSettingName> | null;
}

export const initialGatewayState: GatewayState = {
  status: null,
  load: 'idle',
  error: null,
  switching: null,
  lanPending: new Set(),
  lanFailure: null,
};

interface GatewayActions {
  refresh: () => Promise<void>;
  /**
   * Refreshes now and every `intervalMs` while the document is visible; a hidden tab stops asking and
   * asks again the moment it is shown. Returns the function that stops it all.
   */
  startPolling: (intervalMs?: number) => () => void;
  pause: () => Promise<boolean>;
  resume: () => Promise<boolean>;
  /** Applies a LAN change now and sends it; on refusal the fields it touched come back. */
  updateLan: (change: Partial<LanSettings>) => Promise<boolean>;
  dismissLanFailure: () => void;
}

export type GatewayStore = GatewayState & GatewayActions;

const message = (error: unknown): string => (error instanceof Error ? error.message : String(error));

const createGatewaySlice: StateCreator<GatewayStore, [], [], GatewayActions> = (set, get) => {
  // A poll that started before a change was answered carries the world before the change: drop it.
  let changes = 0;
  const withLan = (lan: LanStatus): Partial<GatewayState> => {
    const status = get().status;
    return status ? { status: { ...status, lan } } : {};
  };

  const switchPause = async (paused: boolean): Promise<boolean> => {
    set({ switching: paused ? 'pausing' : 'resuming' });
    changes++;
    try {
      const status = await callApi(paused ? 'pauseGateway' : 'resumeGateway');
      set({ status, load: 'ready', error: null });
      toast.success(
        paused ? 'The gateway is paused. Requests get a 503 until you resume it.' : 'The gateway is running again.',
      );
      return true;
    } catch (error) {
      toast.error(`Could not ${paused ? 'pause' : 'resume'} the gateway: ${message(error)}`);
      return false;
    } finally {
      set({ switching: null });
    }
  };

  return {
    refresh: async () => {
      const seen = changes;
      if (!get().status) set({ load: 'loading' });
      try {
        const status = await callApi('getGatewayStatus');
        if (seen !== changes) return;
        set({ status, load: 'ready', error: null });
      } catch (error) {
        if (seen !== changes) return;
        // Keep the last known status on screen: one failed poll should not hide the paused banner.
        set({ load: 'error', error: message(error) });
      }
    },

    startPolling: (intervalMs = STATUS_POLL_MS) => {
      let timer: ReturnType<typeof setTimeout> | null = null;
      let stopped = false;
      const hidden = (): boolean => typeof document !== 'undefined' && document.visibilityState === 'hidden';
      const schedule = (): void => {
        // One timer at most: a refresh from the tab becoming visible can overlap one already running.
        if (timer !== null) clearTimeout(timer);
        timer = null;
        if (stopped || hidden()) return;
        timer = setTimeout(() => {
          timer = null;
          void get().refresh().finally(schedule);
        }, intervalMs);
      };
      const onVisibility = (): void => {
        if (timer !== null) clearTimeout(timer);
        timer = null;
        if (!hidden()) void get().refresh().finally(schedule);
      };
      document.addEventListener('visibilitychange', onVisibility);
      void get().refresh().finally(schedule);
      return () => {
        stopped = true;
        if (timer !== null) clearTimeout(timer);
        document.removeEventListener('visibilitychange', onVisibility);
      };
    },

    pause: () => switchPause(true),
    resume: () => switchPause(false),

    updateLan: async (change) => {
      const before = get().status?.lan;
      if (!before) return false;
      const withSettings = (settings: LanSettings): Partial<GatewayState> =>
        withLan({ ...(get().status?.lan ?? before), settings });
      return optimistic(change, {
        read: () => get().status?.lan.settings ?? null,
        pending: () => get().lanPending,
        send: () => callApi('updateLan', { body: change }),
        apply: (settings, { pending, failure }) => {
          changes++;
          set({ ...withSettings(settings), lanPending: pending, lanFailure: failure });
        },
        accept: (lan, _fields, { pending }) => {
          changes++;
          set({ ...withLan(lan), lanPending: pending });
        },
        refuse: (settings, { pending, failure }) => {
          changes++;
          set({ ...withSettings(settings), lanPending: pending, lanFailure: failure });
        },
      });
    },

    dismissLanFailure: () => set({ lanFailure: null }),
  };
};

export const useGateway = create<GatewayStore>()((...a) => ({
  ...initialGatewayState,
  ...createGatewaySlice(...a),
}));

onSignOut(() => useGateway.setState(initialGatewayState));

/** Where Claude Code can reach this gateway: this computer, and each LAN address when sharing is on. */
export interface Endpoints {
  local: GatewayEndpoint;
  /** Empty unless sharing is on and listening. */
  lan: GatewayEndpoint[];
  /**
   * The CA certificate at the address this dashboard already talks to: a browser downloads it from
   * there without having to trust the LAN certificate first. Null without TLS.
   */
  caDownloadUrl: string | null;
}

/**
 * The endpoints for a LAN status; `localUrl` is the loopback address, `dashboardUrl` the one this page
 * talks to. Pure, so snippets are tested without a store.
 */
export function endpointsFor(
  localUrl: string,
  lan: LanStatus | null | undefined,
  dashboardUrl: string = localUrl,
): Endpoints {
  const local: GatewayEndpoint = { baseUrl: localUrl.replace(/\/+$/, ''), caCertificateUrl: null, caFingerprint: null };
  if (!lan || !lan.settings.enabled || !lan.listening) return { local, lan: [], caDownloadUrl: null };
  return {
    local,
    caDownloadUrl: lan.ca_certificate_url
      ? new URL(lan.ca_certificate_url, `${dashboardUrl.replace(/\/+$/, '')}/`).toString()
      : null,
    lan: lan.urls.map((url) => {
      const baseUrl = url.replace(/\/+$/, '');
      return {
        baseUrl,
        // The certificate is served by the gateway itself, so a teammate fetches it from the same address.
        caCertificateUrl: lan.ca_certificate_url ? new URL(lan.ca_certificate_url, `${baseUrl}/`).toString() : null,
        caFingerprint: lan.ca_fingerprint_sha256,
      };
    }),
  };
}

export const gatewaySelectors = {
  paused: (state: GatewayState): boolean => state.status?.paused ?? false,
  /** The store's health while it cannot write; null while it can (or before the first status). */
  unwritableStore: (state: GatewayState): GatewayStatus['store'] | null =>
    state.status && !state.status.store.writable ? state.status.store : null,
  lan: (state: GatewayState): LanStatus | null => state.status?.lan ?? null,
  sharing: (state: GatewayState): boolean =>
    (state.status?.lan.settings.enabled ?? false) && (state.status?.lan.listening ?? false),
  isLanPending:
    (field: LanSettingName) =>
    (state: GatewayState): boolean =>
      state.lanPending.has(field),
  lanFailedField:
    (field: LanSettingName) =>
    (state: GatewayState): string | null =>
      state.lanFailure?.fields.includes(field) ? state.lanFailure.message : null,
};
