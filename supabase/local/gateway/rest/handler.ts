/**
 * The Data API (`/rest/v1`): the PostgREST subset of SUPABASE_CONTRACTS.md section 4. Each
 * request verifies its bearer, runs as the JWT's role in one transaction on the authenticator
 * pool with PostgREST's request GUCs, and answers with JSON built by Postgres.
 */
import type { PoolClient } from 'pg';
import { authenticatorPool } from './db.ts';
import { BodyTooLarge, readBody, type GatewayContext } from './http.ts';
import { JwtError, verifyJwt, type Claims } from './jwt.ts';
import {
	ApiError,
	negotiate,
	parseField,
	parseLogic,
	parseNonNegative,
	parseOperation,
	parseOrder,
	parsePrefer,
	parseRange,
	parseSelect,
	splitKey,
	splitTopLevel
} from './rest-parse.ts';
import type { MediaKind, Preferences, SelectItem } from './rest-parse.ts';
import {
	API_ROLES,
	EXPOSED_SCHEMAS,
	findFunctions,
	findTable,
	getSchema,
	quoteIdent,
	reloadSchema
} from './rest-schema.ts';
import type { Fn, SchemaCache, Table } from './rest-schema.ts';
import {
	CacheMiss,
	deleteStatement,
	insertStatement,
	levelMods,
	readStatement,
	resolveFunction,
	rpcStatement,
	Sql,
	tableSource,
	updateStatement
} from './rest-sql.ts';
import type { Mods, Statement } from './rest-sql.ts';

const MAX_ROWS = Number(process.env.SUPABASE_REST_MAX_ROWS ?? 1000);
const MAX_BODY = Number(process.env.SUPABASE_REST_MAX_BODY ?? 10 * 1024 * 1024);
const RESERVED = new Set(['select', 'columns', 'on_conflict', 'apikey']);

interface ErrorBody {
	code: string;
	details: unknown;
	hint: string | null;
	message: string;
}

function send(
	ctx: GatewayContext,
	status: number,
	body: string | null,
	headers: Record<string, string> = {}
) {
	const head = ctx.req.method === 'HEAD';
	const out: Record<string, string> = { ...headers };
	if (body !== null && !out['Content-Type'])
		out['Content-Type'] = 'application/json; charset=utf-8';
	ctx.res.writeHead(status, out);
	ctx.res.end(head || body === null ? undefined : body);
}

function sendError(
	ctx: GatewayContext,
	status: number,
	err: ErrorBody,
	headers: Record<string, string> = {}
) {
	send(ctx, status, JSON.stringify(err), headers);
}

/** SQLSTATE → HTTP status (SUPABASE_CONTRACTS.md 4.9, PostgREST Error.hs). */
export function pgStatus(code: string, message: string, role: string): number {
	if (code === '42501') return role === 'anon' ? 401 : 403;
	if (code === '23505' || code === '23503') return 409;
	if (code === '42P01' || code === '42883') return 404;
	if (code === '25006') return 405;
	if (code === '21000') return /requires a WHERE clause/.test(message) ? 400 : 500;
	if (code === '53400') return 500;
	if (code.startsWith('08') || code.startsWith('53') || code === '57P01') return 503;
	if (/^PT\d{3}$/.test(code)) return Number(code.slice(2));
	if (code === 'P0001') return 400;
	if (code === '42P17' || /^(25|2D|38|39|3B|40|54|55|57|58|F0|HV|XX|P0)/.test(code)) return 500;
	return 400;
}

interface PgError extends Error {
	code?: string;
	detail?: string;
	hint?: string;
}

function isPgError(e: unknown): e is PgError {
	return (
		e instanceof Error &&
		typeof (e as PgError).code === 'string' &&
		/^[0-9A-Z]{5}$/.test((e as PgError).code!)
	);
}

function jwtFailure(ctx: GatewayContext, err: JwtError) {
	const code = err.kind === 'invalid' ? 'PGRST301' : 'PGRST303';
	sendError(
		ctx,
		401,
		{ code, details: null, hint: null, message: err.message },
		{
			'WWW-Authenticate': `Bearer error="invalid_token", error_description="${err.message.replace(/"/g, "'")}"`
		}
	);
}

