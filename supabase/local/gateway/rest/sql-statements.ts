/**
 * Whole Data API statements, one per request: reads, inserts/upserts, updates, deletes (with the
 * `WHERE` guard and limited mutations) and RPC calls, each answering `total`, `n`, `body` in one
 * row (docs/local-runtime.md, "Data API").
 */
import { ApiError, notImplemented } from './errors.ts';
import { fuzzyBest } from './fuzzy.ts';
import { findTable, quoteIdent } from './schema.ts';
import type { Column, Fn, SchemaCache, Table } from './schema.ts';
import type { MediaKind } from './parse-request.ts';
import type { SelectItem } from './parse-select.ts';
import { CacheMiss, filterSql, Sql, tableSource } from './sql-core.ts';
import type { Mods, Source } from './sql-core.ts';
import { buildLevel, levelSql, orderSql } from './sql-level.ts';

export interface Statement {
	sql: string;
	params: unknown[];
	/** Reads: the unpaged source query, for planned and estimated counts (EXPLAIN). */
	sourceSql?: string;
}

function bodyExpr(media: MediaKind, row: string, scalarColumn?: string): string {
	if (media === 'geojson') {
		// PostgREST's GeoJSON (PostGIS): a FeatureCollection of ST_AsGeoJSON(row).
		return `pg_catalog.json_build_object('type', 'FeatureCollection', 'features', coalesce(pg_catalog.json_agg(st_asgeojson(${row})::json), '[]'))::text`;
	}
	if (media === 'csv') {
		// PostgREST's CSV: the first row's keys as the header, then each row's record text.
		return `(select coalesce(pg_catalog.string_agg(pgrst_k.k, ','), '') from (select pgrst_r from pg_catalog.json_array_elements(pg_catalog.json_agg(${row})) as pgrst_r limit 1) as pgrst_first, pg_catalog.json_object_keys(pgrst_first.pgrst_r) as pgrst_k(k)) || pg_catalog.chr(10) || coalesce(pg_catalog.string_agg(pg_catalog.substring(${row}::text, 2, pg_catalog.length(${row}::text) - 2), pg_catalog.chr(10)), '')`;
	}
	const value = scalarColumn ? `${row}.${quoteIdent(scalarColumn)}` : `${row}.*`;
	const agg = `json_agg(${value})`;
	const stripped = media === 'json-stripped' || media === 'object-stripped';
	const object = media === 'object' || media === 'object-stripped';
	let expr = object ? `(${agg} -> 0)` : `coalesce(${agg}, '[]'::json)`;
	if (stripped) expr = `json_strip_nulls(${expr})`;
	return `${expr}::text`;
}

export interface ReadOptions {
	media: MediaKind;
	count: boolean;
	/** Row cap (null: none, for mutation results). */
	maxRows: number | null;
	/** CTEs the source refers to (function results, mutation results). */
	ctes?: string[];
	/** Extra output columns of the final select, e.g. the upsert's inserted count. */
	extra?: string[];
}

/** Top-level read over `src`: `total`, `n`, `body` (+ extras) in one row. */
export function readStatement(
	q: Sql,
	cache: SchemaCache,
	src: Source,
	items: SelectItem[],
	mods: Mods,
	opts: ReadOptions
): Statement {
	const level = buildLevel(q, cache, src, items, mods, []);
	if (opts.maxRows !== null) level.limit = Math.min(level.limit ?? opts.maxRows, opts.maxRows);
	const count = opts.count ? `(${levelSql(level, { countOnly: true })})` : 'null::bigint';
	const row = 'pgrst_row';
	const ctes = [...(opts.ctes ?? []), `pgrst_source as (${levelSql(level)})`];
	const extra = opts.extra?.length ? `, ${opts.extra.join(', ')}` : '';
	const scalar =
		src.scalarColumn && items.every((i) => i.kind === 'star') ? src.scalarColumn : undefined;
	const sql = `with ${ctes.join(', ')} select ${count} as total, pg_catalog.count(*) as n, ${bodyExpr(opts.media, row, scalar)} as body${extra} from pgrst_source as ${row}`;
	const sourceSql = opts.ctes?.length
		? undefined
		: levelSql({ ...level, limit: null, offset: null });
	return { sql, params: q.params, sourceSql };
}

