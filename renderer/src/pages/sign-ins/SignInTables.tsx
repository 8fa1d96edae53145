// The sign-ins lists: the ones waiting (with the time their code has left and the two decisions), and
// the decided ones (approved with the key they got and Revoke, denied, revoked).
import type { ReactNode } from 'react';
import { Badge } from '../../components/Badge';
import { Button } from '../../components/Button';
import { Link } from '../../components/router';
import { DataTable, type Column } from '../../components/Table';
import { TimeAgo } from '../../components/TimeAgo';
import type { VirtualKey } from '../../../../shared/schemas';
import { isExpired, signInLabel, type SignIn, type SignInAction } from '../../stores/sign-ins';
import { formatTimeLeft, surfaceLabel } from './format';

/** Under two minutes left, the countdown asks for attention. */
const HURRY_MS = 2 * 60_000;

function PersonCell({ signIn }: { signIn: SignIn }) {
  return (
    <div className="cell-stack">
      <span className="sign-in-name">
        {signIn.name ?? signIn.email ?? <span className="muted">No name given</span>}
      </span>
      {signIn.name && signIn.email && <span className="cell-sub">{signIn.email}</span>}
      {signIn.must_sign_in_again && (
        <span>
          <Badge
            tone="warning"
            title="Signed in over a LAN certificate that has since been replaced: their Claude Code refuses the new one until they run /login again."
          >
            Must /login again
          </Badge>
        </span>
      )}
    </div>
  );
}

function CodeCell({ signIn }: { signIn: SignIn }) {
  return <span className="sign-in-code">{signIn.user_code}</span>;
}

function ClientCell({ signIn }: { signIn: SignIn }) {
  return (
    <div className="cell-stack" title={signIn.user_agent ?? undefined}>
      <span className="nowrap">{surfaceLabel(signIn.surface)}</span>
      {signIn.address && <span className="cell-sub mono">{signIn.address}</span>}
    </div>
  );
}

function When({ value }: { value: string | null }) {
  return (
    <span className="nowrap">
      <TimeAgo value={value} fallback="—" />
    </span>
  );
}

export interface PendingTableProps {
  signIns: readonly SignIn[];
  now: number;
  busy: Record<string, SignInAction>;
  onApprove: (signIn: SignIn) => void;
  onDeny: (signIn: SignIn) => void;
  empty: ReactNode;
}

export function PendingTable({ signIns, now, busy, onApprove, onDeny, empty }: PendingTableProps) {
  const columns: Column<SignIn>[] = [
    { id: 'person', header: 'Person', cell: (signIn) => <PersonCell signIn={signIn} /> },
    { id: 'code', header: 'Code', cell: (signIn) => <CodeCell signIn={signIn} /> },
    { id: 'client', header: 'Client', cell: (signIn) => <ClientCell signIn={signIn} /> },
    { id: 'asked', header: 'Asked', cell: (signIn) => <When value={signIn.created_at} /> },
    {
      id: 'left',
      header: 'Time left',
      cell: (signIn) => {
        const left = Date.parse(signIn.expires_at) - now;
        if (left <= 0) return <Badge>Expired</Badge>;
        return (
          <span
            className={left < HURRY_MS ? 'num sign-in-hurry' : 'num'}
            title={`The code stops working at ${new Date(signIn.expires_at).toLocaleTimeString()}`}
          >
            {formatTimeLeft(left)}
          </span>
        );
      },
    },
    {
      id: 'actions',
      header: 'Actions',
      hideHeader: true,
      align: 'end',
      cell: (signIn) => {
        const who = signInLabel(signIn);
        const action = busy[signIn.id];
        const expired = isExpired(signIn, now);
        return (
          <div className="sign-in-actions">
            {!expired && (
              <Button
                size="sm"
                variant="primary"
                aria-label={`Approve ${who}`}
                busy={action === 'approving'}
                disabled={action !== undefined}
                onClick={() => onApprove(signIn)}
              >
                Approve
              </Button>
            )}
            <Button
              size="sm"
              aria-label={`${expired ? 'Dismiss' : 'Deny'} ${who}`}
              busy={action === 'denying'}
              disabled={action !== undefined}
              onClick={() => onDeny(signIn)}
            >
              {expired ? 'Dismiss' : 'Deny'}
            </Button>
          </div>
        );
      },
    },
  ];
  return (
    <DataTable
      caption="Sign-ins waiting for approval"
      columns={columns}
      rows={signIns}
      rowKey={(signIn) => signIn.id}
      empty={empty}
      rowClassName={(signIn) => (isExpired(signIn, now) ? 'is-inactive' : undefined)}
    />
  );
}

export type DecidedStatus = 'approved' | 'denied' | 'revoked';

export interface DecidedTableProps {
  status: DecidedStatus;
  signIns: readonly SignIn[];
  busy: Record<string, SignInAction>;
  userName: (id: string | null) => string | null;
  keyOf: (id: string | null) => VirtualKey | undefined;
  onRevoke: (signIn: SignIn) => void;
  empty: ReactNode;
}

const CAPTIONS: Record<DecidedStatus, string> = {
  approved: 'Approved sign-ins',
  denied: 'Denied sign-ins',
  revoked: 'Revoked sign-ins',
};

const DECIDED_HEADER: Record<DecidedStatus, string> = { approved: 'Approved', denied: 'Denied', revoked: 'Revoked' };

export function DecidedTable({ status, signIns, busy, userName, keyOf, onRevoke, empty }: DecidedTableProps) {
  const keyCell = (signIn: SignIn) => {
    if (!signIn.virtual_key_id) return <span className="muted">—</span>;
    const key = keyOf(signIn.virtual_key_id);
    return (
      <div className="cell-stack">
        <Link to="/keys" params={{ key: signIn.virtual_key_id }}>
          {key?.name ?? 'Open the key'}
        </Link>
        {key && !key.is_active && (
          <span>
            <Badge>Disabled</Badge>
          </span>
        )}
      </div>
    );
  };

  const columns: Column<SignIn>[] = [
    { id: 'person', header: 'Person', cell: (signIn) => <PersonCell signIn={signIn} /> },
    { id: 'code', header: 'Code', cell: (signIn) => <CodeCell signIn={signIn} /> },
    ...(status === 'denied'
      ? [
          { id: 'client', header: 'Client', cell: (signIn: SignIn) => <ClientCell signIn={signIn} /> },
          { id: 'asked', header: 'Asked', cell: (signIn: SignIn) => <When value={signIn.created_at} /> },
        ]
      : [
          {
            id: 'user',
            header: 'User',
            cell: (signIn: SignIn) => (
              <span className="nowrap">{userName(signIn.user_id) ?? <span className="muted">—</span>}</span>
            ),
          },
          { id: 'key', header: 'Key', cell: keyCell },
        ]),
    { id: 'decided', header: DECIDED_HEADER[status], cell: (signIn) => <When value={signIn.decided_at} /> },
  ];
  if (status === 'approved') {
    columns.push({
      id: 'actions',
      header: 'Actions',
      hideHeader: true,
      align: 'end',
      cell: (signIn) => (
        <Button
          size="sm"
          aria-label={`Revoke ${signInLabel(signIn)}`}
          busy={busy[signIn.id] === 'revoking'}
          onClick={() => onRevoke(signIn)}
        >
          Revoke
        </Button>
      ),
    });
  }
  return (
    <DataTable
      caption={CAPTIONS[status]}
      columns={columns}
      rows={signIns}
      rowKey={(signIn) => signIn.id}
      empty={empty}
    />
  );
}
