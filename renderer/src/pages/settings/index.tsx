// Settings: the gateway-wide switches, each with what it does to requests, to the log, to the audit
// trail and to budgets, the key a Claude Code sign-in gets, then LAN sharing and the desktop notifications.
// A change shows at once and is sent; if the gateway refuses it, the previous value comes back and the
// refusal is shown where the change was made.
import { useEffect, useId, useMemo, useState, type FormEvent, type ReactNode } from 'react';
import { isCollectorUrl, isTimeZone, type ClientConfig } from '../../../../shared/schemas';
import {
  Button,
  ConfirmDialog,
  draftFromKeyFields,
  ErrorBanner,
  keyFieldsFromDraft,
  KeyTemplateFields,
  Link,
  Loading,
  otherKeySettings,
  PageHeader,
  type FieldErrors,
} from '../../components';
import { useAudit, type AuditArchiveResult } from '../../stores/audit';
import { useSession } from '../../stores/session';
import { settingsSelectors, useSettings, type SettingName } from '../../stores/settings';
import { LanSharing } from './LanSharing';
import { Notifications } from './Notifications';
import { saveState, SectionFrame, Switch } from './parts';
import './settings.css';

export default function SettingsPage() {
  const config = useSession((state) => state.config);
  const status = useSettings((state) => state.status);
  const error = useSettings((state) => state.error);
  const failure = useSettings((state) => state.failure);
  const load = useSettings((state) => state.load);
  const dismissFailure = useSettings((state) => state.dismissFailure);

  useEffect(() => {
    void load();
  }, [load]);

  return (
    <div className="settings-page">
      <PageHeader
        title="Settings"
        description="Gateway-wide rules. Each change applies to the next request; nothing needs a restart."
      />
      {failure && (
        <ErrorBanner
          title="That change was not saved"
          error={`${failure.message} The previous ${failure.fields.length === 1 ? 'value is' : 'values are'} back.`}
          onDismiss={dismissFailure}
        />
      )}
      {status === 'error' && !config && (
        <ErrorBanner title="Could not load the settings" error={error} onRetry={() => void load()} />
      )}
      {!config && status !== 'error' && <Loading label="Loading settings…" />}
      {config && (
        <>
          <Enforcement config={config} />
          <Capture config={config} />
          <Retention config={config} />
          <AuditRetention config={config} />
          <TimeZone config={config} />
          <SignInTemplate config={config} />
          <TelemetryForwarding config={config} />
          <HintHeadersPointer config={config} />
        </>
      )}
      <LanSharing />
      <Notifications />
    </div>
  );
}

function Section({
  id,
  title,
  field,
  children,
}: {
  id: string;
  title: string;
  field: SettingName;
  children: ReactNode;
}) {
  const pending = useSettings(settingsSelectors.isPending(field));
  const failed = useSettings(settingsSelectors.failedField(field));
  const saved = useSettings((state) => state.saved);
  return (
    <SectionFrame id={id} title={title} state={saveState(pending, failed !== null, saved !== null && saved.fields.includes(field))}>
      {children}
    </SectionFrame>
  );
}

function Enforcement({ config }: { config: ClientConfig }) {
  const update = useSettings((state) => state.update);
  const [confirming, setConfirming] = useState(false);
  const on = config.enforce_auth_on_inference;
  const describedBy = useId();
  return (
    <Section id="settings-enforcement" title="Virtual keys on every request" field="enforce_auth_on_inference">
      <Switch
        label="Require a Tollgate virtual key"
        checked={on}
        describedBy={describedBy}
        onChange={(next) => (next ? void update({ enforce_auth_on_inference: true }) : setConfirming(true))}
      />
      <div id={describedBy} className="settings-explain">
        {on ? (
          <p>
            <strong>On.</strong> A request without a virtual key is refused with 401 and logged as a refusal (&ldquo;No
            key presented&rdquo;). Every request counts against its key&rsquo;s budgets and limits.
          </p>
        ) : (
          <p className="settings-warning">
            <strong>Off.</strong> Requests that carry no virtual key (or only a Claude subscription sign-in) are
            forwarded without budgets, limits or attribution. Anyone who can reach the gateway can spend on its
            Anthropic key.
          </p>
        )}
        <p className="muted">
          A key that is sent is always checked: unknown, revoked or expired keys are refused either way.
        </p>
      </div>
      <ConfirmDialog
        open={confirming}
        title="Stop requiring virtual keys?"
        body={
          <p>
            Requests without a key will go through with no budget, no rate limit and no owner in the log. Keys that are
            sent are still checked.
          </p>
        }
        confirmLabel="Stop requiring keys"
        onCancel={() => setConfirming(false)}
        onConfirm={() => {
          setConfirming(false);
          void update({ enforce_auth_on_inference: false });
        }}
      />
    </Section>
  );
}

