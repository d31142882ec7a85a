/**
 * Does the chart's cost grow with a patient's history? (issue 16: "a patient with 2,000 visits
 * loads as fast as one with 20, within noise")
 *
 *   npm run bench:chart [-- --long 2000 --short 20 --iterations 40 --build]
 *
 * Against the running local stack (`npm run stack:start`): two patients of the demo clinic
 * Riverside (clinic-a), one with `--long` visits and one with `--short`, each visit with a signed
 * note (and every tenth amended), half as many lab orders (resulted, every tenth corrected) and a
 * quarter as many prescriptions (the 3 most recent active, each dispensed once: current medications
 * are the patient's present, not their history), plus allergies and problems.
 * They are loaded once, as the tables' owner (triggers off, like bench/generate.ts), and reused by
 * later runs. Then the production build is served behind a counting proxy, a demo doctor signs in
 * through the portal's form, and the two charts are requested alternately (same conditions for
 * both on a shared machine), `--iterations` times each after a warm-up:
 *
 * - the whole page (server-side rendering with every Data API request it makes), p50/p95, and
 *   the long/short ratio;
 * - the gateway requests each page load makes (must be the same for both);
 * - the chart's own Data API query alone (supabase-js as the doctor), p50/p95 and ratio;
 * - the page size.
 *
 * Results in bench/results/chart-<time>.json. Loopback only; bounded in count and time. Every
 * opening is audited as in real use (one audit row per load).
 */
import pg from 'pg';
import { createClient } from '@supabase/supabase-js';
import { DB_URL } from '../supabase/local/config.ts';
import {
	load as loadPortal,
	portalEnv,
	signInAt,
	startCountingProxy,
	startPortal
} from '../tests/support/portal-probe.ts';
import { DEMO_PASSWORD, demo, demoIds } from '../tests/support/demo.ts';
import { ensureBuild, pct } from './http.ts';
import { benchOptions } from './options.ts';
import { saveResult } from './results.ts';

const args = benchOptions(
	{ long: 2000, short: 20, iterations: 40, port: 4392, build: false, fresh: false },
	{ long: 1, short: 1, iterations: 5 }
);
const { long: LONG, short: SHORT, iterations: ITERATIONS, port: PORT } = args;
const log = (m: string) => console.log(m);

