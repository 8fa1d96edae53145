// Real Anthropic responses recorded by other projects (shared/fixtures/anthropic-real, read in place,
// never copied): the index that says what each recording must be booked as, a stand-in upstream that
// replays a recording's exact bytes in small irregular chunks as a real network delivers them, and
// what the recording itself says a reassembled content block holds.
import { existsSync, readFileSync } from 'node:fs';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { dirname, join } from 'node:path';
import { z } from 'zod';
import { parseSse } from './sse.js';

const FIXTURES = join('shared', 'fixtures', 'anthropic-real');

/**
 * Where the recordings are: TOLLGATE_RECORDINGS_DIR, else `shared/` beside the project (its place in the
 * workplace, for a clone anywhere under /work), else in any folder above it; null when none has them.
 */
function findRecordings(): string | null {
  const root = join(import.meta.dirname, '..', '..');
  const candidates = [
    process.env.TOLLGATE_RECORDINGS_DIR,
    join(root, '..', FIXTURES),
    join('/work', FIXTURES),
    ...ancestors(root).map((dir) => join(dir, FIXTURES)),
  ];
  return candidates.find((dir): dir is string => dir !== undefined && existsSync(join(dir, 'index.json'))) ?? null;
}

function ancestors(dir: string): string[] {
  const parent = dirname(dir);
  return parent === dir ? [] : [parent, ...ancestors(parent)];
}

/** The recordings folder, or null (the replay test then says where it looked and skips). */
export const RECORDINGS_DIR: string | null = findRecordings();

/** The request header naming the recording the stand-in should answer with (Tollgate forwards it). */
export const REPLAY_HEADER = 'x-replay-file';

const tokens = z.number().int().nonnegative();

/** One model's share of the true bill, summed over usage.iterations by whoever wrote the index. */
const billedPartSchema = z.object({
  model: z.string(),
  input_tokens: tokens,
  output_tokens: tokens,
  cache_creation_input_tokens: tokens,
  cache_read_input_tokens: tokens,
  ephemeral_5m_input_tokens: tokens,
  ephemeral_1h_input_tokens: tokens,
  iteration_types: z.array(z.string()),
});
export type BilledPart = z.infer<typeof billedPartSchema>;

/** The part of index.json these tests read; the rest (provenance, event counts, traps) is for people. */
const recordingSchema = z.object({
  file: z.string(),
  bytes: z.number().int().positive(),
  sha256: z.string(),
  format: z.enum(['sse', 'json']),
  /** The model the response names. */
  model: z.string(),
  message_id: z.string(),
  source: z.object({ request_model: z.string().nullable().optional() }).optional(),
  expected: z.object({
    input_tokens: tokens,
    output_tokens: tokens,
    cache_creation_input_tokens: tokens,
    cache_read_input_tokens: tokens,
    /** Null when the recording carries no cache_creation split at all. */
    ephemeral_5m_input_tokens: tokens.nullable(),
    ephemeral_1h_input_tokens: tokens.nullable(),
    web_search_requests: tokens,
    web_fetch_requests: tokens,
    stop_reason: z.string().nullable(),
    tool_use_names: z.array(z.string()),
    server_tool_use_names: z.array(z.string()),
    ends_in_error: z.boolean(),
    error_type: z.string().nullable(),
    billed_by_iterations: z.array(billedPartSchema).optional(),
    content: z.object({ block_types: z.array(z.string()) }),
  }),
});
export type Recording = z.infer<typeof recordingSchema>;

/** The index's recordings; none when the folder is not here. */
export function loadRecordings(): Recording[] {
  if (RECORDINGS_DIR === null) return [];
  const index = z
    .object({ files: z.array(recordingSchema) })
    .parse(JSON.parse(readFileSync(join(RECORDINGS_DIR, 'index.json'), 'utf8')));
  return index.files;
}

export function recordingBytes(recording: Pick<Recording, 'file'>): Buffer {
  if (RECORDINGS_DIR === null) throw new Error('the recordings folder is not here');
  return readFileSync(join(RECORDINGS_DIR, recording.file));
}

/** The model the recorded request asked for; recordings that do not say were asked for what answered. */
export function requestModelOf(recording: Recording): string {
  return recording.source?.request_model ?? recording.model;
}

/** The fields of a stream event that reassembling one block needs. */
interface StreamEvent {
  type?: string;
  index?: number;
  content_block?: Record<string, unknown> & { type?: string };
  delta?: { type?: string; content?: string; partial_json?: string };
}

/**
 * The first content block of `type` as the recording describes it once reassembled: the block of a
 * JSON body, or a stream's content_block_start with its compaction_delta text and input_json_delta
 * input folded in.
 */
