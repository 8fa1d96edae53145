// Sign-ins: teammates who ran /login in Claude Code and entered their code, waiting for the admin
// (polled every few seconds while the page is open, each with the time its code has left), approved
// into a user and a key, or denied; approvals can be revoked, and an invite approves one in advance.
// Deep links: #/sign-ins (the tray and notifications open it), #/sign-ins?show=denied for a decided
// list, #/sign-ins?approve=<id or code> to open one sign-in's approval panel.
import { useEffect, useRef, useState } from 'react';
import { Button } from '../../components/Button';
import { Card } from '../../components/Card';
import { ConfirmDialog } from '../../components/Dialog';
import { ErrorBanner } from '../../components/ErrorBanner';
import { useNow } from '../../components/hooks';
import { PageHeader } from '../../components/PageHeader';
import { setRouteParams, useRoute } from '../../components/router';
import { SegmentedControl } from '../../components/SegmentedControl';
import { Loading } from '../../components/Spinner';
import { useGateway } from '../../stores/gateway';
import { useKeys } from '../../stores/keys';
import { useOrganisation } from '../../stores/organisation';
import { useSession } from '../../stores/session';
import { isExpired, signInLabel, signInsSelectors, useSignIns, type SignIn } from '../../stores/sign-ins';
import { toast } from '../../stores/toasts';
import { ApproveDialog } from './ApproveDialog';
import { InviteDialog } from './InviteDialog';
import { DecidedTable, PendingTable, type DecidedStatus } from './SignInTables';
import './sign-ins.css';

const DECIDED_OPTIONS: readonly { value: DecidedStatus; label: string }[] = [
  { value: 'approved', label: 'Approved' },
  { value: 'denied', label: 'Denied' },
  { value: 'revoked', label: 'Revoked' },
];

const EMPTY: Record<DecidedStatus, string> = {
  approved: 'No approved sign-ins yet.',
  denied: 'No denied sign-ins.',
  revoked: 'No revoked sign-ins.',
};

function decidedFrom(value: string | null): DecidedStatus {
  return value === 'denied' || value === 'revoked' ? value : 'approved';
}

const NO_TEMPLATE = {};

type Confirming = { action: 'deny' | 'revoke'; signIn: SignIn };

