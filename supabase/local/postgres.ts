/**
 * The private PostgreSQL cluster of the local runtime: initdb into the git-ignored data folder,
 * its own port, TCP on loopback only, run as the unprivileged `postgres` OS user when invoked as
 * root (initdb refuses to run as root).
 */
import { execFileSync, spawnSync } from 'node:child_process';
import {
	accessSync,
	chownSync,
	constants,
	existsSync,
	mkdirSync,
	writeFileSync,
	appendFileSync,
	readFileSync
} from 'node:fs';
import { createConnection } from 'node:net';
import { dirname, join } from 'node:path';
import { DATA_DIR, DB_PORT, HOST, PG_DATA, SUPERUSER } from './config.ts';
import { findPgBinDir, prerequisiteMessage } from './prerequisites.ts';

const PG_USER = 'postgres';

export class StackError extends Error {}

let binDir: string | null = null;

/** Locates the PostgreSQL 15 server binaries (`PG_BIN` overrides), refusing clearly when missing. */
export function pgBinDir(): string {
	binDir ??= findPgBinDir().dir;
	if (!binDir) throw new StackError(prerequisiteMessage(['postgres']) ?? 'PostgreSQL 15 not found');
	return binDir;
}

function isRoot(): boolean {
	return typeof process.getuid === 'function' && process.getuid() === 0;
}

function uidGid(): { uid: number; gid: number } {
	const uid = Number(execFileSync('id', ['-u', PG_USER], { encoding: 'utf8' }).trim());
	const gid = Number(execFileSync('id', ['-g', PG_USER], { encoding: 'utf8' }).trim());
	return { uid, gid };
}

/** Runs a Postgres binary, as the `postgres` OS user when we are root. */
function runPg(bin: string, args: string[], opts: { allowFail?: boolean } = {}) {
	const path = join(pgBinDir(), bin);
	const [cmd, argv] = isRoot() ? ['runuser', ['-u', PG_USER, '--', path, ...args]] : [path, args];
	const res = spawnSync(cmd, argv, { encoding: 'utf8', cwd: '/' });
	if (res.status !== 0 && !opts.allowFail) {
		throw new StackError(`${bin} failed (${res.status}):\n${res.stdout}\n${res.stderr}`);
	}
	return res;
}

function ensureOwnedByPgUser(dir: string) {
	mkdirSync(dir, { recursive: true, mode: 0o700 });
	if (!isRoot()) return;
	let ids: { uid: number; gid: number };
	try {
		ids = uidGid();
	} catch {
		throw new StackError(
			`Running as root needs the unprivileged OS user "${PG_USER}" (created by Debian's postgresql packages).`
		);
	}
	chownSync(dir, ids.uid, ids.gid);
	// The postgres user must be able to reach the folder through every parent.
	for (let d = dirname(dir); d !== '/'; d = dirname(d)) {
		const res = spawnSync('runuser', ['-u', PG_USER, '--', 'test', '-x', d]);
		if (res.status !== 0) {
			throw new StackError(
				`The OS user "${PG_USER}" cannot enter ${d}; make it traversable (chmod o+x) or set SUPABASE_LOCAL_DIR elsewhere.`
			);
		}
	}
}

export function isInitialized(): boolean {
	return existsSync(join(PG_DATA, 'PG_VERSION'));
}

export function initCluster() {
	if (isInitialized()) return;
	mkdirSync(DATA_DIR, { recursive: true });
	accessSync(DATA_DIR, constants.W_OK);
	ensureOwnedByPgUser(PG_DATA);
	const pwfile = join(PG_DATA, '..', 'pg.pw');
	writeFileSync(pwfile, 'postgres\n', { mode: 0o644 });
	// The bootstrap superuser is supabase_admin, as in Supabase's image; `postgres` is created by
	// bootstrap.sql as hosted's non-superuser role.
	runPg('initdb', [
		'-D',
		PG_DATA,
		'-U',
		SUPERUSER,
		'--pwfile',
		pwfile,
		'--auth-host=scram-sha-256',
		'--auth-local=scram-sha-256',
		'--encoding=UTF8',
		'--locale=C.UTF-8'
	]);
	appendFileSync(
		join(PG_DATA, 'postgresql.conf'),
		[
			'',
			'# local runtime',
			`port = ${DB_PORT}`,
			`listen_addresses = '${HOST}'`,
			"unix_socket_directories = ''",
			'max_connections = 200',
			'shared_buffers = 256MB',
			"timezone = 'UTC'",
			// as Supabase's image (supabase/postgres, ansible/files/postgresql_config/postgresql.conf.j2):
			// pg_stat_statements preloaded (so compute_query_id = auto computes query ids, shown by
			// EXPLAIN VERBOSE) and its planner's cache estimate
			"shared_preload_libraries = 'pg_stat_statements'",
			'effective_cache_size = 128MB',
			''
		].join('\n')
	);
}

export function isRunning(): boolean {
	if (!isInitialized()) return false;
	return runPg('pg_ctl', ['status', '-D', PG_DATA], { allowFail: true }).status === 0;
}

export function portInUse(port: number, host = HOST): Promise<boolean> {
	return new Promise((resolveFn) => {
		const sock = createConnection({ port, host });
		sock.once('connect', () => {
			sock.destroy();
			resolveFn(true);
		});
		sock.once('error', () => resolveFn(false));
	});
}

export async function startCluster() {
	pgBinDir();
	initCluster();
	if (isRunning()) return;
	if (await portInUse(DB_PORT)) {
		throw new StackError(
			`Port ${DB_PORT} is already taken by another program; stop it or set SUPABASE_DB_PORT.`
		);
	}
	const log = join(PG_DATA, 'server.log');
	const started = runPg(
		'pg_ctl',
		['start', '-D', PG_DATA, '-l', log, '-w', '-t', '60', '-o', `-p ${DB_PORT}`],
		{ allowFail: true }
	);
	if (started.status !== 0) {
		// why PostgreSQL stopped: the end of its own log (a port taken, memory, a bad setting …)
		const tail = existsSync(log) ? readFileSync(log, 'utf8').trimEnd().split('\n').slice(-15) : [];
		throw new StackError(
			`pg_ctl failed (${started.status}): PostgreSQL did not start on port ${DB_PORT}.\n` +
				`${started.stdout}${started.stderr}\n${log}, last lines:\n${tail.join('\n')}`
		);
	}
}

export function stopCluster() {
	if (!isRunning()) return;
	runPg('pg_ctl', ['stop', '-D', PG_DATA, '-m', 'fast', '-w']);
}
