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
import type { ChildProcess } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import pg from 'pg';
import { createClient } from '@supabase/supabase-js';
import { DB_URL as LOCAL_DB_URL } from '../supabase/local/config.ts';
import {
	envFile,
	pct,
	portalHttp,
	ROOT,
	servePortal,
	signInThroughPortal,
	startCountingProxy,
	type Res
} from './http.ts';

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

const ENV = envFile();
const GATEWAY = new URL(ENV.PUBLIC_SUPABASE_URL);
const DB_URL = LOCAL_DB_URL.replace('?sslmode=disable', '');
const http = portalHttp(PORT);

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
	await signInThroughPortal(http, PORT, u.slug, u.email, PASSWORD, u.cookies);
}

// ---- measurement ------------------------------------------------------------------------------------
interface Page {
	id: string;
	title: string;
	/** host and path for a user ('' host = the platform, no session) */
	target: (u: User) => { host: string; path: string; cookies?: Map<string, string> };
}

async function main() {
	const t0 = performance.now();
	const log = (m: string) => console.log(m);
	const proxy = await startCountingProxy(GATEWAY);
	const counts = proxy.counts;
	const app: ChildProcess = await servePortal({
		port: PORT,
		env: { ...ENV, PUBLIC_SUPABASE_URL: proxy.url },
		rebuild: args.build,
		log
	});
	const db = new pg.Client({ connectionString: DB_URL });
	await db.connect();
	let users: User[] = [];
	try {
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
		proxy.server.close();
	}
}

await main();
