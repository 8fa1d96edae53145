// Claude Code's /login against Tollgate: the gateway protocol's sign-in (../shared/reference/
// claude-code-gateway-protocol.md), an OAuth 2.0 device flow (RFC 8628) whose identity provider is the
// admin. Discovery, device authorization, token (device and refresh grants) and revocation answer in
// OAuth's shapes ({"error": …}); the verification page, /device, is where the teammate enters the
// code their CLI shows with their name and email, and then waits for the admin (or, carrying an
// invite, is approved at once). Nothing here needs the admin token; what a client controls is
// bounded: form sizes, how often an address may start sign-ins or guess codes, how many may wait.
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { TLSSocket } from 'node:tls';
import { z } from 'zod';
import type { InviteInput } from '../../shared/schemas.js';
import { inviteInputSchema } from '../../shared/schemas.js';
import { normaliseAddress } from '../lan/throttle.js';
import type { SignIn } from '../store/sign-ins.js';
import type { governanceHandlers } from './admin-governance.js';
import { approveSignIn } from './admin-sign-ins.js';
import { clip } from './clip.js';
import type { GatewayContext } from './context.js';
import { GatewayError, sendError } from './errors.js';
import { bearerCredential, readBody } from './proxy.js';
import { serveManagedSettings } from './managed-settings.js';

export const DEVICE_PAGE_PATH = '/device';
const METADATA_PATH = '/.well-known/oauth-authorization-server';
const DEVICE_AUTHORIZATION_PATH = '/oauth/device_authorization';
const TOKEN_PATH = '/oauth/token';
const REVOCATION_PATH = '/oauth/revoke';
const DEVICE_GRANT = 'urn:ietf:params:oauth:grant-type:device_code';

/** Forms on these endpoints are a few fields; anything larger is not a client of this protocol. */
const FORM_LIMIT = 16 * 1024;
/** Sign-ins one address may start per window, and codes it may enter wrongly (RFC 8628 §5.1). */
const STARTS_PER_WINDOW = 30;
const WRONG_CODES_PER_WINDOW = 10;
const RATE_WINDOW_MS = 10 * 60_000;
/** Sign-ins that may wait for a teammate or the admin at once, whoever started them. */
const MAX_WAITING = 200;

type Governance = ReturnType<typeof governanceHandlers>;

export function isSignInPath(pathname: string): boolean {
  return (
    pathname === METADATA_PATH ||
    pathname === DEVICE_AUTHORIZATION_PATH ||
    pathname === TOKEN_PATH ||
    pathname === REVOCATION_PATH ||
    pathname === DEVICE_PAGE_PATH
  );
}

/** Counts events per address within a window; bounded however many addresses there are. */
export class AddressCounter {
  private readonly events = new Map<string, number[]>();

  constructor(
    private readonly limit: number,
    private readonly windowMs: number,
    private readonly maxAddresses = 4096,
  ) {}

  /** Whether the address is past its limit now. */
  exceeded(address: string, now: number): boolean {
    return this.recent(normaliseAddress(address), now).length >= this.limit;
  }

  note(address: string, now: number): void {
    const key = normaliseAddress(address);
    const recent = this.recent(key, now);
    recent.push(now);
    this.events.set(key, recent);
    if (this.events.size > this.maxAddresses) {
      const oldest = this.events.keys().next().value;
      if (oldest !== undefined) this.events.delete(oldest);
    }
  }

  private recent(key: string, now: number): number[] {
    return (this.events.get(key) ?? []).filter((at) => now - at < this.windowMs);
  }
}

export interface SignInLimits {
  starts: AddressCounter;
  wrongCodes: AddressCounter;
}

export const newSignInLimits = (): SignInLimits => ({
  starts: new AddressCounter(STARTS_PER_WINDOW, RATE_WINDOW_MS),
  wrongCodes: new AddressCounter(WRONG_CODES_PER_WINDOW, RATE_WINDOW_MS),
});

