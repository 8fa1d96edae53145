// Understands the model ids clients send: strips the decorations (dates, `[1m]`, cloud prefixes and
// version tags) and reads the family and version so an unknown id can still be priced sensibly.

export type ModelFamily = 'fable' | 'mythos' | 'opus' | 'sonnet' | 'haiku';
const FAMILIES: readonly ModelFamily[] = ['fable', 'mythos', 'opus', 'sonnet', 'haiku'];

export interface ParsedModelId {
  /** Lower-cased id without decorations, e.g. `claude-opus-4-8` for `claude-opus-4-8[1m]`. */
  base: string;
  family: ModelFamily | null;
  /** Version as a sortable number: 4.8 → 4.08, 5 → 5.00. */
  version: number | null;
}

export function normalizeModelId(raw: string): string {
  let id = raw.trim().toLowerCase();
  id = id.replace(/\[[^\]]*\]$/, ''); // `[1m]` context-window tag
  id = id.replace(/^(?:(?:global|[a-z]{2,4})\.)?anthropic[./]/, ''); // Bedrock `us.anthropic.`, `global.anthropic.`, `anthropic/`
  id = id.replace(/@\d{8}$/, ''); // Vertex `@20250929`
  id = id.replace(/-v\d+(?::\d+)?$/, ''); // Bedrock `-v1:0`, Vertex `-v2`
  id = id.replace(/-\d{8}$/, ''); // dated snapshot `-20251001`
  id = id.replace(/-latest$/, '');
  return id;
}

export function parseModelId(raw: string): ParsedModelId {
  const base = normalizeModelId(raw);
  const familyPattern = FAMILIES.join('|');
  // Current naming: claude-opus-4-8, claude-sonnet-5, claude-fable-5-1
  const modern = new RegExp(`(?:^|-)(${familyPattern})-(\\d+)(?:-(\\d{1,2}))?(?:-|$)`).exec(base);
  // Claude 3.x naming: claude-3-5-sonnet, claude-3-haiku
  const legacy = new RegExp(`^claude-(\\d+)(?:-(\\d{1,2}))?-(${familyPattern})(?:-|$)`).exec(base);
  if (modern) {
    return { base, family: modern[1] as ModelFamily, version: versionNumber(modern[2], modern[3]) };
  }
  if (legacy) {
    return { base, family: legacy[3] as ModelFamily, version: versionNumber(legacy[1], legacy[2]) };
  }
  const bare = new RegExp(`(?:^|-)(${familyPattern})(?:-|$)`).exec(base);
  return { base, family: (bare?.[1] as ModelFamily | undefined) ?? null, version: null };
}

function versionNumber(major: string | undefined, minor: string | undefined): number | null {
  if (major === undefined) return null;
  return Number(major) + (minor === undefined ? 0 : Number(minor) / 100);
}
