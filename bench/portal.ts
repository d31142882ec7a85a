/**
 * Portal throughput and Data API round trips per page (docs/benchmark.md "Portal", issue 18).
 *
 *   npm run bench:portal [-- --users 8 --concurrency 8 --requests 400 --seconds 10 --rounds 2
 *                           --size M|S|none --build]
 *
 * Serves the production build (`build/`, built first when missing or with --build) with
 * scripts/serve.ts on a free loopback port, its PUBLIC_SUPABASE_URL pointed at a counting proxy in
 * front of a gateway (tests/support/portal-probe.ts). Two targets, in one run:
 *
 * - **demo**: the local runtime's gateway and the seeded demo clinics (`clinic-a`, `city-hospital`);
 * - **bench-size**: a second gateway on the benchmark database of `--size` (default M, loaded by
 *   bench/generate.ts when missing or stale) and its large clinic (`bench-large`: 25,000 patients
 *   at M, 4 visits, 2 lab orders and 2 prescriptions each). `--size none` skips it.
 *
 * For each target it creates N clinic admins (who may open every clinic page) with the Auth admin
 * API, signs each in through the portal's own form (cookie jar by hand), then:
 *
 * 1. round trips: every clinic page (enumerated from src/routes/(app), as the e2e test
 *    page-round-trips does) loaded alone by one user after a warm-up load, counting the requests
 *    the server made to the gateway (Data API /rest, Auth /auth, Storage) during that load;
 * 2. throughput (on a second portal process whose PUBLIC_SUPABASE_URL is the gateway itself: the
 *    counting proxy would add its own work to the clinic pages only): `concurrency` workers, each
 *    with its own user's session, request one page until `requests` responses or `seconds` elapse;
 *    the main pages in the same run, interleaved in rounds so they share the machine's conditions. Reports requests/s, p50/p95, and each as a ratio to the
 *    page without data access (the platform home, which needs no session and reads nothing);
 * 3. checks: every response is 200, and (demo target) no HTML of clinic X contains an id or a name
 *    of a patient of the other clinic.
 *
 * The test users are deleted at the end. Loopback only; bounded in count and time.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import pg from 'pg';
import { createClient } from '@supabase/supabase-js';
import { API_URL, authUrlEnv, HOST, ROOT } from '../supabase/local/config.ts';
import {
	clinicPages,
	freePort,
	load,
	pathOf,
	portalEnv,
	SAMPLES,
	signInAt,
	startCountingProxy,
	startPortal,
	type Loaded
} from '../tests/support/portal-probe.ts';
import { dbUrl } from './db.ts';
import { ensureBuild } from './http.ts';
import { ensureLoaded, type Size } from './generate.ts';

const { values: args } = parseArgs({
	options: {
		users: { type: 'string', default: '8' },
		concurrency: { type: 'string', default: '8' },
		requests: { type: 'string', default: '400' },
		seconds: { type: 'string', default: '10' },
		rounds: { type: 'string', default: '2' },
		size: { type: 'string', default: 'M' },
		build: { type: 'boolean', default: false }
	}
});
const USERS = Math.max(2, Number(args.users));
const CONCURRENCY = Math.max(1, Number(args.concurrency));
const REQUESTS = Number(args.requests);
const SECONDS = Number(args.seconds);
const ROUNDS = Math.max(1, Number(args.rounds));
const SIZE = args.size!.toUpperCase();
const PASSWORD = 'Bench-portal-password-1';
/** Data API requests a clinic page may make per load (issue 18). */
const BUDGET = 2;
const ENV = portalEnv();
const log = (m: string) => console.log(m);

interface User {
	id: string;
	email: string;
	slug: string;
	cookies: Map<string, string>;
}

interface Target {
	name: string;
	gatewayUrl: string;
	database: string;
	clinics: string[];
	/** Check clinic pages for the other clinic's patients (needs two clinics). */
	leakCheck: boolean;
}

interface ThroughputPage {
	id: string;
	title: string;
	target: (u: User) => { host: string; path: string; cookies?: Map<string, string> };
}

function pct(xs: number[], p: number) {
	const s = [...xs].sort((a, b) => a - b);
	return s[Math.min(s.length - 1, Math.floor((p / 100) * s.length))] ?? NaN;
}

