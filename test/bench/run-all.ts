// `npm run bench`: every benchmark in turn, each in its own process, with the same arguments
// (`npm run bench -- --quick` passes --quick to each; each ignores flags that are not its own).
// `--only proxy` or `--only logs` runs one of them. Exits non-zero when any of them failed.
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';

const BENCHES = { proxy: 'proxy-bench.ts', logs: 'logs-bench.ts' } as const;
type Bench = keyof typeof BENCHES;

const args = process.argv.slice(2);
const onlyAt = args.indexOf('--only');
const only = onlyAt >= 0 ? args[onlyAt + 1] : undefined;
if (only !== undefined && !(only in BENCHES)) {
  console.error(`--only takes one of: ${Object.keys(BENCHES).join(', ')}`);
  process.exit(2);
}
const passed = onlyAt >= 0 ? args.filter((_, i) => i !== onlyAt && i !== onlyAt + 1) : args;

let failed = 0;
for (const name of Object.keys(BENCHES) as Bench[]) {
  if (only !== undefined && only !== name) continue;
  const file = join(import.meta.dirname, BENCHES[name]);
  const run = spawnSync(process.execPath, ['--import', 'tsx', file, ...passed], { stdio: 'inherit' });
  if (run.status !== 0) {
    console.error(`\n${name} benchmark ${run.signal ? `ended by ${run.signal}` : `exited with ${run.status ?? '?'}`}`);
    failed++;
  }
  console.log('');
}
process.exitCode = failed > 0 ? 1 : 0;
