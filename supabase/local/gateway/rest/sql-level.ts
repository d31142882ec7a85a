/**
 * Turns parsed Data API requests into one parameterised statement each (SUPABASE_CONTRACTS.md
 * 4.2–4.8). Identifiers come from the schema cache and are quoted; every client value is a bound
 * parameter; response JSON is built by Postgres (json_agg/row_to_json) so types print like
 * PostgREST's.
 */
import { ApiError } from './rest-parse.ts';
import type {
	Condition,
	FieldRef,
	Filter,
	Group,
	OrderTerm,
	SelectItem,
	EmbedItem,
	MediaKind
} from './rest-parse.ts';
import { findTable, quoteIdent } from './rest-schema.ts';
import type { Column, ForeignKey, Fn, SchemaCache, Table } from './rest-schema.ts';

/** A name the schema cache did not know: rest.ts reloads the cache once and retries. */
export class CacheMiss extends ApiError {}

export class Sql {
	params: unknown[] = [];
	private seq = 0;
	bind(value: unknown): string {
		this.params.push(value);
		return `$${this.params.length}`;
	}
	alias(kind: string): string {
		return `pgrst_${kind}_${++this.seq}`;
	}
}

/** Modifiers of one embed level, keyed by the embed path (aliases/relation names). */
export interface LevelMods {
	filters: Filter[];
	order: OrderTerm[] | null;
	limit: number | null;
	offset: number | null;
}

export type Mods = Map<string, LevelMods>;

export const pathKey = (path: string[]) => path.join('\u0000');

export function levelMods(mods: Mods, path: string[]): LevelMods {
	let m = mods.get(pathKey(path));
	if (!m) {
		m = { filters: [], order: null, limit: null, offset: null };
		mods.set(pathKey(path), m);
	}
	return m;
}

/** What a level reads from: a table, or a derived source with the table used for FKs. */
export interface Source {
	/** SQL FROM item (without alias). */
	from: string;
	/** For messages: `public.t` style name of the relation or function. */
	label: string;
	columns: Map<string, Column>;
	/** Table whose FKs embedding may follow (null for sources without one). */
	table: Table | null;
	/** Set for setof-scalar function results: the single value column. */
	scalarColumn?: string;
}

export function tableSource(t: Table): Source {
	return {
		from: `${quoteIdent(t.schema)}.${quoteIdent(t.name)}`,
		label: t.name,
		columns: t.columns,
		table: t
	};
}

const CAST_TYPES: Record<string, string> = {
	text: 'text',
	varchar: 'varchar',
	char: 'char',
	bpchar: 'bpchar',
	name: 'name',
	citext: 'text',
	int: 'integer',
	int4: 'integer',
	integer: 'integer',
	int2: 'smallint',
	smallint: 'smallint',
	int8: 'bigint',
	bigint: 'bigint',
	numeric: 'numeric',
	decimal: 'numeric',
	real: 'real',
	float4: 'real',
	float8: 'double precision',
	float: 'double precision',
	'double precision': 'double precision',
	bool: 'boolean',
	boolean: 'boolean',
	json: 'json',
	jsonb: 'jsonb',
	uuid: 'uuid',
	date: 'date',
	time: 'time',
	timetz: 'timetz',
	timestamp: 'timestamp',
	timestamptz: 'timestamptz',
	interval: 'interval',
	money: 'money',
	inet: 'inet',
	cidr: 'cidr',
	bytea: 'bytea'
};

function castType(text: string): string {
	const array = text.endsWith('[]');
	const base = CAST_TYPES[(array ? text.slice(0, -2) : text).toLowerCase()];
	if (!base) throw new ApiError(400, '42704', `type "${text}" does not exist`);
	return array ? `${base}[]` : base;
}

function unknownColumn(src: Source, name: string): CacheMiss {
	return new CacheMiss(400, '42703', `column ${src.label}.${name} does not exist`);
}

function columnExpr(q: Sql, src: Source, alias: string, field: FieldRef): string {
	if (!src.columns.has(field.name)) throw unknownColumn(src, field.name);
	let expr = `${quoteIdent(alias)}.${quoteIdent(field.name)}`;
	for (const step of field.json) {
		const key = /^-?\d+$/.test(step.key) ? String(Number(step.key)) : `${q.bind(step.key)}::text`;
		expr = `(${expr}${step.arrow}${key})`;
	}
	return expr;
}

function outputName(item: { alias: string | null; field: FieldRef }): string {
	if (item.alias) return item.alias;
	if (item.field.json.length) return item.field.json[item.field.json.length - 1].key;
	return item.field.name;
}

