// @vitest-environment jsdom
// The logs store and page against a stand-in admin API: keyset paging, filter changes, the live tail,
// the virtualised table and the detail panel's conversation.
import { act, cleanup, fireEvent, render, screen, waitFor, within } from '@testing-library/react';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import LogsPage from '../../renderer/src/pages/logs/index';
import { initialLogsState, useLogs, type LogRow } from '../../renderer/src/stores/logs';
import { initialPricingState, usePricing } from '../../renderer/src/stores/pricing';
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

function page(rows: LogRow[], nextCursor: string | null = null) {
  return { body: { logs: rows, next_cursor: nextCursor, has_more: nextCursor !== null } };
}

const listCalls = (calls: RecordedCall[]): RecordedCall[] =>
  calls.filter((call) => call.method === 'GET' && call.path === '/api/logs');

let restoreFetch: () => void = () => undefined;

beforeEach(() => {
  useLogs.setState(initialLogsState);
  usePricing.setState(initialPricingState);
  useSession.getState().connect(CONNECTION);
  window.location.hash = '#/logs';
});

afterEach(() => {
  cleanup();
  restoreFetch();
});

describe('the logs store', () => {
  it('appends the next keyset page after the rows already loaded, passing the cursor it was given', async () => {
    const api = standInApi({
      'GET /api/logs': ({ query }) =>
        query.get('cursor') === null ? page(rowsDescending(300, 101), '1000.101') : page(rowsDescending(100, 1)),
    });
    restoreFetch = api.restore;

    await useLogs.getState().applyFilters({});
    expect(useLogs.getState().rows).toHaveLength(200);
    expect(useLogs.getState().hasMore).toBe(true);

    await useLogs.getState().loadMore();

    const { rows, hasMore } = useLogs.getState();
    expect(rows.map((row) => row.id)).toEqual(rowsDescending(300, 1).map((row) => row.id));
    expect(hasMore).toBe(false);
    expect(listCalls(api.calls)[1]?.query.get('cursor')).toBe('1000.101');
  });

  it('drops the loaded rows and asks again from the top when the filter changes', async () => {
    const api = standInApi({
      'GET /api/logs': ({ query }) =>
        query.get('model') === 'claude-mythos-5-1'
          ? page([logRow(7, { model: 'claude-mythos-5-1' })])
          : page(rowsDescending(300, 101), '1000.101'),
    });
    restoreFetch = api.restore;

    await useLogs.getState().applyFilters({});
    await useLogs.getState().applyFilters({ model: 'claude-mythos-5-1', status: 'blocked', range: '24h' });

    const state = useLogs.getState();
    expect(state.rows.map((row) => row.id)).toEqual([7]);
    expect(state.nextCursor).toBeNull();
    const asked = listCalls(api.calls)[1];
    expect(asked?.query.get('cursor')).toBeNull();
    expect(asked?.query.get('model')).toBe('claude-mythos-5-1');
    expect(asked?.query.get('status')).toBe('blocked');
    // A relative range goes out as an absolute start, resolved when the page was asked for.
    expect(Number(asked?.query.get('start'))).toBeGreaterThan(Date.now() - 24 * 3_600_000 - 60_000);
  });

  it('ignores a page that answers for a filter the user has already left', async () => {
    let releaseSlow: () => void = () => undefined;
    const api = standInApi({
      'GET /api/logs': ({ query }) =>
        query.get('model') === 'slow'
          ? new Promise((resolve) => {
              releaseSlow = () => resolve(page(rowsDescending(50, 1, { model: 'slow' })));
            })
          : page([logRow(900, { model: 'fast' })]),
    });
    restoreFetch = api.restore;

    const slow = useLogs.getState().applyFilters({ model: 'slow' });
    await waitFor(() => expect(listCalls(api.calls)).toHaveLength(1));
    await useLogs.getState().applyFilters({ model: 'fast' });
    releaseSlow();
    await slow;

    expect(useLogs.getState().rows.map((row) => row.model)).toEqual(['fast']);
  });

  it('prepends rows newer than the newest loaded one, once each, and marks them fresh', async () => {
    let tailAnswer: LogRow[] = [];
    const api = standInApi({
      'GET /api/logs': ({ query }) => (query.get('since_id') === null ? page(rowsDescending(10, 1)) : page(tailAnswer)),
    });
    restoreFetch = api.restore;
    await useLogs.getState().applyFilters({ vk: 'vk_1' });

    // The answer overlaps what is loaded (10) and arrives out of order.
    tailAnswer = [logRow(11), logRow(10), logRow(12)];
    await useLogs.getState().pollTail();
    tailAnswer = [logRow(12), logRow(13)];
    await useLogs.getState().pollTail();

    const state = useLogs.getState();
    expect(state.rows.map((row) => row.id)).toEqual([13, 12, 11, 10, 9, 8, 7, 6, 5, 4, 3, 2, 1]);
    expect([...state.fresh]).toEqual([13]);
    const polls = listCalls(api.calls).filter((call) => call.query.has('since_id'));
    expect(polls.map((call) => call.query.get('since_id'))).toEqual(['10', '12']);
    expect(polls.every((call) => call.query.get('vk') === 'vk_1')).toBe(true);
  });

  it('starts over from the top when more rows arrived than one tail poll can carry', async () => {
    let tailing = false;
    standInApi({
      'GET /api/logs': ({ query }) => {
        if (query.has('since_id')) return page(rowsDescending(400, 201), '2000.201');
        return tailing ? page(rowsDescending(400, 201), '2000.201') : page(rowsDescending(10, 1));
      },
    });
    await useLogs.getState().applyFilters({});
    tailing = true;

    await useLogs.getState().pollTail();

    const rows = useLogs.getState().rows;
    expect(rows[0]?.id).toBe(400);
    // No gap: rows 200..11 were never fetched, so rows 10..1 must not sit right under 201.
    expect(rows.some((row) => row.id === 10)).toBe(false);
  });
});

