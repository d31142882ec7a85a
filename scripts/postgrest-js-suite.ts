/**
 * Runs postgrest-js's own test suite (supabase/supabase-js, `packages/core/postgrest-js`: its jest
 * tests and fixture schema, which upstream runs against real PostgREST) against the local
 * runtime's Data API, and prints the pass count per test file (docs/local-runtime.md,
 * "postgrest-js's own suite").
 *
 *   npx node scripts/postgrest-js-suite.ts <supabase-js git dir or checkout> [jest args…]
 *
 * What it does, with the stack already started (`npm run stack:start`, same ports):
 * 1. copies `packages/core/postgrest-js` out of the given repository (a git directory is read with
 *    `git archive`) into `.supabase-local/postgrest-js-suite/` and installs jest there (npm);
 * 2. recreates the database `postgrest_js` in the local cluster: the platform bootstrap, the
 *    fixture migration (`test/supabase/migrations`, as `postgres`; its `alter role authenticator
 *    set pgrst.*` lines are scoped to that database so the project's database keeps PostgREST's
 *    defaults) and `test/supabase/seed.sql`;
 * 3. starts a second gateway on API port + 10 for that database, reading the fixture's
 *    `config.toml` (`schemas = ["public", "personal", "graphql_public"]`);
 * 4. runs jest in upstream order with a setup file that points `http://localhost:54321` at that
 *    gateway and adds the publishable key as `apikey` (upstream's Kong route needs none);
 *    snapshots are compared, never written (`--ci`);
 * 5. prints a table of passes per file and every failing test with the first line of its error.
 *
 * Nothing from the fetched repository is committed; the work folder is git-ignored.
 */
