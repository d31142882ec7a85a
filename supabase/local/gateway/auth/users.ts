/**
 * Shared pieces of the local Auth stand-in: GoTrue's error shapes, transactions as
 * `supabase_auth_admin`, the user object, and issuing sessions (access token claims, the custom
 * access token hook, opaque rotating refresh tokens). SUPABASE_CONTRACTS.md sections 2 and 3.
 */
import { createHash, randomBytes, randomInt, randomUUID } from 'node:crypto';
import type pg from 'pg';
import { authPool } from './db.ts';
import { sendJson, type GatewayContext } from './http.ts';
import { signAccessToken } from './jwt.ts';
import { AUTH_URL, authConfig } from './auth-config.ts';

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

/** Runs `fn` in one transaction on a `supabase_auth_admin` connection. */
export async function tx<T>(fn: (client: pg.PoolClient) => Promise<T>): Promise<T> {
	const client = await authPool.connect();
	try {
		await client.query('begin');
		try {
			const out = await fn(client);
			await client.query('commit');
			return out;
		} catch (err) {
			if (err instanceof CommitWithError) {
				await client.query('commit');
				throw err.error;
			}
			await client.query('rollback').catch(() => {});
			throw err;
		}
	} finally {
		client.release();
	}
}

// ---------------------------------------------------------------------------------------------
// Users

export interface UserRow {
	id: string;
	aud: string | null;
	role: string | null;
	email: string | null;
	encrypted_password: string | null;
	email_confirmed_at: string | null;
	invited_at: string | null;
	confirmation_sent_at: string | null;
	recovery_sent_at: string | null;
	email_change: string | null;
	email_change_sent_at: string | null;
	last_sign_in_at: string | null;
	raw_app_meta_data: Record<string, unknown> | null;
	raw_user_meta_data: Record<string, unknown> | null;
	phone: string | null;
	phone_confirmed_at: string | null;
	confirmed_at: string | null;
	banned_until: string | null;
	is_anonymous: boolean;
	deleted_at: string | null;
	created_at: string | null;
	updated_at: string | null;
	is_banned: boolean;
}

const USER_COLUMNS = `id, aud, role, email, encrypted_password, email_confirmed_at, invited_at,
	confirmation_sent_at, recovery_sent_at, email_change, email_change_sent_at, last_sign_in_at,
	raw_app_meta_data, raw_user_meta_data, phone, phone_confirmed_at, confirmed_at, banned_until,
	is_anonymous, deleted_at, created_at, updated_at,
	coalesce(banned_until > now(), false) as is_banned`;

export async function findUserById(
	db: pg.ClientBase,
	id: string,
	lock = false
): Promise<UserRow | null> {
	const { rows } = await db.query<UserRow>(
		`select ${USER_COLUMNS} from auth.users where id = $1 ${lock ? 'for update' : ''}`,
		[id]
	);
	return rows[0] ?? null;
}

export async function findUserByEmail(
	db: pg.ClientBase,
	email: string,
	lock = false
): Promise<UserRow | null> {
	const { rows } = await db.query<UserRow>(
		`select ${USER_COLUMNS} from auth.users
		where lower(email) = lower($1) and is_sso_user = false
		order by created_at limit 1 ${lock ? 'for update' : ''}`,
		[email]
	);
	return rows[0] ?? null;
}

/** Postgres timestamp text → RFC 3339 (GoTrue prints UTC with fractional seconds). */
export function iso(ts: string | null | undefined): string | undefined {
	if (!ts) return undefined;
	const d = new Date(ts.replace(' ', 'T').replace(/([+-]\d\d)$/, '$1:00'));
	return Number.isNaN(d.getTime()) ? undefined : d.toISOString();
}

interface IdentityRow {
	id: string;
	provider_id: string;
	user_id: string;
	identity_data: Record<string, unknown>;
	provider: string;
	last_sign_in_at: string | null;
	created_at: string | null;
	updated_at: string | null;
	email: string | null;
}

/** The user object GoTrue returns (models/user.go JSON, empty optional fields omitted). */
export async function userJson(db: pg.ClientBase, user: UserRow): Promise<Record<string, unknown>> {
	const { rows } = await db.query<IdentityRow>(
		`select id, provider_id, user_id, identity_data, provider, last_sign_in_at, created_at,
		updated_at, email from auth.identities where user_id = $1 order by created_at`,
		[user.id]
	);
	const out: Record<string, unknown> = {
		id: user.id,
		aud: user.aud ?? '',
		role: user.role ?? '',
		email: user.email ?? '',
		email_confirmed_at: iso(user.email_confirmed_at),
		phone: user.phone ?? '',
		phone_confirmed_at: iso(user.phone_confirmed_at),
		confirmation_sent_at: iso(user.confirmation_sent_at),
		confirmed_at: iso(user.confirmed_at),
		recovery_sent_at: iso(user.recovery_sent_at),
		invited_at: iso(user.invited_at),
		new_email: user.email_change || undefined,
		email_change_sent_at: user.email_change ? iso(user.email_change_sent_at) : undefined,
		last_sign_in_at: iso(user.last_sign_in_at),
		app_metadata: user.raw_app_meta_data ?? {},
		user_metadata: user.raw_user_meta_data ?? {},
		identities: rows.map((i) => ({
			identity_id: i.id,
			id: i.provider_id,
			user_id: i.user_id,
			identity_data: i.identity_data,
			provider: i.provider,
			last_sign_in_at: iso(i.last_sign_in_at),
			created_at: iso(i.created_at),
			updated_at: iso(i.updated_at),
			email: i.email ?? undefined
		})),
		created_at: iso(user.created_at),
		updated_at: iso(user.updated_at),
		banned_until: user.is_banned ? iso(user.banned_until) : undefined,
		is_anonymous: user.is_anonymous
	};
	for (const k of Object.keys(out)) if (out[k] === undefined) delete out[k];
	return out;
}