function parseCookies(header: string | undefined): Record<string, string> {
	const out: Record<string, string> = {};
	for (const part of (header ?? '').split(';')) {
		const eq = part.indexOf('=');
		if (eq > 0) out[part.slice(0, eq).trim()] = part.slice(eq + 1).trim();
	}
	return out;
}

async function readRequestBody(ctx: GatewayContext): Promise<string> {
	const declared = Number(ctx.req.headers['content-length'] ?? 0);
	try {
		if (declared > MAX_BODY) throw new BodyTooLarge('declared body too large');
		return (await readBody(ctx.req, MAX_BODY)).toString('utf8');
	} catch (e) {
		if (!(e instanceof BodyTooLarge)) throw e;
		// Drain what is still coming so the client reads the 413 instead of a reset.
		await new Promise<void>((resolve) => {
			if (ctx.req.readableEnded) return resolve();
			ctx.req
				.on('end', resolve)
				.on('error', () => resolve())
				.on('close', resolve);
			ctx.req.resume();
		});
		throw new ApiError(
			413,
			'PGRST413',
			'Payload Too Large',
			`The request body exceeds the ${MAX_BODY} bytes limit.`
		);
	}
}

function parseJson(text: string): unknown {
	try {
		return JSON.parse(text);
	} catch (e) {
		throw new ApiError(400, 'PGRST102', 'Empty or invalid json', (e as Error).message);
	}
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

interface Plan {
	statement: Statement | null;
	readOnly: boolean;
	/** How to turn the result into a response. */
	kind:
		'read' | 'insert' | 'update' | 'delete' | 'rpc-void' | 'rpc-scalar' | 'rpc-rows' | 'rpc-object';
	returning: boolean;
	upsert: boolean;
	offset: number;
}

interface RequestInfo {
	method: string;
	schema: string;
	target: { type: 'table' | 'rpc'; name: string };
	media: MediaKind;
	prefs: Preferences;
	bodyText: string | null;
}

function buildPlan(ctx: GatewayContext, cache: SchemaCache, info: RequestInfo): Plan {
	const { url } = ctx;
	const { method, schema, media, prefs } = info;
	const select = parseSelect(url.searchParams.get('select'));
	const count = prefs.count !== null;
	const q = new Sql();

	if (info.target.type === 'rpc') {
		const fns = findFunctions(cache, schema, info.target.name);
		let args: Record<string, unknown> = {};
		let raw = '{}';
		const argNames = new Set(fns.flatMap((f) => f.args.map((a) => a.name)));
		if (method === 'GET' || method === 'HEAD') {
			for (const [k, v] of url.searchParams) if (argNames.has(k)) args[k] = v;
			raw = JSON.stringify(args);
		} else if (info.bodyText && info.bodyText.trim() !== '') {
			const parsed = parseJson(info.bodyText);
			raw = info.bodyText;
			if (isObject(parsed)) args = parsed;
			else args = {};
		}
		const keys = Object.keys(args);
		const fn: Fn = resolveFunction(fns, keys, schema, info.target.name);
		const skip = method === 'GET' || method === 'HEAD' ? new Set(keys) : new Set<string>();
		const mods = parseMods(url, skip, select);
		applyRange(ctx, mods);
		const r = rpcStatement(q, cache, { fn, raw, keys }, select, mods, media, count, MAX_ROWS);
		const readOnly = method === 'GET' || method === 'HEAD' || fn.volatility !== 'v';
		return {
			statement: r.statement,
			readOnly,
			kind: `rpc-${r.kind}` as Plan['kind'],
			returning: true,
			upsert: false,
			offset: mods.get('')?.offset ?? 0
		};
	}

	const table = findTable(cache, schema, info.target.name);
	if (!table) throw unknownTable(schema, info.target.name);
	const mods = parseMods(url, new Set(), select);
	const representation = prefs.return === 'representation';

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
		if (!info.bodyText || info.bodyText.trim() === '')
			throw new ApiError(400, 'PGRST102', 'Empty or invalid json');
		const body = parseJson(info.bodyText);
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
		if (rows.length === 0)
			return {
				statement: null,
				readOnly: false,
				kind: 'insert',
				returning: representation,
				upsert: false,
				offset: 0
			};
		const plan = insertStatement(
			q,
			cache,
			table,
			{
				raw: info.bodyText,
				columns,
				missingDefault: prefs.missing === 'default',
				onConflict,
				resolution: prefs.resolution
			},
			select,
			mods,
			media,
			count,
			representation
		);
		return {
			statement: plan.statement,
			readOnly: false,
			kind: 'insert',
			returning: plan.returning,
			upsert: prefs.resolution !== null,
			offset: 0
		};
	}
	if (method === 'PATCH') {
		if (!info.bodyText || info.bodyText.trim() === '')
			throw new ApiError(400, 'PGRST102', 'Empty or invalid json');
		const body = parseJson(info.bodyText);
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
			updateStatement(q, cache, table, '{}', [], select, mods, media, count, false);
			return {
				statement: null,
				readOnly: false,
				kind: 'update',
				returning: representation,
				upsert: false,
				offset: 0
			};
		}
		const plan = updateStatement(
			q,
			cache,
			table,
			info.bodyText,
			columns,
			select,
			mods,
			media,
			count,
			representation
		);
		return {
			statement: plan.statement,
			readOnly: false,
			kind: 'update',
			returning: plan.returning,
			upsert: false,
			offset: 0
		};
	}
	if (method === 'DELETE') {
		const plan = deleteStatement(q, cache, table, select, mods, media, count, representation);
		return {
			statement: plan.statement,
			readOnly: false,
			kind: 'delete',
			returning: plan.returning,
			upsert: false,
			offset: 0
		};
	}
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

