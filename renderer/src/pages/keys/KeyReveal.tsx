// The one time a key's secret is shown: the key itself, and the two ways to hand it to Claude Code,
// on this computer or (while LAN sharing is on) on a teammate's.
import { ConnectSnippets } from '../../components/ConnectSnippets';
import { CopyButton } from '../../components/CopyButton';
import type { Endpoints } from '../../stores/gateway';
import type { CreatedKey } from '../../stores/keys';

export interface KeyRevealProps {
  created: CreatedKey;
  endpoints: Endpoints;
  reason: 'created' | 'rotated';
}

export function KeyReveal({ created, endpoints, reason }: KeyRevealProps) {
  return (
    <div className="reveal stack">
      <div className="banner banner-warning" role="note">
        <div className="banner-text">
          <strong>Copy the key now. It will not be shown again.</strong>
          <span>
            {reason === 'rotated'
              ? 'The previous secret has stopped working. Update every place that used it.'
              : 'If it is lost, rotate the key to get a new secret.'}
          </span>
        </div>
      </div>
      <div className="field">
        <label className="field-label" htmlFor="revealed-key">
          Virtual key “{created.name}”
        </label>
        <div className="row">
          <input id="revealed-key" className="input mono" readOnly value={created.value} onFocus={(event) => event.currentTarget.select()} />
          <CopyButton text={created.value} label="Copy the key" size="md" />
        </div>
      </div>
      <ConnectSnippets secret={created.value} endpoints={endpoints} />
    </div>
  );
}
