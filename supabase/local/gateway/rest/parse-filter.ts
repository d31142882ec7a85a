/**
 * Pure parsers of the Data API's URL grammar, part 2: filters (`col=op.value`, `not.`, `in`
 * lists, quantifiers), `or`/`and` trees, filter keys with embed paths, and `order`.
 */
import { JSON_SPLIT, parseError, parseField, splitTopLevel, unquoteIdent } from './parse-select.ts';
import type { FieldRef } from './parse-select.ts';

export const OPERATORS = [
	'eq',
	'neq',
	'gt',
	'gte',
	'lt',
	'lte',
	'like',
	'ilike',
	'match',
	'imatch',
	'is',
	'isdistinct',
	'in',
	'cs',
	'cd',
	'ov',
	'sl',
	'sr',
	'nxr',
	'nxl',
	'adj',
	'fts',
	'plfts',
	'phfts',
	'wfts'
] as const;

export type Operator = (typeof OPERATORS)[number];

export interface Condition {
	kind: 'cond';
	/** Embed path (aliases/relation names) the column lives under; [] for the top level. */
	path: string[];
	field: FieldRef;
	op: Operator;
	negate: boolean;
	/** `any`/`all` modifier: `like(any).{a,b}`. */
	quantifier: 'any' | 'all' | null;
	/** fts language: `fts(english).word`. */
	language: string | null;
	/** Scalar value, or the list for `in`. */
	value: string | string[];
}

export interface Group {
	kind: 'group';
	path: string[];
	op: 'and' | 'or';
	negate: boolean;
	children: Filter[];
}

export type Filter = Condition | Group;

/** Parses `in` lists: `(a,b,"x,y")` with `\"`/`\\` escapes inside quotes. */
export function parseList(text: string): string[] {
	if (!text.startsWith('(') || !text.endsWith(')'))
		throw parseError('filter', `expected a list in parentheses, got "${text}"`);
	const body = text.slice(1, -1);
	if (body === '') return [];
	const out: string[] = [];
	let i = 0;
	while (i <= body.length) {
		if (body[i] === '"') {
			let value = '';
			i++;
			while (i < body.length && body[i] !== '"') {
				if (body[i] === '\\' && i + 1 < body.length) i++;
				value += body[i++];
			}
			if (body[i] !== '"') throw parseError('filter', `unterminated quote in "${text}"`);
			i++;
			out.push(value);
			if (i < body.length && body[i] !== ',')
				throw parseError('filter', `unexpected text after quoted value in "${text}"`);
			i++;
		} else {
			const end = body.indexOf(',', i);
			const stop = end === -1 ? body.length : end;
			out.push(body.slice(i, stop));
			i = stop + 1;
		}
	}
	return out;
}

function unquoteValue(text: string): string {
	if (text.length >= 2 && text.startsWith('"') && text.endsWith('"')) {
		return text.slice(1, -1).replace(/\\(.)/g, '$1');
	}
	return text;
}

/** `op.value` / `not.op.value` for the column `field` (already parsed from the key). */
export function parseOperation(
	path: string[],
	field: FieldRef,
	text: string,
	inLogicTree = false
): Condition {
	let rest = text;
	let negate = false;
	if (rest.startsWith('not.')) {
		negate = true;
		rest = rest.slice(4);
	}
	const dot = rest.indexOf('.');
	if (dot < 0) throw parseError('filter', `"${text}" has no operator`);
	const opText = rest.slice(0, dot);
	let value = rest.slice(dot + 1);
	const m = /^([a-z]+)(?:\((any|all|[a-zA-Z_][a-zA-Z0-9_]*)\))?$/.exec(opText);
	if (!m || !(OPERATORS as readonly string[]).includes(m[1])) {
		throw parseError('filter', `unknown operator "${opText}" in "${text}"`);
	}
	const op = m[1] as Operator;
	let quantifier: 'any' | 'all' | null = null;
	let language: string | null = null;
	if (m[2]) {
		if (['fts', 'plfts', 'phfts', 'wfts'].includes(op)) language = m[2];
		else if (
			(m[2] === 'any' || m[2] === 'all') &&
			['eq', 'neq', 'gt', 'gte', 'lt', 'lte', 'like', 'ilike', 'match', 'imatch'].includes(op)
		) {
			quantifier = m[2];
		} else throw parseError('filter', `unexpected modifier "(${m[2]})" in "${text}"`);
	}
	if (op === 'in')
		return { kind: 'cond', path, field, op, negate, quantifier, language, value: parseList(value) };
	if (op === 'is') {
		const v = value.toLowerCase();
		if (!['null', 'not_null', 'true', 'false', 'unknown'].includes(v)) {
			throw parseError(
				'filter',
				`"is" accepts null, not_null, true, false or unknown, got "${value}"`
			);
		}
		value = v;
	} else if (inLogicTree) value = unquoteValue(value);
	return { kind: 'cond', path, field, op, negate, quantifier, language, value };
}

