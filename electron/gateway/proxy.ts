// The hot path. One inference request, read top to bottom:
//   screen (a throttled LAN address) → identify the key → read body → parse → refuse while paused
//   → admit (refuse a missing, unknown or revoked key; hold the worst case on its budgets)
//   → trace the admission on disk → route (a provider and key of the plan; on an upstream failure
//   before any byte, the next: electron/upstream/router.ts) → relay (tapping the stream, holding back its end)
//   → note upstream health → price → settle (the row and the spend on its budgets, one commit)
//   → end the answer.
// Every request leaves exactly one log row, whether it was refused, failed, aborted or served, and the
// row and its spend are on disk before the client sees the end of the answer: a crash after that
// loses neither, and a crash before it leaves the admission's trace, booked at the next start.
// Only a request a key admitted has its content kept; what any client chooses (model id, session,
// user agent) is clipped to CLIENT_TEXT_LIMITS in its row and in the refusals that quote it.
import { randomUUID } from 'node:crypto';
import type { IncomingHttpHeaders, IncomingMessage, ServerResponse } from 'node:http';
import { performance } from 'node:perf_hooks';
import { inferenceRequestSchema, type InferenceRequest } from '../../shared/inference.js';
import type { LogStatus, UpstreamAttempt } from '../../shared/schemas.js';
import { billRequest } from '../pricing/bill.js';
import { emptyUsage, type TokenUsage } from '../pricing/cost.js';
import { isRecord } from '../store/content-store.js';
import type { Charge, LogRecord } from '../store/request-log.js';
import type { KeyIdentity } from '../store/virtual-keys.js';
import { storeUnwritable, type Admission, type AdmissionRequest, type Attribution } from '../governance/ledger.js';
import type { GatewayContext } from './context.js';
import { clip } from './clip.js';
import { asGatewayError, badRequest, errorBody, GatewayError, sendError } from './errors.js';
import { noteKeyFailure, refuseThrottledAddress } from './lan-guard.js';
import { settingsChecksumHeader, settingsStateOf } from './managed-settings.js';
import { signInStillGranted } from './sign-in.js';
import { isSignedIn, isUpstreamRateLimitHeader, signedInRefusal, usageHeaders } from './usage-limits.js';
import { ACCESS_TOKEN_PREFIX } from '../store/sign-ins.js';
import type { ListenerPolicy } from './server.js';
import { SseTap, toolNamesOf, usageFromMessage } from './sse-tap.js';
import { isUpstreamFailure } from './upstream-health.js';
import type { ProviderRoute } from '../store/providers.js';
import { routeCall, routePlan, type UpstreamAnswer } from '../upstream/router.js';
import { describeNetworkError, HOP_BY_HOP, upstreamHeaders } from '../upstream/wire.js';

export { upstreamHeaders };

export type Endpoint = 'messages' | 'count_tokens' | 'models' | 'other';

export interface InferenceRoute {
  endpoint: Endpoint;
  /** Path and query to request upstream, e.g. `/v1/messages?beta=true`. */
  upstreamPath: string;
  /** Set when the path or method is wrong: the request is refused, and still logged. */
  refusal?: GatewayError;
}

/** Bodies above the Messages API's own 32 MB limit are refused (see readBody). */
export const MAX_BODY_BYTES = 32 * 1024 * 1024;

/**
 * How many characters of each value a client chooses a log row or an answer keeps. A body may be 32 MB,
 * so a model id, a session id or a header can be nearly that long; stored or quoted whole it would
 * swell every page of the log viewer and every refusal. Longer than any real value, so honest clients
 * never see the cut (marked with `…`).
 */
export const CLIENT_TEXT_LIMITS = {
  model: 200,
  sessionId: 200,
  /** `x-tollgate-user`, as quoted in a refusal. */
  user: 200,
  toolName: 200,
  userAgent: 500,
  path: 2_000,
  /** A refusal's message, and the error text a row keeps. */
  errorText: 2_000,
} as const;

/** How many removed tool names a row lists. */
const REMOVED_TOOLS_LISTED = 100;

/** What is known about a request so far; becomes its log row. */
interface Attempt {
  requestId: string;
  admission: Admission | null;
  attribution: Attribution | null;
  /** The subscriber's own OAuth credentials travel upstream untouched. */
  oauth: boolean;
  refusalReason: string | null;
  createdAt: number;
  startedAt: number;
  firstByteAt: number | null;
  key: KeyIdentity | null;
  request: InferenceRequest | null;
  body: Buffer | null;
  parsedBody: unknown;
  sessionId: string | null;
  stream: boolean;
  statusCode: number;
  status: LogStatus;
  errorType: string | null;
  errorMessage: string | null;
  usage: TokenUsage;
  usageEstimated: boolean;
  responseModel: string | null;
  stopReason: string | null;
  toolNames: string[];
  responseBytes: number;
  upstreamRequestId: string | null;
  responseMessage: unknown;
  /** The admission's trace is on disk (or queued for it): the row's commit removes it. */
  traced: boolean;
  /** A Claude Code signed in with /login: told its budget standing in its own terms (usage-limits.ts). */
  signedIn: boolean;
  /** The usage-limit headers of a successful answer to a signed-in client. */
  usageHeaders: Record<string, string>;
  /** With hint headers on, what a signed-in request said of its managed settings (the checksum as a keyed fingerprint). */
  managedSettings: { state: 'current' | 'stale' | 'missing'; fingerprint: string | null } | null;
  /** On GET /v1/models with a key: which listed models the key may use (the rest are left out). */
  allowsModel: ((model: string) => boolean) | null;
  /** The providers this request may go to, first choice first. */
  plan: ProviderRoute[];
  /** The provider and pool key that served it, and every try. */
  provider: string | null;
  providerKeyName: string | null;
  upstreamAttempts: UpstreamAttempt[];
  /** The provider was sent its own model id: priced by the Anthropic id asked for. */
  modelMapped: boolean;
}

