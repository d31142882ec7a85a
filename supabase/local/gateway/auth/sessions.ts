/**
 * Sessions and tokens (docs/local-runtime.md, "Auth"): access token claims (through the hook),
 * opaque rotating refresh tokens with GoTrue's reuse interval, and the token response.
 */
import { randomBytes, randomUUID } from 'node:crypto';
import type pg from 'pg';
import type { GatewayContext } from '../core/http.ts';
import { signAccessToken } from '../core/jwt.ts';
import { AUTH_URL, authConfig } from './config.ts';
import { badRequest, CommitWithError } from './errors.ts';
import { runAccessTokenHook } from './hook.ts';
import { clientIp } from './rate-limit.ts';
import { findUserById, userJson } from './users.ts';
import type { UserRow } from './users.ts';

export type AuthMethod =
	| 'password'
	| 'otp'
	| 'magiclink'
	| 'recovery'
	| 'invite'
	| 'email/signup'
	| 'email_change'
	| 'token_refresh'
	| 'anonymous'
	| 'totp';

/** Methods that make a session aal2 (GoTrue AMRClaim.IsAAL2Claim). */
const AAL2_METHODS = new Set(['totp', 'mfa/phone', 'mfa/webauthn']);

function newRefreshToken(): string {
	const alphabet = 'abcdefghijklmnopqrstuvwxyz0123456789';
	const bytes = randomBytes(12);
	let out = '';
	for (const b of bytes) out += alphabet[b % alphabet.length];
	return out;
}

async function insertRefreshToken(
	db: pg.ClientBase,
	userId: string,
	sessionId: string,
	parent: string | null
) {
	const token = newRefreshToken();
	await db.query(
		`insert into auth.refresh_tokens (instance_id, token, user_id, revoked, created_at, updated_at, parent, session_id)
		values ('00000000-0000-0000-0000-000000000000', $1, $2, false, now(), now(), $3, $4)`,
		[token, userId, parent, sessionId]
	);
	return token;
}

/**
 * GoTrue CalculateAALAndAMR: the session's `amr` claims, newest first, each stamped with the
 * claim's `updated_at`; `aal2` when one of them is a second factor.
 */
async function sessionAalAndAmr(db: pg.ClientBase, sessionId: string) {
	const { rows } = await db.query<{ method: string; ts: string }>(
		`select authentication_method as method, extract(epoch from updated_at)::bigint::text as ts
		from auth.mfa_amr_claims where session_id = $1 order by updated_at desc`,
		[sessionId]
	);
	const amr = rows.map((r) => ({ method: r.method, timestamp: Number(r.ts) }));
	const aal = rows.some((r) => AAL2_METHODS.has(r.method)) ? 'aal2' : 'aal1';
	return { aal, amr };
}

/** GoTrue AddClaimToSession: one claim per session and method, its `updated_at` renewed. */
async function addAmrClaim(db: pg.ClientBase, sessionId: string, method: AuthMethod) {
	await db.query(
		`insert into auth.mfa_amr_claims (id, session_id, created_at, updated_at, authentication_method)
		values ($1, $2, now(), now(), $3)
		on conflict on constraint mfa_amr_claims_session_id_authentication_method_pkey
		do update set updated_at = now()`,
		[randomUUID(), sessionId, method]
	);
}

async function accessToken(
	db: pg.ClientBase,
	user: UserRow,
	sessionId: string,
	method: AuthMethod
): Promise<{ token: string; exp: number }> {
	const iat = Math.floor(Date.now() / 1000);
	const exp = iat + authConfig.jwtExp;
	const { aal, amr } = await sessionAalAndAmr(db, sessionId);
	const claims: Record<string, unknown> = {
		iss: AUTH_URL,
		sub: user.id,
		aud: user.aud || 'authenticated',
		exp,
		iat,
		email: user.email ?? '',
		phone: user.phone ?? '',
		app_metadata: user.raw_app_meta_data ?? {},
		user_metadata: user.raw_user_meta_data ?? {},
		role: user.role || 'authenticated',
		aal,
		amr,
		session_id: sessionId,
		is_anonymous: user.is_anonymous
	};
	const signed = await runAccessTokenHook(db, user.id, claims, method);
	return { token: signAccessToken(signed), exp: typeof signed.exp === 'number' ? signed.exp : exp };
}

async function tokenResponse(
	db: pg.ClientBase,
	user: UserRow,
	sessionId: string,
	refreshToken: string,
	method: AuthMethod
) {
	const fresh = (await findUserById(db, user.id)) as UserRow;
	const { token, exp } = await accessToken(db, fresh, sessionId, method);
	return {
		access_token: token,
		token_type: 'bearer',
		expires_in: authConfig.jwtExp,
		expires_at: exp,
		refresh_token: refreshToken,
		user: await userJson(db, fresh)
	};
}

export type TokenResponse = Awaited<ReturnType<typeof tokenResponse>>;

