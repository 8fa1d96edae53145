// The bounded forms of what a client chooses: the model label /metrics uses (a known id, a family or
// `other`, never the client's own string) and the clipped text a log row or a refusal keeps.
import { describe, expect, it } from 'vitest';
import { clip } from '../../electron/gateway/clip.js';
import { modelLabel, type KnownModels } from '../../electron/gateway/metrics.js';
import { loadBuiltinCatalog } from '../../electron/pricing/catalog.js';
import { PriceBook } from '../../electron/pricing/price-book.js';

const book = new PriceBook(loadBuiltinCatalog().models, []);

describe('modelLabel', () => {
  it.each([
    ['claude-sonnet-4-6', 'claude-sonnet-4-6'],
    ['claude-sonnet-4-6[1m]', 'claude-sonnet-4-6'],
    ['us.anthropic.claude-sonnet-4-6-v1:0', 'claude-sonnet-4-6'],
    ['claude-opus-99-junk', 'claude-opus'],
    ['claude-haiku-' + 'x'.repeat(10_000), 'claude-haiku'],
    ['gpt-4o', 'other'],
    ['x'.repeat(1_000_000), 'other'],
  ])('labels %s as %s', (model, label) => {
    expect(modelLabel(model, book)).toBe(label);
  });

  it('labels a request that named no model as none', () => {
    expect(modelLabel(null, book)).toBe('none');
  });

  it('labels a model an admin priced with an override by its own id', () => {
    const withOverride: KnownModels = { catalogModelFor: () => null, pricedModels: () => ['acme-large'] };
    expect(modelLabel('acme-large-20260101', withOverride)).toBe('acme-large');
  });
});

describe('clip', () => {
  it('keeps a value that fits as it is', () => {
    expect(clip('claude-opus-4-8', 200)).toBe('claude-opus-4-8');
    expect(clip(null, 200)).toBeNull();
  });

  it('cuts a longer value to the limit, marking the cut', () => {
    const clipped = clip('a'.repeat(1_000), 200);
    expect(clipped).toHaveLength(200);
    expect(clipped.endsWith('a…')).toBe(true);
  });

  it('never leaves half of a surrogate pair before the mark', () => {
    const clipped = clip('a'.repeat(198) + '😀'.repeat(10), 200);
    expect(clipped).toBe(`${'a'.repeat(198)}…`);
  });
});
