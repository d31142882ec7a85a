/**
 * Embedding: which relationship an embed in `select` follows, chosen by PostgREST's rules
 * (docs/local-runtime.md, "Data API", "Embedding"): foreign keys in both directions (also through
 * views that show the key's columns), many-to-many through a junction, computed relationships
 * (functions taking the parent's row), self-relationships (the table's name means its children,
 * the FK column's name its parent), PGRST200 when none fits and 300 PGRST201 when several do.
 */
import { ApiError } from './errors.ts';
import { fuzzyBest } from './fuzzy.ts';
import { findTable, quoteIdent } from './schema.ts';
import type { Computed, ForeignKey, SchemaCache, Table } from './schema.ts';
import type { EmbedItem } from './parse-select.ts';
import { CacheMiss } from './sql-core.ts';

export type Cardinality = 'many-to-one' | 'one-to-many' | 'one-to-one' | 'many-to-many';

export interface Relationship {
	/** The foreign key followed (absent for computed relationships). */
	fk: ForeignKey;
	target: Table;
	/** Many-to-many: the junction table, its FK to the parent (`fk`) and its FK to the target. */
	junction?: { table: Table; toTarget: ForeignKey };
	/** A function of the parent's row returning the target's rows. */
	computed?: Computed;
	/** true: the parent holds the FK columns (many-to-one). */
	outgoing: boolean;
	toOne: boolean;
	cardinality: Cardinality;
	/** (parent column, target column) pairs. */
	pairs: [string, string][];
}

function isUnique(t: Table, cols: string[]): boolean {
	const same = (k: string[]) => k.length === cols.length && k.every((c) => cols.includes(c));
	return (t.primaryKey.length > 0 && same(t.primaryKey)) || t.uniques.some(same);
}

const sameTable = (a: Table, b: Table) => a.schema === b.schema && a.name === b.name;

/** Every relationship of `parent`, as PostgREST's schema cache lists them. */
export function relationshipsOf(cache: SchemaCache, parent: Table): Relationship[] {
	const out: Relationship[] = [];
	// Direct foreign keys: the parent's own (to one) first, then those pointing at it (to many,
	// or to one when the referencing columns are unique).
	const direct: [ForeignKey, boolean][] = [
		...parent.outgoing.map((fk): [ForeignKey, boolean] => [fk, true]),
		...parent.incoming.map((fk): [ForeignKey, boolean] => [fk, false])
	];
	for (const [fk, outgoing] of direct) {
		const target = outgoing
			? findTable(cache, fk.refSchema, fk.refTable)
			: findTable(cache, fk.schema, fk.table);
		if (!target) continue;
		const o2o = isUnique(outgoing ? parent : target, fk.columns);
		const [mine, theirs] = outgoing ? [fk.columns, fk.refColumns] : [fk.refColumns, fk.columns];
		out.push({
			fk,
			target,
			outgoing,
			toOne: outgoing || o2o,
			cardinality: o2o ? 'one-to-one' : outgoing ? 'many-to-one' : 'one-to-many',
			pairs: mine.map((c, i) => [c, theirs[i]])
		});
	}
	// Many-to-many through a junction whose primary key covers both foreign keys.
	for (const fk of parent.incoming) {
		const junction = findTable(cache, fk.schema, fk.table);
		if (!junction || sameTable(junction, parent) || junction.kind === 'v') continue;
		for (const toTarget of junction.outgoing) {
			if (toTarget === fk) continue;
			const target = findTable(cache, toTarget.refSchema, toTarget.refTable);
			if (!target || sameTable(target, junction)) continue;
			const pk = junction.primaryKey;
			if (![...fk.columns, ...toTarget.columns].every((c) => pk.includes(c))) continue;
			out.push({
				fk,
				target,
				outgoing: false,
				toOne: false,
				cardinality: 'many-to-many',
				junction: { table: junction, toTarget },
				pairs: []
			});
		}
	}
	return out;
}

