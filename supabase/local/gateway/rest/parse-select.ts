/**
 * Pure parsers of the Data API's URL grammar (SUPABASE_CONTRACTS.md 4.2–4.5): `select`, filters,
 * `or`/`and` trees, `order`, `Prefer`, `Range`. Nothing here touches SQL; rest-sql.ts resolves the
 * parsed names against the schema cache before any of them reaches a statement.
 */

/** A client mistake in the request grammar; rest.ts turns it into the PostgREST error body. */
export class ApiError extends Error {
	status: number;
	code: string;
	details: string | null;
	hint: string | null;
	headers: Record<string, string>;
	constructor(
		status: number,
		code: string,
		message: string,
		details: string | null = null,
		hint: string | null = null,
		headers: Record<string, string> = {}
	) {
		super(message);
		this.status = status;
		this.code = code;
		this.details = details;
		this.hint = hint;
		this.headers = headers;
	}
}

function parseError(what: string, details: string): ApiError {
	return new ApiError(400, 'PGRST100', `failed to parse ${what}`, details);
}

export interface JsonStep {
	arrow: '->' | '->>';
	key: string;
}

/** A column reference with an optional JSON path: `data->a->>b`. */
export interface FieldRef {
	name: string;
	json: JsonStep[];
}

export interface ColumnItem {
	kind: 'column';
	alias: string | null;
	field: FieldRef;
	cast: string | null;
}

export interface StarItem {
	kind: 'star';
}

/** `count()` aggregate (also the bare `count` inside an embed, PostgREST's `rel(count)`). */
export interface CountItem {
	kind: 'count';
	alias: string | null;
	bare: boolean;
}

export interface EmbedItem {
	kind: 'embed';
	alias: string | null;
	relation: string;
	hint: string | null;
	joinType: 'left' | 'inner';
	/** `...rel(cols)`: the to-one embed's columns are spread into the parent object. */
	spread?: boolean;
	select: SelectItem[];
}

export type SelectItem = ColumnItem | StarItem | CountItem | EmbedItem;

const JSON_SPLIT = /(->>|->)/;

/** `data->a->>b` → name `data`, steps [{->,a},{->>,b}]. */
export function parseField(text: string): FieldRef {
	const parts = text.split(JSON_SPLIT);
	const name = unquoteIdent(parts[0]);
	const json: JsonStep[] = [];
	for (let i = 1; i < parts.length; i += 2) {
		const key = parts[i + 1];
		if (key === undefined || key === '') throw parseError('select', `empty JSON key in "${text}"`);
		json.push({ arrow: parts[i] as '->' | '->>', key: unquoteIdent(key) });
	}
	if (!name) throw parseError('select', `empty column name in "${text}"`);
	return { name, json };
}

function unquoteIdent(text: string): string {
	if (text.length >= 2 && text.startsWith('"') && text.endsWith('"')) {
		return text.slice(1, -1).replace(/\\(.)/g, '$1');
	}
	return text;
}

/** Splits on `sep` at nesting depth 0, outside double quotes. */
export function splitTopLevel(text: string, sep = ','): string[] {
	const out: string[] = [];
	let depth = 0;
	let quoted = false;
	let start = 0;
	for (let i = 0; i < text.length; i++) {
		const ch = text[i];
		if (quoted) {
			if (ch === '\\') i++;
			else if (ch === '"') quoted = false;
			continue;
		}
		if (ch === '"') quoted = true;
		else if (ch === '(') depth++;
		else if (ch === ')') depth--;
		else if (ch === sep && depth === 0) {
			out.push(text.slice(start, i));
			start = i + 1;
		}
		if (depth < 0) throw parseError('parameter', `unbalanced parentheses in "${text}"`);
	}
	if (quoted || depth !== 0)
		throw parseError('parameter', `unbalanced quotes or parentheses in "${text}"`);
	out.push(text.slice(start));
	return out;
}

