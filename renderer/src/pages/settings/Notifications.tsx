// Settings › Notifications: the four kinds of system notification the desktop app raises, each one
// switched on or off here (the tray app reads the same settings from the gateway), and the one it always
// raises: its store cannot write.
import { useEffect, useId } from 'react';
import type { NotificationSettings } from '../../../../shared/schemas';
import { ErrorBanner, Loading } from '../../components';
import { useNotifications, type NotificationName } from '../../stores/notifications';
import { useSession } from '../../stores/session';
import { saveState, SectionFrame, Switch } from './parts';

const KINDS: readonly { name: NotificationName; label: string; explain: string }[] = [
  {
    name: 'budget_thresholds',
    label: 'A budget reaches 80 % or 100 %',
    explain: 'Once per budget period and threshold, for keys, users, teams and customers alike.',
  },
  {
    name: 'key_refusals',
    label: 'A key keeps being refused',
    explain: 'Spent budget, rate limit, model policy or a revoked key, again and again: someone is stuck.',
  },
  {
    name: 'upstream_failures',
    label: 'Anthropic keeps failing',
    explain: 'Several requests in a row got an error or no answer from the Anthropic API.',
  },
  {
    name: 'sign_ins',
    label: 'A teammate asks to sign in',
    explain:
      'Someone ran /login in Claude Code and entered their code: clicking the notification opens Sign-ins to approve or deny it.',
  },
];

export function Notifications() {
  const settings = useNotifications((state) => state.settings);
  const status = useNotifications((state) => state.status);
  const error = useNotifications((state) => state.error);
  const pending = useNotifications((state) => state.pending.size > 0);
  const failure = useNotifications((state) => state.failure);
  const load = useNotifications((state) => state.load);
  const dismissFailure = useNotifications((state) => state.dismissFailure);
  const desktop = useSession((state) => state.mode === 'desktop');
  const introId = useId();

  useEffect(() => {
    void load();
  }, [load]);

  return (
    <SectionFrame id="settings-notifications" title="Notifications" state={saveState(pending, failure !== null, false)}>
      <p id={introId} className="settings-explain">
        {desktop
          ? 'System notifications from Tollgate on this computer.'
          : 'Shown as system notifications by the Tollgate desktop app on the computer that runs the gateway; the browser dashboard shows none.'}
      </p>
      {failure && (
        <ErrorBanner
          title="That change was not saved"
          error={`${failure.message} The previous value is back.`}
          onDismiss={dismissFailure}
        />
      )}
      {!settings && status === 'error' && (
        <ErrorBanner title="Could not load the notification settings" error={error} onRetry={() => void load()} />
      )}
      {!settings && status !== 'error' && <Loading label="Loading notification settings…" />}
      {settings && <Switches settings={settings} />}
      {settings && (
        <p className="muted settings-switch-note">
          Always on: Tollgate tells you when it cannot write its store (a full disk), and when it can again.
        </p>
      )}
    </SectionFrame>
  );
}

function Switches({ settings }: { settings: NotificationSettings }) {
  const update = useNotifications((state) => state.update);
  return (
    <ul className="settings-notifications">
      {KINDS.map((kind) => (
        <Kind key={kind.name} {...kind} on={settings[kind.name]} onChange={(on) => void update({ [kind.name]: on })} />
      ))}
    </ul>
  );
}

function Kind({
  label,
  explain,
  on,
  onChange,
}: {
  label: string;
  explain: string;
  on: boolean;
  onChange: (on: boolean) => void;
}) {
  const id = useId();
  return (
    <li>
      <Switch label={label} checked={on} describedBy={id} onChange={onChange} />
      <p id={id} className="muted settings-switch-note">
        {explain}
      </p>
    </li>
  );
}