function Capture({ config }: { config: ClientConfig }) {
  const update = useSettings((state) => state.update);
  const describedBy = useId();
  return (
    <Section id="settings-capture" title="Content capture" field="capture_content">
      <Switch
        label="Store prompts and responses"
        checked={config.capture_content}
        describedBy={describedBy}
        onChange={(next) => void update({ capture_content: next })}
      />
      <div id={describedBy} className="settings-explain">
        {config.capture_content ? (
          <p>
            <strong>On.</strong> The log keeps each request&rsquo;s conversation (compressed, with repeated history
            stored once) for the detail panel and full-text search. A key can opt out on its own.
          </p>
        ) : (
          <p>
            <strong>Off.</strong> The log keeps tokens, cost, timings and tool names only. New requests cannot be read
            back or found by search.
          </p>
        )}
        <p className="muted">Turning capture off does not delete what was already captured; retention does.</p>
      </div>
    </Section>
  );
}

/**
 * A number of days to keep something for, saved on submit. Shrinking the window (or setting one where
 * everything was kept) removes history, so it asks first with what `confirmShrink` says will happen.
 */
function DaysForm({
  label,
  current,
  max,
  onSave,
  confirmShrink,
  helpId,
}: {
  label: string;
  current: number;
  max: number;
  onSave: (days: number) => void;
  confirmShrink: (days: number) => { title: string; body: ReactNode; confirmLabel: string };
  /** The id of the explanation under the form. */
  helpId: string;
}) {
  const [value, setValue] = useState(String(current));
  const [error, setError] = useState<string | null>(null);
  const [confirming, setConfirming] = useState<number | null>(null);
  const inputId = useId();
  useEffect(() => setValue(String(current)), [current]);

  const save = (days: number): void => {
    setConfirming(null);
    onSave(days);
  };

  const submit = (event: FormEvent): void => {
    event.preventDefault();
    const days = Number(value.trim());
    if (value.trim() === '' || !Number.isInteger(days) || days < 0 || days > max) {
      setError(`A whole number of days from 0 to ${max} (0 keeps everything).`);
      return;
    }
    setError(null);
    if (days === current) return;
    // Removing history cannot be undone: ask first whenever the window shrinks.
    const shrinks = days !== 0 && (current === 0 || days < current);
    if (shrinks) setConfirming(days);
    else save(days);
  };

  const confirm = confirmShrink(confirming ?? current);
  return (
    <>
      <form className="settings-inline" onSubmit={submit} noValidate>
        <label htmlFor={inputId}>{label}</label>
        <input
          id={inputId}
          className="input num settings-days"
          type="number"
          min={0}
          max={max}
          step={1}
          value={value}
          aria-invalid={error ? true : undefined}
          aria-describedby={helpId}
          onChange={(event) => setValue(event.target.value)}
        />
        <span>days</span>
        <Button type="submit" size="sm" disabled={value.trim() === String(current)}>
          Save
        </Button>
      </form>
      {error && <p className="field-error">{error}</p>}
      <ConfirmDialog
        open={confirming !== null}
        title={confirm.title}
        body={confirm.body}
        confirmLabel={confirm.confirmLabel}
        onCancel={() => setConfirming(null)}
        onConfirm={() => confirming !== null && save(confirming)}
      />
    </>
  );
}

