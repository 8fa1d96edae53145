// The dashboard end to end, as a tech lead uses it: Debian's Chromium (through playwright-core) against a
// real headless gateway serving the built renderer, with only the Anthropic API stood in for. Traffic
// comes from the official SDK using the key the dashboard handed out. The tests are one journey in
// order (sign in, set up, watch traffic, govern it), each step building on the state the last one left.
import Anthropic from '@anthropic-ai/sdk';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { LogEntry } from '../../shared/schemas.js';
import {
  chromiumAvailable,
  CHROMIUM_PATH,
  ensureDashboardBuilt,
  launchChromium,
  isSnippet,
  openPage,
  signIn,
  type Snippet,
} from '../support/browser.js';
import { startTestGateway, type TestGateway } from '../support/gateway.js';

const SESSION = 'session-e2e-4f1c';
const SONNET = 'claude-sonnet-4-6';
const HAIKU = 'claude-haiku-4-5-20251001';
const TEAM = 'Platform';
const KEY = 'alice-laptop';
/** expect.poll waits one second by default; a busy machine running every suite at once needs more. */
const POLL = { timeout: 15_000 };

const available = chromiumAvailable();
if (!available) console.log(`Chromium not found at ${CHROMIUM_PATH}: skipping dashboard end-to-end tests`);
const suite = available ? describe : describe.skip;

