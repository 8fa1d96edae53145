// One error class for every refusal the gateway makes, and one function that renders it in the
// Anthropic error shape, so Claude Code and the SDK show the message to the person who can act on it.
import type { ServerResponse } from 'node:http';

/** Anthropic's error types (https://docs.anthropic.com/en/api/errors). */
export type AnthropicErrorType =
  | 'invalid_request_error'
  | 'authentication_error'
  | 'billing_error'
  | 'permission_error'
  | 'not_found_error'
  | 'request_too_large'
  | 'rate_limit_error'
  | 'api_error'
  | 'timeout_error'
  | 'overloaded_error'
  // What a provider cannot do (count_tokens on an inference profile, a type this version cannot send to).
  | 'not_supported';

export class GatewayError extends Error {
  constructor(
    readonly status: number,
    readonly type: AnthropicErrorType,
    message: string,
    /** Extra response headers, e.g. retry-after or x-should-retry. */
    readonly headers: Record<string, string> = {},
    /** Why governance refused the request, for the log (`budget_exhausted`, `model_denied`, …); null for failures. */
    readonly reason: string | null = null,
  ) {
    super(message);
  }
}

export const badRequest = (message: string): GatewayError => new GatewayError(400, 'invalid_request_error', message);
export const notFound = (message: string): GatewayError => new GatewayError(404, 'not_found_error', message);

export function errorBody(type: AnthropicErrorType, message: string, requestId?: string): string {
  return JSON.stringify({ type: 'error', error: { type, message }, ...(requestId && { request_id: requestId }) });
}

/** Turns anything thrown into a GatewayError; unexpected errors become a generic api_error (no stack traces). */
export function asGatewayError(error: unknown): GatewayError {
  if (error instanceof GatewayError) return error;
  return new GatewayError(500, 'api_error', 'Tollgate hit an internal error handling this request; see the gateway log.');
}

const isPermanent = (status: number): boolean => status >= 400 && status < 500 && status !== 408 && status !== 429;

export function sendError(res: ServerResponse, error: GatewayError, requestId?: string): void {
  if (res.headersSent) {
    res.destroy();
    return;
  }
  const body = errorBody(error.type, error.message, requestId);
  res.writeHead(error.status, {
    'content-type': 'application/json',
    'content-length': Buffer.byteLength(body),
    ...(requestId && { 'request-id': requestId, 'x-tollgate-request-id': requestId }),
    // Claude Code and the SDKs retry unless told not to; a refusal that cannot change on retry
    // (bad key, bad request) should reach the person at once instead of after minutes of retries.
    ...(isPermanent(error.status) && { 'x-should-retry': 'false' }),
    ...error.headers,
  });
  res.end(body);
}
