/**
 * Plans a Data API request (docs/local-runtime.md, "Data API"): the target (table or function),
 * the modifiers of every embed level from the query string, the payload checks (PGRST102,
 * PGRST204), and the one statement sql-statements.ts builds for it.
 */
import type { GatewayContext } from '../core/http.ts';
import { ApiError } from './errors.ts';
import { parseLogic, parseOperation, parseOrder, splitKey } from './parse-filter.ts';
import { parseNonNegative, parseRange, type MediaKind, type Preferences } from './parse-request.ts';
import { parseField, parseSelect, splitTopLevel, type SelectItem } from './parse-select.ts';
import { findFunctions, findTable, type Fn, type SchemaCache, type Table } from './schema.ts';
import { CacheMiss, levelMods, Sql, tableSource, type Mods } from './sql-core.ts';
import {
	deleteStatement,
	insertStatement,
	readStatement,
	resolveFunction,
	rpcStatement,
	updateStatement,
	type BodyMedia,
	type MutationPlan,
	type Output,
	type Statement
} from './sql-statements.ts';

const RESERVED = new Set(['select', 'columns', 'on_conflict', 'apikey']);

function parseJson(text: string): unknown {
	try {
		return JSON.parse(text);
	} catch (e) {
		throw new ApiError(400, 'PGRST102', 'Empty or invalid json', (e as Error).message);
	}
}

/** The JSON body of a write; empty → 400 PGRST102. */
function payload(text: string | null): unknown {
	if (!text || text.trim() === '') throw new ApiError(400, 'PGRST102', 'Empty or invalid json');
	return parseJson(text);
}

