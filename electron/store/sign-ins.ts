// Sign-ins through Claude Code's /login: the OAuth device flow's state (RFC 8628), the tokens it
// issues and the invites that approve one at once. The store keeps the facts and their transitions;
// the HTTP side (electron/gateway/sign-in.ts) speaks the protocol, and approving (which makes a user
// and a key) is electron/gateway/admin-sign-ins.ts.
//
// A sign-in is `started` when a client asks for a device code, `pending` once the teammate has
// entered that code with their name and email on /device (only then does the admin see it), then
// `approved` or `denied`, and `revoked` when the admin takes an approval back. Device codes, tokens and
// invite codes are random, shown once and stored as SHA-256 hashes.
import { randomBytes, randomInt } from 'node:crypto';
import type { Db } from './database.js';
import { hashKey } from './virtual-keys.js';

export type SignInStatus = 'started' | 'pending' | 'approved' | 'denied' | 'revoked';

export interface SignIn {
  id: string;
  userCode: string;
  status: SignInStatus;
  surface: string | null;
  userAgent: string | null;
  address: string | null;
  name: string | null;
  email: string | null;
  createdAt: number;
  expiresAt: number;
  claimedAt: number | null;
  decidedAt: number | null;
  userId: string | null;
  virtualKeyId: string | null;
  inviteId: string | null;
  intervalSeconds: number;
  tokenIssuedAt: number | null;
  /** SHA-256 of the LAN server certificate the client signed in over, which it pinned; null over plain HTTP. */
  pinnedCertificate: string | null;
}

interface SignInRow {
  id: string;
  user_code: string;
  status: SignInStatus;
  surface: string | null;
  user_agent: string | null;
  address: string | null;
  name: string | null;
  email: string | null;
  created_at: number;
  expires_at: number;
  claimed_at: number | null;
  decided_at: number | null;
  user_id: string | null;
  virtual_key_id: string | null;
  invite_id: string | null;
  interval_seconds: number;
  last_polled_at: number | null;
  token_issued_at: number | null;
  pinned_certificate_sha256: string | null;
}

/** What a token poll (the device grant) comes to, in the protocol's terms. */
export type DevicePoll =
  | { outcome: 'issue'; signIn: SignIn }
  | { outcome: 'authorization_pending' | 'slow_down' | 'access_denied' | 'expired_token' | 'invalid_grant' };

export interface IssuedTokens {
  accessToken: string;
  refreshToken: string;
  /** Seconds the access token lasts. */
  expiresIn: number;
}

/** A bearer token's standing: the sign-in behind it, or why it no longer works. */
export type TokenStanding = { ok: true; signIn: SignIn } | { ok: false; reason: 'unknown' | 'expired' | 'revoked' };

export interface Invite {
  id: string;
  settings: unknown;
  createdAt: number;
  expiresAt: number;
  signInId: string | null;
}

/** RFC 8628 §6.1: twenty consonants, no vowels (no words), no look-alikes. */
const USER_CODE_ALPHABET = 'BCDFGHJKLMNPQRSTVWXZ';
export const ACCESS_TOKEN_PREFIX = 'tg-at-';
export const REFRESH_TOKEN_PREFIX = 'tg-rt-';

export interface SignInLifetimes {
  /** How long a device code may wait for the teammate and the admin. */
  deviceCodeSeconds: number;
  /** How often the client is told to poll. */
  intervalSeconds: number;
  accessTokenSeconds: number;
  refreshTokenSeconds: number;
}

export const DEFAULT_SIGN_IN_LIFETIMES: SignInLifetimes = {
  // Longer than the protocol's example 600: the admin has to notice the tray notification.
  deviceCodeSeconds: 15 * 60,
  intervalSeconds: 5,
  accessTokenSeconds: 60 * 60,
  refreshTokenSeconds: 90 * 86_400,
};

/** RFC 8628 §3.5: a client that polls faster than its interval is told to slow down, by five seconds. */
const SLOW_DOWN_SECONDS = 5;
/** A poll this much early still counts as on time: timers drift. */
const POLL_TOLERANCE_MS = 1_000;

export class SignInStore {
  private readonly statements;

