/**
 * `npm test`: every gate, in the order CI runs them, ending with the one line CI reads:
 * `N passed, N failed`.
 *
 * 1. start the local runtime (PostgreSQL, bootstrap, migrations via `supabase db push`, seed, gateway)
 * 2. generated database types are up to date (`supabase gen types`)
 * 3. svelte-check (TypeScript strict) and lint
 * 4. vitest: unit, db (pgTAP + SQL as each role), api (supabase-js against the gateway), e2e (Chromium)
 * 5. `supabase db advisors` reports nothing, after the tests have exercised the indexes
 */
import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { TEST_SITE_URL } from '../supabase/local/config.ts';

const ROOT = join(import.meta.dirname, '..');
const bin = (name: string) => join(ROOT, 'node_modules', '.bin', name);
// SITE_URL: Auth's site URL (and so its Send Email hook) is the portal the browser tests serve, from
// the first step on (the tests' global setup would otherwise restart the gateway to get there)
const env = {
	...process.env,
	SITE_URL: process.env.SITE_URL ?? TEST_SITE_URL,
	NO_COLOR: '1',
	FORCE_COLOR: '0',
	CLINIC_TEST_RUNNER: '1'
};

let passed = 0;
let failed = 0;

function step(name: string, cmd: string, args: string[]): boolean {
	console.log(`\n=== ${name}`);
	const res = spawnSync(cmd, args, { cwd: ROOT, stdio: 'inherit', env });
	const ok = res.status === 0;
	if (ok) passed++;
	else failed++;
	console.log(`=== ${name}: ${ok ? 'ok' : 'FAILED'}`);
	return ok;
}

const node = process.execPath;
const cli = join(ROOT, 'supabase', 'local', 'cli.ts');

if (step('local runtime', node, [cli, 'start'])) {
	step('database types are current', node, [cli, 'types', '--check']);
	step('svelte-check', bin('svelte-check'), [
		'--tsconfig',
		'./tsconfig.json',
		'--threshold',
		'error'
	]);
	step('eslint', bin('eslint'), ['.']);
	step('prettier', bin('prettier'), ['--check', '.']);

	const summary = join(ROOT, 'test-results', 'vitest-summary.json');
	rmSync(summary, { force: true });
	const args = ['run', ...process.argv.slice(2)];
	console.log(`\n=== vitest ${args.join(' ')}`);
	const res = spawnSync(bin('vitest'), args, { cwd: ROOT, stdio: 'inherit', env });
	if (existsSync(summary)) {
		const counts = JSON.parse(readFileSync(summary, 'utf8')) as { passed: number; failed: number };
		passed += counts.passed;
		failed += counts.failed;
		if (res.status !== 0 && counts.failed === 0) failed++;
	} else {
		failed++;
	}
	step('supabase db advisors', node, [cli, 'advisors']);
}

console.log(`\n${passed} passed, ${failed} failed`);
process.exit(failed === 0 ? 0 : 1);
