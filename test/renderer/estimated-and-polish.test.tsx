// @vitest-environment jsdom
// Requests priced by family (the log's `estimated` filter and the models page's count of them), and
// the logs page's reading aids: a reload on every visit, an honest status line, short model names
// beside the detail panel, code-like text kept in columns, and names for audit targets.
import { cleanup, fireEvent, render, screen, waitFor, within } from '@testing-library/react';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { looksLikeCode } from '../../renderer/src/pages/logs/Conversation';
import { shortModel } from '../../renderer/src/pages/logs/format';
import LogsPage from '../../renderer/src/pages/logs/index';
import ModelsPage from '../../renderer/src/pages/models/index';
import { targetName } from '../../renderer/src/pages/audit/diff';
import { initialLogsState, toLogQuery, useLogs, type LogRow } from '../../renderer/src/stores/logs';
import { countByModel, initialPricingState, usePricing } from '../../renderer/src/stores/pricing';
import { useSession } from '../../renderer/src/stores/session';
import {
  CONNECTION,
  giveElementsASize,
  logRow,
  rowsDescending,
  standInApi,
  unnamedControls,
  type RecordedCall,
} from './pages-fixtures';

const listCalls = (calls: RecordedCall[]): RecordedCall[] =>
  calls.filter((call) => call.method === 'GET' && call.path === '/api/logs');

function page(rows: LogRow[], hasMore = false) {
  return { body: { logs: rows, next_cursor: hasMore ? '1.1' : null, has_more: hasMore } };
}

const lookups = {
  'GET /api/governance/virtual-keys': () => ({ body: { virtual_keys: [], count: 0 } }),
  'GET /api/governance/teams': () => ({ body: { teams: [], count: 0 } }),
  'GET /api/governance/users': () => ({ body: { users: [], count: 0 } }),
  'GET /api/pricing': () => ({ body: { table_version: 't', models: [] } }),
};

let restoreFetch: () => void = () => undefined;
let restoreLayout: () => void = () => undefined;

beforeEach(() => {
  useLogs.setState(initialLogsState);
  usePricing.setState(initialPricingState);
  useSession.getState().connect(CONNECTION);
  window.location.hash = '#/logs';
  restoreLayout = giveElementsASize();
});

afterEach(() => {
  cleanup();
  restoreFetch();
  restoreLayout();
});

describe('the estimated filter', () => {
  it('turns the address’s estimated=true into a boolean query and drops values it does not know', () => {
    expect(toLogQuery({ estimated: 'true' }, 0).estimated).toBe(true);
    expect(toLogQuery({ estimated: 'false' }, 0).estimated).toBe(false);
    expect(toLogQuery({ estimated: 'maybe' }, 0)).not.toHaveProperty('estimated');
  });

  it('asks the API for estimated rows and shows the filter as a chip that removes it', async () => {
    window.location.hash = '#/logs?estimated=true&model=claude-opus-9-9';
    const api = standInApi({ 'GET /api/logs': () => page([logRow(1, { cost_estimated: true })]), ...lookups });
    restoreFetch = api.restore;
    render(<LogsPage />);

    await screen.findByRole('table', { name: 'Requests' });
    expect(listCalls(api.calls)[0]?.query.get('estimated')).toBe('true');
    expect(listCalls(api.calls)[0]?.query.get('model')).toBe('claude-opus-9-9');
    expect(screen.getByText('Priced by family')).toBeTruthy();
    expect(unnamedControls()).toEqual([]);

    fireEvent.click(screen.getByRole('button', { name: 'Remove the filter: priced by family' }));

    expect(window.location.hash).toBe('#/logs?model=claude-opus-9-9');
    await waitFor(() => expect(listCalls(api.calls)).toHaveLength(2));
    expect(listCalls(api.calls)[1]?.query.get('estimated')).toBeNull();
  });
});

