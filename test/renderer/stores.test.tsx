// @vitest-environment jsdom
// The zustand stores against a stand-in for the gateway's HTTP answers: optimistic changes show at
// once, and a refusal puts things back and tells the user why.
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { makeKey } from './pages-fixtures';
import { buildChart, initialOverviewState, OTHER_ID, useOverview } from '../../renderer/src/stores/overview';
import { initialKeysState, useKeys } from '../../renderer/src/stores/keys';
import {
  initialOrganisationState,
  keysSpend,
  organisationSelectors,
  teamSpend,
  useOrganisation,
  type Team,
} from '../../renderer/src/stores/organisation';
import { initialSessionState, useSession } from '../../renderer/src/stores/session';
import { useToasts } from '../../renderer/src/stores/toasts';

type Handler = (request: {
  url: URL;
  method: string;
  body: unknown;
  authorization: string | null;
}) => Response | Promise<Response>;

function json(body: unknown, status = 200): Response {
  return new Response(JSON.stringify(body), { status, headers: { 'content-type': 'application/json' } });
}

function refusal(status: number, message: string): Response {
  return json({ type: 'error', error: { type: 'invalid_request_error', message } }, status);
}

/** Answers fetch from a `METHOD /path` table; anything else is a 404 so a stray call shows up. */
function fakeGateway(routes: Record<string, Handler>) {
  const calls: { method: string; path: string; body: unknown }[] = [];
  const fetch = vi.fn(async (input: URL | string, init: RequestInit = {}) => {
    const url = new URL(String(input));
    const method = init.method ?? 'GET';
    const body: unknown = typeof init.body === 'string' ? JSON.parse(init.body) : undefined;
    calls.push({ method, path: url.pathname, body });
    const headers = new Headers(init.headers);
    const handler = routes[`${method} ${url.pathname}`];
    if (!handler) return refusal(404, `No stand-in for ${method} ${url.pathname}`);
    return handler({ url, method, body, authorization: headers.get('authorization') });
  });
  vi.stubGlobal('fetch', fetch);
  return { calls };
}

function deferred<T>() {
  let resolve!: (value: T) => void;
  const promise = new Promise<T>((done) => (resolve = done));
  return { promise, resolve };
}

function makeTeam(overrides: Partial<Team> = {}): Team {
  return {
    id: 'team-1',
    name: 'Platform',
    description: '',
    budgets: [],
    budget: null,
    created_at: '',
    updated_at: '',
    customer_id: null,
    ...overrides,
  };
}

const connection = { apiBase: 'http://127.0.0.1:4141', adminToken: 'admin-secret' };

beforeEach(() => {
  sessionStorage.clear();
  useSession.setState(initialSessionState);
  useKeys.setState(initialKeysState);
  useOrganisation.setState(initialOrganisationState);
  useOverview.setState(initialOverviewState);
  useToasts.setState({ toasts: [] });
});

afterEach(() => {
  vi.unstubAllGlobals();
});

