// The Claude Code snippets for one key, for whoever will run it: this computer (the loopback address)
// or, while LAN sharing is on, a teammate (the LAN address, plus the CA certificate Claude Code has to
// trust). A teammate is offered /login first, which needs no key handed over; the key's own snippets
// follow and keep working. Text comes from shared/snippets.ts, the same module the tests run for real.
import { useId, useState } from 'react';
import { claudeCodeSettings, shellExports, type GatewayEndpoint } from '../../../shared/snippets';
import type { Endpoints } from '../stores/gateway';
import { Badge } from './Badge';
import { CodeBlock, CopyButton } from './CopyButton';
import { Select } from './Field';
import { LoginSnippet } from './LoginSnippet';
import { SegmentedControl } from './SegmentedControl';

export type SnippetTarget = 'local' | 'lan';

const TARGETS: readonly { value: SnippetTarget; label: string }[] = [
  { value: 'local', label: 'This computer' },
  { value: 'lan', label: 'Teammate on the LAN' },
];

export interface ConnectSnippetsProps {
  /** The key's secret, or a placeholder such as `<your virtual key>`. */
  secret: string;
  endpoints: Endpoints;
}

export function ConnectSnippets({ secret, endpoints }: ConnectSnippetsProps) {
  const [target, setTarget] = useState<SnippetTarget>('local');
  const [lanIndex, setLanIndex] = useState(0);
  const loginId = useId();
  const sharing = endpoints.lan.length > 0;
  const lanEndpoint = endpoints.lan[Math.min(lanIndex, endpoints.lan.length - 1)];
  // Sharing can stop while the snippets are open: fall back to this computer rather than a dead URL.
  const endpoint: GatewayEndpoint = target === 'lan' && lanEndpoint ? lanEndpoint : endpoints.local;
  const onLan = endpoint !== endpoints.local;

  return (
    <div className="connect-snippets stack">
      {sharing && (
        <div className="connect-target">
          <SegmentedControl label="Who runs Claude Code" value={onLan ? 'lan' : 'local'} options={TARGETS} onChange={setTarget} />
          {onLan && endpoints.lan.length > 1 && (
            <Select
              label="LAN address"
              className="connect-address"
              value={String(lanIndex)}
              options={endpoints.lan.map((item, index) => ({ value: String(index), label: item.baseUrl }))}
              onChange={(event) => setLanIndex(Number(event.target.value))}
            />
          )}
        </div>
      )}
      {onLan && <LanNote endpoint={endpoint} downloadUrl={endpoints.caDownloadUrl} />}
      {onLan && (
        <section className="stack-tight" aria-labelledby={loginId}>
          <h3 id={loginId} className="row">
            Sign in with /login <Badge tone="success">Recommended</Badge>
          </h3>
          <p className="field-hint">No key to hand over: the teammate runs these lines on their machine.</p>
          <LoginSnippet endpoint={endpoint} />
        </section>
      )}
      {onLan && <h3>Or hand over this key</h3>}
      <div className="stack-tight">
        <CodeBlock label="Claude Code settings.json" code={claudeCodeSettings(endpoint, secret)} />
        <p className="field-hint">
          Merge into <code>~/.claude/settings.json</code> for every project, or <code>.claude/settings.json</code> for one.
          {onLan && endpoint.caCertificateUrl && ' Save the certificate first (the shell lines below do it).'}
        </p>
      </div>
      <div className="stack-tight">
        <CodeBlock label="Shell exports" code={shellExports(endpoint, secret)} />
        <p className="field-hint">
          {onLan && endpoint.caCertificateUrl
            ? 'Run these on the teammate’s machine, then start claude in the same shell: Node reads NODE_EXTRA_CA_CERTS only when it starts.'
            : 'For a terminal or CI job: run it, then start claude in the same shell.'}
        </p>
      </div>
    </div>
  );
}

function LanNote({ endpoint, downloadUrl }: { endpoint: GatewayEndpoint; downloadUrl: string | null }) {
  if (!endpoint.caCertificateUrl) {
    return (
      <div className="banner banner-warning" role="note">
        <div className="banner-text">
          <strong>Plain HTTP on the LAN</strong>
          <span>TLS is off, so this key and every prompt cross the network unencrypted. Turn TLS back on in Settings unless the network is yours alone.</span>
        </div>
      </div>
    );
  }
  return (
    <div className="connect-ca">
      <p>
        Tollgate serves the LAN with its own certificate authority. Claude Code trusts it once the teammate has the certificate and{' '}
        <code>NODE_EXTRA_CA_CERTS</code> points at it.
      </p>
      <div className="row wrap">
        <a className="btn btn-secondary btn-sm" href={downloadUrl ?? endpoint.caCertificateUrl} download="tollgate-ca.pem">
          Download the CA certificate
        </a>
        <CopyButton text={endpoint.caCertificateUrl} label="Copy the CA certificate address for the teammate" size="sm" variant="ghost">
          Copy its LAN address
        </CopyButton>
      </div>
      {endpoint.caFingerprint && (
        <p className="connect-fingerprint">
          <span className="muted">SHA-256 fingerprint, to check the download by eye:</span> <code>{endpoint.caFingerprint}</code>
        </p>
      )}
    </div>
  );
}