  constructor(
    private readonly db: Db,
    readonly lifetimes: SignInLifetimes = DEFAULT_SIGN_IN_LIFETIMES,
  ) {
    this.statements = {
      insert: db.prepare(
        `INSERT INTO sign_ins (id, device_code_hash, user_code, status, surface, user_agent, address, created_at, expires_at, interval_seconds)
         VALUES (@id, @device_code_hash, @user_code, 'started', @surface, @user_agent, @address, @created_at, @expires_at, @interval_seconds)`,
      ),
      byId: db.prepare<[string], SignInRow>('SELECT * FROM sign_ins WHERE id = ?'),
      byDeviceCode: db.prepare<[string], SignInRow>('SELECT * FROM sign_ins WHERE device_code_hash = ?'),
      liveByUserCode: db.prepare<[string, number], SignInRow>(
        `SELECT * FROM sign_ins WHERE user_code = ? AND status IN ('started', 'pending') AND expires_at > ? LIMIT 1`,
      ),
      userCodeTaken: db.prepare<[string, number], { id: string }>(
        `SELECT id FROM sign_ins WHERE user_code = ? AND status IN ('started', 'pending') AND expires_at > ? LIMIT 1`,
      ),
      liveStarted: db.prepare<[number], { count: number }>(
        `SELECT COUNT(*) AS count FROM sign_ins WHERE status IN ('started', 'pending') AND expires_at > ?`,
      ),
      list: db.prepare<[], SignInRow>(`SELECT * FROM sign_ins WHERE status <> 'started' ORDER BY created_at DESC, id`),
      listByStatus: db.prepare<[string], SignInRow>(
        'SELECT * FROM sign_ins WHERE status = ? ORDER BY created_at DESC, id',
      ),
      livePending: db.prepare<[number, number], SignInRow>(
        `SELECT * FROM sign_ins WHERE status = 'pending' AND expires_at > ? ORDER BY created_at DESC, id LIMIT ?`,
      ),
      byKey: db.prepare<[string], SignInRow>('SELECT * FROM sign_ins WHERE virtual_key_id = ?'),
      claim: db.prepare(
        `UPDATE sign_ins SET status = 'pending', name = @name, email = @email, claimed_at = @at
         WHERE id = @id AND status = 'started'`,
      ),
      decide: db.prepare(
        `UPDATE sign_ins SET status = @status, decided_at = @at, user_id = COALESCE(@user_id, user_id),
           virtual_key_id = COALESCE(@virtual_key_id, virtual_key_id), invite_id = COALESCE(@invite_id, invite_id)
         WHERE id = @id AND status IN ('started', 'pending')`,
      ),
      revoke: db.prepare(
        `UPDATE sign_ins SET status = 'revoked', decided_at = @at WHERE id = @id AND status = 'approved'`,
      ),
      polled: db.prepare('UPDATE sign_ins SET last_polled_at = @at, interval_seconds = @interval WHERE id = @id'),
      issued: db.prepare(
        `UPDATE sign_ins SET token_issued_at = @at, pinned_certificate_sha256 = @pinned
         WHERE id = @id AND token_issued_at IS NULL`,
      ),
      // Approved sign-ins whose client can still refresh: the ones a replaced certificate strands.
      pinnedElsewhere: db.prepare<[{ fingerprint: string; now: number }], { count: number }>(
        `SELECT COUNT(*) AS count FROM sign_ins s
         WHERE s.status = 'approved' AND s.pinned_certificate_sha256 IS NOT NULL
           AND s.pinned_certificate_sha256 <> @fingerprint
           AND EXISTS (SELECT 1 FROM oauth_tokens t WHERE t.sign_in_id = s.id AND t.kind = 'refresh'
                       AND t.revoked_at IS NULL AND t.expires_at > @now)`,
      ),
      insertToken: db.prepare(
        `INSERT INTO oauth_tokens (token_hash, sign_in_id, kind, created_at, expires_at)
         VALUES (@token_hash, @sign_in_id, @kind, @created_at, @expires_at)`,
      ),
      token: db.prepare<
        [string],
        { sign_in_id: string; kind: 'access' | 'refresh'; expires_at: number; revoked_at: number | null }
      >('SELECT sign_in_id, kind, expires_at, revoked_at FROM oauth_tokens WHERE token_hash = ?'),
      revokeToken: db.prepare(
        'UPDATE oauth_tokens SET revoked_at = @at WHERE token_hash = @token_hash AND revoked_at IS NULL',
      ),
      revokeTokensOf: db.prepare(
        'UPDATE oauth_tokens SET revoked_at = @at WHERE sign_in_id = @id AND revoked_at IS NULL',
      ),
      pruneStarted: db.prepare<[number]>(`DELETE FROM sign_ins WHERE status = 'started' AND expires_at < ?`),
      pruneTokens: db.prepare<[number]>('DELETE FROM oauth_tokens WHERE expires_at < ?'),
      insertInvite: db.prepare(
        `INSERT INTO invites (id, code_hash, settings, created_at, expires_at) VALUES (@id, @code_hash, @settings, @created_at, @expires_at)`,
      ),
      inviteByCode: db.prepare<
        [string],
        { id: string; settings: string; created_at: number; expires_at: number; sign_in_id: string | null }
      >('SELECT id, settings, created_at, expires_at, sign_in_id FROM invites WHERE code_hash = ?'),
      useInvite: db.prepare(
        'UPDATE invites SET sign_in_id = @sign_in_id, used_at = @at WHERE id = @id AND sign_in_id IS NULL',
      ),
    };
  }

