// The edge cases the gateway protocol (shared/reference/claude-code-gateway-protocol.md) names for
// sign-in, below HTTP: the forms read with unknown fields ignored, RFC 8628's slow_down and interval,
// device codes past their lifetime, refresh (with rotation) after a sign-in or a token is revoked, and
// the If-None-Match values /managed/settings is asked with. The store runs on a real SQLite file with
// its migrations, and every step is given its own instant.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { ifNoneMatchNames, settingsChecksum } from '../../electron/gateway/managed-settings.js';
import { deviceAuthorizationRequest, OAuthError, parseForm, tokenRequest } from '../../electron/gateway/sign-in.js';
import { openDatabase, type Db } from '../../electron/store/database.js';
import { DEFAULT_SIGN_IN_LIFETIMES, SignInStore, type SignIn } from '../../electron/store/sign-ins.js';

const NOW = Date.parse('2026-12-07T10:00:00Z');
const SECOND = 1000;
const DEVICE_GRANT = 'urn:ietf:params:oauth:grant-type:device_code';
const FORM = 'application/x-www-form-urlencoded';
const CLIENT = { surface: 'claude_code', userAgent: 'claude-code/2.1.330', address: '127.0.0.1' };
const GRANT = { userId: 'user-1', virtualKeyId: 'key-1' };

let dir: string;
let db: Db;
let signIns: SignInStore;

beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'tollgate-sign-in-'));
  db = openDatabase(join(dir, 'tollgate.db'));
  signIns = new SignInStore(db);
});

afterEach(() => {
  db.close();
  rmSync(dir, { recursive: true, force: true });
});

/** The OAuth refusal tokenRequest throws for a form, as handleSignIn would answer it. */
function refusal(form: URLSearchParams): { status: number; body: OAuthError['body'] } {
  try {
    tokenRequest(form);
  } catch (error) {
    if (error instanceof OAuthError) return { status: error.status, body: error.body };
    throw error;
  }
  throw new Error('tokenRequest accepted the form');
}

/** A device code the teammate has entered on /device, waiting for the admin. */
function entered(at = NOW): { signIn: SignIn; deviceCode: string } {
  const started = signIns.start(CLIENT, at);
  expect(signIns.claim(started.signIn.id, { name: 'Priya', email: 'priya@example.com' }, at)).toBe(true);
  return started;
}

/** A sign-in approved and exchanged for its first tokens, as the CLI holds them. */
function signedIn(): { signIn: SignIn; deviceCode: string; accessToken: string; refreshToken: string } {
  const { signIn, deviceCode } = entered();
  signIns.approve(signIn.id, GRANT, NOW + 2 * SECOND);
  expect(signIns.poll(deviceCode, NOW + 5 * SECOND)).toMatchObject({ outcome: 'issue' });
  const tokens = signIns.issueFirst(signIn.id, NOW + 5 * SECOND);
  if (!tokens) throw new Error('no tokens issued');
  return { signIn, deviceCode, accessToken: tokens.accessToken, refreshToken: tokens.refreshToken };
}

