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

/** A function taking one row of a table or view: a computed field (scalar result) or relationship. */
export interface Computed {
	fn: Fn;
	/** Computed relationship: the table or view its rows are (to-one unless it returns a set of more than 1 row). */
	target: { schema: string; name: string } | null;
	toOne: boolean;
}

export interface Table {
	schema: string;
	name: string;
	kind: string;
	/** Computed fields and relationships by function name. */
	computed: Map<string, Computed[]>;
	/** Views: view column → [base table key, base column] when it is a plain column of a table. */
	/** Column names by attribute number (view definitions name columns by number). */
	attnums: Map<number, string>;
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
	/** `''` for an unnamed parameter. */
	name: string;
	/** `regtype` text of the parameter's type, e.g. `integer`, `text`. */
	type: string;
	hasDefault: boolean;
	variadic: boolean;
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
	description: string | null;
	/** `ROWS n` of a set-returning function (1 makes a computed relationship to-one). */
	rows: number;
	/** Type oid of the single argument (computed fields), else 0. */
	firstArgType: number;
}

export interface SchemaCache {
	tables: Map<string, Table>;
	functions: Map<string, Fn[]>;
	roleSettings: Map<string, [string, string][]>;
	/** config.toml `[api]` with the authenticator's in-database `pgrst.*` settings applied. */
	config: RestConfig;
	/** Type names casts may use (`col::name`), resolved as PostgreSQL's search path would. */
	types: Map<string, { schema: string; name: string }>;
	/** Time zone names `Prefer: timezone=` may use. */
	timezones: Set<string>;
	/** PostGIS is installed: `application/geo+json` is available. */
	postgis: boolean;
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
		const timezones = new Set(
			(await client.query(`select name from pg_catalog.pg_timezone_names`)).rows.map(
				(r) => r.name as string
			)
		);
		const postgis =
			(await client.query(`select 1 from pg_catalog.pg_extension where extname = 'postgis'`))
				.rowCount! > 0;
		const config = withDbSettings(new Map(dbSettings.rows.map((r) => [r.k, r.v])));
		const EXPOSED_SCHEMAS = config.schemas;
		const typeRows = await client.query(
			`select n.nspname as schema, t.typname as name
			   from pg_catalog.pg_type t join pg_catalog.pg_namespace n on n.oid = t.typnamespace
			  where t.typtype in ('b','c','d','e','m','r') and t.typname !~ '^_' and t.typname !~ '^pg_'
			    and n.nspname = any($1)`,
			[['pg_catalog', ...config.schemas, ...config.extraSearchPath]]
		);
		const order = ['pg_catalog', ...config.schemas, ...config.extraSearchPath];
		const types = new Map<string, { schema: string; name: string }>();
		for (const r of [...typeRows.rows].sort(
			(a, b) => order.indexOf(b.schema) - order.indexOf(a.schema)
		))
			types.set(r.name, { schema: r.schema, name: r.name });
		const rels = await client.query(
			`select c.oid::int as oid, n.nspname as schema, c.relname as name, c.relkind::text as kind
			   from pg_catalog.pg_class c join pg_catalog.pg_namespace n on n.oid = c.relnamespace
			  where n.nspname = any($1) and c.relkind in ('r','v','m','f','p')`,
			[EXPOSED_SCHEMAS]
		);
		const cols = await client.query(
			`select a.attrelid::int as rel, a.attname as name, pg_catalog.format_type(a.atttypid, a.atttypmod) as type,
			        a.attnotnull as not_null, a.attidentity::text as identity, a.attnum::int as attnum,
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
			        p.proretset as returns_set, p.provolatile::text as volatility, p.prorows::float8 as rows,
			        p.prorettype = 'pg_catalog.void'::regtype as returns_void, p.provariadic <> 0 as has_variadic,
			        coalesce(p.proargmodes::text[], array_fill('i'::text, array[p.pronargs])) as modes,
			        coalesce(p.proargnames, array[]::text[]) as names,
			        array(select pg_catalog.format_type(t, null) from unnest(coalesce(p.proallargtypes, p.proargtypes::oid[])) with ordinality u(t, ord) order by ord) as types,
			        array(select t::regtype::text from unnest(coalesce(p.proallargtypes, p.proargtypes::oid[])) with ordinality u(t, ord) order by ord) as regtypes,
			        case when p.pronargs = 1 then p.proargtypes[0]::int else 0 end as first_arg_type,
			        d.description,
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
			   left join pg_catalog.pg_description d on d.objoid = p.oid and d.classoid = 'pg_catalog.pg_proc'::regclass and d.objsubid = 0
			  where n.nspname = any($1) and p.prokind in ('f') and p.prorettype <> 'pg_catalog.trigger'::regtype`,
			[EXPOSED_SCHEMAS]
		);
		// Row types of tables and views (computed fields take one of them) and view definitions.
		const rowTypes = await client.query(
			`select c.oid::int as oid, c.reltype::int as reltype, c.relkind::text as kind,
			        case when c.relkind = 'v' then (select r.ev_action::text from pg_catalog.pg_rewrite r where r.ev_class = c.oid and r.rulename = '_RETURN') end as view_def
			   from pg_catalog.pg_class c join pg_catalog.pg_namespace n on n.oid = c.relnamespace
			  where c.relkind in ('r','v','m','f','p') and (n.nspname = any($1) or c.relkind in ('r','p'))`,
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
				computed: new Map(),
				attnums: new Map(),
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
			t.attnums.set(c.attnum, c.name);
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
		/** Every function, also those RPC cannot call by name (computed fields take an unnamed row). */
		const allFns: Fn[] = [];
		for (const f of fns.rows) {
			const modes: string[] = f.modes;
			const names: string[] = f.names;
			const types: string[] = f.types;
			const regtypes: string[] = f.regtypes;
			const inputs: FnArg[] = [];
			const outputs: Column[] = [];
			modes.forEach((mode, i) => {
				if (mode === 'i' || mode === 'b' || mode === 'v')
					inputs.push({
						name: names[i] ?? '',
						type: regtypes[i],
						hasDefault: false,
						variadic: mode === 'v'
					});
				if (mode === 'o' || mode === 'b' || mode === 't')
					outputs.push({ name: names[i] ?? '', type: types[i], notNull: false, defaultExpr: null });
			});
			for (let i = inputs.length - f.ndefaults; i < inputs.length; i++)
				if (i >= 0) inputs[i].hasDefault = true;
			// PostgREST's schema cache leaves out functions it cannot call by name: more than one
			// unnamed parameter, or one whose type is not bytea, json, jsonb, text or xml.
			const unnamed = inputs.filter((a) => a.name === '');
			const callable = !(
				unnamed.length > 1 ||
				(unnamed.length === 1 &&
					!['bytea', 'json', 'jsonb', 'text', 'xml'].includes(unnamed[0].type))
			);
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
				returnTable: f.ret_rel_name ? { schema: f.ret_rel_schema, name: f.ret_rel_name } : null,
				description: f.description,
				rows: Number(f.rows),
				firstArgType: f.first_arg_type
			};
			allFns.push(fn);
			if (!callable) continue;
			const k = key(f.schema, f.name);
			functions.set(k, [...(functions.get(k) ?? []), fn]);
		}
		for (const list of functions.values()) list.sort(compareFns);
		addComputed(tables, byOid, allFns, rowTypes.rows);
		addViewRelationships(tables, byOid, rowTypes.rows);
		const roleSettings = new Map<string, [string, string][]>();
		for (const s of settings.rows) {
			const list = roleSettings.get(s.role) ?? [];
			for (const entry of s.config as string[]) {
				const eq = entry.indexOf('=');
				if (eq > 0) list.push([entry.slice(0, eq), entry.slice(eq + 1)]);
			}
			roleSettings.set(s.role, list);
		}
		return {
			tables,
			functions,
			roleSettings,
			config,
			types,
			timezones,
			postgis,
			loadedAt: start
		};
	} finally {
		client.release();
	}
}