/** How the answer ends once its row is on disk: the held-back end of a relayed answer, or a refusal. */
type Ending = () => void;

export async function handleInference(
  ctx: GatewayContext,
  route: InferenceRoute,
  req: IncomingMessage,
  res: ServerResponse,
  listener: ListenerPolicy,
): Promise<void> {
  const attempt: Attempt = {
    requestId: `req_tg_${randomUUID().replaceAll('-', '')}`,
    admission: null,
    attribution: null,
    oauth: isOAuthBearer(req.headers),
    refusalReason: null,
    createdAt: ctx.clock(),
    startedAt: performance.now(),
    firstByteAt: null,
    key: null,
    request: null,
    body: null,
    parsedBody: undefined,
    sessionId: clip(headerValue(req.headers, 'x-claude-code-session-id'), CLIENT_TEXT_LIMITS.sessionId),
    stream: false,
    statusCode: 0,
    status: 'success',
    errorType: null,
    errorMessage: null,
    usage: emptyUsage(),
    usageEstimated: false,
    responseModel: null,
    stopReason: null,
    toolNames: [],
    responseBytes: 0,
    upstreamRequestId: null,
    responseMessage: undefined,
    traced: false,
    signedIn: false,
    usageHeaders: {},
    allowsModel: null,
    managedSettings: null,
    plan: [],
    provider: null,
    providerKeyName: null,
    upstreamAttempts: [],
    modelMapped: false,
  };
  // The upstream call stops when the client leaves, or when a shutdown's grace period runs out.
  const clientGone = new AbortController();
  const upstreamStop = new AbortController();
  res.on('close', () => {
    if (res.writableFinished) return;
    clientGone.abort();
    upstreamStop.abort();
  });
  const onStopping = (): void => upstreamStop.abort();
  if (ctx.stopping.aborted) onStopping();
  else ctx.stopping.addEventListener('abort', onStopping, { once: true });
  try {
    await serve(ctx, route, req, res, listener, attempt, clientGone.signal, upstreamStop.signal);
  } finally {
    ctx.stopping.removeEventListener('abort', onStopping);
  }
}

async function serve(
  ctx: GatewayContext,
  route: InferenceRoute,
  req: IncomingMessage,
  res: ServerResponse,
  listener: ListenerPolicy,
  attempt: Attempt,
  clientGone: AbortSignal,
  upstreamSignal: AbortSignal,
): Promise<void> {
  let ending: Ending | null;

  try {
    if (route.refusal) throw route.refusal;
    refuseThrottledAddress(ctx, listener, req);
    const presented = presentedKey(req.headers);
    attempt.key = presented === null ? null : identifyCredential(ctx, presented, attempt.createdAt);
    attempt.signedIn = isSignedIn(presented);
    attempt.body = await readBody(req, ctx.maxBodyBytes);
    // Parsed before authenticating so that a refused request's log row still names its model and
    // session; a bad key is reported before a bad body.
    const parsed = route.endpoint === 'models' ? null : parseBody(attempt.body);
    if (parsed && !(parsed instanceof GatewayError)) {
      attempt.parsedBody = parsed.body;
      attempt.request = parsed.request;
      attempt.stream = route.endpoint === 'messages' && parsed.request.stream === true;
      attempt.sessionId ??= clip(sessionFromMetadata(parsed.request), CLIENT_TEXT_LIMITS.sessionId);
    }
    refuseWhilePaused(ctx);
    admitKey(ctx, presented, attempt.key);
    if (parsed instanceof GatewayError) throw parsed;
    attempt.plan = routePlan(ctx.providers.routes(), ctx.settings.routing(), attempt.key?.providerConfigs ?? []);
    if (attempt.key) {
      const key = attempt.key;
      const first = attempt.plan[0]?.name;
      const attribution = ctx.ledger.attribute(key, headerValue(req.headers, 'x-tollgate-user'), first);
      attempt.attribution = attribution;
      attempt.admission = await admitWhenRoom(
        ctx,
        {
          key,
          endpoint: route.endpoint,
          model: attempt.request?.model ?? null,
          maxTokens: attempt.request?.max_tokens,
          bodyBytes: attempt.body.length,
          body: isRecord(attempt.parsedBody) ? attempt.parsedBody : null,
          sessionId: attempt.sessionId,
          at: attempt.createdAt,
          priceOf: (model) => ctx.pricing().resolve(model, attempt.createdAt).version,
        },
        attribution,
        upstreamSignal,
      ).catch((error: unknown) => {
        throw attempt.signedIn ? signedInRefusal(ctx, error, key, attribution, ctx.clock()) : error;
      });
      if (attempt.signedIn && route.endpoint === 'messages') {
        attempt.usageHeaders = usageHeaders(ctx, key, attribution, attempt.createdAt);
        attempt.managedSettings = settingsStateOf(ctx, key, settingsChecksumHeader(req.headers), attempt.createdAt);
      }
      if (route.endpoint === 'models')
        attempt.allowsModel = (model) => ctx.ledger.decideModel(key, attribution, model).allowed;
    }
    if (route.endpoint === 'messages') await traceAdmission(ctx, route, req, attempt);
    // A policy that remapped the model or removed tools forwards its edited body; otherwise the client's bytes.
    const edited = attempt.admission?.body;
    const outgoing = edited ? Buffer.from(JSON.stringify(edited)) : attempt.body;
    const upstream = await forward(ctx, route, req, outgoing, attempt, upstreamSignal);
    ending = attempt.allowsModel
      ? await relayModelList(upstream, res, attempt, attempt.allowsModel)
      : await relay(ctx, upstream, res, attempt, clientGone);
  } catch (error) {
    ending = refuseOrFail(ctx, req, res, attempt, error, clientGone.aborted);
    noteKeyFailure(ctx, listener, req, error);
  }
  try {
    await settle(ctx, route, req, attempt);
  } finally {
    ending?.();
  }
}

