// @vitest-environment jsdom
// A session with Claude Code's telemetry: the agent's events between its requests, its own totals
// beside Tollgate's, the requests and cost per subagent, and Claude Code's cost on a log row.
import { cleanup, fireEvent, render, screen, waitFor, within } from '@testing-library/react';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import LogsPage from '../../renderer/src/pages/logs/index';
import { groupByAgent, interleave } from '../../renderer/src/pages/logs/session-activity';
import {
  initialLogsState,
  useLogs,
  type LogRow,
  type SessionActivity,
  type SessionEvent,
  type SessionTimeline,
} from '../../renderer/src/stores/logs';
import { initialPricingState, usePricing } from '../../renderer/src/stores/pricing';
import { useSession } from '../../renderer/src/stores/session';
import {
  CONNECTION,
  giveElementsASize,
  logRow,
  standInApi,
  unnamedControls,
  type RecordedCall,
} from './pages-fixtures';

const SESSION = 'sess-0001';
const BASE = Date.parse('2026-11-23T10:00:00Z');

let nextEventId = 1;

/** An event as GET /api/sessions/:id/events lists it, `at` seconds after the fixtures' base time. */
function event(name: string, at: number, overrides: Partial<SessionEvent> = {}): SessionEvent {
  const created = BASE + at * 1000;
  return {
    id: nextEventId++,
    timestamp: new Date(created).toISOString(),
    created_at_ms: created,
    received_at: new Date(created + 5000).toISOString(),
    kind: 'event',
    name,
    virtual_key_id: 'vk_1',
    user_id: null,
    team_id: null,
    session_id: SESSION,
    prompt_id: 'prompt-1',
    request_id: null,
    model: null,
    tool_name: null,
    client_cost: null,
    value: null,
    temporality: null,
    attributes: {},
    ...overrides,
  };
}

const SUMMARY: SessionActivity['summary'] = {
  events: 0,
  first_at: null,
  last_at: null,
  api_requests: 0,
  client_cost: 0,
  prompts: 0,
  tool_results: 0,
  tool_failures: 0,
  lines_added: 0,
  lines_removed: 0,
  commits: 0,
  pull_requests: 0,
  active_time_seconds: 0,
};

function activity(
  events: SessionEvent[],
  summary: Partial<SessionActivity['summary']> = {},
  nextCursor: string | null = null,
): SessionActivity {
  return {
    session_id: SESSION,
    events,
    has_more: nextCursor !== null,
    next_cursor: nextCursor,
    summary: { ...SUMMARY, events: events.length, ...summary },
  };
}

/** The timeline GET /api/sessions/:id/requests answers for these rows, with running totals. */
function timeline(rows: LogRow[]): SessionTimeline {
  let running = 0;
  const entries = [...rows]
    .sort((a, b) => a.created_at_ms - b.created_at_ms)
    .map((row) => {
      running += row.cost;
      return { ...row, running_cost: running };
    });
  return {
    session_id: SESSION,
    requests: rows.length,
    first_at: entries[0]?.timestamp ?? new Date(BASE).toISOString(),
    last_at: entries.at(-1)?.timestamp ?? new Date(BASE).toISOString(),
    input_tokens: rows.reduce((sum, row) => sum + row.input_tokens, 0),
    output_tokens: rows.reduce((sum, row) => sum + row.output_tokens, 0),
    cache_creation_input_tokens: 0,
    cache_read_input_tokens: rows.reduce((sum, row) => sum + row.cache_read_input_tokens, 0),
    cache_read_share: 0.9,
    cost: running,
    entries,
  };
}