/**
 * `where` conditions of a mutation (top-level filters only). A top-level `limit`/`offset`
 * restricts the affected rows through their ctids, ordered by `order` (PostgREST's limited
 * update/delete), so it is never silently ignored.
 */
function mutationWhere(q: Sql, cache: SchemaCache, t: Table, alias: string, mods: Mods): string[] {
	for (const k of mods.keys()) {
		const m = mods.get(k)!;
		if (k !== '' && m.filters.length) {
			throw new ApiError(
				400,
				'PGRST108',
				`'${k.split('\u0000').join('.')}' is not an embedded resource in this request`
			);
		}
	}
	const src = tableSource(t);
	const top = mods.get('');
	const where = (top?.filters ?? []).map((f) => filterSql(q, src, alias, f, new Map()));
	if (top && (top.limit !== null || (top.offset ?? 0) > 0)) {
		if (t.kind !== 'r' && t.kind !== 'p') {
			throw notImplemented('A limited update or delete (limit/offset) on a view');
		}
		const inner = q.alias('t');
		const innerWhere = top.filters.map((f) => filterSql(q, src, inner, f, new Map()));
		const order = (top.order ?? []).map((o) => orderSql(q, cache, src, inner, o, new Map()));
		const parts = [`select ${quoteIdent(inner)}.ctid from ${src.from} as ${quoteIdent(inner)}`];
		if (innerWhere.length) parts.push(`where ${innerWhere.join(' and ')}`);
		if (order.length) parts.push(`order by ${order.join(', ')}`);
		if (top.limit !== null) parts.push(`limit ${Number(top.limit)}`);
		if (top.offset) parts.push(`offset ${Number(top.offset)}`);
		where.push(`${quoteIdent(alias)}.ctid = any(array(${parts.join(' ')}))`);
	}
	return where;
}

export interface MutationPlan {
	/** The statement; with `returning`, it yields total/n/body(/inserted) like a read. */
	statement: Statement;
	returning: boolean;
}

function qualified(t: Table): string {
	return `${quoteIdent(t.schema)}.${quoteIdent(t.name)}`;
}

/** What a mutation answers with when it returns rows: `select`, modifiers, media type, count. */
export interface Output {
	items: SelectItem[];
	mods: Mods;
	media: MediaKind;
	count: boolean;
}

function resultStatement(
	q: Sql,
	cache: SchemaCache,
	t: Table,
	mut: string,
	{ items, mods, media, count }: Output,
	extra: string[] = []
): Statement {
	const resultMods: Mods = new Map();
	for (const [k, m] of mods) {
		if (k === '') resultMods.set(k, { filters: [], order: m.order, limit: null, offset: null });
		else resultMods.set(k, m);
	}
	const src: Source = { from: 'pgrst_mut_rows', label: t.name, columns: t.columns, table: t };
	return readStatement(q, cache, src, items, resultMods, {
		media,
		count,
		maxRows: null,
		ctes: [
			`pgrst_mut as (${mut})`,
			'pgrst_mut_rows as (select (pgrst_mut.pgrst_r).* from pgrst_mut)'
		],
		extra
	});
}

export interface InsertInput {
	raw: string;
	columns: string[];
	missingDefault: boolean;
	onConflict: string[] | null;
	resolution: 'merge-duplicates' | 'ignore-duplicates' | null;
}

