// The first run end to end, as a solo developer meets it: Debian's Chromium (through playwright-core)
// against a real headless gateway with no Anthropic key yet, serving the built dashboard, with only
// the Anthropic API stood in for. Sign in, paste the key and test it, create your own key with a
// budget, copy the Claude Code snippet, finish on the overview; then the official SDK, set up exactly
// as the snippet says, goes through, shows in the log, and is refused with 402 once the budget is spent.
// The tests are one journey in order, each step building on the state the last one left.
import Anthropic from '@anthropic-ai/sdk';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { LogEntry, Onboarding, VirtualKey } from '../../shared/schemas.js';
import {
  chromiumAvailable,
  CHROMIUM_PATH,
  ensureDashboardBuilt,
  isSnippet,
  launchChromium,
  openPage,
  type Snippet,
} from '../support/browser.js';
import { startTestGateway, UPSTREAM_API_KEY, type TestGateway } from '../support/gateway.js';

const SONNET = 'claude-sonnet-4-6';
const KEY_NAME = 'My Claude Code';
const BUDGET_USD = 1;
/** expect.poll waits one second by default; a busy machine running every suite at once needs more. */
const POLL = { timeout: 15_000 };

const available = chromiumAvailable();
if (!available) console.log(`Chromium not found at ${CHROMIUM_PATH}: skipping the first-run end-to-end test`);
const suite = available ? describe : describe.skip;

