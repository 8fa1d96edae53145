// The organisation: customers contain teams, teams contain users. Budgets at every level apply to the
// keys beneath it. Everything is created and edited where it sits in the tree.
import { useEffect, useMemo, useState, type ReactNode } from 'react';
import { Badge } from '../../components/Badge';
import { BudgetBar } from '../../components/BudgetBar';
import { Button } from '../../components/Button';
import { ConfirmDialog } from '../../components/Dialog';
import { EmptyState } from '../../components/EmptyState';
import { ErrorBanner } from '../../components/ErrorBanner';
import { formatPer, formatResetDuration } from '../../components/format';
import { levelLabel } from '../../components/labels';
import { Menu } from '../../components/Menu';
import { Money } from '../../components/Money';
import { PageHeader } from '../../components/PageHeader';
import { Link } from '../../components/router';
import { Loading } from '../../components/Spinner';
import { useKeys } from '../../stores/keys';
import {
  LEVEL_LABEL,
  keysSpend,
  organisationSelectors,
  teamSpend,
  useOrganisation,
  type Customer,
  type CustomerNode,
  type Level,
  type Team,
  type TeamNode,
  type User,
} from '../../stores/organisation';
import { EntityForm, type EntityDraft } from './EntityForm';

type Entity = Customer | Team | User;
/** Which form is open, and where: one at a time keeps the page calm. */
type OpenForm = { kind: 'edit'; level: Level; id: string } | { kind: 'create'; level: Level; parentId: string | null; at: 'top' | 'child' };

