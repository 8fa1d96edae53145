// The tray menu model, a pure function of the gateway status: the icon's priority (error > warning >
// paused > LAN > running), today's spend and top spenders, a store that cannot write, budget warnings
// (100 % said as spent), the
// LAN entries (addresses to copy, errors, the TLS-off warning), pause and resume, start at login per
// platform, the tooltip and the macOS title, the sign-ins waiting for the admin (an entry opening the
// Sign-ins page); and the XDG autostart entry behind start at login on Linux.
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { STATUS_PENDING_SIGN_INS_MAX, type GatewayStatus } from '../../shared/schemas.js';
import {
  dashboardHash,
  trayMenu,
  type TrayMenuItem,
  type TrayMenuModel,
  type TrayState,
} from '../../electron/desktop/tray-menu.js';
import { formatUsd } from '../../electron/desktop/format.js';
import { execLine, xdgAutostart } from '../../electron/desktop/autostart.js';

type Warning = GatewayStatus['budget_warnings'][number];
type Overrides = Partial<Omit<GatewayStatus, 'lan' | 'today' | 'store' | 'upstream'>> & {
  lan?: Partial<Omit<GatewayStatus['lan'], 'settings'>> & { settings?: Partial<GatewayStatus['lan']['settings']> };
  today?: Partial<GatewayStatus['today']>;
  store?: Partial<GatewayStatus['store']>;
  upstream?: Partial<GatewayStatus['upstream']>;
};

function status(overrides: Overrides = {}): GatewayStatus {
  const { lan, today, store, upstream, ...rest } = overrides;
  return {
    paused: false,
    paused_at: null,
    local_url: 'http://127.0.0.1:8787',
    budget_warnings: [],
    pending_sign_ins: [],
    ...rest,
    lan: {
      listening: false,
      urls: [],
      available_addresses: ['192.168.1.20'],
      ca_certificate_url: null,
      ca_certificate_path: null,
      ca_fingerprint_sha256: null,
      server_fingerprint_sha256: null,
      server_certificate_covers: [],
      sign_ins_pinned_to_old_certificate: 0,
      error: null,
      warning: null,
      ...lan,
      settings: { enabled: false, tls: true, remote_admin: false, address: null, port: null, ...lan?.settings },
    },
    today: { time_zone: 'UTC', spend: 0, requests: 0, top_spenders: [], ...today },
    store: { writable: true, error: null, since: null, pending: 0, ...store },
    upstream: { consecutive_failures: 0, last_error: null, last_error_at: null, ...upstream },
  };
}

function state(overrides: Overrides = {}, extra: Partial<Omit<TrayState, 'status'>> = {}): TrayState {
  return { status: status(overrides), startAtLogin: false, platform: 'linux', ...extra };
}

function warning(fields: Partial<Warning> = {}): Warning {
  return {
    budget_id: 'budget-1',
    level: 'team',
    owner_name: 'Platform',
    used_fraction: 0.85,
    current_usage: 8.5,
    max_limit: 10,
    period_start: '2026-01-01T00:00:00.000Z',
    ...fields,
  };
}

const SHARED = { settings: { enabled: true }, listening: true, urls: ['https://192.168.1.20:8787'] };

const labels = (model: TrayMenuModel): string[] =>
  model.items.flatMap((item) => (item.type === 'label' ? [item.label] : []));
const actions = (model: TrayMenuModel): string[] =>
  model.items.flatMap((item) => (item.type === 'action' || item.type === 'checkbox' ? [item.action] : []));
const item = (model: TrayMenuModel, action: string): TrayMenuItem | undefined =>
  model.items.find((entry) => (entry.type === 'action' || entry.type === 'checkbox') && entry.action === action);