suite('the first run in Chromium against a fresh gateway', () => {
  let handle: TestGateway;
  let browser: Browser;
  let context: BrowserContext;
  let page: Page;
  /** What the person copied on the last step: the only place the key's secret appears. */
  let snippet: Snippet;

  const sdk = (): Anthropic =>
    new Anthropic({
      baseURL: snippet.env.ANTHROPIC_BASE_URL,
      authToken: snippet.env.ANTHROPIC_AUTH_TOKEN,
      maxRetries: 0,
    });
  const ask = (text: string): Anthropic.MessageCreateParamsNonStreaming => ({
    model: SONNET,
    max_tokens: 64,
    messages: [{ role: 'user', content: text }],
  });

  const keyRow = async (): Promise<VirtualKey> => {
    const { body } = await handle.admin<{ virtual_keys: VirtualKey[] }>('GET', '/api/governance/virtual-keys');
    const key = body.virtual_keys.find((item) => item.name === KEY_NAME);
    if (!key) throw new Error(`no key named ${KEY_NAME}: ${JSON.stringify(body)}`);
    return key;
  };
  const logRows = () =>
    page
      .getByRole('table', { name: 'Requests' })
      .getByRole('row')
      .filter({ has: page.getByRole('cell') });

  beforeAll(async () => {
    const dashboardDir = await ensureDashboardBuilt();
    // A fresh install: no ANTHROPIC_API_KEY in the environment, no keys, onboarding never finished.
    handle = await startTestGateway({ gateway: { dashboardDir }, seedProviderKey: false });
    browser = await launchChromium();
    context = await browser.newContext({ viewport: { width: 1280, height: 900 } });
    await context.grantPermissions(['clipboard-read', 'clipboard-write'], { origin: handle.url });
    page = await context.newPage();
    page.setDefaultTimeout(15_000);
  });

  afterAll(async () => {
    await browser?.close();
    await handle?.close();
  });

  it('opens on the first-run steps after signing in, instead of the overview', async () => {
    const { body } = await handle.admin<Onboarding>('GET', '/api/onboarding');
    expect(body).toMatchObject({ needed: true, has_provider_key: false, virtual_keys: 0 });

    await page.goto(`${handle.url}/dashboard/`);
    await page.getByLabel('Admin token').fill(handle.gateway.adminToken);
    await page.getByRole('button', { name: 'Sign in' }).click();
    await page.getByRole('heading', { level: 1, name: 'Set up Tollgate' }).waitFor();
    expect(await page.getByRole('navigation', { name: 'Main' }).count()).toBe(0);
    expect(await page.getByRole('button', { name: 'Continue' }).isDisabled()).toBe(true);
  });

  it('says so when Anthropic refuses the pasted key, and connects with the right one', async () => {
    const field = page.getByLabel('Anthropic API key');
    await field.fill('sk-ant-api03-not-the-right-key');
    await page.getByRole('button', { name: 'Save and test' }).click();
    await page.getByRole('alert').filter({ hasText: 'The Anthropic API refused the key (401)' }).waitFor();

    await field.fill(UPSTREAM_API_KEY);
    await page.getByRole('button', { name: 'Save and test again' }).click();
    await page.getByRole('status').filter({ hasText: 'Connected: the Anthropic API answered 200' }).waitFor();

    const { body } = await handle.admin<{ providers: { keys: { value: string; source: string }[] }[] }>(
      'GET',
      '/api/providers',
    );
    // Saved as the one stored key (replacing the wrong one), and only ever shown masked.
    expect(body.providers[0]?.keys).toEqual([
      expect.objectContaining({ source: 'literal', value: expect.stringMatching(/^sk-ant-…/) }),
    ]);
    expect(body.providers[0]?.keys[0]?.value).not.toBe(UPSTREAM_API_KEY);
    await page.getByRole('button', { name: 'Continue' }).click();
  });

  it('creates the person’s own key with the budget they set', async () => {
    const step = page.getByRole('region', { name: 'Create your own key' });
    expect(await step.getByLabel('Key name').inputValue()).toBe(KEY_NAME);
    expect(await step.getByLabel('Budget (USD)').inputValue()).toBe('50');
    expect(await step.getByRole('radio', { name: 'Month' }).isChecked()).toBe(true);
    await step.getByLabel('Budget (USD)').fill(String(BUDGET_USD));
    await step.getByRole('button', { name: 'Create key' }).click();
    await page.getByRole('region', { name: 'Connect Claude Code' }).waitFor();

    const key = await keyRow();
    expect(key.budgets).toEqual([
      expect.objectContaining({
        max_limit: BUDGET_USD,
        reset_duration: '1M',
        calendar_aligned: true,
        current_usage: 0,
      }),
    ]);
  });

  it('copies a settings.json snippet with this gateway and the new key, shown once', async () => {
    const step = page.getByRole('region', { name: 'Connect Claude Code' });
    await step.getByRole('button', { name: 'Copy Claude Code settings.json' }).click();
    await step.getByRole('button', { name: 'Copy Claude Code settings.json' }).filter({ hasText: 'Copied' }).waitFor();
    const copied = await page.evaluate('navigator.clipboard.readText()');
    if (typeof copied !== 'string') throw new Error('the clipboard holds no text');
    expect(copied).toBe(await step.getByLabel('Claude Code settings.json', { exact: true }).innerText());

    const parsed: unknown = JSON.parse(copied);
    if (!isSnippet(parsed)) throw new Error(`the copied snippet is not a settings.json env block: ${copied}`);
    snippet = parsed;
    expect(snippet.env.ANTHROPIC_BASE_URL).toBe(handle.url);
    expect(snippet.env.ANTHROPIC_AUTH_TOKEN).toMatch(/^sk-tg-/);
    expect(await step.getByLabel(`Virtual key “${KEY_NAME}”`).inputValue()).toBe(snippet.env.ANTHROPIC_AUTH_TOKEN);
    expect(await step.getByLabel('Shell exports', { exact: true }).innerText()).toBe(
      `export ANTHROPIC_BASE_URL=${handle.url} ANTHROPIC_AUTH_TOKEN=${snippet.env.ANTHROPIC_AUTH_TOKEN}`,
    );
  });

  it('finishes on the overview, and the gateway remembers onboarding is done', async () => {
    await page.getByRole('button', { name: 'Finish and open the overview' }).click();
    await page.getByRole('heading', { level: 1, name: 'Overview' }).waitFor();
    await page.getByRole('navigation', { name: 'Main' }).waitFor();
    expect(new URL(page.url()).hash).toBe('#/overview');

    const { body } = await handle.admin<Onboarding>('GET', '/api/onboarding');
    expect(body).toMatchObject({ needed: false, has_provider_key: true, virtual_keys: 1 });
    expect(body.completed_at).not.toBeNull();

    // The secret is gone from the page, and a reload opens the dashboard, not the steps.
    expect(await page.content()).not.toContain(snippet.env.ANTHROPIC_AUTH_TOKEN);
    await page.reload();
    await page.getByRole('heading', { level: 1, name: 'Overview' }).waitFor();
    expect(await page.getByRole('heading', { name: 'Set up Tollgate' }).count()).toBe(0);
  });

  it('sends Claude Code’s traffic through with the snippet’s key, and shows it in the log', async () => {
    const answer = await sdk().messages.create(ask('REPLY WITH: capped in under a minute'));
    expect(answer.content).toEqual([{ type: 'text', text: 'capped in under a minute' }]);

    await openPage(page, 'Logs');
    await logRows().filter({ hasText: KEY_NAME }).first().waitFor();
    const { body } = await handle.admin<{ logs: LogEntry[] }>('GET', '/api/logs');
    expect(body.logs).toEqual([
      expect.objectContaining({ virtual_key_name: KEY_NAME, status_code: 200, model: SONNET }),
    ]);
    await expect.poll(async () => (await keyRow()).budgets[0]?.current_usage ?? 0, POLL).toBeGreaterThan(0);
  });

  it('refuses with 402 once the key’s budget is spent', async () => {
    // One long session's worth of input: more than the whole budget at Sonnet's price.
    handle.upstream.enqueue({ kind: 'message', usage: { input_tokens: 400_000 } });
    await sdk().messages.create(ask('REPLY WITH: the expensive one'));
    await expect
      .poll(async () => (await keyRow()).budgets[0]?.current_usage ?? 0, POLL)
      .toBeGreaterThanOrEqual(BUDGET_USD);

    let refusal: unknown = null;
    try {
      await sdk().messages.create(ask('REPLY WITH: this should not run'));
    } catch (error) {
      refusal = error;
    }
    if (!(refusal instanceof Anthropic.APIError))
      throw new Error(`the request over budget was not refused: ${String(refusal)}`);
    expect(refusal.status).toBe(402);
    expect(refusal.type).toBe('billing_error');
    expect(handle.upstream.messageRequests()).toHaveLength(2);

    // Still on the logs page from before, without the live tail: a reload fetches the newest rows.
    await page.reload();
    await logRows().filter({ hasText: 'Budget spent' }).first().waitFor();
    expect(await logRows().count()).toBe(3);
  });
});
