/**
 * The custom access token hook (docs/local-runtime.md, "Auth"): called inside the issuing
 * transaction as supabase_auth_admin exactly as GoTrue calls it, its output validated the same way.
 */
import type pg from 'pg';
import { quoteIdent } from '../core/db.ts';
import { authConfig } from './config.ts';
import { AuthError } from './errors.ts';
import type { AuthMethod } from './sessions.ts';

const REQUIRED_CLAIMS = [
	'aud',
	'exp',
	'iat',
	'sub',
	'email',
	'phone',
	'role',
	'aal',
	'session_id',
	'is_anonymous'
];

function claimsConform(c: Record<string, unknown>): boolean {
	for (const k of REQUIRED_CLAIMS) if (!(k in c)) return false;
	const isObj = (v: unknown) => typeof v === 'object' && v !== null && !Array.isArray(v);
	if (!(
		typeof c.aud === 'string' ||
		(Array.isArray(c.aud) && c.aud.every((a) => typeof a === 'string'))
	))
		return false;
	for (const k of ['exp', 'iat', 'nbf']) if (k in c && !Number.isInteger(c[k])) return false;
	for (const k of ['sub', 'email', 'phone', 'role', 'aal', 'session_id'])
		if (typeof c[k] !== 'string') return false;
	if (typeof c.is_anonymous !== 'boolean') return false;
	for (const k of ['app_metadata', 'user_metadata']) if (k in c && !isObj(c[k])) return false;
	if (
		'amr' in c &&
		!(Array.isArray(c.amr) && c.amr.every((a) => typeof a === 'string' || isObj(a)))
	)
		return false;
	return true;
}

/**
 * Calls the custom access token hook inside the issuing transaction
 * as supabase_auth_admin, and returns the claims to sign.
 */
export async function runAccessTokenHook(
	db: pg.ClientBase,
	userId: string,
	claims: Record<string, unknown>,
	method: AuthMethod
): Promise<Record<string, unknown>> {
	const hook = authConfig.customAccessTokenHook;
	if (!hook) return claims;
	const input = { user_id: userId, claims, authentication_method: method };
	let output: unknown;
	await db.query('savepoint access_token_hook');
	try {
		await db.query(`set local statement_timeout to '2000'`);
		const { rows } = await db.query<{ out: unknown }>(
			`select ${quoteIdent(hook.schema)}.${quoteIdent(hook.fn)}($1::jsonb)::jsonb as out`,
			[JSON.stringify(input)]
		);
		output = rows[0]?.out;
		await db.query('release savepoint access_token_hook');
		await db.query(`set local statement_timeout to default`);
	} catch (err) {
		await db.query('rollback to savepoint access_token_hook').catch(() => {});
		const msg = err instanceof Error ? err.message : String(err);
		throw new AuthError(500, 'unexpected_failure', `Error running hook URI: ${hook.uri}: ${msg}`);
	}
	if (!output || typeof output !== 'object' || Array.isArray(output)) {
		throw new AuthError(500, 'unexpected_failure', 'output claims field is missing');
	}
	const out = output as Record<string, unknown>;
	if (out.error && typeof out.error === 'object') {
		const e = out.error as { http_code?: unknown; message?: unknown };
		const message = typeof e.message === 'string' ? e.message : 'Unexpected error from hook';
		if (typeof e.http_code === 'number' && e.http_code >= 400 && e.http_code < 600) {
			throw new AuthError(e.http_code, 'unknown', message);
		}
		throw new AuthError(500, 'unexpected_failure', message);
	}
	const c = out.claims;
	if (!c || typeof c !== 'object' || Array.isArray(c)) {
		throw new AuthError(500, 'unexpected_failure', 'output claims field is missing');
	}
	if (!claimsConform(c as Record<string, unknown>)) {
		throw new AuthError(
			500,
			'unexpected_failure',
			'output claims do not conform to the expected schema'
		);
	}
	return c as Record<string, unknown>;
}
