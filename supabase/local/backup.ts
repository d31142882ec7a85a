/**
 * `npm run stack:backup [-- <file>]` and `npm run stack:restore -- <file> [--replace]`: the whole
 * local runtime in one archive (docs/operations.md).
 *
 * An archive (`tar.gz`) holds
 *   roles.sql      every role with its attributes, password hash, settings and memberships
 *                  (`pg_dumpall --roles-only`);
 *   postgres.dump  the `postgres` database: every schema, the platform's (auth, storage,
 *                  supabase_migrations …) and the project's, in pg_dump's custom format;
 *   storage/       the Storage objects' bytes (the rows describing them are in the dump);
 *   keys.json      the runtime's API keys and signing key, so restored sessions, tokens and
 *                  the app's .env.local stay valid;
 *   manifest.json  what and when.
 * The gateway (the only writer of Storage files) is paused while the archive is made, so rows and
 * files agree; PostgreSQL's dump is a consistent snapshot by itself.
 *
 * Restore builds a fresh cluster in the data folder (SUPABASE_LOCAL_DIR), loads roles, then the
 * database, then the files and keys, and starts the runtime as usual: the bootstrap re-applies
 * the platform's grants, and `supabase db push` finds every migration and the seed already
 * recorded.
 */
import { spawnSync } from 'node:child_process';
import {
	copyFileSync,
	cpSync,
	existsSync,
	mkdirSync,
	mkdtempSync,
	readFileSync,
	rmSync,
	writeFileSync
} from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import {
	API_PORT,
	DATA_DIR,
	DB_PORT,
	HOST,
	KEYS_FILE,
	PG_DATA,
	ROOT,
	STORAGE_DIR,
	SUPERUSER
} from './config.ts';
import { log, readPid, start, startGateway, stop, stopGateway, waitForPortFree } from './cli.ts';
import {
	isInitialized,
	isRunning,
	pgBinDir,
	StackError,
	startCluster,
	stopCluster
} from './postgres.ts';

const FORMAT = 1;

interface Manifest {
	format: number;
	created_at: string;
	server_version: string;
	data_dir: string;
	migrations: string[];
}

/** Runs a PostgreSQL client program as supabase_admin against the local cluster. */
function pgClient(bin: string, args: string[], input?: string): string {
	const res = spawnSync(
		join(pgBinDir(), bin),
		['-h', HOST, '-p', String(DB_PORT), '-U', SUPERUSER, '--no-password', ...args],
		{
			encoding: 'utf8',
			input,
			env: { ...process.env, PGPASSWORD: 'postgres', PGCONNECT_TIMEOUT: '10' },
			maxBuffer: 256 * 1024 * 1024
		}
	);
	if (res.status !== 0) throw new StackError(`${bin} failed:\n${res.stderr || res.stdout}`);
	return res.stdout;
}

function tar(args: string[]) {
	const res = spawnSync('tar', args, { encoding: 'utf8' });
	if (res.status !== 0) throw new StackError(`tar ${args[0]} failed:\n${res.stderr}`);
}

function stamp(): string {
	return new Date().toISOString().replace(/[-:]/g, '').replace(/\..*$/, 'Z');
}

/** Writes the archive and returns its path. */
export async function backup(target?: string): Promise<string> {
	const out = resolve(target ?? join(ROOT, 'backups', `stack-${stamp()}.tar.gz`));
	const clusterWasRunning = isRunning();
	if (!clusterWasRunning) await startCluster();
	const gatewayWasRunning = readPid() !== null;
	if (gatewayWasRunning) {
		log('pausing the gateway while the backup is made');
		stopGateway();
		await waitForPortFree(API_PORT, 15_000);
	}
	const work = mkdtempSync(join(tmpdir(), 'stack-backup-'));
	try {
		pgClient('pg_dumpall', ['--roles-only', '-f', join(work, 'roles.sql')]);
		pgClient('pg_dump', ['-d', 'postgres', '-Fc', '-f', join(work, 'postgres.dump')]);
		mkdirSync(join(work, 'storage'));
		if (existsSync(STORAGE_DIR)) cpSync(STORAGE_DIR, join(work, 'storage'), { recursive: true });
		if (existsSync(KEYS_FILE)) copyFileSync(KEYS_FILE, join(work, 'keys.json'));
		const version = pgClient('psql', ['-d', 'postgres', '-XAtc', 'show server_version']).trim();
		const migrations = pgClient('psql', [
			'-d',
			'postgres',
			'-XAtc',
			`select coalesce(string_agg(version, ',' order by version), '')
			   from supabase_migrations.schema_migrations`
		])
			.trim()
			.split(',')
			.filter(Boolean);
		const manifest: Manifest = {
			format: FORMAT,
			created_at: new Date().toISOString(),
			server_version: version,
			data_dir: DATA_DIR,
			migrations
		};
		writeFileSync(join(work, 'manifest.json'), JSON.stringify(manifest, null, 2));
		mkdirSync(dirname(out), { recursive: true });
		tar(['-czf', out, '-C', work, '.']);
	} finally {
		rmSync(work, { recursive: true, force: true });
		if (gatewayWasRunning) await startGateway();
		if (!clusterWasRunning) stopCluster();
	}
	return out;
}

/** Replaces nothing unless told to: the data folder must be new, or `replace` given. */
export async function restore(file: string, opts: { replace: boolean }) {
	const archive = resolve(file);
	if (!existsSync(archive)) throw new StackError(`No backup at ${archive}.`);
	if (isInitialized() && !opts.replace) {
		throw new StackError(
			`${DATA_DIR} already holds a database. Restoring replaces it and its Storage files: run ` +
				`again with --replace (npm run stack:restore -- ${file} --replace) to do that.`
		);
	}
	const work = mkdtempSync(join(tmpdir(), 'stack-restore-'));
	try {
		tar(['-xzf', archive, '-C', work]);
		const manifest = JSON.parse(readFileSync(join(work, 'manifest.json'), 'utf8')) as Manifest;
		if (manifest.format !== FORMAT) {
			throw new StackError(
				`${archive} has backup format ${manifest.format}; this runtime reads ${FORMAT}.`
			);
		}
		stop();
		rmSync(PG_DATA, { recursive: true, force: true });
		rmSync(STORAGE_DIR, { recursive: true, force: true });
		mkdirSync(DATA_DIR, { recursive: true });
		if (existsSync(join(work, 'keys.json'))) copyFileSync(join(work, 'keys.json'), KEYS_FILE);
		log(`restoring ${archive} (made ${manifest.created_at}) into ${DATA_DIR}`);
		await startCluster();
		// The fresh cluster already has its superuser; every other role comes from the backup.
		const roles = readFileSync(join(work, 'roles.sql'), 'utf8')
			.split('\n')
			.filter((line) => line !== `CREATE ROLE ${SUPERUSER};`)
			.join('\n');
		pgClient('psql', ['-d', 'postgres', '-X', '-q', '-v', 'ON_ERROR_STOP=1'], roles);
		pgClient('pg_restore', ['-d', 'postgres', '--exit-on-error', join(work, 'postgres.dump')]);
		mkdirSync(STORAGE_DIR, { recursive: true });
		cpSync(join(work, 'storage'), STORAGE_DIR, { recursive: true });
		await start();
	} finally {
		rmSync(work, { recursive: true, force: true });
	}
}
