/**
 * GoTrue's error shapes (docs/local-runtime.md, "Auth"): with `X-Supabase-Api-Version:
 * 2024-01-01` (auth-js always sends it) `{code, message}`, else the legacy
 * `{code: <status>, error_code, msg}`; `x-sb-error-code` on both.
 */
import { sendJson, type GatewayContext } from '../core/http.ts';

/** An error GoTrue would answer with: HTTP status, `error_code`, message (+ extra body fields). */
export class AuthError extends Error {
	status: number;
	code: string;
	extra: Record<string, unknown>;
	constructor(status: number, code: string, message: string, extra: Record<string, unknown> = {}) {
		super(message);
		this.status = status;
		this.code = code;
		this.extra = extra;
	}
}

/** Thrown inside a transaction to commit what was done and still answer with an error. */
export class CommitWithError extends Error {
	error: AuthError;
	constructor(error: AuthError) {
		super(error.message);
		this.error = error;
	}
}

const API_VERSION = '2024-01-01';

/** The request asked for the 2024-01-01 error shape (auth-js always does). */
function modernErrors(ctx: GatewayContext): boolean {
	const v = ctx.req.headers['x-supabase-api-version'];
	const value = Array.isArray(v) ? v[0] : v;
	return typeof value === 'string' && /^\d{4}-\d{2}-\d{2}$/.test(value) && value >= API_VERSION;
}

export function sendAuthError(ctx: GatewayContext, err: AuthError) {
	const headers: Record<string, string> = { 'x-sb-error-code': err.code };
	if (modernErrors(ctx)) {
		headers['X-Supabase-Api-Version'] = API_VERSION;
		sendJson(ctx.res, err.status, { code: err.code, message: err.message, ...err.extra }, headers);
	} else {
		sendJson(
			ctx.res,
			err.status,
			{ code: err.status, error_code: err.code, msg: err.message, ...err.extra },
			headers
		);
	}
}

export const badRequest = (code: string, message: string) => new AuthError(400, code, message);

export const validationFailed = (message: string) =>
	new AuthError(400, 'validation_failed', message);

export const emailExists = () =>
	new AuthError(422, 'email_exists', 'A user with this email address has already been registered');
