// @vitest-environment jsdom
// The overview's people table against a stand-in admin API: each person's spend this month beside the
// lines of code (+added / −removed), commits and PRs their Claude Code reported, names linking to
// their requests, keys without a user marked as keys, and what the page says while no telemetry has
// arrived or nobody has spent anything.
import { cleanup, render, screen, within } from '@testing-library/react';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import OverviewPage from '../../renderer/src/pages/overview/index';
import { initialKeysState, useKeys } from '../../renderer/src/stores/keys';
import { initialOverviewState, useOverview } from '../../renderer/src/stores/overview';
import { useSession } from '../../renderer/src/stores/session';
import type { OverviewPerson } from '../../shared/schemas';
import { CLIENT_CONFIG, CONNECTION, makeKey, quietOverview, standInApi, unnamedControls } from './pages-fixtures';

const NO_TELEMETRY = 'Lines of code, commits and PRs appear when teammates sign in with /login and telemetry is on.';

function person(overrides: Partial<OverviewPerson> & Pick<OverviewPerson, 'id' | 'name'>): OverviewPerson {
  return {
    kind: 'user',
    spend: 0,
    requests: 0,
    lines_added: 0,
    lines_removed: 0,
    commits: 0,
    pull_requests: 0,
    active_time_seconds: 0,
    ...overrides,
  };
}

let restoreFetch: () => void = () => undefined;

function showOverview(people: OverviewPerson[]): void {
  const api = standInApi({
    'GET /api/stats/overview': () => ({
      body: quietOverview({
        spend: { today: 1, week: 1, month: 1.5 },
        requests: { today: 1, week: 2, month: 3 },
        people,
      }),
    }),
    'GET /api/stats/spend': () => ({ body: { bucket: 'day', group: 'team', groups: [], points: [] } }),
    'GET /api/governance/virtual-keys': () => ({ body: { virtual_keys: [makeKey()], count: 1 } }),
  });
  restoreFetch = api.restore;
  render(<OverviewPage />);
}

beforeEach(() => {
  useSession.getState().connect(CONNECTION, CLIENT_CONFIG);
  useKeys.setState(initialKeysState);
  useOverview.setState(initialOverviewState);
});

afterEach(() => {
  cleanup();
  restoreFetch();
});

describe("the overview's people", () => {
  it('shows each person’s spend beside their lines of code, commits and PRs, in a table with named headers', async () => {
    showOverview([
      person({ kind: 'key', id: 'vk-ci', name: 'ci runner', spend: 0.9, requests: 4 }),
      person({
        id: 'u-priya',
        name: 'Priya Raman',
        spend: 0.45,
        requests: 12,
        lines_added: 1_240,
        lines_removed: 30,
        commits: 3,
        pull_requests: 2,
        active_time_seconds: 600,
      }),
    ]);

    const table = await screen.findByRole('table', {
      name: 'Spend, lines of code, commits and pull requests per person this month',
    });
    expect(
      within(table)
        .getAllByRole('columnheader')
        .map((header) => header.textContent),
    ).toEqual(['Person', 'Spend', 'Requests', 'Lines of code', 'Commits', 'PRs']);
    const [, ci, priya] = within(table).getAllByRole('row');
    expect(within(priya as HTMLElement).getByRole('rowheader').textContent).toBe('Priya Raman');
    expect(
      within(priya as HTMLElement)
        .getAllByRole('cell')
        .map((cell) => cell.textContent),
    ).toEqual(['$0.45', '12', '1,240 added, 30 removed+1,240 / −30', '3', '2']);
    // Read out in words; the +/− figures are for the eye.
    expect(within(priya as HTMLElement).getByText('1,240 added, 30 removed')).toBeTruthy();
    expect(
      within(priya as HTMLElement)
        .getByRole('link', { name: 'Requests of Priya Raman' })
        .getAttribute('href'),
    ).toBe('#/logs?user=u-priya');
    expect(within(ci as HTMLElement).getByRole('rowheader').textContent).toBe('ci runnerKey');
    expect(
      within(ci as HTMLElement)
        .getByRole('link', { name: 'Requests of ci runner' })
        .getAttribute('href'),
    ).toBe('#/logs?vk=vk-ci');
    expect(screen.queryByText(NO_TELEMETRY)).toBeNull();
    expect(unnamedControls()).toEqual([]);
  });

  it('says where the activity columns come from while no telemetry has arrived, and still shows spend', async () => {
    showOverview([person({ id: 'u-priya', name: 'Priya Raman', spend: 0.45, requests: 12 })]);

    expect(await screen.findByText(NO_TELEMETRY)).toBeTruthy();
    const row = screen.getByRole('row', { name: /Priya Raman/ });
    expect(within(row).getByText('$0.45')).toBeTruthy();
  });

  it('says so when nobody has used the gateway this month', async () => {
    showOverview([]);

    const empty = await screen.findByText(/No one has used the gateway this month\./);
    expect(empty.textContent).toContain(NO_TELEMETRY);
    expect(screen.queryByRole('table', { name: /per person/ })).toBeNull();
  });
});