export default function OrganisationPage() {
  const status = useOrganisation((state) => state.status);
  const error = useOrganisation((state) => state.error);
  const tree = useOrganisation(organisationSelectors.tree);
  const isEmpty = useOrganisation(organisationSelectors.isEmpty);
  const customers = useOrganisation((state) => state.customers);
  const teams = useOrganisation((state) => state.teams);
  const spend = useOrganisation((state) => state.spend);
  const keys = useKeys((state) => state.keys);
  const { load, loadSpend, create, update, remove } = useOrganisation.getState();
  const loadKeys = useKeys((state) => state.load);

  const [form, setForm] = useState<OpenForm | null>(null);
  const [collapsed, setCollapsed] = useState<Set<string>>(() => new Set());
  const [deleting, setDeleting] = useState<{ level: Level; entity: Entity } | null>(null);

  useEffect(() => {
    void load();
    void loadSpend();
    void loadKeys();
  }, [load, loadSpend, loadKeys]);

  // Keys per user and per team, for the counts and (through keysSpend) a user's spend.
  const keysOf = useMemo(() => {
    const owners = new Map<string, string[]>();
    const add = (owner: string | null, keyId: string) => {
      if (owner) owners.set(owner, [...(owners.get(owner) ?? []), keyId]);
    };
    for (const key of keys) {
      add(key.user_id ? `user:${key.user_id}` : null, key.id);
      add(key.team_id ? `team:${key.team_id}` : null, key.id);
    }
    return (level: 'user' | 'team', id: string) => owners.get(`${level}:${id}`) ?? [];
  }, [keys]);

  const toggle = (id: string) =>
    setCollapsed((current) => {
      const next = new Set(current);
      if (next.has(id)) next.delete(id);
      else next.add(id);
      return next;
    });

  const saveNew = async (level: Level, input: Parameters<typeof create>[1]) => {
    await create(level, input);
    setForm(null);
  };

  const formFor = (level: Level, entity: Entity | null, defaults: Partial<EntityDraft>) => (
    <EntityForm
      level={level}
      entity={entity}
      defaults={defaults}
      customers={customers}
      teams={teams}
      onCancel={() => setForm(null)}
      onSave={(input) => {
        if (!entity) return saveNew(level, { name: '', ...input });
        // Optimistic: the row shows the edit now; a refusal rolls it back with a message.
        setForm(null);
        void update(level, entity.id, input);
      }}
    />
  );

  const rowProps = (level: Level, entity: Entity) => ({
    level,
    entity,
    depth: level === 'customer' ? 0 : level === 'team' ? 1 : 2,
    editing: form?.kind === 'edit' && form.id === entity.id,
    editor: formFor(level, entity, {}),
    onEdit: () => setForm({ kind: 'edit', level, id: entity.id }),
    onDelete: () => setDeleting({ level, entity }),
  });

  const childForm = (level: Level, parentId: string | null) =>
    form?.kind === 'create' && form.at === 'child' && form.level === level && form.parentId === parentId ? (
      <li className="org-item">{formFor(level, null, level === 'team' ? { customerId: parentId ?? '' } : { teamId: parentId ?? '' })}</li>
    ) : null;

  const renderTeam = (node: TeamNode, parent: string) => {
    const id = node.team?.id ?? `${parent}:no-team`;
    const open = !collapsed.has(id);
    return (
      <li key={id} className="org-item">
        {node.team ? (
          <OrgRow
            {...rowProps('team', node.team)}
            spend={teamSpend(spend, node.team.id)}
            keyCount={keysOf('team', node.team.id).length}
            childCount={node.users.length}
            expanded={open}
            onToggle={() => toggle(id)}
            onAddChild={() => {
              setCollapsed((current) => new Set([...current].filter((item) => item !== id)));
              setForm({ kind: 'create', level: 'user', parentId: node.team?.id ?? null, at: 'child' });
            }}
          />
        ) : (
          <GroupLabel depth={1} expanded={open} onToggle={() => toggle(id)} count={node.users.length}>
            Users without a team
          </GroupLabel>
        )}
        {open && (
          <ul className="org-children">
            {childForm('user', node.team?.id ?? null)}
            {node.users.map((user) => (
              <li key={user.id} className="org-item">
                <OrgRow {...rowProps('user', user)} spend={keysSpend(spend, keysOf('user', user.id))} keyCount={keysOf('user', user.id).length} childCount={0} />
              </li>
            ))}
          </ul>
        )}
      </li>
    );
  };

  const renderCustomer = (node: CustomerNode) => {
    const id = node.customer?.id ?? 'no-customer';
    const open = !collapsed.has(id);
    const teamFigures = node.teams.flatMap((team) => (team.team ? [teamSpend(spend, team.team.id)] : []));
    const customerSpend = teamFigures.some((value) => value === null) ? null : teamFigures.reduce<number>((sum, value) => sum + (value ?? 0), 0);
    return (
      <li key={id} className="org-item org-customer">
        {node.customer ? (
          <OrgRow
            {...rowProps('customer', node.customer)}
            spend={customerSpend}
            keyCount={node.teams.reduce((sum, team) => sum + (team.team ? keysOf('team', team.team.id).length : 0), 0)}
            childCount={node.teams.length}
            expanded={open}
            onToggle={() => toggle(id)}
            onAddChild={() => {
              setCollapsed((current) => new Set([...current].filter((item) => item !== id)));
              setForm({ kind: 'create', level: 'team', parentId: node.customer?.id ?? null, at: 'child' });
            }}
          />
        ) : (
          <GroupLabel depth={0} expanded={open} onToggle={() => toggle(id)} count={node.teams.length}>
            Without a customer
          </GroupLabel>
        )}
        {open && (
          <ul className="org-children">
            {childForm('team', node.customer?.id ?? null)}
            {node.teams.map((team) => renderTeam(team, id))}
          </ul>
        )}
      </li>
    );
  };

  const topForm = form?.kind === 'create' && form.at === 'top' ? form.level : null;

  return (
    <>
      <PageHeader
        title="Organisation"
        description="Customers contain teams, and teams contain users. A budget at any level caps every key beneath it; spend shown is this month's."
        actions={
          <>
            <Button onClick={() => setForm({ kind: 'create', level: 'customer', parentId: null, at: 'top' })}>Add customer</Button>
            <Button onClick={() => setForm({ kind: 'create', level: 'team', parentId: null, at: 'top' })}>Add team</Button>
            <Button variant="primary" onClick={() => setForm({ kind: 'create', level: 'user', parentId: null, at: 'top' })}>
              Add user
            </Button>
          </>
        }
      />
      {error && <ErrorBanner title="Could not load the organisation" error={error} onRetry={() => void load()} />}
      {topForm && <div className="card org-top-form">{formFor(topForm, null, {})}</div>}
      {status === 'loading' && isEmpty && <Loading label="Loading the organisation…" />}
      {status === 'ready' && isEmpty && !topForm && (
        <EmptyState
          title="Model who spends"
          body={
            <>
              Add teams and the people in them to see spend roll up and to cap a whole team with one budget. A small company can start with teams only;
              an agency adds a customer per client. Keys are assigned to users and teams on the <Link to="/keys">Keys</Link> page.
            </>
          }
          action={
            <Button variant="primary" onClick={() => setForm({ kind: 'create', level: 'team', parentId: null, at: 'top' })}>
              Add a team
            </Button>
          }
        />
      )}
      {!isEmpty && (
        <ul className="org-tree" aria-label="Customers, teams and users">
          {tree.map(renderCustomer)}
        </ul>
      )}
      <ConfirmDialog
        open={deleting !== null}
        title={`Delete ${deleting ? LEVEL_LABEL[deleting.level] : ''} “${deleting?.entity.name ?? ''}”?`}
        body={
          <p>
            Its budgets go with it. {deleting?.level === 'customer' ? 'Its teams' : deleting?.level === 'team' ? 'Its users and keys' : 'Their keys'} are kept
            but no longer belong to it.
          </p>
        }
        confirmLabel="Delete"
        onCancel={() => setDeleting(null)}
        onConfirm={() => {
          if (deleting) void remove(deleting.level, deleting.entity.id);
          setDeleting(null);
        }}
      />
    </>
  );
}

