// The dashboard: find the gateway (preload or sign-in), the first-run steps on a fresh install, then
// the shell with one route per page.
// Routing is hash based (#/logs?session=…) so it works under file:// and under /dashboard/ alike.
import { useEffect } from 'react';
import { Button } from './components/Button';
import { Loading } from './components/Spinner';
import { Shell, type PageEntry } from './components/shell/Shell';
import { SignIn } from './components/shell/SignIn';
import AuditPage from './pages/audit/index';
import KeysPage from './pages/keys/index';
import LogsPage from './pages/logs/index';
import ModelsPage from './pages/models/index';
import OnboardingPage from './pages/onboarding/index';
import OrganisationPage from './pages/organisation/index';
import OverviewPage from './pages/overview/index';
import PolicyPage from './pages/policy/index';
import ProvidersPage from './pages/providers/index';
import SettingsPage from './pages/settings/index';
import SignInsPage, { PendingSignInsCount } from './pages/sign-ins/index';
import { onboardingSelectors, useOnboarding } from './stores/onboarding';
import { useSession } from './stores/session';

export const PAGES: readonly PageEntry[] = [
  { id: 'overview', label: 'Overview', component: OverviewPage },
  { id: 'keys', label: 'Keys', component: KeysPage },
  // #/sign-ins: the tray and the sign-in notifications open this page.
  { id: 'sign-ins', label: 'Sign-ins', component: SignInsPage, badge: PendingSignInsCount },
  // #/policy: the managed settings signed-in Claude Codes receive; #/policy?key=<id> previews one key's.
  { id: 'policy', label: 'Claude Code policy', component: PolicyPage },
  { id: 'organisation', label: 'Organisation', component: OrganisationPage },
  { id: 'models', label: 'Models & pricing', component: ModelsPage },
  { id: 'providers', label: 'Providers', component: ProvidersPage },
  { id: 'logs', label: 'Logs', component: LogsPage },
  { id: 'audit', label: 'Audit', component: AuditPage },
  { id: 'settings', label: 'Settings', component: SettingsPage },
];

export function App() {
  const status = useSession((state) => state.status);
  const notice = useSession((state) => state.notice);
  const start = useSession((state) => state.start);

  useEffect(() => {
    void start();
  }, [start]);

  switch (status) {
    case 'starting':
      return (
        <main className="centered">
          <Loading label="Connecting to the gateway…" />
        </main>
      );
    case 'signed-out':
      return <SignIn />;
    case 'unreachable':
      return (
        <main className="centered">
          <div className="unreachable" role="alert">
            <h1>Can&rsquo;t reach the gateway</h1>
            <p className="muted">{notice}</p>
            <Button variant="primary" onClick={() => void start()}>
              Try again
            </Button>
          </div>
        </main>
      );
    case 'ready':
      return <SignedIn />;
  }
}

/** A fresh gateway opens on the first-run steps (desktop window and browser alike); otherwise the dashboard. */
function SignedIn() {
  const needed = useOnboarding(onboardingSelectors.needed);
  const deciding = useOnboarding(onboardingSelectors.deciding);
  const load = useOnboarding((state) => state.load);

  useEffect(() => {
    void load();
  }, [load]);

  if (deciding) {
    return (
      <main className="centered">
        <Loading label="Opening the dashboard…" />
      </main>
    );
  }
  return needed ? <OnboardingPage /> : <Shell pages={PAGES} defaultPage="overview" />;
}