function Retention({ config }: { config: ClientConfig }) {
  const update = useSettings((state) => state.update);
  const helpId = useId();
  return (
    <Section id="settings-retention" title="Retention" field="retention_days">
      <DaysForm
        label="Keep requests for"
        current={config.retention_days}
        max={3650}
        helpId={helpId}
        onSave={(days) => void update({ retention_days: days })}
        confirmShrink={(days) => ({
          title: `Keep only ${days} days of requests?`,
          body: (
            <p>Requests older than {days} days, and their captured content, will be deleted. This cannot be undone.</p>
          ),
          confirmLabel: `Delete older than ${days} days`,
        })}
      />
      <div id={helpId} className="settings-explain">
        <p>
          {config.retention_days === 0 ? (
            <>
              <strong>Kept forever.</strong> The log grows until you set a limit.
            </>
          ) : (
            <>
              Requests older than <strong>{config.retention_days} days</strong> are deleted, with their captured
              content, when the gateway starts and periodically after.
            </>
          )}{' '}
          0 keeps everything.
        </p>
        <p className="muted">
          Deleted requests leave the log, its statistics and exports for good. Budgets already spent stay spent.
        </p>
      </div>
    </Section>
  );
}

/** How long the audit trail keeps its entries before they are archived, and archiving on request. */
function AuditRetention({ config }: { config: ClientConfig }) {
  const update = useSettings((state) => state.update);
  const archive = useAudit((state) => state.archive);
  const archiving = useAudit((state) => state.archiving);
  const archiveResult = useAudit((state) => state.archiveResult);
  const archiveError = useAudit((state) => state.archiveError);
  const helpId = useId();
  const days = config.audit_retention_days;
  return (
    <Section id="settings-audit-retention" title="Audit trail retention" field="audit_retention_days">
      <DaysForm
        label="Audit trail: keep"
        current={days}
        max={36_500}
        helpId={helpId}
        onSave={(next) => void update({ audit_retention_days: next })}
        confirmShrink={(next) => ({
          title: `Keep only ${next} days of audit entries?`,
          body: (
            <p>
              Audit entries older than {next} days will be archived to a JSON Lines file in the data directory&rsquo;s
              audit-archive folder and removed from the trail. They stay readable there, and the trail stays verifiable
              from the checkpoint they leave.
            </p>
          ),
          confirmLabel: `Archive older than ${next} days`,
        })}
      />
      <div id={helpId} className="settings-explain">
        <p>
          {days === 0 ? (
            <>
              <strong>Kept forever.</strong> The audit trail grows until you set a limit.
            </>
          ) : (
            <>
              Audit entries older than <strong>{days} days</strong> are archived whole, as JSON Lines, to the data
              directory&rsquo;s <span className="mono">audit-archive</span> folder and pruned from the trail, when the
              gateway starts and periodically after.
            </>
          )}{' '}
          0 keeps everything.
        </p>
        <p className="muted">
          Each archive leaves a checkpoint: the remaining chain stays verifiable from the checkpoint&rsquo;s hash, and
          the archive file verifies on its own up to it. The audit page says where verification starts.
        </p>
      </div>
      <div className="settings-inline settings-archive">
        <Button size="sm" busy={archiving} disabled={days === 0} onClick={() => void archive()}>
          Archive now
        </Button>
        <span className="muted" role="status">
          {days === 0
            ? 'Set a number of days to archive older entries.'
            : archiving
              ? 'Archiving…'
              : archiveResult && archiveMessage(archiveResult)}
        </span>
      </div>
      {archiveError && !archiving && <p className="field-error">Could not archive: {archiveError}</p>}
    </Section>
  );
}

function archiveMessage({ archived, checkpoint, older_than_days }: AuditArchiveResult): string {
  if (archived === 0 || !checkpoint) return `Nothing older than ${older_than_days} days.`;
  return `Archived ${archived.toLocaleString()} ${archived === 1 ? 'entry' : 'entries'} to ${checkpoint.archive_file}.`;
}

