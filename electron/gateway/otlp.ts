// OTLP/HTTP payloads, as Claude Code exports them, into the few records Tollgate keeps. Decoding is
// the OpenTelemetry JS project's protobufjs module generated from the official opentelemetry-proto
// definitions (shipped in @opentelemetry/otlp-transformer, pinned): binary payloads are decoded with
// it, and JSON ones (OTLP/JSON, lowerCamelCase) go through the same message types' fromObject, so
// both arrive in one shape. Only the events and metrics listed here are kept, each with the
// attributes listed for it, every string clipped; the command, file and prompt text a client may
// attach only when content capture is on for it.
import { createHash } from 'node:crypto';
import { gunzipSync } from 'node:zlib';
import otlpRoot from '@opentelemetry/otlp-transformer/build/src/generated/root.js';
import { clip } from './clip.js';

export type TelemetrySignal = 'logs' | 'metrics' | 'traces';

/** One protobufjs message type of the generated module, as far as Tollgate uses it. */
interface MessageType {
  decode(data: Uint8Array): object;
  encode(message: object): { finish(): Uint8Array };
  fromObject(value: Record<string, unknown>): object;
  toObject(message: object, options: Record<string, unknown>): Record<string, unknown>;
}

interface CollectorTypes {
  request: MessageType;
  response: MessageType;
}

const proto = (
  otlpRoot as unknown as {
    opentelemetry: {
      proto: {
        collector: {
          logs: { v1: { ExportLogsServiceRequest: MessageType; ExportLogsServiceResponse: MessageType } };
          metrics: { v1: { ExportMetricsServiceRequest: MessageType; ExportMetricsServiceResponse: MessageType } };
          trace: { v1: { ExportTraceServiceRequest: MessageType; ExportTraceServiceResponse: MessageType } };
        };
      };
    };
  }
).opentelemetry.proto.collector;

const TYPES: Record<TelemetrySignal, CollectorTypes> = {
  logs: { request: proto.logs.v1.ExportLogsServiceRequest, response: proto.logs.v1.ExportLogsServiceResponse },
  metrics: {
    request: proto.metrics.v1.ExportMetricsServiceRequest,
    response: proto.metrics.v1.ExportMetricsServiceResponse,
  },
  traces: { request: proto.trace.v1.ExportTraceServiceRequest, response: proto.trace.v1.ExportTraceServiceResponse },
};

/** int64 as decimal strings, enums as numbers, bytes as base64: the same plain shape from either encoding. */
const TO_OBJECT = { longs: String, enums: Number, bytes: String } as const;

export type OtlpEncoding = 'protobuf' | 'json';

/** Which encoding a request says it carries; a missing or odd content type is judged by the first byte. */
export function encodingOf(contentType: string | undefined, body: Uint8Array): OtlpEncoding {
  const type = (contentType ?? '').split(';')[0]?.trim().toLowerCase() ?? '';
  if (type === 'application/json') return 'json';
  if (type === 'application/x-protobuf' || type === 'application/protobuf') return 'protobuf';
  return body[0] === 0x7b ? 'json' : 'protobuf';
}

/** A gzip body inflated to at most `limit` bytes; null when it is larger or not gzip. */
export function inflate(body: Buffer, limit: number): Buffer | null {
  try {
    return gunzipSync(body, { maxOutputLength: limit });
  } catch {
    return null;
  }
}

/**
 * An export request in plain form (the protobuf message's toObject), or null when the body is not one.
 * Deeply nested garbage can exhaust the stack in either decoder: that is caught like any other.
 */
export function decodeExport(
  signal: TelemetrySignal,
  body: Uint8Array,
  encoding: OtlpEncoding,
): Record<string, unknown> | null {
  const type = TYPES[signal].request;
  try {
    const message =
      encoding === 'json'
        ? fromJson(type, Buffer.from(body.buffer, body.byteOffset, body.byteLength).toString('utf8'))
        : type.decode(body);
    return message === null ? null : type.toObject(message, TO_OBJECT);
  } catch {
    return null;
  }
}