export async function handleSignIn(
  ctx: GatewayContext,
  governance: Governance,
  req: IncomingMessage,
  res: ServerResponse,
  url: URL,
  pathname: string,
): Promise<void> {
  const method = req.method ?? 'GET';
  const base = baseUrlOf(req);
  try {
    if (pathname === METADATA_PATH && (method === 'GET' || method === 'HEAD')) {
      return oauthJson(res, 200, metadata(base), method === 'HEAD');
    }
    if (pathname === DEVICE_PAGE_PATH) {
      if (method === 'GET' || method === 'HEAD') return devicePage(res, pageFor(url), method === 'HEAD');
      if (method === 'POST') return devicePage(res, await submitDevicePage(ctx, governance, req), false);
    }
    if (method !== 'POST') {
      res.setHeader(
        'allow',
        pathname === METADATA_PATH ? 'GET, HEAD' : pathname === DEVICE_PAGE_PATH ? 'GET, POST' : 'POST',
      );
      return oauthJson(res, 405, { error: 'invalid_request', error_description: `${pathname} answers POST.` });
    }
    const form = await readForm(req);
    const address = req.socket.remoteAddress ?? 'unknown';
    const now = ctx.clock();
    if (pathname === DEVICE_AUTHORIZATION_PATH) return startSignIn(ctx, res, form, req, address, base, now);
    if (pathname === TOKEN_PATH) return exchange(ctx, res, form, presentedCertificate(req), now);
    // RFC 7009 §2.2: the answer is 200 whether or not the token was known.
    const token = form.get('token');
    const revoked = token ? ctx.signIns.revokeToken(token, now) : null;
    if (revoked) {
      ctx.audit.record(
        {
          actor: 'system',
          action: 'signIn.token_revoked',
          targetType: 'sign_in',
          targetId: revoked.signInId,
          after: { token: revoked.kind },
          address,
        },
        now,
      );
    }
    return oauthJson(res, 200, {});
  } catch (error) {
    if (error instanceof OAuthError) return oauthJson(res, error.status, error.body);
    if (error instanceof GatewayError) {
      if (pathname === DEVICE_PAGE_PATH) return sendError(res, error);
      return oauthJson(res, error.status, { error: 'invalid_request', error_description: error.message });
    }
    throw error;
  }
}

/** A refusal in OAuth's shape (RFC 6749 §5.2), answered as it is by handleSignIn. */
export class OAuthError extends Error {
  constructor(
    readonly status: number,
    readonly body: { error: string; error_description?: string },
  ) {
    super(body.error);
  }
}

/** RFC 8414 metadata. The client uses each endpoint only when it is on the origin it signs in to. */
function metadata(base: string): Record<string, unknown> {
  return {
    issuer: base,
    device_authorization_endpoint: `${base}${DEVICE_AUTHORIZATION_PATH}`,
    token_endpoint: `${base}${TOKEN_PATH}`,
    revocation_endpoint: `${base}${REVOCATION_PATH}`,
    grant_types_supported: [DEVICE_GRANT, 'refresh_token'],
    token_endpoint_auth_methods_supported: ['none'],
    revocation_endpoint_auth_methods_supported: ['none'],
  };
}

function startSignIn(
  ctx: GatewayContext,
  res: ServerResponse,
  form: URLSearchParams,
  req: IncomingMessage,
  address: string,
  base: string,
  now: number,
): void {
  if (ctx.signInLimits.starts.exceeded(address, now) || ctx.signIns.waiting(now) >= MAX_WAITING) {
    res.setHeader('retry-after', String(Math.ceil(RATE_WINDOW_MS / 1000)));
    throw new OAuthError(429, {
      error: 'slow_down',
      error_description: 'Too many sign-ins are waiting or were started from this address; try again in a few minutes.',
    });
  }
  ctx.signInLimits.starts.note(address, now);
  const { signIn, deviceCode } = ctx.signIns.start(
    {
      surface: deviceAuthorizationRequest(form).surface,
      userAgent: clip(headerText(req.headers['user-agent']), 200),
      address,
    },
    now,
  );
  const verification = `${base}${DEVICE_PAGE_PATH}`;
  oauthJson(res, 200, {
    device_code: deviceCode,
    user_code: signIn.userCode,
    verification_uri: verification,
    verification_uri_complete: `${verification}?user_code=${encodeURIComponent(signIn.userCode)}`,
    expires_in: Math.round((signIn.expiresAt - now) / 1000),
    interval: signIn.intervalSeconds,
    login_notice:
      'Enter this code on the page that opens, with your name and email. Your Tollgate admin approves the sign-in.',
  });
}

/**
 * What a device authorization request (RFC 8628 §3.1) says: only `surface`, the protocol's one extension.
 * Nothing is required, and every other field (a `client_id` or `scope` a future client may send) is
 * ignored, as RFC 6749 §3.1 asks: a server that refused them could stop working the day the CLI updated.
 */
