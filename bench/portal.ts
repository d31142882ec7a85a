/**
 * Portal throughput and Data API round trips per page (BENCHMARK.md "Beyond the database").
 *
 *   npm run bench:portal [-- --users 8 --concurrency 8 --requests 400 --seconds 20 --build]
 *
 * Serves the production build (`build/`, built first when missing or with --build) with
 * scripts/serve.ts on a loopback port, its PUBLIC_SUPABASE_URL pointed at a small counting proxy
 * in front of the local gateway. Creates N distinct staff users (doctors, half in each demo clinic)
 * with the Auth admin API, signs each in through the portal's own form (cookie jar by hand), then:
 *
 * 1. round trips: each main page loaded alone by one user, counting the requests the server made
 *    to the gateway (Data API /rest, Auth /auth, Storage) during that load;
 * 2. throughput: `concurrency` workers, each with its own user's session, request one page until
 *    `requests` responses or `seconds` elapse; every page type in the same run, interleaved in
 *    rounds so they share the machine's conditions. Reports requests/s, p50/p95 and ratios to the
 *    page without data access (the platform home, which needs no session and reads nothing);
 * 3. checks: every response is 200, and no HTML of clinic X contains an id or a name of a patient
 *    of the other clinic (names that also exist in X are not usable as markers and are skipped).
 *
 * The test users are deleted at the end. Loopback only; bounded in count and time.
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { existsSync, readFileSync, writeFileSync, mkdirSync } from 'node:fs';
import { createServer, request, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import pg from 'pg';
import { createClient } from '@supabase/supabase-js';

const ROOT = join(import.meta.dirname, '..');
const { values: args } = parseArgs({
	options: {
		users: { type: 'string', default: '8' },
		concurrency: { type: 'string', default: '8' },
		requests: { type: 'string', default: '400' },
		seconds: { type: 'string', default: '20' },
		rounds: { type: 'string', default: '2' },
		port: { type: 'string', default: '4391' },
		build: { type: 'boolean', default: false }
	}
});
const USERS = Math.max(2, Number(args.users));
const CONCURRENCY = Math.max(1, Number(args.concurrency));
const REQUESTS = Number(args.requests);
const SECONDS = Number(args.seconds);
const ROUNDS = Math.max(1, Number(args.rounds));
const PORT = Number(args.port);
const PASSWORD = 'Bench-portal-password-1';
const CLINICS = ['clinic-a', 'city-hospital'];

function envFile(): Record<string, string> {
	const env: Record<string, string> = {};
	for (const line of readFileSync(join(ROOT, '.env.local'), 'utf8').split('\n')) {
		const m = /^([A-Z0-9_]+)=(.*)$/.exec(line);
		if (m) env[m[1]] = m[2];
	}
	return env;
}
const ENV = envFile();
const GATEWAY = new URL(ENV.PUBLIC_SUPABASE_URL);
const DB_URL = 'postgresql://postgres:postgres@127.0.0.1:54322/postgres';

// ---- counting proxy in front of the gateway ---------------------------------------------------
const counts = new Map<string, number>();
function countKey(path: string): string {
	const m = /^\/(rest|auth|storage)\/v1\/(rpc\/[^?/]+|[^?/]+)/.exec(path);
	return m ? `${m[1]} ${m[2]}` : `other ${path.split('?')[0]}`;
}
function startProxy(): Promise<Server> {
	const server = createServer((req, res) => {
		const key = countKey(req.url ?? '');
		counts.set(key, (counts.get(key) ?? 0) + 1);
		const up = request(
			{
				host: GATEWAY.hostname,
				port: GATEWAY.port,
				method: req.method,
				path: req.url,
				headers: { ...req.headers, host: GATEWAY.host }
			},
			(upRes) => {
				res.writeHead(upRes.statusCode ?? 502, upRes.headers);
				upRes.pipe(res);
			}
		);
		up.on('error', () => {
			res.writeHead(502);
			res.end();
		});
		req.pipe(up);
	});
	return new Promise((resolve) => server.listen(0, '127.0.0.1', () => resolve(server)));
}

// ---- HTTP with a Host header and a hand-made cookie jar ----------------------------------------
interface Res {
	status: number;
	headers: IncomingMessage['headers'];
	body: string;
	ms: number;
}
function http(
	host: string,
	path: string,
	opts: {
		method?: string;
		cookies?: Map<string, string>;
		body?: string;
		headers?: Record<string, string>;
	} = {}
): Promise<Res> {
	const t0 = performance.now();
	return new Promise((resolve, reject) => {
		const headers: Record<string, string> = {
			host: `${host}:${PORT}`,
			accept: 'text/html',
			...(opts.headers ?? {})
		};
		if (opts.cookies?.size)
			headers.cookie = [...opts.cookies].map(([k, v]) => `${k}=${v}`).join('; ');
		if (opts.body) headers['content-length'] = String(Buffer.byteLength(opts.body));
		const req = request(
			{ host: '127.0.0.1', port: PORT, method: opts.method ?? 'GET', path, headers, agent: false },
			(res) => {
				const chunks: Buffer[] = [];
				res.on('data', (c: Buffer) => chunks.push(c));
				res.on('end', () => {
					for (const c of res.headers['set-cookie'] ?? []) {
						const [pair, ...attrs] = c.split(';');
						const i = pair.indexOf('=');
						const name = pair.slice(0, i).trim();
						const value = pair.slice(i + 1);
						const expired = attrs.some(
							(a) => /max-age=0\b/i.test(a.trim()) || /expires=thu, 01 jan 1970/i.test(a.trim())
						);
						if (opts.cookies) {
							if (expired || value === '') opts.cookies.delete(name);
							else opts.cookies.set(name, value);
						}
					}
					resolve({
						status: res.statusCode ?? 0,
						headers: res.headers,
						body: Buffer.concat(chunks).toString('utf8'),
						ms: performance.now() - t0
					});
				});
			}
		);
		req.on('error', reject);
		if (opts.body) req.write(opts.body);
		req.end();
	});
}

async function waitUp(ms: number) {
	const end = Date.now() + ms;
	while (Date.now() < end) {
		try {
			await http('localhost', '/');
			return;
		} catch {
			await new Promise((r) => setTimeout(r, 200));
		}
	}
	throw new Error('portal did not start');
}

// ---- people ---------------------------------------------------------------------------------------
interface User {
	id: string;
	email: string;
	slug: string;
	cookies: Map<string, string>;
}

const service = createClient(ENV.PUBLIC_SUPABASE_URL, ENV.SUPABASE_SECRET_KEY, {
	auth: { persistSession: false, autoRefreshToken: false }
});

async function createUsers(db: pg.Client): Promise<User[]> {
	const users: User[] = [];
	const stamp = Date.now().toString(36);
	for (let i = 0; i < USERS; i++) {
		const slug = CLINICS[i % CLINICS.length];
		const email = `bench-portal-${stamp}-${i}@bench.test`;
		const { data, error } = await service.auth.admin.createUser({
			email,
			password: PASSWORD,
			email_confirm: true
		});
		if (error || !data.user) throw new Error(`createUser: ${error?.message}`);
		users.push({ id: data.user.id, email, slug, cookies: new Map() });
		await db.query(
			`insert into public.memberships (organization_id, user_id, role, status)
			 select id, $2, 'doctor', 'active' from public.organizations where slug = $1`,
			[slug, data.user.id]
		);
		await db.query(
			`update public.profiles set active_organization_id = (select id from public.organizations where slug = $1) where id = $2`,
			[slug, data.user.id]
		);
	}
	return users;
}

async function signIn(u: User) {
	const host = `${u.slug}.localhost`;
	const body = new URLSearchParams({ email: u.email, password: PASSWORD }).toString();
	const res = await http(host, '/sign-in', {
		method: 'POST',
		cookies: u.cookies,
		body,
		headers: {
			'content-type': 'application/x-www-form-urlencoded',
			accept: 'text/html',
			origin: `http://${host}:${PORT}`
		}
	});
	if (res.status !== 303 || u.cookies.size === 0)
		throw new Error(`sign-in of ${u.email} at ${host}: ${res.status} ${res.body.slice(0, 300)}`);
}

// ---- measurement ------------------------------------------------------------------------------------
interface Page {
	id: string;
	title: string;
	/** host and path for a user ('' host = the platform, no session) */
	target: (u: User) => { host: string; path: string; cookies?: Map<string, string> };
}