export function recordedBlock(recording: Recording, type: string): Record<string, unknown> | undefined {
  const text = recordingBytes(recording).toString('utf8');
  if (recording.format === 'json') {
    const body = JSON.parse(text) as { content: Record<string, unknown>[] };
    return body.content.find((block) => block.type === type);
  }
  let index: number | undefined;
  let block: Record<string, unknown> | undefined;
  let partialJson: string | undefined;
  for (const { data } of parseSse(text)) {
    const event = data as StreamEvent;
    if (index === undefined && event.type === 'content_block_start' && event.content_block?.type === type) {
      index = event.index;
      block = { ...event.content_block };
    } else if (block && event.type === 'content_block_delta' && event.index === index) {
      const { delta } = event;
      if (delta?.type === 'compaction_delta') block.content = textOf(block.content) + (delta.content ?? '');
      if (delta?.type === 'input_json_delta') partialJson = (partialJson ?? '') + (delta.partial_json ?? '');
    }
  }
  if (block && partialJson !== undefined) block.input = JSON.parse(partialJson || '{}') as unknown;
  return block;
}

const textOf = (value: unknown): string => (typeof value === 'string' ? value : '');

// ---- the stand-in -------------------------------------------------------------------------------

export interface ReplayedRequest {
  file: string;
  /** The request body as Tollgate forwarded it. */
  json: unknown;
}

export interface ReplayUpstream {
  /** e.g. `http://127.0.0.1:PORT`, no trailing slash. */
  url: string;
  /** Every POST /v1/messages answered with a recording, in order of arrival. */
  replayed: ReplayedRequest[];
  close(): Promise<void>;
}

/**
 * Answers POST /v1/messages with the recording the request's x-replay-file header names: status 200,
 * the format's content type, then the file's bytes cut into pieces of 1..97 bytes (sizes from a
 * generator seeded by file name and request number) with a turn of the event loop between writes, so
 * events, JSON strings and multi-byte characters really arrive split.
 */
export async function startReplayUpstream(options: { apiKey: string }): Promise<ReplayUpstream> {
  const byName = new Map(loadRecordings().map((recording) => [recording.file, recording]));
  const replayed: ReplayedRequest[] = [];
  const servedPerFile = new Map<string, number>();

  const answer = async (req: IncomingMessage, res: ServerResponse, body: Buffer): Promise<void> => {
    if (req.method !== 'POST' || new URL(req.url ?? '/', 'http://replay').pathname !== '/v1/messages') {
      return refuse(res, 404, 'not_found_error', `The replay stand-in only answers POST /v1/messages.`);
    }
    if (req.headers['x-api-key'] !== options.apiKey) {
      return refuse(res, 401, 'authentication_error', 'The replay stand-in expects the provider key.');
    }
    const file = req.headers[REPLAY_HEADER];
    const recording = typeof file === 'string' ? byName.get(file) : undefined;
    if (recording === undefined) {
      return refuse(res, 400, 'invalid_request_error', `No recording is named ${JSON.stringify(file)}.`);
    }
    const served = (servedPerFile.get(recording.file) ?? 0) + 1;
    servedPerFile.set(recording.file, served);
    replayed.push({ file: recording.file, json: JSON.parse(body.toString('utf8')) });

    res.writeHead(200, {
      'content-type': recording.format === 'sse' ? 'text/event-stream' : 'application/json',
      'request-id': `req_replay_${served}_${recording.message_id}`,
    });
    const bytes = recordingBytes(recording);
    const nextSize = chunkSizes(`${recording.file}#${served}`);
    for (let at = 0; at < bytes.length && !res.destroyed;) {
      const end = Math.min(bytes.length, at + nextSize());
      if (!res.write(bytes.subarray(at, end))) await drainedOrClosed(res);
      at = end;
      await new Promise((resolve) => setImmediate(resolve));
    }
    res.end();
  };

  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => {
      answer(req, res, Buffer.concat(chunks)).catch(() => res.destroy());
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;

  return {
    url: `http://127.0.0.1:${port}`,
    replayed,
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}

function refuse(res: ServerResponse, status: number, type: string, message: string): void {
  res.writeHead(status, { 'content-type': 'application/json' });
  res.end(JSON.stringify({ type: 'error', error: { type, message } }));
}

function drainedOrClosed(res: ServerResponse): Promise<void> {
  return new Promise((resolve) => {
    const done = (): void => {
      res.off('drain', done);
      res.off('close', done);
      resolve();
    };
    res.once('drain', done);
    res.once('close', done);
  });
}

/** Chunk sizes 1..97 from mulberry32, seeded with an FNV-1a hash of `seed`: irregular but repeatable. */
function chunkSizes(seed: string): () => number {
  let state = 0x811c9dc5;
  for (const char of seed) state = Math.imul(state ^ char.charCodeAt(0), 0x01000193) >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    const unit = ((t ^ (t >>> 14)) >>> 0) / 2 ** 32;
    return 1 + Math.floor(unit * 97);
  };
}