function fromJson(type: MessageType, text: string): object | null {
  const value = JSON.parse(text) as unknown;
  return isObject(value) ? type.fromObject(value) : null;
}

/** An export request in OTLP/JSON form as protobuf bytes, with the same library: for tests and forwarding. */
export function encodeExport(signal: TelemetrySignal, value: Record<string, unknown>): Uint8Array {
  const type = TYPES[signal].request;
  return type.encode(type.fromObject(value)).finish();
}

/** The success answer (an empty ExportServiceResponse) in the request's encoding. */
export function exportResponse(
  signal: TelemetrySignal,
  encoding: OtlpEncoding,
): { contentType: string; body: Uint8Array } {
  if (encoding === 'json') return { contentType: 'application/json', body: Buffer.from('{}') };
  const type = TYPES[signal].response;
  return { contentType: 'application/x-protobuf', body: type.encode(type.fromObject({})).finish() };
}

// ---- what is sent on ------------------------------------------------------------------------------

/** The resource attributes Tollgate stamps on what it forwards; a client's own `tollgate.*` ones are replaced. */
export interface TelemetryStamp {
  'tollgate.virtual_key.id': string;
  'tollgate.virtual_key.name': string;
  'tollgate.user.id'?: string;
  'tollgate.user.name'?: string;
  'tollgate.user.email'?: string;
  'tollgate.team.id'?: string;
  'tollgate.team.name'?: string;
}

const STAMP_PREFIX = 'tollgate.';

/** Log attributes that carry a prompt's text or a tool's input: forwarded only with content capture. */
const CONTENT_ATTRIBUTES = new Set(['prompt', 'tool_parameters', 'tool_input']);

const RESOURCE_LISTS: Record<TelemetrySignal, string> = {
  logs: 'resourceLogs',
  metrics: 'resourceMetrics',
  traces: 'resourceSpans',
};

/**
 * The export as the operator's collector receives it: every resource stamped with who sent it, and,
 * without content capture, the prompt text and tool inputs taken out of its log records. Works on
 * either plain form (the protobuf message's toObject, or OTLP/JSON as parsed) since both name fields
 * alike; it edits `request` in place.
 */
export function stampExport(
  signal: TelemetrySignal,
  request: Record<string, unknown>,
  stamp: TelemetryStamp,
  options: { captureContent: boolean },
): boolean {
  const resources = list(request[RESOURCE_LISTS[signal]]);
  if (resources.length === 0) return false;
  const stamped = Object.entries(stamp)
    .filter((entry): entry is [string, string] => typeof entry[1] === 'string')
    .map(([key, value]) => ({ key, value: { stringValue: value } }));
  for (const resource of resources) {
    const own = isObject(resource.resource) ? resource.resource : {};
    const attributes = list(own.attributes).filter(
      (pair) => !(typeof pair.key === 'string' && pair.key.startsWith(STAMP_PREFIX)),
    );
    resource.resource = { ...own, attributes: [...attributes, ...stamped] };
    if (signal !== 'logs' || options.captureContent) continue;
    for (const scope of list(resource.scopeLogs))
      for (const record of list(scope.logRecords))
        record.attributes = list(record.attributes).filter(
          (pair) => !(typeof pair.key === 'string' && CONTENT_ATTRIBUTES.has(pair.key)),
        );
  }
  return true;
}

// ---- what is kept ----------------------------------------------------------------------------------

export type AttributeValue = string | number | boolean;

export interface TelemetryRecord {
  kind: 'event' | 'metric';
  /** The event's name (`api_request`, `tool_result`…) or the metric's (`claude_code.commit.count`…). */
  name: string;
  /** Epoch ms: the record's own time, or when it arrived if it has none. */
  createdAt: number;
  sessionId: string | null;
  promptId: string | null;
  requestId: string | null;
  model: string | null;
  toolName: string | null;
  /** api_request: Claude Code's own cost estimate, in micro-dollars. */
  costMicros: number | null;
  /** A metric data point's value. */
  value: number | null;
  temporality: 'delta' | 'cumulative' | null;
  /** A cumulative metric's series (name, attributes, start), whose latest value is its total. */
  series: string | null;
  attributes: Record<string, AttributeValue>;
  /** A digest of the record as sent: an exporter's retry adds nothing. */
  dedupe: string;
}

