// Hostile input against a real gateway over HTTP: request fields a sender controls that would run as
// spreadsheet formulas in the CSV export, x-tollgate-user naming users outside the key's reach, and
// admin requests whose query or path used to end in a 500 (a NUL in the full-text search, a broken
// percent escape in a path parameter).
import { afterEach, describe, expect, it } from 'vitest';
import { z } from 'zod';
import { csvLine } from '../../electron/gateway/export.js';
import { logEntrySchema, type Budget, type LogEntry } from '../../shared/schemas.js';
import { startTestGateway, type TestGateway } from '../support/gateway.js';

const MODEL = 'claude-sonnet-4-6';
const errorSchema = z.object({ type: z.literal('error'), error: z.object({ type: z.string(), message: z.string() }) });
type Entity = { id: string; name: string };

let handle: TestGateway | null = null;

afterEach(async () => {
  await handle?.close();
  handle = null;
});

async function start(): Promise<TestGateway> {
  handle = await startTestGateway();
  return handle;
}

function gateway(): TestGateway {
  if (!handle) throw new Error('start() the gateway first');
  return handle;
}

// ---- helpers ---------------------------------------------------------------------------------------

async function admin<T>(method: string, path: string, body?: unknown, status = method === 'POST' ? 201 : 200) {
  const response = await gateway().admin<T>(method, path, body);
  expect(response.status, `${method} ${path} → ${JSON.stringify(response.body)}`).toBe(status);
  return response.body;
}

async function createEntity(level: 'customers' | 'teams' | 'users', body: Record<string, unknown>): Promise<Entity> {
  const answer = await admin<Record<string, Entity>>('POST', `/api/governance/${level}`, body);
  const entity = Object.values(answer).find(
    (value): value is Entity => typeof value === 'object' && value !== null && 'id' in value,
  );
  if (!entity) throw new Error(`no entity in ${JSON.stringify(answer)}`);
  return entity;
}

/** Calls the admin API with a raw path (no re-encoding), returning the status and the text. */
async function adminRaw(path: string): Promise<{ status: number; text: string }> {
  const response = await fetch(gateway().url + path, {
    headers: { authorization: `Bearer ${gateway().gateway.adminToken}` },
  });
  return { status: response.status, text: await response.text() };
}

interface Message {
  key: string;
  model?: string;
  headers?: Record<string, string>;
  metadataUserId?: string;
}

/** One Messages request with fetch, so every header (user-agent too) is the test's own. */
async function message(options: Message): Promise<{ status: number; body: unknown }> {
  const response = await fetch(`${gateway().url}/v1/messages`, {
    method: 'POST',
    headers: {
      'x-api-key': options.key,
      'anthropic-version': '2023-06-01',
      'content-type': 'application/json',
      ...options.headers,
    },
    body: JSON.stringify({
      model: options.model ?? MODEL,
      max_tokens: 64,
      messages: [{ role: 'user', content: 'hello' }],
      ...(options.metadataUserId !== undefined && { metadata: { user_id: options.metadataUserId } }),
    }),
  });
  const text = await response.text();
  return { status: response.status, body: JSON.parse(text) as unknown };
}

async function logRows(keyId: string): Promise<LogEntry[]> {
  return (await admin<{ logs: LogEntry[] }>('GET', `/api/logs?vk=${keyId}&limit=1000`)).logs;
}

async function userBudgets(id: string): Promise<Budget[]> {
  return (await admin<{ user: { budgets: Budget[] } }>('GET', `/api/governance/users/${id}`)).user.budgets;
}

/** RFC 4180: fields separated by commas, records by CRLF; quoted fields may hold both, and "" for ". */
function parseCsv(text: string): string[][] {
  const records: string[][] = [];
  let field = '';
  let record: string[] = [];
  let quoted = false;
  for (let i = 0; i < text.length; i++) {
    const char = text[i];
    if (quoted) {
      if (char === '"' && text[i + 1] === '"') {
        field += '"';
        i++;
      } else if (char === '"') quoted = false;
      else field += char;
    } else if (char === '"') {
      if (field !== '') throw new Error(`a quote inside an unquoted field at ${i}`);
      quoted = true;
    } else if (char === ',') {
      record.push(field);
      field = '';
    } else if (char === '\r' && text[i + 1] === '\n') {
      record.push(field);
      records.push(record);
      record = [];
      field = '';
      i++;
    } else if (char === '\r' || char === '\n') {
      throw new Error(`a bare line break outside quotes at ${i}`);
    } else field += char;
  }
  if (quoted || field !== '' || record.length) throw new Error('the CSV does not end with a whole record');
  return records;
}

// ---- CSV formula injection -------------------------------------------------------------------------

