// Settings › LAN sharing: share the proxy with teammates on this network, with Tollgate's own TLS by
// default, the admin API kept on this computer unless remote admin is on, a pinned address or all of
// them, and a port. Shows what is listening, the CA certificate to trust, and what went wrong. Each
// change applies at once (the gateway restarts its LAN listener) and comes back if refused.
import { useEffect, useId, useState, type FormEvent } from 'react';
import type { LanStatus } from '../../../../shared/schemas';
import { Button, ConfirmDialog, CopyButton, ErrorBanner, Link, Loading, Select, useEndpoints } from '../../components';
import { gatewaySelectors, useGateway } from '../../stores/gateway';
import { saveState, SectionFrame, Switch } from './parts';

const ALL_ADDRESSES = '';

export function LanSharing() {
  const lan = useGateway(gatewaySelectors.lan);
  const load = useGateway((state) => state.load);
  const error = useGateway((state) => state.error);
  const refresh = useGateway((state) => state.refresh);
  const pending = useGateway((state) => state.lanPending.size > 0);
  const failure = useGateway((state) => state.lanFailure);
  const dismissFailure = useGateway((state) => state.dismissLanFailure);

  useEffect(() => {
    // The shell polls too; a page opened on its own (or a first visit) should not wait for the next poll.
    void refresh();
  }, [refresh]);

  return (
    <SectionFrame
      id="settings-lan"
      title="LAN sharing"
      state={saveState(pending, failure !== null, false, 'Applying…')}
    >
      {failure && (
        <ErrorBanner
          title="That change was not applied"
          error={`${failure.message} The previous ${failure.fields.length === 1 ? 'value is' : 'values are'} back.`}
          onDismiss={dismissFailure}
        />
      )}
      {!lan && load === 'error' && (
        <ErrorBanner title="Could not load LAN sharing" error={error} onRetry={() => void refresh()} />
      )}
      {!lan && load !== 'error' && <Loading label="Loading LAN sharing…" />}
      {lan && <LanForm lan={lan} />}
    </SectionFrame>
  );
}

function LanForm({ lan }: { lan: LanStatus }) {
  const update = useGateway((state) => state.updateLan);
  const localUrl = useGateway((state) => state.status?.local_url ?? null);
  const [confirm, setConfirm] = useState<'tls-off' | 'remote-admin-on' | null>(null);
  const sharingId = useId();
  const tlsId = useId();
  const adminId = useId();
  const { settings } = lan;
  const localPort = localUrl ? new URL(localUrl).port : '';

  return (
    <>
      <Switch
        label="Share this gateway on the LAN"
        checked={settings.enabled}
        describedBy={sharingId}
        onChange={(on) => void update({ enabled: on })}
      />
      <div id={sharingId} className="settings-explain">
        {settings.enabled ? (
          <p>
            <strong>On.</strong> Teammates on this network send Claude Code through this gateway with their own keys.
            The admin API and this dashboard stay on this computer
            {settings.remote_admin ? ', except that remote admin is on (below)' : ''}.
          </p>
        ) : (
          <p>
            <strong>Off.</strong> Only this computer can reach the gateway.
          </p>
        )}
      </div>

      {settings.enabled && lan.error && <ErrorBanner title="Sharing is on but not listening" error={lan.error} />}
      {settings.enabled && lan.warning && (
        <div className="banner banner-warning" role="note">
          <div className="banner-text">
            <strong>Check this before sharing</strong>
            <span>{lan.warning}</span>
          </div>
        </div>
      )}
      {lan.listening && lan.urls.length > 0 && <Listening lan={lan} />}

      <div className="settings-group">
        <Switch
          label="Encrypt LAN traffic with TLS"
          checked={settings.tls}
          describedBy={tlsId}
          onChange={(on) => (on ? void update({ tls: true }) : setConfirm('tls-off'))}
        />
        <div id={tlsId} className="settings-explain">
          {settings.tls ? (
            <p>
              <strong>On.</strong> Tollgate signs its own certificate for this machine&rsquo;s addresses. Each teammate
              downloads the CA certificate once; the snippet on a key&rsquo;s reveal does it and sets{' '}
              <code>NODE_EXTRA_CA_CERTS</code>.
            </p>
          ) : (
            <p className="settings-warning">
              <strong>Off.</strong> Keys, prompts and answers cross the network as plain HTTP, readable by anyone on it.
            </p>
          )}
        </div>
      </div>

      <div className="settings-group">
        <Switch
          label="Allow remote admin"
          checked={settings.remote_admin}
          describedBy={adminId}
          onChange={(on) => (on ? setConfirm('remote-admin-on') : void update({ remote_admin: false }))}
        />
        <div id={adminId} className="settings-explain">
          {settings.remote_admin ? (
            <p className="settings-warning">
              <strong>On.</strong> The dashboard and admin API answer on the LAN to anyone with the admin token. Host
              and Origin are checked, so other web pages cannot reach it through a browser.
            </p>
          ) : (
            <p>
              <strong>Off.</strong> Keys, budgets and settings can only be changed from this computer.
            </p>
          )}
        </div>
      </div>

      <div className="settings-inline-grid">
        <AddressChoice lan={lan} />
        <PortForm port={settings.port} localPort={localPort} />
      </div>

      <ConfirmDialog
        open={confirm === 'tls-off'}
        title="Share over plain HTTP?"
        body={
          <p>
            Virtual keys, prompts and answers will cross the network unencrypted. Teammates&rsquo; snippets stop needing
            the certificate, so they have to be handed out again.
          </p>
        }
        confirmLabel="Turn TLS off"
        onCancel={() => setConfirm(null)}
        onConfirm={() => {
          setConfirm(null);
          void update({ tls: false });
        }}
      />
      <ConfirmDialog
        open={confirm === 'remote-admin-on'}
        title="Allow remote admin?"
        body={
          <p>
            Anyone on the network who has the admin token can then change keys, budgets and settings
            {settings.tls ? '' : ', and without TLS the token itself crosses the network in the clear'}.
          </p>
        }
        confirmLabel="Allow remote admin"
        onCancel={() => setConfirm(null)}
        onConfirm={() => {
          setConfirm(null);
          void update({ remote_admin: true });
        }}
      />
    </>
  );
}

