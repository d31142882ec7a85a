/**
 * A local runtime of a test's own: a temporary data folder and ports of its own, offset from this
 * worktree's configured ports (so engineers and CI jobs running side by side never collide), driven
 * through the same `supabase/local/cli.ts` people use.
 */
import { spawnSync } from 'node:child_process';
import { chmodSync, mkdtempSync, rmSync } from 'node:fs';
import { createServer, type Server } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import { API_PORT, DB_PORT, MAIL_PORT, ROOT, SMTP_PORT } from '../../supabase/local/config.ts';

export interface PrivateStack {
	dir: string;
	dataDir: string;
	ports: { db: number; api: number; mail: number };
	env: NodeJS.ProcessEnv;
	cli(
		args: string | string[],
		extra?: Record<string, string>
	): { status: number | null; out: string };
	query(sql: string, values?: unknown[], user?: string): Promise<pg.QueryResult>;
	remove(): void;
}

/**
 * Private stacks listen 30,000 below this worktree's ports (then `offset`): below Linux's ephemeral
 * range (32768–60999), where the outgoing connections of the tests running alongside take their
 * local ports, so a private cluster starting mid-suite never finds its port briefly taken by a
 * client socket (PostgreSQL then exits at startup: "could not start server").
 */
const BELOW_EPHEMERAL = 30_000;

/** `offset` (e.g. 1100) moves every port of this worktree's stack by the same amount. */
export function privateStack(name: string, offset: number, dataDir?: string): PrivateStack {
	const dir = mkdtempSync(join(tmpdir(), `${name}-`));
	// The cluster runs as the unprivileged `postgres` OS user when we are root: it must reach the folder.
	chmodSync(dir, 0o755);
	const shift = offset - BELOW_EPHEMERAL;
	const ports = { db: DB_PORT + shift, api: API_PORT + shift, mail: MAIL_PORT + shift };
	const data = dataDir ?? join(dir, 'data');
	const env: NodeJS.ProcessEnv = {
		...process.env,
		SUPABASE_LOCAL_DIR: data,
		SUPABASE_DB_PORT: String(ports.db),
		SUPABASE_API_PORT: String(ports.api),
		SUPABASE_MAIL_PORT: String(ports.mail),
		SUPABASE_SMTP_PORT: String(SMTP_PORT + shift),
		STACK_APP_ENV_FILE: join(dir, 'app.env')
	};
	return {
		dir,
		dataDir: data,
		ports,
		env,
		cli(args, extra = {}) {
			const res = spawnSync(
				process.execPath,
				[join(ROOT, 'supabase/local/cli.ts'), ...(Array.isArray(args) ? args : [args])],
				{ cwd: ROOT, env: { ...env, ...extra }, encoding: 'utf8', timeout: 240_000 }
			);
			return { status: res.status, out: `${res.stdout}${res.stderr}` };
		},
		async query(sql, values = [], user = 'postgres') {
			const client = new pg.Client({
				connectionString: `postgresql://${user}:postgres@127.0.0.1:${ports.db}/postgres`
			});
			await client.connect();
			try {
				return await client.query(sql, values);
			} finally {
				await client.end();
			}
		},
		remove() {
			rmSync(dir, { recursive: true, force: true });
		}
	};
}

export function listening(port: number): Promise<boolean> {
	return new Promise((resolve) => {
		const srv: Server = createServer();
		srv.once('error', () => resolve(true));
		srv.listen(port, '127.0.0.1', () => srv.close(() => resolve(false)));
	});
}