/** How much of an export is looked at, and how long the strings kept may be. */
export const TELEMETRY_LIMITS = {
  /** Log records and metric data points looked at per export; the rest are dropped. */
  recordsPerExport: 2_000,
  /** An attribute string the event keeps. */
  attribute: 500,
  /** Ids and names (session, prompt, request, model, tool). */
  id: 200,
  /** A tool's command or file, with content capture. */
  command: 2_000,
  /** A prompt's text, with content capture. */
  prompt: 10_000,
} as const;

/** The events kept, with the attributes kept of each (beyond session, prompt and request ids). */
const EVENT_ATTRIBUTES: Record<string, readonly string[]> = {
  api_request: [
    'model',
    'input_tokens',
    'output_tokens',
    'cache_read_tokens',
    'cache_creation_tokens',
    'cost_usd',
    'duration_ms',
    'ttft_ms',
    'speed',
    'query_source',
    'effort',
  ],
  api_error: ['model', 'error', 'status_code', 'duration_ms', 'attempt', 'speed', 'query_source'],
  tool_result: [
    'tool_name',
    'success',
    'duration_ms',
    'error',
    'decision_source',
    'decision_type',
    'tool_input_size_bytes',
    'tool_result_size_bytes',
    'mcp_server_scope',
  ],
  tool_decision: ['tool_name', 'decision', 'source', 'permission_mode'],
  user_prompt: ['prompt_length'],
};

/** The metrics kept, with the attributes that tell their series apart. */
const METRIC_ATTRIBUTES: Record<string, readonly string[]> = {
  'claude_code.lines_of_code.count': ['type', 'model'],
  'claude_code.commit.count': [],
  'claude_code.pull_request.count': [],
  'claude_code.active_time.total': ['type'],
};

export const KEPT_EVENTS = Object.keys(EVENT_ATTRIBUTES);
export const KEPT_METRICS = Object.keys(METRIC_ATTRIBUTES);

const NUMERIC = new Set([
  'input_tokens',
  'output_tokens',
  'cache_read_tokens',
  'cache_creation_tokens',
  'cost_usd',
  'duration_ms',
  'ttft_ms',
  'status_code',
  'attempt',
  'prompt_length',
  'tool_input_size_bytes',
  'tool_result_size_bytes',
]);
const BOOLEAN = new Set(['success']);

/** What Claude Code sends in place of text it was not told to export. */
const REDACTED = '<REDACTED>';

export interface ExtractOptions {
  /** Content capture is on for the key: keep commands, files and prompt text the client sent. */
  captureContent: boolean;
  /** Epoch ms: the time of records that carry none, and the reference that implausible times are moved to. */
  now: number;
}

/** The records Tollgate keeps from a decoded export, at most TELEMETRY_LIMITS.recordsPerExport looked at. */
export function extractRecords(
  signal: TelemetrySignal,
  request: Record<string, unknown>,
  options: ExtractOptions,
): { records: TelemetryRecord[]; seen: number } {
  const budget = { left: TELEMETRY_LIMITS.recordsPerExport };
  const records: TelemetryRecord[] = [];
  if (signal === 'logs') {
    for (const resource of list(request.resourceLogs))
      for (const scope of list(resource.scopeLogs))
        for (const record of list(scope.logRecords)) {
          if (budget.left-- <= 0) break;
          const kept = logEvent(record, options);
          if (kept) records.push(kept);
        }
  } else if (signal === 'metrics') {
    for (const resource of list(request.resourceMetrics))
      for (const scope of list(resource.scopeMetrics))
        for (const metric of list(scope.metrics)) {
          const name = typeof metric.name === 'string' ? metric.name : '';
          const keys = METRIC_ATTRIBUTES[name];
          const data = isObject(metric.sum) ? metric.sum : isObject(metric.gauge) ? metric.gauge : null;
          if (!data) continue;
          for (const point of list(data.dataPoints)) {
            if (budget.left-- <= 0) break;
            if (!keys) continue;
            const kept = metricPoint(name, keys, data.aggregationTemporality, point, options);
            if (kept) records.push(kept);
          }
        }
  }
  return { records, seen: TELEMETRY_LIMITS.recordsPerExport - Math.max(budget.left, 0) };
}

