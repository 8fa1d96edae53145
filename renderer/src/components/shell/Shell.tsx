// The signed-in frame: navigation on the left, a header with the gateway's address, enforcement, LAN
// sharing and the Pause control, a banner while the store cannot write, a banner while paused, and the
// current page. Polls the gateway's status while it is shown. Moves focus to the page on navigation so
// screen readers hear the change.
import { useEffect, useRef, type ComponentType } from 'react';
import { Badge } from '../Badge';
import { Button } from '../Button';
import { hrefFor, Link, navigate, useRoute } from '../router';
import { Toaster } from '../Toaster';
import { useGateway } from '../../stores/gateway';
import { sessionSelectors, useSession } from '../../stores/session';
import { LanBadge, PauseControl, PausedBanner, StoreBanner } from './GatewayControls';
import { icons, Logo } from './icons';

export interface PageEntry {
  id: keyof typeof icons;
  label: string;
  component: ComponentType;
  /** Drawn after the label in the navigation, e.g. how many sign-ins wait (it must name itself for screen readers). */
  badge?: ComponentType;
}

export function Shell({ pages, defaultPage }: { pages: readonly PageEntry[]; defaultPage: string }) {
  const route = useRoute();
  const main = useRef<HTMLElement>(null);
  const previousPage = useRef<string | null>(null);
  const refreshConfig = useSession((state) => state.refreshConfig);
  const startPolling = useGateway((state) => state.startPolling);

  useEffect(() => startPolling(), [startPolling]);

  useEffect(() => {
    if (route.page === '') navigate(`/${defaultPage}`, {}, { replace: true });
  }, [route.page, defaultPage]);

  const current = pages.find((page) => page.id === route.page);

  useEffect(() => {
    document.title = current ? `${current.label} · Tollgate` : 'Tollgate';
    if (previousPage.current !== null && previousPage.current !== route.page) {
      main.current?.focus({ preventScroll: true });
      void refreshConfig();
    }
    previousPage.current = route.page;
  }, [current, route.page, refreshConfig]);

  const Page = current?.component;
  return (
    <div className="shell">
      <a
        className="skip-link"
        href="#main"
        onClick={(event) => {
          event.preventDefault();
          main.current?.focus();
        }}
      >
        Skip to content
      </a>
      <aside className="sidebar">
        <div className="brand">
          <Logo />
          <span>Tollgate</span>
        </div>
        <nav aria-label="Main">
          <ul className="nav">
            {pages.map((page) => (
              <li key={page.id}>
                <Link
                  to={`/${page.id}`}
                  className="nav-link"
                  aria-current={page.id === route.page ? 'page' : undefined}
                >
                  {icons[page.id]}
                  <span>{page.label}</span>
                  {page.badge && <page.badge />}
                </Link>
              </li>
            ))}
          </ul>
        </nav>
      </aside>
      <div className="shell-body">
        <ShellHeader />
        <StoreBanner />
        <PausedBanner />
        <main id="main" ref={main} tabIndex={-1} className="content">
          {Page ? (
            <Page key={route.page} />
          ) : route.page === '' ? null : (
            <div className="empty">
              <h1 className="empty-title">No page called “{route.page}”</h1>
              <p className="empty-body">
                The address may be from an older version. <a href={hrefFor(`/${defaultPage}`)}>Go to the overview</a>.
              </p>
            </div>
          )}
        </main>
      </div>
      <Toaster />
    </div>
  );
}

function ShellHeader() {
  const gatewayUrl = useSession(sessionSelectors.gatewayUrl);
  const enforcement = useSession(sessionSelectors.enforcement);
  const mode = useSession((state) => state.mode);
  const signOut = useSession((state) => state.signOut);
  return (
    <header className="topbar">
      <div className="topbar-gateway">
        <span className="topbar-label">Gateway</span>
        <span className="mono" title="Point Claude Code's ANTHROPIC_BASE_URL here">
          {gatewayUrl}
        </span>
        {enforcement === 'enforced' && (
          <Link
            to="/settings"
            className="topbar-badge"
            aria-label="Enforcement on: every request needs a virtual key. Open settings."
          >
            <Badge tone="success">Keys required</Badge>
          </Link>
        )}
        {enforcement === 'open' && (
          <Link
            to="/settings"
            className="topbar-badge"
            aria-label="Enforcement off: requests without a virtual key pass ungoverned. Open settings."
          >
            <Badge tone="warning">Open: keys not required</Badge>
          </Link>
        )}
        <LanBadge />
      </div>
      <div className="topbar-actions">
        <PauseControl />
        {mode === 'browser' && (
          <Button variant="ghost" size="sm" onClick={() => signOut()}>
            Sign out
          </Button>
        )}
      </div>
    </header>
  );
}
