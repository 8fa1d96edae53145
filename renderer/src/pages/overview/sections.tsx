// The overview's panels. Each takes the figures it shows and draws them; none fetches.
import { useMemo, useState } from 'react';
import { Badge } from '../../components/Badge';
import { BudgetBar } from '../../components/BudgetBar';
import { Card, Stat } from '../../components/Card';
import { formatCount, formatPercent, formatResetDuration } from '../../components/format';
import { levelLabel, humanise, refusalLabel } from '../../components/labels';
import { Money } from '../../components/Money';
import { Link } from '../../components/router';
import { TimeAgo } from '../../components/TimeAgo';
import { overviewSelectors, type Overview } from '../../stores/overview';

export function SpendStats({ overview }: { overview: Overview }) {
  const atRisk = overviewSelectors.atRiskCount(overview);
  return (
    <div className="stat-grid">
      <Card>
        <Stat label="Spend today" value={<Money value={overview.spend.today} />} detail={`${formatCount(overview.requests.today)} requests`} />
      </Card>
      <Card>
        <Stat label="This week" value={<Money value={overview.spend.week} />} detail={`${formatCount(overview.requests.week)} requests since Monday`} />
      </Card>
      <Card>
        <Stat
          label="This month"
          value={<Money value={overview.spend.month} />}
          detail={
            atRisk > 0 ? (
              <button
                type="button"
                className="link-button stat-warning"
                // A plain #anchor would fight the hash router, so scroll instead.
                onClick={() => document.getElementById('budget-health')?.scrollIntoView({ behavior: 'smooth', block: 'start' })}
              >
                {atRisk} budget{atRisk === 1 ? '' : 's'} at risk
              </button>
            ) : (
              `${formatCount(overview.requests.month)} requests`
            )
          }
        />
      </Card>
      <Card>
        <Stat
          label="Saved by prompt caching"
          value={<Money value={overview.cache.saved} />}
          detail={`${formatPercent(overview.cache.read_share)} of input served from cache this month`}
        />
      </Card>
    </div>
  );
}

const HEALTH_PREVIEW = 8;

export function BudgetHealthCard({ overview }: { overview: Overview }) {
  const budgets = useMemo(() => overviewSelectors.budgetHealth(overview), [overview]);
  const [showAll, setShowAll] = useState(false);
  const shown = showAll ? budgets : budgets.slice(0, HEALTH_PREVIEW);
  return (
    <Card title="Budget health" subtitle="Every budget, the tightest first. The tick marks where the period ends at the current pace." className="span-2 budget-health">
      <div id="budget-health" className="scroll-anchor" />
      {budgets.length === 0 ? (
        <p className="muted">
          No budgets yet. Give a key, user, team or customer a budget on the <Link to="/keys">Keys</Link> or <Link to="/organisation">Organisation</Link>{' '}
          page.
        </p>
      ) : (
        <ul className="health-list">
          {shown.map((budget) => {
            const limit = budget.max_limit + budget.granted;
            return (
              <li key={budget.id} className="health-item">
                <div className="health-head">
                  <span className="health-owner">
                    <span className="health-name">{budget.owner_name}</span>
                    <Badge>{levelLabel(budget.level)}</Badge>
                    <span className="muted">per {formatResetDuration(budget.reset_duration)}</span>
                  </span>
                  {budget.will_cross ? (
                    <Badge tone="danger">
                      On pace for <Money value={budget.projected_usage} />
                    </Badge>
                  ) : budget.used_fraction >= 0.8 ? (
                    <Badge tone="warning">{formatPercent(budget.used_fraction)} used</Badge>
                  ) : null}
                </div>
                <BudgetBar
                  used={budget.current_usage}
                  reserved={budget.reserved}
                  limit={limit}
                  projected={budget.projected_usage}
                  label={`${levelLabel(budget.level)} ${budget.owner_name} budget per ${formatResetDuration(budget.reset_duration)}`}
                />
                <div className="health-foot muted">
                  <span>
                    Resets <TimeAgo value={budget.reset_at} />
                  </span>
                  <span>
                    Projected <Money value={budget.projected_usage} /> by reset{budget.will_cross ? ', over the limit' : ''}
                  </span>
                </div>
              </li>
            );
          })}
        </ul>
      )}
      {budgets.length > HEALTH_PREVIEW && (
        <button type="button" className="link-button" onClick={() => setShowAll((value) => !value)} aria-expanded={showAll}>
          {showAll ? 'Show fewer' : `Show all ${budgets.length} budgets`}
        </button>
      )}
    </Card>
  );
}