function logEvent(record: Record<string, unknown>, options: ExtractOptions): TelemetryRecord | null {
  const attributes = attributeMap(record.attributes);
  const body = isObject(record.body) && typeof record.body.stringValue === 'string' ? record.body.stringValue : '';
  const raw = attributes.get('event.name');
  const name = typeof raw === 'string' ? raw : body.startsWith('claude_code.') ? body.slice('claude_code.'.length) : '';
  const keys = EVENT_ATTRIBUTES[name];
  if (!keys) return null;

  const kept: Record<string, AttributeValue> = {};
  for (const key of keys) {
    const value = normalise(key, attributes.get(key));
    if (value !== undefined) kept[key] = value;
  }
  if (options.captureContent) Object.assign(kept, contentOf(name, attributes));
  const costUsd = typeof kept.cost_usd === 'number' ? kept.cost_usd : null;
  const costMicros = costUsd === null ? integer(attributes.get('cost_usd_micros')) : Math.round(costUsd * 1_000_000);
  const eventTime =
    typeof attributes.get('event.timestamp') === 'string' ? Date.parse(String(attributes.get('event.timestamp'))) : NaN;
  return {
    kind: 'event',
    name,
    createdAt: plausibleTime(
      nanosToMs(record.timeUnixNano) ?? nanosToMs(record.observedTimeUnixNano) ?? eventTime,
      options.now,
    ),
    sessionId: idOf(attributes.get('session.id')),
    promptId: idOf(attributes.get('prompt.id')),
    requestId: idOf(attributes.get('request_id')),
    model: idOf(attributes.get('model')),
    toolName: idOf(attributes.get('tool_name')),
    costMicros: costMicros !== null && Number.isSafeInteger(costMicros) && costMicros >= 0 ? costMicros : null,
    value: null,
    temporality: null,
    series: null,
    attributes: kept,
    dedupe: digest(record),
  };
}

function metricPoint(
  name: string,
  keys: readonly string[],
  temporality: unknown,
  point: Record<string, unknown>,
  options: ExtractOptions,
): TelemetryRecord | null {
  const value =
    typeof point.asDouble === 'number' ? point.asDouble : point.asInt !== undefined ? Number(point.asInt) : NaN;
  if (!Number.isFinite(value)) return null;
  const attributes = attributeMap(point.attributes);
  const kept: Record<string, AttributeValue> = {};
  for (const key of keys) {
    const attribute = normalise(key, attributes.get(key));
    if (attribute !== undefined) kept[key] = attribute;
  }
  const kind = temporality === 1 ? 'delta' : temporality === 2 ? 'cumulative' : null;
  const start = nanosToMs(point.startTimeUnixNano);
  return {
    kind: 'metric',
    name,
    createdAt: plausibleTime(nanosToMs(point.timeUnixNano) ?? NaN, options.now),
    sessionId: idOf(attributes.get('session.id')),
    promptId: null,
    requestId: null,
    model: idOf(attributes.get('model')),
    toolName: null,
    costMicros: null,
    value,
    temporality: kind,
    series: kind === 'cumulative' ? JSON.stringify([name, kept, start]) : null,
    attributes: kept,
    dedupe: digest([name, point]),
  };
}