describe('keys store', () => {
  it('shows a key as disabled before the gateway answers, then keeps the gateway’s version', async () => {
    useSession.getState().connect(connection);
    useKeys.setState({ keys: [makeKey()], status: 'ready' });
    const answer = deferred<Response>();
    fakeGateway({ 'PUT /api/governance/virtual-keys/vk-1': () => answer.promise });

    const saving = useKeys.getState().setActive('vk-1', false);
    expect(useKeys.getState().keys[0]?.is_active).toBe(false);
    expect(useKeys.getState().pending['vk-1']).toBe(true);

    answer.resolve(
      json({ message: 'updated', virtual_key: makeKey({ is_active: false, updated_at: '2025-02-02T00:00:00.000Z' }) }),
    );
    await expect(saving).resolves.toBe(true);
    expect(useKeys.getState().keys[0]).toMatchObject({ is_active: false, updated_at: '2025-02-02T00:00:00.000Z' });
    expect(useKeys.getState().pending['vk-1']).toBeUndefined();
  });

  it('rolls a refused edit back and tells the user what the gateway said', async () => {
    useSession.getState().connect(connection);
    useKeys.setState({ keys: [makeKey({ allowed_models: ['claude-sonnet-4-5'] })], status: 'ready' });
    fakeGateway({ 'PUT /api/governance/virtual-keys/vk-1': () => refusal(400, 'name is required') });

    const saved = await useKeys.getState().update('vk-1', { name: 'renamed', allowed_models: [] });

    expect(saved).toBe(false);
    expect(useKeys.getState().keys[0]).toMatchObject({ name: 'alice-laptop', allowed_models: ['claude-sonnet-4-5'] });
    const messages = useToasts.getState().toasts.map((toast) => `${toast.tone}: ${toast.message}`);
    expect(messages).toEqual([
      expect.stringMatching(/^danger: Could not save “alice-laptop”: name is required.*undone/),
    ]);
  });

  it('puts a key whose revocation failed back where it was in the list', async () => {
    useSession.getState().connect(connection);
    const keys = [makeKey({ id: 'a', name: 'a' }), makeKey({ id: 'b', name: 'b' }), makeKey({ id: 'c', name: 'c' })];
    useKeys.setState({ keys, status: 'ready' });
    const answer = deferred<Response>();
    fakeGateway({ 'DELETE /api/governance/virtual-keys/b': () => answer.promise });

    const revoking = useKeys.getState().revoke('b');
    expect(useKeys.getState().keys.map((key) => key.id)).toEqual(['a', 'c']);
    answer.resolve(refusal(503, 'The store is busy; try again.'));

    await expect(revoking).resolves.toBe(false);
    expect(useKeys.getState().keys.map((key) => key.id)).toEqual(['a', 'b', 'c']);
    expect(useToasts.getState().toasts[0]?.message).toContain('The store is busy; try again.');
  });

  it('returns a new key’s secret to the caller but keeps only its preview in the store', async () => {
    useSession.getState().connect(connection);
    useKeys.setState({ keys: [], status: 'ready' });
    const { calls } = fakeGateway({
      'POST /api/governance/virtual-keys': ({ body }) =>
        json(
          {
            message: 'created',
            virtual_key: { ...makeKey({ id: 'vk-9', name: 'ci-nightly' }), value: 'tg-secret-value' },
            echoed: body,
          },
          201,
        ),
    });

    const created = await useKeys
      .getState()
      .create({ name: 'ci-nightly', budgets: [{ max_limit: 5, reset_duration: '1d' }] });

    expect(created.value).toBe('tg-secret-value');
    expect(calls).toEqual([
      {
        method: 'POST',
        path: '/api/governance/virtual-keys',
        body: { name: 'ci-nightly', budgets: [{ max_limit: 5, reset_duration: '1d' }] },
      },
    ]);
    expect(useKeys.getState().keys.map((key) => key.name)).toEqual(['ci-nightly']);
    expect(JSON.stringify(useKeys.getState())).not.toContain('tg-secret-value');
  });

  it('keeps the old key and says the old secret still works when rotation fails', async () => {
    useSession.getState().connect(connection);
    useKeys.setState({ keys: [makeKey()], status: 'ready' });
    fakeGateway({ 'POST /api/governance/virtual-keys/vk-1/rotate': () => refusal(500, 'disk full') });

    await expect(useKeys.getState().rotate('vk-1')).resolves.toBeNull();
    expect(useKeys.getState().keys).toEqual([makeKey()]);
    expect(useToasts.getState().toasts[0]?.message).toMatch(/disk full.*old secret still works/);
  });
});