function GroupLabel({ children, depth, expanded, onToggle, count }: { children: ReactNode; depth: number; expanded: boolean; onToggle: () => void; count: number }) {
  return (
    <div className={`org-row org-group depth-${depth}`}>
      <button type="button" className="org-toggle" aria-expanded={expanded} onClick={onToggle}>
        <span className="org-caret" aria-hidden="true">
          ▸
        </span>
        <span className="org-group-label">{children}</span>
        <span className="muted num">{count}</span>
      </button>
    </div>
  );
}

interface OrgRowProps {
  level: Level;
  /** 0 customer, 1 team, 2 user: indents the name only, so the figures line up in columns. */
  depth: number;
  entity: Entity;
  spend: number | null;
  keyCount: number;
  childCount: number;
  expanded?: boolean;
  onToggle?: () => void;
  onAddChild?: () => void;
  editing: boolean;
  editor: ReactNode;
  onEdit: () => void;
  onDelete: () => void;
}

function OrgRow({ level, depth, entity, spend, keyCount, childCount, expanded, onToggle, onAddChild, editing, editor, onEdit, onDelete }: OrgRowProps) {
  if (editing) return <div className="org-row org-row-editing">{editor}</div>;
  const noun = LEVEL_LABEL[level];
  const childNoun = level === 'customer' ? 'team' : 'user';
  return (
    <div className={`org-row org-row-${level}`}>
      <div className={`org-main depth-${depth}`}>
        {onToggle ? (
          <button type="button" className="org-toggle" aria-expanded={expanded} aria-label={`${expanded ? 'Collapse' : 'Expand'} ${noun} ${entity.name}`} onClick={onToggle}>
            <span className="org-caret" aria-hidden="true">
              ▸
            </span>
          </button>
        ) : (
          <span className="org-toggle-spacer" />
        )}
        <div className="org-title">
          <span className="org-name">{entity.name}</span>
          <span className="org-meta">
            <Badge>{levelLabel(level)}</Badge>
            {'email' in entity && entity.email && <span className="muted">{entity.email}</span>}
            {entity.description && <span className="muted">{entity.description}</span>}
            {onToggle && (
              <span className="muted">
                {childCount} {childNoun}
                {childCount === 1 ? '' : 's'}
              </span>
            )}
          </span>
        </div>
      </div>
      <div className="org-budgets">
        {entity.budgets.length === 0 ? (
          <span className="muted">No budget</span>
        ) : (
          entity.budgets.map((budget) => (
            <div key={budget.id} className="org-budget">
              <span className="org-budget-label muted">{formatPer(budget.reset_duration)}</span>
              <BudgetBar
                used={budget.current_usage}
                reserved={budget.reserved}
                limit={budget.max_limit + budget.granted}
                label={`${noun} ${entity.name} budget per ${formatResetDuration(budget.reset_duration)}`}
              />
            </div>
          ))
        )}
      </div>
      <div className="org-figures">
        <span className="org-spend">
          {spend === null ? (
            <span className="muted" title="Not known here: the gateway reports only the biggest spenders by name.">
              —
            </span>
          ) : (
            <Money value={spend} />
          )}
        </span>
        <span className="muted">
          {keyCount} key{keyCount === 1 ? '' : 's'}
        </span>
      </div>
      <div className="org-actions">
        <Button size="sm" variant="ghost" onClick={onEdit} aria-label={`Edit ${noun} ${entity.name}`}>
          Edit
        </Button>
        {onAddChild && (
          <Button size="sm" variant="ghost" onClick={onAddChild} aria-label={`Add a ${childNoun} to ${entity.name}`}>
            Add {childNoun}
          </Button>
        )}
        <Menu label={`More actions for ${noun} ${entity.name}`} items={[{ label: `Delete ${noun}…`, tone: 'danger', onSelect: onDelete }]} />
      </div>
    </div>
  );
}