/** Index of the first `ch` outside double quotes, or -1. */
function indexOutsideQuotes(text: string, ch: string, from = 0): number {
	let quoted = false;
	for (let i = from; i < text.length; i++) {
		const c = text[i];
		if (quoted) {
			if (c === '\\') i++;
			else if (c === '"') quoted = false;
		} else if (c === '"') quoted = true;
		else if (text.startsWith(ch, i)) return i;
	}
	return -1;
}

export function parseSelect(text: string | null): SelectItem[] {
	if (text === null || text === '') return [{ kind: 'star' }];
	const items = splitTopLevel(text).map((raw) => {
		if (raw === '') throw parseError('select', `empty item in "${text}"`);
		return parseSelectItem(raw);
	});
	return items;
}

function parseSelectItem(raw: string): SelectItem {
	if (raw === '*') return { kind: 'star' };
	if (raw.startsWith('...')) {
		const inner = parseSelectItem(raw.slice(3));
		if (inner.kind !== 'embed' || inner.alias)
			throw parseError(
				'select',
				`"..." applies to an embedded resource without alias, got "${raw}"`
			);
		return { ...inner, spread: true };
	}
	let rest = raw;
	let alias: string | null = null;
	// `alias:rest`, but not the `::` of a cast.
	const colon = indexOutsideQuotes(rest, ':');
	if (colon > 0 && rest[colon + 1] !== ':') {
		const paren = indexOutsideQuotes(rest, '(');
		if (paren === -1 || colon < paren) {
			alias = unquoteIdent(rest.slice(0, colon));
			rest = rest.slice(colon + 1);
			if (!alias) throw parseError('select', `empty alias in "${raw}"`);
		}
	}
	const paren = indexOutsideQuotes(rest, '(');
	if (paren >= 0) {
		if (!rest.endsWith(')')) throw parseError('select', `unexpected text after ")" in "${raw}"`);
		const head = rest.slice(0, paren);
		const inner = rest.slice(paren + 1, -1);
		if (head === 'count' && inner === '') return { kind: 'count', alias, bare: false };
		const parts = head.split('!');
		const relation = unquoteIdent(parts[0]);
		if (!relation) throw parseError('select', `empty relation in "${raw}"`);
		let hint: string | null = null;
		let joinType: 'left' | 'inner' = 'left';
		for (const part of parts.slice(1)) {
			if (part === 'inner') joinType = 'inner';
			else if (part === 'left') joinType = 'left';
			else if (part && hint === null) hint = unquoteIdent(part);
			else throw parseError('select', `unexpected "!${part}" in "${raw}"`);
		}
		return {
			kind: 'embed',
			alias,
			relation,
			hint,
			joinType,
			select: parseSelect(inner === '' ? '*' : inner)
		};
	}
	let cast: string | null = null;
	const castAt = indexOutsideQuotes(rest, '::');
	if (castAt >= 0) {
		cast = rest.slice(castAt + 2);
		rest = rest.slice(0, castAt);
		if (!/^[a-zA-Z_][a-zA-Z0-9_ ]*(\[\])?$/.test(cast))
			throw parseError('select', `invalid cast "${cast}"`);
	}
	if (rest === 'count' && alias === null && cast === null) {
		return { kind: 'count', alias: null, bare: true };
	}
	return { kind: 'column', alias, field: parseField(rest), cast };
}

// Filters ---------------------------------------------------------------------------------------

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

// Order -----------------------------------------------------------------------------------------

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

// Prefer, Range, Accept -------------------------------------------------------------------------

export interface Preferences {
	return: 'minimal' | 'representation' | 'headers-only' | null;
	count: 'exact' | 'planned' | 'estimated' | null;
	resolution: 'merge-duplicates' | 'ignore-duplicates' | null;
	missing: 'default' | 'null' | null;
	tx: 'commit' | 'rollback' | null;
	handling: 'strict' | 'lenient' | null;
	maxAffected: number | null;
	applied: string[];
	invalid: string[];
}

