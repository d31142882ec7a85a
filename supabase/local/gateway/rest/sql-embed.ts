/**
 * Embedding: which foreign key (or many-to-many junction) an embed in `select` follows, PGRST200
 * and PGRST201 when none or several fit, and the join condition to the parent level.
 */
import { ApiError } from './errors.ts';
import { findTable, quoteIdent } from './schema.ts';
import type { ForeignKey, SchemaCache, Table } from './schema.ts';
import type { EmbedItem } from './parse-select.ts';
import { CacheMiss } from './sql-core.ts';

export interface Relationship {
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

export function resolveRelationship(
	cache: SchemaCache,
	parent: Table,
	item: EmbedItem
): Relationship {
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
		e.detailList = candidates.map((c) => ({
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

export function joinCondition(r: Relationship, parentAlias: string, childAlias: string): string {
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
