// The fresh-install overview: what Tollgate does, and the three steps to the first governed request,
// with /login (no key to paste) as the other way to connect Claude Code.
import { Button } from '../../components/Button';
import { CodeBlock } from '../../components/CopyButton';
import { useEndpoints } from '../../components/hooks';
import { LoginSnippet } from '../../components/LoginSnippet';
import { navigate } from '../../components/router';
import { claudeCodeSettings } from '../../../../shared/snippets';

export function GettingStarted() {
  const { local, lan } = useEndpoints();
  // While sharing is on, /login is how teammates connect: show the LAN address they would use.
  const loginEndpoint = lan[0] ?? local;
  return (
    <section className="getting-started" aria-labelledby="getting-started-title">
      <div className="getting-started-intro">
        <h2 id="getting-started-title">Put your first Claude Code session through Tollgate</h2>
        <p className="muted">
          Nothing has gone through this gateway yet. Give each person or pipeline a virtual key with a budget, point Claude Code at the
          gateway, and this page fills with where the money goes.
        </p>
      </div>
      <ol className="steps">
        <li>
          <h3>Create a virtual key</h3>
          <p className="muted">Name it after who uses it, give it a budget such as $20 a day, and choose the models it may call.</p>
          <Button variant="primary" onClick={() => navigate('/keys', { create: '1' })}>
            Create a key
          </Button>
        </li>
        <li>
          <h3>Connect Claude Code</h3>
          <p className="muted">
            Put the key in <code>~/.claude/settings.json</code> (or the project&rsquo;s <code>.claude/settings.json</code>). The key page gives you this
            block with the real key filled in.
          </p>
          <CodeBlock label="Claude Code settings.json" code={claudeCodeSettings(local, '<your virtual key>')} />
          <p className="muted">
            Or skip the key and sign in with <code>/login</code>
            {lan.length > 0 && <> at the LAN address {loginEndpoint.baseUrl}, as teammates do</>}:
          </p>
          <LoginSnippet endpoint={loginEndpoint} />
        </li>
        <li>
          <h3>Run claude and watch</h3>
          <p className="muted">
            Start <code>claude</code> as usual. Each request appears in the logs with its cost; budgets and limits apply from the first one.
          </p>
          <Button onClick={() => navigate('/logs')}>Open the logs</Button>
        </li>
      </ol>
    </section>
  );
}