describe('the CSV export against formula injection', () => {
  it('prefixes every text cell a spreadsheet would run as a formula with a quote, and leaves numbers alone', async () => {
    await start();
    const key = await gateway().createKey('sender');
    // Header values lose a leading tab or CR on the wire (HTTP strips leading whitespace and forbids
    // CR), so those two come through the body: the model and the session in metadata.user_id.
    const sent: Message[] = [
      {
        key: key.value,
        model: '=HYPERLINK("http://x")',
        headers: { 'x-claude-code-session-id': '+1+1', 'user-agent': '@SUM(1)' },
      },
      {
        key: key.value,
        model: '\t=1+1',
        metadataUserId: JSON.stringify({ session_id: '\r=2+2' }),
        headers: { 'user-agent': '-2+3' },
      },
      { key: key.value, model: '\r@SUM(A1)', metadataUserId: JSON.stringify({ session_id: '\t+3' }) },
    ];
    gateway().upstream.enqueue({
      kind: 'message',
      content: [
        { type: 'tool_use', name: '=cmd', input: {} },
        { type: 'tool_use', name: 'Read', input: {} },
      ],
      usage: { input_tokens: 1000, output_tokens: 1000 },
    });
    for (const request of sent) expect((await message(request)).status).toBe(200);

    const listed = await logRows(key.id);
    const response = await fetch(`${gateway().url}/api/logs/export?format=csv&vk=${key.id}`, {
      headers: { authorization: `Bearer ${gateway().gateway.adminToken}` },
    });
    expect(response.status).toBe(200);
    const [header, ...records] = parseCsv(await response.text());
    const column = (name: keyof LogEntry): number => header?.indexOf(name) ?? -1;
    const cells = (name: keyof LogEntry): (string | undefined)[] =>
      records.map((record) => record[column(name)]).reverse(); // the export is newest first

    expect(records).toHaveLength(3);
    expect(cells('model')).toEqual(['\'=HYPERLINK("http://x")', "'\t=1+1", "'\r@SUM(A1)"]);
    expect(cells('session_id')).toEqual(["'+1+1", "'\r=2+2", "'\t+3"]);
    expect(cells('client').slice(0, 2)).toEqual(["'@SUM(1)", "'-2+3"]);
    expect(cells('tool_names')[0]).toBe("'=cmd;Read");
    // Numbers are the gateway's own figures: exported as numbers, never prefixed.
    const byId = new Map(listed.map((entry) => [String(entry.id), entry]));
    for (const record of records) {
      const entry = byId.get(record[column('id')] ?? '');
      expect(record[column('cost')]).toBe(String(entry?.cost));
      expect(record[column('input_tokens')]).toBe(String(entry?.input_tokens));
      expect(record[column('stream')]).toBe('false');
    }
    expect(cells('input_tokens')[0]).toBe('1000');
    expect(cells('cost').every((cell) => /^\d+(\.\d+)?(e-?\d+)?$/.test(cell ?? ''))).toBe(true);

    // The JSON Lines export carries the text as sent: the quote is only for spreadsheets.
    const jsonl = await fetch(`${gateway().url}/api/logs/export?format=jsonl&vk=${key.id}`, {
      headers: { authorization: `Bearer ${gateway().gateway.adminToken}` },
    });
    const lines = (await jsonl.text())
      .trimEnd()
      .split('\n')
      .map((line) => logEntrySchema.parse(JSON.parse(line)));
    expect(lines.map((entry) => entry.model).reverse()).toEqual(sent.map((request) => request.model));
  });

  it('writes a negative number as a number but a text cell that looks like one with a quote', async () => {
    await start();
    const key = await gateway().createKey('sender');
    expect((await message({ key: key.value, headers: { 'x-claude-code-session-id': '-1' } })).status).toBe(200);
    const [entry] = await logRows(key.id);
    if (!entry) throw new Error('no log row');

    const [record] = parseCsv(csvLine({ ...entry, latency_ms: -3, cost: -0.5 }));
    const header = Object.keys(logEntrySchema.shape);

    expect(record?.[header.indexOf('latency_ms')]).toBe('-3');
    expect(record?.[header.indexOf('cost')]).toBe('-0.5');
    expect(record?.[header.indexOf('session_id')]).toBe("'-1");
  });
});

// ---- x-tollgate-user -------------------------------------------------------------------------------