async function runTarget(target: Target) {
	log(`\n## ${target.name}`);
	const proxy = await startCountingProxy(target.gatewayUrl);
	const port = await freePort();
	const app = await startPortal({ port, supabaseUrl: proxy.url });
	// Throughput is measured on a second portal process talking to the gateway directly: the
	// counting proxy is the benchmark's instrument for phase 1, not part of a deployment, and
	// would add its own work to every Data API request of the clinic pages (not to the home page).
	const directPort = await freePort();
	const direct = await startPortal({ port: directPort, supabaseUrl: target.gatewayUrl });
	const service = createClient(target.gatewayUrl, ENV.SUPABASE_SECRET_KEY, {
		auth: { persistSession: false, autoRefreshToken: false }
	});
	const db = new pg.Client({ connectionString: dbUrl(target.database) });
	await db.connect();
	const users: User[] = [];
	try {
		const stamp = Date.now().toString(36);
		for (let i = 0; i < USERS; i++) {
			const slug = target.clinics[i % target.clinics.length];
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
				 select id, $2, 'admin', 'active' from public.organizations where slug = $1`,
				[slug, data.user.id]
			);
			await db.query(
				`update public.profiles set active_organization_id = (select id from public.organizations where slug = $1) where id = $2`,
				[slug, data.user.id]
			);
		}
		for (const u of users)
			await signInAt({
				port,
				slug: u.slug,
				email: u.email,
				password: PASSWORD,
				cookies: u.cookies,
				backend: { apiUrl: target.gatewayUrl, database: target.database }
			});
		log(
			`${users.length} clinic admins signed in (${target.clinics.map((c) => `${users.filter((u) => u.slug === c).length} at ${c}`).join(', ')})`
		);

		const { rows: orgs } = await db.query<{ slug: string; id: string; patients: string }>(
			`select o.slug, o.id, (select count(*) from public.patients p where p.organization_id = o.id) as patients
			   from public.organizations o where o.slug = any($1)`,
			[target.clinics]
		);
		const orgOf = new Map(orgs.map((o) => [o.slug, o]));
		log(
			`patients: ${orgs.map((o) => `${o.slug} ${Number(o.patients).toLocaleString('en')}`).join(', ')}`
		);

		// markers of the other clinic for the leak check: ids and names not also used at this clinic
		const markers = new Map<string, string[]>();
		const firstPatients = new Map<string, string[]>();
		for (const c of target.clinics) {
			const { rows } = await db.query<{ id: string }>(
				`select id from public.patients where organization_id = $1 and archived_at is null order by search_name, id limit 3`,
				[orgOf.get(c)!.id]
			);
			firstPatients.set(
				c,
				rows.map((r) => r.id)
			);
		}
		if (target.leakCheck) {
			const { rows } = await db.query<{ slug: string; id: string; name: string }>(
				`select o.slug, p.id, p.given_name || ' ' || p.family_name as name
				   from public.patients p join public.organizations o on o.id = p.organization_id
				  where o.slug = any($1) and p.archived_at is null`,
				[target.clinics]
			);
			for (const c of target.clinics) {
				const ownNames = new Set(rows.filter((r) => r.slug === c).map((r) => r.name));
				const foreign = rows.filter((r) => r.slug !== c);
				markers.set(c, [
					...foreign.map((r) => r.id),
					...foreign.map((r) => r.name).filter((n) => !ownNames.has(n))
				]);
			}
		}

		let errors = 0;
		let leaks = 0;
		let checked = 0;
		const check = (u: User, pageId: string, res: Loaded) => {
			if (res.status !== 200) {
				errors++;
				if (errors <= 5)
					console.error(
						`  ${pageId} ${u.email}: HTTP ${res.status} ${String(res.headers.location ?? '')}`
					);
				return;
			}
			if (pageId === 'home') return;
			checked++;
			if (pageId === 'patients' && !firstPatients.get(u.slug)!.some((id) => res.body.includes(id)))
				throw new Error(`patients page of ${u.slug} shows none of its own first patients`);
			for (const m of markers.get(u.slug) ?? []) {
				if (res.body.includes(m)) {
					leaks++;
					console.error(`  LEAK: ${pageId} at ${u.slug} contains "${m}" of another clinic`);
				}
			}
		};

		// 1. gateway requests per page load, every clinic page, one load at a time after a warm-up
		const u0 = users[0];
		const host0 = `${u0.slug}.localhost`;
		const samplePaths = new Map<string, string>();
		for (const page of clinicPages()) {
			const values: Record<string, string> = {};
			for (const p of page.params) {
				const sql = SAMPLES[p.key];
				const { rows } = sql ? await db.query(sql, [orgOf.get(u0.slug)!.id]) : { rows: [] };
				const v = rows[0] && Object.values(rows[0] as Record<string, string>)[0];
				if (v) values[p.name] = v;
			}
			if (page.params.every((p) => values[p.name]))
				samplePaths.set(page.routeId, pathOf(page.routeId, values));
			else log(`  (no sample for ${page.routeId}: not counted)`);
		}
		log(
			`\ngateway requests per page load (${u0.slug}, one user, sequential, after a warm-up load):`
		);
		log('\n| page | Data API requests | all gateway requests (which) |');
		log('|---|---:|---|');
		const perPage: Record<
			string,
			{ path: string; dataApi: number; which: Record<string, number> }
		> = {};
		const countLoad = async (
			routeId: string,
			host: string,
			path: string,
			cookies?: Map<string, string>
		) => {
			await load(port, host, path, { cookies });
			proxy.counts.clear();
			const res = await load(port, host, path, { cookies });
			if (res.status !== 200) {
				errors++;
				console.error(`  ${routeId} ${path}: HTTP ${res.status}`);
			}
			perPage[routeId] = {
				path,
				dataApi: proxy.dataApi(),
				which: Object.fromEntries(proxy.counts)
			};
			const which = Object.entries(perPage[routeId].which)
				.map(([k, v]) => `${k} ×${v}`)
				.join(', ');
			log(
				`| ${routeId === 'home' ? 'platform home (no session)' : `\`${routeId}\``} | ${perPage[routeId].dataApi}${perPage[routeId].dataApi > BUDGET ? ' (over ' + BUDGET + ')' : ''} | ${which || 'none'} |`
			);
		};
		await countLoad('home', 'localhost', '/');
		for (const [routeId, path] of samplePaths) await countLoad(routeId, host0, path, u0.cookies);

		// 2. throughput, the main pages in the same run, rounds interleaved
		const chartOf = new Map<string, string>();
		for (const c of target.clinics) {
			chartOf.set(c, firstPatients.get(c)![0]);
		}
		const clinicPage = (id: string, title: string, path: (u: User) => string): ThroughputPage => ({
			id,
			title,
			target: (u) => ({ host: `${u.slug}.localhost`, path: path(u), cookies: u.cookies })
		});
		const pages: ThroughputPage[] = [
			{
				id: 'home',
				title: 'platform home (no data access, no session)',
				target: () => ({ host: 'localhost', path: '/' })
			},
			clinicPage('dashboard', 'clinic dashboard', () => '/dashboard'),
			clinicPage('patients', 'patients list', () => '/patients'),
			clinicPage('chart', 'patient chart', (u) => `/patients/${chartOf.get(u.slug)}`),
			clinicPage('edit', 'patient edit form', (u) => `/patients/${chartOf.get(u.slug)}/edit`),
			clinicPage('staff', 'admin: staff', () => '/admin/staff'),
			clinicPage('fields', 'admin: patient fields', () => '/admin/fields'),
			clinicPage('branding', 'admin: branding', () => '/admin/branding'),
			clinicPage('audit', 'admin: audit trail', () => '/admin/audit')
		];
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
							const res = await load(directPort, t.host, t.path, { cookies: t.cookies });
							lat.get(page.id)!.push(res.ms);
							check(u, page.id, res);
						}
					})
				);
				wall.set(page.id, wall.get(page.id)! + (performance.now() - start));
			}
		}
		const rps = (id: string) => lat.get(id)!.length / (wall.get(id)! / 1000);
		const routeOf: Record<string, string> = {
			home: 'home',
			dashboard: '/(app)/dashboard',
			patients: '/(app)/patients',
			chart: '/(app)/patients/[id=uuid]',
			edit: '/(app)/patients/[id=uuid]/edit',
			staff: '/(app)/admin/staff',
			fields: '/(app)/admin/fields',
			branding: '/(app)/admin/branding',
			audit: '/(app)/admin/audit'
		};
		log(
			'\n| page | Data API requests per load | responses | req/s | p50 ms | p95 ms | throughput ratio to home | p50 ratio | p95 ratio |'
		);
		log('|---|---:|---:|---:|---:|---:|---:|---:|---:|');
		const base = 'home';
		const summary = pages.map((p) => {
			const xs = lat.get(p.id)!;
			const row = {
				page: p.id,
				title: p.title,
				dataApiPerLoad: perPage[routeOf[p.id]]?.dataApi ?? null,
				responses: xs.length,
				rps: rps(p.id),
				p50: pct(xs, 50),
				p95: pct(xs, 95),
				throughputRatio: rps(p.id) / rps(base),
				p50Ratio: pct(xs, 50) / pct(lat.get(base)!, 50),
				p95Ratio: pct(xs, 95) / pct(lat.get(base)!, 95)
			};
			log(
				`| ${p.title} | ${row.dataApiPerLoad ?? '–'} | ${row.responses} | ${row.rps.toFixed(1)} | ${row.p50.toFixed(1)} | ${row.p95.toFixed(1)} | ${row.throughputRatio.toFixed(2)} | ${row.p50Ratio.toFixed(1)} | ${row.p95Ratio.toFixed(1)} |`
			);
			return row;
		});
		const over = Object.entries(perPage).filter(([id, m]) => id !== 'home' && m.dataApi > BUDGET);
		log(
			`\nerrors (non-200): ${errors}; pages over ${BUDGET} Data API requests: ${over.length ? over.map(([id, m]) => `${id} (${m.dataApi})`).join(', ') : 'none'}` +
				(target.leakCheck
					? `; cross-clinic markers found: ${leaks} (${checked} clinic pages checked)`
					: '')
		);
		return {
			target: target.name,
			clinics: target.clinics,
			errors,
			leaks,
			checked,
			perPage,
			summary
		};
	} finally {
		for (const u of users) await service.auth.admin.deleteUser(u.id).catch(() => {});
		await db.end();
		app.kill('SIGTERM');
		direct.kill('SIGTERM');
		await proxy.close();
	}
}

/** A second gateway serving the benchmark database (SUPABASE_GATEWAY_DB), on free ports. */
async function startBenchGateway(database: string): Promise<{ url: string; child: ChildProcess }> {
	const apiPort = await freePort();
	const mailPort = await freePort();
	const child = spawn(process.execPath, [join(ROOT, 'supabase', 'local', 'gateway', 'server.ts')], {
		cwd: ROOT,
		env: {
			...process.env,
			// config.toml's env(SITE_URL) and env(ADDITIONAL_REDIRECT_URLS), as `stack:start` sets them
			...authUrlEnv(),
			SUPABASE_API_PORT: String(apiPort),
			SUPABASE_MAIL_PORT: String(mailPort),
			SUPABASE_SMTP_PORT: String(await freePort()),
			SUPABASE_GATEWAY_DB: database
		},
		stdio: ['ignore', 'ignore', 'inherit']
	});
	const url = `http://${HOST}:${apiPort}`;
	const end = Date.now() + 60_000;
	while (Date.now() < end) {
		try {
			if ((await fetch(`${url}/auth/v1/health`)).ok) return { url, child };
		} catch {
			/* not up yet */
		}
		await new Promise((r) => setTimeout(r, 200));
	}
	child.kill('SIGTERM');
	throw new Error(`the gateway on ${database} did not start`);
}

async function main() {
	const t0 = performance.now();
	ensureBuild(Boolean(args.build), log);
	const results = [];
	results.push(
		await runTarget({
			name: 'demo clinics (seed)',
			gatewayUrl: API_URL,
			database: 'postgres',
			clinics: ['clinic-a', 'city-hospital'],
			leakCheck: true
		})
	);
	if (SIZE !== 'NONE') {
		if (!['S', 'M', 'L'].includes(SIZE)) throw new Error('--size must be S, M, L or none');
		const database = `bench_${SIZE.toLowerCase()}`;
		await ensureLoaded(database, SIZE as Size, 42, log);
		const gateway = await startBenchGateway(database);
		try {
			results.push(
				await runTarget({
					name: `bench-size clinic (size ${SIZE}'s large clinic, database ${database})`,
					gatewayUrl: gateway.url,
					database,
					clinics: ['bench-large'],
					leakCheck: false
				})
			);
		} finally {
			gateway.child.kill('SIGTERM');
		}
	}
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
				results
			},
			null,
			2
		)
	);
	log(`\nresults: ${file} (${((performance.now() - t0) / 1000).toFixed(0)} s)`);
	if (results.some((r) => r.errors || r.leaks)) process.exitCode = 1;
}

await main();
