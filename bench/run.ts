/**
 * The cost of isolation (BENCHMARK.md): every portal query in three modes on the same data, in one
 * run, modes interleaved per transaction with the same parameters, so the ratios compare like
 * with like on a noisy shared machine.
 *
 *   npm run bench -- --size S|M|L [--seed 42] [--iterations 200] [--fresh] [--only Q1,Q6]
 *   npm run bench -- --compare S,L      (latest result of each size, side by side)
 *
 * Every transaction is also an isolation check: R1 and R2 must return exactly B0's rows, and
 * cross-clinic probes (another clinic's patient by id, by update, by visit insert; a foreign org
 * filter) must see nothing. Any difference aborts the run with exit code 1.
 *
 * Timed: the query statements only (round trip from this process), not the `begin`, claims and
 * role setup, which cost the same in every mode. Writes are rolled back so every mode and size
 * sees the same data (the row locks, triggers and audit append are still executed and timed).
 */
import { execFileSync } from 'node:child_process';
import { cpus } from 'node:os';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import pg from 'pg';
import { client } from './db.ts';
import { benchOptions } from './options.ts';
import { RESULTS_DIR, saveResult } from './results.ts';
import { ensureLoaded, SIZES, type Size } from './generate.ts';
import {
	claimsFor,
	MODES,
	QUERIES,
	type Clinic,
	type Ctx,
	type Mode,
	type QueryDef
} from './queries.ts';
import { mulberry32 } from '../tests/support/random.ts';

export class IsolationError extends Error {}

/** Loads the clinics, their doctor and a deterministic sample of patients per clinic. */
export async function loadClinics(db: pg.Client, perClinic = 64): Promise<Clinic[]> {
	const { rows: orgs } = await db.query<{
		n: number;
		id: string;
		large: boolean;
		doctor_id: string;
		active: string;
	}>(
		`select o.n, o.id, o.large, o.doctor_id,
		        (select count(*) from public.patients p where p.organization_id = o.id and p.archived_at is null) as active
		   from bench.orgs o order by o.n`
	);
	const { rows: sample } = await db.query<{
		organization_id: string;
		id: string;
		mrn: string;
		search_name: string;
	}>(
		`select organization_id, id, mrn, search_name from (
		   select p.organization_id, p.id, p.mrn, p.search_name,
		          row_number() over (partition by p.organization_id order by md5(p.id::text)) as k
		     from public.patients p where p.archived_at is null) x
		  where k <= $1 order by organization_id, k`,
		[perClinic]
	);
	const byOrg = new Map<string, Clinic['sample']>();
	for (const r of sample) {
		if (!byOrg.has(r.organization_id)) byOrg.set(r.organization_id, []);
		byOrg.get(r.organization_id)!.push({ id: r.id, mrn: r.mrn, search_name: r.search_name });
	}
	return orgs.map((o) => ({
		n: o.n,
		id: o.id,
		large: o.large,
		doctorId: o.doctor_id,
		active: Number(o.active),
		sample: byOrg.get(o.id) ?? []
	}));
}

/** Opens a transaction as the mode's caller: the owner (B0) or `authenticated` with claims (R1/R2). */
export async function beginAs(db: pg.Client, mode: Mode, claims: Record<string, unknown>) {
	if (mode === 'B0') {
		await db.query('begin');
	} else {
		await db.query(
			`begin; select set_config('request.jwt.claims', ${db.escapeLiteral(JSON.stringify(claims))}, true); set local role authenticated;`
		);
	}
}

interface Timed {
	ms: number;
	rows: unknown[][];
}

async function runOnce(db: pg.Client, q: QueryDef, mode: Mode, ctx: Ctx): Promise<Timed> {
	const statements = q.build(ctx, mode !== 'R1', mode);
	await beginAs(db, mode, claimsFor(ctx.clinic));
	try {
		let ms = 0;
		const rows: unknown[][] = [];
		for (const st of statements) {
			const t = process.hrtime.bigint();
			const res = await db.query({ text: st.text, values: st.values, rowMode: 'array' });
			ms += Number(process.hrtime.bigint() - t) / 1e6;
			rows.push(res.rows);
		}
		return { ms, rows };
	} finally {
		await db.query('rollback');
	}
}

function percentile(sorted: number[], p: number): number {
	if (sorted.length === 0) return NaN;
	const k = Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1));
	return sorted[k];
}

export interface Stat {
	query: string;
	title: string;
	clinic: 'typical' | 'large';
	mode: Mode;
	n: number;
	p50: number;
	p95: number;
	p99: number;
	mean: number;
}