// ---- admit -----------------------------------------------------------------------------------------

/** How long a request waits for running requests to settle when their holds keep it out of a budget. */
const BUDGET_WAIT_MS = 30_000;

/**
 * Admits the request, or refuses it. Refused only because requests in flight hold the room it needs,
 * it waits for them to settle and asks again (up to BUDGET_WAIT_MS): near a limit requests then run one
 * after another instead of failing, and each runs against the spend of those before it.
 */
async function admitWhenRoom(
  ctx: GatewayContext,
  request: Omit<AdmissionRequest, 'storeWritable' | 'storeError'>,
  attribution: Attribution,
  signal: AbortSignal,
): Promise<Admission> {
  const deadline = performance.now() + BUDGET_WAIT_MS;
  for (;;) {
    try {
      // A retry after waiting is judged at its own time: a period or a rate window may have moved on.
      return ctx.ledger.admit({ ...request, at: ctx.clock(), ...storeState(ctx) }, attribution);
    } catch (error) {
      const left = deadline - performance.now();
      if (!(error instanceof GatewayError) || error.reason !== 'budget_reserved' || left <= 0 || signal.aborted)
        throw error;
      await settlementOrTimeout(ctx, left, signal);
      if (signal.aborted) throw ctx.stopping.aborted ? restarting() : error;
    }
  }
}

function settlementOrTimeout(ctx: GatewayContext, ms: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    const done = (): void => {
      clearTimeout(timer);
      signal.removeEventListener('abort', done);
      resolve();
    };
    const timer = setTimeout(done, ms);
    signal.addEventListener('abort', done, { once: true });
    void ctx.ledger.nextSettlement().then(done);
  });
}

// ---- settle ----------------------------------------------------------------------------------------

/**
 * Writes the row and the charges of its cost to every budget the request was admitted under, in one
 * commit, then releases the request's holds. Awaited before the answer ends. When the store cannot
 * write, the row and its spend stay queued in memory (written once it can) and the answer ends anyway.
 */
async function settle(
  ctx: GatewayContext,
  route: InferenceRoute,
  req: IncomingMessage,
  attempt: Attempt,
): Promise<void> {
  let record: LogRecord | null = null;
  try {
    record = toLogRecord(ctx, route, req, attempt, true);
    await ctx.requestLog.append(record, chargesOf(attempt.admission), attempt.traced);
  } catch (error) {
    ctx.logger.error(`could not book request ${attempt.requestId}`, error);
  } finally {
    if (attempt.admission) {
      const usage = record?.usage ?? attempt.usage;
      const tokens =
        usage.input_tokens + usage.output_tokens + usage.cache_creation_input_tokens + usage.cache_read_input_tokens;
      ctx.ledger.settle(attempt.admission, record?.cost_micros ?? 0, tokens, ctx.clock());
    }
  }
  if (record) ctx.metrics.observe(record, ctx.pricing());
}

function chargesOf(admission: Admission | null): Charge[] {
  return (admission?.holds ?? []).map((hold) => ({ budgetId: hold.budgetId, periodStart: hold.periodStart }));
}

/** The store's state as admission needs it: a key with a budget is refused while spend cannot be recorded. */
function storeState(ctx: GatewayContext): { storeWritable: boolean; storeError: string | null } {
  const health = ctx.requestLog.health();
  return { storeWritable: health.writable, storeError: health.error };
}

/**
 * Puts a trace of the admitted request on disk before it is forwarded, so that a crash while it runs
 * still books it. When the trace cannot be written, a request whose spend lands on a budget is refused.
 */
async function traceAdmission(
  ctx: GatewayContext,
  route: InferenceRoute,
  req: IncomingMessage,
  attempt: Attempt,
): Promise<void> {
  const { content: _content, ...record } = toLogRecord(ctx, route, req, attempt, false);
  void _content;
  attempt.traced = true;
  const durable = await ctx.requestLog.trace({
    record: { ...record, model: clip(attempt.admission?.model, CLIENT_TEXT_LIMITS.model) ?? record.model },
    charges: chargesOf(attempt.admission),
    estimateMicros: attempt.admission?.estimateMicros ?? 0,
  });
  if (!durable && (attempt.admission?.holds.length ?? 0) > 0) throw storeUnwritable(ctx.requestLog.health().error);
}