function contentRange(offset: number, n: number, total: number | null): string {
	return `${n > 0 ? `${offset}-${offset + n - 1}` : '*'}/${total ?? '*'}`;
}

/** Handles one request; `state.role` is set once the JWT is verified (for error mapping). */
async function serve(ctx: GatewayContext, state: { role: string }): Promise<void> {
	const method = (ctx.req.method ?? 'GET').toUpperCase();
	const started = performance.now();

	// Target --------------------------------------------------------------------------------------
	const segments = ctx.path
		.split('/')
		.filter((s) => s !== '')
		.map((s) => {
			try {
				return decodeURIComponent(s);
			} catch {
				throw new ApiError(400, 'PGRST125', 'Invalid path specified in request URL');
			}
		});
	if (segments.length === 0) {
		send(
			ctx,
			200,
			JSON.stringify({
				swagger: '2.0',
				info: { title: 'local Data API', version: '12' },
				paths: {}
			}),
			{
				'Content-Type': 'application/openapi+json; charset=utf-8'
			}
		);
		return;
	}
	let target: RequestInfo['target'];
	if (segments.length === 1) target = { type: 'table', name: segments[0] };
	else if (segments.length === 2 && segments[0] === 'rpc')
		target = { type: 'rpc', name: segments[1] };
	else throw new ApiError(404, 'PGRST125', 'Invalid path specified in request URL');
	if (
		!['GET', 'HEAD', 'POST', 'PATCH', 'DELETE'].includes(method) ||
		(target.type === 'rpc' && !['GET', 'HEAD', 'POST'].includes(method))
	) {
		throw new ApiError(405, 'PGRST117', `Unsupported HTTP method: ${method}`);
	}

	// Profile ---------------------------------------------------------------------------------------
	const profileHeader = (
		method === 'GET' || method === 'HEAD'
			? ctx.req.headers['accept-profile']
			: ctx.req.headers['content-profile']
	) as string | undefined;
	const schema = profileHeader?.trim() || 'public';
	if (!EXPOSED_SCHEMAS.includes(schema)) {
		throw new ApiError(
			406,
			'PGRST106',
			`Invalid schema: ${schema}`,
			null,
			`Only the following schemas are exposed: ${EXPOSED_SCHEMAS.join(', ')}`
		);
	}

	// Bearer → role -------------------------------------------------------------------------------
	let claims: Claims = {};
	if (ctx.bearer) {
		try {
			claims = verifyJwt(ctx.bearer);
		} catch (e) {
			if (e instanceof JwtError) return jwtFailure(ctx, e);
			throw e;
		}
	}
	const role = typeof claims.role === 'string' && claims.role !== '' ? claims.role : 'anon';
	if (!(API_ROLES as readonly string[]).includes(role)) {
		throw new ApiError(401, '22023', `role "${role}" does not exist`);
	}
	state.role = role;

	// Negotiation -----------------------------------------------------------------------------------
	const media = negotiate(ctx.req.headers.accept);
	const prefs = parsePrefer(ctx.req.headers.prefer);
	if (prefs.handling === 'strict' && prefs.invalid.length) {
		throw new ApiError(
			400,
			'PGRST122',
			'Invalid preferences given with handling=strict',
			`Invalid preferences: ${prefs.invalid.join(', ')}`
		);
	}
	const bodyText = method === 'POST' || method === 'PATCH' ? await readRequestBody(ctx) : null;
	if (method === 'DELETE') ctx.req.resume();

	// Plan, reloading the schema cache once when a name is unknown -----------------------------------
	const info: RequestInfo = { method, schema, target, media, prefs, bodyText };
	let cache = await getSchema();
	let plan: Plan;
	try {
		plan = buildPlan(ctx, cache, info);
	} catch (e) {
		if (!(e instanceof CacheMiss) || cache.loadedAt > started) throw e;
		cache = await reloadSchema(started);
		plan = buildPlan(ctx, cache, info);
	}

	await execute(ctx, plan, {
		role,
		claims: { ...claims, role },
		schema,
		method,
		media,
		prefs,
		cache
	});
}