function sessionApi(
  rows: LogRow[],
  events: (call: RecordedCall) => { status?: number; body: unknown },
): { calls: RecordedCall[] } {
  const stand = standInApi({
    'GET /api/sessions/:id/requests': () => ({ body: timeline(rows) }),
    'GET /api/sessions/:id/events': events,
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

const eventCalls = (calls: RecordedCall[]): RecordedCall[] =>
  calls.filter((call) => call.path === `/api/sessions/${SESSION}/events`);

let restoreFetch: () => void = () => undefined;
let restoreLayout: () => void = () => undefined;

beforeEach(() => {
  nextEventId = 1;
  useLogs.setState(initialLogsState);
  usePricing.setState(initialPricingState);
  useSession.getState().connect(CONNECTION);
  window.location.hash = `#/logs?session=${SESSION}`;
  restoreLayout = giveElementsASize();
});

afterEach(() => {
  cleanup();
  restoreFetch();
  restoreLayout();
});

async function timelineItems(): Promise<string[]> {
  const list = await screen.findByRole('list', { name: /what the agent did in this session/ });
  return within(list).getAllByRole('listitem').map(words);
}

/** An element's text as a reader sees it: its pieces apart, whitespace collapsed (textContent runs them together). */
function words(element: Element): string {
  const pieces: string[] = [];
  const walker = document.createTreeWalker(element, NodeFilter.SHOW_TEXT);
  for (let node = walker.nextNode(); node; node = walker.nextNode()) pieces.push(node.textContent ?? '');
  return pieces.join(' ').replace(/\s+/g, ' ').trim();
}

describe('a session with Claude Code telemetry', () => {
  // Requests at +1 s (id 1), +5 s (id 5) and +9 s (id 9); the agent's events between them.
  const rows = [
    logRow(1, { upstream_request_id: 'req_up_1', client_cost: 0.0321 }),
    logRow(5, { upstream_request_id: 'req_up_5', client_cost: 0.05, client_cost_differs: true }),
    logRow(9, { upstream_request_id: 'req_up_9' }),
  ];
  const events = [
    event('user_prompt', 0, { attributes: { prompt_length: 42, prompt: 'Why does the build fail on CI?' } }),
    event('api_request', 1.5, { request_id: 'req_up_1', model: 'claude-fable-5-2', client_cost: 0.0321 }),
    event('tool_decision', 2, { tool_name: 'Bash', attributes: { decision: 'accept', source: 'config' } }),
    event('tool_result', 3, {
      tool_name: 'Bash',
      attributes: { success: true, duration_ms: 1250, command: 'npm ci' },
    }),
    event('tool_decision', 6, { tool_name: 'Write', attributes: { decision: 'reject', source: 'user_reject' } }),
    event('tool_result', 7, {
      tool_name: 'Edit',
      attributes: { success: false, duration_ms: 80, error: 'File has not been read yet' },
    }),
    // Claude Code's record of a request Tollgate never saw.
    event('api_request', 8, { request_id: 'req_elsewhere', model: 'claude-haiku-4-5', client_cost: 0.0012 }),
    event('claude_code.lines_of_code.count', 8.5, { kind: 'metric', value: 12, attributes: { type: 'added' } }),
  ];
  const summary = {
    api_requests: 3,
    client_cost: 0.0833,
    prompts: 1,
    tool_results: 2,
    tool_failures: 1,
    lines_added: 120,
    lines_removed: 30,
    commits: 2,
    pull_requests: 1,
    active_time_seconds: 725,
  };

  it('puts the agent’s prompts, tool decisions and tool results between its requests, in time order', async () => {
    const api = sessionApi(rows, () => ({ body: activity(events, summary) }));
    render(<LogsPage />);

    const items = await timelineItems();
    expect(items).toHaveLength(9);
    expect(items[0]).toMatch(/^\+0:00 Prompt 42 characters .*Why does the build fail on CI\?/);
    expect(items[1]).toMatch(/^\+0:01 claude-fable-5-2/);
    expect(items[2]).toMatch(/Tool decision Bash allowed by the settings/);
    expect(items[3]).toMatch(/Tool Bash succeeded 1\.25 s npm ci/);
    expect(items[4]).toMatch(/^\+0:05 claude-fable-5-2/);
    expect(items[5]).toMatch(/Tool decision Write rejected by the developer/);
    expect(items[6]).toMatch(/Tool Edit failed 80 ms File has not been read yet/);
    // The request Tollgate logged is not listed twice; the one it never saw is, with Claude Code's cost.
    expect(items[7]).toMatch(/Claude Code request claude-haiku-4-5 \$0\.0012 not in Tollgate's log/);
    expect(items[8]).toMatch(/^\+0:09 claude-fable-5-2/);
    expect(items.filter((item) => item.includes('Claude Code request'))).toHaveLength(1);
    // Metric points count towards the summary only.
    expect(items.some((item) => item.includes('lines_of_code'))).toBe(false);

    expect(eventCalls(api.calls).at(0)?.query.get('limit')).toBe('1000');
    expect(unnamedControls()).toEqual([]);
  });

  it('shows what the agent did in total, with Claude Code’s cost beside Tollgate’s', async () => {
    sessionApi(rows, () => ({ body: activity(events, summary) }));
    render(<LogsPage />);

    const section = await screen.findByRole('region', { name: 'What the agent did' });
    const stat = (label: string): string =>
      (within(section).getByText(label).closest('.stat')?.textContent ?? '').replace(/\s+/g, ' ');
    expect(stat("Claude Code's cost")).toContain('$0.0833');
    expect(stat("Claude Code's cost")).toContain('Tollgate $0.0963');
    // $0.0833 against $0.0963: more than rounding apart, and one request says so on its own.
    expect(stat("Claude Code's cost")).toContain('differs');
    expect(stat("Claude Code's cost")).toContain('1 request differs');
    expect(stat('Lines changed')).toContain('+120 −30');
    expect(stat('Commits')).toContain('2');
    expect(stat('Pull requests')).toContain('1');
    expect(stat('Active time')).toContain('12 min');
    expect(stat('Prompts')).toContain('1');
    expect(stat('Tool calls')).toContain('2');
    expect(stat('Tool calls')).toContain('1 failed');
  });

  it('marks the request whose cost Claude Code counts differently', async () => {
    sessionApi(rows, () => ({ body: activity(events, summary) }));
    render(<LogsPage />);

    const list = await screen.findByRole('list', { name: /what the agent did/ });
    const requests = within(list).getAllByRole('button');
    expect(requests).toHaveLength(3);
    expect(within(requests[1] as HTMLElement).getByLabelText("Claude Code's cost differs")).toBeTruthy();
    expect(within(requests[0] as HTMLElement).queryByLabelText("Claude Code's cost differs")).toBeNull();
  });

  it('says so when Claude Code sent no telemetry, and keeps the plain request list', async () => {
    sessionApi(rows, () => ({ body: activity([]) }));
    render(<LogsPage />);

    const section = await screen.findByRole('region', { name: 'What the agent did' });
    expect(within(section).getByText(/Claude Code sent no telemetry for this session/)).toBeTruthy();
    const list = screen.getByRole('list', { name: 'Requests in this session, oldest first' });
    expect(within(list).getAllByRole('listitem')).toHaveLength(3);
    // Without subagents there is no per-agent table.
    expect(screen.queryByRole('region', { name: 'By agent' })).toBeNull();
  });

  it('shows the requests when the telemetry fails to load, and retries it alone', async () => {
    let fail = true;
    const api = sessionApi(rows, () =>
      fail
        ? { status: 500, body: { error: { type: 'api_error', message: 'telemetry store unavailable' } } }
        : { body: activity(events, summary) },
    );
    render(<LogsPage />);

    const alert = await screen.findByRole('alert');
    expect(alert.textContent).toContain("Could not load Claude Code's telemetry");
    expect(alert.textContent).toContain('telemetry store unavailable');
    expect(within(screen.getByRole('list')).getAllByRole('listitem')).toHaveLength(3);

    fail = false;
    fireEvent.click(within(alert).getByRole('button', { name: 'Try again' }));
    expect(await timelineItems()).toHaveLength(9);
    expect(eventCalls(api.calls)).toHaveLength(2);
    expect(api.calls.filter((call) => call.path.endsWith('/requests'))).toHaveLength(1);
  });

  it('loads the next page of events with the cursor it was given', async () => {
    const api = sessionApi(rows, ({ query }) =>
      query.get('cursor') === null
        ? { body: activity(events.slice(0, 4), summary, `${BASE + 3000}.4`) }
        : { body: activity(events.slice(4), summary) },
    );
    render(<LogsPage />);

    expect(await timelineItems()).toHaveLength(6);
    fireEvent.click(screen.getByRole('button', { name: 'Load more activity' }));
    await waitFor(() => expect(screen.queryByRole('button', { name: 'Load more activity' })).toBeNull());
    expect(await timelineItems()).toHaveLength(9);
    expect(eventCalls(api.calls).at(-1)?.query.get('cursor')).toBe(`${BASE + 3000}.4`);
  });
});

describe('requests and cost per agent', () => {
  const rows = [
    logRow(1, { cost: 0.1 }),
    logRow(2, { agent_id: 'agent-explore-aaaa', cost: 0.02, client_cost: 0.02 }),
    logRow(3, {
      agent_id: 'agent-nested-bbbb',
      parent_agent_id: 'agent-explore-aaaa',
      cost: 0.03,
      client_cost: 0.05,
      client_cost_differs: true,
    }),
    logRow(4, { agent_id: 'agent-explore-aaaa', cost: 0.02 }),
    logRow(5, { cost: 0.03 }),
    logRow(6, { agent_id: 'agent-review-cccc', cost: 0.01 }),
  ];

  it('groups the session’s requests by agent, each under the agent that started it', () => {
    const groups = groupByAgent(timeline(rows).entries);
    expect(groups.map((group) => [group.agentId, group.parentId, group.depth, group.requests])).toEqual([
      [null, null, 0, 2],
      ['agent-explore-aaaa', null, 1, 2],
      ['agent-nested-bbbb', 'agent-explore-aaaa', 2, 1],
      ['agent-review-cccc', null, 1, 1],
    ]);
    expect(groups[0]?.cost).toBeCloseTo(0.13);
    expect(groups[1]?.cost).toBeCloseTo(0.04);
    expect(groups[1]?.clientCost).toBeCloseTo(0.02);
    expect(groups[2]?.differing).toBe(1);
    expect(groups[3]?.clientCost).toBeNull();
  });

  it('lists an agent whose parent sent nothing under the main agent, naming the parent it gave', () => {
    const groups = groupByAgent(
      timeline([logRow(1), logRow(2, { agent_id: 'agent-x', parent_agent_id: 'agent-gone' })]).entries,
    );
    expect(groups.map((group) => [group.agentId, group.parentId, group.depth])).toEqual([
      [null, null, 0],
      ['agent-x', 'agent-gone', 1],
    ]);
  });

  it('shows a table of agents above the timeline, and which agent sent each request', async () => {
    sessionApi(rows, () => ({ body: activity([]) }));
    render(<LogsPage />);

    const section = await screen.findByRole('region', { name: 'By agent' });
    const table = within(section).getByRole('table', { name: 'By agent' });
    const lines = within(table)
      .getAllByRole('row')
      .slice(1)
      .map((row) => [...row.children].map((cell) => (cell.textContent ?? '').replace(/\s+/g, ' ').trim()));
    expect(lines).toEqual([
      ['Main agent', '—', '2', '$0.1300', '—', '62%'],
      ['↳ Agent agent-ex…', 'Main agent', '2', '$0.0400', '$0.0200', '19%'],
      ['↳ Agent agent-ne…', 'agent-ex…', '1', '$0.0300', '$0.0500 differs', '14%'],
      ['↳ Agent agent-re…', 'Main agent', '1', '$0.0100', '—', '5%'],
    ]);
    // Above the timeline, whose requests name their agent.
    const list = screen.getByRole('list', { name: 'Requests in this session, oldest first' });
    expect(section.compareDocumentPosition(list) & Node.DOCUMENT_POSITION_FOLLOWING).toBeTruthy();
    const sent = within(list)
      .getAllByRole('button')
      .map((button) => button.querySelector('.session-agent')?.textContent);
    expect(sent).toEqual([
      'Main agent',
      'Agent agent-ex…',
      'Agent agent-ne…',
      'Agent agent-ex…',
      'Main agent',
      'Agent agent-re…',
    ]);
    expect(unnamedControls()).toEqual([]);
  });
});

describe('interleaving', () => {
  it('puts an event before a request on the same millisecond, and folds api_request events into their request', () => {
    const entries = timeline([logRow(1, { upstream_request_id: 'req_up_1' })]).entries;
    const items = interleave(entries, [
      event('api_request', 1, { request_id: 'req_up_1' }),
      event('user_prompt', 1),
      event('api_error', 2, { attributes: { status_code: 529 } }),
    ]);
    expect(items.map((item) => (item.kind === 'event' ? item.event.name : `request ${item.entry.id}`))).toEqual([
      'user_prompt',
      'request 1',
      'api_error',
    ]);
  });
});

describe('Claude Code’s own cost on a log row', () => {
  beforeEach(() => {
    window.location.hash = '#/logs';
  });

  it('flags the row and says both costs in the detail panel when they differ', async () => {
    sessionApi([logRow(1, { cost: 0.0321, client_cost: 0.0402, client_cost_differs: true })], () => ({
      body: activity([]),
    }));
    render(<LogsPage />);

    const table = await screen.findByRole('table', { name: 'Requests' });
    const row = within(table).getAllByRole('row')[1] as HTMLElement;
    expect(within(row).getByLabelText("Claude Code's cost differs")).toBeTruthy();
    fireEvent.click(row);

    const panel = await screen.findByRole('complementary');
    const costSection = within(panel).getByRole('heading', { name: 'Cost' }).closest('section') as HTMLElement;
    const line = within(costSection)
      .getByText(/Claude Code's own cost:/)
      .closest('p') as HTMLElement;
    expect(line.textContent).toContain('$0.040200');
    expect(within(line).getByText('differs')).toBeTruthy();
    expect(line.textContent).toContain("+$0.008100 against Tollgate's");
    expect(within(costSection).getByText('$0.032100')).toBeTruthy();
    expect(unnamedControls()).toEqual([]);
  });

  it('says it agrees when it does, and shows nothing without a client cost', async () => {
    sessionApi(
      [logRow(2, { cost: 0.0321, client_cost: 0.0321 }), logRow(1, { cost: 0.01, client_cost: null })],
      () => ({ body: activity([]) }),
    );
    render(<LogsPage />);

    const table = await screen.findByRole('table', { name: 'Requests' });
    expect(within(table).queryByLabelText("Claude Code's cost differs")).toBeNull();
    fireEvent.click(within(table).getAllByRole('row')[1] as HTMLElement);
    let panel = await screen.findByRole('complementary');
    await within(panel).findByText(/agrees with Tollgate's/);
    expect(within(panel).queryByText('differs')).toBeNull();

    fireEvent.click(within(table).getAllByRole('row')[2] as HTMLElement);
    await waitFor(() => expect(screen.getByRole('complementary').textContent).toContain('#1'));
    panel = screen.getByRole('complementary');
    expect(within(panel).queryByText(/Claude Code's own cost/)).toBeNull();
  });
});
