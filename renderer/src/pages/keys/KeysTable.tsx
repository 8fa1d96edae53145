// The keys list: who owns each key, what it has spent against its tightest budget, its limits,
// its models and when it was last used, with the row's actions in a menu.
import { Badge } from '../../components/Badge';
import { BudgetBar } from '../../components/BudgetBar';
import { formatCount, formatPer } from '../../components/format';
import { Menu } from '../../components/Menu';
import { Spinner } from '../../components/Spinner';
import { DataTable, type Column } from '../../components/Table';
import { TimeAgo } from '../../components/TimeAgo';
import type { VirtualKey } from '../../../../shared/schemas';
import { tightestBudget } from '../../stores/keys';

export interface KeysTableProps {
  keys: readonly VirtualKey[];
  teamName: (id: string | null) => string | null;
  userName: (id: string | null) => string | null;
  pending: Record<string, true>;
  onEdit: (key: VirtualKey) => void;
  onToggle: (key: VirtualKey) => void;
  onRotate: (key: VirtualKey) => void;
  onRevoke: (key: VirtualKey) => void;
  empty: React.ReactNode;
}

export function isExpired(key: VirtualKey, now = Date.now()): boolean {
  return key.expires_at !== null && Date.parse(key.expires_at) <= now;
}

function limitsOf(key: VirtualKey): string[] {
  const lines: string[] = [];
  const limit = key.rate_limit;
  if (limit?.request_max_limit) lines.push(`${formatCount(limit.request_max_limit)} requests ${formatPer(limit.request_reset_duration)}`);
  if (limit?.token_max_limit) lines.push(`${formatCount(limit.token_max_limit, 'compact')} tokens ${formatPer(limit.token_reset_duration)}`);
  if (key.max_concurrent_requests) lines.push(`${key.max_concurrent_requests} at once`);
  return lines;
}

function ModelsCell({ keyRow }: { keyRow: VirtualKey }) {
  const remaps = Object.keys(keyRow.model_remap).length;
  const allowed = keyRow.allowed_models;
  return (
    <div className="cell-stack">
      <span title={allowed.join(', ') || undefined}>
        {allowed.length === 0 ? <span className="muted nowrap">All models</span> : allowed.length <= 2 ? allowed.join(', ') : `${allowed.slice(0, 2).join(', ')} +${allowed.length - 2}`}
      </span>
      {(keyRow.denied_models.length > 0 || remaps > 0 || keyRow.tool_policy) && (
        <span className="cell-sub">
          {[
            keyRow.denied_models.length ? `${keyRow.denied_models.length} denied` : null,
            remaps ? `${remaps} remapped` : null,
            keyRow.tool_policy ? 'tool policy' : null,
          ]
            .filter(Boolean)
            .join(' · ')}
        </span>
      )}
    </div>
  );
}

export function KeysTable({ keys, teamName, userName, pending, onEdit, onToggle, onRotate, onRevoke, empty }: KeysTableProps) {
  const columns: Column<VirtualKey>[] = [
    {
      id: 'key',
      header: 'Key',
      cell: (key) => (
        <div className="cell-stack">
          <button type="button" className="link-button key-name" onClick={() => onEdit(key)} aria-label={`Edit key ${key.name}`}>
            {key.name}
          </button>
          {/* State goes on the line below the name, so a badge never squeezes the name into wrapping. */}
          <span className="row">
            <span className="cell-sub mono">{key.value_preview}</span>
            {!key.is_active && <Badge>Disabled</Badge>}
            {key.is_active && isExpired(key) && <Badge tone="warning">Expired</Badge>}
            {pending[key.id] && <Spinner label={`Saving ${key.name}`} />}
          </span>
        </div>
      ),
    },
    {
      id: 'owner',
      header: 'Owner',
      cell: (key) => <span className="nowrap">{userName(key.user_id) ?? <span className="muted">—</span>}</span>,
    },
    { id: 'team', header: 'Team', cell: (key) => teamName(key.team_id) ?? <span className="muted">—</span> },
    {
      id: 'spend',
      header: 'Spend vs budget',
      width: '220px',
      cell: (key) => {
        const budget = tightestBudget(key);
        if (!budget) return <span className="muted">No budget</span>;
        return (
          <div className="cell-stack">
            <BudgetBar used={budget.current_usage} reserved={budget.reserved} limit={budget.max_limit + budget.granted} label={`${key.name} spend ${formatPer(budget.reset_duration)}`} />
            <span className="cell-sub">
              {formatPer(budget.reset_duration)}
              {key.budgets.length > 1 ? ` · ${key.budgets.length - 1} more budget${key.budgets.length > 2 ? 's' : ''}` : ''}
            </span>
          </div>
        );
      },
    },
    {
      id: 'limits',
      header: 'Limits',
      cell: (key) => {
        const lines = limitsOf(key);
        return lines.length ? (
          <div className="cell-stack">
            {lines.map((line) => (
              <span key={line} className="nowrap">
                {line}
              </span>
            ))}
          </div>
        ) : (
          <span className="muted">None</span>
        );
      },
    },
    { id: 'models', header: 'Models', cell: (key) => <ModelsCell keyRow={key} /> },
    {
      id: 'last',
      header: 'Last used',
      cell: (key) => (
        <span className="nowrap">
          <TimeAgo value={key.last_used_at} />
        </span>
      ),
    },
    {
      id: 'actions',
      header: 'Actions',
      hideHeader: true,
      align: 'end',
      cell: (key) => (
        <Menu
          label={`Actions for key ${key.name}`}
          items={[
            { label: 'Edit', onSelect: () => onEdit(key) },
            { label: key.is_active ? 'Disable' : 'Enable', onSelect: () => onToggle(key) },
            { label: 'Rotate secret…', onSelect: () => onRotate(key) },
            { label: 'Revoke…', tone: 'danger', onSelect: () => onRevoke(key) },
          ]}
        />
      ),
    },
  ];
  return <DataTable caption="Virtual keys" columns={columns} rows={keys} rowKey={(key) => key.id} empty={empty} rowClassName={(key) => (key.is_active ? undefined : 'is-inactive')} />;
}