function stat(query: QueryDef, clinic: Stat['clinic'], mode: Mode, samples: number[]): Stat {
	const s = [...samples].sort((a, b) => a - b);
	return {
		query: query.id,
		title: query.title,
		clinic,
		mode,
		n: s.length,
		p50: percentile(s, 50),
		p95: percentile(s, 95),
		p99: percentile(s, 99),
		mean: s.reduce((a, b) => a + b, 0) / s.length
	};
}

/** Cross-clinic probes as R1/R2: every one must see or change nothing of the other clinic. */
async function isolationProbes(db: pg.Client, clinics: Clinic[], rand: () => number, count = 20) {
	for (let i = 0; i < count; i++) {
		const a = clinics[Math.floor(rand() * clinics.length)];
		let b = clinics[Math.floor(rand() * clinics.length)];
		if (b.id === a.id) b = clinics[(clinics.indexOf(a) + 1) % clinics.length];
		const foreign = b.sample[Math.floor(rand() * b.sample.length)];
		const checks: Array<[string, string, unknown[]]> = [
			[
				"select another clinic's patient by id",
				'select id from public.patients where id = $1',
				[foreign.id]
			],
			[
				"select another clinic's visits",
				'select id from public.visits where patient_id = $1',
				[foreign.id]
			],
			[
				"select another clinic's lab orders",
				'select id from public.lab_orders where patient_id = $1',
				[foreign.id]
			],
			[
				"select another clinic's prescriptions",
				'select id from public.prescriptions where patient_id = $1',
				[foreign.id]
			],
			[
				'filter on another clinic (R2 shape)',
				'select id from public.patients where organization_id = $1 limit 5',
				[b.id]
			],
			[
				"update another clinic's patient",
				`update public.patients set phone = '+64 1' where id = $1 returning id`,
				[foreign.id]
			]
		];
		for (const [label, text, values] of checks) {
			await beginAs(db, 'R1', claimsFor(a));
			try {
				const res = await db.query(text, values);
				if (res.rowCount !== 0) {
					throw new IsolationError(
						`isolation probe failed: ${label} returned ${res.rowCount} row(s) (clinic ${a.n} → ${b.n})`
					);
				}
			} finally {
				await db.query('rollback');
			}
		}
		// the dashboard RPC counts only the claimed clinic, and nothing when the claim names a clinic
		// the caller is not a member of (doctor of a, claim of b)
		await beginAs(db, 'R1', { ...claimsFor(a), organization_id: b.id });
		try {
			const res = await db.query<{ n: string }>(`select public.count_lab_orders() as n`);
			if (res.rows[0].n !== '0')
				throw new IsolationError(
					`isolation probe failed: count_lab_orders() with clinic ${b.n}'s claim counted ${res.rows[0].n} for clinic ${a.n}'s doctor`
				);
		} finally {
			await db.query('rollback');
		}
		// a visit for another clinic's patient cannot be created (composite foreign key + policy)
		await beginAs(db, 'R1', claimsFor(a));
		let inserted = false;
		try {
			await db.query(
				`insert into public.visits (patient_id, clinician_id, reason) values ($1, $2, 'probe')`,
				[foreign.id, a.doctorId]
			);
			inserted = true;
		} catch {
			/* expected: refused */
		} finally {
			await db.query('rollback');
		}
		if (inserted)
			throw new IsolationError(
				`isolation probe failed: visit inserted for clinic ${b.n}'s patient`
			);
	}
}

export interface RunOptions {
	db: string;
	size: Size;
	seed: number;
	iterations: number;
	warmup: number;
	only?: string[];
	log: (m: string) => void;
}