export function TopSessionsCard({ overview }: { overview: Overview }) {
  return (
    <Card title="Top sessions by cost" subtitle="Claude Code sessions this month. Open one to see its requests as a timeline." className="span-2">
      {overview.top_sessions.length === 0 ? (
        <p className="muted">No sessions yet. Claude Code sends a session id with each request; they appear here once traffic flows.</p>
      ) : (
        <div className="table-wrap flush">
          <table className="table">
            <caption className="visually-hidden">Top sessions by cost</caption>
            <thead>
              <tr>
                <th scope="col">Session</th>
                <th scope="col">Key</th>
                <th scope="col" className="end">
                  Requests
                </th>
                <th scope="col" className="end">
                  Cost
                </th>
                <th scope="col" className="end">
                  Last request
                </th>
              </tr>
            </thead>
            <tbody>
              {overview.top_sessions.map((session) => (
                <tr key={session.session_id}>
                  <td>
                    <Link to="/logs" params={{ session: session.session_id }} className="mono" aria-label={`Session ${session.session_id}`}>
                      {session.session_id.slice(0, 8)}
                    </Link>
                  </td>
                  <td>{session.virtual_key_name ?? <span className="muted">No key</span>}</td>
                  <td className="end">{formatCount(session.requests)}</td>
                  <td className="end">
                    <Money value={session.cost} />
                  </td>
                  <td className="end">
                    <TimeAgo value={session.last_at} />
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}
    </Card>
  );
}

/** What the activity columns wait for. */
export const NO_ACTIVITY = 'Lines of code, commits and PRs appear when teammates sign in with /login and telemetry is on.';

export function PeopleCard({ overview }: { overview: Overview }) {
  const people = overview.people;
  const activity = overviewSelectors.hasActivity(overview);
  return (
    <Card title="People" subtitle="This month: what each person spent beside what their Claude Code reported doing." className="people">
      {people.length === 0 ? (
        <p className="muted">No one has used the gateway this month. {NO_ACTIVITY}</p>
      ) : (
        <>
          {!activity && <p className="muted">{NO_ACTIVITY}</p>}
          <div className="table-wrap flush">
            <table className="table">
              <caption className="visually-hidden">Spend, lines of code, commits and pull requests per person this month</caption>
              <thead>
                <tr>
                  <th scope="col">Person</th>
                  <th scope="col" className="end">
                    Spend
                  </th>
                  <th scope="col" className="end">
                    Requests
                  </th>
                  <th scope="col" className="end">
                    Lines of code
                  </th>
                  <th scope="col" className="end">
                    Commits
                  </th>
                  <th scope="col" className="end">
                    PRs
                  </th>
                </tr>
              </thead>
              <tbody>
                {people.map((person) => (
                  <tr key={`${person.kind}:${person.id}`}>
                    <th scope="row">
                      <Link to="/logs" params={person.kind === 'user' ? { user: person.id } : { vk: person.id }} aria-label={`Requests of ${person.name}`}>
                        {person.name}
                      </Link>
                      {person.kind === 'key' && <Badge>Key</Badge>}
                    </th>
                    <td className="end">
                      <Money value={person.spend} />
                    </td>
                    <td className="end">{formatCount(person.requests)}</td>
                    <td className="end">
                      <LinesOfCode added={person.lines_added} removed={person.lines_removed} />
                    </td>
                    <td className="end">{formatCount(person.commits)}</td>
                    <td className="end">{formatCount(person.pull_requests)}</td>
                  </tr>
                ))}
              </tbody>
            </table>
          </div>
        </>
      )}
    </Card>
  );
}

/** `+120 / −34` for the eye, "120 added, 34 removed" for a screen reader. */
function LinesOfCode({ added, removed }: { added: number; removed: number }) {
  return (
    <>
      <span className="visually-hidden">
        {formatCount(added)} added, {formatCount(removed)} removed
      </span>
      <span aria-hidden="true">
        <span className="lines-added">+{formatCount(added)}</span> / <span className="lines-removed">−{formatCount(removed)}</span>
      </span>
    </>
  );
}

function CountList({ items, empty, label }: { items: { key: string; label: string; count: number; href: { to: string; params: Record<string, string> } }[]; empty: string; label: string }) {
  const max = items.reduce((top, item) => Math.max(top, item.count), 0);
  if (items.length === 0) return <p className="muted">{empty}</p>;
  return (
    <ul className="count-list" aria-label={label}>
      {items.map((item) => (
        <li key={item.key}>
          <Link to={item.href.to} params={item.href.params} className="count-name">
            {item.label}
          </Link>
          <span className="count-bar" aria-hidden="true">
            <span style={{ width: `${max ? (item.count / max) * 100 : 0}%` }} />
          </span>
          <span className="num count-value">{formatCount(item.count)}</span>
        </li>
      ))}
    </ul>
  );
}

export function ProblemsCard({ overview }: { overview: Overview }) {
  const refusals = [...overview.refusals]
    .sort((a, b) => b.count - a.count)
    .map((item) => ({ key: item.reason, label: refusalLabel(item.reason), count: item.count, href: { to: '/logs', params: { reason: item.reason } } }));
  const errors = [...overview.errors]
    .sort((a, b) => b.count - a.count)
    .map((item) => ({ key: item.error_type, label: humanise(item.error_type), count: item.count, href: { to: '/logs', params: { status: 'error' } } }));
  return (
    <Card title="Refusals and errors" subtitle="This month. Refusals are the gateway enforcing policy; errors came from upstream or the network.">
      <h3 className="subheading">
        Refused <span className="muted num">{formatCount(overviewSelectors.refusalTotal(overview))}</span>
      </h3>
      <CountList items={refusals} empty="Nothing refused." label="Refusals by reason" />
      <h3 className="subheading">
        Errors <span className="muted num">{formatCount(overviewSelectors.errorTotal(overview))}</span>
      </h3>
      <CountList items={errors} empty="No errors." label="Errors by type" />
    </Card>
  );
}
