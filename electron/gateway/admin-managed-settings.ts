// The admin's side of Claude Code managed settings: list the layers, read, replace or remove one
// (global, or for a team, a user or a virtual key that exists), and preview the exact document a key's
// Claude Code receives on /managed/settings. Changes are audited by the admin router like every PUT
// and DELETE.
import type { RouteResponse } from '../../shared/contract.js';
import type { ManagedSettings, ManagedSettingsLayer, ManagedSettingsScope } from '../../shared/schemas.js';
import type { StoredLayer } from '../store/managed-settings.js';
import { iso } from '../store/time.js';
import type { GatewayContext } from './context.js';
import { GatewayError, notFound } from './errors.js';
import { layerWarnings, managedSettingsFor } from './managed-settings.js';

type OwnedScope = Exclude<ManagedSettingsScope, 'global'>;

const SCOPE_LABEL: Record<ManagedSettingsScope, string> = {
  global: 'global',
  team: 'team',
  user: 'user',
  virtual_key: 'virtual key',
};

export function layerView(layer: StoredLayer): ManagedSettingsLayer {
  return { scope: layer.scope, id: layer.ownerId, settings: layer.settings, updated_at: iso(layer.updatedAt) };
}

export function managedSettingsHandlers(ctx: GatewayContext) {
  /** The owner must exist to be given a layer. */
  const ownerOr404 = (scope: OwnedScope, id: string): string => {
    const exists = scope === 'virtual_key' ? ctx.keys.get(id) !== null : ctx.organisation.get(scope, id) !== null;
    if (!exists) throw notFound(`No ${SCOPE_LABEL[scope]} with id ${id}.`);
    return id;
  };
  const layerOr404 = (scope: ManagedSettingsScope, id: string | null): ManagedSettingsLayer => {
    const layer = ctx.managedSettings.get(scope, id);
    if (!layer) throw notFound(`No managed settings are set for ${describe(scope, id)}.`);
    return layerView(layer);
  };
  const put = (
    scope: ManagedSettingsScope,
    id: string | null,
    settings: ManagedSettings,
  ): RouteResponse<'putGlobalManagedSettings'> => {
    const saved = ctx.managedSettings.put(scope, id, settings, ctx.clock());
    return {
      ...layerView(saved),
      warnings: layerWarnings(saved.settings),
    };
  };
  const remove = (scope: ManagedSettingsScope, id: string | null): { message: string } => {
    if (!ctx.managedSettings.remove(scope, id))
      throw notFound(`No managed settings are set for ${describe(scope, id)}.`);
    return { message: `The managed settings for ${describe(scope, id)} are removed.` };
  };
  const owned = (scope: OwnedScope) => ({
    get: ({ params }: { params: { id: string } }) => layerOr404(scope, params.id),
    put: ({ params, body }: { params: { id: string }; body: { settings: ManagedSettings } }) =>
      put(scope, ownerOr404(scope, params.id), body.settings),
    // A layer outlives the team, user or key it was for (it then applies to nobody), and can still be removed.
    remove: ({ params }: { params: { id: string } }) => remove(scope, params.id),
  });
  const team = owned('team');
  const user = owned('user');
  const key = owned('virtual_key');

  return {
    listManagedSettingsMachines: (): RouteResponse<'listManagedSettingsMachines'> => ({
      hint_headers: ctx.settings.config.managed_settings_hint_headers,
      machines: ctx.requestLog.latestSettingsStates().flatMap((row) => {
        const key = ctx.keys.get(row.virtual_key_id);
        if (!key) return [];
        const signIn = ctx.signIns.forKey(key.id);
        const user = key.userId ? ctx.organisation.get('user', key.userId) : null;
        return [
          {
            virtual_key_id: key.id,
            key_name: key.name,
            user_id: key.userId,
            email: user?.email ?? signIn?.email ?? null,
            sign_in_id: signIn?.id ?? null,
            state: row.managed_settings,
            last_seen_at: iso(row.created_at),
            reported_fingerprint: row.managed_settings_fingerprint,
            served_checksum: managedSettingsFor(ctx, key)?.checksum ?? null,
          },
        ];
      }),
    }),
    acceptManagedSettingsMachine: ({ params }: { params: { key_id: string } }) => {
      const key = ctx.keys.get(params.key_id);
      if (!key) throw notFound(`No virtual key with id ${params.key_id}.`);
      const served = managedSettingsFor(ctx, key)?.checksum;
      if (!served) throw notFound(`No managed settings apply to virtual key "${key.name}".`);
      const latest = ctx.requestLog.latestSettingsStates().find((row) => row.virtual_key_id === key.id);
      if (!latest?.managed_settings_fingerprint) {
        throw new GatewayError(
          409,
          'invalid_request_error',
          `The machine of "${key.name}" has reported no managed settings checksum to accept yet.`,
        );
      }
      ctx.managedSettings.accept(served, latest.managed_settings_fingerprint, ctx.clock());
      return { served_checksum: served, reported_fingerprint: latest.managed_settings_fingerprint };
    },
    listManagedSettings: () => ({ layers: ctx.managedSettings.all().map(layerView) }),
    previewManagedSettings: ({ query }: { query: { key_id: string } }): RouteResponse<'previewManagedSettings'> => {
      const record = ctx.keys.get(query.key_id);
      if (!record) throw notFound(`No virtual key with id ${query.key_id}.`);
      const document = managedSettingsFor(ctx, record);
      if (!document) throw notFound(`No managed settings apply to virtual key "${record.name}".`);
      return document;
    },
    getGlobalManagedSettings: () => layerOr404('global', null),
    putGlobalManagedSettings: ({ body }: { body: { settings: ManagedSettings } }) => put('global', null, body.settings),
    deleteGlobalManagedSettings: () => remove('global', null),
    getTeamManagedSettings: team.get,
    putTeamManagedSettings: team.put,
    deleteTeamManagedSettings: team.remove,
    getUserManagedSettings: user.get,
    putUserManagedSettings: user.put,
    deleteUserManagedSettings: user.remove,
    getKeyManagedSettings: key.get,
    putKeyManagedSettings: key.put,
    deleteKeyManagedSettings: key.remove,
  };
}

function describe(scope: ManagedSettingsScope, id: string | null): string {
  return scope === 'global' ? 'everyone (the global layer)' : `${SCOPE_LABEL[scope]} ${id ?? ''}`;
}
