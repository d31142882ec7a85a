/**
 * `npm run stack:start|stop|status|reset` and the schema tools (`types`, `advisors`).
 *
 * start: private PostgreSQL → platform bootstrap → project migrations through the real Supabase
 * CLI (`supabase db push`) → seed → HTTP gateway (Auth, Data API, Storage, mailbox).
 * Starting twice is harmless; stop leaves nothing running; data survives until reset.
 */
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, openSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import pg from 'pg';
import {
	API_PORT,
	API_URL,
	authUrlEnv,
	DATA_DIR,
	DB_URL,
	GATEWAY_CHILD_PID,
	GATEWAY_LOG,
	GATEWAY_PID,
	HOST,
	loadKeys,
	MAIL_URL,
	PG_DATA,
	ROOT,
	SMTP_PORT,
	statusEnv,
	STORAGE_DIR,
	SUPERUSER,
	SUPERUSER_URL
} from './config.ts';
import { isRunning, portInUse, StackError, startCluster, stopCluster } from './postgres.ts';
import { NEEDS, prerequisiteMessage } from './prerequisites.ts';

const GATEWAY_ENTRY = join(ROOT, 'supabase', 'local', 'gateway', 'server.ts');
const SUPERVISOR_ENTRY = join(ROOT, 'supabase', 'local', 'supervisor.ts');
const TYPES_FILE = join(ROOT, 'src', 'lib', 'database.types.ts');

export function log(msg: string) {
	if (!process.env.STACK_QUIET) console.error(`[stack] ${msg}`);
}

/**
 * config.toml's `[auth.hook.send_email]` reads SEND_EMAIL_HOOK_URI and SEND_EMAIL_HOOK_SECRET (the
 * Supabase CLI refuses the file without them). Locally they default to the portal at the site URL
 * (`<SITE_URL>/hooks/send-email`) and the secret generated for this data folder (also written to
 * .env.local for the portal).
 */
function hookEnv(): Record<string, string> {
	const site = authUrlEnv().SITE_URL.replace(/\/+$/, '');
	return {
		SEND_EMAIL_HOOK_URI: process.env.SEND_EMAIL_HOOK_URI ?? `${site}/hooks/send-email`,
		SEND_EMAIL_HOOK_SECRET: process.env.SEND_EMAIL_HOOK_SECRET ?? loadKeys().sendEmailHookSecret
	};
}

/** Runs the project's Supabase CLI (the `supabase` npm package) with the given arguments. */
export function supabaseCli(args: string[], opts: { capture?: boolean } = {}) {
	const bin = join(ROOT, 'node_modules', '.bin', 'supabase');
	const res = spawnSync(bin, args, {
		cwd: ROOT,
		encoding: 'utf8',
		stdio: opts.capture ? ['ignore', 'pipe', 'pipe'] : ['ignore', 'inherit', 'inherit'],
		env: { ...process.env, ...hookEnv(), SUPABASE_TELEMETRY_DISABLED: '1', DO_NOT_TRACK: '1' },
		maxBuffer: 64 * 1024 * 1024
	});
	return res;
}

/** A connection as supabase_admin, refusing clearly when the data folder predates that role. */
export async function superuserClient(): Promise<pg.Client> {
	const client = new pg.Client({ connectionString: SUPERUSER_URL });
	try {
		await client.connect();
	} catch (err) {
		const code = (err as { code?: string }).code;
		if (code === '28P01' || code === '28000') {
			throw new StackError(
				`The data folder ${DATA_DIR} was created before the local runtime took hosted Supabase's ` +
					`privilege shape (its superuser is "postgres", not "${SUPERUSER}"). Recreate it with ` +
					'`npm run stack:reset` (this deletes its local data).'
			);
		}
		throw err;
	}
	return client;
}

async function bootstrap() {
	const client = await superuserClient();
	try {
		await client.query(readFileSync(join(ROOT, 'supabase', 'local', 'bootstrap.sql'), 'utf8'));
	} finally {
		await client.end();
	}
}

function migrate() {
	log('applying migrations and seed with the Supabase CLI (db push)');
	const res = supabaseCli(['db', 'push', `--remote=${DB_URL}`, '--include-seed', '--yes'], {
		capture: true
	});
	if (res.status !== 0) {
		throw new StackError(`supabase db push failed:\n${res.stdout}\n${res.stderr}`);
	}
}

/** Whether a process runs (signal 0 only checks that it exists and may be signalled). */
export function processAlive(pid: number): boolean {
	try {
		process.kill(pid, 0);
		return true;
	} catch {
		return false;
	}
}

