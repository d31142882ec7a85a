/**
 * Issue 18: every clinic page makes at most two Data API round trips per load, the per-request
 * context (`request_context`, one call) and the page's own data (one RPC or one embedded select).
 * The pages are enumerated from src/routes/(app) (tests/support/portal-probe.ts), so a page added
 * later (the diary, new admin pages) is counted the day it lands; a page with a dynamic segment
 * needs a sample in SAMPLES there, or this test says so.
 *
 * A portal from the production build is served with its Supabase URL pointed at a counting proxy
 * in front of the local gateway; a clinic admin (who may open every clinic page, after the
 * two-factor step admins must pass) loads each page once to warm up and then once counted.
 */
import type { ChildProcess } from 'node:child_process';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CLINIC_A, DEMO_PASSWORD, demo } from '../support/demo.ts';
import {
	clinicPages,
	freePort,
	load,
	pathOf,
	SAMPLES,
	signInAt,
	startCountingProxy,
	startPortal,
	type CountingProxy
} from '../support/portal-probe.ts';
import { adminDb, API_URL } from '../support/stack.ts';

/** Data API requests a clinic page may make per load. */
const BUDGET = 2;

let proxy: CountingProxy;
let portal: ChildProcess;
let port: number;
const cookies = new Map<string, string>();
const measured = new Map<
	string,
	{ path: string; status: number; dataApi: number; which: string }
>();

beforeAll(async () => {
	proxy = await startCountingProxy(API_URL);
	port = await freePort();
	portal = await startPortal({ port, supabaseUrl: proxy.url });
	await signInAt({
		port,
		slug: CLINIC_A.slug,
		email: demo.adminA,
		password: DEMO_PASSWORD,
		cookies
	});

	const db = adminDb();
	await db.connect();
	try {
		const {
			rows: [org]
		} = await db.query<{ id: string }>('select id from public.organizations where slug = $1', [
			CLINIC_A.slug
		]);
		for (const page of clinicPages()) {
			const values: Record<string, string> = {};
			for (const p of page.params) {
				const sql = SAMPLES[p.key];
				if (!sql) continue;
				const { rows } = await db.query<Record<string, string>>(sql, [org.id]);
				const v = rows[0] && Object.values(rows[0])[0];
				if (v) values[p.name] = v;
			}
			if (page.params.some((p) => !values[p.name])) continue;
			const path = pathOf(page.routeId, values);
			const host = `${CLINIC_A.slug}.localhost`;
			await load(port, host, path, { cookies });
			proxy.counts.clear();
			const res = await load(port, host, path, { cookies });
			measured.set(page.routeId, {
				path,
				status: res.status,
				dataApi: proxy.dataApi(),
				which: [...proxy.counts].map(([k, v]) => `${k} ×${v}`).join(', ')
			});
		}
	} finally {
		await db.end();
	}
}, 180_000);

afterAll(async () => {
	portal?.kill('SIGTERM');
	await proxy?.close();
});

describe('Data API round trips per clinic page load', () => {
	it('finds the clinic pages, and a sample for every dynamic segment', () => {
		const pages = clinicPages();
		expect(pages.map((p) => p.routeId)).toEqual(
			expect.arrayContaining(['/(app)/dashboard', '/(app)/patients', '/(app)/admin/staff'])
		);
		const unsampled = pages.filter((p) => !measured.has(p.routeId)).map((p) => p.routeId);
		expect(unsampled, 'add a sample for these in SAMPLES (tests/support/portal-probe.ts)').toEqual(
			[]
		);
	});

	it('loads every clinic page (200), so the counts are of real page loads', () => {
		const failed = [...measured]
			.filter(([, m]) => m.status !== 200)
			.map(([id, m]) => `${id} ${m.status}`);
		expect(failed).toEqual([]);
	});

	it(`every clinic page makes at most ${BUDGET} Data API requests per load`, () => {
		const over = [...measured]
			.filter(([, m]) => m.dataApi > BUDGET)
			.map(([id, m]) => `${id} (${m.path}): ${m.dataApi} — ${m.which}`);
		expect(over).toEqual([]);
		// the context is one of them, on every page
		for (const [id, m] of measured)
			expect(m.which, id).toMatch(/rest rpc\/request_context ×1(,|$)/);
	});

	it('the platform console checks its platform admin once per page load (not in hook, layout and page)', async () => {
		const jar = new Map<string, string>();
		// the platform admin answers the two-factor step too (signInAt does, as an app would)
		await signInAt({
			port,
			slug: null,
			email: demo.platform,
			password: DEMO_PASSWORD,
			cookies: jar
		});
		await load(port, 'localhost', '/platform/clinics', { cookies: jar });
		proxy.counts.clear();
		const page = await load(port, 'localhost', '/platform/clinics', { cookies: jar });
		expect(page.status).toBe(200);
		expect(proxy.counts.get('rest platform_admins')).toBe(1);
	});
});