/** Starts a new session for the user and answers with GoTrue's token response. */
export async function issueSession(
	db: pg.ClientBase,
	user: UserRow,
	method: AuthMethod,
	ctx: GatewayContext
): Promise<TokenResponse> {
	const sessionId = randomUUID();
	const ua = ctx.req.headers['user-agent'] ?? null;
	await db.query(
		`insert into auth.sessions (id, user_id, created_at, updated_at, aal, user_agent, ip)
		values ($1, $2, now(), now(), 'aal1', $3, $4::inet)`,
		[sessionId, user.id, ua, clientIp(ctx) || null]
	);
	await addAmrClaim(db, sessionId, method);
	await db.query(
		`update auth.users set last_sign_in_at = now(), updated_at = now() where id = $1`,
		[user.id]
	);
	await db.query(
		`update auth.identities set last_sign_in_at = now() where user_id = $1 and provider = 'email'`,
		[user.id]
	);
	const refresh = await insertRefreshToken(db, user.id, sessionId, null);
	return tokenResponse(db, user, sessionId, refresh, method);
}

interface RefreshRow {
	id: string;
	token: string;
	user_id: string;
	revoked: boolean;
	parent: string | null;
	session_id: string | null;
	reusable: boolean;
	session_exists: boolean;
	session_expired: boolean;
}

/**
 * The refresh_token grant (GoTrue tokens/service.go RefreshTokenGrant, legacy tokens): rotate;
 * a revoked token that is the parent of the session's active token answers that active token;
 * another revoked token is rotated again within the reuse interval, and after it revokes the
 * session's tokens (`refresh_token_already_used`).
 */
export async function refreshSession(
	db: pg.ClientBase,
	refreshToken: string,
	ctx: GatewayContext
): Promise<TokenResponse> {
	const { rows } = await db.query<RefreshRow>(
		`select rt.id::text, rt.token, rt.user_id, coalesce(rt.revoked, false) as revoked, rt.parent, rt.session_id,
			rt.updated_at + make_interval(secs => $2) > now() as reusable,
			s.id is not null as session_exists,
			coalesce(s.not_after < now(), false) as session_expired
		from auth.refresh_tokens rt left join auth.sessions s on s.id = rt.session_id
		where rt.token = $1 for update of rt`,
		[refreshToken, authConfig.refreshReuseInterval]
	);
	const rt = rows[0];
	const user = rt ? await findUserById(db, rt.user_id) : null;
	if (!rt || !user || user.deleted_at)
		throw badRequest('refresh_token_not_found', 'Invalid Refresh Token: Refresh Token Not Found');
	if (user.is_banned) throw badRequest('user_banned', 'Invalid Refresh Token: User Banned');
	if (!rt.session_id || !rt.session_exists)
		throw badRequest('session_not_found', 'Invalid Refresh Token: No Valid Session Found');
	if (rt.session_expired)
		throw badRequest('session_expired', 'Invalid Refresh Token: Session Expired');
	await db.query(`select id from auth.sessions where id = $1 for update`, [rt.session_id]);
	let issued: string | null = null;
	if (rt.revoked) {
		const { rows: active } = await db.query<{ token: string; parent: string | null }>(
			`select token, parent from auth.refresh_tokens where session_id = $1 and revoked is false
			order by id desc limit 1`,
			[rt.session_id]
		);
		if (active[0] && active[0].parent === rt.token) {
			issued = active[0].token;
		} else if (!rt.reusable) {
			await db.query(
				`update auth.refresh_tokens set revoked = true, updated_at = now() where session_id = $1 and revoked = false`,
				[rt.session_id]
			);
			throw new CommitWithError(
				badRequest('refresh_token_already_used', 'Invalid Refresh Token: Already Used')
			);
		}
	}
	if (!issued) {
		await db.query(
			`update auth.refresh_tokens set revoked = true, updated_at = now() where id = $1`,
			[rt.id]
		);
		issued = await insertRefreshToken(db, user.id, rt.session_id, rt.token);
	}
	await db.query(
		`update auth.sessions set refreshed_at = now() at time zone 'utc', updated_at = now(),
			user_agent = $2, ip = $3::inet where id = $1`,
		[rt.session_id, ctx.req.headers['user-agent'] || null, clientIp(ctx) || null]
	);
	return tokenResponse(db, user, rt.session_id, issued, 'token_refresh');
}

/**
 * After a second factor is verified (GoTrue updateMFASessionAndClaims): the method joins the
 * session's `amr`, the session's refresh token is swapped for a new one, the session records its
 * level and factor, and a new access token is issued (through the hook, method `totp`).
 */
export async function upgradeSession(
	db: pg.ClientBase,
	user: UserRow,
	sessionId: string,
	factorId: string,
	method: AuthMethod
): Promise<TokenResponse> {
	await addAmrClaim(db, sessionId, method);
	const { rows: active } = await db.query<{ id: string; token: string }>(
		`select id::text, token from auth.refresh_tokens where session_id = $1 and revoked is false
		order by id desc limit 1 for update`,
		[sessionId]
	);
	if (active[0]) {
		await db.query(
			`update auth.refresh_tokens set revoked = true, updated_at = now() where id = $1`,
			[active[0].id]
		);
	}
	const issued = await insertRefreshToken(db, user.id, sessionId, active[0]?.token ?? null);
	const { aal } = await sessionAalAndAmr(db, sessionId);
	await db.query(
		`update auth.sessions set aal = $2, factor_id = $3, updated_at = now() where id = $1`,
		[sessionId, aal, factorId]
	);
	return tokenResponse(db, user, sessionId, issued, method);
}