describe('the sign-in forms ignore what they do not recognise', () => {
  it('reads surface from a device authorization form and ignores client_id, scope and any other field', () => {
    const form = parseForm('client_id=claude&scope=user%3Ainference&foo=bar&surface=claude_code&login_hint=x', FORM);
    expect(deviceAuthorizationRequest(form)).toEqual({ surface: 'claude_code' });
  });

  it('requires nothing of a device authorization form: an empty one, or one without a content type, starts a sign-in', () => {
    expect(deviceAuthorizationRequest(parseForm('', FORM))).toEqual({ surface: null });
    expect(deviceAuthorizationRequest(parseForm('scope=openid', undefined))).toEqual({ surface: null });
  });

  it('takes the first value of a repeated field, and clips a surface to 64 characters', () => {
    expect(deviceAuthorizationRequest(parseForm('surface=claude_code&surface=other', FORM))).toEqual({
      surface: 'claude_code',
    });
    expect(deviceAuthorizationRequest(parseForm(`surface=${'s'.repeat(500)}`, FORM)).surface).toHaveLength(64);
    const form = parseForm(
      new URLSearchParams([
        ['grant_type', DEVICE_GRANT],
        ['device_code', 'first'],
        ['device_code', 'second'],
      ]).toString(),
      FORM,
    );
    expect(tokenRequest(form)).toEqual({ grant: 'device_code', deviceCode: 'first' });
  });

  it('reads the device grant and its code from a token form with client_id, scope and unknown fields', () => {
    const form = parseForm(
      new URLSearchParams({
        grant_type: DEVICE_GRANT,
        device_code: 'AbK9-s3n4C8H',
        client_id: 'claude-code',
        scope: 'user:inference',
        surface: 'claude_code',
        foo: 'bar',
      }).toString(),
      FORM,
    );
    expect(tokenRequest(form)).toEqual({ grant: 'device_code', deviceCode: 'AbK9-s3n4C8H' });
  });

  it('reads the refresh grant and its token, ignoring scope and unknown fields; no token is read as none', () => {
    expect(tokenRequest(parseForm('grant_type=refresh_token&refresh_token=tg-rt-abc&scope=x&foo=bar', FORM))).toEqual({
      grant: 'refresh_token',
      refreshToken: 'tg-rt-abc',
    });
    expect(tokenRequest(parseForm('grant_type=refresh_token', FORM))).toEqual({
      grant: 'refresh_token',
      refreshToken: null,
    });
    expect(tokenRequest(parseForm('grant_type=refresh_token&refresh_token=', FORM))).toEqual({
      grant: 'refresh_token',
      refreshToken: null,
    });
  });

  it('refuses a device grant without a device code with invalid_request', () => {
    for (const text of [`grant_type=${encodeURIComponent(DEVICE_GRANT)}`, `grant_type=${DEVICE_GRANT}&device_code=`]) {
      expect(refusal(parseForm(text, FORM))).toMatchObject({ status: 400, body: { error: 'invalid_request' } });
    }
  });

  it('refuses a grant Tollgate does not issue, or none, with unsupported_grant_type whatever else the form holds', () => {
    for (const text of [
      'grant_type=password&username=a&password=b',
      'grant_type=client_credentials',
      'device_code=x',
    ]) {
      expect(refusal(parseForm(text, FORM))).toMatchObject({ status: 400, body: { error: 'unsupported_grant_type' } });
    }
  });

  it('reads a JSON object the same way, skipping fields that are not strings, and a body that only says JSON as a form', () => {
    const json = JSON.stringify({ grant_type: DEVICE_GRANT, device_code: 'abc', scope: ['a'], extra: 1, nested: {} });
    expect(tokenRequest(parseForm(json, 'application/json; charset=utf-8'))).toEqual({
      grant: 'device_code',
      deviceCode: 'abc',
    });
    expect(tokenRequest(parseForm('grant_type=refresh_token&refresh_token=r', 'application/json'))).toEqual({
      grant: 'refresh_token',
      refreshToken: 'r',
    });
  });
});