// Relationships ---------------------------------------------------------------------------------

interface Relationship {
	fk: ForeignKey;
	target: Table;
	/** Many-to-many: the junction table, its FK to the parent (`fk`) and its FK to the target. */
	junction?: { table: Table; toTarget: ForeignKey };
	/** true: the parent holds the FK columns (many-to-one). */
	outgoing: boolean;
	toOne: boolean;
}

function isUnique(t: Table, cols: string[]): boolean {
	const same = (k: string[]) => k.length === cols.length && k.every((c) => cols.includes(c));
	return (t.primaryKey.length > 0 && same(t.primaryKey)) || t.uniques.some(same);
}

function resolveRelationship(cache: SchemaCache, parent: Table, item: EmbedItem): Relationship {
	const rel = item.relation;
	const found: Relationship[] = [];
	for (const fk of parent.outgoing) {
		const target = findTable(cache, fk.refSchema, fk.refTable);
		if (!target) continue;
		const matches =
			fk.refTable === rel || fk.name === rel || (fk.columns.length === 1 && fk.columns[0] === rel);
		if (matches) found.push({ fk, target, outgoing: true, toOne: true });
	}
	for (const fk of parent.incoming) {
		const target = findTable(cache, fk.schema, fk.table);
		if (!target) continue;
		if (fk.table === rel || fk.name === rel) {
			found.push({ fk, target, outgoing: false, toOne: isUnique(target, fk.columns) });
		}
	}
	// Many-to-many through a junction whose primary key covers both foreign keys (PostgREST rule).
	for (const fk of parent.incoming) {
		const junction = findTable(cache, fk.schema, fk.table);
		if (!junction || (junction.schema === parent.schema && junction.name === parent.name)) continue;
		for (const toTarget of junction.outgoing) {
			if (toTarget === fk || toTarget.refTable !== rel) continue;
			const target = findTable(cache, toTarget.refSchema, toTarget.refTable);
			if (!target) continue;
			const pk = junction.primaryKey;
			if (![...fk.columns, ...toTarget.columns].every((c) => pk.includes(c))) continue;
			found.push({
				fk,
				target,
				outgoing: false,
				toOne: false,
				junction: { table: junction, toTarget }
			});
		}
	}
	let candidates = found;
	if (item.hint) {
		const h = item.hint;
		candidates = found.filter(
			(r) =>
				r.fk.name === h ||
				(r.fk.columns.length === 1 && r.fk.columns[0] === h) ||
				(r.fk.refColumns.length === 1 && r.fk.refColumns[0] === h) ||
				r.target.name === h ||
				r.junction?.table.name === h ||
				r.junction?.toTarget.name === h
		);
	}
	if (candidates.length === 0) {
		throw new CacheMiss(
			400,
			'PGRST200',
			`Could not find a relationship between '${parent.name}' and '${rel}' in the schema cache`,
			`Searched for a foreign key relationship between '${parent.name}' and '${rel}'${item.hint ? ` using the hint '${item.hint}'` : ''} in the schema '${parent.schema}', but no matches were found.`,
			null
		);
	}
	if (candidates.length > 1) {
		const e = new ApiError(
			300,
			'PGRST201',
			`Could not embed because more than one relationship was found for '${parent.name}' and '${rel}'`,
			null,
			`Try changing '${rel}' to one of the following: ${candidates.map((c) => `'${rel}!${c.fk.name}'`).join(', ')}. Find the desired relationship in the 'details' key.`
		);
		(e as ApiError & { detailList?: unknown }).detailList = candidates.map((c) => ({
			cardinality: c.junction
				? 'many-to-many'
				: c.toOne
					? c.outgoing
						? 'many-to-one'
						: 'one-to-one'
					: 'one-to-many',
			embedding: `${parent.name} with ${c.target.name}`,
			relationship: `${c.fk.name} using ${c.outgoing ? parent.name : c.target.name}(${c.fk.columns.join(', ')}) and ${c.outgoing ? c.target.name : parent.name}(${c.fk.refColumns.join(', ')})`
		}));
		throw e;
	}
	return candidates[0];
}

