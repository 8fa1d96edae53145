// What every Anthropic-shaped upstream call shares: which request headers travel (none that describe
// the connection, none that carry the caller's credentials), how the provider's own credential is
// put on, and how a network failure is described to the admin.
import type { IncomingHttpHeaders } from 'node:http';
import { errors as undiciErrors } from 'undici';

/** Headers that describe one connection, not the request (RFC 9110 §7.6.1), plus ones we recompute. */
export const HOP_BY_HOP = new Set([
  'connection',
  'keep-alive',
  'proxy-authenticate',
  'proxy-authorization',
  'proxy-connection',
  'te',
  'trailer',
  'transfer-encoding',
  'upgrade',
  'host',
  'content-length',
  // Asked for identity so the tap can read the stream; the client still gets exactly the upstream's bytes.
  'accept-encoding',
]);

/** Headers that carry the caller's credentials: never forwarded upstream. */
const CREDENTIAL_HEADERS = new Set(['authorization', 'x-api-key', 'x-tollgate-key', 'x-bf-vk', 'api-key']);

/** The provider's own credential: its header (`x-api-key`, Foundry's `api-key`) and value. */
export interface UpstreamCredential {
  header: string;
  value: string;
}

/**
 * The client's headers as the upstream gets them, with `credential` put on; null forwards the client's
 * own `authorization` (a subscriber's OAuth sign-in) instead.
 */
export function upstreamHeaders(
  incoming: IncomingHttpHeaders,
  credential: UpstreamCredential | null,
): Record<string, string | string[]> {
  const connection = incoming.connection;
  const connectionScoped = new Set(
    (Array.isArray(connection) ? connection.join(',') : (connection ?? ''))
      .split(',')
      .map((name) => name.trim().toLowerCase()),
  );
  const headers: Record<string, string | string[]> = {};
  for (const [name, value] of Object.entries(incoming)) {
    if (value === undefined || HOP_BY_HOP.has(name) || connectionScoped.has(name)) continue;
    if (CREDENTIAL_HEADERS.has(name) && !(credential === null && name === 'authorization')) continue;
    if (name.startsWith('x-tollgate-')) continue;
    headers[name] = value;
  }
  if (credential !== null) headers[credential.header] = credential.value;
  headers['accept-encoding'] = 'identity';
  return headers;
}

export function describeNetworkError(error: unknown): string {
  if (error instanceof undiciErrors.UndiciError) return error.message;
  if (error instanceof Error) {
    const code = (error as NodeJS.ErrnoException).code;
    const cause = error.cause instanceof Error ? error.cause.message : null;
    return [code, cause ?? error.message].filter(Boolean).join(' ');
  }
  return 'unknown error';
}