/** PostgREST's order of overloads: fewer parameters first, then description, then parameters. */
function compareFns(a: Fn, b: Fn): number {
	if (a.args.length !== b.args.length) return a.args.length - b.args.length;
	const da = a.description ?? '';
	const db = b.description ?? '';
	if (da !== db) return a.description === null ? -1 : b.description === null ? 1 : da < db ? -1 : 1;
	for (let i = 0; i < a.args.length; i++) {
		const x = a.args[i];
		const y = b.args[i];
		for (const [p, q] of [
			[x.name, y.name],
			[x.type, y.type]
		])
			if (p !== q) return p < q ? -1 : 1;
		if (x.hasDefault !== y.hasDefault) return x.hasDefault ? 1 : -1;
	}
	return 0;
}

interface RelRow {
	oid: number;
	reltype: number;
	kind: string;
	view_def: string | null;
}

/**
 * Computed fields and relationships: functions of one parameter whose type is a table's or
 * view's row type (docs/local-runtime.md, "Data API"; PostgREST's computed fields and computed
 * relationships). A function returning a table's row type (or a set of them) is a relationship:
 * to-one unless it returns a set with `ROWS` other than 1.
 */
function addComputed(
	tables: Map<string, Table>,
	byOid: Map<number, Table>,
	allFns: Fn[],
	rows: RelRow[]
) {
	const byType = new Map<number, Table>();
	for (const r of rows) {
		const t = byOid.get(r.oid);
		if (t) byType.set(r.reltype, t);
	}
	for (const list of [allFns]) {
		for (const fn of list) {
			if (fn.args.length !== 1 || !fn.firstArgType) continue;
			const t = byType.get(fn.firstArgType);
			if (!t) continue;
			const target =
				fn.returnTable && tables.has(key(fn.returnTable.schema, fn.returnTable.name))
					? fn.returnTable
					: null;
			const c: Computed = { fn, target, toOne: !fn.returnsSet || fn.rows === 1 };
			t.computed.set(fn.name, [...(t.computed.get(fn.name) ?? []), c]);
		}
	}
}

