// Claude Code policy: the managed settings a Claude Code signed in with /login receives, as layers the
// admin edits (global, then a team's, a user's, a key's; later layers win, permission rules add up),
// each with an editor; adding a layer, removing one behind a confirmation, the warnings the gateway
// answers a save with (env asks every teammate for approval), a preview of one key's document, and
// which machines run the current policy (the hint-headers switch and, while on, each machine's state).
// Deep link: #/policy?key=<id> previews that key (the key editor links here).
import { useEffect, useMemo, useState } from 'react';
import { Badge } from '../../components/Badge';
import { Button } from '../../components/Button';
import { Card } from '../../components/Card';
import { ConfirmDialog } from '../../components/Dialog';
import { ErrorBanner } from '../../components/ErrorBanner';
import { PageHeader } from '../../components/PageHeader';
import { useRoute } from '../../components/router';
import { Loading } from '../../components/Spinner';
import { DataTable, type Column } from '../../components/Table';
import { TimeAgo } from '../../components/TimeAgo';
import { useKeys } from '../../stores/keys';
import { layerKey, useManagedSettings, type PolicyLayer, type PolicyScope } from '../../stores/managed-settings';
import { useOrganisation } from '../../stores/organisation';
import { toast } from '../../stores/toasts';
import { draftFromSettings, summarise } from './draft';
import { ENV_WARNING, SCOPE_LABEL } from './labels';
import { LayerEditor, type OwnerChoices } from './LayerEditor';
import { MachinesPanel } from './MachinesPanel';
import { PreviewPanel } from './PreviewPanel';
import './policy.css';

/** A row of the list: a saved layer, or the global one not set yet (offered first). */
interface Row {
  layer: PolicyLayer;
  saved: boolean;
}

type Editing = { layer: PolicyLayer | null };

interface SaveNotice {
  who: string;
  warnings: string[];
}

const UNSET_GLOBAL: PolicyLayer = { scope: 'global', id: null, settings: {}, updated_at: '' };

