// The usage page's "Connect Claude Code with /login" section, over real HTTP: shown without a key, for
// the address the page was reached on (loopback, or the LAN with Tollgate's TLS and its CA), escaped
// as HTML, and allowed by the page's CSP without a script of its own. The LAN snippet is then run for
// real in `sh` with a temporary HOME, as a teammate pastes it.
import { createHash } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { request as httpRequest } from 'node:http';
import { createServer as createHttpsServer, request as httpsRequest } from 'node:https';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { serveUsagePage } from '../../electron/gateway/usage-page.js';
import { loginShellLines } from '../../shared/snippets.js';
import { startTestGateway, type TestGateway } from '../support/gateway.js';
import { childEnv, runProcess } from '../support/processes.js';

const LAN_ADDRESS = '127.0.0.2';

let handle: TestGateway | null = null;
const cleanups: (() => void | Promise<void>)[] = [];

afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
  await handle?.close();
  handle = null;
});

interface Page {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  text: string;
}

/** GET `path` with full control of Host; over TLS trusting `ca`. */
function get(base: string, path: string, options: { host?: string; ca?: string } = {}): Promise<Page> {
  const url = new URL(path, base);
  const request = url.protocol === 'https:' ? httpsRequest : httpRequest;
  return new Promise((resolve, reject) => {
    const req = request(
      url,
      { headers: options.host ? { host: options.host } : {}, ...(options.ca && { ca: options.ca }) },
      (res) => {
        let text = '';
        res.setEncoding('utf8');
        res.on('data', (chunk: string) => (text += chunk));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, text }));
        res.on('error', reject);
      },
    );
    req.on('error', reject);
    req.end();
  });
}