describe('organisation store', () => {
  it('renames a team at once and restores the old name when the gateway refuses', async () => {
    useSession.getState().connect(connection);
    useOrganisation.setState({ teams: [makeTeam()], status: 'ready' });
    const answer = deferred<Response>();
    fakeGateway({ 'PUT /api/governance/teams/team-1': () => answer.promise });

    const saving = useOrganisation.getState().update('team', 'team-1', { name: 'Platform & Infra' });
    expect(useOrganisation.getState().teams[0]?.name).toBe('Platform & Infra');
    answer.resolve(refusal(409, 'A team with that name exists.'));

    await expect(saving).resolves.toBe(false);
    expect(useOrganisation.getState().teams[0]?.name).toBe('Platform');
    expect(useToasts.getState().toasts[0]).toMatchObject({
      tone: 'danger',
      message: expect.stringContaining('A team with that name exists.') as unknown,
    });
  });

  it('files teams under their customer and collects the rest under a node without one', () => {
    useOrganisation.setState({
      customers: [
        { id: 'c1', name: 'Acme', description: '', budgets: [], budget: null, created_at: '', updated_at: '' },
      ],
      teams: [
        makeTeam({ id: 't1', name: 'Web', customer_id: 'c1' }),
        makeTeam({ id: 't2', name: 'Data', customer_id: null }),
      ],
      users: [
        {
          id: 'u1',
          name: 'Ana',
          description: '',
          budgets: [],
          budget: null,
          created_at: '',
          updated_at: '',
          email: null,
          team_id: 't1',
        },
        {
          id: 'u2',
          name: 'Bo',
          description: '',
          budgets: [],
          budget: null,
          created_at: '',
          updated_at: '',
          email: null,
          team_id: null,
        },
      ],
    });
    const tree = organisationSelectors.tree(useOrganisation.getState()).map((node) => ({
      customer: node.customer?.name ?? null,
      teams: node.teams.map((team) => ({ team: team.team?.name ?? null, users: team.users.map((user) => user.name) })),
    }));
    expect(tree).toEqual([
      { customer: 'Acme', teams: [{ team: 'Web', users: ['Ana'] }] },
      {
        customer: null,
        teams: [
          { team: 'Data', users: [] },
          { team: null, users: ['Bo'] },
        ],
      },
    ]);
  });
});

describe('organisation spend', () => {
  it('calls a key’s spend unknown, not zero, when the gateway folded it into its remainder', async () => {
    useSession.getState().connect(connection);
    fakeGateway({
      'GET /api/stats/spend': ({ url }) =>
        url.searchParams.get('group') === 'key'
          ? json({
              bucket: 'day',
              group: 'key',
              groups: [
                { id: 'vk-big', name: 'big', total: 90 },
                { id: '(other)', name: 'Other', total: 12 },
              ],
              points: [],
            })
          : json({
              bucket: 'day',
              group: 'team',
              groups: [{ id: 'team-1', name: 'Platform', total: 102 }],
              points: [],
            }),
    });

    await useOrganisation.getState().loadSpend();
    const { spend } = useOrganisation.getState();

    expect(keysSpend(spend, ['vk-big'])).toBe(90);
    expect(keysSpend(spend, ['vk-big', 'vk-small'])).toBeNull();
    expect(keysSpend(spend, [])).toBe(0);
    expect(teamSpend(spend, 'team-1')).toBe(102);
    expect(teamSpend(spend, 'team-without-traffic')).toBe(0);
  });
});

