/**
 * Who calls an Auth endpoint: the request's bearer (core/bearer.ts) as GoTrue checks it
 * (401 no_authorization, 403 bad_jwt), an admin (service_role), or a live user and session.
 * Also the small request readers the endpoints share (JSON body, strings, PKCE parameters).
 */
import type pg from 'pg';
import { BodyTooLarge, InvalidJson, readJsonObject } from '../core/body.ts';
import { readBearer, type Bearer } from '../core/bearer.ts';
import { isUuid, type GatewayContext } from '../core/http.ts';
import { JwtError, type Claims } from '../core/jwt.ts';
import { AuthError, validationFailed } from './errors.ts';
import { findUserById } from './users.ts';
import type { UserRow } from './users.ts';

export type Body = Record<string, unknown>;

export async function jsonBody(ctx: GatewayContext): Promise<Body> {
	try {
		return await readJsonObject(ctx.req, 1024 * 1024);
	} catch (err) {
		if (err instanceof InvalidJson)
			throw new AuthError(400, 'bad_json', `Could not parse request body as JSON: ${err.message}`);
		if (err instanceof BodyTooLarge)
			throw new AuthError(413, 'request_too_large', 'Request body too large');
		throw err;
	}
}

export function str(v: unknown): string | undefined {
	return typeof v === 'string' && v !== '' ? v : undefined;
}

/** PKCE parameters of a request that starts a flow (`code_challenge` + method), if any. */
export function pkceParams(body: Body): { challenge: string; method: string } | null {
	const challenge = str(body.code_challenge);
	const method = str(body.code_challenge_method);
	if (!challenge && !method) return null;
	if (!challenge || !method)
		throw validationFailed('PKCE flow requires code_challenge_method and code_challenge');
	return { challenge, method };
}

function bearerClaims(ctx: GatewayContext): Claims {
	let bearer: Bearer | null;
	try {
		bearer = readBearer(ctx);
	} catch (err) {
		const reason =
			err instanceof JwtError && err.kind === 'expired'
				? 'token has invalid claims: token is expired'
				: err instanceof JwtError && err.kind === 'future'
					? 'token has invalid claims: token used before issued'
					: `token is malformed or its signature is invalid: ${(err as Error).message}`;
		throw new AuthError(
			403,
			'bad_jwt',
			`invalid JWT: unable to parse or verify signature, ${reason}`
		);
	}
	if (!bearer)
		throw new AuthError(401, 'no_authorization', 'This endpoint requires a valid Bearer token');
	return bearer.claims;
}

/** GoTrue requireAdmin: a service_role (or supabase_admin) JWT. */
export function requireAdmin(ctx: GatewayContext) {
	const claims = bearerClaims(ctx);
	if (claims.role !== 'service_role' && claims.role !== 'supabase_admin') {
		throw new AuthError(403, 'not_admin', 'User not allowed');
	}
}

interface Caller {
	claims: Claims;
	user: UserRow;
	sessionId: string | null;
	/** The session's recorded level (`aal1`, `aal2`), null without a session. */
	sessionAal: string | null;
}

/** GoTrue requireAuthentication + maybeLoadUserOrSession. */
export async function requireUser(ctx: GatewayContext, db: pg.ClientBase): Promise<Caller> {
	const claims = bearerClaims(ctx);
	const sub = claims.sub;
	if (typeof sub !== 'string' || sub === '')
		throw new AuthError(403, 'bad_jwt', 'invalid claim: missing sub claim');
	if (!isUuid(sub)) throw new AuthError(400, 'bad_jwt', 'invalid claim: sub claim must be a UUID');
	const user = await findUserById(db, sub);
	if (!user || user.deleted_at)
		throw new AuthError(403, 'user_not_found', 'User from sub claim in JWT does not exist');
	let sessionId: string | null = null;
	let sessionAal: string | null = null;
	const sid = claims.session_id;
	if (typeof sid === 'string' && sid !== '' && sid !== '00000000-0000-0000-0000-000000000000') {
		if (!isUuid(sid))
			throw new AuthError(403, 'bad_jwt', 'invalid claim: session_id claim must be a UUID');
		const { rows } = await db.query<{ aal: string | null }>(
			`select aal::text from auth.sessions where id = $1`,
			[sid]
		);
		if (!rows[0]) {
			throw new AuthError(
				403,
				'session_not_found',
				'Session from session_id claim in JWT does not exist'
			);
		}
		sessionId = sid;
		sessionAal = rows[0].aal;
	}
	// GoTrue's requireAuthentication does not look at bans: sign-in and refresh refuse them
	return { claims, user, sessionId, sessionAal };
}
