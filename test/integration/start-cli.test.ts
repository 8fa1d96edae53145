// `npm start` where the desktop app cannot run: without an Electron binary (offline machines, CI) it
// says so in plain words and starts the same gateway headless, on the data directory and flags it
// was given, and stops cleanly on Ctrl-C. ELECTRON_OVERRIDE_DIST_PATH pointing at an empty folder is
// Electron's own switch for "the binary is elsewhere", so this holds on machines that have Electron too.
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, expect, it } from 'vitest';
import { UPSTREAM_API_KEY } from '../support/gateway.js';
import { childEnv, startProcess, stopAllProcesses } from '../support/processes.js';
import { startStandIn } from '../support/upstream.js';

const ROOT = join(import.meta.dirname, '..', '..');
let scratch: string;

beforeEach(() => {
  scratch = mkdtempSync(join(tmpdir(), 'tollgate-start-'));
});

afterEach(async () => {
  await stopAllProcesses();
  rmSync(scratch, { recursive: true, force: true });
});

function startCommand(): { command: string; args: string[] } {
  const manifest = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as { scripts?: Record<string, string> };
  const script = manifest.scripts?.start;
  if (!script || /["'`$&|;<>()]/.test(script))
    throw new Error(`teach this test to run the start script: ${String(script)}`);
  const [bin, ...args] = script.trim().split(/\s+/);
  return { command: bin === 'node' ? process.execPath : join(ROOT, 'node_modules', '.bin', bin ?? ''), args };
}

it('starts the headless gateway, and says why, when the Electron binary is missing', async () => {
  const dataDir = join(scratch, 'data');
  const { command, args } = startCommand();
  const child = startProcess(command, [...args, '--port', '0', '--data-dir', dataDir], {
    cwd: ROOT,
    env: childEnv({ ELECTRON_OVERRIDE_DIST_PATH: join(scratch, 'no-electron-here') }),
    name: 'npm start',
  });

  const [, url] = await child.waitForLine(/^Tollgate gateway listening on (http:\/\/\S+)$/, 30_000);
  expect(child.output).toMatch(/Electron binary not installed/);
  expect(child.output).toMatch(/starting the headless gateway instead/);
  expect(child.output).toContain(`data directory: ${dataDir}`);

  const health = await fetch(`${url ?? ''}/health`);
  expect(health.status).toBe(200);
  const adminToken = readFileSync(join(dataDir, 'admin-token'), 'utf8').trim();
  const status = await fetch(`${url ?? ''}/api/gateway/status`, { headers: { authorization: `Bearer ${adminToken}` } });
  expect(status.status).toBe(200);

  const exit = await child.stop('SIGINT');
  expect(exit.code, child.output).toBe(0);
  expect(child.output).toMatch(/stopped cleanly/);
});

it('prints what the tray app would notify, such as an upstream that keeps failing', async () => {
  const upstream = await startStandIn({ apiKey: UPSTREAM_API_KEY });
  try {
    for (let i = 0; i < 3; i++)
      upstream.enqueue({ kind: 'error', status: 500, type: 'api_error', message: 'stand-in outage' });
    const dataDir = join(scratch, 'data');
    const { command, args } = startCommand();
    const child = startProcess(
      command,
      [...args, '--port', '0', '--data-dir', dataDir, '--anthropic-base-url', upstream.url],
      {
        cwd: ROOT,
        env: childEnv({
          ELECTRON_OVERRIDE_DIST_PATH: join(scratch, 'no-electron-here'),
          ANTHROPIC_API_KEY: UPSTREAM_API_KEY,
        }),
        name: 'npm start',
      },
    );
    const [, url = ''] = await child.waitForLine(/^Tollgate gateway listening on (http:\/\/\S+)$/, 30_000);
    const adminToken = readFileSync(join(dataDir, 'admin-token'), 'utf8').trim();
    const created = await fetch(`${url}/api/governance/virtual-keys`, {
      method: 'POST',
      headers: { authorization: `Bearer ${adminToken}`, 'content-type': 'application/json' },
      body: JSON.stringify({ name: 'ci' }),
    });
    const { virtual_key } = (await created.json()) as { virtual_key: { value: string } };
    for (let i = 0; i < 3; i++) {
      const response = await fetch(`${url}/v1/messages`, {
        method: 'POST',
        headers: {
          authorization: `Bearer ${virtual_key.value}`,
          'content-type': 'application/json',
          'anthropic-version': '2023-06-01',
        },
        body: JSON.stringify({
          model: 'claude-haiku-4-5',
          max_tokens: 16,
          messages: [{ role: 'user', content: 'hi' }],
        }),
      });
      expect(response.status).toBe(500);
    }
    // The notifier polls every few seconds; the line arrives with its next poll.
    await child.waitForLine(/warning: The Anthropic API is failing: 3 requests in a row failed/, 20_000);
    expect((await child.stop('SIGINT')).code, child.output).toBe(0);
  } finally {
    await upstream.close();
  }
});
