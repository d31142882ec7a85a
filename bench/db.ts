/**
 * Benchmark databases: each one lives in the local runtime's PostgreSQL cluster next to the shared
 * `postgres` database (never in it). A fresh one gets the platform bootstrap (roles are
 * cluster-wide and already exist; schemas and tables are per database) and the project's
 * migrations through the real Supabase CLI (`supabase db push`, without the seed).
 */
import { createHash } from 'node:crypto';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import pg from 'pg';
import { DB_PORT, HOST, ROOT, SUPERUSER } from '../supabase/local/config.ts';
import { supabaseCli } from '../supabase/local/cli.ts';

export const MIGRATIONS_DIR = join(ROOT, 'supabase', 'migrations');

/** Connection string of a database of the local cluster as `postgres` (the tables' owner). */
export function dbUrl(name: string): string {
	return `postgresql://postgres:postgres@${HOST}:${DB_PORT}/${name}`;
}

/** The cluster's superuser on a database: runs the platform bootstrap, as the local runtime does. */
export function superuserUrl(name: string): string {
	return `postgresql://${SUPERUSER}:postgres@${HOST}:${DB_PORT}/${name}`;
}

export function client(name: string): pg.Client {
	return new pg.Client({ connectionString: dbUrl(name) });
}

/** Short hash of the migration set (names and contents) plus any extra files given. */
export function migrationsHash(extraFiles: string[] = []): string {
	const h = createHash('sha256');
	for (const f of readdirSync(MIGRATIONS_DIR)
		.filter((n) => n.endsWith('.sql'))
		.sort()) {
		h.update(f)
			.update('\0')
			.update(readFileSync(join(MIGRATIONS_DIR, f)))
			.update('\0');
	}
	for (const f of extraFiles) h.update(f).update('\0').update(readFileSync(f)).update('\0');
	return h.digest('hex').slice(0, 10);
}

function assertName(name: string) {
	if (!/^[a-z][a-z0-9_]{0,62}$/.test(name) || name === 'postgres' || name.startsWith('template')) {
		throw new Error(`refusing to use database name ${JSON.stringify(name)} for a benchmark`);
	}
}

async function withMaintenance<T>(fn: (c: pg.Client) => Promise<T>): Promise<T> {
	const c = client('postgres');
	await c.connect();
	try {
		return await fn(c);
	} finally {
		await c.end();
	}
}

export async function databaseExists(name: string): Promise<boolean> {
	return withMaintenance(async (c) => {
		const { rowCount } = await c.query('select 1 from pg_database where datname = $1', [name]);
		return rowCount === 1;
	});
}

export async function dropDatabase(name: string): Promise<void> {
	assertName(name);
	await withMaintenance((c) => c.query(`drop database if exists ${name} with (force)`));
}

/** Names of existing databases starting with a prefix (to clean up stale ones). */
export async function databasesLike(prefix: string): Promise<string[]> {
	return withMaintenance(async (c) => {
		const { rows } = await c.query<{ datname: string }>(
			`select datname from pg_database where starts_with(datname, $1) order by 1`,
			[prefix]
		);
		return rows.map((r) => r.datname);
	});
}

/**
 * Drops and recreates `name`, runs the platform bootstrap and applies the migrations with the
 * project's Supabase CLI. The result is the schema the app runs on, with no data.
 */
export async function prepareDatabase(name: string, log: (m: string) => void = () => {}) {
	assertName(name);
	const t0 = performance.now();
	await dropDatabase(name);
	await withMaintenance((c) => c.query(`create database ${name}`));
	const c = new pg.Client({ connectionString: superuserUrl(name) });
	await c.connect();
	try {
		await c.query(readFileSync(join(ROOT, 'supabase', 'local', 'bootstrap.sql'), 'utf8'));
	} finally {
		await c.end();
	}
	const res = supabaseCli(['db', 'push', `--remote=${dbUrl(name)}?sslmode=disable`, '--yes'], {
		capture: true
	});
	if (res.status !== 0) {
		throw new Error(`supabase db push into ${name} failed:\n${res.stdout}\n${res.stderr}`);
	}
	log(
		`database ${name}: bootstrap + migrations in ${((performance.now() - t0) / 1000).toFixed(1)} s`
	);
}