  /** RFC 8628 §3.2: a new device code (returned once) and user code. */
  start(
    client: { surface: string | null; userAgent: string | null; address: string | null },
    now: number,
  ): { signIn: SignIn; deviceCode: string } {
    const deviceCode = randomBytes(32).toString('base64url');
    const id = `si_${randomBytes(9).toString('base64url')}`;
    this.db
      .transaction(() => {
        this.statements.pruneStarted.run(now);
        this.statements.insert.run({
          id,
          device_code_hash: hashKey(deviceCode),
          user_code: this.freeUserCode(now),
          surface: client.surface,
          user_agent: client.userAgent,
          address: client.address,
          created_at: now,
          expires_at: now + this.lifetimes.deviceCodeSeconds * 1000,
          interval_seconds: this.lifetimes.intervalSeconds,
        });
      })
      .immediate();
    return { signIn: this.mustGet(id), deviceCode };
  }

  /** Sign-ins waiting for a teammate or the admin, for the cap on how many may wait at once. */
  waiting(now: number): number {
    return this.statements.liveStarted.get(now)?.count ?? 0;
  }

  get(id: string): SignIn | null {
    const row = this.statements.byId.get(id);
    return row ? toSignIn(row) : null;
  }

  /** The admin's list: every sign-in a teammate has asked for (codes nobody entered are left out). */
  list(status?: Exclude<SignInStatus, 'started'>): SignIn[] {
    const rows = status ? this.statements.listByStatus.all(status) : this.statements.list.all();
    return rows.map(toSignIn);
  }

  /** Sign-ins waiting for the admin whose code still works, newest first, at most `limit`. */
  livePending(now: number, limit: number): SignIn[] {
    return this.statements.livePending.all(now, limit).map(toSignIn);
  }

  /** The sign-in a virtual key was made for, if any. */
  forKey(keyId: string): SignIn | null {
    const row = this.statements.byKey.get(keyId);
    return row ? toSignIn(row) : null;
  }

  /** The sign-in a user code names while it can still be entered; codes are compared without case or dashes. */
  findByUserCode(userCode: string, now: number): SignIn | null {
    const row = this.statements.liveByUserCode.get(normaliseUserCode(userCode), now);
    return row ? toSignIn(row) : null;
  }

  /** The teammate entered the code on /device with their name and email: the admin sees it from now on. */
  claim(id: string, person: { name: string; email: string }, now: number): boolean {
    return this.statements.claim.run({ id, name: person.name, email: person.email, at: now }).changes > 0;
  }

  approve(id: string, grant: { userId: string; virtualKeyId: string; inviteId?: string }, now: number): boolean {
    return (
      this.statements.decide.run({
        id,
        status: 'approved',
        at: now,
        user_id: grant.userId,
        virtual_key_id: grant.virtualKeyId,
        invite_id: grant.inviteId ?? null,
      }).changes > 0
    );
  }

  deny(id: string, now: number): boolean {
    return (
      this.statements.decide.run({
        id,
        status: 'denied',
        at: now,
        user_id: null,
        virtual_key_id: null,
        invite_id: null,
      }).changes > 0
    );
  }