/** The supervisor's pid (it runs the gateway), or null when it is not running. */
export function readPid(file = GATEWAY_PID): number | null {
	if (!existsSync(file)) return null;
	const pid = Number(readFileSync(file, 'utf8'));
	return processAlive(pid) ? pid : null;
}

async function waitFor(url: string, timeoutMs: number): Promise<boolean> {
	const deadline = Date.now() + timeoutMs;
	while (Date.now() < deadline) {
		try {
			const res = await fetch(url);
			if (res.ok) return true;
		} catch {
			/* not up yet */
		}
		await new Promise((r) => setTimeout(r, 150));
	}
	return false;
}

const GATEWAY_ENV = join(DATA_DIR, 'gateway-env.json');

/**
 * Starts the gateway under its supervisor (which restarts it whenever it exits), or restarts both
 * when they run with other auth URLs than configured now.
 */
export async function startGateway() {
	const wanted = JSON.stringify({
		...authUrlEnv(),
		SEND_EMAIL_HOOK_URI: hookEnv().SEND_EMAIL_HOOK_URI
	});
	if (readPid()) {
		const running = existsSync(GATEWAY_ENV) ? readFileSync(GATEWAY_ENV, 'utf8') : '';
		if (running === wanted) return;
		log('restarting the gateway: site URL, redirect allow-list or e-mail hook changed');
		stopGateway();
		await waitForPortFree(API_PORT, 10_000);
	}
	if (await portInUse(API_PORT, HOST)) {
		throw new StackError(
			`Port ${API_PORT} is already taken by another program; stop it or set SUPABASE_API_PORT.`
		);
	}
	const out = openSync(GATEWAY_LOG, 'a');
	const child = spawn(process.execPath, [SUPERVISOR_ENTRY], {
		cwd: ROOT,
		detached: true,
		stdio: ['ignore', out, out],
		env: { ...process.env, ...hookEnv() }
	});
	child.unref();
	writeFileSync(GATEWAY_PID, String(child.pid));
	writeFileSync(GATEWAY_ENV, wanted);
	if (!(await waitFor(`${API_URL}/auth/v1/health`, 60_000))) {
		const tail = existsSync(GATEWAY_LOG) ? readFileSync(GATEWAY_LOG, 'utf8').slice(-2000) : '';
		throw new StackError(`The gateway did not come up; see ${GATEWAY_LOG}\n${tail}`);
	}
}

export async function waitForPortFree(port: number, timeoutMs: number) {
	const deadline = Date.now() + timeoutMs;
	while (Date.now() < deadline && (await portInUse(port, HOST))) {
		await new Promise((r) => setTimeout(r, 100));
	}
}

function sleepSync(ms: number) {
	Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, ms);
}

/** Stops the supervisor (which stops the gateway) and waits up to 15 s until both are gone. */
export function stopGateway() {
	const supervisor = readPid();
	const gateway = readPid(GATEWAY_CHILD_PID);
	for (const pid of [supervisor, gateway]) {
		if (!pid) continue;
		try {
			// The supervisor first: it stops restarting, then ends the gateway. A gateway left without
			// its supervisor (the supervisor was killed) is ended directly.
			process.kill(pid, 'SIGTERM');
		} catch {
			/* already gone */
		}
	}
	const deadline = Date.now() + 15_000;
	while (Date.now() < deadline && [supervisor, gateway].some((p) => p && processAlive(p)))
		sleepSync(50);
	rmSync(GATEWAY_PID, { force: true });
	rmSync(GATEWAY_CHILD_PID, { force: true });
}

/** Writes `.env.local` for the app (SvelteKit reads it in dev; `npm start` passes it to the build). */
function writeAppEnv() {
	const keys = loadKeys();
	const lines = [
		'# Written by `npm run stack:start` for the local runtime. Delete it to point the app elsewhere.',
		`PUBLIC_SUPABASE_URL=${API_URL}`,
		`PUBLIC_SUPABASE_PUBLISHABLE_KEY=${keys.publishableKey}`,
		`SUPABASE_SECRET_KEY=${keys.secretKey}`,
		`PUBLIC_ROOT_DOMAIN=${process.env.PUBLIC_ROOT_DOMAIN ?? 'localhost'}`,
		`LOCAL_MAILBOX_URL=${MAIL_URL}`,
		// the portal's Send Email hook endpoint verifies Auth's calls with this secret and sends the
		// e-mails it renders to the local mailbox over SMTP (README, "E-mail")
		`SEND_EMAIL_HOOK_SECRET=${keys.sendEmailHookSecret}`,
		`SMTP_HOST=${HOST}`,
		`SMTP_PORT=${SMTP_PORT}`,
		'SMTP_FROM=no-reply@clinic-portal.localhost',
		'# Auth URLs config.toml reads with env() (also for `supabase start` in this checkout).',
		...Object.entries(authUrlEnv()).map(([k, v]) => `${k}=${v}`),
		''
	];
	writeFileSync(process.env.STACK_APP_ENV_FILE ?? join(ROOT, '.env.local'), lines.join('\n'));
}

