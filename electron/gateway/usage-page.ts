// GET /usage: the self-service usage page a teammate opens on the gateway (on either listener). One
// self-contained HTML document, no framework: the teammate pastes their virtual key, which stays in
// this tab's sessionStorage, and the page renders what GET /v1/tollgate/usage answers for it. Built
// with DOM calls and textContent only (names and messages are never parsed as HTML); the inline script
// and style are allowed by their hashes in the page's Content-Security-Policy, nothing else is.
// Below the key form, shown without a key, the shell lines that connect Claude Code with /login to the
// address the page was reached on (shared/snippets.ts): the only part rendered per request, escaped.
import { createHash } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { TLSSocket } from 'node:tls';
import { loginShellLines, type GatewayEndpoint } from '../../shared/snippets.js';
import { isLoopbackAddress, isLoopbackHost, urlHost } from '../lan/addresses.js';
import { CA_CERTIFICATE_PATH } from '../lan/certificates.js';

export const USAGE_PAGE_PATH = '/usage';

const STYLE = `
:root { color-scheme: light dark; --bg: #fbfbfa; --fg: #1d1d1b; --muted: #5f5f5a; --line: #deddd8; --card: #ffffff;
  --accent: #3456c7; --ok: #2f7d4f; --warn: #a86200; --bad: #b3261e; --track: #ecebe6; }
@media (prefers-color-scheme: dark) {
  :root { --bg: #161615; --fg: #ecebe6; --muted: #a3a29c; --line: #34342f; --card: #1f1f1d;
    --accent: #8ea7ff; --ok: #6cc895; --warn: #f0a94a; --bad: #ff8a80; --track: #2c2c28; }
}
* { box-sizing: border-box; }
body { margin: 0; background: var(--bg); color: var(--fg); font: 15px/1.5 system-ui, -apple-system, "Segoe UI", sans-serif; }
main { max-width: 52rem; margin: 0 auto; padding: 2rem 1.25rem 4rem; }
h1 { font-size: 1.5rem; margin: 0 0 .25rem; }
h2 { font-size: 1.2rem; margin: 0; }
h3 { font-size: .8rem; text-transform: uppercase; letter-spacing: .06em; color: var(--muted); margin: 2rem 0 .6rem; }
p { margin: .25rem 0 .75rem; }
.hint { color: var(--muted); font-size: .875rem; }
form { margin: 1.5rem 0; }
label { display: block; font-weight: 600; margin-bottom: .35rem; }
.row { display: flex; gap: .5rem; flex-wrap: wrap; }
input { flex: 1 1 18rem; min-width: 0; padding: .55rem .7rem; font: inherit; font-family: ui-monospace, SFMono-Regular, Menlo, monospace;
  color: var(--fg); background: var(--card); border: 1px solid var(--line); border-radius: 6px; }
button { padding: .55rem .9rem; font: inherit; border-radius: 6px; border: 1px solid var(--accent); background: var(--accent); color: var(--bg); cursor: pointer; }
button.secondary { background: transparent; color: var(--accent); }
input:focus-visible, button:focus-visible { outline: 2px solid var(--accent); outline-offset: 2px; }
.error { border: 1px solid var(--bad); color: var(--bad); border-radius: 6px; padding: .6rem .8rem; background: var(--card); }
.figures { display: grid; grid-template-columns: repeat(auto-fit, minmax(10rem, 1fr)); gap: .75rem; margin: 0; }
.figures div { background: var(--card); border: 1px solid var(--line); border-radius: 8px; padding: .75rem .9rem; }
.figures dt { color: var(--muted); font-size: .8rem; }
.figures dd { margin: .15rem 0 0; font-size: 1.35rem; font-variant-numeric: tabular-nums; }
.budget { background: var(--card); border: 1px solid var(--line); border-radius: 8px; padding: .75rem .9rem; margin-bottom: .6rem; }
.budget .head { display: flex; justify-content: space-between; gap: 1rem; flex-wrap: wrap; }
.budget .amount { font-variant-numeric: tabular-nums; }
.bar { height: .55rem; background: var(--track); border-radius: 99px; overflow: hidden; margin: .45rem 0 .3rem; }
.fill { height: 100%; width: 0; background: var(--ok); border-radius: 99px; }
.fill.warn { background: var(--warn); }
.fill.bad { background: var(--bad); }
ul.limits { list-style: none; padding: 0; margin: 0; }
ul.limits li { padding: .35rem 0; border-bottom: 1px solid var(--line); font-variant-numeric: tabular-nums; }
table { width: 100%; border-collapse: collapse; font-size: .875rem; font-variant-numeric: tabular-nums; }
caption { text-align: left; color: var(--muted); font-size: .8rem; padding-bottom: .4rem; }
th, td { text-align: left; padding: .4rem .5rem .4rem 0; border-bottom: 1px solid var(--line); vertical-align: top; }
th { color: var(--muted); font-weight: 600; }
td.num, th.num { text-align: right; }
.outcome-blocked, .outcome-error { color: var(--bad); }
.outcome-aborted { color: var(--warn); }
.empty { color: var(--muted); }
.connect { margin-top: 2.5rem; padding-top: 1.25rem; border-top: 1px solid var(--line); }
.connect h2 { margin-bottom: .5rem; }
code { font-family: ui-monospace, SFMono-Regular, Menlo, monospace; font-size: .9em; }
pre { margin: .5rem 0 .75rem; padding: .75rem .9rem; background: var(--card); border: 1px solid var(--line); border-radius: 6px;
  white-space: pre-wrap; word-break: break-all; font-size: .8rem; user-select: all; }
pre:focus-visible { outline: 2px solid var(--accent); outline-offset: 2px; }
`;