function zones(): string[] {
  const intl = Intl as typeof Intl & { supportedValuesOf?: (key: 'timeZone') => string[] };
  try {
    return intl.supportedValuesOf?.('timeZone') ?? [];
  } catch {
    return [];
  }
}

/** Where the telemetry signed-in Claude Code sends is passed on to: the operator's own OpenTelemetry collector. */
function TelemetryForwarding({ config }: { config: ClientConfig }) {
  const update = useSettings((state) => state.update);
  const current = config.telemetry_forward_url ?? '';
  const [value, setValue] = useState(current);
  const [error, setError] = useState<string | null>(null);
  const inputId = useId();
  useEffect(() => setValue(current), [current]);

  const save = (text: string): void => {
    if (text !== '' && !isCollectorUrl(text)) {
      setError('Use the collector’s OTLP/HTTP address, e.g. http://otel-collector:4318, without a user name, password or query.');
      return;
    }
    setError(null);
    if (text !== current) void update({ telemetry_forward_url: text === '' ? null : text });
  };

  return (
    <Section id="settings-telemetry-forward" title="Send telemetry on to your collector" field="telemetry_forward_url">
      <form
        className="settings-inline"
        onSubmit={(event) => {
          event.preventDefault();
          save(value.trim());
        }}
        noValidate
      >
        <label htmlFor={inputId}>Collector URL</label>
        <input
          id={inputId}
          className="input settings-url"
          type="url"
          inputMode="url"
          spellCheck={false}
          autoComplete="off"
          placeholder="http://otel-collector:4318"
          value={value}
          aria-invalid={error ? true : undefined}
          aria-describedby={`${inputId}-help`}
          onChange={(event) => setValue(event.target.value)}
        />
        <Button type="submit" size="sm" disabled={value.trim() === current}>
          Save
        </Button>
        {current && (
          <Button size="sm" variant="ghost" onClick={() => save('')}>
            Stop sending
          </Button>
        )}
      </form>
      {error && <p className="field-error">{error}</p>}
      <div id={`${inputId}-help`} className="settings-explain">
        <p>
          {current ? (
            <>
              The logs, metrics and traces signed-in Claude Code exports go on to <code>{current}/v1/…</code> as they
              arrive, each stamped with the key, user and team that sent it (<code>tollgate.user.email</code>,{' '}
              <code>tollgate.team.name</code>…).
            </>
          ) : (
            <>Off: the telemetry Claude Code sends stays in Tollgate, in the session view.</>
          )}
        </p>
        <p className="muted">
          Prompt text and tool inputs are sent on only for keys whose content capture is on. A collector that is down
          or slow never holds up Claude Code; what it misses is counted on <code>/metrics</code>.
        </p>
      </div>
    </Section>
  );
}

function TimeZone({ config }: { config: ClientConfig }) {
  const update = useSettings((state) => state.update);
  const [value, setValue] = useState(config.budget_time_zone);
  const [error, setError] = useState<string | null>(null);
  const inputId = useId();
  const listId = useId();
  const all = useMemo(zones, []);
  const local = Intl.DateTimeFormat().resolvedOptions().timeZone;
  useEffect(() => setValue(config.budget_time_zone), [config.budget_time_zone]);

  const save = (zone: string): void => {
    if (!isTimeZone(zone)) {
      setError('Not a time zone this system knows. Use an IANA name such as UTC, Europe/Paris or America/New_York.');
      return;
    }
    setError(null);
    if (zone !== config.budget_time_zone) void update({ budget_time_zone: zone });
  };

  const now = isTimeZone(config.budget_time_zone)
    ? new Intl.DateTimeFormat(undefined, {
        timeZone: config.budget_time_zone,
        weekday: 'short',
        hour: '2-digit',
        minute: '2-digit',
      }).format(new Date())
    : '';

  return (
    <Section id="settings-zone" title="Time zone for calendar budgets" field="budget_time_zone">
      <form
        className="settings-inline"
        onSubmit={(event) => {
          event.preventDefault();
          save(value.trim());
        }}
        noValidate
      >
        <label htmlFor={inputId}>Time zone</label>
        <input
          id={inputId}
          className="input settings-zone"
          list={listId}
          spellCheck={false}
          autoComplete="off"
          value={value}
          aria-invalid={error ? true : undefined}
          aria-describedby={`${inputId}-help`}
          onChange={(event) => setValue(event.target.value)}
        />
        <datalist id={listId}>
          {all.map((zone) => (
            <option key={zone} value={zone} />
          ))}
        </datalist>
        <Button type="submit" size="sm" disabled={value.trim() === config.budget_time_zone}>
          Save
        </Button>
        {local && local !== config.budget_time_zone && (
          <Button size="sm" variant="ghost" onClick={() => save(local)}>
            Use {local}
          </Button>
        )}
      </form>
      {error && <p className="field-error">{error}</p>}
      <div id={`${inputId}-help`} className="settings-explain">
        <p>
          Calendar budgets reset at midnight, on Mondays and on the 1st in this zone, unless a budget names its own. The
          overview&rsquo;s &ldquo;today&rdquo;, &ldquo;this week&rdquo; and &ldquo;this month&rdquo; follow it too.
          {now && <span className="muted"> It is now {now} there.</span>}
        </p>
        <p className="muted">
          Changing it moves the next reset of calendar budgets that follow it; spend already counted stays in its
          period.
        </p>
      </div>
    </Section>
  );
}