describe('the models page’s estimated requests', () => {
  function modelsApi(rows: LogRow[], hasMore: boolean) {
    return standInApi({
      'GET /api/pricing': () => ({ body: { table_version: 't', models: [] } }),
      'GET /api/stats/spend': () => ({ body: { bucket: 'day', group: 'model', buckets: [], groups: [] } }),
      'GET /api/logs': () => page(rows, hasMore),
    });
  }

  it('counts the last 30 days’ estimated requests per model and links each to them in the log', async () => {
    const rows = [
      logRow(3, { model: 'claude-opus-9-9', cost_estimated: true }),
      logRow(2, { model: 'claude-opus-9-9', cost_estimated: true }),
      logRow(1, { model: 'claude-fable-9', cost_estimated: true }),
    ];
    const api = modelsApi(rows, false);
    restoreFetch = api.restore;
    render(<ModelsPage />);

    const section = await screen.findByRole('region', { name: 'Priced by family, last 30 days' });
    const call = listCalls(api.calls)[0];
    expect(call?.query.get('estimated')).toBe('true');
    expect(Number(call?.query.get('start'))).toBeGreaterThan(Date.now() - 31 * 86_400_000);
    const opus = within(section).getByRole('link', { name: /2 estimated requests for claude-opus-9-9/ });
    const href = new URL(`http://x/${(opus.getAttribute('href') ?? '').replace(/^#\/logs/, '')}`).searchParams;
    expect(href.get('estimated')).toBe('true');
    expect(href.get('model')).toBe('claude-opus-9-9');
    expect(opus.getAttribute('href')).toMatch(/^#\/logs\?/);
    expect(within(section).getByRole('link', { name: /1 estimated request for claude-fable-9/ })).toBeTruthy();
    expect(within(section).getByText(/^3 requests named a model/)).toBeTruthy();
  });

  it('says the count is a lower bound when more estimated rows exist than it read', async () => {
    const api = modelsApi(rowsDescending(1000, 1, { model: 'claude-opus-9-9', cost_estimated: true }), true);
    restoreFetch = api.restore;
    render(<ModelsPage />);

    const section = await screen.findByRole('region', { name: 'Priced by family, last 30 days' });
    expect(within(section).getByText(/1,000\+ requests named a model/)).toBeTruthy();
  });

  it('groups rows by model, most requests first', () => {
    expect(countByModel([{ model: 'b' }, { model: 'a' }, { model: 'b' }, { model: null }])).toEqual([
      { model: 'b', requests: 2 },
      { model: 'a', requests: 1 },
      { model: 'unknown', requests: 1 },
    ]);
  });
});

describe('the logs page on a second visit', () => {
  it('asks the API again for an unchanged filter instead of showing the rows of the last visit', async () => {
    let answer = [logRow(1)];
    const api = standInApi({ 'GET /api/logs': () => page(answer), ...lookups });
    restoreFetch = api.restore;
    const first = render(<LogsPage />);
    await screen.findByRole('table', { name: 'Requests' });
    first.unmount();

    answer = [logRow(2, { virtual_key_name: 'new-arrival' }), logRow(1)];
    render(<LogsPage />);

    await screen.findByText('new-arrival');
    expect(listCalls(api.calls)).toHaveLength(2);
  });

  it('says how many rows are shown and that scrolling brings more, not an approximate total', async () => {
    const api = standInApi({ 'GET /api/logs': () => page(rowsDescending(400, 201), true), ...lookups });
    restoreFetch = api.restore;
    render(<LogsPage />);

    expect(await screen.findByText('Showing 200 · more as you scroll')).toBeTruthy();
  });
});

describe('reading aids', () => {
  it('shortens model ids beside the detail panel and keeps the full id in the title', async () => {
    const rows = [logRow(1, { model: 'claude-sonnet-4-5-20250929' })];
    const api = standInApi({
      'GET /api/logs': () => page(rows),
      'GET /api/logs/:id': () => ({ body: { log: rows[0], request: null, response: null } }),
      ...lookups,
    });
    restoreFetch = api.restore;
    render(<LogsPage />);

    const table = await screen.findByRole('table', { name: 'Requests' });
    expect(within(table).getByText('claude-sonnet-4-5-20250929')).toBeTruthy();
    fireEvent.click(within(table).getAllByRole('row')[1] as HTMLElement);

    const cell = await within(table).findByText('sonnet-4-5');
    expect(cell.getAttribute('title')).toBe('claude-sonnet-4-5-20250929');
    expect(shortModel('claude-haiku-4-5-20251001')).toBe('haiku-4-5');
    expect(shortModel('claude-sonnet-4-6')).toBe('sonnet-4-6');
  });

  it('recognises numbered file listings and diffs as code, and prose as prose', () => {
    expect(looksLikeCode('     1→import x\n     2→export y')).toBe(true);
    expect(looksLikeCode('diff --git a/x b/x\n+added')).toBe(true);
    expect(looksLikeCode('@@ -1,3 +1,4 @@\n context')).toBe(true);
    expect(looksLikeCode('--- a/file.ts\n+++ b/file.ts')).toBe(true);
    expect(looksLikeCode('Why does the build fail?\n- it is flaky\n+ maybe')).toBe(false);
    expect(looksLikeCode('Step 1→ then 2')).toBe(false);
  });

  it('names an audit target from the entity in its before or after value', () => {
    expect(targetName(null, { virtual_key: { id: 'vk_1', name: 'ci-runner' } })).toBe('ci-runner');
    expect(targetName({ team: { name: 'Platform' } }, null)).toBe('Platform');
    expect(targetName({ name: 'old' }, { name: 'new' })).toBe('new');
    expect(targetName({ id: 'x' }, null)).toBeNull();
  });
});
