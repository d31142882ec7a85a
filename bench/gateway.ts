/**
 * The Data API's own cost (issue 18, point 3; docs/benchmark.md, "Gateway overhead"):
 *
 *   npm run bench:gateway [-- --seconds 5 --rounds 2]
 *
 * Side by side in one run, at 1 and 8 concurrent clients, for typical portal requests made with a
 * real session (doctor@clinic-a.test signed in through Auth, so the hook's claims and RLS apply):
 * - **gateway**: the HTTP request to `/rest/v1` (keep-alive), as supabase-js sends it;
 * - **SQL**: exactly the statements the gateway runs for that request (the same transaction
 *   prelude from core/with-role.ts, the same planned statement and parameters from rest/plan.ts,
 *   the same settings, then commit), on a pool of `authenticator` connections, with the same role
 *   and claims.
 * Reports requests/s, p50 and p95 of each and the ratio gateway / SQL. Target: at most 1.5.
 * Both sides run in interleaved rounds so they share the machine's conditions. Loopback only,
 * bounded in time; writes nothing but a result file under bench/results/.
 */
import http from 'node:http';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import pg from 'pg';
import { createClient } from '@supabase/supabase-js';
import { API_URL, AUTHENTICATOR_URL, loadKeys } from '../supabase/local/config.ts';
import type { GatewayContext } from '../supabase/local/gateway/core/http.ts';
import { prelude } from '../supabase/local/gateway/core/with-role.ts';
import { restSettings } from '../supabase/local/gateway/rest/execute.ts';
import { negotiate, parsePrefer } from '../supabase/local/gateway/rest/parse-request.ts';
import { buildPlan } from '../supabase/local/gateway/rest/plan.ts';
import { preparedQuery } from '../supabase/local/gateway/rest/prepared.ts';
import { getSchema } from '../supabase/local/gateway/rest/schema.ts';
import { adminPool } from '../supabase/local/gateway/core/db.ts';

const { values: args } = parseArgs({
	options: {
		seconds: { type: 'string', default: '5' },
		rounds: { type: 'string', default: '2' },
		clients: { type: 'string', default: '1,8' },
		email: { type: 'string', default: 'doctor@clinic-a.test' },
		password: { type: 'string', default: 'Demo-password-1' }
	}
});
const SECONDS = Number(args.seconds);
const ROUNDS = Math.max(1, Number(args.rounds));
const keys = loadKeys();
const api = new URL(API_URL);

interface Workload {
	name: string;
	method: 'GET' | 'POST';
	/** Path below /rest/v1 with its query string. */
	path: string;
	headers: Record<string, string>;
	body?: string;
}

const WORKLOADS: Workload[] = [
	{
		name: 'patients page (25 rows, exact count)',
		method: 'GET',
		path: '/patients?select=id,mrn,given_name,family_name,date_of_birth,sex&archived_at=is.null&order=family_name.asc,given_name.asc&limit=25&offset=0',
		headers: { Prefer: 'count=exact' }
	},
	{
		name: 'one patient with embeds',
		method: 'GET',
		path: '/patients?select=id,given_name,family_name,visits(id,status),prescriptions(id)&limit=1',
		headers: { Accept: 'application/vnd.pgrst.object+json' }
	},
	{
		name: 'rpc my_organizations',
		method: 'POST',
		path: '/rpc/my_organizations',
		headers: { 'Content-Type': 'application/json' },
		body: '{}'
	}
];

async function signIn(): Promise<{ token: string; claims: Record<string, unknown> }> {
	const client = createClient(API_URL, keys.publishableKey, {
		auth: { persistSession: false, autoRefreshToken: false, detectSessionInUrl: false }
	});
	const { data, error } = await client.auth.signInWithPassword({
		email: args.email!,
		password: args.password!
	});
	if (error || !data.session) throw new Error(`sign-in failed: ${error?.message}`);
	const token = data.session.access_token;
	const claims = JSON.parse(Buffer.from(token.split('.')[1], 'base64url').toString('utf8'));
	return { token, claims };
}

function requestHeaders(w: Workload, token: string): Record<string, string> {
	return {
		apikey: keys.publishableKey,
		authorization: `Bearer ${token}`,
		'x-client-info': 'supabase-js-node/2.119.1',
		'accept-profile': 'public',
		'content-profile': 'public',
		...Object.fromEntries(Object.entries(w.headers).map(([k, v]) => [k.toLowerCase(), v])),
		host: api.host
	};
}

/** The statements the gateway runs for `w`, planned by the gateway's own code. */
async function statementsOf(w: Workload, token: string, claims: Record<string, unknown>) {
	const cache = await getSchema();
	const url = new URL(`http://${api.host}/rest/v1${w.path}`);
	const headers = requestHeaders(w, token);
	const ctx = {
		req: { method: w.method, headers },
		url,
		path: w.path.split('?')[0]
	} as unknown as GatewayContext;
	const segs = ctx.path.split('/').filter(Boolean);
	const target =
		segs[0] === 'rpc'
			? { type: 'rpc' as const, name: segs[1] }
			: { type: 'table' as const, name: segs[0] };
	const media = negotiate(headers.accept, cache.config.plan, cache.postgis);
	const prefs = parsePrefer(headers.prefer);
	const plan = buildPlan(ctx, cache, {
		method: w.method,
		schema: 'public',
		target,
		media,
		prefs,
		bodyText: w.body ?? null
	});
	const role = String(claims.role);
	const steps = prelude(
		{ method: w.method, path: ctx.path, headers, cookie: undefined },
		{ role, claims },
		{ readOnly: plan.readOnly, settings: restSettings(cache, 'public', role) }
	);
	return { steps, statement: plan.statement!, readOnly: plan.readOnly };
}