export function deviceAuthorizationRequest(form: URLSearchParams): { surface: string | null } {
  return { surface: clip(form.get('surface'), 64) };
}

/** A token request (RFC 8628 §3.4, RFC 6749 §6) reduced to the grant and the one field it needs. */
export type TokenRequest =
  | { grant: 'device_code'; deviceCode: string }
  | {
      grant: 'refresh_token';
      /** Null when the form has none: answered with the same invalid_grant as a refresh token that has ended. */
      refreshToken: string | null;
    };

/**
 * Reads a token request's form, ignoring every field its grant does not use (RFC 6749 §3.2); a repeated
 * field counts by its first value. Throws the OAuth refusal for a device grant without a code and for
 * any grant Tollgate does not issue.
 */
export function tokenRequest(form: URLSearchParams): TokenRequest {
  const grant = form.get('grant_type');
  if (grant === DEVICE_GRANT) {
    const deviceCode = form.get('device_code');
    if (!deviceCode)
      throw new OAuthError(400, { error: 'invalid_request', error_description: 'device_code is required.' });
    return { grant: 'device_code', deviceCode };
  }
  if (grant === 'refresh_token') return { grant: 'refresh_token', refreshToken: form.get('refresh_token') || null };
  throw new OAuthError(400, {
    error: 'unsupported_grant_type',
    error_description: `Tollgate issues tokens for ${DEVICE_GRANT} and refresh_token.`,
  });
}

function exchange(
  ctx: GatewayContext,
  res: ServerResponse,
  form: URLSearchParams,
  certificate: string | null,
  now: number,
): void {
  const request = tokenRequest(form);
  if (request.grant === 'device_code') {
    const poll = ctx.signIns.poll(request.deviceCode, now);
    if (poll.outcome !== 'issue')
      throw new OAuthError(400, { error: poll.outcome, error_description: POLL_TEXT[poll.outcome] });
    // Approved, then its key switched off or its user removed before the first poll: no tokens for it.
    if (!signInStillGranted(ctx, poll.signIn))
      throw new OAuthError(400, { error: 'access_denied', error_description: POLL_TEXT.access_denied });
    // The client pinned the certificate this connection presents: kept, to name who a new one strands.
    const tokens = ctx.signIns.issueFirst(poll.signIn.id, now, certificate);
    if (!tokens) throw new OAuthError(400, { error: 'invalid_grant', error_description: POLL_TEXT.invalid_grant });
    ctx.audit.record(
      {
        actor: 'system',
        action: 'signIn.tokens_issued',
        targetType: 'sign_in',
        targetId: poll.signIn.id,
        after: { virtual_key_id: poll.signIn.virtualKeyId, user_id: poll.signIn.userId },
      },
      now,
    );
    return oauthJson(res, 200, tokenAnswer(ctx, poll.signIn, tokens));
  }
  const { refreshToken } = request;
  const refreshed = refreshToken && usable(ctx, refreshToken, now) ? ctx.signIns.refresh(refreshToken, now) : null;
  if (!refreshed) {
    throw new OAuthError(401, {
      error: 'invalid_grant',
      error_description:
        'This sign-in has ended (revoked, expired or its key switched off). Run /login to sign in again.',
    });
  }
  return oauthJson(res, 200, tokenAnswer(ctx, refreshed.signIn, refreshed.tokens));
}

const POLL_TEXT: Record<
  'authorization_pending' | 'slow_down' | 'access_denied' | 'expired_token' | 'invalid_grant',
  string
> = {
  authorization_pending: 'Waiting for the teammate to enter the code and for the Tollgate admin to approve it.',
  slow_down: 'Polling faster than the interval; wait five seconds longer between polls.',
  access_denied: 'The Tollgate admin declined this sign-in.',
  expired_token: 'The code expired before the sign-in was approved. Run /login again.',
  invalid_grant: 'This device code is unknown or has been used already.',
};

/** A refresh token works only while the key and user behind its sign-in do. */
function usable(ctx: GatewayContext, refreshToken: string, now: number): boolean {
  const standing = ctx.signIns.standing(refreshToken, 'refresh', now);
  return standing.ok && signInStillGranted(ctx, standing.signIn);
}

/** Whether the key a sign-in stands for is still on and its user still exists. */
export function signInStillGranted(ctx: GatewayContext, signIn: SignIn): boolean {
  const key = signIn.virtualKeyId ? ctx.keys.get(signIn.virtualKeyId) : null;
  if (!key?.active) return false;
  return signIn.userId === null || ctx.organisation.get('user', signIn.userId) !== null;
}