// ---- screen ----------------------------------------------------------------------------------------

/** A paused gateway forwards nothing; the answer says so, and that retrying will not help. */
function refuseWhilePaused(ctx: GatewayContext): void {
  if (!ctx.settings.pause().paused) return;
  throw new GatewayError(
    503,
    'api_error',
    'Tollgate is paused, so it is not forwarding requests to the Anthropic API: resume it from the tray or the dashboard.',
    { 'x-should-retry': 'false' },
    'paused',
  );
}

// ---- authenticate ----------------------------------------------------------------------------------

/** The virtual key a request presents: Tollgate's own headers first, then the standard Anthropic ones. */
export function presentedKey(headers: IncomingHttpHeaders): string | null {
  const explicit = headerValue(headers, 'x-tollgate-key') ?? headerValue(headers, 'x-bf-vk');
  if (explicit) return explicit.trim();
  const bearer = /^Bearer\s+(.+)$/i.exec(headerValue(headers, 'authorization') ?? '')?.[1]?.trim();
  const apiKey = headerValue(headers, 'x-api-key')?.trim();
  const candidates = [bearer, apiKey].filter((value): value is string => Boolean(value));
  return candidates.find((value) => value.startsWith('sk-tg-')) ?? candidates[0] ?? null;
}

/**
 * The key a credential stands for: a virtual key's secret, or the bearer token of a Claude Code
 * sign-in (/login), which stands for the key made when the admin approved it. A token whose sign-in
 * was revoked, or whose user was removed, stands for that key switched off.
 */
export function identifyCredential(ctx: GatewayContext, presented: string, now: number): KeyIdentity | null {
  if (!presented.startsWith(ACCESS_TOKEN_PREFIX)) return ctx.keys.identify(presented);
  const standing = ctx.signIns.standing(presented, 'access', now);
  if (standing.ok === false && standing.reason === 'unknown') return null;
  const signIn = standing.ok ? standing.signIn : null;
  const keyId = signIn?.virtualKeyId ?? null;
  const key = keyId ? ctx.keys.get(keyId) : null;
  if (!key) return null;
  return signIn && signInStillGranted(ctx, signIn) ? key : { ...key, active: false };
}

/**
 * What a bearer endpoint beside inference (/managed/settings, /api/oauth/usage, the OTLP routes) was
 * given: the credential and the working key it stands for (null when none), or, for a /login token
 * whose sign-in has ended, the protocol's re-login 401 to answer with.
 */
export function bearerCredential(
  ctx: GatewayContext,
  req: IncomingMessage,
  now: number,
): { refusal: GatewayError } | { presented: string | null; key: KeyIdentity | null } {
  const presented = presentedKey(req.headers);
  const key = presented === null ? null : identifyCredential(ctx, presented, now);
  if (presented?.startsWith(ACCESS_TOKEN_PREFIX) && !key?.active) return { refusal: signInEnded(key === null) };
  return { presented, key: key?.active ? key : null };
}

/** Refuses a request whose key is missing (when keys are enforced), unknown, or revoked. */
function admitKey(ctx: GatewayContext, presented: string | null, key: KeyIdentity | null): void {
  if (presented?.startsWith(ACCESS_TOKEN_PREFIX) && !key?.active) throw signInEnded(key === null);
  if (presented === null) {
    if (!ctx.settings.config.enforce_auth_on_inference) return;
    throw new GatewayError(
      401,
      'authentication_error',
      'No Tollgate virtual key was sent. Set ANTHROPIC_AUTH_TOKEN to your sk-tg-… key (or send it in x-api-key or x-tollgate-key).',
      {},
      'key_missing',
    );
  }
  if (!key) {
    if (presented.startsWith(OAUTH_PREFIX)) {
      if (!ctx.settings.config.enforce_auth_on_inference) return;
      throw new GatewayError(
        401,
        'authentication_error',
        'This gateway needs a Tollgate key alongside your Claude subscription sign-in. Set ANTHROPIC_CUSTOM_HEADERS="x-tollgate-key: sk-tg-…" with the key your Tollgate admin gave you.',
        {},
        'key_missing',
      );
    }
    throw new GatewayError(
      401,
      'authentication_error',
      `The key ${redact(presented)} is not a Tollgate virtual key. Ask your Tollgate admin for a key (sk-tg-…) and set it as ANTHROPIC_AUTH_TOKEN.`,
      {},
      'key_unknown',
    );
  }
  if (!key.active) {
    throw new GatewayError(
      401,
      'authentication_error',
      `The Tollgate virtual key "${key.name}" has been revoked or disabled. Ask your Tollgate admin for a new key.`,
      {},
      'key_revoked',
    );
  }
}

/**
 * A Claude Code sign-in that no longer works. `x-should-retry: false` makes the client ask the
 * developer to /login at once instead of retrying for minutes (the gateway protocol's Errors).
 */
export function signInEnded(unknown: boolean): GatewayError {
  return new GatewayError(
    401,
    'authentication_error',
    'Your Tollgate sign-in has ended: it expired, or your Tollgate admin revoked it. Run /login in Claude Code to sign in again.',
    { 'x-should-retry': 'false' },
    unknown ? 'key_unknown' : 'key_revoked',
  );
}

const OAUTH_PREFIX = 'sk-ant-oat';