/** The URLs teammates use and, with TLS, the certificate they have to trust. */
function Listening({ lan }: { lan: LanStatus }) {
  // On the gateway itself, not this page's origin: the desktop window's dashboard is on file://.
  const certificateHref = useEndpoints().caDownloadUrl;
  return (
    <div className="settings-lan-listening">
      <h3>Teammates use</h3>
      <ul className="settings-urls">
        {lan.urls.map((url) => (
          <li key={url}>
            <span className="mono">{url}</span>
            <CopyButton text={url} label={`Copy ${url}`} />
          </li>
        ))}
      </ul>
      <p className="muted">
        Give each teammate their own key: its reveal on the Keys page has a &ldquo;Teammate on the LAN&rdquo; snippet
        with this address.
      </p>
      <StrandedSignIns count={lan.sign_ins_pinned_to_old_certificate} />
      {certificateHref && (
        <div className="settings-ca">
          <h3>CA certificate</h3>
          <div className="row wrap">
            <a className="btn btn-secondary btn-sm" href={certificateHref} download="tollgate-ca.pem">
              Download the CA certificate
            </a>
          </div>
          {lan.ca_fingerprint_sha256 && (
            <p>
              <span className="muted">SHA-256 fingerprint</span>{' '}
              <code className="settings-fingerprint">{lan.ca_fingerprint_sha256}</code>
            </p>
          )}
          {lan.ca_certificate_path && (
            <p className="muted">
              On this computer: <code>{lan.ca_certificate_path}</code>
            </p>
          )}
          {lan.server_fingerprint_sha256 && (
            <p className="muted">
              Claude Code signed in with <span className="mono">/login</span> pins this computer&rsquo;s server
              certificate, SHA-256 <code className="settings-fingerprint">{lan.server_fingerprint_sha256}</code>, which
              covers {lan.server_certificate_covers.join(', ')}.
            </p>
          )}
        </div>
      )}
    </div>
  );
}

