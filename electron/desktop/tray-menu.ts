// The tray menu as plain data: a pure function of the gateway's status, the start-at-login switch and
// the platform, so every state is unit-tested in Node and the Electron side (shell/tray.ts) only renders it.
//
// The icon shows the one state that most needs the user, in this order:
//   error   the store cannot write (keys with a budget are refused, rows wait in memory), or the upstream
//           API is failing (UPSTREAM_FAILING consecutive failures): requests fail for everyone or many;
//   warning a budget is at 80 % or more: requests will soon be refused, or already are;
//   paused  the admin paused the gateway: a choice they made, so below the two surprises;
//   lan     shared on the LAN (listening): teammates depend on this machine staying up;
//   running all is well.
// Sign-ins waiting for the admin do not change the icon (their notification says so); the menu lists
// them as one entry that opens the dashboard's Sign-ins page.
import { STATUS_PENDING_SIGN_INS_MAX, type GatewayStatus } from '../../shared/schemas.js';
import { budgetLine, formatPercent, formatUsd, budgetOwner, signInPerson } from './format.js';

/** Consecutive upstream failures from which the upstream counts as failing (icon, menu, notification). */
export const UPSTREAM_FAILING = 3;

/** A dashboard page a tray entry or a notification click opens, as the dashboard's hash router names it. */
export type DashboardPage = 'sign-ins';

/** Where in the dashboard a tray entry or a notification click leads: a page, and what its query asks. */
export interface DashboardLink {
  page: DashboardPage;
  /** `{ approve: 'si_…' }`: the Sign-ins page opens that sign-in's approval panel. */
  params?: Readonly<Record<string, string>>;
}

/** The link as the dashboard's hash router reads it: `#/sign-ins`, `#/sign-ins?approve=si_…`. */
export function dashboardHash(link: DashboardLink): string {
  const query = new URLSearchParams(link.params).toString();
  return `#/${link.page}${query ? `?${query}` : ''}`;
}

/** Windows cuts tray tooltips at 127 characters. */
const TOOLTIP_MAX = 127;

export interface TrayState {
  status: GatewayStatus;
  startAtLogin: boolean;
  platform: NodeJS.Platform;
}

export type TrayIcon = 'running' | 'paused' | 'lan' | 'warning' | 'error';

export type TrayMenuItem =
  /** A line of information; rendered disabled. */
  | { type: 'label'; label: string }
  | { type: 'separator' }
  | { type: 'action'; label: string; action: 'open-dashboard' | 'pause' | 'resume' | 'quit' }
  | { type: 'action'; label: string; action: 'copy-lan-url'; url: string }
  | { type: 'action'; label: string; action: 'open-page'; link: DashboardLink }
  | { type: 'checkbox'; label: string; action: 'toggle-lan' | 'toggle-start-at-login'; checked: boolean };

/** Every action id a menu item can carry: the switches are checkboxes only, the rest plain entries. */
export type TrayAction = Extract<TrayMenuItem, { action: string }>['action'];

export interface TrayMenuModel {
  icon: TrayIcon;
  tooltip: string;
  /** Text beside the icon in the macOS menu bar, where the icon is a monochrome template image and cannot
   *  show state by colour; empty elsewhere and when all is well. */
  title: string;
  items: TrayMenuItem[];
}

export function trayMenu(state: TrayState): TrayMenuModel {
  const { status } = state;
  const icon = trayIcon(status);
  return {
    icon,
    tooltip: truncate(`Tollgate: ${stateSummary(status, icon)} · ${formatUsd(status.today.spend)} today`, TOOLTIP_MAX),
    title: state.platform === 'darwin' ? macTitle(status, icon) : '',
    items: [
      ...todayItems(status),
      { type: 'separator' },
      ...attentionItems(status),
      { type: 'action', label: 'Open dashboard', action: 'open-dashboard' },
      { type: 'separator' },
      ...lanItems(status),
      { type: 'separator' },
      ...pauseItems(status),
      ...startAtLoginItems(state),
      { type: 'separator' },
      { type: 'action', label: 'Quit Tollgate', action: 'quit' },
    ],
  };
}

export function trayIcon(status: GatewayStatus): TrayIcon {
  if (!status.store.writable || status.upstream.consecutive_failures >= UPSTREAM_FAILING) return 'error';
  if (status.budget_warnings.length > 0) return 'warning';
  if (status.paused) return 'paused';
  if (status.lan.listening) return 'lan';
  return 'running';
}

function stateSummary(status: GatewayStatus, icon: TrayIcon): string {
  switch (icon) {
    case 'error':
      // A store that cannot write is Tollgate's own trouble, and the fix (disk space) is on this machine.
      return !status.store.writable
        ? 'cannot write its store'
        : `Anthropic API failing (${status.upstream.consecutive_failures} in a row)`;
    case 'warning': {
      const [fullest] = status.budget_warnings;
      if (!fullest) return 'budget warning';
      const more = status.budget_warnings.length > 1 ? ` (+${status.budget_warnings.length - 1} more)` : '';
      const state = fullest.used_fraction >= 1 ? 'spent' : `at ${formatPercent(fullest.used_fraction)}`;
      return `${budgetOwner(fullest)} budget ${state}${more}`;
    }
    case 'paused':
      return 'paused';
    case 'lan':
      return 'running, shared on the LAN';
    case 'running':
      return 'running';
  }
}