/** A Claude Pro/Max subscriber's own sign-in (`Authorization: Bearer sk-ant-oat…`). */
function isOAuthBearer(headers: IncomingHttpHeaders): boolean {
  return /^Bearer\s+sk-ant-oat/i.test(headerValue(headers, 'authorization') ?? '');
}

// ---- parse -----------------------------------------------------------------------------------------

function parseBody(body: Buffer): { body: unknown; request: InferenceRequest } | GatewayError {
  try {
    const parsed = parseJson(body);
    return { body: parsed, request: parseInferenceRequest(parsed) };
  } catch (error) {
    return asGatewayError(error);
  }
}

function parseJson(body: Buffer): unknown {
  if (body.length === 0)
    throw badRequest('The request body is empty; send a JSON object with model, messages and max_tokens.');
  try {
    return JSON.parse(body.toString('utf8')) as unknown;
  } catch (error) {
    const reason = error instanceof SyntaxError ? error.message : 'unreadable';
    throw badRequest(`The request body is not valid JSON (${reason}).`);
  }
}

function parseInferenceRequest(value: unknown): InferenceRequest {
  if (!isRecord(value)) throw badRequest('The request body must be a JSON object.');
  const parsed = inferenceRequestSchema.safeParse(value);
  if (!parsed.success) throw badRequest(parsed.error.issues.map((issue) => issue.message).join('; '));
  return parsed.data;
}

/** Claude Code puts its session in metadata.user_id: `…_session_<uuid>`, or JSON with a session_id. */
export function sessionFromMetadata(request: InferenceRequest): string | null {
  const userId = request.metadata?.user_id;
  if (!userId) return null;
  if (userId.startsWith('{')) {
    try {
      const parsed = JSON.parse(userId) as unknown;
      if (isRecord(parsed) && typeof parsed.session_id === 'string') return parsed.session_id;
    } catch {
      // fall through to the legacy format
    }
  }
  return /session_([0-9a-zA-Z-]+)/.exec(userId)?.[1] ?? null;
}

// ---- forward ---------------------------------------------------------------------------------------

async function forward(
  ctx: GatewayContext,
  route: InferenceRoute,
  req: IncomingMessage,
  body: Buffer,
  attempt: Attempt,
  signal: AbortSignal,
): Promise<UpstreamAnswer> {
  try {
    const routed = await routeCall(
      attempt.plan,
      {
        upstreamPath: route.upstreamPath,
        method: req.method === 'POST' ? 'POST' : req.method === 'HEAD' ? 'HEAD' : 'GET',
        headers: req.headers,
        body,
        model: attempt.admission?.model ?? attempt.request?.model ?? null,
        oauth: attempt.oauth,
        signal,
      },
      ctx.settings.routing().max_attempts,
      {
        health: ctx.keyHealth,
        dispatcher: ctx.dispatcher,
        clock: ctx.clock,
        onAttempt: (tried) => ctx.metrics.upstreamAttempt(tried),
        onFailover: (from, to) => ctx.metrics.failover(from, to),
        onKeyRefused: (provider, keyName, status) =>
          ctx.logger.warn(`${provider} refused its key "${keyName}" (${status}): it is skipped for a while; check it`),
      },
    );
    attempt.provider = routed.provider;
    attempt.providerKeyName = routed.keyName;
    attempt.upstreamAttempts = routed.attempts;
    attempt.modelMapped = routed.modelMapped;
    return routed.answer;
  } catch (error) {
    if (signal.aborted) throw ctx.stopping.aborted ? restarting() : error;
    if (error instanceof GatewayError && error.status === 502) ctx.upstream.failed(error.message, ctx.clock());
    throw error;
  }
}

// ---- relay -----------------------------------------------------------------------------------------

/**
 * Streams the upstream answer to the client with backpressure, tapping it for the log, and holds back
 * its end (the stream's last event, or a JSON body's last chunk) until its row is on disk: it returns
 * what ends the answer.
 */
async function relay(
  ctx: GatewayContext,
  upstream: UpstreamAnswer,
  res: ServerResponse,
  attempt: Attempt,
  clientGone: AbortSignal,
): Promise<Ending> {
  attempt.statusCode = upstream.statusCode;
  attempt.upstreamRequestId = headerValue(upstream.headers, 'request-id');
  const isSse = (headerValue(upstream.headers, 'content-type') ?? '').startsWith('text/event-stream');
  const noteUsage = attempt.traced
    ? (usage: TokenUsage) => ctx.requestLog.noteUsage(attempt.requestId, usage)
    : undefined;
  const tap = isSse ? new SseTap(shouldCapture(ctx, attempt), noteUsage) : null;
  const jsonChunks: Buffer[] = [];
  const held: Buffer[] = [];

  res.writeHead(upstream.statusCode, responseHeaders(upstream, attempt));
  const send = async (bytes: Buffer): Promise<void> => {
    if (bytes.length === 0) return;
    if (!res.write(bytes)) await drained(res, clientGone);
  };
  let ending: Ending = () => {
    for (const bytes of held) res.write(bytes);
    res.end();
  };

  try {
    for await (const chunk of upstream.body) {
      attempt.firstByteAt ??= performance.now();
      attempt.responseBytes += chunk.length;
      if (tap) {
        const ready = tap.push(chunk);
        if (tap.ended || held.length > 0) held.push(ready);
        else await send(ready);
      } else {
        jsonChunks.push(chunk);
        const previous = held.pop();
        held.push(chunk);
        if (previous) await send(previous);
      }
    }
    if (tap) held.push(tap.takeRemainder());
  } catch (error) {
    if (clientGone.aborted) throw error;
    const message = ctx.stopping.aborted
      ? RESTARTING_MESSAGE
      : `The ${attempt.provider ?? 'upstream'} connection failed mid-response: ${describeNetworkError(error)}. Retry the request.`;
    attempt.status = 'error';
    attempt.errorType = 'api_error';
    attempt.errorMessage = message;
    if (tap) {
      // Close the client's stream with a well-formed error event instead of a bare socket close.
      tap.takeRemainder();
      held.push(Buffer.from(`event: error\ndata: ${errorBody('api_error', message, attempt.requestId)}\n\n`));
    } else {
      ending = () => res.destroy();
    }
  } finally {
    if (tap) summariseStream(attempt, tap);
    else summariseJson(attempt, Buffer.concat(jsonChunks));
    if (!clientGone.aborted && !ctx.stopping.aborted) noteUpstreamHealth(ctx, attempt);
  }
  return ending;
}