describe('polling a device code (RFC 8628 §3.5)', () => {
  it('answers authorization_pending to the first poll and to one a whole interval after it', () => {
    const { deviceCode } = signIns.start(CLIENT, NOW);
    expect(signIns.poll(deviceCode, NOW)).toEqual({ outcome: 'authorization_pending' });
    expect(signIns.poll(deviceCode, NOW + 5 * SECOND)).toEqual({ outcome: 'authorization_pending' });
  });

  it('answers slow_down to a poll faster than the interval, and from then on expects five seconds more', () => {
    const { signIn, deviceCode } = signIns.start(CLIENT, NOW);
    expect(signIn.intervalSeconds).toBe(DEFAULT_SIGN_IN_LIFETIMES.intervalSeconds);
    expect(signIns.poll(deviceCode, NOW)).toEqual({ outcome: 'authorization_pending' });
    expect(signIns.poll(deviceCode, NOW + SECOND)).toEqual({ outcome: 'slow_down' });
    expect(signIns.get(signIn.id)?.intervalSeconds).toBe(10);
    // Polling on at the old interval is still too fast: the client was to add five seconds for this
    // and all later polls, and each slow_down adds five more.
    expect(signIns.poll(deviceCode, NOW + 6 * SECOND)).toEqual({ outcome: 'slow_down' });
    expect(signIns.get(signIn.id)?.intervalSeconds).toBe(15);
    expect(signIns.poll(deviceCode, NOW + 21 * SECOND)).toEqual({ outcome: 'authorization_pending' });
    expect(signIns.poll(deviceCode, NOW + 36 * SECOND)).toEqual({ outcome: 'authorization_pending' });
    expect(signIns.get(signIn.id)?.intervalSeconds).toBe(15);
  });

  it('counts a poll up to a second early as on time, since timers drift', () => {
    const { deviceCode } = signIns.start(CLIENT, NOW);
    signIns.poll(deviceCode, NOW);
    expect(signIns.poll(deviceCode, NOW + 4 * SECOND)).toEqual({ outcome: 'authorization_pending' });
    expect(signIns.poll(deviceCode, NOW + 4 * SECOND + 3_999)).toEqual({ outcome: 'slow_down' });
  });

  it('answers slow_down while the entered code waits for the admin too', () => {
    const { deviceCode } = entered();
    expect(signIns.poll(deviceCode, NOW)).toEqual({ outcome: 'authorization_pending' });
    expect(signIns.poll(deviceCode, NOW + 2 * SECOND)).toEqual({ outcome: 'slow_down' });
  });

  it('issues once approved however soon the poll comes, and the device code is single-use', () => {
    const { signIn, deviceCode } = entered();
    signIns.poll(deviceCode, NOW);
    signIns.approve(signIn.id, GRANT, NOW + SECOND);
    expect(signIns.poll(deviceCode, NOW + 2 * SECOND)).toMatchObject({ outcome: 'issue', signIn: { id: signIn.id } });
    expect(signIns.issueFirst(signIn.id, NOW + 2 * SECOND)).not.toBeNull();
    expect(signIns.issueFirst(signIn.id, NOW + 2 * SECOND)).toBeNull();
    expect(signIns.poll(deviceCode, NOW + 10 * SECOND)).toEqual({ outcome: 'invalid_grant' });
  });

  it('answers access_denied once the admin declines, and invalid_grant to a code it never issued', () => {
    const { signIn, deviceCode } = entered();
    expect(signIns.deny(signIn.id, NOW + SECOND)).toBe(true);
    expect(signIns.poll(deviceCode, NOW + 5 * SECOND)).toEqual({ outcome: 'access_denied' });
    expect(signIns.poll('never-issued', NOW)).toEqual({ outcome: 'invalid_grant' });
  });
});

