// The keys page: every virtual key with its owner, spend and limits; create one and hand its secret
// to Claude Code once; edit, disable, rotate or revoke. #/keys?create=1 opens the create dialog and
// #/keys?key=<id> one key's editor.
import { useEffect, useId, useMemo, useState } from 'react';
import { Button } from '../../components/Button';
import { ConfirmDialog, Dialog } from '../../components/Dialog';
import { EmptyState } from '../../components/EmptyState';
import { ErrorBanner, errorMessage } from '../../components/ErrorBanner';
import { useEndpoints } from '../../components/hooks';
import { PageHeader } from '../../components/PageHeader';
import { Link, setRouteParams, useRoute } from '../../components/router';
import { Loading } from '../../components/Spinner';
import type { VirtualKey } from '../../../../shared/schemas';
import { keysSelectors, useKeys, type CreatedKey } from '../../stores/keys';
import { useOrganisation } from '../../stores/organisation';
import { toast } from '../../stores/toasts';
import { changedFields, draftFromKey, draftToBody, emptyDraft, hasErrors, type FieldErrors, type KeyDraft } from './form-model';
import { KeyForm } from './KeyForm';
import { KeyReveal } from './KeyReveal';
import { KeysTable } from './KeysTable';

type Editing = { mode: 'create' } | { mode: 'edit'; key: VirtualKey };
type Reveal = { created: CreatedKey; reason: 'created' | 'rotated' };

export default function KeysPage() {
  const status = useKeys((state) => state.status);
  const error = useKeys((state) => state.error);
  const allKeys = useKeys((state) => state.keys);
  const pending = useKeys((state) => state.pending);
  const { load, create, update, setActive, revoke, rotate } = useKeys.getState();
  const teams = useOrganisation((state) => state.teams);
  const users = useOrganisation((state) => state.users);
  const loadOrganisation = useOrganisation((state) => state.load);
  const endpoints = useEndpoints();
  const route = useRoute();

  const [filter, setFilter] = useState('');
  const [editing, setEditing] = useState<Editing | null>(null);
  const [reveal, setReveal] = useState<Reveal | null>(null);
  const [confirm, setConfirm] = useState<{ action: 'revoke' | 'rotate'; key: VirtualKey } | null>(null);
  /** Whether this visit's own load has answered, so a key named in the address is looked up in a fresh list. */
  const [loaded, setLoaded] = useState(false);

  useEffect(() => {
    void load().finally(() => setLoaded(true));
    void loadOrganisation();
  }, [load, loadOrganisation]);

  // #/keys?create=1 (from the overview's first-run steps) opens the create dialog.
  useEffect(() => {
    if (route.params.get('create') === '1') {
      setEditing({ mode: 'create' });
      setRouteParams({ create: null });
    }
  }, [route.params]);

  // #/keys?key=<id> (a sign-in's key, from the sign-ins page) opens that key.
  const wantedKey = route.params.get('key');
  useEffect(() => {
    if (!wantedKey || !loaded || status === 'loading') return;
    setRouteParams({ key: null });
    const key = allKeys.find((item) => item.id === wantedKey);
    if (key) setEditing({ mode: 'edit', key });
    else if (status === 'ready') toast.info('That key no longer exists.');
  }, [wantedKey, loaded, status, allKeys]);

  const teamName = (id: string | null) => (id ? (teams.find((team) => team.id === id)?.name ?? null) : null);
  const userName = (id: string | null) => (id ? (users.find((user) => user.id === id)?.name ?? null) : null);

  const keys = useMemo(() => {
    const sorted = keysSelectors.sorted({ keys: allKeys, status, error, pending: {} });
    const needle = filter.trim().toLowerCase();
    if (!needle) return sorted;
    return sorted.filter((key) =>
      [key.name, key.description, key.value_preview, teams.find((team) => team.id === key.team_id)?.name, users.find((user) => user.id === key.user_id)?.name]
        .filter(Boolean)
        .some((text) => text?.toLowerCase().includes(needle)),
    );
  }, [allKeys, status, error, filter, teams, users]);

  const runConfirmed = async () => {
    if (!confirm) return;
    const { action, key } = confirm;
    setConfirm(null);
    if (action === 'revoke') await revoke(key.id);
    else {
      const rotated = await rotate(key.id);
      if (rotated) setReveal({ created: rotated, reason: 'rotated' });
    }
  };

  const activeCount = allKeys.filter((key) => key.is_active).length;

  return (
    <>
      <PageHeader
        title="Keys"
        description="A virtual key per person or pipeline: Claude Code sends it instead of an Anthropic key, and the gateway applies its budgets, limits and model rules."
        actions={
          <Button variant="primary" onClick={() => setEditing({ mode: 'create' })}>
            Create key
          </Button>
        }
      />
      {error && <ErrorBanner title="Could not load keys" error={error} onRetry={() => void load()} />}
      {status === 'loading' && allKeys.length === 0 && <Loading label="Loading keys…" />}
      {status === 'ready' && allKeys.length === 0 && (
        <EmptyState
          title="Create your first key"
          body="Each key carries its own budget, rate limits and model rules. Create one per person (or per CI job), then paste the snippet it gives you into Claude Code's settings."
          action={
            <Button variant="primary" onClick={() => setEditing({ mode: 'create' })}>
              Create key
            </Button>
          }
        />
      )}
      {allKeys.length > 0 && (
        <div className="stack">
          <div className="toolbar">
            <label className="visually-hidden" htmlFor="key-filter">
              Filter keys
            </label>
            <input id="key-filter" className="input toolbar-search" type="search" placeholder="Filter by name, owner or team" value={filter} onChange={(event) => setFilter(event.target.value)} />
            <span className="muted num">
              {activeCount} active of {allKeys.length}
            </span>
          </div>
          <KeysTable
            keys={keys}
            teamName={teamName}
            userName={userName}
            pending={pending}
            onEdit={(key) => setEditing({ mode: 'edit', key })}
            onToggle={(key) => void setActive(key.id, !key.is_active)}
            onRotate={(key) => setConfirm({ action: 'rotate', key })}
            onRevoke={(key) => setConfirm({ action: 'revoke', key })}
            empty={<span>No key matches “{filter}”.</span>}
          />
        </div>
      )}

      {editing && (
        <KeyEditor
          editing={editing}
          teams={teams}
          users={users}
          onClose={() => setEditing(null)}
          onCreate={async (body) => {
            const created = await create(body);
            setEditing(null);
            setReveal({ created, reason: 'created' });
          }}
          onUpdate={(key, patch) => {
            // Optimistic: the row changes now; a refusal rolls it back and says why.
            setEditing(null);
            void update(key.id, patch);
          }}
        />
      )}

      <Dialog
        open={reveal !== null}
        title={reveal?.reason === 'rotated' ? `New secret for “${reveal.created.name}”` : `Key “${reveal?.created.name ?? ''}” created`}
        description="Paste one of these into Claude Code to route it through this gateway."
        onClose={() => setReveal(null)}
        size="lg"
        dismissible={false}
        footer={
          <Button variant="primary" onClick={() => setReveal(null)}>
            I have copied it
          </Button>
        }
      >
        {reveal && <KeyReveal created={reveal.created} endpoints={endpoints} reason={reveal.reason} />}
      </Dialog>

      <ConfirmDialog
        open={confirm?.action === 'revoke'}
        title={`Revoke “${confirm?.key.name ?? ''}”?`}
        body={<p>Requests with this key are refused from now on. This cannot be undone: to restore access, create a new key.</p>}
        confirmLabel="Revoke key"
        onConfirm={() => void runConfirmed()}
        onCancel={() => setConfirm(null)}
      />
      <ConfirmDialog
        open={confirm?.action === 'rotate'}
        title={`Rotate the secret of “${confirm?.key.name ?? ''}”?`}
        body={<p>The key keeps its budgets, limits and history, but its current secret stops working at once. You will see the new secret one time.</p>}
        confirmLabel="Rotate secret"
        tone="primary"
        onConfirm={() => void runConfirmed()}
        onCancel={() => setConfirm(null)}
      />
    </>
  );
}