const unescapeHtml = (html: string): string =>
  html.replace(/&#(\d+);/g, (_, code: string) => String.fromCharCode(Number(code)));

/** The shell lines the page shows, as a teammate copies them. */
function loginLines(page: Page): string {
  const match = /<pre tabindex="0" aria-label="Shell lines for \/login"><code>([^<]*)<\/code><\/pre>/.exec(page.text);
  if (!match?.[1]) throw new Error(`no /login lines on the page:\n${page.text}`);
  return unescapeHtml(match[1]);
}

/** The /login section, which must not sit inside the usage section that stays hidden until a key is given. */
function connectSection(page: Page): string {
  const start = page.text.indexOf('<section class="connect"');
  expect(start).toBeGreaterThan(page.text.indexOf('</section>'));
  return page.text.slice(start, page.text.indexOf('</section>', start));
}

const sha256 = (text: string): string => `'sha256-${createHash('sha256').update(text).digest('base64')}'`;

describe('the usage page’s /login section', () => {
  it('shows a visitor without a key the /login lines for the loopback address, escaped, under the page’s CSP', async () => {
    const gw = (handle = await startTestGateway());
    const page = await get(gw.url, '/usage');
    expect(page.status).toBe(200);
    expect(page.headers['content-length']).toBe(String(Buffer.byteLength(page.text)));

    const section = connectSection(page);
    expect(section).toContain('<h2 id="connect-heading">Connect Claude Code with /login</h2>');
    expect(loginLines(page)).toBe(loginShellLines({ baseUrl: gw.url }));
    // The settings JSON and the shell's quotes reach the page only as character references.
    expect(section).toContain(
      `&#34;forceLoginMethod&#34;:&#34;gateway&#34;,&#34;forceLoginGatewayUrl&#34;:&#34;${gw.url}&#34;`,
    );
    expect(section).not.toContain('"forceLoginMethod"');
    expect(section).not.toMatch(/'\{/);
    expect(section).not.toContain('NODE_EXTRA_CA_CERTS');

    // Still one inline style and one inline script, both allowed by hash, and nothing else.
    const csp = String(page.headers['content-security-policy']);
    const style = /<style>([\s\S]*?)<\/style>/.exec(page.text)?.[1] ?? '';
    const script = /<script>([\s\S]*?)<\/script>/.exec(page.text)?.[1] ?? '';
    expect(csp).toContain(`style-src ${sha256(style)}`);
    expect(csp).toContain(`script-src ${sha256(script)}`);
    expect(page.text.match(/<script/g)).toHaveLength(1);
    expect(page.text).not.toMatch(/ on[a-z]+=/);
  });

  it('does not repeat a Host that is not loopback on the loopback listener, as a DNS-rebinding page sends', async () => {
    const gw = (handle = await startTestGateway());
    const page = await get(gw.url, '/usage', { host: 'rebind.example:80' });
    expect(page.status).toBe(200);
    expect(loginLines(page)).toBe(loginShellLines({ baseUrl: gw.url }));
    expect(page.text).not.toContain('rebind.example');
  });

  it('gives a teammate on the LAN with TLS lines that fetch the CA from that address and, run in sh, set up /login', async () => {
    const gw = (handle = await startTestGateway({
      gateway: { lan: { enabled: true, tls: true, address: LAN_ADDRESS, port: 0 } },
    }));
    const status = gw.gateway.lan.status();
    const [lanUrl] = status.urls;
    if (!lanUrl || !status.ca_certificate_path) throw new Error(`not sharing with TLS: ${JSON.stringify(status)}`);
    const ca = readFileSync(status.ca_certificate_path, 'utf8');

    const page = await get(lanUrl, '/usage', { ca });
    expect(page.status).toBe(200);
    const lines = loginLines(page);
    expect(lines).toContain(`curl -fsSk ${lanUrl}/tollgate-ca.pem -o "$HOME/.tollgate/tollgate-ca.pem"`);
    expect(lines).toContain(`"forceLoginGatewayUrl":"${lanUrl}"`);
    // The lines stop unless the CA they fetched is the one the gateway's status names.
    expect(lines).toContain(`grep -qiF ${status.ca_fingerprint_sha256}`);
    expect(connectSection(page)).toContain(`at <code>${lanUrl}</code>`);

    const home = mkdtempSync(join(tmpdir(), 'tollgate-usage-page-home-'));
    cleanups.push(() => rmSync(home, { recursive: true, force: true }));
    const run = await runProcess('sh', ['-c', lines], { env: childEnv({ HOME: home }), name: 'snippet' });
    expect(run.code, run.output).toBe(0);
    const caFile = join(home, '.tollgate', 'tollgate-ca.pem');
    expect(readFileSync(caFile, 'utf8')).toBe(ca);
    expect(JSON.parse(readFileSync(join(home, '.claude', 'settings.json'), 'utf8'))).toMatchObject({
      forceLoginMethod: 'gateway',
      forceLoginGatewayUrl: lanUrl,
      env: { NODE_EXTRA_CA_CERTS: caFile, CLAUDE_CODE_ENABLE_TELEMETRY: '1' },
    });
  });

  it('checks the CA fingerprint it is given and escapes it wherever it appears', async () => {
    // The gateway's own LAN certificate, served by serveUsagePage alone on the LAN address.
    const gw = (handle = await startTestGateway({
      gateway: { lan: { enabled: true, tls: true, address: LAN_ADDRESS, port: 0 } },
    }));
    const tls = join(gw.dataDir, 'tls');
    const fingerprint = `AB:CD<b>&"'`;
    const server = createHttpsServer(
      { key: readFileSync(join(tls, 'server-key.pem')), cert: readFileSync(join(tls, 'server.pem')) },
      (req, res) => serveUsagePage(req, res, { caFingerprint: fingerprint }),
    );
    await new Promise<void>((resolve) => server.listen(0, LAN_ADDRESS, resolve));
    cleanups.push(() => new Promise<void>((resolve) => server.close(() => resolve())));
    const base = `https://${LAN_ADDRESS}:${(server.address() as AddressInfo).port}`;

    const page = await get(base, '/usage', { ca: readFileSync(join(tls, 'ca.pem'), 'utf8') });
    expect(loginLines(page)).toBe(
      loginShellLines({ baseUrl: base, caCertificateUrl: `${base}/tollgate-ca.pem`, caFingerprint: fingerprint }),
    );
    const section = connectSection(page);
    expect(section).toContain('<code>AB:CD&#60;b&#62;&#38;&#34;&#39;</code>');
    expect(section).not.toContain('<b>');
  });
});