describe('the logs page', () => {
  let restoreLayout: () => void = () => undefined;
  beforeEach(() => {
    restoreLayout = giveElementsASize();
  });
  afterEach(() => restoreLayout());

  const conversation = {
    model: 'claude-fable-5-2',
    system: [{ type: 'text', text: 'You are Claude Code, a coding assistant.' }],
    messages: [
      { role: 'user', content: 'Why does the build fail on CI?' },
      {
        role: 'assistant',
        content: [
          { type: 'thinking', thinking: 'The lockfile is probably out of date.', signature: 'x' },
          { type: 'text', text: 'Let me look at the workflow.' },
          { type: 'tool_use', id: 'toolu_1', name: 'Read', input: { file_path: '.github/workflows/ci.yml' } },
        ],
      },
      { role: 'user', content: [{ type: 'tool_result', tool_use_id: 'toolu_1', content: 'run: npm ci' }] },
    ],
  };

  function standardApi(rows: LogRow[]) {
    return standInApi({
      'GET /api/logs': () => page(rows),
      'GET /api/logs/:id': ({ path }) => {
        const id = Number(path.split('/').pop());
        const log = rows.find((row) => row.id === id);
        return log
          ? {
              body: {
                log,
                request: conversation,
                response: {
                  role: 'assistant',
                  content: [{ type: 'text', text: 'The lockfile is stale; run npm install.' }],
                  stop_reason: 'end_turn',
                },
              },
            }
          : { status: 404, body: { error: { message: 'no such log' } } };
      },
      'GET /api/governance/virtual-keys': () => ({ body: { virtual_keys: [], count: 0 } }),
      'GET /api/governance/teams': () => ({ body: { teams: [], count: 0 } }),
      'GET /api/governance/users': () => ({ body: { users: [], count: 0 } }),
      'GET /api/pricing': () => ({ body: { table_version: 't', models: [] } }),
    });
  }

  it('shows the requests the API returns as rows of the table', async () => {
    const api = standardApi([logRow(2, { model: 'claude-mythos-5-1', virtual_key_name: 'ci-runner' }), logRow(1)]);
    restoreFetch = api.restore;

    render(<LogsPage />);

    const table = await screen.findByRole('table', { name: 'Requests' });
    const rows = within(table).getAllByRole('row').slice(1);
    expect(rows).toHaveLength(2);
    expect(within(rows[0] as HTMLElement).getByText('claude-mythos-5-1')).toBeTruthy();
    expect(within(rows[0] as HTMLElement).getByText('ci-runner')).toBeTruthy();
    expect(within(rows[1] as HTMLElement).getByText('alice-laptop')).toBeTruthy();
  });

  it('asks for the next page with the cursor when the reader scrolls near the end', async () => {
    const api = standInApi({
      'GET /api/logs': ({ query }) =>
        query.get('cursor') === null ? page(rowsDescending(400, 201), '1000.201') : page(rowsDescending(200, 1)),
      'GET /api/governance/virtual-keys': () => ({ body: { virtual_keys: [], count: 0 } }),
      'GET /api/governance/teams': () => ({ body: { teams: [], count: 0 } }),
      'GET /api/governance/users': () => ({ body: { users: [], count: 0 } }),
      'GET /api/pricing': () => ({ body: { table_version: 't', models: [] } }),
    });
    restoreFetch = api.restore;
    render(<LogsPage />);

    const table = await screen.findByRole('table', { name: 'Requests' });
    // Only what is in view is rendered: a few dozen rows, not two hundred.
    expect(within(table).getAllByRole('row').length).toBeLessThan(60);
    expect(listCalls(api.calls)).toHaveLength(1);

    table.scrollTop = 200 * 40 - 800;
    fireEvent.scroll(table);

    await waitFor(() => expect(listCalls(api.calls)[1]?.query.get('cursor')).toBe('1000.201'));
    await waitFor(() => expect(useLogs.getState().rows).toHaveLength(400));
  });

  it('opens a row into a detail panel that reads the conversation back', async () => {
    const api = standardApi([logRow(1)]);
    restoreFetch = api.restore;
    render(<LogsPage />);

    const table = await screen.findByRole('table', { name: 'Requests' });
    fireEvent.click(within(table).getAllByRole('row')[1] as HTMLElement);

    const panel = await screen.findByRole('complementary');
    await within(panel).findByText('Why does the build fail on CI?');
    expect(within(panel).getByText('Let me look at the workflow.')).toBeTruthy();
    expect(within(panel).getAllByText('Read').length).toBeGreaterThan(0);
    expect(within(panel).getByText(/"file_path": ".github\/workflows\/ci.yml"/)).toBeTruthy();
    expect(within(panel).getByText('run: npm ci')).toBeTruthy();
    expect(within(panel).getByText('The lockfile is stale; run npm install.')).toBeTruthy();
    // Thinking and the system prompt are there, folded.
    const thinking = within(panel).getByText('Thinking').closest('details');
    expect(thinking?.open).toBe(false);
    const system = within(panel)
      .getByText(/System prompt/)
      .closest('details');
    expect(system?.open).toBe(false);
    expect(api.calls.some((call) => call.path === '/api/logs/1')).toBe(true);
    expect(unnamedControls()).toEqual([]);
  });

  it('reads its filter from the address and writes filter changes back to it', async () => {
    window.location.hash = '#/logs?status=blocked';
    const api = standardApi([logRow(1, { status: 'blocked', status_code: 429, refusal_reason: 'budget_exhausted' })]);
    restoreFetch = api.restore;
    render(<LogsPage />);

    await screen.findByText('Budget spent');
    expect(listCalls(api.calls)[0]?.query.get('status')).toBe('blocked');

    await act(async () => {
      fireEvent.change(screen.getByLabelText('Refusal'), { target: { value: 'rate_limit' } });
      await Promise.resolve();
    });

    expect(window.location.hash).toBe('#/logs?status=blocked&reason=rate_limit');
    await waitFor(() => expect(listCalls(api.calls).at(-1)?.query.get('reason')).toBe('rate_limit'));
  });
});
