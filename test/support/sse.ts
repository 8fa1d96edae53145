// Minimal text/event-stream parser for assertions on what a client received.
// Follows the WHATWG framing rules that matter for the Anthropic stream
// (blank-line dispatch, multi-line data, comments, optional space after the
// colon) so a test fails on content, not on incidental framing differences.

export interface ParsedSseEvent {
  /** The `event:` field, or `message` when absent (the SSE default). */
  event: string;
  /** `data` parsed as JSON, or the raw string when it is not JSON. */
  data: unknown;
}

export function parseSse(text: string): ParsedSseEvent[] {
  const events: ParsedSseEvent[] = [];
  let eventName = '';
  let dataLines: string[] = [];
  let sawField = false;

  const dispatch = (): void => {
    if (sawField && dataLines.length > 0) {
      const raw = dataLines.join('\n');
      let data: unknown;
      try {
        data = JSON.parse(raw);
      } catch {
        data = raw;
      }
      events.push({ event: eventName === '' ? 'message' : eventName, data });
    }
    eventName = '';
    dataLines = [];
    sawField = false;
  };

  for (const line of text.split(/\r\n|\r|\n/)) {
    if (line === '') {
      dispatch();
      continue;
    }
    if (line.startsWith(':')) continue;
    const colon = line.indexOf(':');
    const field = colon === -1 ? line : line.slice(0, colon);
    let value = colon === -1 ? '' : line.slice(colon + 1);
    if (value.startsWith(' ')) value = value.slice(1);
    sawField = true;
    if (field === 'event') eventName = value;
    else if (field === 'data') dataLines.push(value);
  }
  // A stream cut mid-event has no trailing blank line; such a partial event is
  // deliberately dropped, as a real SSE client would.
  return events;
}