function joinCondition(r: Relationship, parentAlias: string, childAlias: string): string {
	if (r.junction) {
		const j = `pgrst_j_${childAlias}`;
		const toParent = r.fk.columns.map(
			(col, i) =>
				`${quoteIdent(j)}.${quoteIdent(col)} = ${quoteIdent(parentAlias)}.${quoteIdent(r.fk.refColumns[i])}`
		);
		const toTarget = r.junction.toTarget.columns.map(
			(col, i) =>
				`${quoteIdent(j)}.${quoteIdent(col)} = ${quoteIdent(childAlias)}.${quoteIdent(r.junction!.toTarget.refColumns[i])}`
		);
		const jt = r.junction.table;
		return `exists (select 1 from ${quoteIdent(jt.schema)}.${quoteIdent(jt.name)} as ${quoteIdent(j)} where ${[...toParent, ...toTarget].join(' and ')})`;
	}
	const pairs = r.fk.columns.map((col, i) => {
		const ref = r.fk.refColumns[i];
		return r.outgoing
			? `${quoteIdent(childAlias)}.${quoteIdent(ref)} = ${quoteIdent(parentAlias)}.${quoteIdent(col)}`
			: `${quoteIdent(childAlias)}.${quoteIdent(col)} = ${quoteIdent(parentAlias)}.${quoteIdent(ref)}`;
	});
	return pairs.join(' and ');
}

// Levels ----------------------------------------------------------------------------------------

interface EmbedRef {
	item: EmbedItem;
	rel: Relationship;
	lateral: string;
}

export interface Level {
	alias: string;
	from: string;
	select: string[];
	joins: string[];
	where: string[];
	groupBy: string[];
	orderBy: string[];
	limit: number | null;
	offset: number | null;
}

const OPS: Record<string, string> = {
	eq: '=',
	neq: '<>',
	gt: '>',
	gte: '>=',
	lt: '<',
	lte: '<=',
	like: 'like',
	ilike: 'ilike',
	match: '~',
	imatch: '~*',
	cs: '@>',
	cd: '<@',
	ov: '&&',
	sl: '<<',
	sr: '>>',
	nxr: '&<',
	nxl: '&>',
	adj: '-|-'
};
const FTS: Record<string, string> = {
	fts: 'to_tsquery',
	plfts: 'plainto_tsquery',
	phfts: 'phraseto_tsquery',
	wfts: 'websearch_to_tsquery'
};

function conditionSql(
	q: Sql,
	src: Source,
	alias: string,
	c: Condition,
	embeds: Map<string, EmbedRef>
): string {
	let sql: string;
	const embed = c.field.json.length === 0 ? embeds.get(c.field.name) : undefined;
	if (embed && !src.columns.has(c.field.name)) {
		if (c.op !== 'is' || (c.value !== 'null' && c.value !== 'not_null')) {
			throw new ApiError(
				400,
				'PGRST100',
				'failed to parse filter',
				`only is.null and not.is.null apply to the embedded resource '${c.field.name}'`
			);
		}
		sql = `${embed.lateral}.body is ${c.value === 'null' ? '' : 'not '}null`;
	} else {
		const lhs = c.field.name === '' ? '' : columnExpr(q, src, alias, c.field);
		const value = c.value;
		if (c.op === 'is') {
			sql = `${lhs} is ${({ null: 'null', not_null: 'not null', true: 'true', false: 'false', unknown: 'unknown' } as Record<string, string>)[value as string]}`;
		} else if (c.op === 'in') {
			sql = `${lhs} = any(${q.bind(value)})`;
		} else if (c.op === 'isdistinct') {
			sql = `${lhs} is distinct from ${q.bind(value)}`;
		} else if (FTS[c.op]) {
			const lang = c.language ? `${q.bind(c.language)}::regconfig, ` : '';
			sql = `${lhs} @@ ${FTS[c.op]}(${lang}${q.bind(value)})`;
		} else {
			let v = value as string;
			if (c.op === 'like' || c.op === 'ilike') v = v.replace(/\*/g, '%');
			const op = OPS[c.op];
			if (c.quantifier) {
				const arr = c.op === 'like' || c.op === 'ilike' ? (v.startsWith('{') ? v : `{${v}}`) : v;
				const typed = ['like', 'ilike', 'match', 'imatch'].includes(c.op)
					? `${q.bind(arr)}::text[]`
					: q.bind(arr);
				sql = `${lhs} ${op} ${c.quantifier}(${typed})`;
			} else sql = `${lhs} ${op} ${q.bind(v)}`;
		}
	}
	return c.negate ? `not (${sql})` : sql;
}

function filterSql(
	q: Sql,
	src: Source,
	alias: string,
	f: Filter,
	embeds: Map<string, EmbedRef>
): string {
	if (f.kind === 'cond') return conditionSql(q, src, alias, f, embeds);
	const g = f as Group;
	const parts = g.children.map((child) => filterSql(q, src, alias, child, embeds));
	const body = `(${parts.join(g.op === 'and' ? ' and ' : ' or ')})`;
	return g.negate ? `not ${body}` : body;
}