const SCRIPT = `
(() => {
  'use strict';
  const STORAGE = 'tollgate-virtual-key';
  const $ = (id) => document.getElementById(id);
  const form = $('key-form'), input = $('key'), forget = $('forget'), refresh = $('refresh');
  const errorBox = $('error'), statusLine = $('status'), usage = $('usage');

  const money = (usd) => new Intl.NumberFormat(undefined, { style: 'currency', currency: 'USD',
    minimumFractionDigits: 2, maximumFractionDigits: usd !== 0 && Math.abs(usd) < 1 ? 4 : 2 }).format(usd);
  const number = (n) => new Intl.NumberFormat().format(n);
  const when = (iso) => new Date(iso).toLocaleString(undefined, { dateStyle: 'medium', timeStyle: 'short' });
  const PERIODS = { '1m': 'minute', '1h': 'hour', '1d': 'day', '1w': 'week', '1M': 'month', '1y': 'year' };
  const per = (duration) => PERIODS[duration] ? 'per ' + PERIODS[duration] : 'per ' + duration;
  const el = (tag, props, ...children) => {
    const node = document.createElement(tag);
    for (const [name, value] of Object.entries(props || {})) {
      if (name === 'text') node.textContent = value;
      else if (name === 'class') node.className = value;
      else node.setAttribute(name, value);
    }
    for (const child of children) if (child) node.append(child);
    return node;
  };

  function showError(message) {
    errorBox.textContent = message;
    errorBox.hidden = false;
  }

  function bar(fraction, label) {
    const percent = Math.max(0, Math.min(100, Math.round(fraction * 100)));
    const fill = el('div', { class: 'fill' + (fraction >= 1 ? ' bad' : fraction >= 0.8 ? ' warn' : '') });
    fill.style.width = percent + '%';
    return el('div', { class: 'bar', role: 'progressbar', 'aria-label': label, 'aria-valuemin': '0',
      'aria-valuemax': '100', 'aria-valuenow': String(percent), 'aria-valuetext': percent + ' % used' }, fill);
  }

  function render(data) {
    $('who').textContent = data.virtual_key.name;
    const org = [data.customer && 'Customer ' + data.customer.name, data.team && 'Team ' + data.team.name,
      data.user && 'User ' + data.user.name].filter(Boolean);
    if (data.virtual_key.expires_at) org.push('Key expires ' + when(data.virtual_key.expires_at));
    $('org').textContent = org.join(' · ');

    const figures = $('spend');
    figures.replaceChildren(
      el('div', {}, el('dt', { text: 'Spent today' }), el('dd', { text: money(data.spend.today) })),
      el('div', {}, el('dt', { text: 'Spent this month' }), el('dd', { text: money(data.spend.month) })),
      el('div', {}, el('dt', { text: 'Requests running now' }),
        el('dd', { text: data.max_concurrent_requests === null ? String(data.in_flight)
          : data.in_flight + ' of ' + data.max_concurrent_requests })),
    );
    $('zone').textContent = 'Days and months in ' + data.spend.time_zone + '.';

    const budgets = $('budgets');
    budgets.replaceChildren();
    if (data.budgets.length === 0) budgets.append(el('p', { class: 'empty', text: 'No budget applies to this key.' }));
    for (const budget of data.budgets) {
      const cap = budget.max_limit + budget.granted;
      const fraction = cap > 0 ? budget.current_usage / cap : budget.current_usage > 0 ? 1 : 0;
      const title = budget.level + ' · ' + budget.owner_name;
      budgets.append(el('div', { class: 'budget' },
        el('div', { class: 'head' }, el('strong', { text: title }),
          el('span', { class: 'amount', text: money(budget.current_usage) + ' of ' + money(cap) + ' ' + per(budget.reset_duration) })),
        bar(fraction, title + ' budget'),
        el('div', { class: 'hint', text: money(budget.remaining) + ' left · resets ' + when(budget.reset_at)
          + (budget.granted > 0 ? ' · includes a temporary increase of ' + money(budget.granted) : '') })));
    }

    const limits = $('limits');
    limits.replaceChildren();
    for (const limit of data.rate_limits) {
      if (limit.request_max_limit !== null) limits.append(el('li', { text: limit.level + ': ' + number(limit.request_current_usage)
        + ' of ' + number(limit.request_max_limit) + ' requests ' + per(limit.request_reset_duration) }));
      if (limit.token_max_limit !== null) limits.append(el('li', { text: limit.level + ': ' + number(limit.token_current_usage)
        + ' of ' + number(limit.token_max_limit) + ' tokens ' + per(limit.token_reset_duration) }));
    }
    if (data.max_concurrent_requests !== null) limits.append(el('li', { text: 'At most ' + data.max_concurrent_requests + ' requests at once' }));
    if (limits.children.length === 0) limits.append(el('li', { class: 'empty', text: 'No rate limits apply to this key.' }));

    const rows = $('recent-rows');
    rows.replaceChildren();
    for (const entry of data.recent_requests) {
      const outcome = entry.status === 'success' ? String(entry.status_code)
        : entry.status_code + ' ' + (entry.refusal_reason || entry.status) + (entry.error_message ? ': ' + entry.error_message : '');
      rows.append(el('tr', {},
        el('td', { text: when(entry.at) }),
        el('td', { text: entry.model || entry.endpoint }),
        el('td', { class: 'outcome-' + entry.status, text: outcome }),
        el('td', { class: 'num', text: number(entry.input_tokens + entry.cache_read_input_tokens + entry.cache_creation_input_tokens) + ' / ' + number(entry.output_tokens) }),
        el('td', { class: 'num', text: money(entry.cost) + (entry.cost_estimated ? ' (est.)' : '') })));
    }
    if (data.recent_requests.length === 0) rows.append(el('tr', {}, el('td', { class: 'empty', colspan: '5', text: 'No requests yet.' })));
    usage.hidden = false;
  }

  async function load() {
    const key = sessionStorage.getItem(STORAGE);
    forget.hidden = refresh.hidden = !key;
    if (!key) return;
    errorBox.hidden = true;
    statusLine.textContent = 'Loading…';
    try {
      const response = await fetch('/v1/tollgate/usage', { headers: { authorization: 'Bearer ' + key }, cache: 'no-store' });
      const body = await response.json().catch(() => null);
      if (!response.ok) {
        const message = body && body.error && body.error.message ? body.error.message : 'The gateway answered ' + response.status + '.';
        if (response.status === 401) {
          sessionStorage.removeItem(STORAGE);
          forget.hidden = refresh.hidden = true;
          usage.hidden = true;
        }
        showError(message);
        statusLine.textContent = '';
        return;
      }
      render(body);
      statusLine.textContent = 'Updated ' + new Date().toLocaleTimeString() + '.';
    } catch (error) {
      showError('Could not reach the gateway: ' + (error && error.message ? error.message : error));
      statusLine.textContent = '';
    }
  }

  form.addEventListener('submit', (event) => {
    event.preventDefault();
    const key = input.value.trim();
    if (!key) return;
    sessionStorage.setItem(STORAGE, key);
    input.value = '';
    void load();
  });
  forget.addEventListener('click', () => {
    sessionStorage.removeItem(STORAGE);
    usage.hidden = true;
    forget.hidden = refresh.hidden = true;
    statusLine.textContent = 'Key forgotten.';
    input.focus();
  });
  refresh.addEventListener('click', () => void load());
  void load();
})();
`;

