// The gateway's running state in the frame: a banner while its store cannot write, a banner while it
// is paused (with Resume), the Pause control in the header, and a badge while it is shared on the LAN.
// All read stores/gateway.ts.
import { useState } from 'react';
import { gatewaySelectors, useGateway } from '../../stores/gateway';
import { Badge } from '../Badge';
import { Button } from '../Button';
import { ConfirmDialog } from '../Dialog';
import { formatDateTime } from '../format';
import { Link } from '../router';

/**
 * While the store cannot write (a full disk): requests on keys with a budget are refused, and rows and
 * spend wait in memory until writes succeed again. Always in the page, like the paused banner.
 */
export function StoreBanner() {
  const store = useGateway(gatewaySelectors.unwritableStore);
  return (
    <div aria-live="polite" className="paused-slot">
      {store && (
        <section className="paused-banner store-banner" aria-label="Store cannot write">
          <span className="paused-icon store-icon" aria-hidden="true">
            ⚠
          </span>
          <div className="paused-text">
            <strong>
              Tollgate cannot write its store{store.since ? ` (since ${formatDateTime(store.since)})` : ''}.
            </strong>
            <span className="mono">{store.error ?? 'Writes to the database are failing.'}</span>
            <span>
              Requests on keys with a budget are refused with 503 until it can write again.{' '}
              {/* The count changes with every poll: not worth announcing each time. */}
              <span aria-live="off">
                {store.pending === 0
                  ? 'Nothing is waiting to be written yet.'
                  : `${store.pending} ${store.pending === 1 ? 'row is' : 'rows are'} held in memory and will be written when space frees.`}
              </span>
            </span>
          </div>
        </section>
      )}
    </div>
  );
}

/** Always in the page, so screen readers hear the banner appear when a poll finds the gateway paused. */
export function PausedBanner() {
  const paused = useGateway(gatewaySelectors.paused);
  const pausedAt = useGateway((state) => state.status?.paused_at ?? null);
  const switching = useGateway((state) => state.switching);
  const resume = useGateway((state) => state.resume);
  return (
    <div aria-live="polite" className="paused-slot">
      {paused && (
        <section className="paused-banner" aria-label="Gateway paused">
          <span className="paused-icon" aria-hidden="true">
            ❚❚
          </span>
          <div className="paused-text">
            <strong>The gateway is paused{pausedAt ? ` since ${formatDateTime(pausedAt)}` : ''}.</strong>
            <span>
              Every request gets a 503 and a line in the log until you resume. Keys, budgets and settings are untouched.
            </span>
          </div>
          <Button variant="primary" size="sm" busy={switching === 'resuming'} onClick={() => void resume()}>
            Resume
          </Button>
        </section>
      )}
    </div>
  );
}

/** Pause (after a confirmation: it stops everyone's Claude Code) or resume, from the header. */
export function PauseControl() {
  const known = useGateway((state) => state.status !== null);
  const paused = useGateway(gatewaySelectors.paused);
  const switching = useGateway((state) => state.switching);
  const pause = useGateway((state) => state.pause);
  const resume = useGateway((state) => state.resume);
  const [confirming, setConfirming] = useState(false);
  if (!known) return null;
  return (
    <>
      {paused ? (
        <Button
          size="sm"
          variant="primary"
          busy={switching === 'resuming'}
          onClick={() => void resume()}
          aria-label="Resume the gateway"
        >
          Resume
        </Button>
      ) : (
        <Button
          size="sm"
          variant="ghost"
          busy={switching === 'pausing'}
          onClick={() => setConfirming(true)}
          aria-label="Pause the gateway"
        >
          Pause
        </Button>
      )}
      <ConfirmDialog
        open={confirming}
        title="Pause the gateway?"
        body={
          <p>
            Every request, from this computer and from the LAN, is refused with 503 until you resume. Sessions in
            progress stop at their next request. Keys, budgets and the log stay as they are.
          </p>
        }
        confirmLabel="Pause gateway"
        tone="primary"
        onCancel={() => setConfirming(false)}
        onConfirm={() => {
          setConfirming(false);
          void pause();
        }}
      />
    </>
  );
}

/** "Shared on the LAN" while the LAN listener is up; a warning badge when sharing is on but failing. */
export function LanBadge() {
  const enabled = useGateway((state) => state.status?.lan.settings.enabled ?? false);
  const sharing = useGateway(gatewaySelectors.sharing);
  const tls = useGateway((state) => state.status?.lan.settings.tls ?? true);
  if (!enabled) return null;
  if (!sharing) {
    return (
      <Link to="/settings" className="topbar-badge" aria-label="LAN sharing is on but not listening. Open settings.">
        <Badge tone="danger">LAN sharing failed</Badge>
      </Link>
    );
  }
  return (
    <Link
      to="/settings"
      className="topbar-badge"
      aria-label={
        tls ? 'Shared on the LAN with TLS. Open settings.' : 'Shared on the LAN over plain HTTP. Open settings.'
      }
    >
      <Badge tone={tls ? 'info' : 'warning'}>{tls ? 'Shared on the LAN' : 'On the LAN without TLS'}</Badge>
    </Link>
  );
}