describe('expired codes', () => {
  const lifetime = DEFAULT_SIGN_IN_LIFETIMES.deviceCodeSeconds * SECOND;

  it('answers expired_token to every poll from the code’s expiry on, entered or not, never slow_down', () => {
    const started = signIns.start(CLIENT, NOW);
    const claimed = entered();
    expect(started.signIn.expiresAt).toBe(NOW + lifetime);
    expect(signIns.poll(started.deviceCode, NOW + lifetime - SECOND)).toEqual({ outcome: 'authorization_pending' });
    expect(signIns.poll(started.deviceCode, NOW + lifetime)).toEqual({ outcome: 'expired_token' });
    expect(signIns.poll(started.deviceCode, NOW + lifetime + 1)).toEqual({ outcome: 'expired_token' });
    expect(signIns.poll(claimed.deviceCode, NOW + lifetime + 60 * SECOND)).toEqual({ outcome: 'expired_token' });
  });

  it('no longer finds a user code once it has expired, however it is typed', () => {
    const { signIn } = signIns.start(CLIENT, NOW);
    const typed = signIn.userCode.replace('-', ' ').toLowerCase();
    expect(signIns.findByUserCode(signIn.userCode, NOW + lifetime - 1)?.id).toBe(signIn.id);
    expect(signIns.findByUserCode(typed, NOW + lifetime - 1)?.id).toBe(signIn.id);
    expect(signIns.findByUserCode(signIn.userCode, NOW + lifetime)).toBeNull();
    expect(signIns.findByUserCode(typed, NOW + lifetime + 60 * SECOND)).toBeNull();
  });

  it('issues no tokens for a code approved after it expired', () => {
    const { signIn, deviceCode } = entered();
    signIns.approve(signIn.id, GRANT, NOW + lifetime + SECOND);
    expect(signIns.poll(deviceCode, NOW + lifetime + 5 * SECOND)).toEqual({ outcome: 'expired_token' });
  });

  it('issues no tokens for a code approved in time but polled only after it expired', () => {
    const { signIn, deviceCode } = entered();
    signIns.approve(signIn.id, GRANT, NOW + lifetime - 2 * SECOND);
    expect(signIns.poll(deviceCode, NOW + lifetime - SECOND)).toMatchObject({ outcome: 'issue' });
    expect(signIns.poll(deviceCode, NOW + lifetime)).toEqual({ outcome: 'expired_token' });
  });
});

describe('refresh, rotation and revocation', () => {
  const later = NOW + 30 * 60 * SECOND;

  it('refreshes a live refresh token into a new pair and spends the old one (rotation)', () => {
    const { signIn, accessToken, refreshToken } = signedIn();
    const refreshed = signIns.refresh(refreshToken, later);
    if (!refreshed) throw new Error('the refresh was refused');
    expect(refreshed.signIn.id).toBe(signIn.id);
    expect(refreshed.tokens.expiresIn).toBe(DEFAULT_SIGN_IN_LIFETIMES.accessTokenSeconds);
    expect(refreshed.tokens.accessToken).not.toBe(accessToken);
    expect(refreshed.tokens.refreshToken).not.toBe(refreshToken);
    expect(signIns.standing(refreshed.tokens.accessToken, 'access', later)).toMatchObject({ ok: true });
    expect(signIns.standing(refreshToken, 'refresh', later)).toEqual({ ok: false, reason: 'revoked' });
    expect(signIns.refresh(refreshToken, later + SECOND)).toBeNull();
    expect(signIns.refresh(refreshed.tokens.refreshToken, later + SECOND)).not.toBeNull();
  });

  it('ends every token and refreshes nothing once the admin revokes the sign-in, rotated tokens too', () => {
    const first = signedIn();
    const rotated = signIns.refresh(first.refreshToken, later);
    if (!rotated) throw new Error('the refresh was refused');
    expect(signIns.revoke(first.signIn.id, later + SECOND)).toBe(true);
    const at = later + 2 * SECOND;
    for (const token of [first.accessToken, rotated.tokens.accessToken]) {
      expect(signIns.standing(token, 'access', at)).toEqual({ ok: false, reason: 'revoked' });
    }
    for (const token of [first.refreshToken, rotated.tokens.refreshToken]) {
      expect(signIns.standing(token, 'refresh', at)).toEqual({ ok: false, reason: 'revoked' });
      expect(signIns.refresh(token, at)).toBeNull();
    }
    expect(signIns.poll(first.deviceCode, at)).toEqual({ outcome: 'access_denied' });
  });

  it('refreshes nothing with a refresh token revoked on sign-out (RFC 7009), whose access token ends with it', () => {
    const { accessToken, refreshToken } = signedIn();
    signIns.revokeToken(refreshToken, later);
    expect(signIns.standing(refreshToken, 'refresh', later + SECOND)).toEqual({ ok: false, reason: 'revoked' });
    expect(signIns.refresh(refreshToken, later + SECOND)).toBeNull();
    // §2.1: revoking a refresh token SHOULD also invalidate the access tokens of the same grant.
    expect(signIns.standing(accessToken, 'access', later + SECOND)).toEqual({ ok: false, reason: 'revoked' });
  });

  it('ends an access token revoked on sign-out, and takes an unknown token as no error', () => {
    const { accessToken } = signedIn();
    signIns.revokeToken(accessToken, later);
    expect(signIns.standing(accessToken, 'access', later + SECOND)).toEqual({ ok: false, reason: 'revoked' });
    expect(() => signIns.revokeToken('never-issued', later)).not.toThrow();
  });

  it('refreshes nothing with an access token, and takes neither kind of token for the other', () => {
    const { accessToken, refreshToken } = signedIn();
    expect(signIns.refresh(accessToken, later)).toBeNull();
    expect(signIns.standing(accessToken, 'refresh', later)).toEqual({ ok: false, reason: 'unknown' });
    expect(signIns.standing(refreshToken, 'access', later)).toEqual({ ok: false, reason: 'unknown' });
    expect(signIns.refresh('never-issued', later)).toBeNull();
  });

  it('lets an access token and a refresh token lapse at the end of their lifetimes', () => {
    const { accessToken, refreshToken } = signedIn();
    const issued = NOW + 5 * SECOND;
    const { accessTokenSeconds, refreshTokenSeconds } = DEFAULT_SIGN_IN_LIFETIMES;
    expect(signIns.standing(accessToken, 'access', issued + accessTokenSeconds * SECOND - 1)).toMatchObject({
      ok: true,
    });
    expect(signIns.standing(accessToken, 'access', issued + accessTokenSeconds * SECOND)).toEqual({
      ok: false,
      reason: 'expired',
    });
    expect(signIns.refresh(refreshToken, issued + refreshTokenSeconds * SECOND)).toBeNull();
  });
});

