/**
 * The Data API's schema cache: tables, views, columns, keys, foreign keys and functions of the
 * exposed schemas, read from pg_catalog. Every identifier that reaches SQL comes from here.
 * Reloaded on demand when a request names something the cache does not know (tests and
 * migrations create tables at runtime), with concurrent reloads coalesced.
 */
import { API_ROLES } from '../core/bearer.ts';
import { adminPool, quoteIdent as quoteName } from '../core/db.ts';
import { DB_SETTING_NAMES, withDbSettings, type RestConfig } from './config.ts';
import { ApiError } from './errors.ts';

export interface Column {
	name: string;
	/** `format_type` output, e.g. `integer`, `text[]`, `timestamp with time zone`. */
	type: string;
	notNull: boolean;
	/** Default expression from pg_attrdef (catalog text), or null. */
	defaultExpr: string | null;
}

export interface ForeignKey {
	name: string;
	schema: string;
	table: string;
	columns: string[];
	refSchema: string;
	refTable: string;
	refColumns: string[];
}

export interface Table {
	schema: string;
	name: string;
	kind: string;
	columns: Map<string, Column>;
	columnOrder: string[];
	primaryKey: string[];
	uniques: string[][];
	/** FKs held by this table (to-one). */
	outgoing: ForeignKey[];
	/** FKs of other tables pointing here (to-many, or to-one when the FK columns are unique). */
	incoming: ForeignKey[];
}

export interface FnArg {
	name: string;
	type: string;
	hasDefault: boolean;
}

export interface Fn {
	schema: string;
	name: string;
	args: FnArg[];
	returnsSet: boolean;
	/** void, scalar, or composite (table type / OUT columns). */
	returnKind: 'void' | 'scalar' | 'composite';
	/** Output columns for composite results (empty for `record` without OUT parameters). */
	returnColumns: Column[];
	/** The table whose row type the function returns (for embedding), if any. */
	returnTable: { schema: string; name: string } | null;
	volatility: 'i' | 's' | 'v';
}

export interface SchemaCache {
	tables: Map<string, Table>;
	functions: Map<string, Fn[]>;
	roleSettings: Map<string, [string, string][]>;
	/** config.toml `[api]` with the authenticator's in-database `pgrst.*` settings applied. */
	config: RestConfig;
	loadedAt: number;
}

const key = (schema: string, name: string) => `${schema}\u0000${name}`;

let current: SchemaCache | null = null;
let loading: Promise<SchemaCache> | null = null;
let loadingStart = 0;

