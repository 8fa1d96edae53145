// "Preview for a key": the exact document (uuid, checksum, settings) the gateway answers that key's
// Claude Code on /managed/settings, its layers merged with the key's own policy on top; or that none
// applies (a 404: Claude Code keeps its own settings). The chosen key is in the address
// (#/policy?key=<id>), so the key editor can link here.
import { useEffect, useMemo } from 'react';
import { Card } from '../../components/Card';
import { CodeBlock } from '../../components/CopyButton';
import { ErrorBanner } from '../../components/ErrorBanner';
import { Select } from '../../components/Field';
import { setRouteParams } from '../../components/router';
import { Loading } from '../../components/Spinner';
import type { VirtualKey } from '../../../../shared/schemas';
import { layerKey, useManagedSettings, type PolicyLayer } from '../../stores/managed-settings';
import type { User } from '../../stores/organisation';
import { NO_POLICY } from './labels';

export interface PreviewPanelProps {
  /** The key in the address, if any. */
  keyId: string | null;
  keys: readonly VirtualKey[];
  keysLoaded: boolean;
  users: readonly User[];
  layers: readonly PolicyLayer[];
  describeLayer: (layer: PolicyLayer) => string;
}

/** The layers that apply to a key, in order: global, its team (the key's, else its user's), its user, the key. */
export function layersForKey(key: VirtualKey, users: readonly User[], layers: readonly PolicyLayer[]): PolicyLayer[] {
  const user = key.user_id ? users.find((item) => item.id === key.user_id) : undefined;
  const teamId = key.team_id ?? user?.team_id ?? null;
  const wanted = [
    layerKey({ scope: 'global', id: null }),
    teamId ? layerKey({ scope: 'team', id: teamId }) : null,
    key.user_id ? layerKey({ scope: 'user', id: key.user_id }) : null,
    layerKey({ scope: 'virtual_key', id: key.id }),
  ];
  return wanted.flatMap((wantedKey) => layers.filter((layer) => layerKey(layer) === wantedKey));
}

export function PreviewPanel({ keyId, keys, keysLoaded, users, layers, describeLayer }: PreviewPanelProps) {
  const preview = useManagedSettings((state) => state.preview);
  const loadPreview = useManagedSettings((state) => state.loadPreview);
  const clearPreview = useManagedSettings((state) => state.clearPreview);

  useEffect(() => {
    if (keyId) void loadPreview(keyId);
    else clearPreview();
  }, [keyId, loadPreview, clearPreview]);

  const key = keyId ? keys.find((item) => item.id === keyId) : undefined;
  const unknownKey = keyId !== null && keysLoaded && !key;

  const options = useMemo(() => {
    const sorted = [...keys].sort((a, b) => a.name.localeCompare(b.name));
    const choices = [
      { value: '', label: keys.length === 0 ? 'No keys yet' : 'Choose a key…' },
      ...sorted.map((item) => ({ value: item.id, label: item.is_active ? item.name : `${item.name} (disabled)` })),
    ];
    // A key in the address that the list does not have (yet): keep it chosen rather than jump to another.
    if (keyId && !sorted.some((item) => item.id === keyId)) choices.push({ value: keyId, label: keyId });
    return choices;
  }, [keys, keyId]);

  const applying = key ? layersForKey(key, users, layers) : [];
  const current = preview && preview.keyId === keyId ? preview : null;

  return (
    <Card
      title="Preview for a key"
      subtitle="Exactly what that key's Claude Code receives: its layers merged, with the key's own policy on top."
    >
      <div className="policy-preview">
        <div className="form-grid">
          <Select
            label="Key"
            value={keyId ?? ''}
            options={options}
            onChange={(event) => setRouteParams({ key: event.target.value || null })}
          />
        </div>
        {key && (
          <p className="form-help">
            {applying.length > 0
              ? `Layers, in order: ${applying.map(describeLayer).join(', then ')}; then the key's allowed models and denied tools.`
              : 'No layer applies to this key; only its allowed models and denied tools can make a policy.'}
          </p>
        )}
        {unknownKey ? (
          <p className="muted">There is no key with the id {keyId}.</p>
        ) : current?.status === 'loading' ? (
          <Loading label="Asking the gateway…" />
        ) : current?.status === 'error' ? (
          <ErrorBanner
            title="Could not preview this key's policy"
            error={current.error}
            onRetry={() => void loadPreview(current.keyId)}
          />
        ) : current?.status === 'none' ? (
          <p className="policy-none" role="status">
            {NO_POLICY}
          </p>
        ) : current?.status === 'ready' && current.document ? (
          <>
            <dl className="policy-facts">
              <dt>uuid</dt>
              <dd className="mono">{current.document.uuid}</dd>
              <dt>checksum</dt>
              <dd className="mono">{current.document.checksum}</dd>
            </dl>
            <CodeBlock
              label={`Managed settings for ${key?.name ?? keyId ?? 'this key'}`}
              code={JSON.stringify(current.document, null, 2)}
            />
          </>
        ) : null}
      </div>
    </Card>
  );
}