const page = (connect: string): string => `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="color-scheme" content="light dark">
<meta name="referrer" content="no-referrer">
<title>Your usage · Tollgate</title>
<style>${STYLE}</style>
</head>
<body>
<main>
  <h1>Your Tollgate usage</h1>
  <p class="hint">What your virtual key has spent, the budgets and limits it is under, and its latest requests.</p>
  <form id="key-form" method="post" autocomplete="off">
    <label for="key">Your virtual key</label>
    <div class="row">
      <input id="key" name="key" type="password" placeholder="sk-tg-…" spellcheck="false" aria-describedby="key-help">
      <button type="submit">Show my usage</button>
      <button type="button" id="refresh" class="secondary" hidden>Refresh</button>
      <button type="button" id="forget" class="secondary" hidden>Forget key</button>
    </div>
    <p id="key-help" class="hint">The key stays in this browser tab (sessionStorage) and is sent only to this gateway. Closing the tab forgets it.</p>
  </form>
  <p id="error" class="error" role="alert" hidden></p>
  <p id="status" class="hint" role="status" aria-live="polite"></p>
  <section id="usage" hidden aria-labelledby="who">
    <h2 id="who"></h2>
    <p id="org" class="hint"></p>
    <h3 id="spend-heading">Spend</h3>
    <dl id="spend" class="figures" aria-labelledby="spend-heading"></dl>
    <p id="zone" class="hint"></p>
    <h3 id="budgets-heading">Budgets</h3>
    <div id="budgets" role="group" aria-labelledby="budgets-heading"></div>
    <h3 id="limits-heading">Limits</h3>
    <ul id="limits" class="limits" aria-labelledby="limits-heading"></ul>
    <h3 id="recent-heading">Recent requests</h3>
    <table aria-labelledby="recent-heading">
      <caption>Newest first. Tokens are prompt (including cache) / output.</caption>
      <thead><tr><th scope="col">Time</th><th scope="col">Model</th><th scope="col">Outcome</th><th scope="col" class="num">Tokens</th><th scope="col" class="num">Cost</th></tr></thead>
      <tbody id="recent-rows"></tbody>
    </table>
  </section>
${connect}
</main>
<script>${SCRIPT}</script>
</body>
</html>
`;

