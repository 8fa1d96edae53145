// Claude Code's /login done over HTTP, as the CLI and the teammate would: a device code, the code
// entered on /device with a name and email, the admin's approval, then the first token poll. For
// tests that need a signed-in bearer; test/integration/sign-in.test.ts covers the flow itself.
import type { RouteResponse } from '../../shared/contract.js';
import type { SignInView } from '../../shared/schemas.js';
import type { ManualClock } from './clock.js';
import type { TestGateway } from './gateway.js';

export const DEVICE_GRANT = 'urn:ietf:params:oauth:grant-type:device_code';

export interface SignedIn {
  accessToken: string;
  refreshToken: string;
  email: string | undefined;
  signIn: SignInView;
  user: RouteResponse<'approveSignIn'>['user'];
  virtualKey: RouteResponse<'approveSignIn'>['virtual_key'];
}

export async function postForm(gw: TestGateway, path: string, fields: Record<string, string>): Promise<Response> {
  return fetch(gw.url + path, {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded', 'user-agent': 'claude-code/2.1.330' },
    body: new URLSearchParams(fields).toString(),
  });
}

/**
 * Signs a person in and returns the CLI's tokens. `clock`, when the gateway runs on one, is moved past
 * the poll interval before the token poll; on the real clock the poll comes after the approval anyway.
 */
export async function signInAs(
  gw: TestGateway,
  person: { name: string; email: string },
  approval: Record<string, unknown> = {},
  clock?: ManualClock,
): Promise<SignedIn> {
  const device = (await (await postForm(gw, '/oauth/device_authorization', { surface: 'claude_code' })).json()) as {
    device_code: string;
    user_code: string;
    interval: number;
  };
  const entered = await postForm(gw, '/device', { user_code: device.user_code, ...person });
  if (entered.status !== 200) throw new Error(`/device answered ${entered.status}: ${await entered.text()}`);
  const { body } = await gw.admin<{ sign_ins: SignInView[] }>('GET', '/api/sign-ins?status=pending');
  const pending = body.sign_ins.find((signIn) => signIn.user_code === device.user_code);
  if (!pending) throw new Error(`no pending sign-in ${device.user_code}`);
  const approved = await gw.admin<RouteResponse<'approveSignIn'>>(
    'POST',
    `/api/sign-ins/${pending.id}/approve`,
    approval,
  );
  if (approved.status !== 200)
    throw new Error(`approving answered ${approved.status}: ${JSON.stringify(approved.body)}`);
  clock?.advance(device.interval * 1000);
  const token = await postForm(gw, '/oauth/token', { grant_type: DEVICE_GRANT, device_code: device.device_code });
  const tokens = (await token.json()) as { access_token: string; refresh_token: string; email?: string };
  if (token.status !== 200) throw new Error(`the token poll answered ${token.status}: ${JSON.stringify(tokens)}`);
  return {
    accessToken: tokens.access_token,
    refreshToken: tokens.refresh_token,
    email: tokens.email,
    signIn: approved.body.sign_in,
    user: approved.body.user,
    virtualKey: approved.body.virtual_key,
  };
}