interface ExecContext {
	role: string;
	claims: Claims;
	schema: string;
	method: string;
	media: MediaKind;
	prefs: Preferences;
	cache: SchemaCache;
}

async function execute(ctx: GatewayContext, plan: Plan, x: ExecContext): Promise<void> {
	const single = x.media === 'object' || x.media === 'object-stripped';
	const headers: Record<string, string> = { 'Content-Profile': x.schema };
	if (x.prefs.applied.length) headers['Preference-Applied'] = x.prefs.applied.join(', ');
	const contentType = single
		? 'application/vnd.pgrst.object+json; charset=utf-8'
		: 'application/json; charset=utf-8';

	const client: PoolClient = await authenticatorPool.connect();
	let broken = false;
	try {
		await client.query(
			`begin${plan.readOnly ? ' read only' : ''}; set local role ${quoteIdent(x.role)}`
		);
		const settings: [string, string][] = [
			['search_path', `${quoteIdent(x.schema)}, public, extensions`],
			['role', x.role],
			['request.jwt.claims', JSON.stringify(x.claims)],
			['request.method', x.method],
			['request.path', ctx.path],
			['request.headers', JSON.stringify(ctx.req.headers)],
			['request.cookies', JSON.stringify(parseCookies(ctx.req.headers.cookie))],
			...(x.cache.roleSettings.get(x.role) ?? [])
		];
		const values: string[] = [];
		const calls = settings.map(([k, v]) => {
			values.push(k, v);
			return `pg_catalog.set_config($${values.length - 1}, $${values.length}, true)`;
		});
		await client.query(`select ${calls.join(', ')}`, values);

		let total: number | null = null;
		let n = 0;
		let body: string | null = null;
		let inserted = 0;
		if (plan.statement) {
			const result = await client.query(plan.statement.sql, plan.statement.params);
			if (plan.returning && result.rows.length === 1 && 'n' in result.rows[0]) {
				const row = result.rows[0];
				total = row.total === null ? null : Number(row.total);
				n = Number(row.n);
				body = row.body;
				inserted = Number(row.inserted ?? 0);
			} else {
				n = result.rowCount ?? 0;
			}
		} else {
			body = '[]';
		}
		if (plan.kind.startsWith('rpc-') || plan.kind === 'read') {
			if (plan.kind === 'rpc-void' || plan.kind === 'rpc-scalar' || plan.kind === 'rpc-object')
				n = 1;
		}
		const needsCount = x.prefs.count !== null;
		if (needsCount && total === null && plan.kind !== 'read') total = n;

		const mutation = plan.kind === 'insert' || plan.kind === 'update' || plan.kind === 'delete';
		if (
			mutation &&
			x.prefs.handling === 'strict' &&
			x.prefs.maxAffected !== null &&
			n > x.prefs.maxAffected
		) {
			await client.query('rollback');
			sendError(
				ctx,
				400,
				{
					code: 'PGRST124',
					details: `The query affects ${n} rows`,
					hint: null,
					message: 'Query result exceeds max-affected preference constraint'
				},
				headers
			);
			return;
		}
		if (single && n !== 1) {
			await client.query('rollback');
			sendError(
				ctx,
				406,
				{
					code: 'PGRST116',
					details: `The result contains ${n} rows`,
					hint: null,
					message: 'Cannot coerce the result to a single JSON object'
				},
				headers
			);
			return;
		}
		if (plan.kind === 'read' && total !== null && plan.offset > total) {
			await client.query('rollback');
			sendError(
				ctx,
				416,
				{
					code: 'PGRST103',
					details: `An offset of ${plan.offset} was requested, but there are only ${total} rows.`,
					hint: null,
					message: 'Requested range not satisfiable'
				},
				{ ...headers, 'Content-Range': `*/${total}` }
			);
			return;
		}
		await client.query(x.prefs.tx === 'rollback' ? 'rollback' : 'commit');

		switch (plan.kind) {
			case 'read':
			case 'rpc-rows': {
				const status = total !== null && n < total ? 206 : 200;
				headers['Content-Range'] = contentRange(plan.offset, n, needsCount ? total : null);
				send(ctx, status, body ?? '[]', { ...headers, 'Content-Type': contentType });
				return;
			}
			case 'rpc-object':
			case 'rpc-scalar':
				headers['Content-Range'] = '0-0/*';
				send(ctx, 200, body ?? 'null', { ...headers, 'Content-Type': contentType });
				return;
			case 'rpc-void':
				send(ctx, 204, null, headers);
				return;
			case 'insert': {
				headers['Content-Range'] = `*/${needsCount ? n : '*'}`;
				const status = plan.upsert && plan.returning ? (inserted > 0 ? 201 : 200) : 201;
				if (x.prefs.return === 'representation')
					send(ctx, status, single ? (body ?? 'null') : (body ?? '[]'), {
						...headers,
						'Content-Type': contentType
					});
				else send(ctx, status, null, headers);
				return;
			}
			case 'update':
			case 'delete': {
				headers['Content-Range'] =
					plan.kind === 'update'
						? `${n > 0 ? `0-${n - 1}` : '*'}/${needsCount ? n : '*'}`
						: `*/${needsCount ? n : '*'}`;
				if (x.prefs.return === 'representation')
					send(ctx, 200, single ? (body ?? 'null') : (body ?? '[]'), {
						...headers,
						'Content-Type': contentType
					});
				else send(ctx, 204, null, headers);
				return;
			}
		}
	} catch (e) {
		await client.query('rollback').catch(() => {
			broken = true;
		});
		throw e;
	} finally {
		client.release(broken);
	}
}

export async function handleRest(ctx: GatewayContext): Promise<void> {
	const state = { role: 'anon' };
	try {
		await serve(ctx, state);
	} catch (e) {
		if (ctx.res.headersSent) {
			ctx.res.end();
			return;
		}
		if (e instanceof ApiError) {
			const details = (e as ApiError & { detailList?: unknown }).detailList ?? e.details;
			sendError(
				ctx,
				e.status,
				{ code: e.code, details, hint: e.hint, message: e.message },
				e.headers
			);
			return;
		}
		if (isPgError(e)) {
			const code = e.code!;
			if (['42P01', '42703', '42883', '42P10'].includes(code))
				reloadSchema(performance.now()).catch(() => {});
			const status = pgStatus(code, e.message, state.role);
			const headers: Record<string, string> =
				status === 401 ? { 'WWW-Authenticate': 'Bearer' } : {};
			sendError(
				ctx,
				status,
				{ code, details: e.detail ?? null, hint: e.hint ?? null, message: e.message },
				headers
			);
			return;
		}
		console.error('[rest] unexpected', e);
		sendError(ctx, 500, {
			code: 'PGRST000',
			details: null,
			hint: null,
			message: 'Internal server error'
		});
	}
}