/** Stops with one message when the OS lacks what `npm run dev` (or `npm test`) needs. */
export function checkPrerequisites(forWhat: keyof typeof NEEDS) {
	const message = prerequisiteMessage(NEEDS[forWhat]);
	if (message) throw new StackError(message);
}

export async function start() {
	checkPrerequisites('dev');
	loadKeys();
	// config.toml's env(SITE_URL) and env(ADDITIONAL_REDIRECT_URLS), for the Supabase CLI and the gateway
	Object.assign(process.env, authUrlEnv());
	log('starting PostgreSQL');
	await startCluster();
	log('platform bootstrap');
	await bootstrap();
	migrate();
	if (existsSync(GATEWAY_ENTRY)) {
		log('starting the gateway');
		await startGateway();
	}
	writeAppEnv();
}

export function stop() {
	stopGateway();
	stopCluster();
}

export async function reset() {
	stop();
	rmSync(PG_DATA, { recursive: true, force: true });
	rmSync(STORAGE_DIR, { recursive: true, force: true });
	await start();
}

/** One HTTP check: `ok`, `down (<status>)` or `unreachable`, within 3 s. */
async function probe(
	url: string,
	headers: Record<string, string> = {},
	ok: (res: Response) => boolean = (res) => res.ok
): Promise<string> {
	try {
		const res = await fetch(url, { headers, signal: AbortSignal.timeout(3000) });
		await res.body?.cancel();
		return ok(res) ? 'ok' : `down (${res.status})`;
	} catch {
		return 'unreachable';
	}
}

async function databaseHealth(): Promise<string> {
	if (!isRunning()) return 'stopped';
	const client = new pg.Client({
		connectionString: DB_URL.replace('?sslmode=disable', ''),
		connectionTimeoutMillis: 3000
	});
	try {
		await client.connect();
		await client.query('select 1');
		return 'ok';
	} catch {
		return 'unreachable';
	} finally {
		await client.end().catch(() => {});
	}
}

/**
 * The environment (as `supabase status -o env`), then each part's health: PostgreSQL, the
 * gateway's supervisor and gateway processes, Auth, the Data API, Storage and the mailbox.
 */
export async function partsHealth(): Promise<Record<string, string>> {
	const keys = loadKeys();
	const [db, auth, rest, storage, mailbox] = await Promise.all([
		databaseHealth(),
		probe(`${API_URL}/auth/v1/health`),
		// The Data API has no health route of its own here (PostgREST's is on its admin port). A call
		// of a function that does not exist makes it read the schema from PostgreSQL: 404 (PGRST202)
		// means it reached the database, 503 (PGRST000) that it cannot.
		probe(
			`${API_URL}/rest/v1/rpc/stack_status_probe`,
			{ apikey: keys.secretKey },
			(res) => res.status === 404
		),
		probe(`${API_URL}/storage/v1/status`),
		probe(`${MAIL_URL}/api/messages?to=status%40health.invalid`)
	]);
	return {
		DB_HEALTH: db,
		SUPERVISOR_PID: String(readPid() ?? ''),
		GATEWAY_PROCESS_PID: String(readPid(GATEWAY_CHILD_PID) ?? ''),
		AUTH_HEALTH: auth,
		REST_HEALTH: rest,
		STORAGE_HEALTH: storage,
		MAILBOX_HEALTH: mailbox
	};
}

async function status() {
	const env = statusEnv(loadKeys());
	for (const [k, v] of Object.entries(env)) console.log(`${k}="${v}"`);
	console.log(`DB_RUNNING="${isRunning()}"`);
	console.log(`GATEWAY_RUNNING="${readPid() !== null}"`);
	for (const [k, v] of Object.entries(await partsHealth())) console.log(`${k}="${v}"`);
}

/** Generates the TypeScript types from the migrated database; `--check` fails when the file is stale. */
function types(check: boolean) {
	const res = supabaseCli(
		['gen', 'types', 'typescript', `--db-url=${DB_URL}`, '--schema', 'public'],
		{
			capture: true
		}
	);
	if (res.status !== 0) throw new StackError(`supabase gen types failed:\n${res.stderr}`);
	const generated = res.stdout;
	if (check) {
		const current = existsSync(TYPES_FILE) ? readFileSync(TYPES_FILE, 'utf8') : '';
		if (current !== generated) {
			throw new StackError(
				'src/lib/database.types.ts is stale: run `npm run db:types` and commit it.'
			);
		}
		log('database types are up to date');
		return;
	}
	writeFileSync(TYPES_FILE, generated);
	log(`wrote ${TYPES_FILE}`);
}