function computedRelationships(cache: SchemaCache, parent: Table, name: string): Relationship[] {
	const out: Relationship[] = [];
	for (const c of parent.computed.get(name) ?? []) {
		if (!c.target) continue;
		const target = findTable(cache, c.target.schema, c.target.name);
		if (!target) continue;
		out.push({
			fk: {
				name: c.fn.name,
				schema: parent.schema,
				table: parent.name,
				columns: [],
				refSchema: target.schema,
				refTable: target.name,
				refColumns: []
			},
			target,
			computed: c,
			outgoing: true,
			toOne: c.toOne,
			cardinality: c.toOne ? 'many-to-one' : 'one-to-many',
			pairs: []
		});
	}
	return out;
}

/** PostgREST's findRel: the relationship `item` names (relation, optional hint) from `parent`. */
export function resolveRelationship(
	cache: SchemaCache,
	parent: Table,
	item: EmbedItem
): Relationship {
	const target = item.relation;
	const hint = item.hint;
	const all = relationshipsOf(cache, parent);
	const single = (r: Relationship, side: 0 | 1) => (r.pairs.length === 1 ? r.pairs[0][side] : null);
	const candidates = [
		...computedRelationships(cache, parent, target),
		...all.filter((r) => {
			const m2m = r.cardinality === 'many-to-many';
			const cons = m2m ? null : r.fk.name;
			if (sameTable(r.target, parent) && !m2m) {
				if (hint === null)
					return (
						(target === r.target.name && r.cardinality === 'one-to-many') ||
						(single(r, 0) === target && r.cardinality === 'many-to-one')
					);
				return target === r.target.name && r.cardinality === 'one-to-many' && single(r, 1) === hint;
			}
			const isView = r.target.kind === 'v';
			if (hint === null)
				return (
					target === r.target.name ||
					(cons === target && !isView) ||
					(single(r, 0) === target && !isView)
				);
			return (
				target === r.target.name &&
				(cons === hint ||
					single(r, 0) === hint ||
					single(r, 1) === hint ||
					(m2m && r.junction!.table.name === hint))
			);
		})
	];
	if (candidates.length === 0) {
		// "Perhaps you meant …" only when the hint is not the problem (PostgREST noRelBetweenHint).
		const names = all.map((r) => r.target.name);
		const suggestion = names.includes(target) ? null : fuzzyBest(names, target);
		throw new CacheMiss(
			400,
			'PGRST200',
			`Could not find a relationship between '${parent.name}' and '${target}' in the schema cache`,
			`Searched for a foreign key relationship between '${parent.name}' and '${target}'${hint ? ` using the hint '${hint}'` : ''} in the schema '${parent.schema}', but no matches were found.`,
			suggestion ? `Perhaps you meant '${suggestion}' instead of '${target}'.` : null
		);
	}
	if (candidates.length > 1) {
		const e = new ApiError(
			300,
			'PGRST201',
			`Could not embed because more than one relationship was found for '${parent.name}' and '${target}'`,
			null,
			`Try changing '${target}' to one of the following: ${candidates
				.map((c) => `'${c.target.name}!${c.junction ? c.junction.table.name : c.fk.name}'`)
				.join(', ')}. Find the desired relationship in the 'details' key.`
		);
		const cols = (cs: string[]) => `(${cs.join(', ')})`;
		e.detailList = candidates.map((c) => ({
			cardinality: c.cardinality,
			embedding: `${parent.name} with ${c.target.name}`,
			relationship: c.junction
				? `${c.junction.table.name} using ${c.fk.name}${cols(c.fk.columns)} and ${c.junction.toTarget.name}${cols(c.junction.toTarget.columns)}`
				: `${c.fk.name} using ${parent.name}${cols(c.pairs.map((p) => p[0]))} and ${c.target.name}${cols(c.pairs.map((p) => p[1]))}`
		}));
		throw e;
	}
	return candidates[0];
}

/** The child level's FROM for a computed relationship: the function of the parent's row. */
export function computedFrom(r: Relationship, parentAlias: string): string {
	const fn = r.computed!.fn;
	return `${quoteIdent(fn.schema)}.${quoteIdent(fn.name)}(${quoteIdent(parentAlias)})`;
}

export function joinCondition(r: Relationship, parentAlias: string, childAlias: string): string {
	if (r.computed) return 'true';
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
	return r.pairs
		.map(
			([p, c]) =>
				`${quoteIdent(childAlias)}.${quoteIdent(c)} = ${quoteIdent(parentAlias)}.${quoteIdent(p)}`
		)
		.join(' and ');
}