/** A model list is a few kilobytes; more than this is not one. */
const MODEL_LIST_LIMIT = 4 * 1024 * 1024;

/**
 * The upstream's model list as a key sees it: only the models its policy lets it use (Claude Code's
 * model discovery offers exactly these), and a model it may not use is not found.
 */
async function relayModelList(
  upstream: UpstreamAnswer,
  res: ServerResponse,
  attempt: Attempt,
  allows: (model: string) => boolean,
): Promise<Ending> {
  attempt.statusCode = upstream.statusCode;
  attempt.upstreamRequestId = headerValue(upstream.headers, 'request-id');
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of upstream.body) {
    attempt.firstByteAt ??= performance.now();
    size += chunk.length;
    if (size > MODEL_LIST_LIMIT)
      throw new GatewayError(502, 'api_error', 'The Anthropic API sent a model list too large to be one.');
    chunks.push(chunk);
  }
  attempt.responseBytes = size;
  let body = Buffer.concat(chunks);
  const parsed = upstream.statusCode === 200 ? jsonOrUndefined(body) : undefined;
  if (isRecord(parsed) && Array.isArray(parsed.data)) {
    const data = parsed.data.filter((entry) => isRecord(entry) && typeof entry.id === 'string' && allows(entry.id));
    body = Buffer.from(JSON.stringify({ ...parsed, data }));
  } else if (isRecord(parsed) && typeof parsed.id === 'string' && !allows(parsed.id)) {
    attempt.statusCode = 404;
    body = Buffer.from(
      errorBody('not_found_error', `Model "${parsed.id}" is not available with this Tollgate key.`, attempt.requestId),
    );
  }
  summariseJson(attempt, body);
  const headers = { ...responseHeaders(upstream, attempt), 'content-length': String(body.length) };
  res.writeHead(attempt.statusCode, headers);
  return () => res.end(body);
}

function jsonOrUndefined(body: Buffer): unknown {
  try {
    return JSON.parse(body.toString('utf8')) as unknown;
  } catch {
    return undefined;
  }
}

const RESTARTING_MESSAGE =
  'Tollgate is restarting and cut this response off. Retry the request in a moment; what it used so far is booked.';

/** The answer to a request still waiting for the upstream when a shutdown's grace period ran out. */
function restarting(): GatewayError {
  return new GatewayError(503, 'api_error', RESTARTING_MESSAGE);
}

/** 5xx (529 overloaded among them), an in-stream error or a broken-off answer count against the upstream. */
function noteUpstreamHealth(ctx: GatewayContext, attempt: Attempt): void {
  const failedInStream = attempt.status === 'error' && attempt.statusCode < 400;
  if (isUpstreamFailure(attempt.statusCode) || failedInStream) {
    const detail = [attempt.errorType, attempt.errorMessage].filter(Boolean).join(': ') || 'no details';
    const what = failedInStream ? 'failed mid-answer' : `answered ${attempt.statusCode}`;
    ctx.upstream.failed(`The Anthropic API ${what}: ${detail}`, ctx.clock());
  } else if (attempt.statusCode < 400) {
    ctx.upstream.succeeded();
  }
}

function summariseStream(attempt: Attempt, tap: SseTap): void {
  const summary = tap.summary();
  attempt.usage = summary.usage;
  attempt.usageEstimated = summary.usageEstimated;
  attempt.stopReason = summary.stopReason;
  attempt.toolNames = summary.toolNames;
  attempt.responseModel = summary.model;
  attempt.responseMessage = summary.message;
  if (summary.streamError && attempt.status === 'success') {
    attempt.status = 'error';
    attempt.errorType = summary.streamError.type;
    attempt.errorMessage = summary.streamError.message;
  }
}

function summariseJson(attempt: Attempt, body: Buffer): void {
  const parsed = jsonOrUndefined(body);
  if (attempt.statusCode >= 400) {
    attempt.status = 'error';
    const error = isRecord(parsed) && isRecord(parsed.error) ? parsed.error : null;
    attempt.errorType = typeof error?.type === 'string' ? error.type : `http_${attempt.statusCode}`;
    attempt.errorMessage = typeof error?.message === 'string' ? error.message : null;
    return;
  }
  if (!isRecord(parsed)) return;
  if (parsed.type === 'message') {
    attempt.usage = usageFromMessage(parsed);
    attempt.stopReason = typeof parsed.stop_reason === 'string' ? parsed.stop_reason : null;
    attempt.toolNames = toolNamesOf(parsed);
    attempt.responseModel = typeof parsed.model === 'string' ? parsed.model : null;
    attempt.responseMessage = parsed;
  }
}