/** Said while teammates' Claude Code pins a server certificate that has been replaced. */
function StrandedSignIns({ count }: { count: number }) {
  if (count === 0) return null;
  return (
    <div className="settings-warning" role="status">
      <p>
        <strong>
          The server certificate changed: {count === 1 ? 'one teammate' : `${count} teammates`} signed in with{' '}
          <span className="mono">/login</span> must run <span className="mono">/login</span> again.
        </strong>{' '}
        Their Claude Code pinned the old certificate and refuses the new one.{' '}
        <Link to="/sign-ins">See who on the Sign-ins page</Link>, and revoke their old sign-ins once they have signed in
        again.
      </p>
    </div>
  );
}

/** True when pinning `address` needs a server certificate the current one does not cover. */
function needsNewCertificate(lan: LanStatus, address: string | null): boolean {
  if (!lan.settings.tls || lan.server_fingerprint_sha256 === null) return false;
  const wanted = address === null ? lan.available_addresses : [address];
  return wanted.some((one) => !lan.server_certificate_covers.includes(one));
}

function AddressChoice({ lan }: { lan: LanStatus }) {
  const update = useGateway((state) => state.updateLan);
  const [asking, setAsking] = useState<{ address: string | null } | null>(null);
  const current = lan.settings.address;
  const options = [
    { value: ALL_ADDRESSES, label: 'Every LAN address of this computer' },
    ...lan.available_addresses.map((address) => ({ value: address, label: address })),
    ...(current !== null && !lan.available_addresses.includes(current)
      ? [{ value: current, label: `${current} (not on this computer now)` }]
      : []),
  ];
  const choose = (address: string | null): void => {
    if (needsNewCertificate(lan, address)) setAsking({ address });
    else void update({ address });
  };
  return (
    <>
      <Select
        label="Listen on"
        className="settings-address"
        value={current ?? ALL_ADDRESSES}
        options={options}
        hint="Pin one address when this computer has several networks and only one is trusted."
        onChange={(event) => choose(event.target.value === ALL_ADDRESSES ? null : event.target.value)}
      />
      <ConfirmDialog
        open={asking !== null}
        title="Issue a new server certificate?"
        body={
          <p>
            The current certificate does not cover {asking?.address ?? 'every address of this computer'}, so Tollgate
            issues a new one. Teammates who signed in with <span className="mono">/login</span> over the LAN pinned the
            old one and will have to run <span className="mono">/login</span> again; teammates using a pasted key are
            not affected.
          </p>
        }
        confirmLabel="Issue it and switch"
        onCancel={() => setAsking(null)}
        onConfirm={() => {
          const address = asking?.address ?? null;
          setAsking(null);
          void update({ address });
        }}
      />
    </>
  );
}

function PortForm({ port, localPort }: { port: number | null; localPort: string }) {
  const update = useGateway((state) => state.updateLan);
  const [value, setValue] = useState(port === null ? '' : String(port));
  const [error, setError] = useState<string | null>(null);
  const inputId = useId();
  useEffect(() => setValue(port === null ? '' : String(port)), [port]);

  const submit = (event: FormEvent): void => {
    event.preventDefault();
    const text = value.trim();
    const next = text === '' ? null : Number(text);
    if (next !== null && (!Number.isInteger(next) || next < 1 || next > 65535)) {
      setError('A port from 1 to 65535, or empty for the same port as this computer.');
      return;
    }
    setError(null);
    if (next !== port) void update({ port: next });
  };

  return (
    <form className="field settings-port" onSubmit={submit} noValidate>
      <label className="field-label" htmlFor={inputId}>
        Port
      </label>
      <div className="row">
        <input
          id={inputId}
          className="input num"
          type="number"
          min={1}
          max={65535}
          placeholder={localPort || 'Same as here'}
          value={value}
          aria-invalid={error ? true : undefined}
          aria-describedby={`${inputId}-help`}
          onChange={(event) => setValue(event.target.value)}
        />
        <Button type="submit" size="sm" disabled={value.trim() === (port === null ? '' : String(port))}>
          Save
        </Button>
      </div>
      {error ? (
        <div id={`${inputId}-help`} className="field-error">
          {error}
        </div>
      ) : (
        <div id={`${inputId}-help`} className="field-hint">
          {localPort
            ? `Empty uses ${localPort}, the port this computer’s Claude Code uses.`
            : 'Empty uses the port this computer’s Claude Code uses.'}
        </div>
      )}
    </form>
  );
}