export function insertStatement(
	q: Sql,
	cache: SchemaCache,
	t: Table,
	input: InsertInput,
	out: Output,
	returning: boolean
): MutationPlan {
	const p = q.bind(input.raw);
	// With missing=default every row gets the columns' defaults under its own keys, evaluated per
	// row as PostgREST does (a sequence advances for every row).
	const defaults = input.missingDefault
		? input.columns
				.map((c) => [c, t.columns.get(c)!.defaultExpr] as const)
				.filter(([, d]) => d !== null)
				.map(([c, d]) => `${q.bind(c)}::text, ${d}`)
		: [];
	const value = defaults.length
		? `pg_catalog.jsonb_build_object(${defaults.join(', ')}) || pgrst_e.value`
		: 'pgrst_e.value';
	const rows = `select ${value} as j, pgrst_e.ord from jsonb_array_elements(case when jsonb_typeof(${p}::jsonb) = 'array' then ${p}::jsonb else jsonb_build_array(${p}::jsonb) end) with ordinality as pgrst_e(value, ord)`;
	const cols = input.columns.map(quoteIdent);
	const values = input.columns.map((c) => `pgrst_rec.${quoteIdent(c)}`);
	// No keys (`{}`, `[{}, {}]`): one row of defaults per object, as PostgREST inserts them.
	let sql = input.columns.length
		? `insert into ${qualified(t)} as pgrst_target (${cols.join(', ')}) select ${values.join(', ')} from (${rows}) as pgrst_in, lateral jsonb_populate_record(null::${qualified(t)}, pgrst_in.j) as pgrst_rec order by pgrst_in.ord`
		: `insert into ${qualified(t)} as pgrst_target select from (${rows}) as pgrst_in order by pgrst_in.ord`;
	const upsert = input.resolution !== null;
	if (upsert) {
		const target = input.onConflict ?? t.primaryKey;
		if (target.length === 0) {
			throw new ApiError(
				400,
				'42P10',
				'there is no unique or exclusion constraint matching the ON CONFLICT specification'
			);
		}
		const sets = input.columns.map((c) => `${quoteIdent(c)} = excluded.${quoteIdent(c)}`);
		sql += ` on conflict (${target.map(quoteIdent).join(', ')}) ${input.resolution === 'ignore-duplicates' || sets.length === 0 ? 'do nothing' : `do update set ${sets.join(', ')}`}`;
	}
	if (!returning && !upsert) return { statement: { sql, params: q.params }, returning: false };
	sql += ` returning pgrst_target as pgrst_r${upsert ? ', (pgrst_target.xmax = 0) as pgrst_ins' : ''}`;
	const extra = upsert
		? ['(select pg_catalog.count(*) from pgrst_mut where pgrst_ins) as inserted']
		: [];
	return {
		statement: resultStatement(q, cache, t, sql, returning ? out : { ...out, items: [] }, extra),
		returning: true
	};
}

/** UPDATE or DELETE of the filtered rows: refused without a filter (pg-safeupdate, 21000). */
function guardedMutation(
	q: Sql,
	cache: SchemaCache,
	t: Table,
	verb: 'UPDATE' | 'DELETE',
	out: Output,
	returning: boolean,
	sqlOf: (alias: string, where: string) => string
): MutationPlan {
	const alias = q.alias('t');
	const where = mutationWhere(q, cache, t, alias, out.mods);
	if (where.length === 0) throw new ApiError(400, '21000', `${verb} requires a WHERE clause`);
	let sql = sqlOf(alias, where.join(' and '));
	if (!returning) return { statement: { sql, params: q.params }, returning: false };
	sql += ` returning ${alias} as pgrst_r`;
	return { statement: resultStatement(q, cache, t, sql, out), returning: true };
}

export function updateStatement(
	q: Sql,
	cache: SchemaCache,
	t: Table,
	raw: string,
	columns: string[],
	out: Output,
	returning: boolean
): MutationPlan {
	return guardedMutation(q, cache, t, 'UPDATE', out, returning, (alias, where) => {
		const p = q.bind(raw);
		const sets = columns.map((c) => `${quoteIdent(c)} = pgrst_body.${quoteIdent(c)}`);
		return `update ${qualified(t)} as ${alias} set ${sets.join(', ')} from jsonb_populate_record(null::${qualified(t)}, ${p}::jsonb) as pgrst_body where ${where}`;
	});
}

