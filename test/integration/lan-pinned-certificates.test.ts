// Who must run /login again when the LAN certificate changes. Claude Code pins the server certificate
// it signs in over; a sign-in done over the LAN listener's TLS keeps the fingerprint its connection was
// shown. Moving sharing to an address the certificate never covered issues a new one: the LAN status
// counts the live sign-ins it strands, and the sign-ins list marks each one, until they are revoked.
// Real HTTP(S) on loopback addresses (127.0.0.2, 127.0.0.3 stand in for LAN ones), real SQLite.
import { X509Certificate } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { connect } from 'node:tls';
import { Agent, fetch as undiciFetch } from 'undici';
import { afterEach, describe, expect, it } from 'vitest';
import type { LanStatus, SignInView } from '../../shared/schemas.js';
import { startTestGateway, type TestGateway } from '../support/gateway.js';
import { DEVICE_GRANT, signInAs } from '../support/sign-in.js';

let gw: TestGateway | null = null;
const agents: Agent[] = [];

afterEach(async () => {
  await gw?.close();
  gw = null;
  await Promise.all(agents.splice(0).map((agent) => agent.close()));
});

function lan(gateway: TestGateway): LanStatus {
  return gateway.gateway.lan.status();
}

/** What the LAN listener at `url` presents in its TLS handshake. */
function presentedFingerprint(url: string, ca: string): Promise<string> {
  const { hostname, port } = new URL(url);
  return new Promise((resolve, reject) => {
    const socket = connect({ host: hostname, port: Number(port), ca }, () => {
      resolve(new X509Certificate(socket.getPeerCertificate(true).raw).fingerprint256);
      socket.end();
    });
    socket.on('error', reject);
  });
}

/** /login done over the LAN URL, as a teammate's Claude Code does it, trusting Tollgate's CA. */
async function signInOverLan(gateway: TestGateway, person: { name: string; email: string }): Promise<SignInView> {
  const [url] = lan(gateway).urls;
  const ca = lan(gateway).ca_certificate_path;
  if (!url || !ca) throw new Error(`not sharing over TLS: ${JSON.stringify(lan(gateway))}`);
  const agent = new Agent({ connect: { ca: readFileSync(ca, 'utf8') } });
  agents.push(agent);
  const form = (path: string, fields: Record<string, string>) =>
    undiciFetch(url + path, {
      method: 'POST',
      dispatcher: agent,
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams(fields).toString(),
    });
  const device = (await (await form('/oauth/device_authorization', { surface: 'claude_code' })).json()) as {
    device_code: string;
    user_code: string;
  };
  expect((await form('/device', { user_code: device.user_code, ...person })).status).toBe(200);
  const pending = await gateway.admin<{ sign_ins: SignInView[] }>('GET', '/api/sign-ins?status=pending');
  const signIn = pending.body.sign_ins.find((entry) => entry.user_code === device.user_code);
  expect((await gateway.admin('POST', `/api/sign-ins/${signIn?.id}/approve`, {})).status).toBe(200);
  const token = await form('/oauth/token', { grant_type: DEVICE_GRANT, device_code: device.device_code });
  expect(token.status).toBe(200);
  const listed = await signIns(gateway);
  const done = listed.find((entry) => entry.id === signIn?.id);
  if (!done) throw new Error('the sign-in is not listed');
  return done;
}

async function signIns(gateway: TestGateway): Promise<SignInView[]> {
  const { status, body } = await gateway.admin<{ sign_ins: SignInView[] }>('GET', '/api/sign-ins');
  expect(status).toBe(200);
  return body.sign_ins;
}

describe('the LAN certificate Claude Code pinned', () => {
  it('keeps the certificate each sign-in was shown, and names who a new certificate strands until they are revoked', async () => {
    gw = await startTestGateway({
      gateway: { lan: { enabled: true, tls: true, address: '127.0.0.2', port: 0 } },
    });
    const before = lan(gw);
    expect(before.server_fingerprint_sha256).toMatch(/^([0-9A-F]{2}:){31}[0-9A-F]{2}$/);
    expect(before.server_certificate_covers).toContain('127.0.0.2');
    const ca = readFileSync(before.ca_certificate_path ?? '', 'utf8');
    expect(await presentedFingerprint(before.urls[0] ?? '', ca)).toBe(before.server_fingerprint_sha256);

    const priya = await signInOverLan(gw, { name: 'Priya Raman', email: 'priya@example.com' });
    expect(priya).toMatchObject({
      status: 'approved',
      pinned_certificate_sha256: before.server_fingerprint_sha256,
      must_sign_in_again: false,
    });
    // Signed in over loopback's plain HTTP: nothing pinned, nothing stranded later.
    const local = await signInAs(gw, { name: 'Sam Okafor', email: 'sam@example.com' });
    expect((await signIns(gw)).find((entry) => entry.id === local.signIn.id)).toMatchObject({
      pinned_certificate_sha256: null,
      must_sign_in_again: false,
    });
    expect(lan(gw).sign_ins_pinned_to_old_certificate).toBe(0);

    // Moving back to an address it covers would keep it; this one it never covered.
    const moved = await gw.admin<LanStatus>('PUT', '/api/lan', { address: '127.0.0.3' });
    expect(moved.status).toBe(200);
    expect(moved.body.server_fingerprint_sha256).not.toBe(before.server_fingerprint_sha256);
    expect(moved.body.server_certificate_covers).toEqual(expect.arrayContaining(['127.0.0.2', '127.0.0.3']));
    expect(moved.body.sign_ins_pinned_to_old_certificate).toBe(1);
    const afterMove = await signIns(gw);
    expect(afterMove.find((entry) => entry.id === priya.id)?.must_sign_in_again).toBe(true);
    expect(afterMove.find((entry) => entry.id === local.signIn.id)?.must_sign_in_again).toBe(false);

    // Signing in again over the new certificate is not stranded; the old sign-in is, until revoked.
    const again = await signInOverLan(gw, { name: 'Priya Raman', email: 'priya@example.com' });
    expect(again).toMatchObject({
      pinned_certificate_sha256: moved.body.server_fingerprint_sha256,
      must_sign_in_again: false,
    });
    expect(lan(gw).sign_ins_pinned_to_old_certificate).toBe(1);
    expect((await gw.admin('POST', `/api/sign-ins/${priya.id}/revoke`)).status).toBe(200);
    expect(lan(gw).sign_ins_pinned_to_old_certificate).toBe(0);
    const revoked = (await signIns(gw)).find((entry) => entry.id === priya.id);
    expect(revoked).toMatchObject({ status: 'revoked', must_sign_in_again: false });
  });
});
