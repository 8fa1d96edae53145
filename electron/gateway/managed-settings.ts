// Claude Code managed settings for a signed-in key (the gateway protocol's GET /managed/settings,
// ../shared/reference/claude-code-gateway-protocol.md): the admin's layers merged in order, global <
// team < user < key, then what the key's own policy implies, so the CLI itself keeps to what the
// gateway enforces. The model allow list becomes `availableModels` (with `enforceAvailableModels` and a
// `model` from the list: Claude Code starts on an Opus model, and an allow list without it would refuse
// every request until the developer ran /model), and denied tools become `permissions.deny`.
//
// The answer is `{uuid, checksum, settings}`; the checksum (also the ETag, quoted) is the one the
// client computes over the settings it holds, so its hourly If-None-Match poll is answered with a 304.
import { createHash } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { ManagedSettingsDocument } from '../../shared/schemas.js';
import { decideModel, remapModel } from '../governance/policy.js';
import { LAYER_ORDER, type StoredLayer } from '../store/managed-settings.js';
import type { KeyPolicy, KeyRecord } from '../store/virtual-keys.js';
import { clip } from './clip.js';
import type { GatewayContext } from './context.js';
import { GatewayError, sendError } from './errors.js';

type Settings = Record<string, unknown>;

/** The permission lists that add up across layers instead of the later one replacing the earlier. */
const UNIONED_PERMISSIONS = new Set(['allow', 'ask', 'deny']);

// ---- the checksum --------------------------------------------------------------------------------

/**
 * The settings as JSON with keys sorted at every level and no whitespace, computed as Claude Code
 * computes it (keys put into a new object in sorted order, then JSON.stringify): strings keep their
 * characters (no \u escapes beyond JSON's own), and keys that are array indexes ("2", "10") come first in
 * numeric order, as every JavaScript object keeps them.
 */
export function canonicalJson(value: unknown): string {
  return JSON.stringify(sortKeys(value));
}

function sortKeys(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(sortKeys);
  if (value !== null && typeof value === 'object') {
    const sorted: Settings = {};
    for (const key of Object.keys(value).sort()) sorted[key] = sortKeys((value as Settings)[key]);
    return sorted;
  }
  return value;
}

/** `sha256:` + the hex SHA-256 of the canonical JSON: the document's checksum and, quoted, its ETag. */
export function settingsChecksum(settings: Settings): string {
  return `sha256:${createHash('sha256').update(canonicalJson(settings), 'utf8').digest('hex')}`;
}

