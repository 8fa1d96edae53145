// @vitest-environment jsdom
// What the log shows beyond the top-level usage: a request that ran steps on several models or a
// compaction step gets a per-model breakdown under its cost, server tools are counted, and a request
// the gateway was stopped in the middle of reads as interrupted, with a status filter of its own.
import { act, cleanup, fireEvent, render, screen, waitFor, within } from '@testing-library/react';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import LogsPage from '../../renderer/src/pages/logs/index';
import { initialLogsState, toLogQuery, useLogs, type LogRow } from '../../renderer/src/stores/logs';
import { initialPricingState, usePricing } from '../../renderer/src/stores/pricing';
import { useSession } from '../../renderer/src/stores/session';
import type { ModelUsage } from '../../shared/schemas';
import {
  CONNECTION,
  giveElementsASize,
  logRow,
  standInApi,
  unnamedControls,
  type RecordedCall,
} from './pages-fixtures';

const listCalls = (calls: RecordedCall[]): RecordedCall[] =>
  calls.filter((call) => call.method === 'GET' && call.path === '/api/logs');

function usage(model: string, iteration_types: string[], fields: Partial<ModelUsage> = {}): ModelUsage {
  return {
    model,
    input_tokens: 0,
    output_tokens: 0,
    cache_creation_input_tokens: 0,
    cache_creation_5m_input_tokens: 0,
    cache_creation_1h_input_tokens: 0,
    cache_read_input_tokens: 0,
    iteration_types,
    cost: 0,
    cost_micros: 0,
    price_version: `${model}@2026-11-09`,
    ...fields,
  };
}

/** A Sonnet request that compacted its context and asked an Opus advisor: three steps, two models. */
const ADVISED = logRow(1, {
  model: 'claude-sonnet-5',
  price_version: 'claude-sonnet-5@2026-11-09',
  cost: 0.0525,
  cost_micros: 52_500,
  web_search_requests: 2,
  web_fetch_requests: 1,
  usage_by_model: [
    usage('claude-sonnet-5', ['compaction', 'message'], {
      input_tokens: 1200,
      output_tokens: 340,
      cache_creation_input_tokens: 2000,
      cache_creation_5m_input_tokens: 2000,
      cache_read_input_tokens: 45_000,
      cost: 0.0321,
      cost_micros: 32_100,
    }),
    usage('claude-opus-4-8', ['advisor_message'], {
      input_tokens: 800,
      output_tokens: 120,
      cost: 0.0204,
      cost_micros: 20_400,
    }),
  ],
});

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

function api(rows: LogRow[]) {
  const stand = standInApi({
    'GET /api/logs': () => ({ body: { logs: rows, next_cursor: null, has_more: false } }),
    'GET /api/logs/:id': ({ path }) => {
      const log = rows.find((row) => row.id === Number(path.split('/').pop()));
      return log
        ? { body: { log, request: null, response: null } }
        : { status: 404, body: { error: { message: 'no such log' } } };
    },
    'GET /api/governance/virtual-keys': () => ({ body: { virtual_keys: [], count: 0 } }),
    'GET /api/governance/teams': () => ({ body: { teams: [], count: 0 } }),
    'GET /api/governance/users': () => ({ body: { users: [], count: 0 } }),
    'GET /api/pricing': () => ({ body: { table_version: 't', models: [] } }),
  });
  restoreFetch = stand.restore;
  return stand;
}

async function openFirstRow(): Promise<HTMLElement> {
  const table = await screen.findByRole('table', { name: 'Requests' });
  fireEvent.click(within(table).getAllByRole('row')[1] as HTMLElement);
  return screen.findByRole('complementary');
}

const cells = (row: HTMLElement): string[] => [...row.children].map((cell) => cell.textContent ?? '');