describe('the tray icon', () => {
  it('shows running when nothing needs attention', () => {
    expect(trayMenu(state()).icon).toBe('running');
  });

  it('shows LAN sharing when the gateway listens on the LAN', () => {
    expect(trayMenu(state({ lan: SHARED })).icon).toBe('lan');
  });

  it('does not show LAN sharing while sharing is switched on but not listening', () => {
    expect(
      trayMenu(state({ lan: { settings: { enabled: true }, listening: false, error: 'address in use' } })).icon,
    ).toBe('running');
  });

  it('shows paused over LAN sharing', () => {
    expect(trayMenu(state({ paused: true, lan: SHARED })).icon).toBe('paused');
  });

  it('shows a warning over paused when a budget is at 80 % or more', () => {
    expect(trayMenu(state({ paused: true, lan: SHARED, budget_warnings: [warning()] })).icon).toBe('warning');
  });

  it('shows an error over everything once the upstream failed three times in a row', () => {
    const failing = {
      consecutive_failures: 3,
      last_error: '529 overloaded_error',
      last_error_at: '2026-01-15T10:00:00Z',
    };
    expect(trayMenu(state({ paused: true, lan: SHARED, budget_warnings: [warning()], upstream: failing })).icon).toBe(
      'error',
    );
  });

  it('shows an error over everything while the store cannot write', () => {
    expect(
      trayMenu(state({ paused: true, lan: SHARED, budget_warnings: [warning()], store: { writable: false } })).icon,
    ).toBe('error');
  });

  it('does not show an error for two upstream failures in a row', () => {
    expect(trayMenu(state({ upstream: { consecutive_failures: 2 } })).icon).toBe('running');
  });
});

describe("today's spend", () => {
  it('shows the spend and the request count, and says when nobody has spent anything', () => {
    const model = trayMenu(state());
    expect(labels(model)).toEqual(expect.arrayContaining(['Today: $0.00 · 0 requests', 'No spend yet today']));
  });

  it('lists the three biggest spenders in the order given, with money as the dashboard shows it', () => {
    const model = trayMenu(
      state({
        today: {
          spend: 1234.5,
          requests: 1,
          top_spenders: [
            { virtual_key_id: 'k1', name: 'alice laptop', spend: 1200 },
            { virtual_key_id: 'k2', name: 'ci', spend: 34.5 },
            { virtual_key_id: 'k3', name: 'bob', spend: 0.001 },
            { virtual_key_id: 'k4', name: 'a fourth', spend: 0.0001 },
          ],
        },
      }),
    );
    expect(labels(model).slice(0, 4)).toEqual([
      'Today: $1,234.50 · 1 request',
      '1. alice laptop: $1,200.00',
      '2. ci: $34.50',
      '3. bob: <$0.01',
    ]);
    expect(labels(model).join('\n')).not.toContain('a fourth');
  });

  it('formats amounts under a cent as <$0.01 and zero as $0.00', () => {
    expect([formatUsd(0), formatUsd(0.004), formatUsd(0.005), formatUsd(12.345)]).toEqual([
      '$0.00',
      '<$0.01',
      '$0.01',
      '$12.35',
    ]);
  });
});

describe('budget warnings', () => {
  it('lists each budget at 80 % or more with its share, owner and figures', () => {
    const model = trayMenu(state({ budget_warnings: [warning({ used_fraction: 0.999, current_usage: 9.99 })] }));
    expect(labels(model)).toContain('Budget at 99%: team "Platform" ($9.99 of $10.00)');
  });

  it('says a budget at 100 % or more is spent', () => {
    const model = trayMenu(
      state({
        budget_warnings: [
          warning({
            budget_id: 'b2',
            level: 'virtual key',
            owner_name: 'ci',
            used_fraction: 1.02,
            current_usage: 10.2,
          }),
          warning(),
        ],
      }),
    );
    expect(labels(model)).toEqual(
      expect.arrayContaining([
        'Budget spent: virtual key "ci" ($10.20 of $10.00)',
        'Budget at 85%: team "Platform" ($8.50 of $10.00)',
      ]),
    );
  });

  it('shows figures to a tenth of a cent when cents would make a 90 % budget read as spent', () => {
    const model = trayMenu(
      state({ budget_warnings: [warning({ used_fraction: 0.9, current_usage: 0.036, max_limit: 0.04 })] }),
    );
    expect(labels(model)).toContain('Budget at 90%: team "Platform" ($0.036 of $0.04)');
  });

  it('adds no warning lines when every budget is under 80 %', () => {
    expect(labels(trayMenu(state())).filter((label) => label.startsWith('Budget'))).toEqual([]);
  });
});

describe('upstream failures', () => {
  it('shows the failure count and the last error when the upstream is failing', () => {
    const model = trayMenu(state({ upstream: { consecutive_failures: 4, last_error: '529 overloaded_error' } }));
    expect(labels(model)).toContain('Anthropic API failing, 4 in a row: 529 overloaded_error');
  });
});