function tokenAnswer(
  ctx: GatewayContext,
  signIn: SignIn,
  tokens: { accessToken: string; refreshToken: string; expiresIn: number },
): Record<string, unknown> {
  const user = signIn.userId ? ctx.organisation.get('user', signIn.userId) : null;
  const email = user?.email ?? signIn.email;
  return {
    access_token: tokens.accessToken,
    token_type: 'Bearer',
    expires_in: tokens.expiresIn,
    refresh_token: tokens.refreshToken,
    ...(email && { email }),
  };
}

// ---- bearer endpoints beside inference ---------------------------------------------------------

export const MANAGED_SETTINGS_PATH = '/managed/settings';

/**
 * GET /managed/settings: the first thing a signed-in Claude Code asks for, so an ended sign-in is
 * refused here with the protocol's 401 (the client then asks the developer to /login). A live one gets
 * the managed settings its key's layers and policy make (electron/gateway/managed-settings.ts): 200 with
 * `{uuid, checksum, settings}` and the checksum as ETag, 304 on an If-None-Match naming it, or 404, the
 * protocol's "no policy", when none applies and the client carries on.
 */
export function handleManagedSettings(ctx: GatewayContext, req: IncomingMessage, res: ServerResponse): void {
  const credential = bearerCredential(ctx, req, ctx.clock());
  if ('refusal' in credential) return sendError(res, credential.refusal);
  if (!credential.key) {
    return sendError(
      res,
      new GatewayError(
        401,
        'authentication_error',
        'Managed settings are for a Claude Code signed in to Tollgate with /login.',
        {
          'x-should-retry': 'false',
        },
      ),
    );
  }
  serveManagedSettings(ctx, req, res, credential.key);
}

// ---- the verification page ----------------------------------------------------------------------

interface PageState {
  kind: 'form' | 'waiting' | 'approved';
  userCode: string;
  name: string;
  email: string;
  invite: string;
  error: string | null;
}

function pageFor(url: URL): PageState {
  return {
    kind: 'form',
    // Pre-filled from verification_uri_complete, never submitted by itself (RFC 8628 §5.4).
    userCode: clip(url.searchParams.get('user_code'), 16) ?? '',
    name: '',
    email: '',
    invite: clip(url.searchParams.get('invite'), 64) ?? '',
    error: null,
  };
}

const personSchema = z.object({
  name: z.string().trim().min(1, 'Enter your name.').max(100, 'A name of at most 100 characters, please.'),
  email: z
    .string()
    .trim()
    .max(254, 'That email address is too long.')
    .regex(/^[^\s@]+@[^\s@]+\.[^\s@]+$/, 'Enter your email address, such as priya@example.com.'),
});

async function submitDevicePage(ctx: GatewayContext, governance: Governance, req: IncomingMessage): Promise<PageState> {
  const form = await readForm(req);
  const address = req.socket.remoteAddress ?? 'unknown';
  const now = ctx.clock();
  const state: PageState = {
    kind: 'form',
    userCode: clip(form.get('user_code'), 16) ?? '',
    name: clip(form.get('name'), 100) ?? '',
    email: clip(form.get('email'), 254) ?? '',
    invite: clip(form.get('invite'), 64) ?? '',
    error: null,
  };
  if (ctx.signInLimits.wrongCodes.exceeded(address, now)) {
    return { ...state, error: 'Too many wrong codes from this computer. Wait ten minutes, then try again.' };
  }
  const person = personSchema.safeParse({ name: state.name, email: state.email });
  if (!person.success) return { ...state, error: person.error.issues[0]?.message ?? 'Check your name and email.' };
  const signIn = ctx.signIns.findByUserCode(state.userCode, now);
  if (!signIn || signIn.status !== 'started') {
    ctx.signInLimits.wrongCodes.note(address, now);
    return {
      ...state,
      error: signIn
        ? 'This code has been entered already: its sign-in waits for the admin.'
        : 'No sign-in is waiting with that code. Check the code Claude Code shows (it expires after 15 minutes), or run /login again.',
    };
  }
  const invite = state.invite ? ctx.signIns.usableInvite(state.invite, now) : null;
  if (state.invite && !invite) {
    ctx.signInLimits.wrongCodes.note(address, now);
    return {
      ...state,
      error:
        'This invite has expired or has been used. Ask your Tollgate admin for a new one, or clear it to ask for approval.',
    };
  }
  const { name, email } = person.data;
  ctx.transaction(() => {
    ctx.signIns.claim(signIn.id, { name, email }, now);
    ctx.audit.record(
      {
        actor: 'teammate',
        action: 'signIn.requested',
        targetType: 'sign_in',
        targetId: signIn.id,
        after: { name, email, user_code: signIn.userCode, surface: signIn.surface, invite: invite?.id ?? null },
        address,
      },
      now,
    );
    if (!invite) return;
    if (!ctx.signIns.useInvite(invite.id, signIn.id, now))
      throw new GatewayError(409, 'invalid_request_error', 'This invite has just been used.');
    const settings = inviteInputSchema.parse(invite.settings) satisfies InviteInput;
    const claimed = ctx.signIns.get(signIn.id);
    if (!claimed) throw new Error(`sign-in ${signIn.id} vanished`);
    const approved = approveSignIn(
      ctx,
      governance,
      claimed,
      {
        // The invite's team holds whether or not it names the person; an existing user is found by email.
        user: settings.user
          ? { ...settings.user, team_id: settings.user.team_id ?? settings.team_id ?? null }
          : { name, email, team_id: settings.team_id ?? null },
        ...(settings.key && { key: settings.key }),
      },
      invite.id,
    );
    ctx.audit.record(
      {
        actor: 'invite',
        action: 'signIn.approved_by_invite',
        targetType: 'sign_in',
        targetId: signIn.id,
        after: { invite: invite.id, user_id: approved.user.id, virtual_key_id: approved.virtual_key.id },
        address,
      },
      now,
    );
  });
  ctx.status.invalidate();
  return { ...state, kind: invite ? 'approved' : 'waiting', name, email, userCode: signIn.userCode };
}