describe('a request that ran steps the top-level usage does not show', () => {
  it('breaks its cost down per model and step under the cost, with a line saying why', async () => {
    api([ADVISED]);
    render(<LogsPage />);
    const panel = await openFirstRow();

    const breakdown = within(panel).getByRole('table', { name: 'By model and step' });
    expect(within(breakdown).getAllByRole('row').map(cells)).toEqual([
      ['Model', 'Steps', 'Cost', 'Input', 'Output', 'Cache write', 'Cache read'],
      ['sonnet-5', 'compaction, message', '$0.0321', '1,200', '340', '2,000', '45K'],
      ['opus-4-8', 'advisor', '$0.0204', '800', '120', '0', '0'],
      ['Total', '$0.0525', ''],
    ]);
    // The top-level usage is shown for what it is, without a price that would not add up to the bill.
    const topLevel = within(panel).getByRole('table', { name: 'Top-level usage' });
    expect(within(topLevel).getAllByRole('row')[0]?.textContent).toBe('TokensCount');
    expect(
      within(panel).getByText(
        'This request ran steps on several models and a compaction step, which its top-level usage does not show; its cost is the sum of these.',
      ),
    ).toBeTruthy();
    // Under the cost section, not somewhere else in the panel.
    const costSection = within(panel).getByRole('heading', { name: 'Cost' }).closest('section');
    expect(costSection?.contains(breakdown)).toBe(true);
    expect(unnamedControls()).toEqual([]);
  });

  it('says a single-model request ran a compaction step', async () => {
    api([
      logRow(1, {
        usage_by_model: [usage('claude-fable-5-2', ['compaction', 'message'], { cost: 0.03, cost_micros: 30_000 })],
      }),
    ]);
    render(<LogsPage />);
    const panel = await openFirstRow();
    expect(
      within(panel).getByText(
        'This request ran a compaction step, which its top-level usage does not show; its cost is the sum of these.',
      ),
    ).toBeTruthy();
  });

  it('counts web searches and web fetches when the request made any', async () => {
    api([ADVISED]);
    render(<LogsPage />);
    const panel = await openFirstRow();
    expect(within(panel).getByText('Web searches').nextElementSibling?.textContent).toBe('2');
    expect(within(panel).getByText('Web fetches').nextElementSibling?.textContent).toBe('1');
  });

  it('shows no breakdown and no server-tool counts for a request its top-level usage tells in full', async () => {
    api([logRow(1)]);
    render(<LogsPage />);
    const panel = await openFirstRow();
    await within(panel).findByRole('heading', { name: 'Cost' });
    expect(within(panel).queryByRole('table', { name: 'By model and step' })).toBeNull();
    expect(within(panel).queryByText('Web searches')).toBeNull();
    expect(within(panel).queryByText('Web fetches')).toBeNull();
  });
});

describe('a request the gateway was stopped in the middle of', () => {
  const INTERRUPTED = logRow(1, { status: 'interrupted', status_code: 0, cost_estimated: true, stop_reason: null });

  it('turns status=interrupted into the API query, and drops outcomes it does not know', () => {
    expect(toLogQuery({ status: 'interrupted' }, 0).status).toBe('interrupted');
    expect(toLogQuery({ status: 'aborted' }, 0).status).toBe('aborted');
    expect(toLogQuery({ status: '529' }, 0).status).toBe(529);
    expect(toLogQuery({ status: 'crashed' }, 0)).not.toHaveProperty('status');
  });

  it('offers the interrupted status in the filter, and asks the API for it', async () => {
    const stand = api([logRow(2), INTERRUPTED]);
    render(<LogsPage />);
    await screen.findByRole('table', { name: 'Requests' });

    const select = screen.getByLabelText('Status');
    const option = within(select).getByRole('option', { name: 'Interrupted (gateway stopped)' });
    expect((option as HTMLOptionElement).value).toBe('interrupted');
    await act(async () => {
      fireEvent.change(select, { target: { value: 'interrupted' } });
      await Promise.resolve();
    });

    expect(window.location.hash).toBe('#/logs?status=interrupted');
    await waitFor(() => expect(listCalls(stand.calls).at(-1)?.query.get('status')).toBe('interrupted'));
  });

  it('labels the row interrupted and explains in the detail why its cost is an estimate', async () => {
    api([INTERRUPTED]);
    render(<LogsPage />);
    const table = await screen.findByRole('table', { name: 'Requests' });
    expect(within(table).getByText('Interrupted')).toBeTruthy();

    const panel = await openFirstRow();
    expect(within(panel).getByText('Interrupted: the gateway stopped')).toBeTruthy();
    expect(within(panel).getByText('estimated cost').getAttribute('title')).toMatch(
      /^The gateway stopped before this request finished/,
    );
  });
});
