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
import { joinCondition, resolveRelationship } from './sql-embed.ts';
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
	joins: string[];
	where: string[];
	groupBy: string[];
	orderBy: string[];
	limit: number | null;
	offset: number | null;
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