import { execFileSync, spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import pg from 'pg';
import {
	API_PORT,
	DATA_DIR,
	DB_PORT,
	HOST,
	loadKeys,
	MAIL_PORT,
	ROOT
} from '../supabase/local/config.ts';

const DATABASE = 'postgrest_js';
const WORK = join(DATA_DIR, 'postgrest-js-suite');
const PKG = join(WORK, 'postgrest-js');
const SUITE_API_PORT = API_PORT + 10;
const SUITE_MAIL_PORT = MAIL_PORT + 10;

const [source, ...jestArgs] = process.argv.slice(2);
if (!source) {
	console.error(
		'usage: npx node scripts/postgrest-js-suite.ts <supabase-js git dir or checkout> [jest args]'
	);
	process.exit(2);
}

function log(msg: string) {
	console.error(`[postgrest-js-suite] ${msg}`);
}

/** 1. The package, from a checkout or with `git archive` from a git directory. */
function extract() {
	rmSync(PKG, { recursive: true, force: true });
	mkdirSync(PKG, { recursive: true });
	const checkout = join(source, 'packages', 'core', 'postgrest-js');
	if (existsSync(checkout) && statSync(checkout).isDirectory()) {
		execFileSync('cp', ['-r', `${checkout}/.`, PKG]);
	} else {
		const tar = execFileSync(
			'git',
			['--git-dir', source, 'archive', 'HEAD', 'packages/core/postgrest-js'],
			{
				maxBuffer: 256 * 1024 * 1024
			}
		);
		spawnSync('tar', ['-x', '--strip-components=3', '-C', PKG], { input: tar });
	}
	const head = spawnSync(
		'git',
		[
			'--git-dir',
			existsSync(join(source, '.git')) ? join(source, '.git') : source,
			'rev-parse',
			'HEAD'
		],
		{
			encoding: 'utf8'
		}
	).stdout.trim();
	writeFileSync(join(WORK, 'revision.txt'), `${head}\n`);
	log(`postgrest-js from ${source} @ ${head || 'unknown revision'}`);
}

/** Jest and what the tests import, at the versions upstream's catalog names. */
function install() {
	const deps = {
		jest: '30.4.2',
		'ts-jest': '29.4.9',
		typescript: '5.8.3',
		'@types/jest': '30.0.0',
		prettier: '3.6.2',
		zod: '3.25.76',
		'type-fest': '4.41.0',
		tslib: '2.8.1'
	};
	const pkgFile = join(WORK, 'package.json');
	const want = JSON.stringify(
		{ name: 'postgrest-js-suite', private: true, devDependencies: deps },
		null,
		2
	);
	if (
		existsSync(pkgFile) &&
		readFileSync(pkgFile, 'utf8') === want &&
		existsSync(join(WORK, 'node_modules', 'jest'))
	)
		return;
	writeFileSync(pkgFile, want);
	log('installing jest (npm)');
	execFileSync('npm', ['install', '--no-audit', '--no-fund', '--loglevel=error'], {
		cwd: WORK,
		stdio: 'inherit'
	});
}

async function superuser(database: string): Promise<pg.Client> {
	for (const user of ['supabase_admin', 'postgres']) {
		const c = new pg.Client({ host: HOST, port: DB_PORT, user, password: 'postgres', database });
		try {
			await c.connect();
			const su = await c.query('select rolsuper from pg_roles where rolname = current_user');
			if (su.rows[0]?.rolsuper) return c;
		} catch {
			/* try the next one */
		}
		await c.end().catch(() => {});
	}
	throw new Error(
		'no superuser connection to the local cluster (is the stack started on these ports?)'
	);
}

/** 2. The fixture database. */
async function loadFixture() {
	const admin = await superuser('postgres');
	try {
		await admin.query(`drop database if exists ${DATABASE} with (force)`);
		await admin.query(`create database ${DATABASE} owner postgres`);
	} finally {
		await admin.end();
	}
	const db = await superuser(DATABASE);
	try {
		await db.query(readFileSync(join(ROOT, 'supabase', 'local', 'bootstrap.sql'), 'utf8'));
		const postgis = (await db.query(`select 1 from pg_available_extensions where name = 'postgis'`))
			.rowCount;
		let schema = readFileSync(
			join(PKG, 'test', 'supabase', 'migrations', '00000000000000_schema.sql'),
			'utf8'
		);
		let seed = readFileSync(join(PKG, 'test', 'supabase', 'seed.sql'), 'utf8');
		// In-database PostgREST settings for this database only (ALTER ROLE … IN DATABASE).
		const roleLines = schema.match(/^alter role authenticator set .*;$/gim) ?? [];
		schema = schema.replace(/^alter role authenticator set .*;$/gim, '');
		for (const line of roleLines)
			await db.query(
				line.replace(
					/^alter role authenticator set/i,
					`alter role authenticator in database ${DATABASE} set`
				)
			);
		if (postgis) {
			// As on hosted Supabase, where `postgres` may create allowed extensions: here the superuser does.
			await db.query('create extension if not exists postgis schema extensions');
			schema = schema.replace(/^create extension if not exists postgis.*$/im, '');
		} else {
			log(
				'PostGIS is not installed (apt-get install postgresql-15-postgis-3): the shops table is left out'
			);
			schema = schema
				.replace(/^create extension if not exists postgis.*$/im, '')
				.replace(/create table public\.shops \([\s\S]*?\);/i, '');
			seed = seed.replace(/insert into\s+(public\.)?shops[\s\S]*?;/gi, '');
		}
		await db.query('set role postgres');
		await db.query(schema);
		await db.query(seed);
		await db.query('reset role');
	} finally {
		await db.end();
	}
	log(`database ${DATABASE} loaded`);
}

/** 3. A second gateway for that database. */
async function startGateway() {
	const child = spawn(process.execPath, [join(ROOT, 'supabase', 'local', 'gateway', 'server.ts')], {
		cwd: ROOT,
		stdio: ['ignore', 'pipe', 'pipe'],
		env: {
			...process.env,
			SUPABASE_API_PORT: String(SUITE_API_PORT),
			SUPABASE_MAIL_PORT: String(SUITE_MAIL_PORT),
			SUPABASE_GATEWAY_DB: DATABASE,
			SUPABASE_CONFIG_TOML: join(PKG, 'test', 'supabase', 'config.toml')
		}
	});
	let output = '';
	child.stdout.on('data', (d) => (output += d));
	child.stderr.on('data', (d) => (output += d));
	const deadline = Date.now() + 30_000;
	while (Date.now() < deadline) {
		try {
			const r = await fetch(`http://${HOST}:${SUITE_API_PORT}/auth/v1/health`);
			if (r.ok) return { child, output: () => output };
		} catch {
			/* not yet */
		}
		await new Promise((r) => setTimeout(r, 200));
	}
	child.kill();
	throw new Error(`the suite's gateway did not start:\n${output}`);
}

const SETUP = `
// Points the suite's hard-coded base URL at the local runtime and adds the apikey Kong needs here.
const target = process.env.POSTGREST_JS_SUITE_URL;
const apikey = process.env.POSTGREST_JS_SUITE_APIKEY;
const realFetch = globalThis.fetch;
globalThis.fetch = (input, init) => {
  let url = typeof input === 'string' ? input : input instanceof URL ? input.href : input.url;
  if (!url.startsWith('http://localhost:54321')) return realFetch(input, init);
  url = target + url.slice('http://localhost:54321'.length);
  const headers = new Headers(init?.headers ?? (typeof input === 'object' && 'headers' in input ? input.headers : undefined));
  if (!headers.has('apikey')) headers.set('apikey', apikey);
  return realFetch(url, { ...init, headers });
};
`;

const JEST_CONFIG = `
module.exports = {
  rootDir: ${JSON.stringify(PKG)},
  testEnvironment: 'node',
  transform: { '^.+\\\\.tsx?$': [${JSON.stringify(join(WORK, 'node_modules', 'ts-jest'))}, { tsconfig: ${JSON.stringify(join(PKG, 'tsconfig.test.json'))}, diagnostics: false }] },
  testMatch: ['<rootDir>/test/**/*.test.ts'],
  testPathIgnorePatterns: ['/node_modules/', '/test/v12/'],
  testSequencer: '<rootDir>/test/testSequencer.js',
  setupFiles: [${JSON.stringify(join(WORK, 'setup.cjs'))}],
  prettierPath: require.resolve('prettier'),
  testTimeout: 30000,
  maxWorkers: 1,
};
`;

interface JestAssertion {
	fullName: string;
	status: string;
	failureMessages: string[];
}
interface JestFile {
	name: string;
	assertionResults: JestAssertion[];
	message: string;
}

function report(resultsFile: string) {
	const results = JSON.parse(readFileSync(resultsFile, 'utf8')) as { testResults: JestFile[] };
	const lines: string[] = ['| file | passed | failed | total |', '|---|---:|---:|---:|'];
	const failures: string[] = [];
	let passed = 0;
	let failed = 0;
	for (const f of results.testResults.sort((a, b) => a.name.localeCompare(b.name))) {
		const p = f.assertionResults.filter((a) => a.status === 'passed').length;
		const x = f.assertionResults.filter((a) => a.status === 'failed').length;
		passed += p;
		failed += x;
		const file = f.name.slice(f.name.indexOf('/test/') + 1);
		lines.push(`| ${file} | ${p} | ${x} | ${f.assertionResults.length} |`);
		if (f.assertionResults.length === 0 && f.message)
			failures.push(`${file}: ${f.message.split('\n').find((l) => l.trim()) ?? ''}`);
		for (const a of f.assertionResults.filter((a) => a.status === 'failed')) {
			const msg = (a.failureMessages[0] ?? '')
				.replace(new RegExp(`${String.fromCharCode(27)}\\[[0-9;]*m`, 'g'), '')
				.split('\n')
				.map((l) => l.trim())
				.filter(Boolean)
				.slice(0, 12)
				.join(' ⏎ ');
			failures.push(`${file} › ${a.fullName}: ${msg.slice(0, 600)}`);
		}
	}
	lines.push(`| **all** | ${passed} | ${failed} | ${passed + failed} |`);
	const text = `${lines.join('\n')}\n\nFailures:\n${failures.map((f) => `- ${f}`).join('\n')}\n`;
	writeFileSync(join(WORK, 'summary.md'), text);
	console.log(text);
	console.log(`${passed} passed, ${failed} failed`);
}

async function main() {
	mkdirSync(WORK, { recursive: true });
	extract();
	install();
	await loadFixture();
	const gw = await startGateway();
	try {
		writeFileSync(join(WORK, 'setup.cjs'), SETUP);
		writeFileSync(join(WORK, 'jest.config.cjs'), JEST_CONFIG);
		const resultsFile = join(WORK, 'results.json');
		rmSync(resultsFile, { force: true });
		log(`running jest against http://${HOST}:${SUITE_API_PORT}/rest/v1`);
		spawnSync(
			join(WORK, 'node_modules', '.bin', 'jest'),
			[
				'--config',
				join(WORK, 'jest.config.cjs'),
				'--ci',
				'--runInBand',
				'--json',
				`--outputFile=${resultsFile}`,
				...jestArgs
			],
			{
				cwd: PKG,
				stdio: ['ignore', 'ignore', process.env.SUITE_VERBOSE ? 'inherit' : 'ignore'],
				env: {
					...process.env,
					NO_COLOR: '1',
					POSTGREST_JS_SUITE_URL: `http://${HOST}:${SUITE_API_PORT}`,
					POSTGREST_JS_SUITE_APIKEY: loadKeys().publishableKey
				}
			}
		);
		if (!existsSync(resultsFile)) throw new Error('jest wrote no results');
		report(resultsFile);
		writeFileSync(join(WORK, 'gateway.log'), gw.output());
	} finally {
		gw.child.kill('SIGTERM');
	}
}

main().catch((e) => {
	console.error(e);
	process.exit(1);
});
