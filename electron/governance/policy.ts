// Model and tool policy: which models a key or provider config may use, which model a key is quietly
// moved to instead, and which tools are taken out of a request before it is forwarded. Pure decisions
// over the request's model id and parsed body; the proxy applies them and the log records them.
import { normalizeModelId } from '../pricing/model-id.js';
import { firstMatch, globMatch, matchesAny } from './glob.js';

export interface ModelPolicy {
  allowed?: readonly string[];
  denied?: readonly string[];
}

export type ModelDecision = { allowed: true } | { allowed: false; reason: string };

export interface LabelledModelPolicy {
  /** Who the policy belongs to, as a person reads it: `virtual key "alice"`, `provider config anthropic`. */
  label: string;
  policy: ModelPolicy;
}

/**
 * The forms of a model id a pattern is tried against: the id as sent, without its `[1m]` tag, without its
 * date snapshot, and fully normalised. So `claude-haiku-4-5*` and `claude-haiku-4-5` both cover
 * `claude-haiku-4-5-20251001`, and a deny of `claude-opus-4-8` is not dodged by sending `claude-opus-4-8[1m]`.
 */
export function modelIdForms(model: string): string[] {
  const untagged = model.replace(/\[[^\]]*\]$/, '');
  const undated = untagged.replace(/-\d{8}$/, '');
  return [...new Set([model, untagged, undated, normalizeModelId(model)])];
}

function modelMatches(pattern: string, forms: readonly string[]): boolean {
  return forms.some((form) => globMatch(pattern, form));
}

/** Deny wins over allow; an empty or absent allow list allows everything. Every policy must allow the model. */
export function decideModel(model: string, policies: readonly LabelledModelPolicy[]): ModelDecision {
  const forms = modelIdForms(model);
  for (const { label, policy } of policies) {
    const denial = policy.denied?.find((pattern) => modelMatches(pattern, forms));
    if (denial !== undefined) {
      return { allowed: false, reason: `Model "${model}" is denied for ${label} by the rule "${denial}".` };
    }
    const allowed = policy.allowed ?? [];
    if (allowed.length > 0 && !allowed.some((pattern) => modelMatches(pattern, forms))) {
      return {
        allowed: false,
        reason: `Model "${model}" is not allowed for ${label}; allowed models: ${allowed.map((p) => `"${p}"`).join(', ')}.`,
      };
    }
  }
  return { allowed: true };
}

/**
 * The model a key is moved to: the first pattern (in the object's key order) matching any form of the id
 * wins and its target is returned exactly as configured. Null when nothing matches or the id already is
 * the target, so the caller can tell a real remap from a no-op.
 */
export function remapModel(model: string, remap: Readonly<Record<string, string>> | undefined): string | null {
  if (!remap) return null;
  const forms = modelIdForms(model);
  for (const [pattern, target] of Object.entries(remap)) {
    if (modelMatches(pattern, forms)) return target === model ? null : target;
  }
  return null;
}

export interface ToolPolicy {
  allow?: readonly string[];
  deny?: readonly string[];
}

/**
 * Names of tools the policy removes, each once, in request order: deny wins; a non-empty `allow` removes
 * everything it does not match. An empty `allow` counts as absent, as for models (deny `*` removes all).
 */
export function toolsToRemove(toolNames: readonly string[], policy: ToolPolicy | undefined): string[] {
  if (!policy) return [];
  const allow = policy.allow ?? [];
  const removed = new Set<string>();
  for (const name of toolNames) {
    const denied = matchesAny(policy.deny, name);
    const notAllowed = allow.length > 0 && !matchesAny(allow, name);
    if (denied || notAllowed) removed.add(name);
  }
  return [...removed];
}

/** The pattern that removes a tool, for the log and for messages; null when the tool is kept. */
export function toolRemovalRule(name: string, policy: ToolPolicy | undefined): string | null {
  if (!policy) return null;
  const denial = firstMatch(policy.deny, name);
  if (denial !== null) return `deny "${denial}"`;
  const allow = policy.allow ?? [];
  if (allow.length > 0 && !matchesAny(allow, name)) return 'not in allow list';
  return null;
}

/**
 * Applies the tool policy to a parsed request body. Null when nothing is removed, so the caller forwards
 * the original bytes untouched. Otherwise a shallow copy with `tools` filtered and `tool_choice` kept
 * consistent: a forced choice of a removed tool becomes `auto`; with no tools left, `tools` and
 * `tool_choice` both go (the API refuses a tool_choice without tools). `messages` is never touched: past
 * tool_use blocks must stay for the conversation to remain valid. Tools without a string `name` are kept.
 */
export function applyToolPolicy(
  body: Record<string, unknown>,
  policy: ToolPolicy | undefined,
): { body: Record<string, unknown>; removed: string[] } | null {
  const tools = body.tools;
  if (!policy || !Array.isArray(tools)) return null;
  const names = tools.map(toolName).filter((name): name is string => name !== null);
  const removed = toolsToRemove(names, policy);
  if (removed.length === 0) return null;

  const removedSet = new Set(removed);
  const kept = tools.filter((tool) => {
    const name = toolName(tool);
    return name === null || !removedSet.has(name);
  });
  const next: Record<string, unknown> = { ...body };
  if (kept.length === 0) {
    delete next.tools;
    delete next.tool_choice;
    return { body: next, removed };
  }
  next.tools = kept;
  const choice = body.tool_choice;
  if (isRecord(choice) && choice.type === 'tool' && typeof choice.name === 'string' && removedSet.has(choice.name)) {
    // Keep the client's other choice settings (disable_parallel_tool_use) while no longer forcing the tool.
    const { name: _forced, ...rest } = choice;
    next.tool_choice = { ...rest, type: 'auto' };
  }
  return { body: next, removed };
}

function toolName(tool: unknown): string | null {
  return isRecord(tool) && typeof tool.name === 'string' ? tool.name : null;
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