/**
 * The output columns of a view's top query that are plain columns of a relation:
 * `resname → (resorigtbl, resorigcol)` read from the `_RETURN` rule's node tree (the facts
 * PostgREST's view relationships rest on).
 */
export function viewColumnOrigins(def: string): Map<string, { oid: number; attnum: number }> {
	const out = new Map<string, { oid: number; attnum: number }>();
	// Find `:targetList (` of the first QUERY node (brace depth 1), skipping nested queries.
	let depth = 0;
	let start = -1;
	for (let i = 0; i < def.length; i++) {
		const c = def[i];
		if (c === '\\') {
			i++;
			continue;
		}
		if (c === '{') depth++;
		else if (c === '}') depth--;
		else if (depth === 1 && def.startsWith(':targetList (', i)) {
			start = i + ':targetList ('.length;
			break;
		}
	}
	if (start < 0) return out;
	// Each top-level {TARGETENTRY …} of that list.
	let d = 0;
	let entryStart = -1;
	for (let i = start; i < def.length; i++) {
		const c = def[i];
		if (c === '\\') {
			i++;
			continue;
		}
		if (c === '{') {
			if (d === 0) entryStart = i;
			d++;
		} else if (c === '}') {
			d--;
			if (d === 0 && entryStart >= 0) {
				const entry = def.slice(entryStart, i + 1);
				// The entry's own fields follow its expression; take the last occurrences.
				const resname = [...entry.matchAll(/:resname ((?:\\.|[^ ])+)/g)].pop()?.[1];
				const tbl = [...entry.matchAll(/:resorigtbl (\d+)/g)].pop()?.[1];
				const col = [...entry.matchAll(/:resorigcol (\d+)/g)].pop()?.[1];
				const junk = [...entry.matchAll(/:resjunk (\w+)/g)].pop()?.[1];
				if (resname && tbl && col && tbl !== '0' && junk !== 'true')
					out.set(resname.replace(/\\(.)/g, '$1'), { oid: Number(tbl), attnum: Number(col) });
				entryStart = -1;
			}
		} else if (c === ')' && d === 0) break;
	}
	return out;
}

