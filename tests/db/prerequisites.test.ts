/**
 * `npm test` and `npm run dev` first check the OS packages they need (PostgreSQL 15 server binaries,
 * pgTAP, Chromium) and stop with one message naming what is missing and how to install it.
 */
import { spawnSync } from 'node:child_process';
import { chmodSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { ROOT } from '../../supabase/local/config.ts';

const dir = mkdtempSync(join(tmpdir(), 'prereq-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

function check(what: 'dev' | 'test', env: Record<string, string>) {
	const res = spawnSync(process.execPath, [join(ROOT, 'supabase/local/cli.ts'), 'check', what], {
		cwd: ROOT,
		env: { ...process.env, ...env },
		encoding: 'utf8'
	});
	return { status: res.status, out: `${res.stdout}${res.stderr}` };
}

/** A folder that looks like PostgreSQL `major`'s bin folder, whose share folder may hold pgTAP. */
function fakePostgres(name: string, major: number, withPgtap: boolean): string {
	const bin = join(dir, name, 'bin');
	const share = join(dir, name, 'share');
	mkdirSync(join(share, 'extension'), { recursive: true });
	if (withPgtap) writeFileSync(join(share, 'extension', 'pgtap.control'), '');
	mkdirSync(bin, { recursive: true });
	const script = (body: string) => `#!/bin/sh\n${body}\n`;
	writeFileSync(join(bin, 'initdb'), script('exit 0'));
	writeFileSync(join(bin, 'pg_ctl'), script(`echo "pg_ctl (PostgreSQL) ${major}.3"`));
	writeFileSync(join(bin, 'pg_config'), script(`echo "${share}"`));
	for (const f of ['initdb', 'pg_ctl', 'pg_config']) chmodSync(join(bin, f), 0o755);
	return bin;
}

const nowhere = () => join(dir, 'nothing-here');

describe('OS prerequisites', () => {
	it('names everything missing for the tests in one message, with the install command', () => {
		const res = check('test', { PG_BIN: nowhere(), CHROMIUM_PATH: nowhere() });
		expect(res.status).toBe(1);
		expect(res.out.match(/Missing OS prerequisites/g)).toHaveLength(1);
		expect(res.out).toContain(
			'Missing OS prerequisites: PostgreSQL 15 server binaries (initdb, pg_ctl); pgTAP (for the database tests); Chromium (for the browser tests).'
		);
		expect(res.out).toMatch(/apt-get install postgresql-15 postgresql-15-pgtap chromium\n/);
	});

	it('names pgTAP alone when PostgreSQL 15 is there without it', () => {
		const res = check('test', { PG_BIN: fakePostgres('pg15', 15, false) });
		expect(res.status).toBe(1);
		expect(res.out).toContain('Missing OS prerequisites: pgTAP (for the database tests).');
		expect(res.out).toMatch(/apt-get install postgresql-15-pgtap\n/);
	});

	it('does not take another PostgreSQL major version for 15', () => {
		const res = check('dev', { PG_BIN: fakePostgres('pg16', 16, true) });
		expect(res.status).toBe(1);
		expect(res.out).toContain('PostgreSQL 15 server binaries');
		expect(res.out).toContain('holds PostgreSQL 16, not 15');
	});

	it('asks the local runtime (npm run dev, npm start) for PostgreSQL only', () => {
		const res = check('dev', {
			PG_BIN: fakePostgres('pg15-dev', 15, false),
			CHROMIUM_PATH: nowhere()
		});
		expect(res.status, res.out).toBe(0);
	});

	it('passes on this machine, and npm test and npm run dev run the check before anything else', () => {
		expect(check('test', {}).status).toBe(0);
		const { scripts } = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as {
			scripts: Record<string, string>;
		};
		expect(scripts.test).toMatch(/^node supabase\/local\/cli\.ts check test && /);
		expect(scripts.dev).toMatch(/^node supabase\/local\/cli\.ts start && /);
		expect(scripts.start).toMatch(/^node supabase\/local\/cli\.ts start && /);
	});
});
