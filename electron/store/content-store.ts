// Content-addressed storage for captured prompts and responses. A request is split into its parts
// (parameters, system prompt, tool list, each message) and each part is stored once, keyed by its
// hash: Claude Code resends the whole conversation every turn, so turn N adds about one new message.
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

export class ContentStore {
  private readonly insertBlob;
  private readonly readBlob;
  private readonly insertManifest;
  private readonly readManifest;
  private readonly collectGarbage;
  /** Hashes known to be stored, so a resent message is neither re-serialised nor re-compressed. */
  private readonly known = new Set<string>();

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
  }

  /**
   * Stores the parts of one request/response pair. Call inside the log writer's transaction.
   * `body` is the client's raw request; `parsed` is the same body after JSON.parse. Each message,
   * the system prompt and the tool list are hashed and stored as the client's own bytes, so a part
   * seen before costs one hash and no serialisation.
   */
  save(logId: number, request: { body: Buffer; parsed: unknown } | null, response: unknown, now: number): void {
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
  }

  /** Deletes blobs no request refers to any more; run after pruning log rows. */
  prune(): number {
    this.known.clear();
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

export function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