async function load(start: number): Promise<SchemaCache> {
	const client = await adminPool.connect();
	try {
		const dbSettings = await client.query(
			`select distinct on (k) k, v from (
			   select s.setdatabase, substr(e, 7, strpos(e, '=') - 7) as k, substr(e, strpos(e, '=') + 1) as v
			     from pg_catalog.pg_db_role_setting s join pg_catalog.pg_roles r on r.oid = s.setrole,
			          unnest(s.setconfig) as e
			    where r.rolname = 'authenticator' and e like 'pgrst.%'
			      and s.setdatabase in (0, (select oid from pg_catalog.pg_database where datname = current_database()))
			 ) x where k = any($1) order by k, setdatabase desc`,
			[DB_SETTING_NAMES]
		);
		const config = withDbSettings(new Map(dbSettings.rows.map((r) => [r.k, r.v])));
		const EXPOSED_SCHEMAS = config.schemas;
		const rels = await client.query(
			`select c.oid::int as oid, n.nspname as schema, c.relname as name, c.relkind::text as kind
			   from pg_catalog.pg_class c join pg_catalog.pg_namespace n on n.oid = c.relnamespace
			  where n.nspname = any($1) and c.relkind in ('r','v','m','f','p')`,
			[EXPOSED_SCHEMAS]
		);
		const cols = await client.query(
			`select a.attrelid::int as rel, a.attname as name, pg_catalog.format_type(a.atttypid, a.atttypmod) as type,
			        a.attnotnull as not_null, a.attidentity::text as identity,
			        pg_catalog.pg_get_expr(d.adbin, d.adrelid) as default_expr,
			        n.nspname as schema, c.relname as table
			   from pg_catalog.pg_attribute a
			   join pg_catalog.pg_class c on c.oid = a.attrelid
			   join pg_catalog.pg_namespace n on n.oid = c.relnamespace
			   left join pg_catalog.pg_attrdef d on d.adrelid = a.attrelid and d.adnum = a.attnum
			  where n.nspname = any($1) and c.relkind in ('r','v','m','f','p')
			    and a.attnum > 0 and not a.attisdropped
			  order by a.attrelid, a.attnum`,
			[EXPOSED_SCHEMAS]
		);
		const cons = await client.query(
			`select co.conname as name, co.contype::text as type,
			        n1.nspname as schema, c1.relname as table,
			        array(select a.attname::text from unnest(co.conkey) with ordinality k(num, ord)
			               join pg_catalog.pg_attribute a on a.attrelid = co.conrelid and a.attnum = k.num order by k.ord) as columns,
			        n2.nspname as ref_schema, c2.relname as ref_table,
			        array(select a.attname::text from unnest(co.confkey) with ordinality k(num, ord)
			               join pg_catalog.pg_attribute a on a.attrelid = co.confrelid and a.attnum = k.num order by k.ord) as ref_columns
			   from pg_catalog.pg_constraint co
			   join pg_catalog.pg_class c1 on c1.oid = co.conrelid
			   join pg_catalog.pg_namespace n1 on n1.oid = c1.relnamespace
			   left join pg_catalog.pg_class c2 on c2.oid = co.confrelid
			   left join pg_catalog.pg_namespace n2 on n2.oid = c2.relnamespace
			  where co.contype in ('p','u','f') and (n1.nspname = any($1) or n2.nspname = any($1))`,
			[EXPOSED_SCHEMAS]
		);
		const fns = await client.query(
			`select n.nspname as schema, p.proname as name, p.pronargs as nargs, p.pronargdefaults as ndefaults,
			        p.proretset as returns_set, p.provolatile::text as volatility,
			        p.prorettype = 'pg_catalog.void'::regtype as returns_void,
			        coalesce(p.proargmodes::text[], array_fill('i'::text, array[p.pronargs])) as modes,
			        coalesce(p.proargnames, array[]::text[]) as names,
			        array(select pg_catalog.format_type(t, null) from unnest(coalesce(p.proallargtypes, p.proargtypes::oid[])) with ordinality u(t, ord) order by ord) as types,
			        rt.typtype::text as ret_typtype,
			        (select rn.nspname from pg_catalog.pg_class rc join pg_catalog.pg_namespace rn on rn.oid = rc.relnamespace where rc.oid = rt.typrelid) as ret_rel_schema,
			        (select rc.relname from pg_catalog.pg_class rc where rc.oid = rt.typrelid) as ret_rel_name,
			        coalesce(array(select a.attname::text from pg_catalog.pg_attribute a
			                         where a.attrelid = rt.typrelid and a.attnum > 0 and not a.attisdropped order by a.attnum), array[]::text[]) as ret_cols,
			        coalesce(array(select pg_catalog.format_type(a.atttypid, a.atttypmod) from pg_catalog.pg_attribute a
			                         where a.attrelid = rt.typrelid and a.attnum > 0 and not a.attisdropped order by a.attnum), array[]::text[]) as ret_types
			   from pg_catalog.pg_proc p
			   join pg_catalog.pg_namespace n on n.oid = p.pronamespace
			   join pg_catalog.pg_type rt on rt.oid = p.prorettype
			  where n.nspname = any($1) and p.prokind in ('f')`,
			[EXPOSED_SCHEMAS]
		);
		const settings = await client.query(
			`select r.rolname as role, s.setconfig as config
			   from pg_catalog.pg_db_role_setting s join pg_catalog.pg_roles r on r.oid = s.setrole
			  where r.rolname = any($1) and s.setdatabase in (0, (select oid from pg_catalog.pg_database where datname = current_database()))`,
			[API_ROLES]
		);

		const tables = new Map<string, Table>();
		const byOid = new Map<number, Table>();
		for (const r of rels.rows) {
			const t: Table = {
				schema: r.schema,
				name: r.name,
				kind: r.kind,
				columns: new Map(),
				columnOrder: [],
				primaryKey: [],
				uniques: [],
				outgoing: [],
				incoming: []
			};
			tables.set(key(r.schema, r.name), t);
			byOid.set(r.oid, t);
		}
		for (const c of cols.rows) {
			const t = byOid.get(c.rel);
			if (!t) continue;
			let defaultExpr: string | null = c.default_expr;
			if (!defaultExpr && c.identity) {
				defaultExpr = `nextval(pg_catalog.pg_get_serial_sequence(${quoteLiteral(`${quoteIdent(t.schema)}.${quoteIdent(t.name)}`)}, ${quoteLiteral(c.name)})::regclass)`;
			}
			t.columns.set(c.name, { name: c.name, type: c.type, notNull: c.not_null, defaultExpr });
			t.columnOrder.push(c.name);
		}
		for (const c of cons.rows) {
			const t = tables.get(key(c.schema, c.table));
			if (c.type === 'p' && t) t.primaryKey = c.columns;
			else if (c.type === 'u' && t) t.uniques.push(c.columns);
			else if (c.type === 'f') {
				const fk: ForeignKey = {
					name: c.name,
					schema: c.schema,
					table: c.table,
					columns: c.columns,
					refSchema: c.ref_schema,
					refTable: c.ref_table,
					refColumns: c.ref_columns
				};
				if (t) t.outgoing.push(fk);
				const target = tables.get(key(c.ref_schema, c.ref_table));
				if (target) target.incoming.push(fk);
			}
		}
		const functions = new Map<string, Fn[]>();
		for (const f of fns.rows) {
			const modes: string[] = f.modes;
			const names: string[] = f.names;
			const types: string[] = f.types;
			const inputs: FnArg[] = [];
			const outputs: Column[] = [];
			modes.forEach((mode, i) => {
				if (mode === 'i' || mode === 'b' || mode === 'v')
					inputs.push({ name: names[i] ?? '', type: types[i], hasDefault: false });
				if (mode === 'o' || mode === 'b' || mode === 't')
					outputs.push({ name: names[i] ?? '', type: types[i], notNull: false, defaultExpr: null });
			});
			for (let i = inputs.length - f.ndefaults; i < inputs.length; i++)
				if (i >= 0) inputs[i].hasDefault = true;
			let returnKind: Fn['returnKind'] = 'scalar';
			let returnColumns: Column[] = [];
			if (f.returns_void) returnKind = 'void';
			else if (outputs.length > 1) {
				returnKind = 'composite';
				returnColumns = outputs;
			} else if (outputs.length === 1) returnKind = 'scalar';
			else if (f.ret_typtype === 'c') {
				returnKind = 'composite';
				returnColumns = (f.ret_cols as string[]).map((name, i) => ({
					name,
					type: f.ret_types[i],
					notNull: false,
					defaultExpr: null
				}));
			} else if (f.ret_typtype === 'p' && !f.returns_void) returnKind = 'composite';
			const fn: Fn = {
				schema: f.schema,
				name: f.name,
				args: inputs,
				returnsSet: f.returns_set,
				returnKind,
				returnColumns,
				volatility: f.volatility,
				returnTable: f.ret_rel_name ? { schema: f.ret_rel_schema, name: f.ret_rel_name } : null
			};
			const k = key(f.schema, f.name);
			functions.set(k, [...(functions.get(k) ?? []), fn]);
		}
		const roleSettings = new Map<string, [string, string][]>();
		for (const s of settings.rows) {
			const list = roleSettings.get(s.role) ?? [];
			for (const entry of s.config as string[]) {
				const eq = entry.indexOf('=');
				if (eq > 0) list.push([entry.slice(0, eq), entry.slice(eq + 1)]);
			}
			roleSettings.set(s.role, list);
		}
		return { tables, functions, roleSettings, config, loadedAt: start };
	} finally {
		client.release();
	}
}