/**
 * Runs the Supabase CLI's security and performance advisors; any finding fails, with one
 * exception: `unused_index` for an index that backs a foreign key. That lint counts index scans
 * since the statistics began, so it flags every index of a fresh database, and on small tables the
 * planner serves foreign-key checks with sequential scans; yet `unindexed_foreign_keys` requires
 * those indexes. Other unused indexes still fail (run the advisors after the test workload).
 */
async function advisors() {
	const res = supabaseCli(
		[
			'db',
			'advisors',
			`--remote=${DB_URL}`,
			'--level',
			'info',
			'--fail-on',
			'none',
			'--output-format',
			'json'
		],
		{ capture: true }
	);
	if (res.status !== 0) throw new StackError(`supabase db advisors failed to run:\n${res.stderr}`);
	const text = res.stdout.trim();
	const findings = ((JSON.parse(text.slice(text.indexOf('{'))) as { results?: unknown[] })
		.results ?? []) as Array<{
		name: string;
		detail: string;
		metadata?: { schema?: string; name?: string } | null;
	}>;
	const fkIndexes = await foreignKeyIndexes();
	const remaining = findings.filter((f) => {
		if (f.name !== 'unused_index') return true;
		const m = /Index [`"]([^`"]+)[`"] on table [`"]?([^`".]+)[`"]?\.[`"]?([^`"]+)[`"]?/.exec(
			f.detail
		);
		return !(m && fkIndexes.has(`${m[2]}.${m[1]}`));
	});
	if (remaining.length > 0) {
		console.log(JSON.stringify(remaining, null, 2));
		throw new StackError(
			`supabase db advisors reported ${remaining.length} finding(s) (see above).`
		);
	}
	log(
		`supabase db advisors: no findings (${findings.length - remaining.length} unused foreign-key indexes ignored)`
	);
}

/** `schema.index` names of indexes whose leading columns are exactly a foreign key's columns. */
async function foreignKeyIndexes(): Promise<Set<string>> {
	const client = new pg.Client({ connectionString: DB_URL.replace('?sslmode=disable', '') });
	await client.connect();
	try {
		const { rows } = await client.query<{ name: string }>(`
			select n.nspname || '.' || ci.relname as name
			  from pg_index i
			  join pg_class ci on ci.oid = i.indexrelid
			  join pg_namespace n on n.oid = ci.relnamespace
			 where exists (
			   select 1 from pg_constraint c
			    where c.contype = 'f' and c.conrelid = i.indrelid
			      and (i.indkey::int2[])[0:cardinality(c.conkey) - 1] = c.conkey
			 )`);
		return new Set(rows.map((r) => r.name));
	} finally {
		await client.end();
	}
}

async function main() {
	const [cmd, ...rest] = process.argv.slice(2);
	switch (cmd) {
		case 'start':
			await start();
			log(`ready: API ${API_URL}, database ${DB_URL}, mailbox ${MAIL_URL}`);
			await status();
			break;
		case 'stop':
			stop();
			log('stopped');
			break;
		case 'status':
			await status();
			break;
		case 'reset':
			await reset();
			await status();
			break;
		case 'types':
			types(rest.includes('--check'));
			break;
		case 'advisors':
			await advisors();
			break;
		case 'backup': {
			const { backup } = await import('./backup.ts');
			const file = await backup(rest.find((a) => !a.startsWith('--')));
			log(`backup written to ${file}`);
			break;
		}
		case 'restore': {
			const file = rest.find((a) => !a.startsWith('--'));
			if (!file) throw new StackError('usage: npm run stack:restore -- <backup file> [--replace]');
			const { restore } = await import('./backup.ts');
			await restore(file, { replace: rest.includes('--replace') });
			log(`restored ${file}`);
			await status();
			break;
		}
		case 'check': {
			const what = rest[0] ?? 'test';
			if (what !== 'dev' && what !== 'test') throw new StackError('usage: check dev|test');
			checkPrerequisites(what);
			log(`OS prerequisites for ${what === 'dev' ? 'the local runtime' : 'the tests'}: present`);
			break;
		}
		default:
			console.error(
				'usage: node supabase/local/cli.ts start|stop|status|reset|types [--check]|advisors|check dev|test|backup [file]|restore <file>'
			);
			process.exit(2);
	}
	void DATA_DIR;
}

if (import.meta.main) {
	main().catch((err) => {
		console.error(err instanceof StackError ? `[stack] ${err.message}` : err);
		process.exit(1);
	});
}