function isObject(v: unknown): v is Record<string, unknown> {
	return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/** Embed paths named in `select` (alias and relation name), for PGRST108 checks. */
function embedPaths(
	items: SelectItem[],
	prefix: string[] = [],
	out = new Set<string>()
): Set<string> {
	for (const item of items) {
		if (item.kind !== 'embed') continue;
		for (const name of new Set([item.alias ?? item.relation, item.relation])) {
			const path = [...prefix, name];
			out.add(path.join('\u0000'));
			embedPaths(item.select, path, out);
		}
	}
	return out;
}

/** Filters, order, limit/offset of every level from the query string. */
function parseMods(url: URL, skip: Set<string>, select: SelectItem[]): Mods {
	const mods: Mods = new Map();
	for (const [k, v] of url.searchParams) {
		if (RESERVED.has(k) || skip.has(k)) continue;
		const logic = /^(?:(.+)\.)?(not\.)?(and|or)$/.exec(k);
		if (logic) {
			const path = logic[1] ? logic[1].split('.') : [];
			levelMods(mods, path).filters.push(parseLogic(path, logic[3] as 'and' | 'or', !!logic[2], v));
			continue;
		}
		const { path, last } = splitKey(k);
		const m = levelMods(mods, path);
		if (last === 'order') m.order = parseOrder(v);
		else if (last === 'limit') m.limit = parseNonNegative('limit', v);
		else if (last === 'offset') m.offset = parseNonNegative('offset', v);
		else m.filters.push(parseOperation(path, parseField(last), v));
	}
	const known = embedPaths(select);
	for (const key of mods.keys()) {
		if (key !== '' && !known.has(key)) {
			const name = key.split('\u0000').join('.');
			throw new ApiError(
				400,
				'PGRST108',
				`'${name}' is not an embedded resource in this request`,
				null,
				`Verify that '${name}' is included in the 'select' query parameter.`
			);
		}
	}
	return mods;
}

function unknownTable(schema: string, name: string): CacheMiss {
	return new CacheMiss(
		404,
		'PGRST205',
		`Could not find the table '${schema}.${name}' in the schema cache`
	);
}

function checkPayloadColumns(t: Table, cols: string[]) {
	for (const c of cols) {
		if (!t.columns.has(c)) {
			throw new CacheMiss(
				400,
				'PGRST204',
				`Could not find the '${c}' column of '${t.name}' in the schema cache`
			);
		}
	}
}

export interface Plan {
	statement: Statement | null;
	readOnly: boolean;
	/** How to turn the result into a response. */
	kind:
		'read' | 'insert' | 'update' | 'delete' | 'rpc-void' | 'rpc-scalar' | 'rpc-rows' | 'rpc-object';
	returning: boolean;
	upsert: boolean;
	offset: number;
	/** The function an RPC calls. */
	fn?: Fn;
	/** Inserts with return=headers-only: where `Location` points. */
	location?: { table: string; primaryKey: string[] };
}

/** The body's media type as PostgREST's function resolution sees it. */
function contentMedia(header: string | undefined): BodyMedia {
	const t = (header ?? 'application/json').split(';')[0].trim().toLowerCase();
	if (t === 'application/json' || t === '') return 'json';
	if (t === 'text/plain') return 'text';
	if (t === 'text/xml') return 'xml';
	if (t === 'application/octet-stream') return 'octet';
	if (t === 'application/x-www-form-urlencoded') return 'urlencoded';
	return 'other';
}

export interface RequestInfo {
	method: string;
	schema: string;
	target: { type: 'table' | 'rpc'; name: string };
	media: MediaKind;
	prefs: Preferences;
	bodyText: string | null;
}

export function buildPlan(ctx: GatewayContext, cache: SchemaCache, info: RequestInfo): Plan {
	const { url } = ctx;
	const { method, schema, media, prefs } = info;
	const select = parseSelect(url.searchParams.get('select'));
	const count = prefs.count !== null;
	const MAX_ROWS = cache.config.maxRows;
	const q = new Sql();

	if (info.target.type === 'rpc') {
		const fns = findFunctions(cache, schema, info.target.name);
		const read = method === 'GET' || method === 'HEAD';
		let args: Record<string, unknown> = {};
		let raw = '{}';
		const argNames = new Set(fns.flatMap((f) => f.args.map((a) => a.name)));
		const bodyMedia = contentMedia(ctx.req.headers['content-type']);
		if (read) {
			for (const [k, v] of url.searchParams) if (argNames.has(k)) args[k] = v;
			raw = JSON.stringify(args);
		} else if (info.bodyText && info.bodyText.trim() !== '') {
			raw = info.bodyText;
			if (bodyMedia === 'json' || bodyMedia === 'other') {
				const parsed = parseJson(info.bodyText);
				if (isObject(parsed)) args = parsed;
				else if (Array.isArray(parsed) && isObject(parsed[0])) args = parsed[0];
			}
		}
		const keys = Object.keys(args);
		const fn: Fn = resolveFunction(cache, schema, info.target.name, keys, !read, bodyMedia);
		const skip = read ? new Set(keys) : new Set<string>();
		const mods = parseMods(url, skip, select);
		applyRange(ctx, mods);
		const r = rpcStatement(q, cache, { fn, raw, keys }, select, mods, media, count, MAX_ROWS);
		const readOnly = read || fn.volatility !== 'v';
		return {
			statement: r.statement,
			readOnly,
			kind: `rpc-${r.kind}` as Plan['kind'],
			returning: true,
			upsert: false,
			offset: mods.get('')?.offset ?? 0,
			fn
		};
	}

	const table = findTable(cache, schema, info.target.name);
	if (!table) throw unknownTable(schema, info.target.name);
	const mods = parseMods(url, new Set(), select);
	const representation = prefs.return === 'representation';
	/** `return=headers-only`: the first inserted row's key goes into `Location` (PostgREST). */
	const headersOnly = prefs.return === 'headers-only' && table.primaryKey.length > 0;
	const out: Output = { items: select, mods, media, count };
	/** A write's plan; without a statement (nothing to write) it answers as if no row changed. */
	const write = (kind: Plan['kind'], m: MutationPlan | null, upsert = false): Plan => ({
		statement: m?.statement ?? null,
		readOnly: false,
		kind,
		returning: m ? m.returning : representation,
		upsert,
		offset: 0
	});

	if (method === 'GET' || method === 'HEAD') {
		applyRange(ctx, mods);
		const statement = readStatement(q, cache, tableSource(table), select, mods, {
			media,
			count,
			maxRows: MAX_ROWS
		});
		return {
			statement,
			readOnly: true,
			kind: 'read',
			returning: true,
			upsert: false,
			offset: mods.get('')?.offset ?? 0
		};
	}
	if (method === 'POST') {
		const body = payload(info.bodyText);
		let columns: string[];
		const columnsParam = url.searchParams.get('columns');
		const rows = Array.isArray(body) ? body : [body];
		if (!rows.every(isObject))
			throw new ApiError(
				400,
				'PGRST102',
				'Empty or invalid json',
				'the payload must be an object or an array of objects'
			);
		if (columnsParam !== null) {
			columns = splitTopLevel(columnsParam).map((c) => parseField(c.trim()).name);
		} else {
			columns = rows.length ? Object.keys(rows[0]) : [];
			const sig = [...columns].sort().join('\u0000');
			if (rows.some((r) => Object.keys(r).sort().join('\u0000') !== sig)) {
				throw new ApiError(400, 'PGRST102', 'All object keys must match');
			}
		}
		checkPayloadColumns(table, columns);
		const onConflictParam = url.searchParams.get('on_conflict');
		const onConflict = onConflictParam
			? splitTopLevel(onConflictParam).map((c) => parseField(c.trim()).name)
			: null;
		if (onConflict) {
			for (const c of onConflict) {
				if (!table.columns.has(c))
					throw new CacheMiss(400, '42703', `column ${table.name}.${c} does not exist`);
			}
		}
		if (rows.length === 0) return write('insert', null);
		const plan = insertStatement(
			q,
			cache,
			table,
			{
				raw: info.bodyText!,
				columns,
				missingDefault: prefs.missing === 'default',
				onConflict,
				resolution: prefs.resolution
			},
			headersOnly
				? {
						...out,
						media: 'json',
						items: table.primaryKey.map((name) => ({
							kind: 'column' as const,
							alias: null,
							field: { name, json: [] },
							cast: null
						}))
					}
				: out,
			representation || headersOnly
		);
		return {
			...write('insert', plan, prefs.resolution !== null),
			...(headersOnly ? { location: { table: table.name, primaryKey: table.primaryKey } } : {})
		};
	}
	if (method === 'PATCH') {
		const body = payload(info.bodyText);
		if (!isObject(body))
			throw new ApiError(
				400,
				'PGRST102',
				'Empty or invalid json',
				'the payload of an update must be a JSON object'
			);
		const columns = Object.keys(body);
		checkPayloadColumns(table, columns);
		if (columns.length === 0) {
			// Still enforce the WHERE guard for an empty update, then answer as if no row changed.
			updateStatement(q, cache, table, '{}', [], out, false);
			return write('update', null);
		}
		return write(
			'update',
			updateStatement(q, cache, table, info.bodyText!, columns, out, representation)
		);
	}
	if (method === 'DELETE')
		return write('delete', deleteStatement(q, cache, table, out, representation));
	throw new ApiError(405, 'PGRST117', `Unsupported HTTP method: ${method}`);
}

/** `Range: a-b` when the query string has no limit/offset (legacy clients). */
function applyRange(ctx: GatewayContext, mods: Mods) {
	const range = parseRange(ctx.req.headers.range as string | undefined);
	if (!range) return;
	const top = levelMods(mods, []);
	if (top.offset === null) top.offset = range.offset;
	if (top.limit === null && range.limit !== null) top.limit = range.limit;
}