describe('the store cannot write', () => {
  const FULL = { writable: false, error: 'SQLITE_FULL: database or disk is full', pending: 12 };

  it('says so above the dashboard entry, with the error, the refusals and the rows held', () => {
    const { items } = trayMenu(state({ store: FULL }));
    const dashboard = items.findIndex((entry) => entry.type === 'action' && entry.action === 'open-dashboard');
    expect(items.slice(dashboard - 2, dashboard)).toEqual([
      { type: 'label', label: 'Cannot write the store: SQLITE_FULL: database or disk is full' },
      { type: 'label', label: 'Keys with a budget are refused; 12 rows wait in memory' },
    ]);
  });

  it('says it in the tooltip and beside the macOS icon, before an upstream outage', () => {
    const failing = { store: FULL, upstream: { consecutive_failures: 5 } };
    expect(trayMenu(state(failing)).tooltip).toBe('Tollgate: cannot write its store · $0.00 today');
    expect(trayMenu(state(failing, { platform: 'darwin' })).title).toBe('Store error');
    expect(labels(trayMenu(state(failing)))).toContain('Anthropic API failing, 5 in a row');
  });

  it('leaves out the rows held when there are none, and says the store failed when it gives no error', () => {
    expect(labels(trayMenu(state({ store: { writable: false, pending: 0 } })))).toEqual(
      expect.arrayContaining(['Cannot write the store', 'Keys with a budget are refused']),
    );
    expect(labels(trayMenu(state({ store: { writable: false, pending: 1 } })))).toContain(
      'Keys with a budget are refused; 1 row waits in memory',
    );
  });

  it('adds no store lines while the store takes writes', () => {
    expect(labels(trayMenu(state())).filter((label) => label.includes('store'))).toEqual([]);
  });
});

describe('sign-ins waiting for the admin', () => {
  const pending = (count: number): GatewayStatus['pending_sign_ins'] =>
    Array.from({ length: count }, (_, i) => ({
      id: `si_${i}`,
      name: i === 0 ? 'Priya Raman' : `Teammate ${i}`,
      email: `t${i}@example.com`,
      user_code: 'WDJB-MJHT',
      created_at: '2026-01-15T10:00:00.000Z',
      expires_at: '2026-01-15T10:15:00.000Z',
    }));

  it('names the one teammate waiting, in an entry just above the dashboard that opens the Sign-ins page', () => {
    const { items } = trayMenu(state({ pending_sign_ins: pending(1), budget_warnings: [warning()] }));
    const dashboard = items.findIndex((entry) => entry.type === 'action' && entry.action === 'open-dashboard');
    expect(items[dashboard - 1]).toEqual({
      type: 'action',
      label: '1 sign-in waiting: Priya Raman',
      action: 'open-page',
      link: { page: 'sign-ins' },
    });
  });

  it('counts several, and says a full list may hold more', () => {
    expect(item(trayMenu(state({ pending_sign_ins: pending(3) })), 'open-page')).toMatchObject({
      label: '3 sign-ins waiting',
      link: { page: 'sign-ins' },
    });
    expect(
      item(trayMenu(state({ pending_sign_ins: pending(STATUS_PENDING_SIGN_INS_MAX) })), 'open-page'),
    ).toMatchObject({ label: `${STATUS_PENDING_SIGN_INS_MAX}+ sign-ins waiting` });
  });

  it('links to the dashboard as its hash router reads it', () => {
    expect(dashboardHash({ page: 'sign-ins' })).toBe('#/sign-ins');
    expect(dashboardHash({ page: 'sign-ins', params: { approve: 'si_a-b_C' } })).toBe('#/sign-ins?approve=si_a-b_C');
  });

  it('adds nothing when nobody waits, and leaves the icon alone when someone does', () => {
    expect(item(trayMenu(state()), 'open-page')).toBeUndefined();
    expect(trayMenu(state({ pending_sign_ins: pending(2) })).icon).toBe('running');
  });
});

