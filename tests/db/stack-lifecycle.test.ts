/**
 * The local runtime's lifecycle on a private data folder and private ports (never the shared
 * stack): refuses clearly without binaries or with a taken port; start twice is harmless; data
 * survives stop/start; stop leaves nothing listening; reset gives a fresh, seeded database.
 */
import { spawnSync } from 'node:child_process';
import { chmodSync, mkdtempSync, rmSync } from 'node:fs';
import { createServer, type Server } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import { afterAll, describe, expect, it } from 'vitest';
import { ROOT } from '../../supabase/local/config.ts';

const dir = mkdtempSync(join(tmpdir(), 'stack-life-'));
// The cluster runs as the unprivileged `postgres` OS user when we are root: it must reach the folder.
chmodSync(dir, 0o755);
const ports = { db: 55422, api: 55421, mail: 55424 };
const env = {
	...process.env,
	SUPABASE_LOCAL_DIR: join(dir, 'data'),
	SUPABASE_DB_PORT: String(ports.db),
	SUPABASE_API_PORT: String(ports.api),
	SUPABASE_MAIL_PORT: String(ports.mail),
	STACK_APP_ENV_FILE: join(dir, 'app.env')
};

function cli(cmd: string, extra: Record<string, string> = {}) {
	const res = spawnSync(process.execPath, [join(ROOT, 'supabase/local/cli.ts'), cmd], {
		cwd: ROOT,
		env: { ...env, ...extra },
		encoding: 'utf8',
		timeout: 120_000
	});
	return { status: res.status, out: `${res.stdout}${res.stderr}` };
}

async function query(sql: string): Promise<pg.QueryResult> {
	const client = new pg.Client({
		connectionString: `postgresql://postgres:postgres@127.0.0.1:${ports.db}/postgres`
	});
	await client.connect();
	try {
		return await client.query(sql);
	} finally {
		await client.end();
	}
}

function listening(port: number): Promise<boolean> {
	return new Promise((resolve) => {
		const srv: Server = createServer();
		srv.once('error', () => resolve(true));
		srv.listen(port, '127.0.0.1', () => srv.close(() => resolve(false)));
	});
}

afterAll(() => {
	cli('stop');
	rmSync(dir, { recursive: true, force: true });
});

describe('local runtime lifecycle', () => {
	it('refuses clearly when the PostgreSQL binaries are missing', () => {
		const res = cli('start', { PG_BIN: join(dir, 'no-binaries-here') });
		expect(res.status).toBe(1);
		expect(res.out).toContain('PostgreSQL server binaries (initdb, pg_ctl) were not found');
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
