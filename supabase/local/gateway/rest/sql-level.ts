/**
 * One level of a read (docs/local-runtime.md, "Data API"): select list, lateral joins for embeds
 * (recursively), filters, order and paging; and its SQL text. Response JSON is built by Postgres
 * (json_agg/row_to_json) so types print like PostgREST's.
 */
import { ApiError } from './errors.ts';
import { quoteIdent } from './schema.ts';
import type { SchemaCache } from './schema.ts';
import type { OrderTerm } from './parse-filter.ts';
import type { EmbedItem, SelectItem } from './parse-select.ts';
import {
	CacheMiss,
	castType,
	columnExpr,
	filterSql,
	outputName,
	pathKey,
	Sql,
	tableSource
} from './sql-core.ts';
import type { Mods, Source } from './sql-core.ts';
import { computedFrom, joinCondition, resolveRelationship } from './sql-embed.ts';
import type { Relationship } from './sql-embed.ts';

export interface EmbedRef {
	item: EmbedItem;
	rel: Relationship;
	lateral: string;
}

export interface Level {
	alias: string;
	from: string;
	select: string[];
	/** Output names of `select`, in order (spreads lift them into the parent). */
	outputs: string[];
	joins: string[];
	where: string[];
	groupBy: string[];
	orderBy: string[];
	limit: number | null;
	offset: number | null;
}

export interface LevelOptions {
	/** Join conditions to the parent. */
	extraWhere?: string[];
	/** Embedding depth (0 for the top level): names aliases in PostgREST's messages. */
	depth?: number;
}

function aggregatesOff(): ApiError {
	return new ApiError(400, 'PGRST123', 'Use of aggregate functions is not allowed');
}

/**
 * Builds one level of a read: select list, lateral joins for embeds (recursively), filters and
 * order of `path`.
 */
