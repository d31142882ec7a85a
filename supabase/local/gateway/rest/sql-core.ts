/**
 * Building blocks of the Data API's SQL (docs/local-runtime.md, "Data API"): bound parameters
 * and aliases, per-level modifiers, sources, casts, column expressions and filter conditions.
 * Identifiers come from the schema cache and are quoted; every client value is a bound parameter.
 */
import { ApiError } from './errors.ts';
import { quoteIdent } from './schema.ts';
import type { Column, SchemaCache, Table } from './schema.ts';
import type { Condition, Filter, Group, OrderTerm } from './parse-filter.ts';
import type { FieldRef } from './parse-select.ts';
import type { EmbedRef } from './sql-level.ts';

/** A name the schema cache did not know: handler.ts reloads the cache once and retries. */
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

/**
 * A cast's type: a common alias, or any type the schema cache knows by name (as PostgreSQL
 * resolves it: pg_catalog, the exposed schemas, the extra search path), quoted. Unknown names
 * answer PostgreSQL's 42704, as PostgREST passes them on.
 */
export function castType(text: string, cache?: SchemaCache): string {
	const array = text.endsWith('[]');
	const name = (array ? text.slice(0, -2) : text).trim();
	let base = CAST_TYPES[name.toLowerCase()];
	if (!base) {
		const t = cache?.types.get(name) ?? cache?.types.get(name.toLowerCase());
		if (t) base = `${quoteIdent(t.schema)}.${quoteIdent(t.name)}`;
	}
	if (!base) throw new ApiError(400, '42704', `type "${text}" does not exist`);
	return array ? `${base}[]` : base;
}

function unknownColumn(src: Source, name: string): CacheMiss {
	return new CacheMiss(400, '42703', `column ${src.label}.${name} does not exist`);
}

export function columnExpr(q: Sql, src: Source, alias: string, field: FieldRef): string {
	let expr = `${quoteIdent(alias)}.${quoteIdent(field.name)}`;
	if (!src.columns.has(field.name)) {
		// A computed field: a function taking the row (PostgREST's computed fields).
		const fn = src.table?.computed.get(field.name)?.[0]?.fn;
		if (!fn || src.scalarColumn) throw unknownColumn(src, field.name);
		expr = `${quoteIdent(fn.schema)}.${quoteIdent(fn.name)}(${quoteIdent(alias)})`;
	}
	for (const step of field.json) {
		const key = /^-?\d+$/.test(step.key) ? String(Number(step.key)) : `${q.bind(step.key)}::text`;
		expr = `(${expr}${step.arrow}${key})`;
	}
	return expr;
}

export function outputName(item: { alias: string | null; field: FieldRef }): string {
	if (item.alias) return item.alias;
	if (item.field.json.length) return item.field.json[item.field.json.length - 1].key;
	return item.field.name;
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

export function filterSql(
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