const PAGE_STYLE = `
:root { color-scheme: light dark; --bg: #fbfbfa; --fg: #1d1d1b; --muted: #5f5f5a; --line: #deddd8; --card: #fff; --accent: #3456c7; --bad: #b3261e; }
@media (prefers-color-scheme: dark) { :root { --bg: #161615; --fg: #ecebe6; --muted: #a3a29c; --line: #34342f; --card: #1f1f1d; --accent: #8ea7ff; --bad: #ff8a80; } }
* { box-sizing: border-box; }
body { margin: 0; background: var(--bg); color: var(--fg); font: 15px/1.5 system-ui, -apple-system, "Segoe UI", sans-serif; }
main { max-width: 30rem; margin: 0 auto; padding: 2.5rem 1.25rem; }
h1 { font-size: 1.4rem; margin: 0 0 .5rem; }
p { margin: .25rem 0 1rem; }
.hint { color: var(--muted); font-size: .875rem; }
label { display: block; font-weight: 600; margin: 1rem 0 .3rem; }
input { width: 100%; padding: .55rem .7rem; font: inherit; color: var(--fg); background: var(--card); border: 1px solid var(--line); border-radius: 6px; }
input[name=user_code] { font-family: ui-monospace, SFMono-Regular, Menlo, monospace; letter-spacing: .12em; text-transform: uppercase; }
button { margin-top: 1.25rem; padding: .6rem 1rem; font: inherit; border-radius: 6px; border: 1px solid var(--accent); background: var(--accent); color: var(--bg); cursor: pointer; }
input:focus-visible, button:focus-visible { outline: 2px solid var(--accent); outline-offset: 2px; }
.error { border: 1px solid var(--bad); color: var(--bad); border-radius: 6px; padding: .6rem .8rem; background: var(--card); }
.code { font-family: ui-monospace, SFMono-Regular, Menlo, monospace; font-size: 1.3rem; letter-spacing: .12em; }
`;

function devicePage(res: ServerResponse, state: PageState, head: boolean): void {
  const body = `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<title>Sign in to Tollgate</title><style>${PAGE_STYLE}</style></head>
<body><main>${pageBody(state)}</main></body></html>`;
  res.writeHead(state.error ? 400 : 200, {
    'content-type': 'text/html; charset=utf-8',
    'content-length': Buffer.byteLength(body),
    'cache-control': 'no-store',
    // No script at all; forms post only here; no other site may frame the page (clickjacking a code).
    'content-security-policy':
      "default-src 'none'; style-src 'unsafe-inline'; form-action 'self'; frame-ancestors 'none'; base-uri 'none'",
    'x-frame-options': 'DENY',
    'referrer-policy': 'no-referrer',
  });
  res.end(head ? undefined : body);
}

