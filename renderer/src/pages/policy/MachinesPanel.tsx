// "Which machines run the current policy": the hint-headers switch (client setting
// managed_settings_hint_headers, saved through the settings store like every other setting, asked
// about before it goes on because every interactive Claude Code then asks its developer to approve
// it) and, while it is on, each signed-in key's machine with whether its last model request ran the
// current managed settings, stale ones or none (GET /api/managed-settings/machines).
import { Fragment, useEffect, useId, useMemo, useState } from 'react';
import { Badge, type Tone } from '../../components/Badge';
import { Button } from '../../components/Button';
import { Card } from '../../components/Card';
import { ConfirmDialog } from '../../components/Dialog';
import { ErrorBanner } from '../../components/ErrorBanner';
import { Link } from '../../components/router';
import { Loading } from '../../components/Spinner';
import { DataTable, type Column } from '../../components/Table';
import { TimeAgo } from '../../components/TimeAgo';
import { useManagedSettings, type MachineSettingsState, type PolicyMachine } from '../../stores/managed-settings';
import type { User } from '../../stores/organisation';
import { useSession } from '../../stores/session';
import { settingsSelectors, useSettings, type SettingName } from '../../stores/settings';
import { saveState, Switch } from '../settings/parts';
import { HINT_HEADERS_VARIABLE } from './labels';

const FIELD = 'managed_settings_hint_headers' satisfies SettingName;

/** Out-of-date machines first: they are what the admin came to find. */
const STATE_ORDER: readonly MachineSettingsState[] = ['stale', 'missing', 'current'];

const STATE: Record<MachineSettingsState, { label: string; tone: Tone; meaning: string }> = {
  current: {
    label: 'Current',
    tone: 'success',
    meaning:
      'Runs the managed settings the gateway serves now, served it within the last two hours, or a value accepted for it.',
  },
  stale: {
    label: 'Stale',
    tone: 'warning',
    meaning:
      'Reported other managed settings: it has not fetched the latest yet, or its client or an MDM profile changes what it loads.',
  },
  missing: {
    label: 'Missing',
    tone: 'danger',
    meaning: 'Sent no checksum: an older Claude Code, claude ssh, or one that has not picked up this setting yet.',
  },
};

/** Stale, then missing, then current; within each, the most recently seen first. */
export function machinesInOrder(machines: readonly PolicyMachine[]): PolicyMachine[] {
  return [...machines].sort(
    (a, b) =>
      STATE_ORDER.indexOf(a.state) - STATE_ORDER.indexOf(b.state) || b.last_seen_at.localeCompare(a.last_seen_at),
  );
}

/** "3 machines: 1 stale, 1 missing, 1 current", naming only the states that occur. */
export function machinesSummary(machines: readonly PolicyMachine[]): string {
  const counts = STATE_ORDER.map((state) => ({ state, count: machines.filter((item) => item.state === state).length }));
  const parts = counts.filter(({ count }) => count > 0).map(({ state, count }) => `${count} ${state}`);
  const total = `${machines.length} ${machines.length === 1 ? 'machine' : 'machines'}`;
  return parts.length > 0 ? `${total}: ${parts.join(', ')}` : total;
}

export interface MachinesPanelProps {
  users: readonly User[];
}

