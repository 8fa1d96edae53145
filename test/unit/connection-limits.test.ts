// The limits every listener starts with: TOLLGATE_* variables in seconds over sane defaults, a
// mistyped one refused by name (the CLI) or reported and left at its default (a listener), and the
// Node server options they become.
import { describe, expect, it } from 'vitest';
import {
  ConfigError,
  connectionLimits,
  DEFAULT_CONNECTION_LIMITS,
  readConnectionLimits,
  readServeConfig,
} from '../../electron/config.js';
import { httpServerOptions } from '../../electron/gateway/server.js';

describe('connection limits', () => {
  it('defaults to 60 s for headers and for each stretch of a body, 65 s idle and 64 connections per address', () => {
    expect(readConnectionLimits({})).toEqual({
      headersTimeoutMs: 60_000,
      bodyTimeoutMs: 60_000,
      idleTimeoutMs: 65_000,
      connectionsPerAddress: 64,
    });
  });

  it('reads seconds, fractions included, and a whole number of connections from TOLLGATE_* variables', () => {
    expect(
      readConnectionLimits({
        TOLLGATE_HEADERS_TIMEOUT: '30',
        TOLLGATE_BODY_TIMEOUT: '0.5',
        TOLLGATE_IDLE_TIMEOUT: '120',
        TOLLGATE_MAX_CONNECTIONS_PER_ADDRESS: '16',
      }),
    ).toEqual({ headersTimeoutMs: 30_000, bodyTimeoutMs: 500, idleTimeoutMs: 120_000, connectionsPerAddress: 16 });
  });

  it('refuses a limit that does not parse, naming its variable, and the CLI with it', () => {
    expect(() => readConnectionLimits({ TOLLGATE_HEADERS_TIMEOUT: '0' })).toThrow(/TOLLGATE_HEADERS_TIMEOUT/);
    expect(() => readConnectionLimits({ TOLLGATE_BODY_TIMEOUT: 'soon' })).toThrow(ConfigError);
    expect(() => readConnectionLimits({ TOLLGATE_MAX_CONNECTIONS_PER_ADDRESS: '2.5' })).toThrow(
      /TOLLGATE_MAX_CONNECTIONS_PER_ADDRESS must be a whole number/,
    );
    expect(() => readServeConfig([], { TOLLGATE_IDLE_TIMEOUT: '-1' })).toThrow(/TOLLGATE_IDLE_TIMEOUT/);
  });

  it('keeps the default of a limit a listener cannot read, and says so', () => {
    const warnings: string[] = [];
    const limits = connectionLimits({ TOLLGATE_IDLE_TIMEOUT: 'forever', TOLLGATE_HEADERS_TIMEOUT: '5' }, (error) =>
      warnings.push(error.message),
    );
    expect(limits).toEqual({ ...DEFAULT_CONNECTION_LIMITS, headersTimeoutMs: 5_000 });
    expect(warnings).toEqual(['TOLLGATE_IDLE_TIMEOUT must be 0.1-3600 seconds, not "forever".']);
  });

  it('bounds headers and idle connections in Node, never a whole request, and checks often enough to keep to the headers timeout', () => {
    expect(httpServerOptions(DEFAULT_CONNECTION_LIMITS)).toMatchObject({
      headersTimeout: 60_000,
      requestTimeout: 0,
      keepAliveTimeout: 65_000,
      connectionsCheckingInterval: 15_000,
    });
    expect(httpServerOptions({ ...DEFAULT_CONNECTION_LIMITS, headersTimeoutMs: 400 }).connectionsCheckingInterval).toBe(
      100,
    );
  });
});
