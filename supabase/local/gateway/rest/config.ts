/**
 * The Data API's settings, as the Supabase CLI configures PostgREST (docs/local-runtime.md, "Data
 * API", "Settings"): `[api] schemas`, `extra_search_path` and `max_rows` of `supabase/config.toml`
 * (PGRST_DB_SCHEMAS, PGRST_DB_EXTRA_SEARCH_PATH, PGRST_DB_MAX_ROWS), then PostgREST's in-database
 * configuration: `pgrst.*` settings of the `authenticator` role (`alter role authenticator set
 * pgrst.db_aggregates_enabled = 'true'`), which win over the file as in PostgREST (Config.hs,
 * overrideFromDbOrEnvironment). The in-database part is read with the schema cache (schema.ts).
 */
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { ROOT } from '../../config.ts';
import { parseToml } from '../auth/config.ts';

export type TxEnd = 'commit' | 'commit-allow-override' | 'rollback' | 'rollback-allow-override';

export interface RestConfig {
	/** Exposed schemas; the first is the default profile. */
	schemas: string[];
	/** Appended to the request's schema in `search_path`. */
	extraSearchPath: string[];
	/** Row cap of reads and function results; null: none. */
	maxRows: number | null;
	/** `db-aggregates-enabled` (off by default, and on hosted Supabase). */
	aggregates: boolean;
	/** `db-plan-enabled`: `Accept: application/vnd.pgrst.plan` (off by default). */
	plan: boolean;
	/** `db-tx-end` (default `commit`: `Prefer: tx=rollback` is not honoured). */
	txEnd: TxEnd;
}

/** `SUPABASE_CONFIG_TOML` reads another project's config (the postgrest-js suite's). */
export const CONFIG_FILE =
	process.env.SUPABASE_CONFIG_TOML ?? join(ROOT, 'supabase', 'config.toml');

function list(v: unknown): string[] | null {
	if (Array.isArray(v)) return v.map(String);
	if (typeof v === 'string') return splitOnCommas(v);
	return null;
}

function splitOnCommas(v: string): string[] {
	return v
		.split(',')
		.map((s) => s.trim())
		.filter(Boolean);
}

/** `[api]` of config.toml with PostgREST's defaults (and the CLI's when the file is silent). */
function fileConfig(): RestConfig {
	const api = existsSync(CONFIG_FILE)
		? (parseToml(readFileSync(CONFIG_FILE, 'utf8')).get('api') ?? {})
		: {};
	const maxRows = Number(process.env.SUPABASE_REST_MAX_ROWS ?? api.max_rows ?? 1000);
	return {
		schemas: list(api.schemas) ?? ['public', 'graphql_public'],
		extraSearchPath: list(api.extra_search_path) ?? ['public', 'extensions'],
		maxRows: Number.isFinite(maxRows) && maxRows > 0 ? maxRows : null,
		aggregates: false,
		plan: false,
		txEnd: 'commit'
	};
}

export const FILE_CONFIG: RestConfig = fileConfig();

/** The `pgrst.*` names the gateway understands (PostgREST's in-database names). */
export const DB_SETTING_NAMES = [
	'db_schemas',
	'db_extra_search_path',
	'db_max_rows',
	'db_aggregates_enabled',
	'db_plan_enabled',
	'db_tx_end'
];

function bool(v: string): boolean {
	return /^(true|on|yes|1)$/i.test(v.trim().replace(/^"|"$/g, ''));
}

/** FILE_CONFIG overridden by the authenticator's `pgrst.*` settings (name without the prefix). */
export function withDbSettings(db: Map<string, string>): RestConfig {
	const c = { ...FILE_CONFIG };
	const v = (k: string) => db.get(k)?.trim();
	if (v('db_schemas')) c.schemas = splitOnCommas(v('db_schemas')!.replace(/"/g, ''));
	if (v('db_extra_search_path') !== undefined)
		c.extraSearchPath = splitOnCommas(v('db_extra_search_path')!.replace(/"/g, ''));
	if (v('db_max_rows')) {
		const n = Number(v('db_max_rows'));
		if (Number.isInteger(n) && n > 0) c.maxRows = n;
	}
	if (v('db_aggregates_enabled') !== undefined) c.aggregates = bool(v('db_aggregates_enabled')!);
	if (v('db_plan_enabled') !== undefined) c.plan = bool(v('db_plan_enabled')!);
	const tx = v('db_tx_end');
	if (
		tx === 'commit' ||
		tx === 'commit-allow-override' ||
		tx === 'rollback' ||
		tx === 'rollback-allow-override'
	)
		c.txEnd = tx;
	return c;
}