describe('x-tollgate-user', () => {
  /** Team A with Alice, team B with Bob (who has a budget), and a shared key in team A with no user. */
  async function twoTeams() {
    await start();
    const teamA = await createEntity('teams', { name: 'Team A' });
    const teamB = await createEntity('teams', { name: 'Team B' });
    const alice = await createEntity('users', { name: 'Alice', email: 'alice@example.com', team_id: teamA.id });
    const bob = await createEntity('users', {
      name: 'Bob',
      email: 'bob@example.com',
      team_id: teamB.id,
      budget: { max_limit: 1, reset_duration: '1d' },
    });
    const shared = await gateway().createKey('team A shared', { team_id: teamA.id });
    return { teamA, teamB, alice, bob, shared };
  }

  it('refuses a key naming a user of another team with 403, the same message as for a made-up name', async () => {
    const { teamA, bob, shared } = await twoTeams();

    const refusals = [];
    for (const name of [bob.id, 'bob@example.com', 'Bob', 'nobody@example.com', 'no-such-user-id'])
      refusals.push(await message({ key: shared.value, headers: { 'x-tollgate-user': name } }));

    for (const refusal of refusals) {
      expect(refusal.status).toBe(403);
      expect(errorSchema.parse(refusal.body).error.type).toBe('permission_error');
    }
    const messages = new Set(refusals.map((refusal) => errorSchema.parse(refusal.body).error.message));
    expect(messages.size).toBe(1);
    expect([...messages][0]).toContain('its own team only');
    expect(gateway().upstream.messageRequests()).toHaveLength(0);
    const rows = await logRows(shared.id);
    expect(rows).toHaveLength(5);
    for (const row of rows) {
      expect(row).toMatchObject({ status: 'blocked', status_code: 403, refusal_reason: 'user_not_allowed' });
      expect(row.user_id).toBeNull();
      expect(row.team_id).toBe(teamA.id);
    }
    expect((await userBudgets(bob.id))[0]?.current_usage).toBe(0);
  });

  it('lets a team key name a user of its own team, by id, email or name', async () => {
    const { teamA, alice, shared } = await twoTeams();

    for (const name of [alice.id, 'ALICE@example.com', 'alice'])
      expect((await message({ key: shared.value, headers: { 'x-tollgate-user': name } })).status).toBe(200);

    const rows = await logRows(shared.id);
    expect(rows.map((row) => [row.status, row.user_id, row.team_id])).toEqual(
      Array(3).fill(['success', alice.id, teamA.id]),
    );
  });

  it('lets a key with a customer but no team name users of that customer’s teams only', async () => {
    const { bob } = await twoTeams();
    const acme = await createEntity('customers', { name: 'Acme' });
    const acmeTeam = await createEntity('teams', { name: 'Acme Platform', customer_id: acme.id });
    const carol = await createEntity('users', { name: 'Carol', team_id: acmeTeam.id });
    const key = await gateway().createKey('acme shared', { customer_id: acme.id });

    const carols = await message({ key: key.value, headers: { 'x-tollgate-user': carol.id } });
    const bobs = await message({ key: key.value, headers: { 'x-tollgate-user': bob.id } });

    expect(carols.status).toBe(200);
    expect(bobs.status).toBe(403);
    expect(errorSchema.parse(bobs.body).error.message).toContain("its customer's teams only");
    const rows = await logRows(key.id);
    expect(rows.find((row) => row.status === 'success')).toMatchObject({
      user_id: carol.id,
      team_id: acmeTeam.id,
      customer_id: acme.id,
    });
  });

  it('lets a key outside any team or customer name no one, and a user’s own key name only that user', async () => {
    const { alice, bob } = await twoTeams();
    const loose = await gateway().createKey('loose');
    const personal = await gateway().createKey('alice laptop', { user_id: alice.id });

    const fromLoose = [
      await message({ key: loose.value, headers: { 'x-tollgate-user': bob.id } }),
      await message({ key: loose.value, headers: { 'x-tollgate-user': 'made-up' } }),
    ];
    const asSelf = await message({ key: personal.value, headers: { 'x-tollgate-user': 'alice@example.com' } });
    const asOthers = [
      await message({ key: personal.value, headers: { 'x-tollgate-user': 'Bob' } }),
      await message({ key: personal.value, headers: { 'x-tollgate-user': 'made-up' } }),
    ];

    expect(fromLoose.map((answer) => answer.status)).toEqual([403, 403]);
    expect(new Set(fromLoose.map((answer) => errorSchema.parse(answer.body).error.message)).size).toBe(1);
    expect(asSelf.status).toBe(200);
    expect(asOthers.map((answer) => answer.status)).toEqual([403, 403]);
    expect(new Set(asOthers.map((answer) => errorSchema.parse(answer.body).error.message)).size).toBe(1);
    expect(gateway().upstream.messageRequests()).toHaveLength(1);
  });
});

// ---- admin requests that used to be 500s -----------------------------------------------------------

describe('admin requests with broken input', () => {
  it.each([
    ['a NUL alone', '%00'],
    ['a NUL inside a word', 'hello%00world'],
  ])('answers 400 for a full-text search with %s, on the log and on its export', async (_, q) => {
    await start();
    const key = await gateway().createKey('sender');
    expect((await message({ key: key.value })).status).toBe(200);

    for (const path of [`/api/logs?q=${q}`, `/api/logs/export?format=csv&q=${q}`]) {
      const answer = await adminRaw(path);
      expect(answer.status, path).toBe(400);
      const { error } = errorSchema.parse(JSON.parse(answer.text));
      expect(error.type).toBe('invalid_request_error');
      expect(error.message).toContain('NUL');
    }
    expect((await adminRaw('/api/logs?q=hello')).status).toBe(200);
  });

  it('answers 400 for a path parameter that is not valid percent-encoding', async () => {
    await start();

    for (const path of ['/api/logs/%E0%A4%A', '/api/sessions/%E0%A4%A', '/api/logs/%']) {
      const answer = await adminRaw(path);
      expect(answer.status, path).toBe(400);
      const { error } = errorSchema.parse(JSON.parse(answer.text));
      expect(error.type).toBe('invalid_request_error');
      expect(error.message).toContain('percent-encoded');
    }
    expect((await adminRaw('/api/logs/12345')).status).toBe(404);
  });
});