export async function bench(opts: RunOptions): Promise<{ stats: Stat[]; checked: number }> {
	const db = client(opts.db);
	await db.connect();
	try {
		// the gateway's sessions have no parallel workers budget to speak of on 2 shared cores either
		const clinics = await loadClinics(db);
		const typical = clinics.filter((c) => !c.large);
		const large = clinics.filter((c) => c.large);
		const rand = mulberry32(opts.seed);
		opts.log(`isolation probes (20 random clinic pairs × 8 cross-clinic attempts)`);
		await isolationProbes(db, clinics, rand);

		const stats: Stat[] = [];
		let checked = 0;
		const queries = QUERIES.filter((q) => !opts.only || opts.only.includes(q.id));
		for (const q of queries) {
			for (const [kind, pool] of [
				['typical', typical],
				['large', large]
			] as const) {
				const samples: Record<Mode, number[]> = { B0: [], R1: [], R2: [] };
				const total = opts.warmup + opts.iterations;
				for (let i = 0; i < total; i++) {
					const clinic = pool[Math.floor(rand() * pool.length)];
					const ctx: Ctx = {
						clinic,
						patient: clinic.sample[Math.floor(rand() * clinic.sample.length)],
						rand
					};
					// rotate the order of modes so none is systematically first (cold) or last
					const order = MODES.map((_, k) => MODES[(k + i) % MODES.length]);
					const out = {} as Record<Mode, Timed>;
					for (const mode of order) out[mode] = await runOnce(db, q, mode, ctx);
					const expected = JSON.stringify(out.B0.rows);
					for (const mode of ['R1', 'R2'] as const) {
						if (JSON.stringify(out[mode].rows) !== expected) {
							throw new IsolationError(
								`${q.id} (${kind} clinic ${clinic.n}): ${mode} returned different rows than B0\n` +
									`B0: ${expected.slice(0, 500)}\n${mode}: ${JSON.stringify(out[mode].rows).slice(0, 500)}`
							);
						}
					}
					if (out.B0.rows.every((r) => r.length === 0) && (q.write || q.id.startsWith('Q5'))) {
						throw new IsolationError(
							`${q.id} (${kind} clinic ${clinic.n}): no rows at all; the check would be vacuous`
						);
					}
					checked++;
					if (i >= opts.warmup) for (const m of MODES) samples[m].push(out[m].ms);
				}
				for (const m of MODES) stats.push(stat(q, kind, m, samples[m]));
				const b = stats.at(-3)!;
				const r1 = stats.at(-2)!;
				const r2 = stats.at(-1)!;
				opts.log(
					`  ${q.id.padEnd(4)} ${kind.padEnd(7)} p50 B0 ${b.p50.toFixed(3)} R1 ${r1.p50.toFixed(3)} R2 ${r2.p50.toFixed(3)} ms`
				);
			}
		}
		return { stats, checked };
	} finally {
		await db.end();
	}
}

const f3 = (x: number) => (Number.isFinite(x) ? x.toFixed(3) : '-');
const f2 = (x: number) => (Number.isFinite(x) ? x.toFixed(2) : '-');

/** Markdown table: p50/p95/p99 per mode and the R1/B0, R2/B0 ratios (p50 and p95). */
export function table(stats: Stat[]): string {
	const lines = [
		'| query | clinic | B0 p50 / p95 / p99 | R1 p50 / p95 / p99 | R2 p50 / p95 / p99 | R1/B0 p50 | R1/B0 p95 | R2/B0 p50 | R2/B0 p95 |',
		'|---|---|---|---|---|---|---|---|---|'
	];
	const keys = [...new Set(stats.map((s) => `${s.query}|${s.clinic}`))];
	for (const key of keys) {
		const [query, clinic] = key.split('|');
		const get = (m: Mode) =>
			stats.find((s) => s.query === query && s.clinic === clinic && s.mode === m)!;
		const [b, r1, r2] = [get('B0'), get('R1'), get('R2')];
		const t = (s: Stat) => `${f3(s.p50)} / ${f3(s.p95)} / ${f3(s.p99)}`;
		lines.push(
			`| ${query} ${b.title} | ${clinic} | ${t(b)} | ${t(r1)} | ${t(r2)} | ${f2(r1.p50 / b.p50)} | ${f2(r1.p95 / b.p95)} | ${f2(r2.p50 / b.p50)} | ${f2(r2.p95 / b.p95)} |`
		);
	}
	return lines.join('\n');
}

export function machine() {
	let cpu = cpus()[0]?.model ?? 'unknown';
	try {
		const m = /model name\s*:\s*(.+)/.exec(readFileSync('/proc/cpuinfo', 'utf8'));
		if (m) cpu = m[1].trim();
	} catch {
		/* not linux */
	}
	let nproc = cpus().length;
	try {
		nproc = Number(execFileSync('nproc', { encoding: 'utf8' }).trim());
	} catch {
		/* keep os.cpus() */
	}
	return { nproc, cpu };
}

interface ResultFile {
	size: Size;
	seed: number;
	date: string;
	machine: { nproc: number; cpu: string; postgres: string; node: string };
	data: Record<string, number>;
	iterations: number;
	warmup: number;
	checkedTransactions: number;
	stats: Stat[];
}

