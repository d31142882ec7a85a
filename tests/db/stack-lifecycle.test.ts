/**
 * The local runtime's lifecycle on a private data folder and private ports (never the shared
 * stack): refuses clearly without binaries or with a taken port; start twice is harmless; data
 * survives stop/start; stop leaves nothing listening; reset gives a fresh, seeded database.
 */
import { join } from 'node:path';
import { createServer } from 'node:net';
import { afterAll, describe, expect, it } from 'vitest';
import { listening, privateStack } from './private-stack.ts';

const stack = privateStack('stack-life', 1100);
const { ports } = stack;
const cli = stack.cli;
const query = (sql: string) => stack.query(sql);

afterAll(() => {
	cli('stop');
	stack.remove();
});

describe('local runtime lifecycle', () => {
	it('refuses clearly when the PostgreSQL binaries are missing', () => {
		const res = cli('start', { PG_BIN: join(stack.dir, 'no-binaries-here') });
		expect(res.status).toBe(1);
		expect(res.out).toContain(
			'Missing OS prerequisites: PostgreSQL 15 server binaries (initdb, pg_ctl).'
		);
		expect(res.out).toContain('apt-get install postgresql-15\n');
	});

	it('refuses clearly when the database port is taken', async () => {
		const blocker = createServer().listen(ports.db, '127.0.0.1');
		await new Promise((r) => blocker.once('listening', r));
		try {
			const res = cli('start');
			expect(res.status).toBe(1);
			expect(res.out).toContain(`Port ${ports.db} is already taken`);
		} finally {
			await new Promise((r) => blocker.close(r));
		}
	});

	it('starts, starts again harmlessly, keeps data across stop/start, and resets to the seed', async () => {
		const first = cli('start');
		expect(first.status, first.out).toBe(0);
		const second = cli('start');
		expect(second.status).toBe(0);
		expect(second.out).toContain('GATEWAY_RUNNING="true"');
		const status = cli('status').out;
		for (const name of ['API_URL', 'DB_URL', 'PUBLISHABLE_KEY', 'SECRET_KEY']) {
			expect(status).toMatch(new RegExp(`^${name}=".+"$`, 'm'));
		}
		const seeded = await query('select count(*)::int as n from public.organizations');
		expect(seeded.rows[0].n).toBeGreaterThanOrEqual(2);

		await query(`create table if not exists public.lifecycle_marker (id int primary key)`);
		await query(`insert into public.lifecycle_marker values (1)`);

		expect(cli('stop').status).toBe(0);
		expect(await listening(ports.db)).toBe(false);
		expect(await listening(ports.api)).toBe(false);
		expect(await listening(ports.mail)).toBe(false);

		expect(cli('start').status).toBe(0);
		const kept = await query('select count(*)::int as n from public.lifecycle_marker');
		expect(kept.rows[0].n).toBe(1);

		const reset = cli('reset');
		expect(reset.status, reset.out).toBe(0);
		const gone = await query(`select to_regclass('public.lifecycle_marker') as t`);
		expect(gone.rows[0].t).toBeNull();
		const reseeded = await query('select count(*)::int as n from public.organizations');
		expect(reseeded.rows[0].n).toBe(seeded.rows[0].n);
	});
});