function pct(xs: number[], p: number) {
	const s = [...xs].sort((a, b) => a - b);
	return s[Math.min(s.length - 1, Math.floor((p / 100) * s.length))] ?? NaN;
}

async function main() {
	const t0 = performance.now();
	const log = (m: string) => console.log(m);
	if (args.build || !existsSync(join(ROOT, 'build', 'handler.js'))) {
		log('building the portal (vite build)…');
		const b = spawnSync(join(ROOT, 'node_modules', '.bin', 'vite'), ['build'], {
			cwd: ROOT,
			stdio: ['ignore', 'ignore', 'inherit']
		});
		if (b.status !== 0) throw new Error('vite build failed');
	}
	const proxy = await startProxy();
	const proxyUrl = `http://127.0.0.1:${(proxy.address() as AddressInfo).port}`;
	const app: ChildProcess = spawn(process.execPath, [join(ROOT, 'scripts', 'serve.ts')], {
		cwd: ROOT,
		env: {
			...process.env,
			...ENV,
			PUBLIC_SUPABASE_URL: proxyUrl,
			PORT: String(PORT),
			HOST: '127.0.0.1',
			BUILD_DIR: 'build'
		},
		stdio: ['ignore', 'ignore', 'inherit']
	});
	const db = new pg.Client({ connectionString: DB_URL });
	await db.connect();
	let users: User[] = [];
	try {
		await waitUp(30_000);
		users = await createUsers(db);
		for (const u of users) await signIn(u);
		log(
			`${users.length} users signed in (${CLINICS.map((c) => `${users.filter((u) => u.slug === c).length} at ${c}`).join(', ')})`
		);

		// each clinic's patients (ids and names) as markers for the cross-clinic check
		const { rows } = await db.query<{ slug: string; id: string; mrn: string; name: string }>(
			`select o.slug, p.id, p.mrn, p.given_name || ' ' || p.family_name as name
			   from public.patients p join public.organizations o on o.id = p.organization_id
			  where o.slug = any($1) and p.archived_at is null order by p.search_name, p.id`,
			[CLINICS]
		);
		const bySlug = new Map(CLINICS.map((c) => [c, rows.filter((r) => r.slug === c)]));
		const markers = new Map<string, string[]>(); // slug → strings that must not appear
		for (const c of CLINICS) {
			const own = bySlug.get(c)!;
			const ownNames = new Set(own.map((r) => r.name));
			const foreign = rows.filter((r) => r.slug !== c);
			markers.set(c, [
				...foreign.map((r) => r.id),
				...foreign.map((r) => r.name).filter((n) => !ownNames.has(n))
			]);
		}
		const chartOf = (u: User) => bySlug.get(u.slug)![0].id;

		const pages: Page[] = [
			{
				id: 'home',
				title: 'platform home (no data access, no session)',
				target: () => ({ host: 'localhost', path: '/' })
			},
			{
				id: 'dashboard',
				title: 'clinic dashboard',
				target: (u) => ({ host: `${u.slug}.localhost`, path: '/dashboard', cookies: u.cookies })
			},
			{
				id: 'patients',
				title: 'patients list (/patients)',
				target: (u) => ({ host: `${u.slug}.localhost`, path: '/patients', cookies: u.cookies })
			},
			{
				id: 'chart',
				title: 'patient chart (/patients/<id>)',
				target: (u) => ({
					host: `${u.slug}.localhost`,
					path: `/patients/${chartOf(u)}`,
					cookies: u.cookies
				})
			}
		];

		let errors = 0;
		let leaks = 0;
		let checked = 0;
		const check = (u: User | undefined, page: Page, res: Res) => {
			if (res.status !== 200) {
				errors++;
				if (errors <= 5)
					console.error(
						`  ${page.id} ${u?.email ?? ''}: HTTP ${res.status} ${String(res.headers.location ?? '')}`
					);
				return;
			}
			if (!u || page.id === 'home') return;
			checked++;
			if (
				page.id === 'patients' &&
				!bySlug
					.get(u.slug)!
					.slice(0, 3)
					.some((r) => res.body.includes(r.id))
			)
				throw new Error(
					`patients page of ${u.slug} shows none of its own first patients: the check would be vacuous`
				);
			for (const m of markers.get(u.slug)!) {
				if (res.body.includes(m)) {
					leaks++;
					console.error(`  LEAK: ${page.id} at ${u.slug} contains "${m}" of another clinic`);
				}
			}
		};

		// 1. Data API round trips per page, one load at a time (after one warm-up load)
		log('\nrequests to the gateway per page load (one user, sequential, after a warm-up load):');
		const perPage: Record<string, Record<string, number>> = {};
		for (const page of pages) {
			const u = users[0];
			const t = page.target(u);
			await http(t.host, t.path, { cookies: t.cookies });
			const samples: Array<Record<string, number>> = [];
			for (let i = 0; i < 3; i++) {
				counts.clear();
				const res = await http(t.host, t.path, { cookies: t.cookies });
				check(u, page, res);
				samples.push(Object.fromEntries(counts));
			}
			perPage[page.id] = samples[samples.length - 1];
			const total = Object.values(perPage[page.id]).reduce((a, b) => a + b, 0);
			const same = samples.every((s) => JSON.stringify(s) === JSON.stringify(samples[0]));
			log(
				`  ${page.id.padEnd(10)} ${total} (${
					Object.entries(perPage[page.id])
						.map(([k, v]) => `${k} ×${v}`)
						.join(', ') || 'none'
				})${same ? '' : ' [varied between loads: ' + samples.map((s) => Object.values(s).reduce((a, b) => a + b, 0)).join('/') + ']'}`
			);
		}

		// 2. throughput, every page in the same run, rounds interleaved
		log(
			`\nthroughput: ${CONCURRENCY} concurrent users, up to ${REQUESTS} requests or ${SECONDS} s per page per round, ${ROUNDS} rounds`
		);
		const lat = new Map<string, number[]>(pages.map((p) => [p.id, []]));
		const wall = new Map<string, number>(pages.map((p) => [p.id, 0]));
		for (let round = 0; round < ROUNDS; round++) {
			const order = round % 2 ? [...pages].reverse() : pages;
			for (const page of order) {
				let sent = 0;
				const deadline = performance.now() + SECONDS * 1000;
				const start = performance.now();
				await Promise.all(
					Array.from({ length: CONCURRENCY }, async (_, w) => {
						const u = users[w % users.length];
						const t = page.target(u);
						while (sent < REQUESTS && performance.now() < deadline) {
							sent++;
							const res = await http(t.host, t.path, { cookies: t.cookies });
							lat.get(page.id)!.push(res.ms);
							check(u, page, res);
						}
					})
				);
				wall.set(page.id, wall.get(page.id)! + (performance.now() - start));
			}
		}
		const base = pages[0].id;
		const rps = (id: string) => lat.get(id)!.length / (wall.get(id)! / 1000);
		log(
			'\n| page | requests | req/s | p50 ms | p95 ms | req/s ratio to home | p50 ratio | p95 ratio | gateway requests per load |'
		);
		log('|---|---|---|---|---|---|---|---|---|');
		const summary = pages.map((p) => {
			const xs = lat.get(p.id)!;
			const row = {
				page: p.id,
				title: p.title,
				requests: xs.length,
				rps: rps(p.id),
				p50: pct(xs, 50),
				p95: pct(xs, 95),
				rpsRatio: rps(base) / rps(p.id),
				p50Ratio: pct(xs, 50) / pct(lat.get(base)!, 50),
				p95Ratio: pct(xs, 95) / pct(lat.get(base)!, 95),
				gateway: perPage[p.id]
			};
			const gw = Object.values(row.gateway).reduce((a, b) => a + b, 0);
			log(
				`| ${p.title} | ${row.requests} | ${row.rps.toFixed(1)} | ${row.p50.toFixed(1)} | ${row.p95.toFixed(1)} | ${row.rpsRatio.toFixed(1)} × slower | ${row.p50Ratio.toFixed(1)} | ${row.p95Ratio.toFixed(1)} | ${gw} |`
			);
			return row;
		});
		log(
			`\nerrors (non-200): ${errors}; cross-clinic markers found: ${leaks} (${checked} clinic pages checked against ${[...markers.values()].map((m) => m.length).join(' / ')} markers of the other clinic)`
		);
		mkdirSync(join(ROOT, 'bench', 'results'), { recursive: true });
		const file = join(
			ROOT,
			'bench',
			'results',
			`portal-${new Date().toISOString().replace(/[:.]/g, '-')}.json`
		);
		writeFileSync(
			file,
			JSON.stringify(
				{
					users: USERS,
					concurrency: CONCURRENCY,
					requests: REQUESTS,
					seconds: SECONDS,
					rounds: ROUNDS,
					errors,
					leaks,
					checked,
					summary
				},
				null,
				2
			)
		);
		log(`results: ${file} (${((performance.now() - t0) / 1000).toFixed(0)} s)`);
		if (errors || leaks) process.exitCode = 1;
	} finally {
		for (const u of users) await service.auth.admin.deleteUser(u.id).catch(() => {});
		await db.end();
		app.kill('SIGTERM');
		proxy.close();
	}
}

await main();
