/**
 * Runs the pgTAP files in supabase/tests/database/ against the real local database the way
 * `supabase test db` runs them (pg_prove, one psql session per file), so that the local run proves
 * they also run against `supabase start` or a hosted project:
 *
 * - as `postgres`, which here as on hosted Supabase is not a superuser and cannot become the Auth
 *   or Storage roles, with its own default search_path (`"$user", public, extensions`);
 * - pgTAP enabled once before the files and removed afterwards if this run created it, as the
 *   Supabase CLI does;
 * - each file self-contained: it opens its own transaction, includes supabase/tests/helpers.psql
 *   with psql's `\ir`, and rolls back, so it leaves nothing behind and runs in any order.
 *
 * psql's `\ir` is the only meta-command the files may use; it is expanded here before sending.
 */
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { adminDb, sql } from '../support/stack.ts';

const dir = join(import.meta.dirname, '..', '..', 'supabase', 'tests', 'database');
const files = existsSync(dir)
	? readdirSync(dir)
			.filter((f) => f.endsWith('.sql') || f.endsWith('.pg'))
			.sort()
	: [];

const INCLUDE = /^\\ir\s+(\S+)\s*$/;

/** The file's text with `\ir <path>` lines replaced by the included file (relative to the includer). */
function expandIncludes(file: string, seen: string[] = []): string {
	if (seen.includes(file)) throw new Error(`\\ir cycle: ${[...seen, file].join(' -> ')}`);
	return readFileSync(file, 'utf8')
		.split('\n')
		.map((line) => {
			const m = INCLUDE.exec(line);
			if (!m) {
				if (/^\s*\\/.test(line)) throw new Error(`${file}: only \\ir is supported, not ${line}`);
				return line;
			}
			return expandIncludes(resolve(dirname(file), m[1]), [...seen, file]);
		})
		.join('\n');
}

/** Statements of a file outside comments, first and last, to check the file's own transaction. */
function firstAndLast(text: string): { first: string; last: string } {
	const code = text
		.split('\n')
		.filter((l) => !/^\s*--/.test(l) && l.trim() !== '')
		.map((l) => l.trim());
	return { first: code[0] ?? '', last: code[code.length - 1] ?? '' };
}

interface TapResult {
	lines: string[];
	planned: number | null;
	leftBehind: boolean;
}

async function runFile(file: string): Promise<TapResult> {
	const db = adminDb();
	await db.connect();
	const lines: string[] = [];
	let leftBehind = false;
	try {
		const results = await db.query(expandIncludes(join(dir, file)));
		for (const r of Array.isArray(results) ? results : [results]) {
			for (const row of r.rows ?? []) {
				for (const v of Object.values(row)) if (typeof v === 'string') lines.push(...v.split('\n'));
			}
		}
		const { rows } = await db.query(`select to_regnamespace('tests') is not null as left`);
		leftBehind = rows[0].left === true;
	} catch (err) {
		lines.push(`not ok - file aborted: ${(err as Error).message}`);
		await db.query('rollback').catch(() => {});
	} finally {
		await db.end();
	}
	const plan = lines.map((l) => /^1\.\.(\d+)$/.exec(l)).find(Boolean);
	return { lines, planned: plan ? Number(plan[1]) : null, leftBehind };
}

let createdPgtap = false;

beforeAll(async () => {
	const db = adminDb();
	await db.connect();
	try {
		const before = await db.query(`select 1 from pg_extension where extname = 'pgtap'`);
		await db.query('create extension if not exists pgtap with schema extensions');
		createdPgtap = before.rowCount === 0;
	} finally {
		await db.end();
	}
});

afterAll(async () => {
	if (!createdPgtap) return;
	await sql('drop extension if exists pgtap');
});

describe('pgTAP', () => {
	it('has test files', () => {
		expect(files.length).toBeGreaterThan(0);
	});

	it('runs as postgres, not a superuser, like hosted Supabase', async () => {
		const rows = await sql(
			`select current_user as who, r.rolsuper as super from pg_roles r where r.rolname = current_user`
		);
		expect(rows[0]).toEqual({ who: 'postgres', super: false });
	});

	it('every file runs under `supabase test db` as it is: own transaction, helpers included', () => {
		const wrong = files.filter((f) => {
			const text = readFileSync(join(dir, f), 'utf8');
			const { first, last } = firstAndLast(text);
			return (
				first.toLowerCase() !== 'begin;' ||
				last.toLowerCase() !== 'rollback;' ||
				!/^\\ir \.\.\/helpers\.psql$/m.test(text)
			);
		});
		expect(
			wrong,
			'start each file with `begin;` and `\\ir ../helpers.psql`, end it with `rollback;`'
		).toEqual([]);
	});

	for (const file of files) {
		it(file, async () => {
			const { lines, planned, leftBehind } = await runFile(file);
			const failures = lines.filter((l) => /^not ok/.test(l) || /^#\s+(Looks like|Failed)/.test(l));
			const oks = lines.filter((l) => /^ok \d+/.test(l));
			expect(failures, [...failures, ...lines.filter((l) => l.startsWith('#'))].join('\n')).toEqual(
				[]
			);
			expect(planned, 'file must declare a plan').not.toBeNull();
			expect(oks.length).toBe(planned);
			expect(leftBehind, 'the file must roll back what it created').toBe(false);
		});
	}
});
