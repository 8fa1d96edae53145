// `npm run icons` (by hand; the PNGs are committed): draws Tollgate's icons as SVG and renders them with
// Debian's Chromium through playwright-core. The motif is a toll barrier: a post with a boom arm, raised
// while traffic flows and lowered when the gateway is paused, so the state reads by shape as well as
// colour at 16 px.
//   build/icon.svg, icon.png (1024 px), icon.icns (macOS) and icon.ico (Windows), from the same drawing;
//   build/tray/tray-<state>.png (16 px) and tray-<state>@2x.png (32 px) for running, paused, lan, warning, error;
//   build/tray/trayTemplate.png and trayTemplate@2x.png: black and alpha, a macOS template image.
import { mkdirSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { chromium, type Page } from 'playwright-core';

const BUILD = resolve(import.meta.dirname, '..');
const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';

type TrayState = 'running' | 'paused' | 'lan' | 'warning' | 'error';

const TRAY_COLOURS: Record<TrayState, string> = {
  running: '#16a34a',
  paused: '#6b7280',
  lan: '#2563eb',
  warning: '#d97706',
  error: '#dc2626',
};

/** The tray glyph on a 16-unit grid: a post with a pivot, and the arm raised (open) or lowered (paused). */
function traySvg(colour: string, raised: boolean): string {
  const arm = raised ? '<line x1="3.2" y1="7.4" x2="14.6" y2="1.6"/>' : '<line x1="3.2" y1="7.4" x2="15" y2="7.4"/>';
  return `<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 16 16">
  <g fill="${colour}" stroke="${colour}">
    <rect x="1.6" y="7" width="3.2" height="8" rx="0.6" stroke="none"/>
    <rect x="0.4" y="13.8" width="5.6" height="1.8" rx="0.5" stroke="none"/>
    <g stroke-width="2.6" stroke-linecap="round">${arm}</g>
    <circle cx="3.2" cy="7.4" r="2.3" stroke="none"/>
  </g>
</svg>`;
}

/** The application icon on a 1024 grid: a striped boom arm over a road, on a rounded teal tile. */
function appSvg(): string {
  const stripes = [0, 1, 2, 3, 4]
    .map((i) => `<rect x="${380 + i * 112}" y="0" width="56" height="100" fill="#dc2626"/>`)
    .join('');
  return `<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 1024 1024">
  <defs>
    <linearGradient id="tile" x1="0" y1="0" x2="0" y2="1">
      <stop offset="0" stop-color="#14b8a6"/>
      <stop offset="1" stop-color="#0f766e"/>
    </linearGradient>
    <clipPath id="arm"><rect x="300" y="0" width="640" height="100" rx="50"/></clipPath>
    <clipPath id="tile-shape"><rect x="64" y="64" width="896" height="896" rx="200"/></clipPath>
  </defs>
  <rect x="64" y="64" width="896" height="896" rx="200" fill="url(#tile)"/>
  <rect x="64" y="760" width="896" height="200" fill="#134e4a" opacity="0.55" clip-path="url(#tile-shape)"/>
  <rect x="150" y="790" width="724" height="26" rx="13" fill="#f8fafc" opacity="0.85"/>
  <g transform="rotate(-24 300 520)">
    <g transform="translate(0 470)" clip-path="url(#arm)">
      <rect x="300" y="0" width="640" height="100" fill="#f8fafc"/>
      ${stripes}
    </g>
  </g>
  <rect x="220" y="470" width="160" height="340" rx="28" fill="#f8fafc"/>
  <rect x="196" y="780" width="208" height="48" rx="16" fill="#e2e8f0"/>
  <circle cx="300" cy="520" r="74" fill="#1e293b"/>
  <circle cx="300" cy="520" r="30" fill="#f8fafc"/>
  <circle cx="300" cy="650" r="34" fill="#22c55e"/>
</svg>`;
}

async function render(page: Page, svg: string, size: number): Promise<Buffer> {
  await page.setViewportSize({ width: size, height: size });
  const sized = svg.replace('<svg ', `<svg width="${size}" height="${size}" `);
  await page.setContent(`<!doctype html><html><body style="margin:0;background:transparent">${sized}</body></html>`);
  return page.screenshot({ omitBackground: true, clip: { x: 0, y: 0, width: size, height: size } });
}

/** A Windows .ico whose entries are PNGs (supported since Vista); 256 is written as 0 in the directory. */
function ico(images: { size: number; png: Buffer }[]): Buffer {
  const header = Buffer.alloc(6 + 16 * images.length);
  header.writeUInt16LE(0, 0);
  header.writeUInt16LE(1, 2);
  header.writeUInt16LE(images.length, 4);
  let offset = header.length;
  images.forEach(({ size, png }, index) => {
    const entry = 6 + 16 * index;
    header.writeUInt8(size >= 256 ? 0 : size, entry);
    header.writeUInt8(size >= 256 ? 0 : size, entry + 1);
    header.writeUInt16LE(1, entry + 4); // colour planes
    header.writeUInt16LE(32, entry + 6); // bits per pixel
    header.writeUInt32LE(png.length, entry + 8);
    header.writeUInt32LE(offset, entry + 12);
    offset += png.length;
  });
  return Buffer.concat([header, ...images.map((image) => image.png)]);
}

/** A macOS .icns of PNG entries, keyed by Apple's OSType for each pixel size and scale. */
function icns(entries: { type: string; png: Buffer }[]): Buffer {
  const chunks = entries.map(({ type, png }) => {
    const head = Buffer.alloc(8);
    head.write(type, 0, 'ascii');
    head.writeUInt32BE(png.length + 8, 4);
    return Buffer.concat([head, png]);
  });
  const head = Buffer.alloc(8);
  head.write('icns', 0, 'ascii');
  head.writeUInt32BE(8 + chunks.reduce((sum, chunk) => sum + chunk.length, 0), 4);
  return Buffer.concat([head, ...chunks]);
}

const ICNS_TYPES: { type: string; size: number }[] = [
  { type: 'icp4', size: 16 },
  { type: 'icp5', size: 32 },
  { type: 'ic11', size: 32 },
  { type: 'ic12', size: 64 },
  { type: 'ic07', size: 128 },
  { type: 'ic08', size: 256 },
  { type: 'ic13', size: 256 },
  { type: 'ic09', size: 512 },
  { type: 'ic14', size: 512 },
  { type: 'ic10', size: 1024 },
];

async function main(): Promise<void> {
  const browser = await chromium.launch({ executablePath: CHROMIUM, headless: true, args: ['--no-sandbox', '--disable-gpu'] });
  try {
    const page = await browser.newPage({ deviceScaleFactor: 1 });
    const written: string[] = [];
    const write = (path: string, data: Buffer | string): void => {
      writeFileSync(path, data);
      written.push(path);
    };

    const app = appSvg();
    write(join(BUILD, 'icon.svg'), app + '\n');
    const appPngs = new Map<number, Buffer>();
    for (const size of [16, 24, 32, 48, 64, 128, 256, 512, 1024]) appPngs.set(size, await render(page, app, size));
    const png = (size: number): Buffer => appPngs.get(size) ?? Buffer.alloc(0);
    write(join(BUILD, 'icon.png'), png(1024));
    write(join(BUILD, 'icon.ico'), ico([16, 24, 32, 48, 64, 128, 256].map((size) => ({ size, png: png(size) }))));
    write(join(BUILD, 'icon.icns'), icns(ICNS_TYPES.map(({ type, size }) => ({ type, png: png(size) }))));

    const trayDir = join(BUILD, 'tray');
    mkdirSync(trayDir, { recursive: true });
    for (const state of Object.keys(TRAY_COLOURS) as TrayState[]) {
      const svg = traySvg(TRAY_COLOURS[state], state !== 'paused');
      write(join(trayDir, `tray-${state}.png`), await render(page, svg, 16));
      write(join(trayDir, `tray-${state}@2x.png`), await render(page, svg, 32));
    }
    const template = traySvg('#000000', true);
    write(join(trayDir, 'trayTemplate.png'), await render(page, template, 16));
    write(join(trayDir, 'trayTemplate@2x.png'), await render(page, template, 32));
    console.log(written.map((path) => `wrote ${path}`).join('\n'));
  } finally {
    await browser.close();
  }
}

main().catch((error: unknown) => {
  console.error('render-icons failed:', error);
  process.exit(1);
});
