/**
 * Whole Data API statements, one per request: reads, inserts/upserts, updates, deletes (with the
 * `WHERE` guard and limited mutations) and RPC calls, each answering `total`, `n`, `body` in one
 * row (docs/local-runtime.md, "Data API").
 */
import { ApiError } from './errors.ts';
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
}

function bodyExpr(media: MediaKind, row: string, scalarColumn?: string): string {
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
	return { sql, params: q.params };
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
			throw new ApiError(
				400,
				'PGRST100',
				'failed to parse limit',
				'limited updates and deletes need a table'
			);
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
	const rows = `select pgrst_e.value as j, pgrst_e.ord from jsonb_array_elements(case when jsonb_typeof(${p}::jsonb) = 'array' then ${p}::jsonb else jsonb_build_array(${p}::jsonb) end) with ordinality as pgrst_e(value, ord)`;
	const cols = input.columns.map(quoteIdent);
	const values = input.columns.map((c) => {
		const col = t.columns.get(c)!;
		if (!input.missingDefault) return `pgrst_rec.${quoteIdent(c)}`;
		return `case when pgrst_in.j ? ${q.bind(c)}::text then pgrst_rec.${quoteIdent(c)} else ${col.defaultExpr ?? 'null'} end`;
	});
	let sql = `insert into ${qualified(t)} as pgrst_target (${cols.join(', ')}) select ${values.join(', ') || 'null'} from (${rows}) as pgrst_in, lateral jsonb_populate_record(null::${qualified(t)}, pgrst_in.j) as pgrst_rec order by pgrst_in.ord`;
	if (input.columns.length === 0)
		sql = `insert into ${qualified(t)} as pgrst_target default values`;
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

/** Picks the overload whose named inputs cover the given keys and whose required inputs are given. */
export function resolveFunction(fns: Fn[], keys: string[], schema: string, name: string): Fn {
	const fits = fns.filter((fn) => {
		if (
			fn.args.length === 1 &&
			fn.args[0].name === '' &&
			['json', 'jsonb'].includes(fn.args[0].type)
		)
			return true;
		const names = fn.args.map((a) => a.name);
		return (
			keys.every((k) => names.includes(k)) &&
			fn.args.every((a) => a.hasDefault || keys.includes(a.name))
		);
	});
	fits.sort((a, b) => a.args.length - b.args.length);
	if (fits.length === 0) {
		throw new CacheMiss(
			404,
			'PGRST202',
			`Could not find the function ${schema}.${name}${keys.length ? `(${[...keys].sort().join(', ')})` : ' without parameters'} in the schema cache`,
			`Searched for the function ${schema}.${name}${keys.length ? ` with parameters ${[...keys].sort().join(', ')}` : ' without parameters'} or with a single unnamed json/jsonb parameter, but no matches were found in the schema cache.`,
			null
		);
	}
	return fits[0];
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
	if (
		fn.args.length === 1 &&
		fn.args[0].name === '' &&
		['json', 'jsonb'].includes(fn.args[0].type)
	) {
		call = `${name}(${q.bind(input.raw)}::${fn.args[0].type})`;
	} else {
		const given = fn.args.filter((a) => input.keys.includes(a.name));
		call = `${name}(${given.map((a) => `${quoteIdent(a.name)} := pgrst_args.${quoteIdent(a.name)}`).join(', ')})`;
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
