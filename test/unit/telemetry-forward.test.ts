// The forwarder's bounds, against a collector on loopback that takes requests and never answers:
// two posts at a time, the queue capped, what does not fit dropped and counted, and a close that
// waits no longer than it is given, cuts off what is open and drops what is left.
import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterEach, beforeEach, expect, it } from 'vitest';
import { silentLogger } from '../../electron/gateway/logger.js';
import { FORWARD_LIMITS, signalUrl, TelemetryForwarder } from '../../electron/gateway/telemetry-forward.js';

let stalled: Server;
let base: string;
let arrived: IncomingMessage[];

beforeEach(async () => {
  arrived = [];
  stalled = createServer((req) => {
    arrived.push(req);
    req.resume();
  });
  await new Promise<void>((resolve) => stalled.listen(0, '127.0.0.1', resolve));
  base = `http://127.0.0.1:${(stalled.address() as AddressInfo).port}/`;
});

afterEach(async () => {
  stalled.closeAllConnections();
  await new Promise((resolve) => stalled.close(resolve));
});

it('puts each signal under v1/ of the base, as OTLP/HTTP exporters do', () => {
  expect(signalUrl('http://c:4318', 'logs')).toBe('http://c:4318/v1/logs');
  expect(signalUrl('http://c:4318/otel//', 'traces')).toBe('http://c:4318/otel/v1/traces');
});

it('holds at most the queue bound behind a collector that never answers, drops and counts the rest, and closes on time', async () => {
  const forwarder = new TelemetryForwarder(silentLogger, Date.now);
  const body = Buffer.from('{}');
  const total = FORWARD_LIMITS.queuedExports + FORWARD_LIMITS.concurrent + 10;
  const queued = Array.from({ length: total }, () => forwarder.send(base, 'logs', body, 'application/json'));

  expect(queued.filter(Boolean)).toHaveLength(FORWARD_LIMITS.queuedExports + FORWARD_LIMITS.concurrent);
  expect(forwarder.counts.get('logs:dropped')).toBe(10);
  const deadline = Date.now() + 5_000;
  while (arrived.length < FORWARD_LIMITS.concurrent && Date.now() < deadline)
    await new Promise((resolve) => setTimeout(resolve, 10));
  // Only two posts are ever open at once.
  await new Promise((resolve) => setTimeout(resolve, 100));
  expect(arrived).toHaveLength(FORWARD_LIMITS.concurrent);

  // The two posts still open are cut off (failed) rather than waited for to their own deadline.
  await forwarder.close(200);
  expect(forwarder.counts.get('logs:dropped')).toBe(10 + FORWARD_LIMITS.queuedExports);
  expect(forwarder.counts.get('logs:failed')).toBe(FORWARD_LIMITS.concurrent);
  expect(forwarder.send(base, 'logs', body, 'application/json')).toBe(false);
});

it('refuses an export that would take the queue past its byte bound', () => {
  const forwarder = new TelemetryForwarder(silentLogger, Date.now);
  const big = Buffer.alloc(FORWARD_LIMITS.queuedBytes + 1);
  expect(forwarder.send(base, 'metrics', big, 'application/x-protobuf')).toBe(false);
  expect(forwarder.counts.get('metrics:dropped')).toBe(1);
  return forwarder.close(0);
});