  /** Takes an approval back: its tokens stop working at once, and the next refresh is refused. */
  revoke(id: string, now: number): boolean {
    return this.db.transaction(() => {
      const changed = this.statements.revoke.run({ id, at: now }).changes > 0;
      if (changed) this.statements.revokeTokensOf.run({ id, at: now });
      return changed;
    })();
  }

  /** One poll of the token endpoint with a device code (RFC 8628 §3.4, §3.5). */
  poll(deviceCode: string, now: number): DevicePoll {
    const row = this.statements.byDeviceCode.get(hashKey(deviceCode));
    if (!row) return { outcome: 'invalid_grant' };
    const signIn = toSignIn(row);
    if (signIn.status === 'denied' || signIn.status === 'revoked') return { outcome: 'access_denied' };
    // Single use: a device code that has been exchanged for tokens is spent.
    if (signIn.tokenIssuedAt !== null) return { outcome: 'invalid_grant' };
    // Before the approval counts: a device code lives expires_in seconds (RFC 8628 §3.2), approved or not.
    if (now >= signIn.expiresAt) return { outcome: 'expired_token' };
    if (signIn.status === 'approved') return { outcome: 'issue', signIn };
    const early =
      row.last_polled_at !== null && now - row.last_polled_at < row.interval_seconds * 1000 - POLL_TOLERANCE_MS;
    const interval = early ? row.interval_seconds + SLOW_DOWN_SECONDS : row.interval_seconds;
    this.statements.polled.run({ id: row.id, at: now, interval });
    return { outcome: early ? 'slow_down' : 'authorization_pending' };
  }

  /** Issues the first tokens of an approved sign-in; null when they were issued already (a race of two polls). */
  issueFirst(signInId: string, now: number, pinnedCertificate: string | null = null): IssuedTokens | null {
    return this.db
      .transaction(() => {
        if (this.statements.issued.run({ id: signInId, at: now, pinned: pinnedCertificate }).changes === 0) return null;
        return this.mint(signInId, now);
      })
      .immediate();
  }

  /**
   * Live sign-ins (approved, able to refresh) whose client pinned a LAN certificate other than
   * `fingerprint`: after the certificate changes, their teammates must run /login again.
   */
  pinnedElsewhere(fingerprint: string, now: number): number {
    return this.statements.pinnedElsewhere.get({ fingerprint, now })?.count ?? 0;
  }

  /** The refresh grant: a new pair for a live refresh token, which is spent (rotation). */
  refresh(refreshToken: string, now: number): { tokens: IssuedTokens; signIn: SignIn } | null {
    return this.db
      .transaction(() => {
        const standing = this.standing(refreshToken, 'refresh', now);
        if (!standing.ok) return null;
        this.statements.revokeToken.run({ token_hash: hashKey(refreshToken), at: now });
        return { tokens: this.mint(standing.signIn.id, now), signIn: standing.signIn };
      })
      .immediate();
  }

  /**
   * RFC 7009: revokes one token, whichever kind, and answers whose and which it was (null for a token
   * unknown or revoked already, which is no error). A live refresh token takes
   * its sign-in's access tokens with it (§2.1 SHOULD): sign-out is best effort, and the client's first
   * request, for the bearer, may never have arrived.
   */
  revokeToken(token: string, now: number): { signInId: string; kind: 'access' | 'refresh' } | null {
    const tokenHash = hashKey(token);
    return this.db.transaction(() => {
      const row = this.statements.token.get(tokenHash);
      const revoked = this.statements.revokeToken.run({ token_hash: tokenHash, at: now }).changes > 0;
      if (revoked && row?.kind === 'refresh') this.statements.revokeTokensOf.run({ id: row.sign_in_id, at: now });
      return revoked && row ? { signInId: row.sign_in_id, kind: row.kind } : null;
    })();
  }

  /** What a presented token comes to: its approved sign-in, or why not. */
  standing(token: string, kind: 'access' | 'refresh', now: number): TokenStanding {
    const row = this.statements.token.get(hashKey(token));
    if (!row || row.kind !== kind) return { ok: false, reason: 'unknown' };
    const signIn = this.get(row.sign_in_id);
    if (!signIn || row.revoked_at !== null || signIn.status !== 'approved') return { ok: false, reason: 'revoked' };
    if (now >= row.expires_at) return { ok: false, reason: 'expired' };
    return { ok: true, signIn };
  }