/**
 * Builds one level of a read: select list, lateral joins for embeds (recursively), filters and
 * order of `path`. `extraWhere` holds join conditions to the parent.
 */
export function buildLevel(
	q: Sql,
	cache: SchemaCache,
	src: Source,
	items: SelectItem[],
	mods: Mods,
	path: string[],
	extraWhere: string[] = []
): Level {
	const alias = q.alias('t');
	const level: Level = {
		alias,
		from: src.from,
		select: [],
		joins: [],
		where: [...extraWhere],
		groupBy: [],
		orderBy: [],
		limit: null,
		offset: null
	};
	const embeds = new Map<string, EmbedRef>();
	let hasAggregate = false;
	const plain: string[] = [];
	for (const item of items) {
		if (item.kind === 'star') {
			if (src.scalarColumn)
				level.select.push(`${quoteIdent(alias)}.${quoteIdent(src.scalarColumn)}`);
			else level.select.push(`${quoteIdent(alias)}.*`);
		} else if (item.kind === 'column') {
			let expr = columnExpr(q, src, alias, item.field);
			if (item.cast) expr = `cast(${expr} as ${castType(item.cast)})`;
			level.select.push(`${expr} as ${quoteIdent(outputName(item))}`);
			plain.push(expr);
		} else if (item.kind === 'count') {
			if (item.bare && src.columns.has('count')) {
				const expr = columnExpr(q, src, alias, { name: 'count', json: [] });
				level.select.push(`${expr} as "count"`);
				plain.push(expr);
			} else {
				hasAggregate = true;
				level.select.push(`pg_catalog.count(*) as ${quoteIdent(item.alias ?? 'count')}`);
			}
		} else {
			if (!src.table) {
				throw new CacheMiss(
					400,
					'PGRST200',
					`Could not find a relationship between '${src.label}' and '${item.relation}' in the schema cache`
				);
			}
			const rel = resolveRelationship(cache, src.table, item);
			const name = item.alias ?? item.relation;
			const childPath = [...path, name];
			const lateral = q.alias('e');
			const child = buildLevel(q, cache, tableSource(rel.target), item.select, mods, childPath, []);
			child.where.unshift(joinCondition(rel, alias, child.alias));
			if (rel.toOne) child.limit = 1;
			if (item.spread) {
				if (!rel.toOne || item.joinType === 'inner') {
					throw new ApiError(
						400,
						'PGRST119',
						`A spread operation on '${item.relation}' is not possible`,
						`'${src.table.name}' and '${item.relation}' do not form a many-to-one or one-to-one relationship, or the spread uses !inner`
					);
				}
				level.joins.push(`left join lateral (${levelSql(child)}) as ${lateral} on true`);
				level.select.push(`${lateral}.*`);
				embeds.set(name, { item, rel, lateral });
				continue;
			}
			const row = q.alias('row');
			const agg = rel.toOne ? 'row_to_json' : 'json_agg';
			level.joins.push(
				`left join lateral (select ${agg}(${row}.*) as body from (${levelSql(child)}) as ${row}) as ${lateral} on true`
			);
			level.select.push(
				rel.toOne
					? `${lateral}.body as ${quoteIdent(name)}`
					: `coalesce(${lateral}.body, '[]'::json) as ${quoteIdent(name)}`
			);
			if (item.joinType === 'inner') level.where.push(`${lateral}.body is not null`);
			const ref = { item, rel, lateral };
			embeds.set(name, ref);
			if (item.alias) embeds.set(item.relation, ref);
		}
	}
	if (hasAggregate) {
		if (items.some((i) => i.kind === 'star' || i.kind === 'embed')) {
			throw new ApiError(
				400,
				'PGRST100',
				'failed to parse select parameter',
				'aggregates cannot be combined with "*" or embedded resources in the local runtime'
			);
		}
		level.groupBy = plain;
	}
	const m = mods.get(pathKey(path));
	if (m) {
		for (const f of m.filters) level.where.push(filterSql(q, src, alias, f, embeds));
		if (m.order) level.orderBy = m.order.map((t) => orderSql(q, cache, src, alias, t, embeds));
		level.limit = m.limit;
		level.offset = m.offset;
	}
	return level;
}