describe('actions', () => {
  it('offers open dashboard, LAN sharing, pause, start at login and quit, in that order', () => {
    expect(actions(trayMenu(state()))).toEqual([
      'open-dashboard',
      'toggle-lan',
      'pause',
      'toggle-start-at-login',
      'quit',
    ]);
  });

  it('offers resume instead of pause while paused, and says requests get a 503', () => {
    const model = trayMenu(state({ paused: true }));
    expect(actions(model)).toContain('resume');
    expect(actions(model)).not.toContain('pause');
    expect(labels(model)).toContain('Paused: requests are refused with 503');
  });

  it('separates the groups with separators and never starts or ends with one', () => {
    const { items } = trayMenu(state({ lan: SHARED, budget_warnings: [warning()] }));
    expect(items[0]?.type).not.toBe('separator');
    expect(items.at(-1)?.type).not.toBe('separator');
    expect(items.filter((entry) => entry.type === 'separator')).toHaveLength(4);
  });
});

describe('LAN sharing', () => {
  it('shows sharing unchecked and no address while it is off', () => {
    const model = trayMenu(state());
    expect(item(model, 'toggle-lan')).toEqual({
      type: 'checkbox',
      label: 'Share on the LAN',
      action: 'toggle-lan',
      checked: false,
    });
    expect(actions(model)).not.toContain('copy-lan-url');
  });

  it('shows sharing checked with each LAN address to copy while it listens', () => {
    const model = trayMenu(state({ lan: { ...SHARED, urls: ['https://192.168.1.20:8787', 'https://10.0.0.5:8787'] } }));
    expect(item(model, 'toggle-lan')).toMatchObject({ checked: true });
    expect(model.items.filter((entry) => entry.type === 'action' && entry.action === 'copy-lan-url')).toEqual([
      {
        type: 'action',
        label: 'Copy https://192.168.1.20:8787',
        action: 'copy-lan-url',
        url: 'https://192.168.1.20:8787',
      },
      { type: 'action', label: 'Copy https://10.0.0.5:8787', action: 'copy-lan-url', url: 'https://10.0.0.5:8787' },
    ]);
  });

  it('says why sharing is not listening when it is on but failed', () => {
    const model = trayMenu(
      state({ lan: { settings: { enabled: true }, listening: false, error: 'address 192.168.1.20 is gone' } }),
    );
    expect(labels(model)).toContain('Not shared: address 192.168.1.20 is gone');
  });

  it('warns that LAN traffic is plain HTTP when TLS is off', () => {
    const model = trayMenu(
      state({ lan: { ...SHARED, settings: { enabled: true, tls: false }, urls: ['http://192.168.1.20:8787'] } }),
    );
    expect(labels(model)).toContain('⚠ TLS is off: LAN traffic, keys included, travels as plain HTTP');
  });

  it("shows the gateway's own LAN warning when it gives one", () => {
    const model = trayMenu(
      state({
        lan: { ...SHARED, settings: { enabled: true, tls: false }, warning: 'Plain HTTP on the LAN: keys can be read' },
      }),
    );
    expect(labels(model)).toContain('⚠ Plain HTTP on the LAN: keys can be read');
  });

  it('shows no TLS warning while TLS is on', () => {
    expect(labels(trayMenu(state({ lan: SHARED }))).some((label) => label.startsWith('⚠'))).toBe(false);
  });
});

describe('start at login', () => {
  it('is a checkbox reflecting the login item on Linux and Windows', () => {
    for (const platform of ['linux', 'win32'] as const) {
      expect(item(trayMenu(state({}, { platform, startAtLogin: true })), 'toggle-start-at-login')).toEqual({
        type: 'checkbox',
        label: 'Start at login',
        action: 'toggle-start-at-login',
        checked: true,
      });
    }
  });

  it("uses macOS's wording, Open at login", () => {
    expect(item(trayMenu(state({}, { platform: 'darwin' })), 'toggle-start-at-login')).toMatchObject({
      label: 'Open at login',
      checked: false,
    });
  });

  it('is left out where Tollgate cannot start at login', () => {
    expect(actions(trayMenu(state({}, { platform: 'freebsd' })))).not.toContain('toggle-start-at-login');
  });
});