/** The bench patient with `visits` visits (created once, found by name afterwards). */
async function benchPatient(db: pg.Client, visits: number): Promise<string> {
	const given = `Bench${visits}`;
	const found = await db.query<{ id: string; n: string }>(
		`select p.id, (select count(*) from public.visits v where v.patient_id = p.id) as n
		   from public.patients p
		  where p.organization_id = $1 and p.family_name = 'Benchhistory' and p.given_name = $2`,
		[demoIds.clinicA, given]
	);
	if (found.rows[0] && Number(found.rows[0].n) === visits) return found.rows[0].id;
	if (found.rows[0]) throw new Error(`${given} exists with ${found.rows[0].n} visits`);
	const t = performance.now();
	await db.query('begin');
	try {
		await db.query('set local session_replication_role = replica');
		// the MRN comes from the clinic counter (assign_patient_mrn is a trigger, off here)
		const { rows } = await db.query<{ id: string }>(
			`insert into public.patients (organization_id, given_name, family_name, date_of_birth, mrn, search_name)
			 values ($1, $2, 'Benchhistory', '1950-01-01',
			         'MRN-9' || lpad(($3)::text, 8, '0'), 'benchhistory ' || lower($2))
			 returning id`,
			[demoIds.clinicA, given, visits]
		);
		const id = rows[0].id;
		const params = [demoIds.clinicA, id, demoIds.doctorA];
		await db.query(
			`insert into public.visits (organization_id, patient_id, clinician_id, created_by, scheduled_at,
			   started_at, ended_at, reason, status)
			 select $1, $2, $3, $3, now() - (n || ' days')::interval, now() - (n || ' days')::interval,
			        now() - (n || ' days')::interval + interval '20 minutes', 'Review ' || n, 'completed'
			   from generate_series(1, ${visits}) n`,
			params
		);
		await db.query(
			`insert into public.visit_notes (organization_id, visit_id, notes, vitals, author_id, signed_at, signed_by)
			 select v.organization_id, v.id, 'Stable. ' || v.reason || repeat(' Plan unchanged.', 20),
			        '{"heart_rate": 72, "bp_systolic": 128, "bp_diastolic": 82}', $2, v.ended_at, $2
			   from public.visits v where v.patient_id = $1`,
			[id, demoIds.doctorA]
		);
		await db.query(
			`insert into public.visit_note_amendments (organization_id, visit_id, version, notes, vitals, reason, changed_fields, author_id)
			 select n.organization_id, n.visit_id, 2, n.notes || ' Addendum.', n.vitals, 'Addendum', '{notes}', $2
			   from public.visit_notes n join public.visits v on v.id = n.visit_id
			  where v.patient_id = $1 and v.reason ~ '0$'`,
			[id, demoIds.doctorA]
		);
		await db.query(
			`insert into public.lab_orders (organization_id, patient_id, ordered_by, test_code, test_name, status,
			   collected_at, collected_by, result_value, result_unit, reference_range, result_flag, resulted_by,
			   resulted_at, created_at)
			 select $1, $2, $3, 'HBA1C', 'Haemoglobin A1c ' || n, 'resulted', now() - (2 * n || ' days')::interval,
			        $4, (5 + (n % 20) / 10.0)::text, '%', '4.0-5.6', 'high', $4, now() - (2 * n || ' days')::interval,
			        now() - (2 * n || ' days')::interval
			   from generate_series(1, ${Math.max(1, Math.floor(visits / 2))}) n`,
			[demoIds.clinicA, id, demoIds.doctorA, demoIds.labA]
		);
		await db.query(
			`insert into public.lab_result_amendments (organization_id, lab_order_id, version, result_value, result_unit,
			   reference_range, result_flag, reason, changed_fields, amended_by)
			 select l.organization_id, l.id, 2, '5.5', '%', '4.0-5.6', 'normal', 'Transcription', '{result_value,result_flag}', $2
			   from public.lab_orders l where l.patient_id = $1 and l.test_name ~ '0$'`,
			[id, demoIds.labA]
		);
		await db.query(
			`insert into public.prescriptions (organization_id, patient_id, prescriber_id, medication, dose, frequency,
			   quantity, refills, status, stop_reason, stopped_at, stopped_by, fills_dispensed, last_dispensed_at,
			   created_at)
			 select $1, $2, $3, 'Metformin ' || n, '500 mg', 'twice daily', 60, 2, s.status::public.prescription_status,
			        case when s.status = 'stopped' then 'Changed' end, case when s.status = 'stopped' then now() end,
			        case when s.status = 'stopped' then $3::uuid end, 1, now(), now() - (4 * n || ' days')::interval
			   from generate_series(1, ${Math.max(1, Math.floor(visits / 4))}) n,
			        lateral (select case when n <= 3 then 'active' else 'stopped' end as status) s`,
			[demoIds.clinicA, id, demoIds.doctorA]
		);
		await db.query(
			`insert into public.prescription_dispenses (organization_id, prescription_id, fill_number, quantity, dispensed_by)
			 select organization_id, id, 1, 60, $2 from public.prescriptions where patient_id = $1`,
			[id, demoIds.pharmacistA]
		);
		await db.query(
			`insert into public.allergies (organization_id, patient_id, substance, severity, recorded_by)
			 values ($1, $2, 'Penicillin', 'severe', $3), ($1, $2, 'Latex', 'mild', $3)`,
			params
		);
		await db.query(
			`insert into public.problems (organization_id, patient_id, description, code, recorded_by)
			 values ($1, $2, 'Type 2 diabetes mellitus', 'E11.9', $3), ($1, $2, 'Hypertension', 'I10', $3)`,
			params
		);
		await db.query('commit');
	} catch (e) {
		await db.query('rollback');
		throw e;
	}
	await db.query(
		'analyze public.visits, public.visit_notes, public.lab_orders, public.prescriptions'
	);
	log(`  ${given}: loaded in ${((performance.now() - t) / 1000).toFixed(1)} s`);
	return (
		await db.query<{ id: string }>(
			`select id from public.patients where organization_id = $1 and given_name = $2 and family_name = 'Benchhistory'`,
			[demoIds.clinicA, given]
		)
	).rows[0].id;
}

