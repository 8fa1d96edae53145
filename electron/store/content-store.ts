// Content-addressed storage for captured prompts and responses. A request is split into its parts
// (parameters, system prompt, tool list, each message) and each part is stored once, keyed by its
// hash: Claude Code resends the whole conversation every turn, so turn N adds about one new message.
// It also feeds the full-text index (request_search): each row gets the text of what it added to its
// conversation, so a search returns the row where the matching words first appeared.
import { createHash } from 'node:crypto';
import { deflateRawSync, inflateRawSync } from 'node:zlib';
import type { Db } from './database.js';
import { arrayElementRanges, objectMemberRanges, type ByteRange } from './json-slices.js';

/** Every string leaf is a content hash. */
export interface ContentManifest {
  params?: string;
  system?: string;
  tools?: string;
  messages?: string[];
  /** Request bodies that were not a JSON object are kept whole. */
  raw?: string;
  response?: string;
}

const COMPRESS_ABOVE_BYTES = 256;
const KNOWN_HASHES_LIMIT = 100_000;
/** Conversations whose indexed messages are remembered; older ones may have a message indexed twice. */
const SEARCH_SCOPES_LIMIT = 512;
const SEARCH_SCOPE_HASHES_LIMIT = 4_096;
/** Bounds the log writer's work for one row: a turn that reads a huge file indexes its first 256 Ki characters. */
const SEARCH_TEXT_LIMIT = 256 * 1024;

export class ContentStore {
  private readonly insertBlob;
  private readonly readBlob;
  private readonly insertManifest;
  private readonly readManifest;
  private readonly collectGarbage;
  private readonly insertSearch;
  /** Hashes known to be stored, so a resent message is neither re-serialised nor re-compressed. */
  private readonly known = new Set<string>();
  /** Per conversation (session, else key), the messages already indexed for one of its rows; most recent last. */
  private readonly indexedByScope = new Map<string, Set<string>>();

  constructor(db: Db) {
    this.insertBlob = db.prepare(
      'INSERT OR IGNORE INTO content_blobs (hash, body, compressed, size, created_at) VALUES (?, ?, ?, ?, ?)',
    );
    this.readBlob = db.prepare<[string], { body: Buffer; compressed: number }>(
      'SELECT body, compressed FROM content_blobs WHERE hash = ?',
    );
    this.insertManifest = db.prepare('INSERT OR REPLACE INTO request_content (log_id, manifest) VALUES (?, ?)');
    this.readManifest = db.prepare<[number], { manifest: string }>(
      'SELECT manifest FROM request_content WHERE log_id = ?',
    );
    this.collectGarbage = db.prepare(
      `DELETE FROM content_blobs WHERE hash NOT IN (
         SELECT tree.value FROM request_content, json_tree(request_content.manifest) AS tree WHERE tree.type = 'text')`,
    );
    this.insertSearch = db.prepare('INSERT INTO request_search (rowid, body) VALUES (?, ?)');
  }

  /**
   * Stores the parts of one request/response pair. Call inside the log writer's transaction.
   * `body` is the client's raw request; `parsed` is the same body after JSON.parse. Each message,
   * the system prompt and the tool list are hashed and stored as the client's own bytes, so a part
   * seen before costs one hash and no serialisation.
   *
   * `scope` names the conversation the row belongs to (its session id, else its key id): a message
   * already indexed for an earlier row of the same scope is not indexed again, so a search returns
   * the row that first sent the matching message, plus every row whose response matches.
   */
  save(
    logId: number,
    request: { body: Buffer; parsed: unknown } | null,
    response: unknown,
    now: number,
    scope: string | null = null,
  ): void {
    const manifest: ContentManifest = {};
    if (request) {
      const members = isRecord(request.parsed) ? objectMemberRanges(request.body) : null;
      if (members && isRecord(request.parsed)) {
        const { system: _system, tools: _tools, messages: _messages, ...params } = request.parsed;
        manifest.params = this.put(params, now);
        const slice = (range: ByteRange): Buffer => request.body.subarray(range.start, range.end);
        const system = members.get('system');
        const tools = members.get('tools');
        const messages = members.get('messages');
        if (system) manifest.system = this.putBytes(slice(system), now);
        if (tools) manifest.tools = this.putBytes(slice(tools), now);
        const elements = messages && arrayElementRanges(request.body, messages);
        if (elements) manifest.messages = elements.map((range) => this.putBytes(slice(range), now));
        else if (messages) manifest.raw = this.putBytes(slice(messages), now);
      } else {
        manifest.raw = this.putBytes(request.body, now);
      }
    }
    if (response !== undefined && response !== null) manifest.response = this.put(response, now);
    this.insertManifest.run(logId, JSON.stringify(manifest));
    this.index(logId, request?.parsed, manifest.messages, response, scope ?? '');
  }

