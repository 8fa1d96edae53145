// `npm run doctor`: checks a Tollgate store and says, a line per check, what holds and what does not.
// It opens the database read-only and changes nothing, unless --repair, which recomputes budget usage
// from the charges (electron/store/doctor.ts holds the checks and that one repair). The data directory
// resolves as `npm run serve` resolves it. Exit status: 0 all hold, 1 something does not, 2 bad usage
// or a store this version cannot read.
import Database from 'better-sqlite3';
import { existsSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { defaultDataDir } from './config.js';
import { NewerDatabaseError, openDatabase } from './store/database.js';
import {
  checkIntegrity,
  checkStore,
  NAMED_AT_MOST,
  repairBudgetUsage,
  type BudgetCheck,
  type BudgetOwner,
  type DoctorReport,
  type RepairedPeriod,
} from './store/doctor.js';
import { migrations } from './store/migrations/index.js';
import { lockHolder } from './store/data-dir-lock.js';

/** The file startGateway opens in the data directory. */
const DATABASE_FILE = 'tollgate.db';
/** Who the audit log says repaired a budget. */
const ACTOR = 'npm run doctor';

export const USAGE = `Usage: npm run doctor -- [options]

Checks a Tollgate store: SQLite integrity, each budget's usage against the charges it is made of, the
audit chain, and requests left in flight by a gateway that stopped. Read-only unless --repair.

  --data-dir DIR   the data directory     (TOLLGATE_DATA_DIR, default ${defaultDataDir()})
  --repair         set each budget period's usage to the sum of its charges (audited), then check again
  --json           print the report as JSON
  -h, --help       show this help

Exit status: 0 when every check holds, 1 when one does not, 2 for bad usage or a store it cannot read.`;

interface Options {
  dataDir: string;
  repair: boolean;
  json: boolean;
}

class UsageError extends Error {}

function readOptions(argv: readonly string[], env: NodeJS.ProcessEnv): Options | 'help' {
  let values;
  try {
    ({ values } = parseArgs({
      args: [...argv],
      options: {
        'data-dir': { type: 'string' },
        repair: { type: 'boolean' },
        json: { type: 'boolean' },
        help: { type: 'boolean', short: 'h' },
      },
      strict: true,
      allowPositionals: false,
    }));
  } catch (error) {
    throw new UsageError(error instanceof Error ? error.message : String(error));
  }
  if (values.help) return 'help';
  return {
    // The same order as readServeConfig: flag, then TOLLGATE_DATA_DIR, then the per-user default.
    dataDir: values['data-dir'] ?? env.TOLLGATE_DATA_DIR ?? defaultDataDir(env),
    repair: values.repair === true,
    json: values.json === true,
  };
}

/** What --repair did: the periods it set, or why it did not touch the store. */
interface RepairOutcome {
  /** The schema version the store had when openDatabase brought it up to date; null when it was current. */
  migrated_from: number | null;
  periods: RepairedPeriod[];
  skipped: string | null;
}

interface Outcome {
  database: string;
  report: DoctorReport;
  repair: RepairOutcome | null;
}

/** Runs the checks (and the repair); a string is a usage problem, answered with exit status 2. */
function run(options: Options): Outcome | string {
  if (!existsSync(options.dataDir) || !statSync(options.dataDir).isDirectory()) {
    return `no data directory at ${options.dataDir}: point --data-dir (or TOLLGATE_DATA_DIR) at the one the gateway uses.`;
  }
  const database = join(options.dataDir, DATABASE_FILE);
  if (!existsSync(database)) {
    return `${options.dataDir} holds no Tollgate store (${DATABASE_FILE}): point --data-dir at the gateway's data directory.`;
  }

  // A gateway holding the directory has requests in flight: their admissions are not left over.
  const running = lockHolder(options.dataDir);
  const readOnly = new Database(database, { readonly: true, fileMustExist: true });
  let version: number;
  try {
    readOnly.pragma('busy_timeout = 5000'); // a running gateway may be checkpointing
    version = readOnly.pragma('user_version', { simple: true }) as number;
    if (version > migrations.length) return new NewerDatabaseError(database, version, migrations.length).message;
    if (!options.repair) return { database, report: checkStore(readOnly, running), repair: null };
    // Writing to a damaged file (migrating it included) can make it worse: report, and leave it be.
    if (!checkIntegrity(readOnly).ok) {
      const skipped = 'the database file is damaged (see integrity): restore it from a backup rather than write to it';
      return { database, report: checkStore(readOnly, running), repair: { migrated_from: null, periods: [], skipped } };
    }
  } finally {
    readOnly.close();
  }

  let db;
  try {
    // Brings an older schema up to date first, exactly as the gateway's next start would.
    db = openDatabase(database);
  } catch (error) {
    if (error instanceof NewerDatabaseError) return error.message;
    throw error;
  }
  try {
    const migratedFrom = version < migrations.length ? version : null;
    const periods = repairBudgetUsage(db, { actor: ACTOR, at: Date.now() });
    return {
      database,
      report: checkStore(db, running),
      repair: { migrated_from: migratedFrom, periods, skipped: null },
    };
  } finally {
    db.close();
  }
}

// ---- The readable report -------------------------------------------------------------------------

const LABEL_WIDTH = 13;
const label = (name: string): string => `${name}:`.padEnd(LABEL_WIDTH);
const plural = (count: number, one: string, many = `${one}s`): string => `${count} ${count === 1 ? one : many}`;

/** Exact dollars from integer micro-dollars: `$1,234.50`, `$0.001234`; never rounded, since a micro counts. */
function usd(micros: number): string {
  const sign = micros < 0 ? '-' : '';
  const magnitude = Math.abs(micros);
  const whole = Math.floor(magnitude / 1_000_000).toLocaleString('en-US');
  const fraction = String(magnitude % 1_000_000)
    .padStart(6, '0')
    .replace(/0{1,4}$/, '');
  return `${sign}$${whole}.${fraction}`;
}

const signedUsd = (micros: number): string => (micros > 0 ? `+${usd(micros)}` : usd(micros));

function ownerText(budgetId: string, owner: BudgetOwner | null): string {
  if (!owner) return `budget ${budgetId} (its budget row is gone)`;
  const level = owner.type.replace(/_/g, ' ');
  const who = owner.name === null ? `${level} ${owner.id} (gone)` : `${level} "${owner.name}" (${owner.id})`;
  return `${who}, budget ${budgetId}`;
}

function budgetLines(budgets: BudgetCheck | null): string[] {
  if (!budgets) return [`${label('budgets')}skipped until the schema is up to date`];
  const aside = [
    plural(budgets.periods, 'budget period'),
    ...(budgets.carried_over_charges > 0 ? [`${plural(budgets.carried_over_charges, 'carried-over charge')}`] : []),
    ...(budgets.charges_without_log_row > 0
      ? [`${plural(budgets.charges_without_log_row, 'charge')} whose log row retention removed`]
      : []),
  ].join('; ');
  if (budgets.ok) return [`${label('budgets')}ok (${aside})`];

  const lines: string[] = [];
  const { disagreements, charge_mismatches: mismatches } = budgets;
  const problems = [
    ...(disagreements.length > 0
      ? [`${disagreements.length} of ${plural(budgets.periods, 'budget period')} disagree with their charges`]
      : []),
    ...(mismatches.count > 0
      ? [`${plural(mismatches.count, 'charge differs', 'charges differ')} from the cost on the request's log row`]
      : []),
  ];
  lines.push(`${label('budgets')}${problems.join('; ')}`);
  for (const period of disagreements) {
    const recorded = period.recorded_micros === null ? 'no usage recorded' : `usage ${usd(period.recorded_micros)}`;
    lines.push(
      `  ${ownerText(period.budget_id, period.owner)}, period from ${period.period_start}: ${recorded}, ` +
        `charges ${usd(period.charged_micros)} (${plural(period.charges, 'charge')}), difference ${signedUsd(period.difference_micros)}`,
    );
  }
  for (const charge of mismatches.first) {
    lines.push(
      `  request ${charge.request_id} on budget ${charge.budget_id}, period from ${charge.period_start}: ` +
        `charged ${usd(charge.charged_micros)}, logged ${usd(charge.logged_micros)}`,
    );
  }
  if (mismatches.count > mismatches.first.length) {
    lines.push(`  … and ${mismatches.count - mismatches.first.length} more`);
  }
  if (disagreements.length > 0) {
    lines.push('  `npm run doctor -- --repair` sets each usage to the sum of its charges (charges and log rows stay)');
  }
  if (mismatches.count > 0) {
    lines.push('  --repair never rewrites a charge or a log row: compare these requests in the log by hand');
  }
  return lines;
}

function reportLines(report: DoctorReport): string[] {
  const { schema, integrity, audit, admissions } = report;
  const lines = [
    `${label('schema')}` +
      (schema.ok
        ? `ok (version ${schema.version})`
        : `version ${schema.version}, this Tollgate's is ${schema.known}: start the gateway once to bring the ` +
          'store up to date (or run with --repair), then check again'),
    `${label('integrity')}${integrity.ok ? 'ok' : 'SQLite reports damage:'}`,
    ...integrity.problems.map((problem) => `  ${problem}`),
    ...budgetLines(report.budgets),
    `${label('audit chain')}` +
      (audit === null
        ? 'skipped until the schema is up to date'
        : audit.ok
          ? `ok (${plural(audit.entries, 'entry', 'entries')}` +
            (audit.checkpoint
              ? `, verified from the checkpoint after entry ${audit.checkpoint.through_id}; entries ${audit.checkpoint.first_id}-${audit.checkpoint.through_id} are archived in audit-archive/${audit.checkpoint.archive_file})`
              : ')')
          : `broken at entry ${audit.broken_at}: ${audit.reason}`),
  ];
  if (admissions === null) lines.push(`${label('admissions')}skipped until the schema is up to date`);
  else if (admissions.ok && admissions.count > 0)
    lines.push(
      `${label('admissions')}ok (${plural(admissions.count, 'request')} in flight on the running gateway, process ${admissions.running_gateway_pid ?? '?'})`,
    );
  else if (admissions.ok) lines.push(`${label('admissions')}ok (no request left in flight)`);
  else {
    const more = admissions.count > admissions.request_ids.length;
    lines.push(
      `${label('admissions')}${plural(admissions.count, 'request')} admitted but never logged, the oldest from ${admissions.oldest_created_at ?? '?'}`,
      `  ${admissions.request_ids.join(', ')}${more ? ` (the first ${NAMED_AT_MOST})` : ''}`,
      '  no gateway holds this directory, so they were in flight when it stopped and their spend is not booked yet:',
      '  start the gateway to settle them (each becomes an interrupted log row charged to its budgets)',
    );
  }
  const failing = [schema.ok, integrity.ok, report.budgets?.ok, audit?.ok, admissions?.ok].filter(
    (ok) => ok === false,
  ).length;
  lines.push(report.ok ? 'Every check holds.' : `${plural(failing, 'check does', 'checks do')} not hold.`);
  return lines;
}

function repairLines(repair: RepairOutcome): string[] {
  const lines: string[] = [];
  if (repair.migrated_from !== null) {
    lines.push(`${label('migrated')}schema ${repair.migrated_from} brought up to ${migrations.length}`);
  }
  if (repair.skipped !== null) return [...lines, `${label('repaired')}nothing: ${repair.skipped}`];
  if (repair.periods.length === 0) {
    return [...lines, `${label('repaired')}nothing to repair: every budget period's usage equals its charges`];
  }
  lines.push(
    `${label('repaired')}${plural(repair.periods.length, 'budget period')} set to the sum of ` +
      'their charges (audited as repairBudgetUsage)',
  );
  for (const period of repair.periods) {
    const before = period.before_micros === null ? 'no usage recorded' : usd(period.before_micros);
    const after = period.after_micros === null ? 'usage row removed (no charges)' : usd(period.after_micros);
    lines.push(
      `  ${ownerText(period.budget_id, period.owner)}, period from ${period.period_start}: ${before} -> ${after}`,
    );
  }
  return lines;
}

function printOutcome(outcome: Outcome, options: Options): void {
  if (options.json) {
    const { report, repair } = outcome;
    console.log(JSON.stringify({ database: outcome.database, ...report, repair }, null, 2));
    return;
  }
  const heading = `Tollgate store ${outcome.database} (${options.repair ? 'repair, then check' : 'read-only check'})`;
  const repair = outcome.repair ? repairLines(outcome.repair) : [];
  console.log([heading, ...repair, ...reportLines(outcome.report)].join('\n'));
}

function main(argv: readonly string[], env: NodeJS.ProcessEnv): number {
  let options;
  try {
    options = readOptions(argv, env);
  } catch (error) {
    if (!(error instanceof UsageError)) throw error;
    console.error(`tollgate doctor: ${error.message}\n\n${USAGE}`);
    return 2;
  }
  if (options === 'help') {
    console.log(USAGE);
    return 0;
  }
  let outcome;
  try {
    outcome = run(options);
  } catch (error) {
    // SQLite refusing to read the file at all (not a database, damaged beyond a query) is a failed check.
    const database = join(options.dataDir, DATABASE_FILE);
    console.error(
      `tollgate doctor: could not check ${database}: ${error instanceof Error ? error.message : String(error)}`,
    );
    return 1;
  }
  if (typeof outcome === 'string') {
    console.error(`tollgate doctor: ${outcome}`);
    return 2;
  }
  printOutcome(outcome, options);
  return outcome.report.ok ? 0 : 1;
}

process.exitCode = main(process.argv.slice(2), process.env);