/** The chart's own Data API query (what $lib/server/chart asks for the record), as supabase-js sends it. */
const CHART_QUERY = `id, mrn, given_name, family_name,
	allergies ( id, substance, severity, status ), problems ( id, description, status ),
	visits ( id, scheduled_at, status, reason, visit_notes ( notes, vitals, signed_at,
		visit_note_amendments ( version, notes ) ) ),
	lab_orders ( id, test_name, status, result_value, lab_result_amendments ( version, result_value ) ),
	prescriptions ( id, medication, status, fills_dispensed, prescription_dispenses ( fill_number ) )`;

async function main() {
	const t0 = performance.now();
	const env = portalEnv();
	const db = new pg.Client({ connectionString: DB_URL.replace('?sslmode=disable', '') });
	await db.connect();
	log(`bench patients in Riverside (${LONG} and ${SHORT} visits):`);
	if (args.fresh) {
		// their history goes with them (cascade); their audit rows stay, as the trail is append-only
		await db.query(
			`delete from public.patients where organization_id = $1 and family_name = 'Benchhistory'`,
			[demoIds.clinicA]
		);
	}
	const long = await benchPatient(db, LONG);
	const short = await benchPatient(db, SHORT);

	ensureBuild(args.build, log);
	const proxy = await startCountingProxy(env.PUBLIC_SUPABASE_URL);
	const app = await startPortal({ port: PORT, supabaseUrl: proxy.url });
	try {
		const cookies = new Map<string, string>();
		await signInAt({
			port: PORT,
			slug: 'clinic-a',
			email: demo.doctorA,
			password: DEMO_PASSWORD,
			cookies
		});
		const load = (id: string) =>
			loadPortal(PORT, 'clinic-a.localhost', `/patients/${id}`, { cookies });

		// the same supabase-js query the chart makes, as the doctor
		const sb = createClient(env.PUBLIC_SUPABASE_URL, env.PUBLIC_SUPABASE_PUBLISHABLE_KEY, {
			auth: { persistSession: false, autoRefreshToken: false }
		});
		const { error: signInError } = await sb.auth.signInWithPassword({
			email: demo.doctorA,
			password: DEMO_PASSWORD
		});
		if (signInError) throw new Error(`supabase-js sign-in: ${signInError.message}`);
		const query = async (id: string) => {
			const t = performance.now();
			const { data, error } = await sb
				.from('patients')
				.select(CHART_QUERY)
				.eq('id', id)
				.order('scheduled_at', { referencedTable: 'visits', ascending: false })
				.limit(6, { referencedTable: 'visits' })
				.order('created_at', { referencedTable: 'lab_orders', ascending: false })
				.limit(6, { referencedTable: 'lab_orders' })
				.order('created_at', { referencedTable: 'prescriptions', ascending: false })
				.limit(6, { referencedTable: 'prescriptions' })
				.single();
			if (error || !data) throw new Error(`chart query: ${error?.message}`);
			return performance.now() - t;
		};

		// warm-up, requests per load, and a check that the page is the chart
		const requests: Record<string, Record<string, number>> = {};
		const bytes: Record<string, number> = {};
		for (const [name, id] of [
			['long', long],
			['short', short]
		] as const) {
			await load(id);
			proxy.counts.clear();
			const res = await load(id);
			if (res.status !== 200 || !res.body.includes('Benchhistory'))
				throw new Error(`chart of the ${name} patient: HTTP ${res.status}`);
			if (!res.body.includes('Show more visits'))
				throw new Error(`the ${name} patient's chart does not page its visits`);
			requests[name] = Object.fromEntries(proxy.counts);
			bytes[name] = Buffer.byteLength(res.body);
			await query(id);
		}

		const page = { long: [] as number[], short: [] as number[] };
		/** Data API requests of each timed load (auth refreshes, which come and go, aside). */
		const dataApi = { long: [] as number[], short: [] as number[] };
		const api = { long: [] as number[], short: [] as number[] };
		for (let i = 0; i < ITERATIONS; i++) {
			// alternate the order so neither patient always goes first
			const order = i % 2 ? (['short', 'long'] as const) : (['long', 'short'] as const);
			for (const name of order) {
				const id = name === 'long' ? long : short;
				proxy.counts.clear();
				const res = await load(id);
				if (res.status !== 200) throw new Error(`HTTP ${res.status}`);
				page[name].push(res.ms);
				dataApi[name].push(
					[...proxy.counts].filter(([k]) => k.startsWith('rest ')).reduce((a, [, v]) => a + v, 0)
				);
				api[name].push(await query(id));
			}
		}
		const stats = (xs: number[]) => ({ p50: pct(xs, 50), p95: pct(xs, 95) });
		const summary = {
			visits: { long: LONG, short: SHORT },
			iterations: ITERATIONS,
			page: {
				long: stats(page.long),
				short: stats(page.short),
				ratioP50: pct(page.long, 50) / pct(page.short, 50),
				ratioP95: pct(page.long, 95) / pct(page.short, 95)
			},
			chartQuery: {
				long: stats(api.long),
				short: stats(api.short),
				ratioP50: pct(api.long, 50) / pct(api.short, 50),
				ratioP95: pct(api.long, 95) / pct(api.short, 95)
			},
			gatewayRequestsPerLoad: requests,
			dataApiRequestsPerLoad: {
				long: { min: Math.min(...dataApi.long), max: Math.max(...dataApi.long) },
				short: { min: Math.min(...dataApi.short), max: Math.max(...dataApi.short) }
			},
			pageBytes: bytes
		};
		log(
			`\n| measure (${ITERATIONS} loads each, alternated) | ${LONG} visits p50 / p95 ms | ${SHORT} visits p50 / p95 ms | ratio p50 / p95 |`
		);
		log('|---|---|---|---|');
		log(
			`| chart page (/patients/<id>, server-rendered) | ${summary.page.long.p50.toFixed(1)} / ${summary.page.long.p95.toFixed(1)} | ${summary.page.short.p50.toFixed(1)} / ${summary.page.short.p95.toFixed(1)} | ${summary.page.ratioP50.toFixed(2)} / ${summary.page.ratioP95.toFixed(2)} |`
		);
		log(
			`| the chart's Data API query alone | ${summary.chartQuery.long.p50.toFixed(1)} / ${summary.chartQuery.long.p95.toFixed(1)} | ${summary.chartQuery.short.p50.toFixed(1)} / ${summary.chartQuery.short.p95.toFixed(1)} | ${summary.chartQuery.ratioP50.toFixed(2)} / ${summary.chartQuery.ratioP95.toFixed(2)} |`
		);
		const range = (xs: number[]) =>
			Math.min(...xs) === Math.max(...xs)
				? `${Math.min(...xs)}`
				: `${Math.min(...xs)} to ${Math.max(...xs)}`;
		log(
			`| Data API requests per page load (every timed load) | ${range(dataApi.long)} | ${range(dataApi.short)} | |`
		);
		log(`| page size (bytes) | ${bytes.long} | ${bytes.short} | |`);
		log(`gateway requests of one load: ${JSON.stringify(requests.long)}`);
		if (range(dataApi.long) !== range(dataApi.short)) {
			console.error('the two charts made a different number of Data API requests');
			process.exitCode = 1;
		}
		const file = saveResult('chart', summary);
		log(`results: ${file} (${((performance.now() - t0) / 1000).toFixed(0)} s)`);
		await sb.auth.signOut();
	} finally {
		await db.end();
		app.kill('SIGTERM');
		await proxy.close();
	}
}

await main();
