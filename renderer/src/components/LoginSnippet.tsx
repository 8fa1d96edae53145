// Connecting Claude Code with /login, no key to hand over: the shell lines from shared/snippets.ts (the
// ones the tests run for real) that fetch and check Tollgate's CA when the address uses it and merge the
// gateway into ~/.claude/settings.json, then `claude` and /login, approved on the Sign-ins page.
import { loginShellLines, type GatewayEndpoint } from '../../../shared/snippets';
import { CodeBlock } from './CopyButton';
import { Link } from './router';

export function LoginSnippet({ endpoint }: { endpoint: GatewayEndpoint }) {
  return (
    <div className="stack-tight">
      <CodeBlock label="Shell lines for /login" code={loginShellLines(endpoint)} />
      <p className="field-hint">
        {endpoint.caCertificateUrl
          ? 'These lines download the CA certificate, stop unless its fingerprint matches, then add the gateway to '
          : 'These lines add the gateway to '}
        <code>~/.claude/settings.json</code>, keeping what is there. Then run <code>claude</code> and type{' '}
        <code>/login</code>: Claude Code shows a code and a link, and once the code is entered there you approve the
        sign-in on the <Link to="/sign-ins">Sign-ins</Link> page. The sign-in gets its own key.
      </p>
    </div>
  );
}