const EMAIL_RE =
	/^[a-zA-Z0-9.!#$%&'*+/=?^_`{|}~-]+@[a-zA-Z0-9](?:[a-zA-Z0-9-]{0,61}[a-zA-Z0-9])?(?:\.[a-zA-Z0-9](?:[a-zA-Z0-9-]{0,61}[a-zA-Z0-9])?)+$/;

/** GoTrue's validateEmail: required, at most 255 characters, a plausible address. */
export function validateEmail(email: unknown): string {
	if (typeof email !== 'string' || email.trim() === '')
		throw validationFailed('An email address is required');
	const e = email.trim().toLowerCase();
	if (e.length > 255) throw validationFailed('An email address is too long');
	if (!EMAIL_RE.test(e)) throw validationFailed('Unable to validate email address: invalid format');
	return e;
}

/** Password strength (config `minimum_password_length`): 422 weak_password with reasons. */
export function checkPassword(password: unknown): string {
	if (typeof password !== 'string') throw validationFailed('Password must be a string');
	if (password.length < authConfig.minPasswordLength) {
		throw new AuthError(
			422,
			'weak_password',
			`Password should be at least ${authConfig.minPasswordLength} characters.`,
			{
				weak_password: { reasons: ['length'] }
			}
		);
	}
	if (password.length > 72) throw validationFailed('Password cannot be longer than 72 characters');
	return password;
}

export function asObject(value: unknown, field: string): Record<string, unknown> | undefined {
	if (value === undefined || value === null) return undefined;
	if (typeof value !== 'object' || Array.isArray(value))
		throw validationFailed(`${field} must be an object`);
	return value as Record<string, unknown>;
}

/** GoTrue's metadata merge: top-level keys replace, `null` deletes. */
export function mergeMeta(
	base: Record<string, unknown> | null,
	patch: Record<string, unknown>
): Record<string, unknown> {
	const out: Record<string, unknown> = { ...(base ?? {}) };
	for (const [k, v] of Object.entries(patch)) {
		if (v === null) delete out[k];
		else out[k] = v;
	}
	return out;
}

export interface NewUser {
	id?: string;
	email: string;
	password?: string | null;
	passwordHash?: string | null;
	confirmed: boolean;
	invited?: boolean;
	role?: string;
	userMetadata?: Record<string, unknown>;
	appMetadata?: Record<string, unknown>;
	bannedUntilSql?: string | null;
}

/** Inserts a user with its `email` identity, like GoTrue's signupNewUser + createNewIdentity. */
export async function insertUser(db: pg.ClientBase, u: NewUser): Promise<UserRow> {
	const id = u.id ?? randomUUID();
	const identityData = {
		sub: id,
		email: u.email,
		email_verified: u.confirmed,
		phone_verified: false
	};
	const userMeta = { ...(u.userMetadata ?? {}), ...identityData };
	const appMeta = { provider: 'email', providers: ['email'], ...(u.appMetadata ?? {}) };
	await db.query(
		`insert into auth.users (instance_id, id, aud, role, email, encrypted_password, email_confirmed_at,
			invited_at, raw_app_meta_data, raw_user_meta_data, created_at, updated_at, is_sso_user,
			is_anonymous, banned_until)
		values ('00000000-0000-0000-0000-000000000000', $1, 'authenticated', $2, $3,
			case when $4::text is not null then $4::text
				when $5::text is not null then extensions.crypt($5::text, extensions.gen_salt('bf', 10))
				else '' end,
			case when $6::boolean then now() end, case when $7::boolean then now() end,
			$8::jsonb, $9::jsonb, now(), now(), false, false, $10::timestamptz)`,
		[
			id,
			u.role ?? 'authenticated',
			u.email,
			u.passwordHash ?? null,
			u.password ?? null,
			u.confirmed,
			u.invited ?? false,
			JSON.stringify(appMeta),
			JSON.stringify(userMeta),
			u.bannedUntilSql ?? null
		]
	);
	await db.query(
		`insert into auth.identities (provider_id, user_id, identity_data, provider, last_sign_in_at, created_at, updated_at)
		values ($1::text, $1::uuid, $2::jsonb, 'email', null, now(), now())`,
		[id, JSON.stringify(identityData)]
	);
	return (await findUserById(db, id)) as UserRow;
}

/** Marks the e-mail confirmed (and `email_verified` in identity data and user metadata). */
export async function confirmEmail(db: pg.ClientBase, userId: string) {
	await db.query(
		`update auth.users set email_confirmed_at = coalesce(email_confirmed_at, now()), updated_at = now(),
			raw_user_meta_data = case when raw_user_meta_data ? 'email_verified'
				then jsonb_set(raw_user_meta_data, '{email_verified}', 'true') else raw_user_meta_data end
		where id = $1`,
		[userId]
	);
	await db.query(
		`update auth.identities set identity_data = jsonb_set(identity_data, '{email_verified}', 'true'), updated_at = now()
		where user_id = $1 and provider = 'email'`,
		[userId]
	);
}

export async function setPassword(db: pg.ClientBase, userId: string, password: string) {
	await db.query(
		`update auth.users set encrypted_password = extensions.crypt($2, extensions.gen_salt('bf', 10)), updated_at = now()
		where id = $1`,
		[userId, password]
	);
}

export async function passwordMatches(
	db: pg.ClientBase,
	userId: string,
	password: string
): Promise<boolean> {
	const { rows } = await db.query<{ ok: boolean }>(
		`select coalesce(encrypted_password <> '' and encrypted_password = extensions.crypt($2, encrypted_password), false) as ok
		from auth.users where id = $1`,
		[userId, password]
	);
	return rows[0]?.ok === true;
}

// ---------------------------------------------------------------------------------------------
// One-time tokens (links and e-mail OTPs)

export type OttType = 'confirmation_token' | 'recovery_token' | 'email_change_token_new';

const OTT_COLUMNS: Record<OttType, [string, string]> = {
	confirmation_token: ['confirmation_token', 'confirmation_sent_at'],
	recovery_token: ['recovery_token', 'recovery_sent_at'],
	email_change_token_new: ['email_change_token_new', 'email_change_sent_at']
};

export function sha224Hex(s: string): string {
	return createHash('sha224').update(s).digest('hex');
}

export function generateOtp(): string {
	return String(randomInt(0, 1_000_000)).padStart(6, '0');
}

/**
 * Creates (replacing any previous one of the same type) the token behind an e-mail link:
 * `token_hash = hex(sha224(email + otp))`, `pkce_`-prefixed for PKCE flows.
 */
export async function createOneTimeToken(
	db: pg.ClientBase,
	userId: string,
	type: OttType,
	email: string,
	pkce = false
): Promise<{ otp: string; tokenHash: string }> {
	const otp = generateOtp();
	const tokenHash = `${pkce ? 'pkce_' : ''}${sha224Hex(email + otp)}`;
	const [col, sentCol] = OTT_COLUMNS[type];
	await db.query(
		`update auth.users set ${col} = $2, ${sentCol} = now(), updated_at = now() where id = $1`,
		[userId, tokenHash]
	);
	await db.query(
		`insert into auth.one_time_tokens (id, user_id, token_type, token_hash, relates_to, created_at, updated_at)
		values ($1, $2, $3, $4, $5, now(), now())
		on conflict (user_id, token_type) do update
			set token_hash = excluded.token_hash, relates_to = excluded.relates_to, created_at = now(), updated_at = now()`,
		[randomUUID(), userId, type, tokenHash, email]
	);
	return { otp, tokenHash };
}

export async function clearOneTimeToken(db: pg.ClientBase, userId: string, type: OttType) {
	const [col] = OTT_COLUMNS[type];
	await db.query(`update auth.users set ${col} = '' where id = $1`, [userId]);
	await db.query(`delete from auth.one_time_tokens where user_id = $1 and token_type = $2`, [
		userId,
		type
	]);
}

/** Creates the PKCE flow state a later `?code=` exchange completes (GoTrue generateFlowState). */
export async function createFlowState(
	db: pg.ClientBase,
	userId: string,
	method: string,
	codeChallenge: string,
	codeChallengeMethod: string
) {
	const m = codeChallengeMethod.toLowerCase();
	if (m !== 's256' && m !== 'plain') throw validationFailed('code challenge method not supported');
	await db.query(
		`insert into auth.flow_state (id, user_id, auth_code, code_challenge_method, code_challenge,
			provider_type, created_at, updated_at, authentication_method)
		values ($1, $2, $3, $4, $5, 'email', now(), now(), $6)`,
		[randomUUID(), userId, randomUUID(), m, codeChallenge, method]
	);
}

// ---------------------------------------------------------------------------------------------
// Sessions and tokens

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

function quoteIdent(name: string): string {
	return `"${name.replace(/"/g, '""')}"`;
}

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
 * Calls the custom access token hook (SUPABASE_CONTRACTS.md 3.3) inside the issuing transaction
 * as supabase_auth_admin, and returns the claims to sign.
 */
async function runAccessTokenHook(
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

export async function issueForSession(
	db: pg.ClientBase,
	user: UserRow,
	sessionId: string,
	method: AuthMethod
) {
	return accessToken(db, user, sessionId, method);
}