function latestResult(size: string): ResultFile {
	const files = readdirSync(RESULTS_DIR)
		.filter((f) => f.startsWith(`${size}-`) && f.endsWith('.json'))
		.sort();
	if (files.length === 0) throw new Error(`no results for size ${size} in ${RESULTS_DIR}`);
	return JSON.parse(readFileSync(join(RESULTS_DIR, files.at(-1)!), 'utf8')) as ResultFile;
}

/** Size B against size A per query, clinic and mode: is the cost flat as clinics are added? */
export function compare(a: ResultFile, b: ResultFile): string {
	const lines = [
		`${b.size} (${b.date}) vs ${a.size} (${a.date}), p50 / p95 ratios ${b.size}/${a.size}; and R1/B0 p95 at each size`,
		'',
		`| query | clinic | B0 ${b.size}/${a.size} p50 / p95 | R1 ${b.size}/${a.size} p50 / p95 | R2 ${b.size}/${a.size} p50 / p95 | R1/B0 p95 at ${a.size} | R1/B0 p95 at ${b.size} |`,
		'|---|---|---|---|---|---|---|'
	];
	for (const s of a.stats.filter((x) => x.mode === 'B0')) {
		const find = (r: ResultFile, m: Mode) =>
			r.stats.find((x) => x.query === s.query && x.clinic === s.clinic && x.mode === m);
		const cells = MODES.map((m) => {
			const x = find(a, m);
			const y = find(b, m);
			return x && y ? `${f2(y.p50 / x.p50)} / ${f2(y.p95 / x.p95)}` : '-';
		});
		const ra = find(a, 'R1')!.p95 / find(a, 'B0')!.p95;
		const rb = (find(b, 'R1')?.p95 ?? NaN) / (find(b, 'B0')?.p95 ?? NaN);
		lines.push(
			`| ${s.query} ${s.title} | ${s.clinic} | ${cells.join(' | ')} | ${f2(ra)} | ${f2(rb)} |`
		);
	}
	return lines.join('\n');
}

async function main() {
	const values = benchOptions({
		size: 'S',
		seed: 42,
		iterations: null,
		warmup: 20,
		db: null,
		fresh: false,
		only: null,
		compare: null,
		'no-save': false
	});
	if (values.compare) {
		const [x, y] = values.compare.toUpperCase().split(',');
		console.log(compare(latestResult(y ? x : 'S'), latestResult(y ?? x)));
		return;
	}
	const size = values.size.toUpperCase() as Size;
	if (!(size in SIZES)) throw new Error('--size must be S, M or L');
	const seed = values.seed;
	const name = values.db ?? `bench_${size.toLowerCase()}`;
	const log = (m: string) => console.log(m);
	await ensureLoaded(name, size, seed, log, { fresh: values.fresh });

	const iterations = Number(values.iterations ?? (size === 'S' ? 200 : 300));
	const warmup = values.warmup;
	log(
		`benchmark: size ${size}, ${iterations} transactions per query × clinic × mode (+${warmup} warm-up)`
	);
	const { stats, checked } = await bench({
		db: name,
		size,
		seed,
		iterations,
		warmup,
		only: values.only?.split(','),
		log
	});

	const db = client(name);
	await db.connect();
	const { rows } = await db.query<{ v: string }>(`select version() as v`);
	const { rows: counts } = await db.query<Record<string, string>>(
		`select (select count(*) from bench.orgs) as clinics, (select count(*) from public.patients) as patients,
		        (select count(*) from public.visits) as visits, (select count(*) from public.lab_orders) as lab_orders,
		        (select count(*) from public.prescriptions) as prescriptions`
	);
	await db.end();
	const result: ResultFile = {
		size,
		seed,
		date: new Date().toISOString(),
		machine: { ...machine(), postgres: rows[0].v, node: process.version },
		data: Object.fromEntries(Object.entries(counts[0]).map(([k, v]) => [k, Number(v)])),
		iterations,
		warmup,
		checkedTransactions: checked,
		stats
	};
	console.log(
		`\nisolation: ${checked} transactions × 3 modes returned identical rows; all cross-clinic probes saw nothing\n`
	);
	console.log(table(stats));
	if (!values['no-save']) {
		const file = saveResult(size, result, new Date(result.date));
		console.log(`\nresults: ${file}`);
	}
}

if (import.meta.main) {
	main().catch((err) => {
		console.error(err instanceof IsolationError ? `ISOLATION CHECK FAILED: ${err.message}` : err);
		process.exit(1);
	});
}