/**
 * The upstream's headers as the client gets them: hop-by-hop ones dropped, the request id added, and
 * for a signed-in Claude Code the upstream's rate-limit headers (the organisation's quota) replaced by
 * its own budget standing on a successful answer.
 */
function responseHeaders(upstream: UpstreamAnswer, attempt: Attempt): Record<string, string | string[]> {
  const out: Record<string, string | string[]> = {};
  for (const [name, value] of Object.entries(upstream.headers)) {
    if (value === undefined || (HOP_BY_HOP.has(name) && name !== 'content-length')) continue;
    if (attempt.signedIn && isUpstreamRateLimitHeader(name)) continue;
    out[name] = value;
  }
  if (upstream.statusCode < 300) Object.assign(out, attempt.usageHeaders);
  out['x-tollgate-request-id'] = attempt.requestId;
  return out;
}

function drained(res: ServerResponse, clientGone: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    const done = (): void => {
      res.off('drain', done);
      clientGone.removeEventListener('abort', done);
      resolve();
    };
    res.once('drain', done);
    clientGone.addEventListener('abort', done, { once: true });
  });
}

// ---- refuse, price, log ----------------------------------------------------------------------------

function refuseOrFail(
  ctx: GatewayContext,
  req: IncomingMessage,
  res: ServerResponse,
  attempt: Attempt,
  error: unknown,
  clientAborted: boolean,
): Ending | null {
  if (clientAborted) {
    attempt.status = 'aborted';
    attempt.statusCode = 499;
    attempt.errorType = 'client_closed_request';
    attempt.errorMessage = 'The client disconnected before the response was complete.';
    return null;
  }
  if (!(error instanceof GatewayError)) ctx.logger.error(`request ${attempt.requestId} failed`, error);
  const refusal = withClippedQuotes(asGatewayError(error), [
    [attempt.request?.model, CLIENT_TEXT_LIMITS.model],
    [headerValue(req.headers, 'x-tollgate-user'), CLIENT_TEXT_LIMITS.user],
  ]);
  attempt.status = refusal.reason !== null || refusal.status === 413 || refusal.status === 400 ? 'blocked' : 'error';
  attempt.refusalReason =
    refusal.reason ?? (refusal.status === 413 ? 'too_large' : refusal.status === 400 ? 'invalid_request' : null);
  attempt.statusCode = refusal.status;
  attempt.errorType = refusal.type;
  attempt.errorMessage = refusal.message;
  return () => sendError(res, refusal, attempt.requestId);
}

/**
 * Content is kept only for a request a key admitted. Anyone who can reach the proxy (a LAN host, a web
 * page's no-cors POST) can send a keyless or refused request, and in open mode a keyless one is even
 * forwarded; capturing those would let them plant conversations in the log viewer and its search.
 */
function shouldCapture(ctx: GatewayContext, attempt: Attempt): boolean {
  if (attempt.key === null || attempt.admission === null || attempt.refusalReason !== null) return false;
  return ctx.settings.config.capture_content && attempt.key.captureContent;
}

function toLogRecord(
  ctx: GatewayContext,
  route: InferenceRoute,
  req: IncomingMessage,
  attempt: Attempt,
  withContent: boolean,
): LogRecord {
  // A provider sent its own model id answers with it: the row names (and is priced by) the Anthropic id.
  const model = clip(
    attempt.modelMapped
      ? (attempt.admission?.model ?? attempt.request?.model)
      : (attempt.responseModel ?? attempt.request?.model),
    CLIENT_TEXT_LIMITS.model,
  );
  const billable = route.endpoint === 'messages' && model !== null;
  const bill = billable ? billRequest(ctx.pricing(), model, attempt.usage, attempt.createdAt) : null;
  const capture =
    withContent && route.endpoint === 'messages' && attempt.request !== null && shouldCapture(ctx, attempt);
  const finishedAt = performance.now();
  return {
    request_id: attempt.requestId,
    created_at: attempt.createdAt,
    virtual_key_id: attempt.key?.id ?? null,
    virtual_key_name: attempt.key?.name ?? null,
    user_id: attempt.attribution?.user?.id ?? attempt.key?.userId ?? null,
    team_id: attempt.attribution?.team?.id ?? attempt.key?.teamId ?? null,
    customer_id: attempt.attribution?.customer?.id ?? attempt.key?.customerId ?? null,
    refusal_reason: attempt.refusalReason,
    requested_model: clip(attempt.request?.model, CLIENT_TEXT_LIMITS.model),
    removed_tools: (attempt.admission?.removedTools ?? [])
      .slice(0, REMOVED_TOOLS_LISTED)
      .map((name) => clip(name, CLIENT_TEXT_LIMITS.toolName)),
    session_id: attempt.sessionId,
    agent_id: clip(headerValue(req.headers, 'x-claude-code-agent-id'), CLIENT_TEXT_LIMITS.sessionId),
    parent_agent_id: clip(headerValue(req.headers, 'x-claude-code-parent-agent-id'), CLIENT_TEXT_LIMITS.sessionId),
    managed_settings: attempt.managedSettings?.state ?? null,
    managed_settings_fingerprint: attempt.managedSettings?.fingerprint ?? null,
    client: clip(headerValue(req.headers, 'user-agent'), CLIENT_TEXT_LIMITS.userAgent),
    method: req.method ?? 'GET',
    path: clip(req.url ?? '', CLIENT_TEXT_LIMITS.path),
    endpoint: route.endpoint,
    model,
    provider: attempt.provider ?? attempt.plan[0]?.name ?? 'anthropic',
    provider_key_name: attempt.providerKeyName,
    attempts: withServedError(attempt),
    status: attempt.status,
    status_code: attempt.statusCode,
    error_type: attempt.errorType,
    error_message: clip(attempt.errorMessage, CLIENT_TEXT_LIMITS.errorText),
    stream: attempt.stream,
    usage: attempt.usage,
    cost_micros: bill?.costMicros ?? 0,
    cost_estimated: (bill?.estimated ?? false) || attempt.usageEstimated,
    price_id: bill?.price.version.id ?? null,
    usage_by_model: bill?.byModel ?? [],
    latency_ms: Math.round(finishedAt - attempt.startedAt),
    ttfb_ms: attempt.firstByteAt === null ? null : Math.round(attempt.firstByteAt - attempt.startedAt),
    stop_reason: attempt.stopReason,
    tool_names: attempt.toolNames,
    request_bytes: attempt.body?.length ?? 0,
    response_bytes: attempt.responseBytes,
    upstream_request_id: attempt.upstreamRequestId,
    ...(capture && {
      content: {
        request: attempt.body && { body: attempt.body, parsed: attempt.parsedBody },
        response: attempt.responseMessage,
      },
    }),
  };
}

