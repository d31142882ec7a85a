/**
 * Runs the pgTAP files in supabase/tests/database/ (the convention `supabase test db` follows
 * where Docker exists) against the real local database. Each file runs in one transaction that
 * is rolled back, with pgTAP installed inside that transaction and supabase/tests/helpers.sql
 * loaded first, so files leave nothing behind and can run in any order.
 */
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { adminDb } from '../support/stack.ts';

const root = join(import.meta.dirname, '..', '..', 'supabase', 'tests');
const dir = join(root, 'database');
const helpersFile = join(root, 'helpers.sql');
const files = existsSync(dir)
	? readdirSync(dir)
			.filter((f) => f.endsWith('.sql'))
			.sort()
	: [];

interface TapResult {
	lines: string[];
	planned: number | null;
}

async function runFile(file: string): Promise<TapResult> {
	const db = adminDb();
	await db.connect();
	const lines: string[] = [];
	try {
		await db.query('begin');
		await db.query('create extension if not exists pgtap with schema extensions');
		await db.query('set search_path = public, extensions');
		if (existsSync(helpersFile)) await db.query(readFileSync(helpersFile, 'utf8'));
		const results = await db.query(readFileSync(join(dir, file), 'utf8'));
		for (const r of Array.isArray(results) ? results : [results]) {
			for (const row of r.rows ?? []) {
				for (const v of Object.values(row)) if (typeof v === 'string') lines.push(...v.split('\n'));
			}
		}
	} catch (err) {
		lines.push(`not ok - file aborted: ${(err as Error).message}`);
	} finally {
		await db.query('rollback').catch(() => {});
		await db.end();
	}
	const plan = lines.map((l) => /^1\.\.(\d+)$/.exec(l)).find(Boolean);
	return { lines, planned: plan ? Number(plan[1]) : null };
}

describe('pgTAP', () => {
	it('has test files', () => {
		expect(files.length).toBeGreaterThan(0);
	});
	for (const file of files) {
		it(file, async () => {
			const { lines, planned } = await runFile(file);
			const failures = lines.filter((l) => /^not ok/.test(l) || /^#\s+(Looks like|Failed)/.test(l));
			const oks = lines.filter((l) => /^ok \d+/.test(l));
			expect(failures, [...failures, ...lines.filter((l) => l.startsWith('#'))].join('\n')).toEqual(
				[]
			);
			expect(planned, 'file must declare a plan').not.toBeNull();
			expect(oks.length).toBe(planned);
		});
	}
});