export function MachinesPanel({ users }: MachinesPanelProps) {
  const on = useSession((state) => state.config?.managed_settings_hint_headers ?? null);
  const update = useSettings((state) => state.update);
  const pending = useSettings(settingsSelectors.isPending(FIELD));
  const failed = useSettings(settingsSelectors.failedField(FIELD));
  const saved = useSettings((state) => state.saved);
  const dismissFailure = useSettings((state) => state.dismissFailure);
  const loadSettings = useSettings((state) => state.load);
  const settingsError = useSettings((state) => (state.status === 'error' ? state.error : null));
  const loadMachines = useManagedSettings((state) => state.loadMachines);
  const [confirming, setConfirming] = useState(false);
  const explainId = useId();

  // The shell loads the settings at sign-in; only a page opened without them asks.
  const unknown = on === null;
  useEffect(() => {
    if (unknown) void loadSettings();
  }, [unknown, loadSettings]);

  // Ask once the switch is on and settled: not while a change is out (it may yet be refused).
  useEffect(() => {
    if (on && !pending) void loadMachines();
  }, [on, pending, loadMachines]);

  const state = saveState(pending, failed !== null, saved !== null && saved.fields.includes(FIELD));

  return (
    <Card
      title="Which machines run the current policy"
      subtitle="With hint headers on, each signed-in Claude Code says which managed settings it runs under, so machines with stale or missing settings show up here."
      actions={
        state ? (
          <span className="policy-save-state" aria-live="polite">
            {state}
          </span>
        ) : undefined
      }
    >
      <div className="policy-machines">
        {failed && (
          <ErrorBanner
            title={`Hint headers were not turned ${on ? 'off' : 'on'}`}
            error={`${failed} The previous value is back.`}
            onDismiss={dismissFailure}
          />
        )}
        {on === null ? (
          settingsError ? (
            <ErrorBanner
              title="Could not load the settings"
              error={settingsError}
              onRetry={() => void loadSettings()}
            />
          ) : (
            <Loading label="Loading the settings…" />
          )
        ) : (
          <>
            <Switch
              label="Ask Claude Code which policy it runs (hint headers)"
              checked={on}
              describedBy={explainId}
              disabled={pending}
              onChange={(next) => (next ? setConfirming(true) : void update({ managed_settings_hint_headers: false }))}
            />
            <div id={explainId} className="policy-explain">
              {on ? (
                <p>
                  <strong>On.</strong> Every signed-in key&rsquo;s managed settings set{' '}
                  <span className="mono">{HINT_HEADERS_VARIABLE}</span>, and Claude Code sends the checksum of the
                  settings it runs under with each model request. Turning it off removes the variable at each
                  machine&rsquo;s next check.
                </p>
              ) : (
                <p>
                  <strong>Off.</strong> Turning it on adds <span className="mono">{HINT_HEADERS_VARIABLE}</span> to the{' '}
                  <span className="mono">env</span> of the managed settings every signed-in Claude Code receives, even
                  where no layer applies. Each interactive Claude Code then asks its developer once to approve it, and
                  exits if they decline; <span className="mono">claude -p</span> applies it without asking. Tell your
                  team before you turn it on.
                </p>
              )}
              <p className="muted">
                The checksum is Claude Code&rsquo;s own claim: use it to find out-of-date machines, not as a security
                control.
              </p>
            </div>
            {on ? (
              <MachinesList users={users} />
            ) : (
              <p className="policy-none">
                Turned on, this lists each signed-in key&rsquo;s machine: whether its Claude Code runs the current
                policy, stale settings or none, and when it last sent a request.
              </p>
            )}
          </>
        )}
      </div>

      <ConfirmDialog
        open={confirming}
        title="Turn on hint headers for every Claude Code?"
        body={
          <>
            <p>
              At its next check (about hourly, and at start) every signed-in Claude Code receives{' '}
              <span className="mono">{HINT_HEADERS_VARIABLE}</span> in its managed settings&rsquo; env. An interactive
              Claude Code asks its developer once to approve it; a developer who declines cannot start Claude Code until
              you turn this off.
            </p>
            <p>Tell your team first, so nobody is surprised by the prompt.</p>
          </>
        }
        confirmLabel="Turn on hint headers"
        tone="primary"
        onCancel={() => setConfirming(false)}
        onConfirm={() => {
          setConfirming(false);
          void update({ managed_settings_hint_headers: true });
        }}
      />
    </Card>
  );
}

function MachinesList({ users }: { users: readonly User[] }) {
  const machines = useManagedSettings((state) => state.machines);
  const status = useManagedSettings((state) => state.machinesStatus);
  const error = useManagedSettings((state) => state.machinesError);
  const checkedAt = useManagedSettings((state) => state.machinesCheckedAt);
  const loadMachines = useManagedSettings((state) => state.loadMachines);
  const rows = useMemo(() => machinesInOrder(machines), [machines]);

  const userName = (id: string | null): string | null =>
    id ? (users.find((user) => user.id === id)?.name ?? null) : null;

  const columns: Column<PolicyMachine>[] = [
    {
      id: 'machine',
      header: 'Machine',
      cell: (machine) => {
        const who = [userName(machine.user_id), machine.email].filter(Boolean).join(' · ');
        return (
          <div className="cell-stack">
            <Link
              to="/logs"
              params={{ vk: machine.virtual_key_id }}
              className="policy-owner"
              aria-label={`Requests of ${machine.key_name}`}
            >
              {machine.key_name}
            </Link>
            <span className="cell-sub">{who || 'No user'}</span>
          </div>
        );
      },
    },
    {
      id: 'state',
      header: 'Managed settings',
      cell: (machine) => (
        <Badge tone={STATE[machine.state].tone} title={STATE[machine.state].meaning}>
          {STATE[machine.state].label}
        </Badge>
      ),
    },
    {
      id: 'seen',
      header: 'Last request',
      cell: (machine) => <TimeAgo value={machine.last_seen_at} />,
    },
  ];

  if (checkedAt === null && status !== 'error') return <Loading label="Asking which machines run the policy…" />;

  return (
    <div className="policy-machines-list">
      {error && <ErrorBanner title="Could not list the machines" error={error} onRetry={() => void loadMachines()} />}
      {checkedAt !== null && (
        <>
          <div className="policy-machines-bar">
            <span role="status">{machinesSummary(machines)}</span>
            <Button
              size="sm"
              busy={status === 'loading'}
              aria-label="Refresh the machines"
              onClick={() => void loadMachines()}
            >
              Refresh
            </Button>
          </div>
          <DataTable
            caption="Machines and their managed settings"
            columns={columns}
            rows={rows}
            rowKey={(machine) => machine.virtual_key_id}
            empty={
              <div className="policy-machines-empty">
                <strong>No machine has reported yet.</strong>
                <span>
                  A signed-in Claude Code shows here after its next model request. Until it fetches its settings again
                  (about hourly, and at start) and its developer approves the variable, it shows as missing.
                </span>
              </div>
            }
          />
          <dl className="policy-facts policy-legend">
            {STATE_ORDER.map((state) => (
              <Fragment key={state}>
                <dt>{STATE[state].label}</dt>
                <dd>{STATE[state].meaning}</dd>
              </Fragment>
            ))}
          </dl>
        </>
      )}
    </div>
  );
}