function macTitle(status: GatewayStatus, icon: TrayIcon): string {
  switch (icon) {
    case 'error':
      return !status.store.writable ? 'Store error' : 'API failing';
    case 'warning': {
      const fullest = status.budget_warnings[0];
      return fullest && fullest.used_fraction >= 1
        ? 'Budget spent'
        : `Budget ${formatPercent(fullest?.used_fraction ?? 0.8)}`;
    }
    case 'paused':
      return 'Paused';
    case 'lan':
      return 'LAN';
    case 'running':
      return '';
  }
}

function todayItems(status: GatewayStatus): TrayMenuItem[] {
  const { today } = status;
  const requests = `${today.requests} request${today.requests === 1 ? '' : 's'}`;
  const spenders: TrayMenuItem[] = today.top_spenders
    .slice(0, 3)
    .map((spender, index) => ({ type: 'label', label: `${index + 1}. ${spender.name}: ${formatUsd(spender.spend)}` }));
  return [
    { type: 'label', label: `Today: ${formatUsd(today.spend)} · ${requests}` },
    ...(spenders.length > 0 ? spenders : [{ type: 'label' as const, label: 'No spend yet today' }]),
  ];
}

/** A store that cannot write, upstream trouble and full budgets, each a line above the dashboard entry,
 *  then the sign-ins waiting for the admin as an entry that opens the Sign-ins page; nothing when all is well. */
function attentionItems(status: GatewayStatus): TrayMenuItem[] {
  const items: TrayMenuItem[] = [];
  const { store, upstream } = status;
  if (!store.writable) {
    const error = store.error ? `: ${store.error}` : '';
    const held =
      store.pending === 0 ? '' : `; ${store.pending} ${store.pending === 1 ? 'row waits' : 'rows wait'} in memory`;
    items.push(
      { type: 'label', label: truncate(`Cannot write the store${error}`, 120) },
      { type: 'label', label: `Keys with a budget are refused${held}` },
    );
  }
  if (upstream.consecutive_failures >= UPSTREAM_FAILING) {
    const error = upstream.last_error ? `: ${upstream.last_error}` : '';
    items.push({
      type: 'label',
      label: truncate(`Anthropic API failing, ${upstream.consecutive_failures} in a row${error}`, 120),
    });
  }
  for (const warning of status.budget_warnings) items.push({ type: 'label', label: budgetLine(warning) });
  const signIns = signInsItem(status.pending_sign_ins);
  if (signIns) items.push(signIns);
  return items;
}

/** `1 sign-in waiting: Priya Raman`, `3 sign-ins waiting`; the status lists the newest few only, so a full list is `20+`. */
function signInsItem(pending: GatewayStatus['pending_sign_ins']): TrayMenuItem | null {
  const [only] = pending;
  if (!only) return null;
  const label =
    pending.length === 1
      ? `1 sign-in waiting: ${signInPerson(only)}`
      : `${pending.length}${pending.length >= STATUS_PENDING_SIGN_INS_MAX ? '+' : ''} sign-ins waiting`;
  return { type: 'action', label, action: 'open-page', link: { page: 'sign-ins' } };
}

function lanItems(status: GatewayStatus): TrayMenuItem[] {
  const { lan } = status;
  const items: TrayMenuItem[] = [
    { type: 'checkbox', label: 'Share on the LAN', action: 'toggle-lan', checked: lan.settings.enabled },
  ];
  if (!lan.settings.enabled) return items;
  if (lan.listening) {
    for (const url of lan.urls) items.push({ type: 'action', label: `Copy ${url}`, action: 'copy-lan-url', url });
  } else {
    items.push({ type: 'label', label: `Not shared: ${lan.error ?? 'not listening yet'}` });
  }
  if (!lan.settings.tls) {
    items.push({
      type: 'label',
      label: `⚠ ${lan.warning ?? 'TLS is off: LAN traffic, keys included, travels as plain HTTP'}`,
    });
  } else if (lan.warning) {
    items.push({ type: 'label', label: `⚠ ${lan.warning}` });
  }
  return items;
}

function pauseItems(status: GatewayStatus): TrayMenuItem[] {
  return status.paused
    ? [
        { type: 'label', label: 'Paused: requests are refused with 503' },
        { type: 'action', label: 'Resume gateway', action: 'resume' },
      ]
    : [{ type: 'action', label: 'Pause gateway', action: 'pause' }];
}

/** macOS, Windows and Linux (an XDG autostart entry) can start Tollgate at login; other platforms cannot. */
function startAtLoginItems(state: TrayState): TrayMenuItem[] {
  if (!['darwin', 'win32', 'linux'].includes(state.platform)) return [];
  const label = state.platform === 'darwin' ? 'Open at login' : 'Start at login';
  return [{ type: 'checkbox', label, action: 'toggle-start-at-login', checked: state.startAtLogin }];
}

function truncate(text: string, max: number): string {
  return text.length <= max ? text : `${text.slice(0, max - 1)}…`;
}
