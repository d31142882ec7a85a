/**
 * The Data API (`/rest/v1`): the PostgREST subset of docs/local-runtime.md, "Data API". Each
 * request resolves its target and schema, verifies its bearer (core/bearer.ts), plans one
 * statement (plan.ts, reloading the schema cache once when a name is unknown) and runs it as the
 * JWT's role in one transaction (execute.ts → core/with-role.ts). Errors answer in PostgREST's
 * shape (errors.ts).
 */
import { BodyTooLarge, drain, readBody } from '../core/body.ts';
import { isApiRole, readBearer, type Bearer } from '../core/bearer.ts';
import type { GatewayContext } from '../core/http.ts';
import { JwtError, type Claims } from '../core/jwt.ts';
import { ApiError, isPgError, jwtFailure, notImplemented, sendFailure } from './errors.ts';
import { execute } from './execute.ts';
import { negotiate, parsePrefer } from './parse-request.ts';
import { buildPlan, type Plan, type RequestInfo } from './plan.ts';
import { getSchema, reloadSchema } from './schema.ts';
import { CacheMiss } from './sql-core.ts';

const MAX_BODY = Number(process.env.SUPABASE_REST_MAX_BODY ?? 10 * 1024 * 1024);

async function readRequestBody(ctx: GatewayContext): Promise<string> {
	const declared = Number(ctx.req.headers['content-length'] ?? 0);
	try {
		if (declared > MAX_BODY) throw new BodyTooLarge('declared body too large');
		return (await readBody(ctx.req, MAX_BODY)).toString('utf8');
	} catch (e) {
		if (!(e instanceof BodyTooLarge)) throw e;
		await drain(ctx.req);
		throw new ApiError(
			413,
			'PGRST413',
			'Payload Too Large',
			`The request body exceeds the ${MAX_BODY} bytes limit.`
		);
	}
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
		if (method !== 'GET' && method !== 'HEAD')
			throw new ApiError(405, 'PGRST117', `Unsupported HTTP method: ${method}`);
		throw notImplemented('The OpenAPI description (GET /rest/v1/)');
	}
	let target: RequestInfo['target'];
	if (segments.length === 1) target = { type: 'table', name: segments[0] };
	else if (segments.length === 2 && segments[0] === 'rpc')
		target = { type: 'rpc', name: segments[1] };
	else throw new ApiError(404, 'PGRST125', 'Invalid path specified in request URL');
	if (method === 'PUT' && target.type === 'table')
		throw notImplemented('PUT (single-row upsert by primary key)');
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
	let cache = await getSchema();
	const exposed = cache.config.schemas;
	const schema = profileHeader?.trim() || exposed[0];
	if (!exposed.includes(schema)) {
		throw new ApiError(
			406,
			'PGRST106',
			`Invalid schema: ${schema}`,
			null,
			`Only the following schemas are exposed: ${exposed.join(', ')}`
		);
	}

	// Bearer → role (core/bearer.ts) --------------------------------------------------------------
	let bearer: Bearer | null;
	try {
		bearer = readBearer(ctx);
	} catch (e) {
		if (e instanceof JwtError) return jwtFailure(ctx, e);
		throw e;
	}
	const claims: Claims = bearer?.claims ?? {};
	const role = bearer?.role || 'anon';
	if (!isApiRole(role)) {
		throw new ApiError(401, '22023', `role "${role}" does not exist`);
	}
	state.role = role;

	// Negotiation -----------------------------------------------------------------------------------
	const media = negotiate(ctx.req.headers.accept, cache.config.plan, cache.postgis);
	const prefs = parsePrefer(ctx.req.headers.prefer);
	if (prefs.timezone !== null && !cache.timezones.has(prefs.timezone)) {
		// PostgREST applies only time zones PostgreSQL knows (pg_timezone_names).
		prefs.invalid.push(`timezone=${prefs.timezone}`);
		prefs.applied = prefs.applied.filter((p) => !p.startsWith('timezone='));
		prefs.timezone = null;
	}
	if (prefs.tx !== null && !cache.config.txEnd.endsWith('-allow-override')) {
		// `tx=` is only a preference where db-tx-end allows overriding (PostgREST's default does not).
		prefs.invalid.push(`tx=${prefs.tx}`);
		prefs.applied = prefs.applied.filter((p) => !p.startsWith('tx='));
		prefs.tx = null;
	}
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
	let plan: Plan;
	try {
		plan = buildPlan(ctx, cache, info);
	} catch (e) {
		if (!(e instanceof CacheMiss) || cache.loadedAt > started) throw e;
		cache = await reloadSchema(started);
		plan = buildPlan(ctx, cache, info);
	}

	if (plan.fn && !plan.fn.returnsSet && prefs.maxAffected !== null && prefs.handling === 'strict') {
		throw new ApiError(
			400,
			'PGRST128',
			'Function must return SETOF or TABLE when max-affected preference is used with handling=strict'
		);
	}

	await execute(ctx, plan, {
		role,
		claims,
		schema,
		media,
		prefs,
		cache
	});
}

/**
 * Names the schema cache may have missed, or a prepared statement whose result type the schema
 * changed (0A000): a failed statement reloads the cache (and so the statement names) for the next
 * request.
 */
const SCHEMA_CHANGED = ['42P01', '42703', '42883', '42P10', '0A000'];

export async function handleRest(ctx: GatewayContext): Promise<void> {
	const state = { role: 'anon' };
	try {
		await serve(ctx, state);
	} catch (e) {
		if (isPgError(e) && SCHEMA_CHANGED.includes(e.code!) && !ctx.res.headersSent)
			reloadSchema(performance.now()).catch(() => {});
		sendFailure(ctx, e, state.role);
	}
}