/** A logic tree value: `(a.eq.1,or(b.gt.2,c.is.null))` below `op` (`and`/`or`). */
export function parseLogic(path: string[], op: 'and' | 'or', negate: boolean, text: string): Group {
	if (!text.startsWith('(') || !text.endsWith(')')) {
		throw parseError('logic tree', `expected "(…)" for ${op}, got "${text}"`);
	}
	const children = splitTopLevel(text.slice(1, -1)).map((item): Filter => {
		const g = /^(not\.)?(and|or)(\(.*\))$/s.exec(item);
		if (g) return parseLogic(path, g[2] as 'and' | 'or', !!g[1], g[3]);
		// `field.op.value`: the field ends at the first '.' (JSON keys in trees cannot hold dots).
		const dot = item.indexOf('.');
		if (dot <= 0) throw parseError('logic tree', `"${item}" is not "column.operator.value"`);
		return parseOperation(path, parseField(item.slice(0, dot)), item.slice(dot + 1), true);
	});
	if (
		children.length === 0 ||
		(children.length === 1 && (children[0] as Condition).field?.name === '')
	) {
		throw parseError('logic tree', `empty ${op}`);
	}
	return { kind: 'group', path, op, negate, children };
}

/** Splits a filter key `rel.sub.col->>k` into the embed path and the field. */
export function splitKey(key: string): { path: string[]; last: string } {
	const arrow = key.search(JSON_SPLIT);
	const head = arrow === -1 ? key : key.slice(0, arrow);
	const tail = arrow === -1 ? '' : key.slice(arrow);
	const segs = head.split('.');
	const last = segs.pop() + tail;
	return { path: segs, last };
}

export interface OrderTerm {
	/** Set for `rel(col)` terms: order by a to-one embed's column. */
	relation: string | null;
	field: FieldRef;
	direction: 'asc' | 'desc';
	nulls: 'first' | 'last' | null;
}

export function parseOrder(text: string): OrderTerm[] {
	return splitTopLevel(text).map((raw) => {
		if (!raw) throw parseError('order', `empty term in "${text}"`);
		const segs = raw.split('.');
		let nulls: 'first' | 'last' | null = null;
		let direction: 'asc' | 'desc' = 'asc';
		const lastSeg = segs[segs.length - 1];
		if (lastSeg === 'nullsfirst' || lastSeg === 'nullslast') {
			nulls = lastSeg === 'nullsfirst' ? 'first' : 'last';
			segs.pop();
		}
		const dir = segs[segs.length - 1];
		if (segs.length > 1 && (dir === 'asc' || dir === 'desc')) {
			direction = dir;
			segs.pop();
		}
		const fieldText = segs.join('.');
		const rel = /^([^()]+)\(([^()]+)\)$/.exec(fieldText);
		if (rel) return { relation: unquoteIdent(rel[1]), field: parseField(rel[2]), direction, nulls };
		if (fieldText.includes('(') || fieldText.includes(')'))
			throw parseError('order', `unexpected "${raw}"`);
		return { relation: null, field: parseField(fieldText), direction, nulls };
	});
}
