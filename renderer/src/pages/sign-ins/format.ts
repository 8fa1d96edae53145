// Words for a sign-in: the client it came from and how long its code still works.
import type { User } from '../../stores/organisation';

/** `claude_code` → `Claude Code`; what another client said it was, as it said it. */
export function surfaceLabel(surface: string | null): string {
  if (surface === 'claude_code') return 'Claude Code';
  return surface ? surface.slice(0, 40) : 'A client';
}

/** Milliseconds left → `14:05` (minutes and seconds); never negative. */
export function formatTimeLeft(ms: number): string {
  const seconds = Math.max(0, Math.ceil(ms / 1000));
  return `${Math.floor(seconds / 60)}:${String(seconds % 60).padStart(2, '0')}`;
}

/** The user whose email is the one the teammate entered (case aside), as the gateway would reuse. */
export function userWithEmail(users: readonly User[], email: string | null): User | undefined {
  const wanted = email?.trim().toLowerCase();
  if (!wanted) return undefined;
  return users.find((user) => user.email?.trim().toLowerCase() === wanted);
}
