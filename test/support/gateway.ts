// Starts a real gateway on 127.0.0.1 port 0 with its own temporary data directory, wired to a
// stand-in upstream, plus small helpers for the admin API. Each test gets fresh state.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startGateway, type Gateway, type GatewayOptions } from '../../electron/gateway/gateway.js';
import { silentLogger } from '../../electron/gateway/logger.js';
import { startStandIn, type StandIn, type StandInOptions } from './upstream.js';

export const UPSTREAM_API_KEY = 'sk-ant-api03-test-upstream-key';

export interface TestGateway {
  gateway: Gateway;
  upstream: StandIn;
  url: string;
  dataDir: string;
  /** Calls the admin API with the admin token; returns status and parsed JSON. */
  admin<T = unknown>(method: string, path: string, body?: unknown): Promise<{ status: number; body: T }>;
  /** Creates a virtual key and returns its secret value and id. */
  createKey(name?: string, extra?: Record<string, unknown>): Promise<{ id: string; value: string }>;
  /** Stops the gateway (keeping the data dir) and starts a new one on the same directory. */
  restart(): Promise<void>;
  close(): Promise<void>;
}

export function tempDataDir(): string {
  return mkdtempSync(join(tmpdir(), 'tollgate-test-'));
}

export async function startTestGateway(
  options: { gateway?: Partial<GatewayOptions>; upstream?: StandInOptions; seedProviderKey?: boolean } = {},
): Promise<TestGateway> {
  const upstream = await startStandIn({ apiKey: UPSTREAM_API_KEY, ...options.upstream });
  const dataDir = options.gateway?.dataDir ?? tempDataDir();
  const gatewayOptions: GatewayOptions = {
    dataDir,
    port: 0,
    anthropicBaseUrl: upstream.url,
    env: options.seedProviderKey === false ? {} : { ANTHROPIC_API_KEY: UPSTREAM_API_KEY },
    logger: silentLogger,
    ...options.gateway,
  };
  let gateway = await startGateway(gatewayOptions);

  const handle: TestGateway = {
    get gateway() {
      return gateway;
    },
    upstream,
    get url() {
      return gateway.url;
    },
    dataDir,
    async admin<T>(method: string, path: string, body?: unknown) {
      const response = await fetch(gateway.url + path, {
        method,
        headers: { authorization: `Bearer ${gateway.adminToken}`, 'content-type': 'application/json' },
        ...(body !== undefined && { body: JSON.stringify(body) }),
      });
      const text = await response.text();
      return { status: response.status, body: (text ? JSON.parse(text) : null) as T };
    },
    async createKey(name = 'test key', extra = {}) {
      const { status, body } = await handle.admin<{ virtual_key: { id: string; value: string } }>(
        'POST',
        '/api/governance/virtual-keys',
        { name, ...extra },
      );
      if (status !== 201) throw new Error(`creating a key answered ${status}: ${JSON.stringify(body)}`);
      return { id: body.virtual_key.id, value: body.virtual_key.value };
    },
    async restart() {
      await gateway.close();
      gateway = await startGateway({ ...gatewayOptions, port: 0 });
    },
    async close() {
      await gateway.close();
      await upstream.close();
      rmSync(dataDir, { recursive: true, force: true });
    },
  };
  return handle;
}
