// A teammate's computer on the LAN, made from a Linux network namespace: its own loopback and one
// veth link to this host, so anything run inside it reaches the gateway only through the host's
// "LAN" address, exactly as a second machine would. Needs root and iproute2; netnsUnavailable() says
// plainly why not when either is missing.
import { execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { runProcess, type FinishedProcess, type ProcessOptions } from './processes.js';

const IP_CANDIDATES = ['/usr/sbin/ip', '/sbin/ip', '/usr/bin/ip', '/bin/ip'];

export interface TeammateHost {
  /** The namespace's name, for `ip netns exec`. */
  readonly name: string;
  /** This host's address on the link: where the gateway's LAN listener goes. */
  readonly hostAddress: string;
  /** The teammate's own address on the link. */
  readonly teammateAddress: string;
  /** Runs a command inside the namespace with the given environment. */
  run(
    command: string,
    args: readonly string[],
    options?: ProcessOptions & { timeoutMs?: number },
  ): Promise<FinishedProcess>;
  /** Deletes the link and the namespace. */
  remove(): void;
}

function ipBinary(): string | null {
  return IP_CANDIDATES.find((candidate) => existsSync(candidate)) ?? null;
}

/** Why a namespace cannot be made here, or null when it can. */
export function netnsUnavailable(): string | null {
  if (process.platform !== 'linux') return `network namespaces are Linux-only (this is ${process.platform})`;
  if (process.getuid?.() !== 0) return 'creating a network namespace needs root';
  if (!ipBinary()) return 'the `ip` command (Debian package iproute2) is not installed';
  return null;
}

/**
 * Creates the namespace and link: host side `hostAddress`/30, teammate side `teammateAddress`/30.
 * Names carry the process id so parallel runs do not collide, and anything left by a crashed earlier
 * run of the same process id is removed first.
 */
export function createTeammateHost(subnet = '10.213.0'): TeammateHost {
  const ip = ipBinary();
  if (!ip) throw new Error('iproute2 is not installed');
  const suffix = String(process.pid % 100_000);
  const name = `tollgate-teammate-${suffix}`;
  const hostLink = `tgh${suffix}`;
  const teammateLink = `tgt${suffix}`;
  const hostAddress = `${subnet}.1`;
  const teammateAddress = `${subnet}.2`;
  const run = (...args: string[]): void => {
    execFileSync(ip, args, { stdio: ['ignore', 'ignore', 'pipe'] });
  };
  const quietly = (...args: string[]): void => {
    try {
      run(...args);
    } catch {
      // Nothing to remove.
    }
  };
  const remove = (): void => {
    quietly('link', 'delete', hostLink);
    quietly('netns', 'delete', name);
  };

  remove();
  try {
    run('netns', 'add', name);
    run('link', 'add', hostLink, 'type', 'veth', 'peer', 'name', teammateLink);
    run('link', 'set', teammateLink, 'netns', name);
    run('address', 'add', `${hostAddress}/30`, 'dev', hostLink);
    run('link', 'set', hostLink, 'up');
    run('-n', name, 'address', 'add', `${teammateAddress}/30`, 'dev', teammateLink);
    run('-n', name, 'link', 'set', teammateLink, 'up');
    run('-n', name, 'link', 'set', 'lo', 'up');
  } catch (error) {
    remove();
    const stderr = (error as { stderr?: Buffer }).stderr?.toString().trim();
    throw new Error(`could not create the teammate's network namespace: ${stderr || String(error)}`, { cause: error });
  }

  return {
    name,
    hostAddress,
    teammateAddress,
    run: (command, args, options = {}) =>
      runProcess(ip, ['netns', 'exec', name, command, ...args], { name: command, ...options }),
    remove,
  };
}