const hash = (text: string): string => `'sha256-${createHash('sha256').update(text).digest('base64')}'`;

/** Only this page's own inline script and style, and requests back to the gateway that served it. */
export const USAGE_PAGE_CSP = [
  "default-src 'none'",
  `script-src ${hash(SCRIPT)}`,
  `style-src ${hash(STYLE)}`,
  "connect-src 'self'",
  "base-uri 'none'",
  "form-action 'none'",
  "frame-ancestors 'none'",
].join('; ');

/** What the caller knows that a request does not tell: the fingerprint of Tollgate's own CA. */
export interface UsagePageOptions {
  /**
   * SHA-256 fingerprint of the CA behind the LAN listener's TLS (the LAN status's
   * ca_fingerprint_sha256); the /login lines stop unless the downloaded certificate has it.
   */
  caFingerprint?: string | null;
}

function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (char) => `&#${char.charCodeAt(0)};`);
}

/** A host name or address fit to hand out in a snippet: letters, digits, dots and hyphens, or an IPv6 literal. */
const PLAIN_HOST = /^(?:[a-z0-9.-]+|\[[0-9a-f:.]+\])$/i;

/**
 * The base URL the page was reached on, which is the one the teammate's Claude Code can reach too:
 * the Host header when it is a plain host[:port] (the LAN listener has checked it against its own
 * names), else the listener's own address. Loopback answers without a Host check, so there a Host
 * that is not loopback (a DNS-rebinding page) is not repeated either. Over TLS the CA comes from the
 * same address, checked against `caFingerprint`.
 */