/**
 * Relationships through views (PostgREST's view key dependencies): a view that shows all the
 * columns of a foreign key (or of the key it references) takes part in that relationship, with
 * the same constraint name, as does its primary key.
 */
function addViewRelationships(
	tables: Map<string, Table>,
	byOid: Map<number, Table>,
	rows: RelRow[]
) {
	const views: { view: Table; origins: Map<string, { oid: number; attnum: number }> }[] = [];
	for (const r of rows) {
		const view = byOid.get(r.oid);
		if (!view || r.kind !== 'v' || !r.view_def) continue;
		views.push({ view, origins: viewColumnOrigins(r.view_def) });
	}
	if (!views.length) return;
	/** Base relation (by oid, resolving views of views) and column of each view column. */
	const base = new Map<Table, Map<string, { table: Table; column: string }>>();
	const resolve = (
		oid: number,
		attnum: number,
		seen = 0
	): { table: Table; column: string } | null => {
		const t = byOid.get(oid);
		const name = t?.attnums.get(attnum);
		if (!t || !name) return null;
		if (t.kind !== 'v' || seen > 10) return { table: t, column: name };
		const v = views.find((x) => x.view === t)?.origins.get(name);
		return v ? resolve(v.oid, v.attnum, seen + 1) : null;
	};
	for (const { view, origins } of views) {
		const m = new Map<string, { table: Table; column: string }>();
		for (const [col, o] of origins) {
			const r = resolve(o.oid, o.attnum);
			if (r && r.table.kind !== 'v') m.set(col, r);
		}
		base.set(view, m);
	}
	/** The view's columns showing `cols` of `table`, or null when one is missing. */
	const through = (view: Table, table: Table, cols: string[]): string[] | null => {
		const m = base.get(view)!;
		const out: string[] = [];
		for (const c of cols) {
			const hit = [...m.entries()].find(([, b]) => b.table === table && b.column === c);
			if (!hit) return null;
			out.push(hit[0]);
		}
		return out;
	};
	const allViews = views.map((v) => v.view);
	for (const v of allViews) {
		const fromTables = new Set([...base.get(v)!.values()].map((b) => b.table));
		for (const t of fromTables) {
			if (t.primaryKey.length && !v.primaryKey.length) {
				const pk = through(v, t, t.primaryKey);
				if (pk) v.primaryKey = pk;
			}
			for (const u of t.uniques) {
				const cols = through(v, t, u);
				if (cols) v.uniques.push(cols);
			}
		}
	}
	const realFks = [...tables.values()].flatMap((t) => (t.kind === 'v' ? [] : t.outgoing));
	for (const fk of realFks) {
		const holder = tables.get(key(fk.schema, fk.table));
		const referenced = tables.get(key(fk.refSchema, fk.refTable));
		if (!holder || !referenced) continue;
		const holders: [Table, string[]][] = [[holder, fk.columns]];
		const refs: [Table, string[]][] = [[referenced, fk.refColumns]];
		for (const v of allViews) {
			const h = through(v, holder, fk.columns);
			if (h) holders.push([v, h]);
			const r = through(v, referenced, fk.refColumns);
			if (r) refs.push([v, r]);
		}
		for (const [h, hc] of holders) {
			for (const [r, rc] of refs) {
				if (h === holder && r === referenced) continue;
				const vfk: ForeignKey = {
					name: fk.name,
					schema: h.schema,
					table: h.name,
					columns: hc,
					refSchema: r.schema,
					refTable: r.name,
					refColumns: rc
				};
				h.outgoing.push(vfk);
				r.incoming.push(vfk);
			}
		}
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
