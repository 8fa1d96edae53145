// The admin's side of Claude Code's /login: the sign-ins teammates asked for, approving one (which
// finds or makes the user and makes the key its tokens stand for), denying and revoking, and invites
// that approve a sign-in at once with settings chosen beforehand. Approving goes through the same
// governance handlers as the admin API's own user and key routes, so a sign-in's key is validated and
// budgeted exactly like a key made by hand.
import type { RouteResponse } from '../../shared/contract.js';
import type { InviteInput, SignInApproval, SignInView, VirtualKeyCreate } from '../../shared/schemas.js';
import type { SignIn } from '../store/sign-ins.js';
import { iso, isoOrNull } from '../store/time.js';
import type { GatewayContext } from './context.js';
import type { governanceHandlers } from './admin-governance.js';
import { GatewayError, notFound } from './errors.js';
import { DEVICE_PAGE_PATH } from './sign-in.js';

type Governance = ReturnType<typeof governanceHandlers>;
type Approved = RouteResponse<'approveSignIn'>;

/** How long an invite can be used unless it says otherwise. */
const INVITE_SECONDS = 7 * 86_400;

/** `serverCertificate`: the LAN certificate teammates pin now (LanSharing.serverCertificate()). */
export function signInView(signIn: SignIn, serverCertificate: string | null): SignInView {
  return {
    id: signIn.id,
    user_code: signIn.userCode,
    name: signIn.name,
    email: signIn.email,
    surface: signIn.surface,
    // Codes nobody has entered never reach the admin's list; a direct lookup shows them as pending.
    status: signIn.status === 'started' ? 'pending' : signIn.status,
    created_at: iso(signIn.createdAt),
    expires_at: iso(signIn.expiresAt),
    decided_at: isoOrNull(signIn.decidedAt),
    user_id: signIn.userId,
    virtual_key_id: signIn.virtualKeyId,
    address: signIn.address,
    user_agent: signIn.userAgent,
    pinned_certificate_sha256: signIn.pinnedCertificate,
    must_sign_in_again:
      signIn.status === 'approved' &&
      signIn.pinnedCertificate !== null &&
      serverCertificate !== null &&
      signIn.pinnedCertificate !== serverCertificate,
  };
}

export function signInHandlers(ctx: GatewayContext, governance: Governance) {
  const signInOr404 = (id: string): SignIn => {
    const signIn = ctx.signIns.get(id);
    if (!signIn) throw notFound(`No sign-in with id ${id}.`);
    return signIn;
  };

  return {
    listSignIns: ({ query }: { query: { status?: SignInView['status'] | undefined } }) => {
      const certificate = ctx.lan.serverCertificate();
      return { sign_ins: ctx.signIns.list(query.status).map((signIn) => signInView(signIn, certificate)) };
    },
    approveSignIn: ({ params, body }: { params: { id: string }; body: SignInApproval }): Approved =>
      approveSignIn(ctx, governance, signInOr404(params.id), body),
    denySignIn: ({ params }: { params: { id: string } }) => {
      const signIn = signInOr404(params.id);
      if (!ctx.signIns.deny(signIn.id, ctx.clock())) throw notWaiting(signIn, 'denied');
      return { sign_in: signInView(signInOr404(signIn.id), ctx.lan.serverCertificate()) };
    },
    revokeSignIn: ({ params }: { params: { id: string } }) => {
      const signIn = signInOr404(params.id);
      const at = ctx.clock();
      ctx.transaction(() => {
        if (!ctx.signIns.revoke(signIn.id, at)) {
          throw new GatewayError(
            409,
            'invalid_request_error',
            `Sign-in ${signIn.id} is ${signIn.status}, not approved: there is nothing to revoke.`,
          );
        }
        // The key the sign-in stood for is switched off too, so the key list says so.
        if (signIn.virtualKeyId) ctx.keys.modify(signIn.virtualKeyId, { is_active: false }, at);
      });
      return { sign_in: signInView(signInOr404(signIn.id), ctx.lan.serverCertificate()) };
    },
    createInvite: ({ body }: { body: InviteInput }): RouteResponse<'createInvite'> => {
      const at = ctx.clock();
      if (body.team_id) governance.getTeam({ params: { id: body.team_id }, body: undefined });
      const settings: InviteInput = {
        ...(body.user && { user: body.user }),
        ...(body.team_id && { team_id: body.team_id }),
        ...(body.key && { key: body.key }),
      };
      const { invite, code } = ctx.signIns.createInvite(settings, body.expires_in ?? INVITE_SECONDS, at);
      return {
        invite_url: `${teammateBaseUrl(ctx)}${DEVICE_PAGE_PATH}?invite=${encodeURIComponent(code)}`,
        code,
        expires_at: iso(invite.expiresAt),
      };
    },
  };
}