/** The cache, loading it on first use. */
export async function getSchema(): Promise<SchemaCache> {
	if (current) return current;
	return reloadSchema(performance.now());
}

/**
 * A cache whose load started after `missedAt` (the moment a request found a name missing):
 * reuses such a cache or load in flight, else starts a new load.
 */
export async function reloadSchema(missedAt: number): Promise<SchemaCache> {
	if (current && current.loadedAt > missedAt) return current;
	if (loading && loadingStart > missedAt) return loading;
	const start = performance.now();
	const promise = load(start).then((cache) => {
		if (!current || current.loadedAt < cache.loadedAt) current = cache;
		return cache;
	});
	loading = promise;
	loadingStart = start;
	promise
		.finally(() => {
			if (loading === promise) loading = null;
		})
		.catch(() => {});
	return promise;
}

export function findTable(cache: SchemaCache, schema: string, name: string): Table | undefined {
	return cache.tables.get(key(schema, name));
}

export function findFunctions(cache: SchemaCache, schema: string, name: string): Fn[] {
	return cache.functions.get(key(schema, name)) ?? [];
}

/** core/db.ts quoteIdent, refusing a client-supplied name with a NUL as PostgREST does. */
export function quoteIdent(name: string): string {
	if (name.includes('\u0000')) {
		throw new ApiError(400, 'PGRST100', 'failed to parse identifier', 'names cannot contain NUL');
	}
	return quoteName(name);
}

/** Quotes catalog-derived text as a literal (never used for client values: those are bound). */
export function quoteLiteral(text: string): string {
	return `'${text.replace(/'/g, "''")}'`;
}
