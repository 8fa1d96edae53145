// The audit trail stays bounded whatever reaches the port: failed admin sign-ins from one address are
// summed per window, and retention archives old entries to JSON Lines and prunes them behind a
// checkpoint, after which the chain still verifies (from the checkpoint) and so does the archive.
import Database from 'better-sqlite3';
import { createHash } from 'node:crypto';
import { readFileSync, readdirSync } from 'node:fs';
import { request } from 'node:http';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import type { RouteResponse } from '../../shared/contract.js';
import { auditArchiveDir, verifyArchive } from '../../electron/store/audit.js';
import { ManualClock } from '../support/clock.js';
import { startTestGateway, type TestGateway } from '../support/gateway.js';

type AuditPage = RouteResponse<'listAudit'>;
type AuditEntry = AuditPage['entries'][number];
type Verification = RouteResponse<'verifyAudit'>;

const DAY_MS = 86_400_000;
let handle: TestGateway | null = null;

afterEach(async () => {
  await handle?.close();
  handle = null;
});

async function auditEntries(gw: TestGateway): Promise<AuditEntry[]> {
  const { body } = await gw.admin<AuditPage>('GET', '/api/audit?limit=1000');
  return body.entries;
}

/** A keyless request as a foreign page's `no-cors` fetch sends it: a "simple" POST with a text body. */
function noCorsPost(base: string, path: string): Promise<number> {
  return new Promise((resolve, reject) => {
    const req = request(
      new URL(path, base),
      { method: 'POST', headers: { 'content-type': 'text/plain;charset=UTF-8' }, agent: false },
      (res) => {
        res.resume();
        res.on('end', () => resolve(res.statusCode ?? 0));
      },
    );
    req.on('error', reject);
    req.end('{"name":"planted"}');
  });
}

describe('failed admin sign-ins', () => {
  it('turns 300 failures with 8 KB paths from one address into a first entry and one summed entry, each small', async () => {
    const gw = (handle = await startTestGateway());
    const longPath = `/api/governance/virtual-keys/${'x'.repeat(8 * 1024)}`;
    for (let attempt = 0; attempt < 300; attempt++) {
      const status =
        attempt % 2 === 0
          ? await noCorsPost(gw.url, longPath)
          : (await fetch(gw.url + longPath, { headers: { authorization: `Bearer tg-admin-guess-${attempt}` } })).status;
      expect(status, `attempt ${attempt + 1}`).toBe(401);
    }

    const during = (await auditEntries(gw)).filter((entry) => entry.action === 'admin.sign_in_failed');
    expect(during).toHaveLength(1);
    expect(during[0]).toMatchObject({ actor: 'unknown', address: '127.0.0.1', after: { count: 1 } });
    expect(during[0]?.target_id?.length).toBeLessThanOrEqual(200);
    expect(during[0]?.target_id).toMatch(/^POST \/api\/governance\/virtual-keys\/x+…$/);

    // The window's other 299 failures are one entry, written when the window closes: here, at shutdown.
    await gw.restart();
    const entries = await auditEntries(gw);
    const failures = entries.filter((entry) => entry.action === 'admin.sign_in_failed');
    expect(failures).toHaveLength(2);
    const summary = failures.find((entry) => (entry.after as { summary?: boolean }).summary === true);
    expect(summary?.after).toMatchObject({
      count: 299,
      reasons: { admin_token_missing: 149, admin_token_wrong: 150 },
      window_minutes: 10,
    });
    const paths = (summary?.after as { paths: string[] }).paths;
    expect(paths).toEqual([`GET ${longPath}`.slice(0, 199) + '…', `POST ${longPath}`.slice(0, 199) + '…']);
    expect(JSON.stringify(entries).length).toBeLessThan(4096);
    expect(JSON.stringify(entries)).not.toContain('tg-admin-guess');
    expect(await gw.admin<Verification>('GET', '/api/audit/verify')).toMatchObject({
      body: { ok: true, entries: 2, checkpoint: null },
    });
  });
});