export function deleteStatement(
	q: Sql,
	cache: SchemaCache,
	t: Table,
	out: Output,
	returning: boolean
): MutationPlan {
	return guardedMutation(
		q,
		cache,
		t,
		'DELETE',
		out,
		returning,
		(alias, where) => `delete from ${qualified(t)} as ${alias} where ${where}`
	);
}

/** The request body's media type, as far as function resolution cares (PostgREST findProc). */
export type BodyMedia = 'json' | 'text' | 'xml' | 'octet' | 'urlencoded' | 'other';

function sameSet(a: Set<string>, b: Set<string>): boolean {
	return a.size === b.size && [...a].every((x) => b.has(x));
}

/** PostgREST's findProc: the overload the argument names select, or PGRST202 / PGRST203. */
export function resolveFunction(
	cache: SchemaCache,
	schema: string,
	name: string,
	keys: string[],
	post: boolean,
	media: BodyMedia
): Fn {
	const fns = cache.functions.get(`${schema}\u0000${name}`) ?? [];
	const given = new Set(keys);
	const matches = (fn: Fn): boolean => {
		if (fn.args.length === 0)
			return given.size === 0 && !(post && ['octet', 'text', 'xml'].includes(media));
		const required = new Set(fn.args.filter((a) => !a.hasDefault).map((a) => a.name));
		const optional = new Set(fn.args.filter((a) => a.hasDefault).map((a) => a.name));
		if (optional.size === 0) return sameSet(given, required);
		if (required.size === 0) return [...given].every((k) => optional.has(k));
		return sameSet(new Set([...given].filter((k) => !optional.has(k))), required);
	};
	const singleUnnamed = (fn: Fn): boolean => {
		if (!post || fn.args.length !== 1 || fn.args[0].name !== '') return false;
		const t = fn.args[0].type;
		return (
			(media === 'json' && (t === 'json' || t === 'jsonb')) ||
			(media === 'text' && t === 'text') ||
			(media === 'xml' && t === 'xml') ||
			(media === 'octet' && t === 'bytea')
		);
	};
	const named = fns.filter(matches);
	const fallback = fns.filter((f) => !matches(f) && singleUnnamed(f));
	if (named.length === 1) return named[0];
	if (named.length > 1 || fallback.length > 1) throw ambiguousRpc(named.length ? named : fallback);
	if (fallback.length === 1) return fallback[0];
	throw noRpc(cache, schema, name, keys, post, media, fns);
}

function ambiguousRpc(fns: Fn[]): ApiError {
	return new ApiError(
		300,
		'PGRST203',
		`Could not choose the best candidate function between: ${fns
			.map(
				(f) => `${f.schema}.${f.name}(${f.args.map((a) => `${a.name} => ${a.type}`).join(', ')})`
			)
			.join(', ')}`,
		null,
		'Try renaming the parameters or the function itself in the database so function overloading can be resolved'
	);
}

function noRpc(
	cache: SchemaCache,
	schema: string,
	name: string,
	keys: string[],
	post: boolean,
	media: BodyMedia,
	overloads: Fn[]
): CacheMiss {
	const sorted = [...keys].sort();
	const onlySingle = post && ['text', 'xml', 'octet'].includes(media);
	const func = `${schema}.${name}`;
	const prms = sorted.length ? `(${sorted.join(', ')})` : ' without parameters';
	const prmsDet = sorted.length
		? ` with parameter${sorted.length > 1 ? 's' : ''} ${sorted.join(', ')}`
		: ' without parameters';
	const detailTail =
		post && media === 'text'
			? ' with a single unnamed text parameter'
			: post && media === 'xml'
				? ' with a single unnamed xml parameter'
				: post && media === 'octet'
					? ' with a single unnamed bytea parameter'
					: post && media === 'json'
						? `${prmsDet} or with a single unnamed json/jsonb parameter`
						: prmsDet;
	let hint: string | null = null;
	if (!onlySingle) {
		const list = (names: string[]) => `(${[...names].sort().join(', ')})`;
		const best = overloads.length
			? fuzzyBest(
					overloads.map((f) => list(f.args.map((a) => a.name))),
					list(keys)
				)
			: fuzzyBest(
					[...cache.functions.values()]
						.flat()
						.filter((f) => f.schema === schema)
						.map((f) => f.name),
					name,
					0.75
				);
		if (best)
			hint = `Perhaps you meant to call the function ${schema}.${overloads.length ? name : ''}${best}`;
	}
	return new CacheMiss(
		404,
		'PGRST202',
		`Could not find the function ${func}${onlySingle ? '' : prms} in the schema cache`,
		`Searched for the function ${func}${detailTail}, but no matches were found in the schema cache.`,
		hint
	);
}

