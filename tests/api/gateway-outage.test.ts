/**
 * PostgreSQL stops under load and comes back (issue 17, point 1; docs/local-runtime.md, "When the
 * database is unreachable"). On a private stack of its own (its own data folder and ports, so
 * the shared stack other tests use is never touched), with writers on the Data API and callers of
 * Auth and Storage running, the test stops only PostgreSQL (pg_ctl through supabase/local/
 * postgres.ts), keeps calling, starts it again, and proves: the gateway process never exits;
 * while the database is down every service answers 503 in its own shape (no other 5xx) and
 * `/auth/v1/health` says 503; once it is back every service answers normally without a restart;
 * every write the Data API acknowledged is in the database. Loopback only, bounded in time.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import pg from 'pg';
import { API_PORT, DB_PORT, MAIL_PORT, ROOT } from '../../supabase/local/config.ts';
import { processAlive as alive } from '../../supabase/local/cli.ts';

const DIR = join(ROOT, '.supabase-local', 'outage-test');
const ports = { db: DB_PORT + 20, api: API_PORT + 20, mail: MAIL_PORT + 20 };
const API = `http://127.0.0.1:${ports.api}`;
const env = {
	...process.env,
	SUPABASE_LOCAL_DIR: DIR,
	SUPABASE_DB_PORT: String(ports.db),
	SUPABASE_API_PORT: String(ports.api),
	SUPABASE_MAIL_PORT: String(ports.mail),
	STACK_APP_ENV_FILE: join(DIR, 'app.env'),
	STACK_QUIET: '1'
};
const table = 'outage_writes';

function run(args: string[]) {
	const res = spawnSync(process.execPath, args, {
		cwd: ROOT,
		env,
		encoding: 'utf8',
		timeout: 180_000
	});
	if (res.status !== 0) throw new Error(`${args.join(' ')} failed:\n${res.stdout}\n${res.stderr}`);
}
/** Only PostgreSQL, not the gateway: supabase/local/postgres.ts in a process with the private env. */
function postgres(action: 'stopCluster' | 'startCluster') {
	run([
		'--input-type=module',
		'-e',
		`const m = await import(${JSON.stringify(join(ROOT, 'supabase', 'local', 'postgres.ts'))}); await m.${action}();`
	]);
}

let keys: { secretKey: string; serviceRoleJwt: string; publishableKey: string };
let gatewayPid: number;
let db: () => pg.Client;

beforeAll(async () => {
	rmSync(DIR, { recursive: true, force: true });
	run([join(ROOT, 'supabase', 'local', 'cli.ts'), 'start']);
	keys = JSON.parse(readFileSync(join(DIR, 'keys.json'), 'utf8'));
	// The gateway itself, not its supervisor (which would restart it and hide an exit).
	gatewayPid = Number(readFileSync(join(DIR, 'gateway-child.pid'), 'utf8'));
	db = () =>
		new pg.Client({
			host: '127.0.0.1',
			port: ports.db,
			user: 'postgres',
			password: 'postgres',
			database: 'postgres'
		});
	const c = db();
	await c.connect();
	await c.query(`
		create table public.${table} (id bigint primary key, note text not null);
		alter table public.${table} enable row level security;
		grant all on public.${table} to service_role;
		-- holds a checked-out connection when PostgreSQL stops (the case that used to end the gateway)
		create function public.outage_sleep() returns int language sql as 'select pg_sleep(1); select 1';
		grant execute on function public.outage_sleep() to service_role;
	`);
	await c.end();
}, 240_000);

afterAll(() => {
	if (existsSync(DIR)) {
		try {
			postgres('startCluster');
		} catch {
			/* already running or gone */
		}
		run([join(ROOT, 'supabase', 'local', 'cli.ts'), 'stop']);
		rmSync(DIR, { recursive: true, force: true });
	}
}, 120_000);

interface Seen {
	at: number;
	service: 'rest' | 'auth' | 'storage';
	status: number;
	body: string;
}

const svc = () => ({ apikey: keys.secretKey, Authorization: `Bearer ${keys.serviceRoleJwt}` });

async function call(service: Seen['service'], i: number): Promise<Seen> {
	let res: Response;
	if (service === 'rest') {
		res = await fetch(`${API}/rest/v1/${table}`, {
			method: 'POST',
			headers: { ...svc(), 'Content-Type': 'application/json' },
			body: JSON.stringify({ id: i, note: `write ${i}` }),
			signal: AbortSignal.timeout(10_000)
		});
	} else if (service === 'auth') {
		// An Auth call that reads the database and is not rate limited (the admin users list).
		res = await fetch(`${API}/auth/v1/admin/users?page=1&per_page=1`, {
			headers: { ...svc(), 'X-Supabase-Api-Version': '2024-01-01' },
			signal: AbortSignal.timeout(10_000)
		});
	} else {
		res = await fetch(`${API}/storage/v1/bucket`, {
			headers: svc(),
			signal: AbortSignal.timeout(10_000)
		});
	}
	return { at: Date.now(), service, status: res.status, body: await res.text() };
}

