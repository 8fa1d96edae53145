// Browser sign-in: the admin token, checked against the gateway before it is kept for this tab.
import { useState, type FormEvent } from 'react';
import { Button } from '../Button';
import { Field } from '../Field';
import { useSession } from '../../stores/session';
import { Logo } from './icons';

export function SignIn() {
  const signIn = useSession((state) => state.signIn);
  const signingIn = useSession((state) => state.signingIn);
  const error = useSession((state) => state.signInError);
  const notice = useSession((state) => state.notice);
  const [token, setToken] = useState('');

  const submit = (event: FormEvent) => {
    event.preventDefault();
    void signIn(token);
  };

  return (
    <main className="signin">
      <form className="signin-card" onSubmit={submit} aria-labelledby="signin-title" noValidate>
        <div className="signin-brand">
          <Logo />
          <span>Tollgate</span>
        </div>
        <h1 id="signin-title">Sign in to this gateway</h1>
        <p className="muted">
          The dashboard needs the gateway&rsquo;s admin token. It is in the <code>admin-token</code> file in the gateway&rsquo;s data directory, and
          the gateway prints where that is when it starts. The token is kept only for this browser tab.
        </p>
        {notice && (
          <div className="banner banner-info" role="status">
            {notice}
          </div>
        )}
        <Field label="Admin token" error={error}>
          {(ids) => (
            <input
              {...ids}
              className="input mono"
              type="password"
              autoComplete="off"
              spellCheck={false}
              autoFocus
              value={token}
              onChange={(event) => setToken(event.target.value)}
            />
          )}
        </Field>
        {error && (
          <p className="visually-hidden" role="alert">
            {error}
          </p>
        )}
        <Button type="submit" variant="primary" busy={signingIn}>
          Sign in
        </Button>
        <p className="signin-address muted">
          Gateway: <span className="mono">{window.location.origin}</span>
        </p>
      </form>
    </main>
  );
}