export function parsePrefer(header: string | string[] | undefined): Preferences {
	const prefs: Preferences = {
		return: null,
		count: null,
		resolution: null,
		missing: null,
		tx: null,
		handling: null,
		maxAffected: null,
		applied: [],
		invalid: []
	};
	const raw = Array.isArray(header) ? header.join(',') : (header ?? '');
	for (const token of raw
		.split(',')
		.map((t) => t.trim())
		.filter(Boolean)) {
		const [name, value = ''] = token.split('=').map((t) => t.trim());
		let ok = true;
		if (name === 'return' && ['minimal', 'representation', 'headers-only'].includes(value))
			prefs.return = value as Preferences['return'];
		else if (name === 'count' && ['exact', 'planned', 'estimated'].includes(value))
			prefs.count = value as Preferences['count'];
		else if (name === 'resolution' && ['merge-duplicates', 'ignore-duplicates'].includes(value))
			prefs.resolution = value as Preferences['resolution'];
		else if (name === 'missing' && ['default', 'null'].includes(value))
			prefs.missing = value as Preferences['missing'];
		else if (name === 'tx' && ['commit', 'rollback'].includes(value))
			prefs.tx = value as Preferences['tx'];
		else if (name === 'handling' && ['strict', 'lenient'].includes(value))
			prefs.handling = value as Preferences['handling'];
		else if (name === 'max-affected' && /^\d+$/.test(value)) prefs.maxAffected = Number(value);
		else ok = false;
		if (ok) prefs.applied.push(`${name}=${value}`);
		else prefs.invalid.push(token);
	}
	return prefs;
}

/** `Range: 0-9` → offset 0, limit 10; `5-` → offset 5. */
export function parseRange(
	header: string | undefined
): { offset: number; limit: number | null } | null {
	if (!header) return null;
	const m = /^(?:items=)?\s*(\d+)-(\d*)\s*$/.exec(header);
	if (!m) return null;
	const from = Number(m[1]);
	const to = m[2] === '' ? null : Number(m[2]);
	if (to !== null && to < from)
		throw new ApiError(416, 'PGRST103', 'Requested range not satisfiable', null, null);
	return { offset: from, limit: to === null ? null : to - from + 1 };
}

export type MediaKind = 'json' | 'object' | 'object-stripped' | 'json-stripped';

/** Picks the first acceptable media type of `Accept`, else 406 PGRST107. */
export function negotiate(accept: string | undefined): MediaKind {
	if (!accept || !accept.trim()) return 'json';
	const entries = accept
		.split(',')
		.map((t) => t.trim())
		.filter(Boolean);
	for (const entry of entries) {
		const [type, ...params] = entry.split(';').map((t) => t.trim().toLowerCase());
		const stripped = params.includes('nulls=stripped');
		if (type === '*/*' || type === 'application/json' || type === 'application/*')
			return stripped ? 'json-stripped' : 'json';
		if (type === 'application/vnd.pgrst.array+json') return stripped ? 'json-stripped' : 'json';
		if (type === 'application/vnd.pgrst.object+json' || type === 'application/vnd.pgrst.object') {
			return stripped ? 'object-stripped' : 'object';
		}
	}
	throw new ApiError(
		406,
		'PGRST107',
		`None of these media types are available: ${entries.join(', ')}`
	);
}

/** Parses a non-negative integer query parameter. */
export function parseNonNegative(name: string, text: string): number {
	if (!/^-?\d+$/.test(text)) throw parseError(name, `"${text}" is not an integer`);
	const n = Number(text);
	if (n < 0) {
		throw new ApiError(
			416,
			'PGRST103',
			'Requested range not satisfiable',
			`${name === 'limit' ? 'Limit' : 'Offset'} should be greater than or equal to zero.`
		);
	}
	return n;
}