/**
 * The key a Claude Code sign-in gets unless its approval says otherwise: the same common fields as
 * the approval panel, saved together on submit. What else the template sets (through the API) stays.
 */
function SignInTemplate({ config }: { config: ClientConfig }) {
  const update = useSettings((state) => state.update);
  const template = config.sign_in_key_template;
  const saved = useMemo(() => draftFromKeyFields(template), [template]);
  const others = useMemo(() => otherKeySettings(template), [template]);
  const [draft, setDraft] = useState(saved);
  const [errors, setErrors] = useState<FieldErrors>({});
  const helpId = useId();
  useEffect(() => {
    setDraft(saved);
    setErrors({});
  }, [saved]);
  const changed = JSON.stringify(draft) !== JSON.stringify(saved);

  const submit = (event: FormEvent): void => {
    event.preventDefault();
    const { fields, errors: found } = keyFieldsFromDraft(template, draft, { emptied: 'template' });
    setErrors(found);
    if (Object.keys(found).length > 0 || !changed) return;
    void update({ sign_in_key_template: fields });
  };

  return (
    <Section id="settings-sign-in-template" title="Sign-in key template" field="sign_in_key_template">
      <div id={helpId} className="settings-explain">
        <p>
          When you approve a teammate&rsquo;s Claude Code sign-in (<span className="mono">/login</span>) on the{' '}
          <Link to="/sign-ins">Sign-ins</Link> page, their new key starts with these settings; the approval panel and
          invites show them filled in, to keep or change for that person.
        </p>
        <p className="muted">Changing the template does not change keys already made. Empty fields mean no limit.</p>
      </div>
      <form className="settings-template" aria-describedby={helpId} onSubmit={submit} noValidate>
        <KeyTemplateFields draft={draft} errors={errors} onChange={setDraft} others={others} />
        <div className="settings-inline">
          <Button type="submit" size="sm" disabled={!changed}>
            Save template
          </Button>
          {changed && (
            <Button size="sm" variant="ghost" onClick={() => setDraft(saved)}>
              Discard changes
            </Button>
          )}
        </div>
      </form>
    </Section>
  );
}

/** Hint headers have their switch on the policy page, beside the machines they report; this only points there. */
function HintHeadersPointer({ config }: { config: ClientConfig }) {
  return (
    <SectionFrame id="settings-hint-headers" title="Which machines run the current policy">
      <div className="settings-explain">
        <p>
          Hint headers are <strong>{config.managed_settings_hint_headers ? 'on' : 'off'}</strong>. Turn them on or off,
          and see which machines run stale or missing managed settings, on the{' '}
          <Link to="/policy">Claude Code policy</Link> page.
        </p>
      </div>
    </SectionFrame>
  );
}