  /** Adds the row's new message text and its response text to the full-text index. */
  private index(logId: number, parsed: unknown, hashes: string[] | undefined, response: unknown, scope: string): void {
    const text = new SearchText(SEARCH_TEXT_LIMIT);
    const messages = isRecord(parsed) && Array.isArray(parsed.messages) ? (parsed.messages as unknown[]) : [];
    if (hashes && hashes.length === messages.length) {
      const indexed = this.scopeMemory(scope);
      hashes.forEach((hash, i) => {
        if (indexed.has(hash)) return;
        text.addMessage(messages[i]);
        if (indexed.size >= SEARCH_SCOPE_HASHES_LIMIT) indexed.clear();
        indexed.add(hash);
      });
    }
    text.addMessage(response);
    const body = text.toString();
    if (body) this.insertSearch.run(logId, body);
  }

  private scopeMemory(scope: string): Set<string> {
    let indexed = this.indexedByScope.get(scope);
    if (indexed) {
      this.indexedByScope.delete(scope); // re-inserted below: the map keeps the most recently used last
    } else {
      indexed = new Set();
      if (this.indexedByScope.size >= SEARCH_SCOPES_LIMIT) {
        const oldest = this.indexedByScope.keys().next();
        if (!oldest.done) this.indexedByScope.delete(oldest.value);
      }
    }
    this.indexedByScope.set(scope, indexed);
    return indexed;
  }

  load(logId: number): { request: unknown; response: unknown } | null {
    const row = this.readManifest.get(logId);
    if (!row) return null;
    const manifest = JSON.parse(row.manifest) as ContentManifest;
    const get = (hash: string | undefined): unknown => (hash === undefined ? undefined : this.get(hash));
    let request: unknown = get(manifest.raw);
    if (manifest.params !== undefined) {
      const params = get(manifest.params);
      request = {
        ...(isRecord(params) ? params : {}),
        ...(manifest.system !== undefined && { system: get(manifest.system) }),
        ...(manifest.tools !== undefined && { tools: get(manifest.tools) }),
        ...(manifest.messages !== undefined && { messages: manifest.messages.map(get) }),
      };
    }
    return { request: request ?? null, response: get(manifest.response) ?? null };
  }

  /** Forgets which hashes are stored: after a rolled-back write, or a prune, they may not be. */
  forgetStored(): void {
    this.known.clear();
    this.indexedByScope.clear();
  }

  /** Deletes blobs no request refers to any more; run after pruning log rows. */
  prune(): number {
    this.known.clear();
    // The row that indexed a message may be gone: let the next row of its conversation index it again.
    this.indexedByScope.clear();
    return this.collectGarbage.run().changes;
  }

  private put(value: unknown, now: number): string {
    return this.putBytes(Buffer.from(JSON.stringify(value) ?? 'null', 'utf8'), now);
  }

  /** Stores JSON text once, keyed by the hash of its bytes; returns the hash. */
  private putBytes(bytes: Buffer, now: number): string {
    const hash = createHash('sha256').update(bytes).digest('base64url').slice(0, 22);
    if (this.known.has(hash)) return hash;
    const compress = bytes.length > COMPRESS_ABOVE_BYTES;
    this.insertBlob.run(hash, compress ? deflateRawSync(bytes) : Buffer.from(bytes), compress ? 1 : 0, bytes.length, now);
    if (this.known.size >= KNOWN_HASHES_LIMIT) this.known.clear();
    this.known.add(hash);
    return hash;
  }

  private get(hash: string): unknown {
    const row = this.readBlob.get(hash);
    if (!row) return undefined;
    const bytes = row.compressed ? inflateRawSync(row.body) : row.body;
    return JSON.parse(bytes.toString('utf8')) as unknown;
  }
}

/**
 * The searchable text of messages: user and assistant text, thinking, tool calls (name and input),
 * tool results, and text documents. Images, signatures and redacted thinking carry no words.
 */
class SearchText {
  private readonly parts: string[] = [];
  private room: number;

  constructor(limit: number) {
    this.room = limit;
  }

  addMessage(message: unknown): void {
    if (typeof message === 'string') this.add(message);
    else if (isRecord(message)) this.addContent(message.content);
  }

  toString(): string {
    return this.parts.join('\n');
  }

  private addContent(content: unknown): void {
    if (typeof content === 'string') this.add(content);
    else if (Array.isArray(content)) for (const block of content) this.addBlock(block);
  }

  private addBlock(block: unknown): void {
    if (this.room <= 0 || !isRecord(block)) return;
    switch (block.type) {
      case 'text':
        this.add(block.text);
        break;
      case 'thinking':
        this.add(block.thinking);
        break;
      case 'tool_use':
      case 'server_tool_use':
        this.add(block.name);
        if (block.input !== undefined) this.add(JSON.stringify(block.input));
        break;
      case 'tool_result':
        this.addContent(block.content);
        break;
      case 'document':
        if (isRecord(block.source) && block.source.type === 'text') this.add(block.source.data);
        else if (isRecord(block.source) && block.source.type === 'content') this.addContent(block.source.content);
        this.add(block.title);
        break;
      default:
        break;
    }
  }

  private add(value: unknown): void {
    if (typeof value !== 'string' || value.length === 0 || this.room <= 0) return;
    const part = value.length > this.room ? value.slice(0, this.room) : value;
    this.parts.push(part);
    this.room -= part.length;
  }
}

export function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