export default function SignInsPage() {
  const pending = useSignIns(signInsSelectors.list('pending'));
  const route = useRoute();
  const show = decidedFrom(route.params.get('show'));
  const decided = useSignIns(signInsSelectors.list(show));
  const busy = useSignIns((state) => state.busy);
  const { load, startPolling, approve, deny, revoke, invite } = useSignIns.getState();
  const users = useOrganisation((state) => state.users);
  const teams = useOrganisation((state) => state.teams);
  const loadOrganisation = useOrganisation((state) => state.load);
  const keys = useKeys((state) => state.keys);
  const loadKeys = useKeys((state) => state.load);
  const template = useSession((state) => state.config?.sign_in_key_template ?? NO_TEMPLATE);
  const now = useNow();

  const [approving, setApproving] = useState<SignIn | null>(null);
  const [confirm, setConfirm] = useState<Confirming | null>(null);
  const [inviting, setInviting] = useState(false);
  const [showExpired, setShowExpired] = useState(false);
  /** The sign-in this panel is approving right now: leaving the pending list is then no surprise. */
  const approvedHere = useRef<string | null>(null);

  useEffect(() => startPolling(), [startPolling]);
  useEffect(() => {
    void loadOrganisation();
    void loadKeys();
  }, [loadOrganisation, loadKeys]);
  useEffect(() => {
    void load(show);
  }, [load, show]);

  // #/sign-ins?approve=<id or code> (a notification about one sign-in) opens its panel once it is listed.
  const wanted = route.params.get('approve');
  useEffect(() => {
    if (!wanted || pending.status === 'idle' || pending.status === 'loading') return;
    setRouteParams({ approve: null });
    const found = pending.items.find((signIn) => signIn.id === wanted || signIn.user_code === wanted);
    if (found && !isExpired(found)) setApproving(found);
    else toast.info(found ? `The code of ${signInLabel(found)} has expired.` : 'That sign-in is no longer waiting.');
  }, [wanted, pending]);

  // Decided elsewhere (or by an invite) while its panel was open: the panel has nothing left to approve.
  useEffect(() => {
    if (!approving || approving.id === approvedHere.current) return;
    if (pending.status === 'ready' && !pending.items.some((signIn) => signIn.id === approving.id)) {
      setApproving(null);
      toast.info(`The sign-in of ${signInLabel(approving)} is no longer waiting.`);
    }
  }, [approving, pending]);

  const userName = (id: string | null) => (id ? (users.find((user) => user.id === id)?.name ?? null) : null);
  const keyOf = (id: string | null) => (id ? keys.find((key) => key.id === id) : undefined);

  // Live codes first, the one running out first on top; expired ones (kept until dismissed) on request.
  const waiting = pending.items
    .filter((signIn) => !isExpired(signIn, now))
    .sort((a, b) => a.expires_at.localeCompare(b.expires_at));
  const expired = pending.items.filter((signIn) => isExpired(signIn, now));
  const rows = showExpired ? [...waiting, ...expired] : waiting;

  const runConfirmed = async () => {
    if (!confirm) return;
    const { action, signIn } = confirm;
    setConfirm(null);
    if (action === 'deny') await deny(signIn);
    else await revoke(signIn);
  };

  const confirmWho = confirm ? signInLabel(confirm.signIn) : '';
  const confirmExpired = confirm?.action === 'deny' && isExpired(confirm.signIn, now);

  return (
    <div className="sign-ins-page">
      <PageHeader
        title="Sign-ins"
        description={
          <>
            Teammates who ran <span className="mono">/login</span> in Claude Code. Approving one makes (or finds) their
            user and gives their Claude Code a key of its own.
          </>
        }
        actions={
          <Button variant="primary" onClick={() => setInviting(true)}>
            Invite a teammate
          </Button>
        }
      />

      <Card
        title="Waiting for you"
        subtitle={
          waiting.length === 0
            ? 'Checked every few seconds while this page is open.'
            : `${waiting.length} waiting. Check each code against the one their Claude Code shows before approving.`
        }
      >
        {pending.error && (
          <ErrorBanner
            title="Could not load the sign-ins waiting"
            error={pending.error}
            onRetry={() => void load('pending')}
          />
        )}
        {pending.status === 'loading' && pending.items.length === 0 ? (
          <Loading label="Loading sign-ins…" />
        ) : (
          <PendingTable
            signIns={rows}
            now={now}
            busy={busy}
            onApprove={setApproving}
            onDeny={(signIn) => setConfirm({ action: 'deny', signIn })}
            empty={
              <span>
                Nobody is waiting. When a teammate runs <span className="mono">/login</span> in Claude Code and enters
                their code, they appear here.
              </span>
            }
          />
        )}
        {expired.length > 0 && (
          <div className="sign-ins-expired">
            <Button size="sm" variant="ghost" aria-expanded={showExpired} onClick={() => setShowExpired(!showExpired)}>
              {showExpired
                ? 'Hide expired requests'
                : `Show ${expired.length} expired ${expired.length === 1 ? 'request' : 'requests'}`}
            </Button>
            <span className="muted">
              Their codes ran out before anyone decided; dismiss them, or ask for a new /login.
            </span>
          </div>
        )}
      </Card>

      <Card
        title="Decided"
        subtitle="Revoking an approval signs their Claude Code out and disables its key."
        actions={
          <SegmentedControl
            label="Show sign-ins"
            value={show}
            options={DECIDED_OPTIONS}
            onChange={(value) => setRouteParams({ show: value === 'approved' ? null : value })}
          />
        }
      >
        {decided.error && (
          <ErrorBanner
            title={`Could not load the ${show} sign-ins`}
            error={decided.error}
            onRetry={() => void load(show)}
          />
        )}
        {show === 'approved' && <StrandedNotice signIns={decided.items} />}
        {decided.status === 'loading' && decided.items.length === 0 ? (
          <Loading label="Loading sign-ins…" />
        ) : (
          <DecidedTable
            status={show}
            signIns={decided.items}
            busy={busy}
            userName={userName}
            keyOf={keyOf}
            onRevoke={(signIn) => setConfirm({ action: 'revoke', signIn })}
            empty={EMPTY[show]}
          />
        )}
      </Card>

      {approving && (
        <ApproveDialog
          signIn={approving}
          users={users}
          teams={teams}
          template={template}
          onClose={() => setApproving(null)}
          onApprove={async (approval) => {
            approvedHere.current = approving.id;
            try {
              await approve(approving, approval);
            } catch (error) {
              approvedHere.current = null;
              throw error;
            }
            setApproving(null);
          }}
        />
      )}

      {inviting && (
        <InviteDialog teams={teams} template={template} onClose={() => setInviting(false)} onInvite={invite} />
      )}

      <ConfirmDialog
        open={confirm?.action === 'deny'}
        title={confirmExpired ? `Dismiss the sign-in of ${confirmWho}?` : `Deny the sign-in of ${confirmWho}?`}
        body={
          confirmExpired ? (
            <p>Its code has expired; it moves to the denied list.</p>
          ) : (
            <p>
              Their Claude Code is told the sign-in was refused (code{' '}
              <span className="sign-in-code">{confirm?.signIn.user_code}</span>). They can run /login again to ask anew.
            </p>
          )
        }
        confirmLabel={confirmExpired ? 'Dismiss' : 'Deny sign-in'}
        onConfirm={() => void runConfirmed()}
        onCancel={() => setConfirm(null)}
      />
      <ConfirmDialog
        open={confirm?.action === 'revoke'}
        title={`Revoke the sign-in of ${confirmWho}?`}
        body={
          <p>
            Their Claude Code is signed out at once and its key is disabled, so its requests are refused. To use the
            gateway again they run /login and you approve them anew.
          </p>
        }
        confirmLabel="Revoke sign-in"
        onConfirm={() => void runConfirmed()}
        onCancel={() => setConfirm(null)}
      />
    </div>
  );
}

/** How many sign-ins wait, after "Sign-ins" in the navigation (from the status the shell polls). */
export function PendingSignInsCount() {
  const count = useGateway((state) => state.status?.pending_sign_ins.length ?? 0);
  if (count === 0) return null;
  return (
    <>
      <span className="nav-count" aria-hidden="true">
        {count}
      </span>
      <span className="visually-hidden">, {count} waiting</span>
    </>
  );
}

/** Who pinned a LAN certificate that has been replaced, named, with what to do. */
function StrandedNotice({ signIns }: { signIns: readonly SignIn[] }) {
  const stranded = signIns.filter((signIn) => signIn.must_sign_in_again);
  if (stranded.length === 0) return null;
  const names = stranded.map((signIn) => signIn.name ?? signIn.email ?? signIn.user_code);
  return (
    <div className="sign-ins-stranded" role="status">
      <p>
        <strong>
          {stranded.length === 1 ? `${names[0]} must` : `${stranded.length} teammates must`} run{' '}
          <span className="mono">/login</span> again
        </strong>
        {stranded.length > 1 && <> ({names.join(', ')})</>}: the LAN server certificate changed, and their Claude Code
        refuses the new one. Once they have signed in again, revoke the old sign-in marked &ldquo;Must /login
        again&rdquo;.
      </p>
    </div>
  );
}