export default function PolicyPage() {
  const layers = useManagedSettings((state) => state.layers);
  const status = useManagedSettings((state) => state.status);
  const error = useManagedSettings((state) => state.error);
  const { load, save, remove } = useManagedSettings.getState();
  const teams = useOrganisation((state) => state.teams);
  const users = useOrganisation((state) => state.users);
  const organisationStatus = useOrganisation((state) => state.status);
  const loadOrganisation = useOrganisation((state) => state.load);
  const keys = useKeys((state) => state.keys);
  const keysStatus = useKeys((state) => state.status);
  const loadKeys = useKeys((state) => state.load);
  const route = useRoute();
  const previewKey = route.params.get('key');

  const [editing, setEditing] = useState<Editing | null>(null);
  const [removing, setRemoving] = useState<PolicyLayer | null>(null);
  const [notice, setNotice] = useState<SaveNotice | null>(null);

  useEffect(() => {
    void load();
    void loadOrganisation();
    void loadKeys();
  }, [load, loadOrganisation, loadKeys]);

  const ownerName = (scope: PolicyScope, id: string | null): string | null => {
    if (!id) return null;
    if (scope === 'team') return teams.find((team) => team.id === id)?.name ?? null;
    if (scope === 'user') return users.find((user) => user.id === id)?.name ?? null;
    if (scope === 'virtual_key') return keys.find((key) => key.id === id)?.name ?? null;
    return null;
  };
  /** Who a layer applies to, in words: "everyone", "team Web", "key alice-laptop". */
  const describeOwner = (scope: PolicyScope, id: string | null): string => {
    const name = ownerName(scope, id);
    return scope === 'global' ? 'everyone' : `${SCOPE_LABEL[scope].toLowerCase()} ${name ?? id ?? ''}`;
  };
  /** Whether the team, user or key a layer is for still exists (once the lists are in). */
  const ownerGone = (layer: PolicyLayer): boolean => {
    if (layer.scope === 'global') return false;
    if (layer.scope === 'virtual_key') return keysStatus === 'ready' && ownerName(layer.scope, layer.id) === null;
    return organisationStatus === 'ready' && ownerName(layer.scope, layer.id) === null;
  };

  const hasGlobal = layers.some((layer) => layer.scope === 'global');
  const rows: Row[] = useMemo(
    () => [
      ...(hasGlobal ? [] : [{ layer: UNSET_GLOBAL, saved: false }]),
      ...layers.map((layer) => ({ layer, saved: true })),
    ],
    [layers, hasGlobal],
  );

  const choices: OwnerChoices = useMemo(() => {
    const taken = new Set(layers.map(layerKey));
    const free = (scope: PolicyScope, items: readonly { id: string; name: string }[]) =>
      [...items]
        .filter((item) => !taken.has(layerKey({ scope, id: item.id })))
        .sort((a, b) => a.name.localeCompare(b.name))
        .map((item) => ({ value: item.id, label: item.name }));
    return {
      global: hasGlobal ? [] : [{ value: '', label: 'Everyone' }],
      team: free('team', teams),
      user: free('user', users),
      virtual_key: free('virtual_key', keys),
    };
  }, [layers, hasGlobal, teams, users, keys]);

  const columns: Column<Row>[] = [
    {
      id: 'layer',
      header: 'Layer',
      cell: ({ layer }) => (
        <div className="cell-stack">
          <span className="policy-owner">
            {layer.scope === 'global' ? 'Everyone' : (ownerName(layer.scope, layer.id) ?? layer.id)}
          </span>
          <span className="cell-sub">
            {SCOPE_LABEL[layer.scope]}
            {ownerGone(layer) && ` · the ${SCOPE_LABEL[layer.scope].toLowerCase()} is gone: applies to nobody`}
          </span>
        </div>
      ),
    },
    {
      id: 'sets',
      header: 'Sets',
      cell: ({ layer, saved }) =>
        saved ? (
          <div className="policy-sets">
            <span>{summarise(layer.settings)}</span>
            {draftFromSettings(layer.settings).env.length > 0 && (
              <Badge tone="warning" title={ENV_WARNING}>
                env: asks for approval
              </Badge>
            )}
          </div>
        ) : (
          <span className="muted">Not set</span>
        ),
    },
    {
      id: 'updated',
      header: 'Updated',
      cell: ({ layer, saved }) => (saved ? <TimeAgo value={layer.updated_at} fallback="—" /> : null),
    },
    {
      id: 'actions',
      header: 'Actions',
      hideHeader: true,
      align: 'end',
      cell: ({ layer, saved }) => {
        const who = describeOwner(layer.scope, layer.id);
        return saved ? (
          <div className="policy-actions">
            <Button size="sm" aria-label={`Edit the policy for ${who}`} onClick={() => setEditing({ layer })}>
              Edit
            </Button>
            <Button
              size="sm"
              variant="ghost"
              aria-label={`Remove the policy for ${who}`}
              onClick={() => setRemoving(layer)}
            >
              Remove
            </Button>
          </div>
        ) : (
          <div className="policy-actions">
            <Button size="sm" aria-label="Set the policy for everyone" onClick={() => setEditing({ layer })}>
              Set up
            </Button>
          </div>
        );
      },
    },
  ];

  const onSave = async (scope: PolicyScope, id: string | null, settings: Parameters<typeof save>[2]) => {
    const saved = await save(scope, id, settings);
    const who = describeOwner(scope, id);
    setEditing(null);
    setNotice(saved.warnings.length > 0 ? { who, warnings: saved.warnings } : null);
    toast.success(
      `Saved the policy for ${who}. Claude Code picks it up at its next check (about hourly, and at start).`,
    );
  };

  const runRemove = async () => {
    if (!removing) return;
    const layer = removing;
    setRemoving(null);
    await remove(layer.scope, layer.id, describeOwner(layer.scope, layer.id));
  };

  const removingWho = removing ? describeOwner(removing.scope, removing.id) : '';

  return (
    <div className="policy-page">
      <PageHeader
        title="Claude Code policy"
        description={
          <>
            Managed settings for every Claude Code signed in with <span className="mono">/login</span>: they win over
            each teammate&rsquo;s own. Layers apply in order, global, then team, user and key; later layers win, and
            permission rules add up.
          </>
        }
        actions={
          <Button variant="primary" onClick={() => setEditing({ layer: null })}>
            Add a layer
          </Button>
        }
      />

      {notice && (
        <div className="banner banner-warning" role="alert">
          <div className="banner-text">
            <strong>Saved the policy for {notice.who}, with a warning</strong>
            {notice.warnings.map((warning) => (
              <span key={warning}>{warning}</span>
            ))}
          </div>
          <div className="banner-actions">
            <Button size="sm" variant="ghost" aria-label="Dismiss" onClick={() => setNotice(null)}>
              ×
            </Button>
          </div>
        </div>
      )}

      <Card
        title="Layers"
        subtitle="A key with allowed models or denied tools adds them on top, so Claude Code keeps to what the gateway enforces."
      >
        {error && <ErrorBanner title="Could not load the policy" error={error} onRetry={() => void load()} />}
        {status === 'loading' && layers.length === 0 ? (
          <Loading label="Loading the policy…" />
        ) : status === 'error' && layers.length === 0 ? null : (
          <DataTable
            caption="Policy layers"
            columns={columns}
            rows={rows}
            rowKey={({ layer }) => layerKey(layer)}
            rowClassName={({ saved }) => (saved ? undefined : 'policy-unset')}
          />
        )}
      </Card>

      <PreviewPanel
        keyId={previewKey}
        keys={keys}
        keysLoaded={keysStatus === 'ready'}
        users={users}
        layers={layers}
        describeLayer={(layer) => (layer.scope === 'global' ? 'global' : describeOwner(layer.scope, layer.id))}
      />

      <MachinesPanel users={users} />

      {editing && (
        <LayerEditor
          layer={editing.layer}
          choices={choices}
          describeOwner={describeOwner}
          onClose={() => setEditing(null)}
          onSave={onSave}
        />
      )}

      <ConfirmDialog
        open={removing !== null}
        title={`Remove the policy for ${removingWho}?`}
        body={
          <p>
            Claude Code drops these managed settings at its next check; the other layers, and each key&rsquo;s own
            policy, still apply. A key that nothing else applies to gets no managed policy at all.
          </p>
        }
        confirmLabel="Remove policy"
        onConfirm={() => void runRemove()}
        onCancel={() => setRemoving(null)}
      />
    </div>
  );
}
