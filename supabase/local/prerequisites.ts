/**
 * The OS packages the project needs besides npm's: PostgreSQL 15 server binaries (the local
 * runtime's database), pgTAP (the database tests) and Chromium (the browser tests). Each command
 * checks what it needs before it starts and stops with one message naming everything missing and
 * the command that installs it.
 */
import { execFileSync } from 'node:child_process';
import { accessSync, constants, existsSync } from 'node:fs';
import { join } from 'node:path';

export type Prerequisite = 'postgres' | 'pgtap' | 'chromium';

/** What `npm run dev` / `npm start` and `npm test` need. */
export const NEEDS: Record<'dev' | 'test', Prerequisite[]> = {
	dev: ['postgres'],
	test: ['postgres', 'pgtap', 'chromium']
};

const PACKAGES: Record<Prerequisite, string> = {
	postgres: 'postgresql-15',
	pgtap: 'postgresql-15-pgtap',
	chromium: 'chromium'
};

export const POSTGRES_MAJOR = 15;

/** Where the server binaries are: PG_BIN if set (and only there), else pg_config's, else Debian's. */
export function pgBinCandidates(): string[] {
	if (process.env.PG_BIN) return [process.env.PG_BIN];
	const out: string[] = [];
	try {
		out.push(execFileSync('pg_config', ['--bindir'], { encoding: 'utf8' }).trim());
	} catch {
		/* no pg_config on PATH */
	}
	out.push(`/usr/lib/postgresql/${POSTGRES_MAJOR}/bin`);
	return out;
}

export const chromiumPath = () => process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';

function run(bin: string, args: string[]): string | null {
	try {
		return execFileSync(bin, args, {
			encoding: 'utf8',
			stdio: ['ignore', 'pipe', 'ignore']
		}).trim();
	} catch {
		return null;
	}
}

/** The first candidate folder holding PostgreSQL 15's initdb and pg_ctl, with notes on the others. */
export function findPgBinDir(): { dir: string | null; notes: string[] } {
	const notes: string[] = [];
	for (const dir of pgBinCandidates()) {
		if (!existsSync(join(dir, 'initdb')) || !existsSync(join(dir, 'pg_ctl'))) continue;
		const version = run(join(dir, 'pg_ctl'), ['--version']) ?? '';
		const major = Number(/\(PostgreSQL\)\s+(\d+)/.exec(version)?.[1]);
		if (major === POSTGRES_MAJOR) return { dir, notes };
		notes.push(`${dir} holds PostgreSQL ${major || '(unknown version)'}, not ${POSTGRES_MAJOR}`);
	}
	return { dir: null, notes };
}

interface Finding {
	missing: Prerequisite[];
	notes: string[];
}

/** Which of `needs` this machine lacks, with a note on anything found but unusable. */
export function findMissing(needs: Prerequisite[]): Finding {
	const missing: Prerequisite[] = [];
	let notes: string[] = [];
	let bindir: string | null = null;
	if (needs.includes('postgres') || needs.includes('pgtap')) {
		({ dir: bindir, notes } = findPgBinDir());
		if (!bindir && needs.includes('postgres')) missing.push('postgres');
	}
	if (needs.includes('pgtap')) {
		const sharedir =
			(bindir && run(join(bindir, 'pg_config'), ['--sharedir'])) ||
			`/usr/share/postgresql/${POSTGRES_MAJOR}`;
		if (!bindir || !existsSync(join(sharedir, 'extension', 'pgtap.control'))) missing.push('pgtap');
	}
	if (needs.includes('chromium')) {
		try {
			accessSync(chromiumPath(), constants.X_OK);
		} catch {
			missing.push('chromium');
		}
	}
	return { missing, notes };
}

const LABELS: Record<Prerequisite, string> = {
	postgres: `PostgreSQL ${POSTGRES_MAJOR} server binaries (initdb, pg_ctl)`,
	pgtap: 'pgTAP (for the database tests)',
	chromium: 'Chromium (for the browser tests)'
};

/** One message naming what is missing and how to install it, or null when nothing is. */
export function prerequisiteMessage(needs: Prerequisite[]): string | null {
	const { missing, notes } = findMissing(needs);
	if (missing.length === 0) return null;
	const looked = [
		missing.includes('postgres') || missing.includes('pgtap')
			? `PG_BIN=${process.env.PG_BIN ?? `(unset: pg_config, /usr/lib/postgresql/${POSTGRES_MAJOR}/bin)`}`
			: null,
		missing.includes('chromium') ? `CHROMIUM_PATH=${chromiumPath()}` : null
	].filter(Boolean);
	const sudo = process.getuid?.() === 0 ? '' : 'sudo ';
	return [
		`Missing OS prerequisites: ${missing.map((m) => LABELS[m]).join('; ')}.`,
		`Install them with:  ${sudo}apt-get install ${missing.map((m) => PACKAGES[m]).join(' ')}`,
		`(Debian and Ubuntu package names. Looked at ${looked.join(' and ')}; set PG_BIN to PostgreSQL ` +
			`${POSTGRES_MAJOR}'s bin folder or CHROMIUM_PATH to the browser if they live elsewhere.)`,
		...notes.map((n) => `Note: ${n}.`)
	].join('\n');
}