/** A UUID-shaped id that stays the same for a key (RFC 9562 version 8, from a SHA-256 of the key id). */
export function managedSettingsUuid(keyId: string): string {
  const bytes = createHash('sha256').update(`tollgate managed settings\0${keyId}`, 'utf8').digest().subarray(0, 16);
  bytes[6] = ((bytes[6] ?? 0) & 0x0f) | 0x80;
  bytes[8] = ((bytes[8] ?? 0) & 0x3f) | 0x80;
  const hex = bytes.toString('hex');
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`;
}

// ---- merging -------------------------------------------------------------------------------------

const isObject = (value: unknown): value is Settings =>
  typeof value === 'object' && value !== null && !Array.isArray(value);

/**
 * `over` on top of `base`: objects are merged key by key at every level; `permissions.allow`, `.ask`
 * and `.deny` are unions (in order, each rule once); every other array, and every scalar, is replaced
 * by the later layer's. Neither input is changed.
 */
export function mergeSettings(base: Settings, over: Settings): Settings {
  return mergeObjects(base, over, []);
}

function mergeObjects(base: Settings, over: Settings, path: readonly string[]): Settings {
  const merged: Settings = structuredClone(base);
  for (const [key, value] of Object.entries(over)) {
    const current = merged[key];
    if (isObject(current) && isObject(value)) merged[key] = mergeObjects(current, value, [...path, key]);
    else if (path.length === 1 && path[0] === 'permissions' && UNIONED_PERMISSIONS.has(key) && Array.isArray(value))
      merged[key] = union(Array.isArray(current) ? current : [], value);
    else merged[key] = structuredClone(value);
  }
  return merged;
}

function union(first: readonly unknown[], second: readonly unknown[]): unknown[] {
  const seen = new Set<string>();
  const out: unknown[] = [];
  for (const item of [...first, ...second]) {
    const identity = canonicalJson(item);
    if (seen.has(identity)) continue;
    seen.add(identity);
    out.push(structuredClone(item));
  }
  return out;
}

// ---- what the key's own policy implies -----------------------------------------------------------

const hasWildcard = (pattern: string): boolean => pattern.includes('*') || pattern.includes('?');

/** Whether the gateway would let the key send this model (its remap, then its allow and deny lists). */
function keyAllowsModel(policy: KeyPolicy, model: string): boolean {
  const sent = remapModel(model, policy.model_remap) ?? model;
  return decideModel(sent, [
    { label: 'the key', policy: { allowed: policy.allowed_models, denied: policy.denied_models } },
  ]).allowed;
}

/**
 * The models a key's allow list names, as Claude Code's `availableModels` can take them: an id as it
 * is, a pattern as the known models (`catalog`, in its order) it matches; without the ones the key
 * denies, each once. Null when the key has no allow list, or one that allows everything (`*`).
 */
export function allowedModelList(policy: KeyPolicy, catalog: readonly string[]): string[] | null {
  const allowed = policy.allowed_models ?? [];
  if (allowed.length === 0 || allowed.some((pattern) => pattern.trim() === '*')) return null;
  const models = allowed.flatMap((pattern) =>
    hasWildcard(pattern) ? catalog.filter((id) => keyAllowsPattern(pattern, id)) : [pattern],
  );
  return [...new Set(models)].filter((model) => keyAllowsModel(policy, model));
}

/** Whether a pattern covers a model id as the gateway matches it (its dated and tagged forms too). */
function keyAllowsPattern(pattern: string, id: string): boolean {
  return decideModel(id, [{ label: 'pattern', policy: { allowed: [pattern] } }]).allowed;
}

/**
 * The key's denied tools as Claude Code permission rules: a tool name as it is, and `mcp__server__*` (a
 * form the client knows); other patterns (`Web*`) have no rule of the client's to say them, and stay the
 * gateway's alone to enforce, as does a tool allow list.
 */
export function deniedToolRules(policy: KeyPolicy): string[] {
  const deny = policy.tool_policy?.deny ?? [];
  return [...new Set(deny.filter((pattern) => !hasWildcard(pattern) || /^mcp__[^*?]+__\*$/.test(pattern)))];
}

/**
 * The merged layers with the key's policy on top: with an allow list, `availableModels` is the list (it
 * replaces the layers'), `enforceAvailableModels` is true and `model` is the layers' model if the key may
 * use it, else the first allowed model; a layers' `model` the key denies is dropped when there is no
 * list to take one from. Denied tools are added to `permissions.deny`.
 */
export function applyKeyPolicy(layered: Settings, policy: KeyPolicy, catalog: readonly string[]): Settings {
  const settings = structuredClone(layered);
  const models = allowedModelList(policy, catalog);
  const layeredModel = typeof settings.model === 'string' ? settings.model : null;
  if (models !== null && models.length > 0) {
    settings.availableModels = models;
    settings.enforceAvailableModels = true;
    settings.model = layeredModel !== null && keyAllowsModel(policy, layeredModel) ? layeredModel : models[0];
  } else if (layeredModel !== null && !keyAllowsModel(policy, layeredModel)) {
    delete settings.model;
  }
  const rules = deniedToolRules(policy);
  if (rules.length > 0) return mergeSettings(settings, { permissions: { deny: rules } });
  return settings;
}

/** Whether the key's policy adds anything at all (else a key with no layers has no managed policy). */
function policyImpliesSettings(policy: KeyPolicy, catalog: readonly string[]): boolean {
  return (allowedModelList(policy, catalog)?.length ?? 0) > 0 || deniedToolRules(policy).length > 0;
}

// ---- a key's document ----------------------------------------------------------------------------

/** The layers that apply to a key, in order: global, its team (the key's, else its user's), its user, the key. */
export function layersFor(ctx: GatewayContext, key: KeyRecord): StoredLayer[] {
  const user = key.userId ? ctx.organisation.get('user', key.userId) : null;
  const teamId = key.teamId ?? user?.parentId ?? null;
  const owners: Record<(typeof LAYER_ORDER)[number], string | null | undefined> = {
    global: null,
    team: teamId ?? undefined,
    user: key.userId ?? undefined,
    virtual_key: key.id,
  };
  return LAYER_ORDER.flatMap((scope) => {
    const owner = owners[scope];
    if (owner === undefined) return [];
    const layer = ctx.managedSettings.get(scope, owner);
    return layer ? [layer] : [];
  });
}

/** The document a key's Claude Code receives, or null when no managed policy applies to it (a 404). */
export function managedSettingsFor(ctx: GatewayContext, key: KeyRecord): ManagedSettingsDocument | null {
  const layers = layersFor(ctx, key);
  const catalog = ctx.pricing().catalog.map((model) => model.id);
  const hints = ctx.settings.config.managed_settings_hint_headers;
  if (layers.length === 0 && !policyImpliesSettings(key.policy, catalog) && !hints) return null;
  const layered = layers.reduce<Settings>((merged, layer) => mergeSettings(merged, layer.settings), {});
  let settings = applyKeyPolicy(layered, key.policy, catalog);
  if (hints) settings = mergeSettings(settings, { env: { [HINT_HEADERS_VARIABLE]: '1' } });
  return { uuid: managedSettingsUuid(key.id), checksum: settingsChecksum(settings), settings };
}

/** The variable that makes Claude Code send x-claude-code-managed-settings-checksum on each model request. */
export const HINT_HEADERS_VARIABLE = 'CLAUDE_CODE_GATEWAY_HINT_HEADERS';
const CHECKSUM_HEADER = 'x-claude-code-managed-settings-checksum';
/** The protocol asks a gateway to keep accepting the previous checksum for at least an hour after an edit. */
const PREVIOUS_ACCEPTED_MS = 2 * 60 * 60_000;

/**
 * What a signed-in model request says of the managed settings it runs under, with hint headers on:
 * `current` (the checksum of what is served now, or of what was served this key within two hours:
 * a session polls hourly), `stale` (any other value: out of date, edited, or another policy), or
 * `missing` (no checksum: an older client, `claude ssh`, or a machine that never took the settings).
 * A value the admin accepted for what is served (a machine whose client or MDM profile changes what it
 * loads) counts as current too. Null when hint headers are off. The checksum itself is never kept:
 * it is a plain hash that lets anyone who sees it test guesses at short env values; the row keeps its
 * keyed fingerprint (ManagedSettingsStore.fingerprint).
 */
export function settingsStateOf(
  ctx: GatewayContext,
  key: KeyRecord,
  header: string | string[] | undefined,
  now: number,
): { state: 'current' | 'stale' | 'missing'; fingerprint: string | null } | null {
  if (!ctx.settings.config.managed_settings_hint_headers) return null;
  const checksum = clip((Array.isArray(header) ? header[0] : header)?.trim(), 200);
  if (!checksum) return { state: 'missing', fingerprint: null };
  const fingerprint = ctx.managedSettings.fingerprint(checksum);
  const served = managedSettingsFor(ctx, key)?.checksum ?? null;
  const current =
    served === checksum ||
    (served !== null && ctx.managedSettings.isAccepted(served, fingerprint)) ||
    ctx.managedSettings.servedSince(key.id, checksum, now - PREVIOUS_ACCEPTED_MS);
  return { state: current ? 'current' : 'stale', fingerprint };
}

export const settingsChecksumHeader = (headers: IncomingMessage['headers']): string | string[] | undefined =>
  headers[CHECKSUM_HEADER];

/** What the admin is told about a layer as it is saved: an `env` block asks every teammate to approve it. */
export function layerWarnings(settings: Settings): string[] {
  const env = isObject(settings.env) ? Object.keys(settings.env) : [];
  if (env.length === 0) return [];
  return [
    `This layer sets environment variables (${env.join(', ')}). Managed settings with env entries make an interactive ` +
      'Claude Code ask each teammate they apply to to approve them once ("Managed settings require approval"); ' +
      'a teammate who declines cannot start Claude Code until the entries are removed. claude -p applies them without asking.',
  ];
}

// ---- GET /managed/settings -----------------------------------------------------------------------

/**
 * Answers a signed-in key's request: 404 without a policy, 304 when If-None-Match names the current
 * checksum, else 200 with the document. `If-None-Match: *` (Claude Desktop asking whether there are
 * settings) is answered as if it were absent.
 */
export function serveManagedSettings(
  ctx: GatewayContext,
  req: IncomingMessage,
  res: ServerResponse,
  key: KeyRecord,
): void {
  const document = managedSettingsFor(ctx, key);
  if (!document) {
    return sendError(res, new GatewayError(404, 'not_found_error', 'No managed settings apply to this sign-in.'));
  }
  const etag = `"${document.checksum}"`;
  const headers = { etag, 'cache-control': 'private, no-cache' };
  ctx.managedSettings.noteServed(key.id, document.checksum, ctx.clock());
  if (ifNoneMatchNames(req.headers['if-none-match'], document.checksum)) {
    res.writeHead(304, headers);
    res.end();
    return;
  }
  const body = JSON.stringify(document);
  res.writeHead(200, {
    ...headers,
    'content-type': 'application/json',
    'content-length': Buffer.byteLength(body),
  });
  res.end(req.method === 'HEAD' ? undefined : body);
}

/**
 * Whether an If-None-Match header names this checksum: a list of entity tags (RFC 9110 §13.1.2), weak
 * or strong, compared by their value; a bare checksum is taken too. `*` names nothing here.
 */
export function ifNoneMatchNames(header: string | string[] | undefined, checksum: string): boolean {
  const text = Array.isArray(header) ? header.join(',') : header;
  if (!text) return false;
  return text
    .split(',')
    .map((tag) => tag.trim().replace(/^W\//, ''))
    .some((tag) => tag === `"${checksum}"` || tag === checksum);
}
