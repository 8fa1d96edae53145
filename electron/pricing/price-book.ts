// Answers "what does this model cost at this moment": maps a client's model id to a catalogue model,
// then picks the price version in force (admin overrides beat the built-in table). Unknown ids are
// priced by their family, or at the dearest known price, and always flagged as estimates — never $0.
import { parseModelId, type ModelFamily } from './model-id.js';
import type { PriceVersion } from './cost.js';

export interface CatalogModel {
  id: string;
  aliases: string[];
  family: ModelFamily;
  display_name: string;
  /** For ordering within a family, e.g. 4.08 for Opus 4.8. */
  version: number;
}

export interface PriceResolution {
  version: PriceVersion;
  /** The catalogue (or override) model whose price was applied. */
  priced_as: string;
  /** True when the id was not known and a family or worst-case price stood in. */
  estimated: boolean;
}

export class PriceBook {
  private readonly byAlias = new Map<string, CatalogModel>();
  private readonly versionsByModel = new Map<string, PriceVersion[]>();
  private readonly fallbackModel: string;

  constructor(
    readonly catalog: readonly CatalogModel[],
    versions: readonly PriceVersion[],
  ) {
    for (const model of catalog) {
      this.byAlias.set(parseModelId(model.id).base, model);
      for (const alias of model.aliases) this.byAlias.set(parseModelId(alias).base, model);
    }
    for (const version of versions) {
      const list = this.versionsByModel.get(version.model) ?? [];
      list.push(version);
      this.versionsByModel.set(version.model, list);
    }
    this.fallbackModel = this.dearestModel(versions);
  }

  /** The version in force for a catalogue or override model id at `at`, or null when none is. */
  versionAt(model: string, at: number): PriceVersion | null {
    let best: PriceVersion | null = null;
    for (const candidate of this.versionsByModel.get(model) ?? []) {
      if (candidate.effective_from > at) continue;
      if (candidate.retired_at !== null && candidate.retired_at <= at) continue;
      if (best === null || outranks(candidate, best)) best = candidate;
    }
    return best;
  }

  /** Every model id with a price version of its own: catalogue models and override-only models. */
  pricedModels(): string[] {
    return [...this.versionsByModel.keys()];
  }

  /** Versions of one model, oldest first. */
  history(model: string): PriceVersion[] {
    return [...(this.versionsByModel.get(model) ?? [])].sort(
      (a, b) => a.effective_from - b.effective_from || a.id - b.id,
    );
  }

  catalogModelFor(rawModelId: string): CatalogModel | null {
    return this.byAlias.get(parseModelId(rawModelId).base) ?? null;
  }

  resolve(rawModelId: string, at: number): PriceResolution {
    const parsed = parseModelId(rawModelId);
    // An override may name a model the catalogue does not know yet.
    const direct = this.versionAt(parsed.base, at);
    if (direct) return { version: direct, priced_as: parsed.base, estimated: false };

    const known = this.byAlias.get(parsed.base);
    const knownVersion = known && this.versionAt(known.id, at);
    if (known && knownVersion) return { version: knownVersion, priced_as: known.id, estimated: false };

    const sibling = parsed.family ? this.closestInFamily(parsed.family, parsed.version, at) : null;
    if (sibling) return { version: sibling.version, priced_as: sibling.model.id, estimated: true };

    const worst = this.versionAt(this.fallbackModel, at);
    if (!worst) throw new Error('The price table is empty: no price can be resolved.');
    return { version: worst, priced_as: this.fallbackModel, estimated: true };
  }

  /** The newest model of the family not newer than the requested version, else the family's newest. */
  private closestInFamily(
    family: ModelFamily,
    version: number | null,
    at: number,
  ): { model: CatalogModel; version: PriceVersion } | null {
    const members = this.catalog
      .filter((model) => model.family === family && this.versionAt(model.id, at))
      .sort((a, b) => b.version - a.version);
    const chosen =
      (version === null ? undefined : members.find((model) => model.version <= version)) ?? members[0];
    const price = chosen && this.versionAt(chosen.id, at);
    return chosen && price ? { model: chosen, version: price } : null;
  }

  private dearestModel(versions: readonly PriceVersion[]): string {
    let dearest: PriceVersion | undefined;
    for (const version of versions) {
      if (version.source !== 'builtin') continue;
      if (
        !dearest ||
        version.rates.output > dearest.rates.output ||
        (version.rates.output === dearest.rates.output && version.rates.input > dearest.rates.input)
      ) {
        dearest = version;
      }
    }
    return dearest?.model ?? '';
  }
}

function outranks(candidate: PriceVersion, incumbent: PriceVersion): boolean {
  if (candidate.source !== incumbent.source) return candidate.source === 'override';
  if (candidate.effective_from !== incumbent.effective_from) {
    return candidate.effective_from > incumbent.effective_from;
  }
  return candidate.id > incumbent.id;
}

export function priceVersionLabel(version: Pick<PriceVersion, 'id' | 'model' | 'source' | 'effective_from'>): string {
  const day = new Date(version.effective_from).toISOString().slice(0, 10);
  return version.source === 'override'
    ? `${version.model}@override-${version.id}`
    : `${version.model}@${day}`;
}