describe('PostgreSQL stops under load', () => {
	it('keeps the gateway up, answers 503 per service while down, recovers by itself and loses no acknowledged write', async () => {
		const seen: Seen[] = [];
		const acknowledged: number[] = [];
		let next = 1;
		let running = true;
		const writer = async () => {
			while (running) {
				const id = next++;
				const s = await call('rest', id);
				seen.push(s);
				if (s.status === 201) acknowledged.push(id);
				if (s.status === 503) await new Promise((r) => setTimeout(r, 50));
			}
		};
		const caller = async (service: 'auth' | 'storage') => {
			while (running) {
				seen.push(await call(service, 0));
				await new Promise((r) => setTimeout(r, 50));
			}
		};
		const sleeper = async () => {
			while (running) {
				const res = await fetch(`${API}/rest/v1/rpc/outage_sleep`, {
					method: 'POST',
					headers: { ...svc(), 'Content-Type': 'application/json' },
					body: '{}',
					signal: AbortSignal.timeout(10_000)
				});
				seen.push({ at: Date.now(), service: 'rest', status: res.status, body: await res.text() });
				if (res.status === 503) await new Promise((r) => setTimeout(r, 50));
			}
		};
		const load = [
			writer(),
			writer(),
			writer(),
			sleeper(),
			sleeper(),
			caller('auth'),
			caller('storage')
		];

		// Under load: wait for acknowledged writes (a busy machine may need more than a second).
		const warm = Date.now() + 30_000;
		while (acknowledged.length < 5 && Date.now() < warm)
			await new Promise((r) => setTimeout(r, 100));
		const stopAt = Date.now();
		postgres('stopCluster');
		const stoppedAt = Date.now();
		await new Promise((r) => setTimeout(r, 3000));
		const health = await fetch(`${API}/auth/v1/health`, { signal: AbortSignal.timeout(10_000) });
		expect(health.status).toBe(503);
		expect(alive(gatewayPid)).toBe(true);
		const startAt = Date.now();
		postgres('startCluster');

		// It reconnects by itself: a write succeeds again within 15 s, with no gateway restart.
		const deadline = Date.now() + 15_000;
		let recoveredAt = 0;
		while (!recoveredAt && Date.now() < deadline) {
			await new Promise((r) => setTimeout(r, 100));
			recoveredAt =
				seen.find((s) => s.at > startAt && s.service === 'rest' && s.status === 201)?.at ?? 0;
		}
		expect(recoveredAt, 'a write succeeds after PostgreSQL is back').toBeGreaterThan(0);
		await new Promise((r) => setTimeout(r, 1000));
		running = false;
		await Promise.all(load);

		expect(alive(gatewayPid), 'the gateway process never exited').toBe(true);
		expect(Number(readFileSync(join(DIR, 'gateway-child.pid'), 'utf8'))).toBe(gatewayPid);

		const before = seen.filter((s) => s.at < stopAt);
		expect(
			before.some((s) => s.service === 'rest' && s.status === 201),
			`writes before the stop: ${JSON.stringify(before.filter((s) => s.service === 'rest').slice(0, 3))}`
		).toBe(true);
		// Down: only 503s, each in its service's shape (and the expected answers around the edges).
		const down = seen.filter((s) => s.at > stoppedAt + 200 && s.at < startAt);
		for (const service of ['rest', 'auth', 'storage'] as const) {
			const mine = down.filter((s) => s.service === service);
			expect(mine.length, `${service} was called while down`).toBeGreaterThan(0);
			for (const s of mine) expect(s.status, `${service} while down: ${s.body}`).toBe(503);
		}
		expect(JSON.parse(down.find((s) => s.service === 'rest')!.body)).toMatchObject({
			code: 'PGRST000'
		});
		expect(JSON.parse(down.find((s) => s.service === 'auth')!.body)).toMatchObject({
			code: 'unexpected_failure'
		});
		expect(JSON.parse(down.find((s) => s.service === 'storage')!.body)).toMatchObject({
			statusCode: '503'
		});
		// No other 5xx at any time.
		for (const s of seen) {
			expect(s.status < 500 || s.status === 503, `${s.service} ${s.status} ${s.body}`).toBe(true);
		}
		// Back: every service answers as usual.
		const after = await Promise.all([call('rest', next++), call('auth', 0), call('storage', 0)]);
		expect(after.map((s) => s.status)).toEqual([201, 200, 200]);
		expect((await fetch(`${API}/auth/v1/health`)).status).toBe(200);

		const c = db();
		await c.connect();
		const rows = await c.query(`select id from public.${table}`);
		await c.end();
		const stored = new Set(rows.rows.map((r) => Number(r.id)));
		const lost = acknowledged.filter((id) => !stored.has(id));
		expect(lost, 'acknowledged writes missing from the database').toEqual([]);
		expect(acknowledged.length).toBeGreaterThan(10);
	}, 120_000);
});