/** The attempts, the last (the answer relayed) with the error type its body turned out to carry. */
function withServedError(attempt: Attempt): UpstreamAttempt[] {
  const last = attempt.upstreamAttempts.at(-1);
  if (!last || last.error_type !== null || (last.status_code ?? 0) < 400 || attempt.errorType === null)
    return attempt.upstreamAttempts;
  return [...attempt.upstreamAttempts.slice(0, -1), { ...last, error_type: attempt.errorType }];
}

// ---- helpers ---------------------------------------------------------------------------------------

/**
 * Reads the body, refusing one over `limit` bytes with a 413. The refusal waits until the upload has
 * been read to its end (and discarded), as long as it stays within twice the limit: a server that
 * answers and closes while the client is still sending resets the connection under it, so the client
 * sees EPIPE or ECONNRESET instead of the 413, and an SDK retries the upload. A body that says (or
 * turns out) to be larger than that is refused at once and the connection closed: reading it all would
 * let one client keep the gateway busy without bound.
 */
export function readBody(req: IncomingMessage, limit: number): Promise<Buffer> {
  const readAtMost = 2 * limit;
  const tooLarge = (readToEnd: boolean): GatewayError =>
    new GatewayError(
      413,
      'request_too_large',
      `The request body is larger than Tollgate's limit of ${formatBytes(limit)}. Shorten the conversation or attachments.`,
      readToEnd ? {} : { connection: 'close' },
    );
  return new Promise((resolve, reject) => {
    const declared = Number(req.headers['content-length'] ?? 0);
    if (declared > readAtMost) {
      req.resume();
      reject(tooLarge(false));
      return;
    }
    const chunks: Buffer[] = [];
    let size = 0;
    let over = declared > limit;
    const onData = (chunk: Buffer): void => {
      size += chunk.length;
      if (!over && size <= limit) {
        chunks.push(chunk);
        return;
      }
      over = true;
      chunks.length = 0;
      if (size <= readAtMost) return;
      req.off('data', onData);
      req.resume();
      reject(tooLarge(false));
    };
    req.on('data', onData);
    req.once('end', () => {
      if (over) reject(tooLarge(true));
      else resolve(chunks.length === 1 && chunks[0] ? chunks[0] : Buffer.concat(chunks, size));
    });
    req.once('error', reject);
    req.once('close', () => {
      if (!req.complete) reject(new Error('The client disconnected while sending the request.'));
    });
  });
}

export function headerValue(headers: Record<string, string | string[] | undefined>, name: string): string | null {
  const value = headers[name];
  if (Array.isArray(value)) return value[0] ?? null;
  return value ?? null;
}

/**
 * A refusal whose message quotes a value the client sent (a model id, an x-tollgate-user name) quotes
 * it clipped, and the message as a whole stays under the error-text limit.
 */
function withClippedQuotes(refusal: GatewayError, quoted: [string | null | undefined, number][]): GatewayError {
  let message = refusal.message;
  for (const [value, max] of quoted) {
    if (value && value.length > max) message = message.replaceAll(value, clip(value, max));
  }
  message = clip(message, CLIENT_TEXT_LIMITS.errorText);
  if (message === refusal.message) return refusal;
  return new GatewayError(refusal.status, refusal.type, message, refusal.headers, refusal.reason);
}

function formatBytes(bytes: number): string {
  const mib = bytes / (1024 * 1024);
  return mib >= 1 ? `${Number(mib.toFixed(1))} MB` : `${Math.ceil(bytes / 1024)} KB`;
}

function redact(secret: string): string {
  return secret.length <= 10 ? '(hidden)' : `${secret.slice(0, 6)}…${secret.slice(-4)}`;
}
