import { describe, expect, it } from 'vitest';
import { arrayElementRanges, objectMemberRanges } from '../../electron/store/json-slices.js';

const slices = (text: string) => {
  const bytes = Buffer.from(text);
  const members = objectMemberRanges(bytes);
  if (!members) return null;
  const decoded = Object.fromEntries(
    [...members].map(([key, range]) => [key, JSON.parse(bytes.subarray(range.start, range.end).toString()) as unknown]),
  );
  const messages = members.get('messages');
  const elements = messages ? arrayElementRanges(bytes, messages) : null;
  return {
    decoded,
    elements: elements?.map((range) => JSON.parse(bytes.subarray(range.start, range.end).toString()) as unknown),
  };
};

describe('locating the parts of a request body in its bytes', () => {
  it('finds every top-level member and message exactly as JSON.parse reads them', () => {
    const body = {
      model: 'claude-opus-4-8',
      max_tokens: 1000,
      stream: true,
      temperature: -0.5e-3,
      metadata: null,
      system: [{ type: 'text', text: 'Braces } and ] and "quotes" and \\ backslashes', cache_control: { type: 'ephemeral' } }],
      tools: [{ name: 'Bash', input_schema: { type: 'object', properties: { command: { type: 'string' } } } }],
      messages: [
        { role: 'user', content: 'héllo ✓ \u0000 \n' },
        { role: 'assistant', content: [{ type: 'thinking', thinking: '[', signature: 'abc=' }] },
        'odd but valid',
        42,
        [],
      ],
    };
    for (const text of [JSON.stringify(body), JSON.stringify(body, null, 2), JSON.stringify(body, null, '\t')]) {
      const found = slices(text);
      expect(found?.decoded).toEqual(body);
      expect(found?.elements).toEqual(body.messages);
    }
  });

  it('handles empty objects and arrays, and unusual spacing', () => {
    expect(slices('{}')?.decoded).toEqual({});
    expect(slices(' { "messages" : [ ] , "a" :{ } } ')).toEqual({ decoded: { messages: [], a: {} }, elements: [] });
  });

  it('keeps the last of a repeated key, as JSON.parse does', () => {
    expect(slices('{"messages":[1],"messages":[2,3]}')?.elements).toEqual([2, 3]);
  });

  it('declines documents that are not objects', () => {
    expect(objectMemberRanges(Buffer.from('[1,2]'))).toBeNull();
    expect(objectMemberRanges(Buffer.from('"text"'))).toBeNull();
  });
});