describe('tooltip and macOS title', () => {
  it("says the state and today's spend in the tooltip", () => {
    expect(trayMenu(state({ today: { spend: 12.345 } })).tooltip).toBe('Tollgate: running · $12.35 today');
    expect(trayMenu(state({ paused: true })).tooltip).toBe('Tollgate: paused · $0.00 today');
    expect(trayMenu(state({ lan: SHARED })).tooltip).toBe('Tollgate: running, shared on the LAN · $0.00 today');
    expect(trayMenu(state({ upstream: { consecutive_failures: 5 } })).tooltip).toBe(
      'Tollgate: Anthropic API failing (5 in a row) · $0.00 today',
    );
  });

  it('names the fullest budget in the tooltip, and how many more there are', () => {
    const model = trayMenu(
      state({ budget_warnings: [warning({ used_fraction: 1, current_usage: 10 }), warning({ budget_id: 'b2' })] }),
    );
    expect(model.tooltip).toBe('Tollgate: team "Platform" budget spent (+1 more) · $0.00 today');
  });

  it('keeps the tooltip within the 127 characters Windows shows', () => {
    const model = trayMenu(state({ budget_warnings: [warning({ owner_name: 'x'.repeat(200) })] }));
    expect(model.tooltip.length).toBeLessThanOrEqual(127);
    expect(model.tooltip.endsWith('…')).toBe(true);
  });

  it('shows state beside the monochrome macOS icon, and nothing when all is well', () => {
    const mac = (overrides: Overrides): string => trayMenu(state(overrides, { platform: 'darwin' })).title;
    expect(mac({})).toBe('');
    expect(mac({ paused: true })).toBe('Paused');
    expect(mac({ lan: SHARED })).toBe('LAN');
    expect(mac({ budget_warnings: [warning()] })).toBe('Budget 85%');
    expect(mac({ budget_warnings: [warning({ used_fraction: 1.5 })] })).toBe('Budget spent');
    expect(mac({ upstream: { consecutive_failures: 3 } })).toBe('API failing');
  });

  it('has no title on other platforms, where the icon shows state by colour', () => {
    expect(trayMenu(state({ paused: true })).title).toBe('');
  });
});

describe('start at login on Linux (an XDG autostart entry)', () => {
  let configHome: string | null = null;
  afterEach(() => {
    if (configHome) rmSync(configHome, { recursive: true, force: true });
    configHome = null;
  });

  function autostart(command = ['/opt/Tollgate/tollgate', '--hidden']) {
    configHome = mkdtempSync(join(tmpdir(), 'tollgate-autostart-'));
    const file = join(configHome, 'autostart', 'tollgate.desktop');
    return { item: xdgAutostart({ name: 'tollgate', displayName: 'Tollgate', command, configHome }), file };
  }

  it('is off until switched on, then writes an entry that starts Tollgate hidden', () => {
    const { item, file } = autostart();
    expect(item.get()).toBe(false);
    item.set(true);
    expect(item.get()).toBe(true);
    expect(readFileSync(file, 'utf8')).toBe(
      [
        '[Desktop Entry]',
        'Type=Application',
        'Name=Tollgate',
        'Exec=/opt/Tollgate/tollgate --hidden',
        'Terminal=false',
        'X-GNOME-Autostart-enabled=true',
        '',
      ].join('\n'),
    );
  });

  it('removes the entry when switched off', () => {
    const { item, file } = autostart();
    item.set(true);
    item.set(false);
    expect(existsSync(file)).toBe(false);
    expect(item.get()).toBe(false);
    item.set(false); // already off: nothing to remove, no error
  });

  it('reads an entry the desktop switched off as off', () => {
    const { item, file } = autostart();
    item.set(true);
    writeFileSync(
      file,
      readFileSync(file, 'utf8').replace('X-GNOME-Autostart-enabled=true', 'X-GNOME-Autostart-enabled=false'),
    );
    expect(item.get()).toBe(false);
    writeFileSync(file, '[Desktop Entry]\nType=Application\nHidden=true\n');
    expect(item.get()).toBe(false);
  });

  it('quotes program paths with spaces and escapes what the Exec key reserves', () => {
    expect(execLine(['/home/ann/My Apps/Tollgate.AppImage', '--hidden'])).toBe(
      '"/home/ann/My Apps/Tollgate.AppImage" --hidden',
    );
    // Exec escapes `$` and `"` with a backslash; the file's own escaping then doubles that backslash.
    expect(execLine(['/tmp/100%/a$b"c'])).toBe('"/tmp/100%%/a\\\\$b\\\\"c"');
    // A literal backslash takes four, as the desktop entry specification says.
    expect(execLine(['/tmp/back\\slash'])).toBe('"/tmp/back\\\\\\\\slash"');
  });
});
