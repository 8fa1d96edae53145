// The one time a key's secret is shown: the key itself, and the two ways to hand it to Claude Code.
import { CodeBlock, CopyButton } from '../../components/CopyButton';
import type { CreatedKey } from '../../stores/keys';
import { claudeCodeSettings, shellExports } from './snippets';

export interface KeyRevealProps {
  created: CreatedKey;
  gatewayUrl: string;
  reason: 'created' | 'rotated';
}

export function KeyReveal({ created, gatewayUrl, reason }: KeyRevealProps) {
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
      <div className="stack-tight">
        <CodeBlock label="Claude Code settings.json" code={claudeCodeSettings(gatewayUrl, created.value)} />
        <p className="field-hint">
          Merge into <code>~/.claude/settings.json</code> for every project, or <code>.claude/settings.json</code> for one.
        </p>
      </div>
      <div className="stack-tight">
        <CodeBlock label="Shell exports" code={shellExports(gatewayUrl, created.value)} />
        <p className="field-hint">For a terminal or CI job: run it, then start claude in the same shell.</p>
      </div>
    </div>
  );
}