describe('If-None-Match on /managed/settings', () => {
  const checksum = settingsChecksum({ model: 'claude-sonnet-4-6' });

  it('takes `*` as naming no checksum, so Claude Desktop’s probe is answered as if it sent no header', () => {
    // The protocol: a Code tab session sends `If-None-Match: *` asking only whether there are settings,
    // "Answer as you would without the header" (a 304 with x-cc-gateway-version and no-store would
    // instead stop the session from starting).
    expect(ifNoneMatchNames('*', checksum)).toBe(false);
    expect(ifNoneMatchNames(' * ', checksum)).toBe(false);
  });

  it('names the checksum as the client sends it, quoted, bare, or anywhere in a list of entity tags', () => {
    expect(ifNoneMatchNames(`"${checksum}"`, checksum)).toBe(true);
    expect(ifNoneMatchNames(checksum, checksum)).toBe(true);
    expect(ifNoneMatchNames(`"a", "${checksum}"`, checksum)).toBe(true);
    expect(ifNoneMatchNames(`"a",   "${checksum}"  ,"b"`, checksum)).toBe(true);
    expect(ifNoneMatchNames(['"a"', `"${checksum}"`], checksum)).toBe(true);
  });

  it('compares a weak validator by its value, as If-None-Match does (RFC 9110 §13.1.2)', () => {
    expect(ifNoneMatchNames(`W/"${checksum}"`, checksum)).toBe(true);
    expect(ifNoneMatchNames(`"a", W/"${checksum}"`, checksum)).toBe(true);
  });

  it('names nothing with another checksum, a part of this one, or an empty header', () => {
    expect(ifNoneMatchNames(`"${settingsChecksum({})}"`, checksum)).toBe(false);
    expect(ifNoneMatchNames(`"a", "b"`, checksum)).toBe(false);
    expect(ifNoneMatchNames(`"${checksum.slice(0, -1)}"`, checksum)).toBe(false);
    expect(ifNoneMatchNames(`"${checksum.slice('sha256:'.length)}"`, checksum)).toBe(false);
    expect(ifNoneMatchNames('', checksum)).toBe(false);
    expect(ifNoneMatchNames(undefined, checksum)).toBe(false);
  });
});