/**
 * Approves a pending sign-in: finds or makes its user, makes its key (named after the person and the
 * client), and records both on the sign-in, in one transaction; the client's next poll gets its tokens.
 * The user is `approval.user_id`, else `approval.user` created, else the user with the email the
 * teammate entered, else one created from their name and email.
 */
export function approveSignIn(
  ctx: GatewayContext,
  governance: Governance,
  signIn: SignIn,
  approval: SignInApproval,
  inviteId?: string,
): Approved {
  const at = ctx.clock();
  if (signIn.status !== 'pending') throw notWaiting(signIn, 'approved');
  if (at >= signIn.expiresAt) {
    throw new GatewayError(
      409,
      'invalid_request_error',
      `Sign-in ${signIn.userCode} expired at ${iso(signIn.expiresAt)}: ask ${signIn.name ?? 'the teammate'} to run /login again.`,
    );
  }
  return ctx.transaction(() => {
    const user = userFor(ctx, governance, signIn, approval);
    const key: VirtualKeyCreate = {
      ...ctx.settings.config.sign_in_key_template,
      ...approval.key,
      name: approval.key?.name ?? `${user.name} · ${surfaceLabel(signIn.surface)}`,
      description:
        approval.key?.description ??
        `Made when ${user.name} signed in with ${surfaceLabel(signIn.surface)} (code ${signIn.userCode}).`,
      user_id: user.id,
      team_id: approval.key?.team_id !== undefined ? approval.key.team_id : user.team_id,
    };
    const { value: _secret, ...virtualKey } = governance.createVirtualKey({ body: key }).virtual_key;
    ctx.signIns.approve(signIn.id, { userId: user.id, virtualKeyId: virtualKey.id, ...(inviteId && { inviteId }) }, at);
    const approved = ctx.signIns.get(signIn.id);
    if (!approved) throw new Error(`sign-in ${signIn.id} vanished while being approved`);
    return { sign_in: signInView(approved, ctx.lan.serverCertificate()), user, virtual_key: virtualKey };
  });
}

function userFor(
  ctx: GatewayContext,
  governance: Governance,
  signIn: SignIn,
  approval: SignInApproval,
): Approved['user'] {
  if (approval.user_id) return governance.getUser({ params: { id: approval.user_id }, body: undefined }).user;
  // A person who is already a user (the same email) is never made twice.
  const wanted = (approval.user ? approval.user.email : signIn.email)?.trim().toLowerCase();
  const existing = wanted
    ? ctx.organisation.all('user').find((user) => user.email?.toLowerCase() === wanted)
    : undefined;
  if (existing) return governance.getUser({ params: { id: existing.id }, body: undefined }).user;
  if (approval.user) return governance.createUser({ params: {}, body: approval.user }).user;
  return governance.createUser({
    params: {},
    body: { name: signIn.name ?? signIn.email ?? `Sign-in ${signIn.userCode}`, email: signIn.email },
  }).user;
}

function notWaiting(signIn: SignIn, wanted: 'approved' | 'denied'): GatewayError {
  const state = signIn.status === 'started' ? 'still waiting for the teammate to enter the code' : signIn.status;
  return new GatewayError(409, 'invalid_request_error', `Sign-in ${signIn.id} cannot be ${wanted}: it is ${state}.`);
}

const surfaceLabel = (surface: string | null): string =>
  surface === 'claude_code' ? 'Claude Code' : surface ? surface.slice(0, 40) : 'a client';

/** The address a teammate reaches the gateway at: the LAN one while sharing, else this machine's. */
export function teammateBaseUrl(ctx: GatewayContext): string {
  return ctx.lan.status().urls[0] ?? ctx.localUrl();
}
