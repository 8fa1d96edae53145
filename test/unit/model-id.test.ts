// The model ids clients send, as Claude Code, the SDKs, Bedrock and Vertex spell them, reduced to the
// id the price table knows plus the family and version used to price ids it does not know.
import { describe, expect, it } from 'vitest';
import { normalizeModelId, parseModelId } from '../../electron/pricing/model-id.js';

describe('normalizeModelId', () => {
  it.each([
    ['claude-opus-4-8[1m]', 'claude-opus-4-8'],
    ['claude-haiku-4-5-20251001', 'claude-haiku-4-5'],
    ['us.anthropic.claude-sonnet-4-5-20250929-v1:0', 'claude-sonnet-4-5'],
    ['claude-sonnet-4-5@20250929', 'claude-sonnet-4-5'],
    ['claude-3-5-sonnet-latest', 'claude-3-5-sonnet'],
    ['claude-3-opus-20240229', 'claude-3-opus'],
  ])('reduces %s to %s', (raw, base) => {
    expect(normalizeModelId(raw)).toBe(base);
  });

  it('ignores case and surrounding whitespace', () => {
    expect(normalizeModelId('  Claude-Opus-4-8[1M] ')).toBe('claude-opus-4-8');
  });

  it('strips the prefix of a Bedrock global inference profile like a regional one', () => {
    // Bedrock's cross-region profiles are `us.`, `eu.`, `apac.` … and `global.anthropic.…`.
    expect(normalizeModelId('global.anthropic.claude-sonnet-4-5-20250929-v1:0')).toBe('claude-sonnet-4-5');
  });

  it('leaves an id without decorations as it is', () => {
    expect(normalizeModelId('claude-sonnet-5-5')).toBe('claude-sonnet-5-5');
    expect(normalizeModelId('gpt-5')).toBe('gpt-5');
  });
});

describe('parseModelId', () => {
  it.each([
    ['claude-opus-4-8[1m]', 'claude-opus-4-8', 'opus', 4.08],
    ['claude-haiku-4-5-20251001', 'claude-haiku-4-5', 'haiku', 4.05],
    ['us.anthropic.claude-sonnet-4-5-20250929-v1:0', 'claude-sonnet-4-5', 'sonnet', 4.05],
    ['claude-sonnet-4-5@20250929', 'claude-sonnet-4-5', 'sonnet', 4.05],
    ['claude-3-5-sonnet-latest', 'claude-3-5-sonnet', 'sonnet', 3.05],
    ['claude-3-opus-20240229', 'claude-3-opus', 'opus', 3],
    ['claude-fable-5-1', 'claude-fable-5-1', 'fable', 5.01],
    ['claude-mythos-5', 'claude-mythos-5', 'mythos', 5],
    ['claude-opus-9-9', 'claude-opus-9-9', 'opus', 9.09],
  ] as const)('reads %s as %s, family %s, version %d', (raw, base, family, version) => {
    expect(parseModelId(raw)).toEqual({ base, family, version });
  });

  it('orders a two-digit minor version after a one-digit one', () => {
    const four8 = parseModelId('claude-opus-4-8').version;
    const four10 = parseModelId('claude-opus-4-10').version;
    expect(four8).not.toBeNull();
    expect(four10).not.toBeNull();
    expect(four10 ?? 0).toBeGreaterThan(four8 ?? 0);
  });

  it('names the family of an id that carries no version', () => {
    expect(parseModelId('claude-sonnet')).toEqual({ base: 'claude-sonnet', family: 'sonnet', version: null });
  });

  it('knows no family for ids of other vendors or made-up names', () => {
    expect(parseModelId('gpt-5')).toEqual({ base: 'gpt-5', family: null, version: null });
    expect(parseModelId('mystery-model')).toEqual({ base: 'mystery-model', family: null, version: null });
  });
});