  /** Forgets device codes nobody entered and tokens past their expiry. */
  prune(now: number): void {
    this.db.transaction(() => {
      this.statements.pruneStarted.run(now);
      this.statements.pruneTokens.run(now);
    })();
  }

  createInvite(settings: unknown, expiresInSeconds: number, now: number): { invite: Invite; code: string } {
    const code = randomBytes(18).toString('base64url');
    const id = `inv_${randomBytes(9).toString('base64url')}`;
    this.statements.insertInvite.run({
      id,
      code_hash: hashKey(code),
      settings: JSON.stringify(settings),
      created_at: now,
      expires_at: now + expiresInSeconds * 1000,
    });
    return { invite: { id, settings, createdAt: now, expiresAt: now + expiresInSeconds * 1000, signInId: null }, code };
  }

  /** An invite that can still be used, by its code. */
  usableInvite(code: string, now: number): Invite | null {
    const row = this.statements.inviteByCode.get(hashKey(code));
    if (!row || row.sign_in_id !== null || now >= row.expires_at) return null;
    return {
      id: row.id,
      settings: JSON.parse(row.settings) as unknown,
      createdAt: row.created_at,
      expiresAt: row.expires_at,
      signInId: null,
    };
  }

  /** Spends an invite on a sign-in; false when another sign-in spent it first. */
  useInvite(inviteId: string, signInId: string, now: number): boolean {
    return this.statements.useInvite.run({ id: inviteId, sign_in_id: signInId, at: now }).changes > 0;
  }

  private mint(signInId: string, now: number): IssuedTokens {
    const accessToken = ACCESS_TOKEN_PREFIX + randomBytes(32).toString('base64url');
    const refreshToken = REFRESH_TOKEN_PREFIX + randomBytes(32).toString('base64url');
    const { accessTokenSeconds, refreshTokenSeconds } = this.lifetimes;
    for (const [token, kind, seconds] of [
      [accessToken, 'access', accessTokenSeconds],
      [refreshToken, 'refresh', refreshTokenSeconds],
    ] as const) {
      this.statements.insertToken.run({
        token_hash: hashKey(token),
        sign_in_id: signInId,
        kind,
        created_at: now,
        expires_at: now + seconds * 1000,
      });
    }
    return { accessToken, refreshToken, expiresIn: accessTokenSeconds };
  }

  private freeUserCode(now: number): string {
    for (;;) {
      const letters = Array.from({ length: 8 }, () => USER_CODE_ALPHABET[randomInt(USER_CODE_ALPHABET.length)]);
      const code = `${letters.slice(0, 4).join('')}-${letters.slice(4).join('')}`;
      if (!this.statements.userCodeTaken.get(code, now)) return code;
    }
  }

  private mustGet(id: string): SignIn {
    const signIn = this.get(id);
    if (!signIn) throw new Error(`sign-in ${id} vanished`);
    return signIn;
  }
}

/** `wdjb mjht`, `WDJBMJHT` and `WDJB-MJHT` are the same code (RFC 8628 §6.1: be lenient with input). */
export function normaliseUserCode(text: string): string {
  const letters = text.toUpperCase().replace(/[^A-Z]/g, '');
  return letters.length === 8 ? `${letters.slice(0, 4)}-${letters.slice(4)}` : letters;
}

function toSignIn(row: SignInRow): SignIn {
  return {
    id: row.id,
    userCode: row.user_code,
    status: row.status,
    surface: row.surface,
    userAgent: row.user_agent,
    address: row.address,
    name: row.name,
    email: row.email,
    createdAt: row.created_at,
    expiresAt: row.expires_at,
    claimedAt: row.claimed_at,
    decidedAt: row.decided_at,
    userId: row.user_id,
    virtualKeyId: row.virtual_key_id,
    inviteId: row.invite_id,
    intervalSeconds: row.interval_seconds,
    tokenIssuedAt: row.token_issued_at,
    pinnedCertificate: row.pinned_certificate_sha256,
  };
}