/** The command or file a tool event names, and a prompt's text: only ever with content capture. */
function contentOf(name: string, attributes: Map<string, unknown>): Record<string, AttributeValue> {
  const content: Record<string, AttributeValue> = {};
  if (name === 'user_prompt') {
    const text = attributes.get('prompt');
    if (typeof text === 'string' && text !== REDACTED) content.prompt = clip(text, TELEMETRY_LIMITS.prompt);
    return content;
  }
  if (name !== 'tool_result' && name !== 'tool_decision') return content;
  const parameters = jsonObject(attributes.get('tool_parameters'));
  const input = jsonObject(attributes.get('tool_input'));
  const command = [parameters?.full_command, parameters?.bash_command, input?.command].find(
    (value): value is string => typeof value === 'string' && value !== '',
  );
  if (command) content.command = clip(command, TELEMETRY_LIMITS.command);
  const file = [input?.file_path, input?.notebook_path, input?.path].find(
    (value): value is string => typeof value === 'string' && value !== '',
  );
  if (file) content.file = clip(file, TELEMETRY_LIMITS.command);
  return content;
}

// ---- helpers ---------------------------------------------------------------------------------------

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function list(value: unknown): Record<string, unknown>[] {
  return Array.isArray(value) ? value.filter(isObject) : [];
}

/** Attributes by key, scalar values only (arrays and maps are not kept). */
function attributeMap(value: unknown): Map<string, unknown> {
  const map = new Map<string, unknown>();
  for (const pair of list(value)) {
    if (typeof pair.key !== 'string' || !isObject(pair.value)) continue;
    const any = pair.value;
    const scalar =
      typeof any.stringValue === 'string'
        ? any.stringValue
        : typeof any.boolValue === 'boolean'
          ? any.boolValue
          : typeof any.doubleValue === 'number'
            ? any.doubleValue
            : any.intValue !== undefined
              ? Number(any.intValue)
              : undefined;
    if (scalar !== undefined && !map.has(pair.key)) map.set(pair.key, scalar);
  }
  return map;
}

/** A kept attribute in its documented type: counts and durations as numbers, `success` as a boolean. */
function normalise(key: string, value: unknown): AttributeValue | undefined {
  if (value === undefined || value === null) return undefined;
  if (NUMERIC.has(key)) {
    const number = typeof value === 'number' ? value : typeof value === 'string' && value.trim() ? Number(value) : NaN;
    return Number.isFinite(number) ? number : undefined;
  }
  if (BOOLEAN.has(key)) {
    if (typeof value === 'boolean') return value;
    return value === 'true' ? true : value === 'false' ? false : undefined;
  }
  if (typeof value === 'string') return clip(value, TELEMETRY_LIMITS.attribute);
  if (typeof value === 'number' && Number.isFinite(value)) return value;
  if (typeof value === 'boolean') return value;
  return undefined;
}

function idOf(value: unknown): string | null {
  if (typeof value !== 'string' || value === '') return null;
  return clip(value, TELEMETRY_LIMITS.id);
}

function integer(value: unknown): number | null {
  const number = typeof value === 'number' ? value : typeof value === 'string' ? Number(value) : NaN;
  return Number.isSafeInteger(number) ? number : null;
}

function jsonObject(value: unknown): Record<string, unknown> | null {
  if (typeof value !== 'string' || !value.startsWith('{')) return null;
  try {
    const parsed = JSON.parse(value) as unknown;
    return isObject(parsed) ? parsed : null;
  } catch {
    return null;
  }
}

/** Nanoseconds since the epoch (a decimal string from toObject) as milliseconds; null for none or 0. */
function nanosToMs(value: unknown): number | null {
  if (typeof value !== 'string' && typeof value !== 'number') return null;
  try {
    const ms = Number(BigInt(value) / 1_000_000n);
    return ms > 0 && Number.isSafeInteger(ms) ? ms : null;
  } catch {
    return null;
  }
}

/** Client clocks drift and a record may say anything: a time more than a week off is taken as `now`. */
function plausibleTime(at: number, now: number): number {
  return Number.isFinite(at) && Math.abs(at - now) <= 7 * 86_400_000 ? at : now;
}

function digest(value: unknown): string {
  return createHash('sha256').update(JSON.stringify(value)).digest('base64url').slice(0, 32);
}