export interface RpcInput {
	fn: Fn;
	/** JSON object text of the arguments. */
	raw: string;
	keys: string[];
}

/** RPC: `kind` tells execute.ts how to answer (void → 204, scalar → JSON value, rows → read). */
export function rpcStatement(
	q: Sql,
	cache: SchemaCache,
	input: RpcInput,
	items: SelectItem[],
	mods: Mods,
	media: MediaKind,
	count: boolean,
	maxRows: number | null
): { statement: Statement; kind: 'void' | 'scalar' | 'rows' | 'object' } {
	const fn = input.fn;
	const name = `${quoteIdent(fn.schema)}.${quoteIdent(fn.name)}`;
	let call: string;
	let from = '';
	if (fn.args.length === 1 && fn.args[0].name === '') {
		call = `${name}(${q.bind(input.raw)}::${fn.args[0].type})`;
	} else {
		const given = fn.args.filter((a) => input.keys.includes(a.name));
		call = `${name}(${given.map((a) => `${a.variadic ? 'variadic ' : ''}${quoteIdent(a.name)} := pgrst_args.${quoteIdent(a.name)}`).join(', ')})`;
		if (given.length) {
			from = `jsonb_to_record(${q.bind(input.raw)}::jsonb) as pgrst_args(${given.map((a) => `${quoteIdent(a.name)} ${a.type}`).join(', ')})`;
		}
	}
	if (fn.returnKind === 'void') {
		return {
			statement: { sql: `select ${call}${from ? ` from ${from}` : ''}`, params: q.params },
			kind: 'void'
		};
	}
	if (fn.returnKind === 'scalar' && !fn.returnsSet) {
		const sql = `select null::bigint as total, 1 as n, to_json(${call})::text as body${from ? ` from ${from}` : ''}`;
		return { statement: { sql, params: q.params }, kind: 'scalar' };
	}
	const scalar = fn.returnKind === 'scalar';
	const fnCte = `pgrst_fn as materialized (select pgrst_f.* from ${from ? `${from}, lateral ` : ''}${call} as pgrst_f${scalar ? '(pgrst_scalar)' : ''})`;
	const columns = new Map<string, Column>();
	if (scalar)
		columns.set('pgrst_scalar', {
			name: 'pgrst_scalar',
			type: 'unknown',
			notNull: false,
			defaultExpr: null
		});
	for (const c of fn.returnColumns) columns.set(c.name, c);
	const retTable = fn.returnTable
		? (findTable(cache, fn.returnTable.schema, fn.returnTable.name) ?? null)
		: null;
	const src: Source = {
		from: 'pgrst_fn',
		label: fn.name,
		columns,
		table: retTable,
		scalarColumn: scalar ? 'pgrst_scalar' : undefined
	};
	const object = !fn.returnsSet;
	const statement = readStatement(q, cache, src, items, mods, {
		media: object
			? media === 'json-stripped' || media === 'object-stripped'
				? 'object-stripped'
				: 'object'
			: media,
		count,
		maxRows,
		ctes: [fnCte]
	});
	return { statement, kind: object ? 'object' : 'rows' };
}