function orderSql(
	q: Sql,
	cache: SchemaCache,
	src: Source,
	alias: string,
	t: OrderTerm,
	embeds: Map<string, EmbedRef>
): string {
	let expr: string;
	if (t.relation) {
		const e = embeds.get(t.relation);
		if (!e || !e.rel.toOne) {
			throw new ApiError(
				400,
				'PGRST118',
				`A related order on '${t.relation}' is not possible`,
				`'${t.relation}' must be an embedded to-one resource in the 'select' query parameter.`
			);
		}
		const ta = q.alias('o');
		const targetSrc = tableSource(e.rel.target);
		const col = columnExpr(q, targetSrc, ta, t.field);
		expr = `(select ${col} from ${targetSrc.from} as ${quoteIdent(ta)} where ${joinCondition(e.rel, alias, ta)} limit 1)`;
	} else expr = columnExpr(q, src, alias, t.field);
	return `${expr} ${t.direction}${t.nulls ? ` nulls ${t.nulls}` : ''}`;
}

/** `select … from … joins where … group by … order by … limit … offset …` of a level. */
export function levelSql(l: Level, opts: { noPaging?: boolean; countOnly?: boolean } = {}): string {
	const parts = [
		`select ${opts.countOnly ? 'pg_catalog.count(*)' : l.select.join(', ') || 'null'}`
	];
	parts.push(`from ${l.from} as ${quoteIdent(l.alias)}`);
	if (l.joins.length) parts.push(l.joins.join(' '));
	if (l.where.length) parts.push(`where ${l.where.join(' and ')}`);
	if (l.groupBy.length && !opts.countOnly) parts.push(`group by ${l.groupBy.join(', ')}`);
	if (!opts.noPaging && !opts.countOnly) {
		if (l.orderBy.length) parts.push(`order by ${l.orderBy.join(', ')}`);
		if (l.limit !== null) parts.push(`limit ${Number(l.limit)}`);
		if (l.offset !== null && l.offset > 0) parts.push(`offset ${Number(l.offset)}`);
	}
	return parts.join(' ');
}

// Statements ------------------------------------------------------------------------------------

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

function resultStatement(
	q: Sql,
	cache: SchemaCache,
	t: Table,
	mut: string,
	items: SelectItem[],
	mods: Mods,
	media: MediaKind,
	count: boolean,
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
	items: SelectItem[],
	mods: Mods,
	media: MediaKind,
	count: boolean,
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
		statement: resultStatement(q, cache, t, sql, returning ? items : [], mods, media, count, extra),
		returning: true
	};
}

export function updateStatement(
	q: Sql,
	cache: SchemaCache,
	t: Table,
	raw: string,
	columns: string[],
	items: SelectItem[],
	mods: Mods,
	media: MediaKind,
	count: boolean,
	returning: boolean
): MutationPlan {
	const alias = q.alias('t');
	const where = mutationWhere(q, cache, t, alias, mods);
	if (where.length === 0) throw new ApiError(400, '21000', 'UPDATE requires a WHERE clause');
	const p = q.bind(raw);
	const sets = columns.map((c) => `${quoteIdent(c)} = pgrst_body.${quoteIdent(c)}`);
	let sql = `update ${qualified(t)} as ${alias} set ${sets.join(', ')} from jsonb_populate_record(null::${qualified(t)}, ${p}::jsonb) as pgrst_body where ${where.join(' and ')}`;
	if (!returning) return { statement: { sql, params: q.params }, returning: false };
	sql += ` returning ${alias} as pgrst_r`;
	return {
		statement: resultStatement(q, cache, t, sql, items, mods, media, count),
		returning: true
	};
}

export function deleteStatement(
	q: Sql,
	cache: SchemaCache,
	t: Table,
	items: SelectItem[],
	mods: Mods,
	media: MediaKind,
	count: boolean,
	returning: boolean
): MutationPlan {
	const alias = q.alias('t');
	const where = mutationWhere(q, cache, t, alias, mods);
	if (where.length === 0) throw new ApiError(400, '21000', 'DELETE requires a WHERE clause');
	let sql = `delete from ${qualified(t)} as ${alias} where ${where.join(' and ')}`;
	if (!returning) return { statement: { sql, params: q.params }, returning: false };
	sql += ` returning ${alias} as pgrst_r`;
	return {
		statement: resultStatement(q, cache, t, sql, items, mods, media, count),
		returning: true
	};
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

/** RPC: `kind` tells rest.ts how to answer (void → 204, scalar → JSON value, rows → read). */
export function rpcStatement(
	q: Sql,
	cache: SchemaCache,
	input: RpcInput,
	items: SelectItem[],
	mods: Mods,
	media: MediaKind,
	count: boolean,
	maxRows: number
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