function reachedAt(req: IncomingMessage, caFingerprint: string | null): GatewayEndpoint {
  const tls = (req.socket as Partial<TLSSocket>).encrypted === true;
  const scheme = tls ? 'https' : 'http';
  const local = (req.socket.localAddress ?? '127.0.0.1').replace(/^::ffff:(?=\d+\.\d+\.\d+\.\d+$)/i, '');
  let origin = `${scheme}://${urlHost(local)}:${req.socket.localPort ?? ''}`;
  const host = req.headers.host;
  if (host) {
    try {
      const url = new URL(`${scheme}://${host}`);
      const plain = url.host === host.toLowerCase() && PLAIN_HOST.test(url.hostname);
      const hostname = url.hostname.replace(/^\[|\]$/g, '');
      if (plain && (!isLoopbackAddress(local) || isLoopbackHost(hostname))) origin = url.origin;
    } catch {
      // Not a host at all: the listener's own address stands.
    }
  }
  return tls
    ? { baseUrl: origin, caCertificateUrl: `${origin}${CA_CERTIFICATE_PATH}`, caFingerprint }
    : { baseUrl: origin };
}

/** The "Connect Claude Code with /login" section for `endpoint`, every value escaped. */
function connectSection(endpoint: GatewayEndpoint): string {
  const ca = endpoint.caCertificateUrl
    ? endpoint.caFingerprint
      ? `These lines download this gateway&#39;s certificate authority, stop unless its SHA-256 fingerprint is <code>${escapeHtml(endpoint.caFingerprint)}</code> (your admin sees it in Tollgate&#39;s settings), then`
      : 'These lines download this gateway&#39;s certificate authority for Claude Code to trust, then'
    : 'These lines';
  return `<section class="connect" aria-labelledby="connect-heading">
    <h2 id="connect-heading">Connect Claude Code with /login</h2>
    <p class="hint">No key to paste: Claude Code signs itself in to this gateway at <code>${escapeHtml(endpoint.baseUrl)}</code>. Run these lines in a terminal on your computer.</p>
    <pre tabindex="0" aria-label="Shell lines for /login"><code>${escapeHtml(loginShellLines(endpoint))}</code></pre>
    <p class="hint">${ca} add the gateway to <code>~/.claude/settings.json</code>, keeping what is already there.</p>
    <p>Then run <code>claude</code> and type <code>/login</code>. Claude Code shows a code and a link: open the link, enter the code with your name and email, and your Tollgate admin approves the sign-in.</p>
  </section>`;
}

/**
 * The page, for GET and HEAD. Anything else, a POST in particular, is what the key form sends when its
 * script did not run (the form posts so that the key never lands in a URL, a history or a log): its
 * body is discarded unread and the answer says so, echoing nothing.
 */
export function serveUsagePage(req: IncomingMessage, res: ServerResponse, options: UsagePageOptions = {}): void {
  const method = req.method ?? 'GET';
  if (method !== 'GET' && method !== 'HEAD') {
    req.resume();
    const message =
      `${method} is not supported on ${USAGE_PAGE_PATH}: the usage page needs JavaScript to show your usage, and it did not run. ` +
      'Tollgate ignored what was sent. Open the page again in a browser with JavaScript on.\n';
    res.writeHead(405, {
      allow: 'GET, HEAD',
      'content-type': 'text/plain; charset=utf-8',
      'content-length': Buffer.byteLength(message),
      'cache-control': 'no-store',
      'x-content-type-options': 'nosniff',
    });
    res.end(message);
    return;
  }
  const body = page(connectSection(reachedAt(req, options.caFingerprint ?? null)));
  res.writeHead(200, {
    'content-type': 'text/html; charset=utf-8',
    'content-length': Buffer.byteLength(body),
    'cache-control': 'no-cache',
    'content-security-policy': USAGE_PAGE_CSP,
    'referrer-policy': 'no-referrer',
    'x-content-type-options': 'nosniff',
    'x-frame-options': 'DENY',
  });
  res.end(method === 'HEAD' ? undefined : body);
}