suite('the dashboard in Chromium against a live gateway', () => {
  let handle: TestGateway;
  let browser: Browser;
  let context: BrowserContext;
  let page: Page;
  /** What the person copied from the key's one-time reveal: the only place the secret appears. */
  let snippet: Snippet;

  /** The SDK set up exactly as the copied snippet says, inside one Claude Code session. */
  const sdk = (): Anthropic =>
    new Anthropic({
      baseURL: snippet.env.ANTHROPIC_BASE_URL,
      authToken: snippet.env.ANTHROPIC_AUTH_TOKEN,
      maxRetries: 0,
      defaultHeaders: { 'x-claude-code-session-id': SESSION },
    });

  const ask = (model: string, text: string): Anthropic.MessageCreateParamsNonStreaming => ({
    model,
    max_tokens: 64,
    messages: [{ role: 'user', content: text }],
  });

  /** The SDK's refusal, or a failure when the call unexpectedly went through. */
  async function refusal(call: Promise<unknown>): Promise<InstanceType<typeof Anthropic.APIError>> {
    try {
      await call;
    } catch (error) {
      if (error instanceof Anthropic.APIError) return error;
      throw error;
    }
    throw new Error('the request was expected to be refused, but it succeeded');
  }

  const logRows = () =>
    page
      .getByRole('table', { name: 'Requests' })
      .getByRole('row')
      .filter({ has: page.getByRole('cell') });

  beforeAll(async () => {
    const dashboardDir = await ensureDashboardBuilt();
    handle = await startTestGateway({ gateway: { dashboardDir } });
    // This journey is a tech lead who set up earlier; the first-run steps have their own test.
    expect((await handle.admin('POST', '/api/onboarding/complete')).status).toBe(200);
    browser = await launchChromium();
    context = await browser.newContext({ viewport: { width: 1440, height: 900 } });
    await context.grantPermissions(['clipboard-read', 'clipboard-write'], { origin: handle.url });
    page = await context.newPage();
    page.setDefaultTimeout(15_000);
  });

  afterAll(async () => {
    await browser?.close();
    await handle?.close();
  });

  it('refuses a wrong admin token with a message, then signs in with the right one', async () => {
    await page.goto(`${handle.url}/dashboard/`);
    await page.getByLabel('Admin token').fill('not-the-token');
    await page.getByRole('button', { name: 'Sign in' }).click();
    await page.getByRole('alert').filter({ hasText: 'That admin token was not accepted' }).waitFor();

    await signIn(page, handle.url, handle.gateway.adminToken);
    await page.getByRole('heading', { level: 1, name: 'Overview' }).waitFor();
    // Kept for this tab only (page scripts run in the browser, so they are passed as text).
    expect(await page.evaluate("sessionStorage.getItem('tollgate.adminToken')")).toBe(handle.gateway.adminToken);
  });

  it('creates a team with a daily budget in place on the organisation page', async () => {
    await openPage(page, 'Organisation');
    await page.getByRole('button', { name: 'Add team', exact: true }).click();
    const form = page.getByRole('form', { name: 'New team' });
    await form.getByLabel('Name').fill(TEAM);
    await form.getByRole('button', { name: 'Add budget' }).click();
    await form.getByLabel('Limit (USD)').fill('5');
    await form.getByRole('button', { name: 'Create team' }).click();

    await page
      .getByRole('status')
      .filter({ hasText: `Created team “${TEAM}”.` })
      .waitFor();
    await page.getByRole('button', { name: `Edit team ${TEAM}` }).waitFor();
    const { body } = await handle.admin<{
      teams: { name: string; budgets: { max_limit: number; reset_duration: string }[] }[];
    }>('GET', '/api/governance/teams');
    expect(body.teams).toEqual([
      expect.objectContaining({
        name: TEAM,
        budgets: [expect.objectContaining({ max_limit: 5, reset_duration: '1d' })],
      }),
    ]);
  });

  it('creates a key in that team and copies a settings.json snippet that points Claude Code at the gateway', async () => {
    await openPage(page, 'Keys');
    await page.getByRole('main').getByRole('button', { name: 'Create key' }).first().click();
    const form = page.getByRole('dialog', { name: 'Create a key' });
    await form.getByLabel('Name', { exact: true }).fill(KEY);
    await form.getByLabel('Team', { exact: true }).selectOption({ label: TEAM });
    await form.getByLabel('Capture prompts and responses').check();
    await form.getByRole('button', { name: 'Create key' }).click();

    const reveal = page.getByRole('dialog', { name: `Key “${KEY}” created` });
    await reveal.getByRole('button', { name: 'Copy Claude Code settings.json' }).click();
    await reveal
      .getByRole('button', { name: 'Copy Claude Code settings.json' })
      .filter({ hasText: 'Copied' })
      .waitFor();
    const copied = await page.evaluate('navigator.clipboard.readText()');
    if (typeof copied !== 'string') throw new Error('the clipboard holds no text');
    const shown = await reveal.getByLabel('Claude Code settings.json', { exact: true }).innerText();
    expect(copied).toBe(shown);

    const parsed: unknown = JSON.parse(copied);
    if (!isSnippet(parsed)) throw new Error(`the copied snippet is not a settings.json env block: ${copied}`);
    snippet = parsed;
    expect(snippet.env.ANTHROPIC_BASE_URL).toBe(handle.url);
    expect(snippet.env.ANTHROPIC_AUTH_TOKEN).toMatch(/^sk-tg-/);
    expect(await reveal.getByLabel(`Virtual key “${KEY}”`).inputValue()).toBe(snippet.env.ANTHROPIC_AUTH_TOKEN);

    await reveal.getByRole('button', { name: 'I have copied it' }).click();
    const row = page.getByRole('row').filter({ has: page.getByRole('button', { name: `Edit key ${KEY}` }) });
    await row.getByRole('cell', { name: TEAM }).waitFor();
  });

  it('shows requests sent with the official SDK arriving in the live log', async () => {
    await openPage(page, 'Logs');
    await page.getByRole('heading', { name: 'No requests yet' }).waitFor();
    await page.getByRole('button', { name: 'Live tail' }).click();
    await page.getByRole('button', { name: 'Live', exact: true, pressed: true }).waitFor();

    const client = sdk();
    const heron = await client.messages.create(ask(SONNET, 'REPLY WITH: the heron flies at dawn'));
    const pelican = await client.messages.create(ask(HAIKU, 'REPLY WITH: a pelican bill holds more than its belly'));
    const streamed = await client.messages
      .stream({ ...ask(SONNET, 'REPLY WITH: streamed through the gateway'), stream: true })
      .finalMessage();
    expect([heron, pelican, streamed].map((message) => message.content)).toEqual([
      [{ type: 'text', text: 'the heron flies at dawn' }],
      [{ type: 'text', text: 'a pelican bill holds more than its belly' }],
      [{ type: 'text', text: 'streamed through the gateway' }],
    ]);

    // No reload: the live tail brings the rows in.
    await logRows().nth(2).waitFor();
    expect(await logRows().count()).toBe(3);
    expect(await logRows().filter({ hasText: KEY }).count()).toBe(3);
    await page.getByText('3 requests · watching for new requests').waitFor();
  });

  it('filters the log by model and opens a row to read its conversation', async () => {
    await page.getByLabel('Model', { exact: true }).fill(HAIKU);
    await page.getByLabel('Model', { exact: true }).press('Enter');
    await page.getByRole('button', { name: 'Clear 1 filter' }).waitFor();
    await expect.poll(() => logRows().count(), POLL).toBe(1);
    expect(new URL(page.url()).hash).toContain(`model=${HAIKU}`);

    await logRows().first().click();
    const detail = page.getByRole('complementary', { name: HAIKU });
    await detail.getByRole('heading', { name: 'Conversation' }).waitFor();
    await detail
      .getByRole('region', { name: 'User' })
      .getByText('REPLY WITH: a pelican bill holds more than its belly')
      .waitFor();
    await detail
      .getByRole('region', { name: 'Response' })
      .getByText('a pelican bill holds more than its belly')
      .waitFor();
    await detail.getByText(SESSION).waitFor();

    await detail.getByRole('button', { name: 'Close request detail' }).click();
    await page.getByRole('button', { name: 'Clear 1 filter' }).click();
    await expect.poll(() => logRows().count(), POLL).toBe(3);
  });

  it('finds a request by words in its captured content', async () => {
    await page.getByLabel('Search content').fill('heron');
    await page.getByLabel('Search content').press('Enter');
    await expect.poll(() => logRows().count(), POLL).toBe(1);
    await logRows().filter({ hasText: SONNET }).waitFor();
    expect(new URL(page.url()).hash).toContain('q=heron');

    await page.getByLabel('Search content').fill('albatross');
    await page.getByLabel('Search content').press('Enter');
    await page.getByRole('heading', { name: 'No requests match this filter' }).waitFor();
    await page.getByRole('button', { name: 'Clear filters' }).click();
    await expect.poll(() => logRows().count(), POLL).toBe(3);
  });

  it('refuses the next request with 402 once the team budget is edited down to nothing', async () => {
    await openPage(page, 'Organisation');
    await page.getByRole('button', { name: `Edit team ${TEAM}` }).click();
    const form = page.getByRole('form', { name: `Edit team “${TEAM}”` });
    await form.getByLabel('Limit (USD)').fill('0');
    await form.getByRole('button', { name: 'Save' }).click();
    await form.waitFor({ state: 'detached' });
    // The edit shows at once (optimistically); wait for the gateway to hold it before sending traffic.
    await expect
      .poll(async () => {
        const { body } = await handle.admin<{ teams: { budgets: { max_limit: number }[] }[] }>(
          'GET',
          '/api/governance/teams',
        );
        return body.teams[0]?.budgets[0]?.max_limit;
      }, POLL)
      .toBe(0);

    const error = await refusal(sdk().messages.create(ask(SONNET, 'REPLY WITH: this should not run')));
    expect(error.status).toBe(402);
    expect(error.type).toBe('billing_error');
    expect(error.message).toContain(TEAM);

    await openPage(page, 'Logs');
    // The live tail is still on from before, so the refusal arrives without a reload.
    await logRows().filter({ hasText: 'Budget spent' }).waitFor();
    expect(await logRows().count()).toBe(4);
  });

  it('revokes the key so the SDK is refused with 401', async () => {
    await openPage(page, 'Keys');
    await page.getByRole('button', { name: `Actions for key ${KEY}` }).click();
    await page.getByRole('menuitem', { name: 'Revoke…' }).click();
    const confirm = page.getByRole('dialog', { name: `Revoke “${KEY}”?` });
    await confirm.getByRole('button', { name: 'Revoke key' }).click();
    await page
      .getByRole('status')
      .filter({ hasText: `Revoked “${KEY}”.` })
      .waitFor();

    const error = await refusal(sdk().messages.create(ask(SONNET, 'REPLY WITH: revoked')));
    expect(error).toBeInstanceOf(Anthropic.AuthenticationError);
    expect(error.status).toBe(401);
  });

  it('shows the Claude Code session as a timeline whose running cost adds up to the session cost', async () => {
    await openPage(page, 'Logs');
    await logRows().first().waitFor();
    await page
      .getByRole('button', { name: `Open session ${SESSION}` })
      .first()
      .click();
    await page.getByRole('heading', { level: 1, name: 'Session' }).waitFor();
    expect(new URL(page.url()).hash).toBe(`#/logs?session=${SESSION}`);

    const { body } = await handle.admin<{ logs: LogEntry[] }>('GET', `/api/logs?session=${SESSION}`);
    const timeline = page.getByRole('list', { name: 'Requests in this session, oldest first' });
    await timeline
      .getByRole('listitem')
      .nth(body.logs.length - 1)
      .waitFor();
    expect(await timeline.getByRole('listitem').count()).toBe(body.logs.length);
    // Oldest first: the heron question opened the session.
    await timeline.getByRole('listitem').first().getByText(SONNET).waitFor();
    const total = body.logs.reduce((sum, row) => sum + row.cost_micros, 0) / 1_000_000;
    expect(total).toBeGreaterThan(0);
    await timeline
      .getByRole('listitem')
      .last()
      .getByLabel(`Running total ${total.toFixed(4)} dollars`)
      .waitFor();

    // The address alone opens it too: a reload of the same tab keeps the sign-in and the view.
    await page.reload();
    await page.getByRole('heading', { level: 1, name: 'Session' }).waitFor();
    await timeline
      .getByRole('listitem')
      .nth(body.logs.length - 1)
      .waitFor();
    await timeline.getByRole('listitem').first().click();
    await page.getByRole('complementary', { name: SONNET }).getByText('the heron flies at dawn').first().waitFor();
  });

  // Last, on its own: the gateway captures content unless a key opts out (README, Settings page), so a
  // key made in the dashboard should start with capture on. The journey above ticks the box itself.
  it('starts a new key with content capture on, as the gateway does for keys created through its API', async () => {
    await openPage(page, 'Keys');
    await page.getByRole('main').getByRole('button', { name: 'Create key' }).first().click();
    const form = page.getByRole('dialog', { name: 'Create a key' });
    const capture = form.getByLabel('Capture prompts and responses');
    await capture.waitFor();
    const checked = await capture.isChecked();
    await form.getByRole('button', { name: 'Cancel' }).click();
    await form.waitFor({ state: 'detached' });
    expect(checked).toBe(true);
  });
});