interface KeyEditorProps {
  editing: Editing;
  teams: ReturnType<typeof useOrganisation.getState>['teams'];
  users: ReturnType<typeof useOrganisation.getState>['users'];
  onClose: () => void;
  onCreate: (body: ReturnType<typeof draftToBody>['body']) => Promise<void>;
  onUpdate: (key: VirtualKey, patch: ReturnType<typeof changedFields>['patch']) => void;
}

function KeyEditor({ editing, teams, users, onClose, onCreate, onUpdate }: KeyEditorProps) {
  const formId = useId();
  const [draft, setDraft] = useState<KeyDraft>(() => (editing.mode === 'edit' ? draftFromKey(editing.key) : emptyDraft()));
  const [errors, setErrors] = useState<FieldErrors>({});
  const [submitError, setSubmitError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);

  const submit = async () => {
    setSubmitError(null);
    if (editing.mode === 'edit') {
      const { patch, errors: found } = changedFields(editing.key, draft);
      setErrors(found);
      if (hasErrors(found)) return;
      if (Object.keys(patch).length === 0) return onClose();
      onUpdate(editing.key, patch);
      return;
    }
    const { body, errors: found } = draftToBody(draft);
    setErrors(found);
    if (hasErrors(found)) return;
    setBusy(true);
    try {
      await onCreate(body);
    } catch (error) {
      setSubmitError(errorMessage(error));
      setBusy(false);
    }
  };

  return (
    <Dialog
      open
      title={editing.mode === 'create' ? 'Create a key' : `Edit “${editing.key.name}”`}
      description={
        editing.mode === 'create' ? (
          'Only the name is required. Everything else can be changed later.'
        ) : (
          <>
            Only the fields you change are sent; budgets you leave alone keep their spend.{' '}
            <Link to="/policy" params={{ key: editing.key.id }}>
              Preview its Claude Code policy
            </Link>
          </>
        )
      }
      onClose={onClose}
      size="lg"
      dismissible={!busy}
      footer={
        <>
          <Button onClick={onClose} disabled={busy}>
            Cancel
          </Button>
          <Button variant="primary" type="submit" form={formId} busy={busy}>
            {editing.mode === 'create' ? 'Create key' : 'Save changes'}
          </Button>
        </>
      }
    >
      {submitError && <ErrorBanner title="The gateway refused the key" error={submitError} />}
      {hasErrors(errors) && (
        <p className="field-error" role="alert">
          Check the highlighted fields.
        </p>
      )}
      <KeyForm id={formId} draft={draft} errors={errors} teams={teams} users={users} onChange={setDraft} onSubmit={() => void submit()} />
    </Dialog>
  );
}