export function buildLevel(
	q: Sql,
	cache: SchemaCache,
	src: Source,
	items: SelectItem[],
	mods: Mods,
	path: string[],
	opts: LevelOptions = {}
): Level {
	const depth = opts.depth ?? 0;
	const alias = q.alias('t');
	const level: Level = {
		alias,
		from: src.from,
		select: [],
		outputs: [],
		joins: [],
		where: [...(opts.extraWhere ?? [])],
		groupBy: [],
		orderBy: [],
		limit: null,
		offset: null
	};
	const embeds = new Map<string, EmbedRef>();
	// Aggregate functions group by every other selected field (PostgREST's aggregates).
	const aggregated = items.some(
		(i) => (i.kind === 'column' && i.aggregate) || (i.kind === 'count' && !i.bare)
	);
	if (aggregated && !cache.config.aggregates) throw aggregatesOff();
	const plain: string[] = [];
	/** A value that is not an aggregate: grouped by in an aggregated level. */
	const keep = (expr: string, name: string, groupable: boolean) => {
		if (aggregated && !groupable) {
			level.select.push(`(pg_catalog.array_agg(${expr}))[1] as ${quoteIdent(name)}`);
			plain.push(`(${expr})::text`);
		} else {
			level.select.push(`${expr} as ${quoteIdent(name)}`);
			plain.push(expr);
		}
		level.outputs.push(name);
	};
	const embedNames = new Set<string>();
	for (const item of items) {
		if (item.kind === 'star') {
			if (src.scalarColumn) {
				level.select.push(`${quoteIdent(alias)}.${quoteIdent(src.scalarColumn)}`);
				level.outputs.push(src.scalarColumn);
			} else if (aggregated) {
				for (const c of src.columns.keys()) keep(`${quoteIdent(alias)}.${quoteIdent(c)}`, c, true);
			} else {
				level.select.push(`${quoteIdent(alias)}.*`);
				level.outputs.push(...src.columns.keys());
			}
		} else if (item.kind === 'column') {
			let expr = columnExpr(q, src, alias, item.field);
			if (item.cast) expr = `cast(${expr} as ${castType(item.cast, cache)})`;
			if (item.aggregate) {
				if (!cache.config.aggregates) throw aggregatesOff();
				let agg = `pg_catalog.${item.aggregate}(${expr})`;
				if (item.aggregateCast) agg = `cast(${agg} as ${castType(item.aggregateCast, cache)})`;
				const name = item.alias ?? item.aggregate;
				level.select.push(`${agg} as ${quoteIdent(name)}`);
				level.outputs.push(name);
			} else keep(expr, outputName(item), true);
		} else if (item.kind === 'count') {
			if (item.bare && src.columns.has('count')) {
				keep(columnExpr(q, src, alias, { name: 'count', json: [] }), 'count', true);
			} else {
				let agg = 'pg_catalog.count(*)';
				if (item.cast) agg = `cast(${agg} as ${castType(item.cast, cache)})`;
				const name = item.alias ?? 'count';
				level.select.push(`${agg} as ${quoteIdent(name)}`);
				level.outputs.push(name);
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
			if (embedNames.has(name)) {
				// PostgREST names each embed's subquery <parent>_<name>_<depth>: siblings collide.
				throw new ApiError(
					400,
					'42712',
					`table name "${src.table.name}_${name}_${depth + 1}" specified more than once`
				);
			}
			embedNames.add(name);
			const childPath = [...path, name];
			const lateral = q.alias('e');
			const childSrc: Source = {
				...tableSource(rel.target),
				label: rel.junction ? rel.target.name : `${rel.target.name}_${depth + 1}`
			};
			if (rel.computed) childSrc.from = computedFrom(rel, alias);
			const child = buildLevel(q, cache, childSrc, item.select, mods, childPath, {
				depth: depth + 1
			});
			if (!rel.computed) child.where.unshift(joinCondition(rel, alias, child.alias));
			if (rel.toOne) child.limit = 1;
			const ref = { item, rel, lateral };
			embeds.set(name, ref);
			if (item.alias) embeds.set(item.relation, ref);
			if (item.empty) {
				// Joined for its filters (and !inner), never part of the answer.
				level.joins.push(
					`left join lateral (select true as body from (${levelSql(child)}) as ${q.alias('row')} limit 1) as ${lateral} on true`
				);
				if (item.joinType === 'inner') level.where.push(`${lateral}.body is not null`);
				continue;
			}
			if (item.spread) {
				if (item.joinType === 'inner' && !rel.toOne) {
					throw new ApiError(
						400,
						'PGRST119',
						`A spread operation on '${item.relation}' is not possible`,
						`'${src.table.name}' and '${item.relation}' do not form a many-to-one or one-to-one relationship`
					);
				}
				if (rel.toOne) {
					level.joins.push(`left join lateral (${levelSql(child)}) as ${lateral} on true`);
					for (const c of child.outputs) keep(`${lateral}.${quoteIdent(c)}`, c, false);
				} else {
					// To-many spread: each column becomes an array of the related rows' values.
					const row = q.alias('row');
					const cols = child.outputs.map(
						(c) => `pg_catalog.json_agg(${row}.${quoteIdent(c)}) as ${quoteIdent(c)}`
					);
					level.joins.push(
						`left join lateral (select ${cols.join(', ') || 'null'} from (${levelSql(child)}) as ${row}) as ${lateral} on true`
					);
					for (const c of child.outputs)
						keep(`coalesce(${lateral}.${quoteIdent(c)}, '[]'::json)`, c, false);
				}
				if (item.joinType === 'inner') level.where.push(`${lateral} is not null`);
				continue;
			}
			const row = q.alias('row');
			const agg = rel.toOne ? 'row_to_json' : 'json_agg';
			level.joins.push(
				`left join lateral (select ${agg}(${row}.*) as body from (${levelSql(child)}) as ${row}) as ${lateral} on true`
			);
			keep(rel.toOne ? `${lateral}.body` : `coalesce(${lateral}.body, '[]'::json)`, name, false);
			if (item.joinType === 'inner') level.where.push(`${lateral}.body is not null`);
		}
	}
	if (aggregated) level.groupBy = plain;
	const m = mods.get(pathKey(path));
	if (m) {
		for (const f of m.filters) level.where.push(filterSql(q, src, alias, f, embeds));
		if (m.order) level.orderBy = m.order.map((t) => orderSql(q, cache, src, alias, t, embeds));
		level.limit = m.limit;
		level.offset = m.offset;
	}
	return level;
}

export function orderSql(
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
		const from = e.rel.computed ? computedFrom(e.rel, alias) : targetSrc.from;
		expr = `(select ${col} from ${from} as ${quoteIdent(ta)} where ${joinCondition(e.rel, alias, ta)} limit 1)`;
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