function pageBody(state: PageState): string {
  if (state.kind === 'waiting') {
    return `<h1>Waiting for your admin</h1>
<p>Thanks, ${escapeHtml(state.name)}. Your sign-in with code <span class="code">${escapeHtml(state.userCode)}</span> is waiting for your Tollgate admin to approve it.</p>
<p class="hint">Keep Claude Code open: it finishes signing in by itself once approved. You can close this page.</p>`;
  }
  if (state.kind === 'approved') {
    return `<h1>You're signed in</h1>
<p>Welcome, ${escapeHtml(state.name)}. Your invite approved the sign-in with code <span class="code">${escapeHtml(state.userCode)}</span>.</p>
<p class="hint">Go back to Claude Code: it finishes signing in within a few seconds. You can close this page.</p>`;
  }
  const error = state.error ? `<p class="error" role="alert">${escapeHtml(state.error)}</p>` : '';
  const invite = state.invite
    ? `<input type="hidden" name="invite" value="${escapeHtml(state.invite)}"><p class="hint">You were invited: once you enter your code, you are signed in straight away.</p>`
    : '<p class="hint">Your Tollgate admin approves the sign-in; you will see it here.</p>';
  return `<h1>Sign in to Tollgate</h1>
<p>Enter the code Claude Code shows, with your name and email, so your admin knows who is asking.</p>
${error}<form method="post" action="${DEVICE_PAGE_PATH}">${invite}
<label for="user_code">Code</label><input id="user_code" name="user_code" required autocomplete="off" spellcheck="false" maxlength="16" value="${escapeHtml(state.userCode)}" placeholder="WDJB-MJHT">
<label for="name">Your name</label><input id="name" name="name" required maxlength="100" autocomplete="name" value="${escapeHtml(state.name)}">
<label for="email">Your email</label><input id="email" name="email" type="email" required maxlength="254" autocomplete="email" value="${escapeHtml(state.email)}">
<button type="submit">${state.invite ? 'Sign in' : 'Ask for access'}</button></form>`;
}

function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (char) => `&#${char.charCodeAt(0)};`);
}

// ---- plumbing -------------------------------------------------------------------------------------

async function readForm(req: IncomingMessage): Promise<URLSearchParams> {
  return parseForm((await readBody(req, FORM_LIMIT)).toString('utf8'), req.headers['content-type']);
}

/**
 * The form of an OAuth request (application/x-www-form-urlencoded). Unknown fields are ignored, as
 * RFC 6749 §3.2 asks; a JSON object of strings is read too, for clients that send one.
 */
export function parseForm(text: string, contentType: string | undefined): URLSearchParams {
  if ((contentType ?? '').includes('application/json')) {
    try {
      const parsed = JSON.parse(text) as unknown;
      if (parsed && typeof parsed === 'object' && !Array.isArray(parsed)) {
        const strings = Object.entries(parsed).filter(
          (entry): entry is [string, string] => typeof entry[1] === 'string',
        );
        return new URLSearchParams(strings);
      }
    } catch {
      // Not JSON after all: read it as a form.
    }
  }
  return new URLSearchParams(text);
}

function oauthJson(res: ServerResponse, status: number, body: unknown, head = false): void {
  const payload = JSON.stringify(body);
  res.writeHead(status, {
    'content-type': 'application/json',
    'content-length': Buffer.byteLength(payload),
    // RFC 6749 §5.1: token answers are never cached.
    'cache-control': 'no-store',
    pragma: 'no-cache',
  });
  res.end(head ? undefined : payload);
}

/** The origin the client reached: the scheme of this connection and the Host it named (checked by the router on the LAN). */
/** SHA-256 of the server certificate this TLS connection presented; null over plain HTTP. */
function presentedCertificate(req: IncomingMessage): string | null {
  const socket = req.socket as TLSSocket;
  if (socket.encrypted !== true) return null;
  const certificate = socket.getCertificate();
  return certificate && 'fingerprint256' in certificate ? certificate.fingerprint256 : null;
}

export function baseUrlOf(req: IncomingMessage): string {
  const tls = (req.socket as TLSSocket).encrypted === true;
  const host = clip(req.headers.host, 255) ?? `${req.socket.localAddress ?? '127.0.0.1'}:${req.socket.localPort ?? ''}`;
  return `${tls ? 'https' : 'http'}://${host}`;
}

function headerText(value: string | string[] | undefined): string | null {
  return Array.isArray(value) ? (value[0] ?? null) : (value ?? null);
}
