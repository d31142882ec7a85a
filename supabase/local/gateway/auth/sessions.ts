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
	| 'anonymous';

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

async function sessionAmr(db: pg.ClientBase, sessionId: string) {
	const { rows } = await db.query<{ method: string; ts: string }>(
		`select authentication_method as method, extract(epoch from created_at)::bigint::text as ts
		from auth.mfa_amr_claims where session_id = $1 order by created_at desc`,
		[sessionId]
	);
	return rows.map((r) => ({ method: r.method, timestamp: Number(r.ts) }));
}

async function accessToken(
	db: pg.ClientBase,
	user: UserRow,
	sessionId: string,
	method: AuthMethod
): Promise<{ token: string; exp: number }> {
	const iat = Math.floor(Date.now() / 1000);
	const exp = iat + authConfig.jwtExp;
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
		aal: 'aal1',
		amr: await sessionAmr(db, sessionId),
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
		[sessionId, user.id, ua, ctx.req.socket.remoteAddress?.replace(/^::ffff:/, '') ?? null]
	);
	await db.query(
		`insert into auth.mfa_amr_claims (session_id, created_at, updated_at, authentication_method, id)
		values ($1, now(), now(), $2, $3)`,
		[sessionId, method, randomUUID()]
	);
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
 * The refresh_token grant (GoTrue tokens/service.go RefreshTokenGrant): rotate, allow replay of
 * a revoked token within the reuse interval (answering with the session's current token), and
 * revoke the whole session's tokens on a later replay.
 */
export async function refreshSession(
	db: pg.ClientBase,
	refreshToken: string
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
	if (!rt)
		throw badRequest('refresh_token_not_found', 'Invalid Refresh Token: Refresh Token Not Found');
	if (!rt.session_id || !rt.session_exists)
		throw badRequest('session_not_found', 'Invalid Refresh Token: Session Not Found');
	if (rt.session_expired)
		throw badRequest('session_expired', 'Invalid Refresh Token: Session Expired');
	const user = await findUserById(db, rt.user_id);
	if (!user || user.deleted_at)
		throw badRequest('refresh_token_not_found', 'Invalid Refresh Token: Refresh Token Not Found');
	if (user.is_banned) throw badRequest('user_banned', 'User is banned');
	await db.query(`select id from auth.sessions where id = $1 for update`, [rt.session_id]);
	let issued: string;
	if (rt.revoked) {
		const { rows: active } = await db.query<{ token: string; parent: string | null }>(
			`select token, parent from auth.refresh_tokens where session_id = $1 and not coalesce(revoked, false)
			order by id desc limit 1`,
			[rt.session_id]
		);
		if (rt.reusable && active[0]) {
			issued = active[0].token;
		} else {
			await db.query(
				`update auth.refresh_tokens set revoked = true, updated_at = now() where session_id = $1 and not coalesce(revoked, false)`,
				[rt.session_id]
			);
			throw new CommitWithError(
				badRequest('refresh_token_already_used', 'Invalid Refresh Token: Already Used')
			);
		}
	} else {
		await db.query(
			`update auth.refresh_tokens set revoked = true, updated_at = now() where id = $1`,
			[rt.id]
		);
		issued = await insertRefreshToken(db, user.id, rt.session_id, rt.token);
	}
	await db.query(
		`update auth.sessions set refreshed_at = now() at time zone 'utc', updated_at = now() where id = $1`,
		[rt.session_id]
	);
	return tokenResponse(db, user, rt.session_id, issued, 'token_refresh');
}