describe('audit retention', () => {
  it('archives entries past retention to JSON Lines, prunes them behind a checkpoint, and both halves still verify', async () => {
    const clock = new ManualClock(Date.parse('2026-01-05T09:00:00Z'));
    const gw = (handle = await startTestGateway({ gateway: { clock: clock.read } }));
    for (const name of ['first', 'second', 'third']) await gw.createKey(name);
    clock.advance(400 * DAY_MS);
    const recent = await gw.createKey('recent');

    const config = await gw.admin('PUT', '/api/config', { client_config: { audit_retention_days: 365 } });
    expect(config.status).toBe(200);
    expect(config.body).toMatchObject({ client_config: { audit_retention_days: 365 } });
    const archived = await gw.admin<RouteResponse<'archiveAudit'>>('POST', '/api/audit/archive', {});
    expect(archived.status).toBe(200);
    expect(archived.body).toMatchObject({ archived: 3, checkpoint: { first_id: 1, through_id: 3, entries: 3 } });
    const checkpoint = archived.body.checkpoint;
    if (!checkpoint) throw new Error('no checkpoint');

    // The archive: the three entries whole, with their hashes, verifying on their own up to the checkpoint.
    const archivePath = join(auditArchiveDir(gw.dataDir), checkpoint.archive_file);
    const text = readFileSync(archivePath, 'utf8');
    expect(createHash('sha256').update(text).digest('hex')).toBe(checkpoint.archive_sha256);
    const lines = text
      .trim()
      .split('\n')
      .map((line) => JSON.parse(line) as { id: number; action: string; hash: string });
    expect(lines.map((line) => [line.id, line.action])).toEqual([
      [1, 'createVirtualKey'],
      [2, 'createVirtualKey'],
      [3, 'createVirtualKey'],
    ]);
    expect(verifyArchive(archivePath)).toMatchObject({ ok: true, entries: 3, head: checkpoint.through_hash });

    // What remains: the recent key, the settings change, the archive record; verified from the checkpoint.
    const remaining = await auditEntries(gw);
    expect(remaining.map((entry) => entry.action).reverse()).toEqual([
      'createVirtualKey',
      'updateConfig',
      'audit.archived',
      'archiveAudit',
    ]);
    expect(remaining.at(-1)?.target_id).toBe(recent.id);
    expect(remaining.find((entry) => entry.action === 'audit.archived')?.after).toMatchObject({
      through_id: 3,
      through_hash: checkpoint.through_hash,
      archive_sha256: checkpoint.archive_sha256,
    });
    expect((await gw.admin<Verification>('GET', '/api/audit/verify')).body).toEqual({
      ok: true,
      entries: 4,
      head: remaining[0]?.hash,
      checkpoint,
    });

    // Only what a checkpoint covers can be removed; a checkpoint must name a real entry; neither table can be edited.
    const db = new Database(join(gw.dataDir, 'tollgate.db'));
    try {
      expect(() => db.prepare('DELETE FROM audit_log WHERE id = ?').run(4)).toThrow(/append-only/);
      expect(() =>
        db
          .prepare(
            `INSERT INTO audit_checkpoints (at, first_id, through_id, through_hash, entries, archive_file, archive_sha256)
             VALUES (0, 4, 4, 'forged', 1, 'x', 'y')`,
          )
          .run(),
      ).toThrow(/must name an audit entry/);
      expect(() => db.prepare('DELETE FROM audit_checkpoints').run()).toThrow(/append-only/);
    } finally {
      db.close();
    }
  });

  it('sweeps on its own at start, keeps everything at 0, and reports entries missing after the checkpoint', async () => {
    const clock = new ManualClock(Date.parse('2026-01-05T09:00:00Z'));
    const gw = (handle = await startTestGateway({ gateway: { clock: clock.read } }));
    await gw.createKey('old');
    await gw.admin('PUT', '/api/config', { client_config: { audit_retention_days: 0 } });
    clock.advance(5000 * DAY_MS);
    await gw.restart();
    expect(await gw.admin('POST', '/api/audit/archive', {})).toMatchObject({ body: { archived: 0, checkpoint: null } });
    expect(readdirSync(gw.dataDir)).not.toContain('audit-archive');

    await gw.admin('PUT', '/api/config', { client_config: { audit_retention_days: 30 } });
    clock.advance(31 * DAY_MS);
    await gw.restart(); // the retention sweep runs as the gateway starts
    const verification = (await gw.admin<Verification>('GET', '/api/audit/verify')).body;
    expect(verification).toMatchObject({ ok: true, checkpoint: { first_id: 1, through_id: 4 } });
    expect(readdirSync(auditArchiveDir(gw.dataDir))).toEqual([verification.checkpoint?.archive_file]);

    // An entry after the checkpoint removed behind Tollgate's back (the trigger dropped first) is a gap;
    // so is a trail emptied: the archive's own entry always follows its checkpoint.
    await gw.createKey('after');
    const tamper = async (sql: string): Promise<Verification> => {
      await gw.gateway.close();
      const db = new Database(join(gw.dataDir, 'tollgate.db'));
      db.exec(sql);
      db.close();
      await gw.restart();
      return (await gw.admin<Verification>('GET', '/api/audit/verify')).body;
    };
    expect(await tamper('DROP TRIGGER audit_log_no_delete; DELETE FROM audit_log WHERE id = 5;')).toMatchObject({
      ok: false,
      broken_at: 6,
      reason: 'entry 5 is missing after the checkpoint: removed without being archived',
    });
    expect(await tamper('DELETE FROM audit_log')).toMatchObject({ ok: false, broken_at: 5 });
  });
});