describe('session store', () => {
  it('keeps the admin token for the tab only after the gateway accepts it', async () => {
    fakeGateway({
      'GET /api/config': ({ authorization }) =>
        authorization === 'Bearer right-token'
          ? json({
              client_config: {
                enforce_auth_on_inference: true,
                capture_content: false,
                retention_days: 30,
                audit_retention_days: 365,
                budget_time_zone: 'UTC',
                sign_in_key_template: {},
                managed_settings_hint_headers: false,
                telemetry_forward_url: null,
              },
            })
          : refusal(401, 'The admin API needs Authorization: Bearer <admin token>.'),
    });

    await expect(useSession.getState().signIn('wrong-token')).resolves.toBe(false);
    expect(useSession.getState().signInError).toMatch(/not accepted/);
    expect(sessionStorage.getItem('tollgate.adminToken')).toBeNull();

    await expect(useSession.getState().signIn('  right-token ')).resolves.toBe(true);
    expect(sessionStorage.getItem('tollgate.adminToken')).toBe('right-token');
    expect(useSession.getState()).toMatchObject({
      status: 'ready',
      connection: { adminToken: 'right-token', apiBase: window.location.origin },
    });
  });

  it('signs the browser out and clears every store when the token stops working', async () => {
    sessionStorage.setItem('tollgate.adminToken', 'old-token');
    useSession.getState().connect({ apiBase: window.location.origin, adminToken: 'old-token' });
    useKeys.setState({ keys: [makeKey()], status: 'ready' });
    fakeGateway({
      'GET /api/governance/virtual-keys': () =>
        refusal(401, 'The admin API needs Authorization: Bearer <admin token>.'),
    });

    await useKeys.getState().load();

    expect(useSession.getState()).toMatchObject({
      status: 'signed-out',
      connection: null,
      notice: expect.stringMatching(/no longer accepts/) as unknown,
    });
    expect(sessionStorage.getItem('tollgate.adminToken')).toBeNull();
    expect(useKeys.getState().keys).toEqual([]);
  });
});

describe('overview store', () => {
  it('stacks the largest groups and folds the rest into “Other”', () => {
    const chart = buildChart(
      {
        bucket: 'day',
        group: 'model',
        groups: [
          { id: 'a', name: 'A', total: 10 },
          { id: 'b', name: 'B', total: 1 },
          { id: 'c', name: 'C', total: 5 },
          { id: 'd', name: 'D', total: 2 },
        ],
        points: [
          { start: '2025-01-01T00:00:00Z', values: { a: 4, b: 1, c: 5 } },
          { start: '2025-01-02T00:00:00Z', values: { a: 6, d: 2 } },
        ],
      },
      3,
    );
    expect(chart.series.map((series) => series.id)).toEqual(['a', 'c', OTHER_ID]);
    expect(chart.series[2]).toMatchObject({ name: 'Other (2)', total: 3 });
    expect(chart.columns.map((column) => column.values)).toEqual([
      [4, 5, 1],
      [6, 0, 2],
    ]);
    expect(chart.max).toBe(10);
  });

  it('draws the gateway’s own remainder as part of the grey “Other” stack', () => {
    const chart = buildChart({
      bucket: 'day',
      group: 'key',
      groups: [
        { id: 'a', name: 'A', total: 10 },
        { id: '(other)', name: 'Other', total: 4 },
      ],
      points: [{ start: '2025-01-01T00:00:00Z', values: { a: 10, '(other)': 4 } }],
    });
    expect(chart.series).toEqual([
      { id: 'a', name: 'A', total: 10 },
      { id: OTHER_ID, name: 'Other', total: 4 },
    ]);
    expect(chart.columns[0]?.values).toEqual([10, 4]);
  });

  it('shows the answer for the latest grouping even when an earlier one arrives last', async () => {
    useSession.getState().connect(connection);
    const answers: Record<string, ReturnType<typeof deferred<Response>>> = { team: deferred(), model: deferred() };
    fakeGateway({
      'GET /api/stats/spend': ({ url }) =>
        answers[url.searchParams.get('group') ?? '']?.promise ?? refusal(400, 'bad group'),
    });
    const series = (group: string) =>
      json({ bucket: 'day', group, groups: [{ id: group, name: group, total: 1 }], points: [] });

    const first = useOverview.getState().loadSeries();
    useOverview.getState().setGroup('model');
    answers.model?.resolve(series('model'));
    await vi.waitFor(() => expect(useOverview.getState().series?.group).toBe('model'));
    answers.team?.resolve(series('team'));
    await first;

    expect(useOverview.getState().series?.group).toBe('model');
  });
});
