// What the listeners refuse below the router, as GET /metrics reports it: read from their counts at
// each scrape, by listener and a reason from a fixed set, never by the parser's own error code.
import { describe, expect, it } from 'vitest';
import { GatewayMetrics, refusalsByReason } from '../../electron/gateway/metrics.js';
import { ConnectionRefusals } from '../../electron/gateway/server.js';

const series = async (metrics: GatewayMetrics, name: string): Promise<string[]> =>
  (await metrics.render()).split('\n').filter((line) => line.startsWith(name));

describe('refusalsByReason', () => {
  it('names the oversized headers and chunk extensions, folds every other parser code into malformed, and gives every reason', () => {
    const refusals = new ConnectionRefusals();
    refusals.malformed.set('HPE_HEADER_OVERFLOW', 2);
    refusals.malformed.set('HPE_CHUNK_EXTENSIONS_OVERFLOW', 1);
    refusals.malformed.set('HPE_UNEXPECTED_CONTENT_LENGTH', 3);
    refusals.malformed.set('HPE_INVALID_CHUNK_SIZE', 4);
    refusals.malformed.set('unknown', 1);
    refusals.headersTimedOut = 5;
    refusals.silentClosed = 6;
    refusals.bodiesStalled = 7;
    refusals.overConnectionCap = 8;
    expect(refusalsByReason(refusals)).toEqual({
      header_too_large: 2,
      chunk_extensions_too_large: 1,
      malformed: 8,
      headers_timeout: 5,
      idle_before_request: 6,
      body_stalled: 7,
      connection_cap: 8,
    });
  });
});

describe('GatewayMetrics refusal counters', () => {
  it('reports each listener given it as counters, summing the counts one listener role shares, and follows them as they grow', async () => {
    const metrics = new GatewayMetrics();
    const local = new ConnectionRefusals();
    const lanA = new ConnectionRefusals();
    const lanB = new ConnectionRefusals();
    metrics.countRefusals('local', local);
    metrics.countRefusals('lan', lanA);
    metrics.countRefusals('lan', lanB);
    // Given twice (a second router on one gateway), still counted once.
    metrics.countRefusals('lan', lanB);
    local.malformed.set('HPE_HEADER_OVERFLOW', 1);
    lanA.overConnectionCap = 2;
    lanB.overConnectionCap = 3;

    const text = await metrics.render();
    expect(text).toContain('# TYPE tollgate_connection_refusals_total counter');
    expect(await series(metrics, 'tollgate_connection_refusals_total')).toEqual(
      expect.arrayContaining([
        'tollgate_connection_refusals_total{listener="local",reason="header_too_large"} 1',
        'tollgate_connection_refusals_total{listener="local",reason="connection_cap"} 0',
        'tollgate_connection_refusals_total{listener="lan",reason="connection_cap"} 5',
        'tollgate_connection_refusals_total{listener="lan",reason="header_too_large"} 0',
      ]),
    );
    expect(await series(metrics, 'tollgate_connection_refusals_total')).toHaveLength(14);

    local.malformed.set('HPE_HEADER_OVERFLOW', 4);
    local.malformed.set('HPE_INVALID_METHOD', 1);
    expect(await series(metrics, 'tollgate_connection_refusals_total')).toEqual(
      expect.arrayContaining([
        'tollgate_connection_refusals_total{listener="local",reason="header_too_large"} 4',
        'tollgate_connection_refusals_total{listener="local",reason="malformed"} 1',
        'tollgate_connection_refusals_total{listener="lan",reason="connection_cap"} 5',
      ]),
    );
  });

  it('has no refusal series for a listener never given, and counts throttled refusals from their source', async () => {
    const metrics = new GatewayMetrics();
    expect(await series(metrics, 'tollgate_connection_refusals_total')).toEqual([]);
    expect(await series(metrics, 'tollgate_throttled_refusals_total')).toEqual(['tollgate_throttled_refusals_total 0']);

    const attempts = { refusedWhileThrottled: 7 };
    metrics.countThrottled(attempts);
    expect(await metrics.render()).toContain('# TYPE tollgate_throttled_refusals_total counter');
    expect(await series(metrics, 'tollgate_throttled_refusals_total')).toEqual(['tollgate_throttled_refusals_total 7']);
    attempts.refusedWhileThrottled = 9;
    expect(await series(metrics, 'tollgate_throttled_refusals_total')).toEqual(['tollgate_throttled_refusals_total 9']);
  });
});
