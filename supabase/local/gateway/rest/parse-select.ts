/**
 * Pure parsers of the Data API's URL grammar, part 1 (docs/local-runtime.md, "Data API"): field
 * references (`data->a->>b`), top-level splitting, and the `select` parameter with casts,
 * aliases, embeds and counts. Nothing here touches SQL; sql-*.ts resolves the parsed names
 * against the schema cache before any of them reaches a statement.
 */
import { ApiError } from './errors.ts';

export function parseError(what: string, details: string): ApiError {
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

export type AggregateName = 'count' | 'sum' | 'avg' | 'max' | 'min';

export interface ColumnItem {
	kind: 'column';
	alias: string | null;
	field: FieldRef;
	cast: string | null;
	/** `col.sum()` etc. (PostgREST aggregate functions; refused unless db-aggregates-enabled). */
	aggregate?: AggregateName;
	/** `col.sum()::text`: cast of the aggregate's result. */
	aggregateCast?: string | null;
}

export interface StarItem {
	kind: 'star';
}

/**
 * `count()` (an aggregate function) or the bare `count` field: PostgreSQL reads `t.count` as
 * `count(t)`, so PostgREST answers it as a row count even with aggregates off.
 */
export interface CountItem {
	kind: 'count';
	alias: string | null;
	bare: boolean;
	cast?: string | null;
}

export interface EmbedItem {
	kind: 'embed';
	alias: string | null;
	relation: string;
	hint: string | null;
	joinType: 'left' | 'inner';
	/** `...rel(cols)`: the embed's columns are spread into the parent object (arrays for to-many). */
	spread?: boolean;
	/** `rel()`: joined (for filters and `!inner`) but left out of the answer. */
	empty?: boolean;
	select: SelectItem[];
}

export type SelectItem = ColumnItem | StarItem | CountItem | EmbedItem;

export const JSON_SPLIT = /(->>|->)/;

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

export function unquoteIdent(text: string): string {
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

const AGGREGATE = /^(count|sum|avg|max|min)\(\)(?:::([a-zA-Z_][a-zA-Z0-9_ ]*(?:\[\])?))?$/;

/** `count()[::cast]`, `field[::cast].agg()[::cast]` (PostgREST's pFieldSelect), else null. */
/**
 * Splits a `::type` cast (the first `::` outside quotes) off an item: [the field, the type or
 * null]; a type that is not a plain (array) type name is refused (`where` says in which item).
 */
function splitCast(text: string, where = ''): [string, string | null] {
	const castAt = indexOutsideQuotes(text, '::');
	if (castAt < 0) return [text, null];
	const cast = text.slice(castAt + 2);
	if (!/^[a-zA-Z_][a-zA-Z0-9_ ]*(\[\])?$/.test(cast))
		throw parseError('select', `invalid cast "${cast}"${where}`);
	return [text.slice(0, castAt), cast];
}

function aggregateItem(alias: string | null, rest: string, raw: string): SelectItem | null {
	const whole = /^count\(\)(?:::([a-zA-Z_][a-zA-Z0-9_ ]*(?:\[\])?))?$/.exec(rest);
	if (whole) return { kind: 'count', alias, bare: false, cast: whole[1] ?? null };
	// The last `.agg()` outside quotes and JSON keys.
	const m = /\.(count|sum|avg|max|min)\(\)(?:::[a-zA-Z_][a-zA-Z0-9_ ]*(?:\[\])?)?$/.exec(rest);
	if (!m) return null;
	const tail = AGGREGATE.exec(rest.slice(m.index + 1));
	if (!tail) return null;
	const [fieldText, cast] = splitCast(rest.slice(0, m.index), ` in "${raw}"`);
	return {
		kind: 'column',
		alias,
		field: parseField(fieldText),
		cast,
		aggregate: tail[1] as AggregateName,
		aggregateCast: tail[2] ?? null
	};
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
		const agg = aggregateItem(alias, rest, raw);
		if (agg) return agg;
		if (!rest.endsWith(')')) throw parseError('select', `unexpected text after ")" in "${raw}"`);
		const head = rest.slice(0, paren);
		const inner = rest.slice(paren + 1, -1);
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
			...(inner === '' ? { empty: true } : {}),
			select: inner === '' ? [] : parseSelect(inner)
		};
	}
	const [fieldText, cast] = splitCast(rest);
	if (fieldText === 'count' && alias === null && cast === null) {
		return { kind: 'count', alias: null, bare: true };
	}
	return { kind: 'column', alias, field: parseField(fieldText), cast };
}