function percentile(sorted: number[], p: number): number {
	if (!sorted.length) return NaN;
	return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))];
}

interface Sample {
	n: number;
	rps: number;
	p50: number;
	p95: number;
}

async function drive(concurrency: number, once: () => Promise<void>): Promise<Sample> {
	const times: number[] = [];
	const until = performance.now() + SECONDS * 1000;
	const started = performance.now();
	await Promise.all(
		Array.from({ length: concurrency }, async () => {
			while (performance.now() < until) {
				const t = performance.now();
				await once();
				times.push(performance.now() - t);
			}
		})
	);
	const elapsed = (performance.now() - started) / 1000;
	times.sort((a, b) => a - b);
	return {
		n: times.length,
		rps: times.length / elapsed,
		p50: percentile(times, 50),
		p95: percentile(times, 95)
	};
}

function gatewayOnce(w: Workload, token: string, agent: http.Agent) {
	return () =>
		new Promise<void>((resolve, reject) => {
			const req = http.request(
				{
					host: api.hostname,
					port: api.port,
					method: w.method,
					path: `/rest/v1${w.path}`,
					headers: requestHeaders(w, token),
					agent
				},
				(res) => {
					const ok = res.statusCode! < 300;
					res.resume();
					res.on('end', () =>
						ok ? resolve() : reject(new Error(`${w.name}: HTTP ${res.statusCode}`))
					);
				}
			);
			req.on('error', reject);
			req.end(w.body);
		});
}

/**
 * The same statements on a direct connection. As the gateway does for read-only transactions
 * (core/with-role.ts), the rows are available once the statement has run; the commit then ends
 * the transaction before the connection is reused. Writes wait for their commit on both sides.
 */
function sqlOnce(
	pool: pg.Pool,
	steps: { text: string; values?: string[] }[],
	statement: { sql: string; params: unknown[] },
	readOnly: boolean
) {
	return async () => {
		const c = await pool.connect();
		try {
			for (const s of steps) await c.query(s.text, s.values);
			// prepared as the gateway prepares it (rest/prepared.ts): the same parse and plan caching
			await c.query(preparedQuery(c, statement.sql, statement.params, 0));
		} catch (e) {
			c.release(true);
			throw e;
		}
		const end = c.query('commit').then(
			() => c.release(),
			() => c.release(true)
		);
		if (!readOnly) await end;
	};
}

async function main() {
	const { token, claims } = await signIn();
	const results: Record<string, Record<string, { gateway: Sample; sql: Sample }>> = {};
	for (const concurrency of args.clients!.split(',').map(Number)) {
		const agent = new http.Agent({ keepAlive: true, maxSockets: concurrency });
		const pool = new pg.Pool({ connectionString: AUTHENTICATOR_URL, max: concurrency });
		for (const type of [1082, 1114, 1184, 1700, 20]) pg.types.setTypeParser(type, (v) => v);
		for (const w of WORKLOADS) {
			const { steps, statement, readOnly } = await statementsOf(w, token, claims);
			const g = gatewayOnce(w, token, agent);
			const s = sqlOnce(pool, steps, statement, readOnly);
			await drive(concurrency, g); // warm-up of both
			await drive(concurrency, s);
			const gs: Sample[] = [];
			const ss: Sample[] = [];
			for (let r = 0; r < ROUNDS; r++) {
				if (r % 2 === 0) {
					gs.push(await drive(concurrency, g));
					ss.push(await drive(concurrency, s));
				} else {
					ss.push(await drive(concurrency, s));
					gs.push(await drive(concurrency, g));
				}
			}
			const mean = (xs: Sample[]): Sample => ({
				n: xs.reduce((a, x) => a + x.n, 0),
				rps: xs.reduce((a, x) => a + x.rps, 0) / xs.length,
				p50: xs.reduce((a, x) => a + x.p50, 0) / xs.length,
				p95: xs.reduce((a, x) => a + x.p95, 0) / xs.length
			});
			(results[`c${concurrency}`] ??= {})[w.name] = { gateway: mean(gs), sql: mean(ss) };
		}
		agent.destroy();
		await pool.end();
	}
	const lines = [
		'| clients | request | gateway req/s | SQL req/s | gateway p50 / p95 ms | SQL p50 / p95 ms | ratio p50 | ratio throughput |',
		'|---|---|---:|---:|---:|---:|---:|---:|'
	];
	for (const [c, byName] of Object.entries(results)) {
		for (const [name, { gateway, sql }] of Object.entries(byName)) {
			lines.push(
				`| ${c.slice(1)} | ${name} | ${gateway.rps.toFixed(0)} | ${sql.rps.toFixed(0)} | ${gateway.p50.toFixed(2)} / ${gateway.p95.toFixed(2)} | ${sql.p50.toFixed(2)} / ${sql.p95.toFixed(2)} | ${(gateway.p50 / sql.p50).toFixed(2)} | ${(sql.rps / gateway.rps).toFixed(2)} |`
			);
		}
	}
	console.log(lines.join('\n'));
	mkdirSync(join(import.meta.dirname, 'results'), { recursive: true });
	const file = join(
		import.meta.dirname,
		'results',
		`gateway-${new Date().toISOString().replace(/[:.]/g, '-')}.json`
	);
	writeFileSync(file, JSON.stringify({ seconds: SECONDS, rounds: ROUNDS, results }, null, '\t'));
	console.log(`\nwritten ${file}`);
	await adminPool.end();
}

main().catch((e) => {
	console.error(e);
	process.exit(1);
});
