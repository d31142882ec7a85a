/**
 * The Data API's errors (docs/local-runtime.md, "Data API"): PostgREST's body
 * `{code, details, hint, message}`, SQLSTATE → HTTP status, JWT failures with `WWW-Authenticate`.
 */
import type { GatewayContext } from '../core/http.ts';
import type { JwtError } from '../core/jwt.ts';
import { isDatabaseUnavailable, sendUnavailable } from '../core/unavailable.ts';

/** A client mistake PostgREST reports with its own code (PGRSTxxx) or a SQLSTATE it detects first. */
export class ApiError extends Error {
	status: number;
	code: string;
	details: string | null;
	hint: string | null;
	headers: Record<string, string>;
	/** PGRST201: the candidate relationships, reported in `details` instead of the text. */
	detailList?: unknown;
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

/**
 * A request PostgREST accepts that the local runtime deliberately does not implement: PostgREST's
 * own "not implemented" code (400 PGRST127), with the feature and the local runtime named, never
 * a silently different answer (docs/local-runtime.md, "Not implemented, and how it refuses").
 */
export function notImplemented(feature: string): ApiError {
	return new ApiError(
		400,
		'PGRST127',
		'Feature not implemented',
		`${feature} is not implemented by the local runtime (supabase/local); hosted Supabase supports it.`
	);
}

export interface ErrorBody {
	code: string;
	details: unknown;
	hint: string | null;
	message: string;
}

export function send(
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

export function sendError(
	ctx: GatewayContext,
	status: number,
	err: ErrorBody,
	headers: Record<string, string> = {}
) {
	send(ctx, status, JSON.stringify(err), headers);
}

/** SQLSTATE → HTTP status (docs/local-runtime.md, "Data API"; PostgREST Error.hs). */
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

export interface PgError extends Error {
	code?: string;
	detail?: string;
	hint?: string;
}

export function isPgError(e: unknown): e is PgError {
	return (
		e instanceof Error &&
		typeof (e as PgError).code === 'string' &&
		/^[0-9A-Z]{5}$/.test((e as PgError).code!)
	);
}

/** 401 PGRST301 (bad token) or PGRST303 (expired, not yet valid). */
export function jwtFailure(ctx: GatewayContext, err: JwtError) {
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

/** Answers a failed request; `role` is the request's role once known (42501 → 401 for anon). */
export function sendFailure(ctx: GatewayContext, e: unknown, role: string) {
	if (ctx.res.headersSent) {
		ctx.res.end();
		return;
	}
	if (isDatabaseUnavailable(e)) return sendUnavailable(ctx, 'rest');
	if (e instanceof ApiError) {
		const details = e.detailList ?? e.details;
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
		const status = pgStatus(code, e.message, role);
		const headers: Record<string, string> = status === 401 ? { 'WWW-Authenticate': 'Bearer' } : {};
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
