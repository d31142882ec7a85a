/**
 * The local Auth service (`/auth/v1`): a stand-in for GoTrue serving the endpoints supabase-js
 * and @supabase/ssr call (SUPABASE_CONTRACTS.md section 2), over GoTrue's own tables in `auth`,
 * as `supabase_auth_admin`. E-mails go to the local mailbox (mail.ts).
 */
import { createHash, randomUUID } from 'node:crypto';
import type pg from 'pg';
import { readBody, sendJson, type GatewayContext } from './http.ts';
import { JwtError, jwks, verifyJwt, type Claims } from './jwt.ts';
import { deliver, type MailType } from './mail.ts';
import { AUTH_URL, authConfig, redirectTarget } from './auth-config.ts';
import {
	asObject,
	AuthError,
	badRequest,
	checkPassword,
	clearOneTimeToken,
	confirmEmail,
	createFlowState,
	createOneTimeToken,
	findUserByEmail,
	findUserById,
	insertUser,
	issueSession,
	mergeMeta,
	passwordMatches,
	refreshSession,
	sendAuthError,
	setPassword,
	sha224Hex,
	tx,
	userJson,
	validateEmail,
	validationFailed,
	type AuthMethod,
	type OttType,
	type UserRow
} from './auth-core.ts';

type Body = Record<string, unknown>;

async function jsonBody(ctx: GatewayContext): Promise<Body> {
	const raw = await readBody(ctx.req, 1024 * 1024).catch(() => {
		throw new AuthError(413, 'request_too_large', 'Request body too large');
	});
	const text = raw.toString('utf8').trim();
	if (!text) return {};
	let parsed: unknown;
	try {
		parsed = JSON.parse(text);
	} catch (err) {
		throw new AuthError(
			400,
			'bad_json',
			`Could not parse request body as JSON: ${(err as Error).message}`
		);
	}
	if (!parsed || typeof parsed !== 'object' || Array.isArray(parsed)) {
		throw new AuthError(
			400,
			'bad_json',
			'Could not parse request body as JSON: expected an object'
		);
	}
	return parsed as Body;
}

function str(v: unknown): string | undefined {
	return typeof v === 'string' && v !== '' ? v : undefined;
}

const UUID_RE = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

// ---------------------------------------------------------------------------------------------
// Authorization of the caller

function bearerClaims(ctx: GatewayContext): Claims {
	if (!ctx.bearer)
		throw new AuthError(401, 'no_authorization', 'This endpoint requires a valid Bearer token');
	try {
		return verifyJwt(ctx.bearer);
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
}

/** GoTrue requireAdmin: a service_role (or supabase_admin) JWT. */
function requireAdmin(ctx: GatewayContext) {
	const claims = bearerClaims(ctx);
	if (claims.role !== 'service_role' && claims.role !== 'supabase_admin') {
		throw new AuthError(403, 'not_admin', 'User not allowed');
	}
}

interface Caller {
	claims: Claims;
	user: UserRow;
	sessionId: string | null;
}

/** GoTrue requireAuthentication + maybeLoadUserOrSession. */
async function requireUser(ctx: GatewayContext, db: pg.ClientBase): Promise<Caller> {
	const claims = bearerClaims(ctx);
	const sub = claims.sub;
	if (typeof sub !== 'string' || sub === '')
		throw new AuthError(403, 'bad_jwt', 'invalid claim: missing sub claim');
	if (!UUID_RE.test(sub))
		throw new AuthError(400, 'bad_jwt', 'invalid claim: sub claim must be a UUID');
	const user = await findUserById(db, sub);
	if (!user || user.deleted_at)
		throw new AuthError(403, 'user_not_found', 'User from sub claim in JWT does not exist');
	let sessionId: string | null = null;
	const sid = claims.session_id;
	if (typeof sid === 'string' && sid !== '' && sid !== '00000000-0000-0000-0000-000000000000') {
		if (!UUID_RE.test(sid))
			throw new AuthError(400, 'bad_jwt', 'invalid claim: session_id claim must be a UUID');
		const { rowCount } = await db.query(`select 1 from auth.sessions where id = $1`, [sid]);
		if (!rowCount) {
			throw new AuthError(
				403,
				'session_not_found',
				'Session from session_id claim in JWT does not exist'
			);
		}
		sessionId = sid;
	}
	if (user.is_banned) throw new AuthError(403, 'user_banned', 'User is banned');
	return { claims, user, sessionId };
}

// ---------------------------------------------------------------------------------------------
// E-mail links

const LINK_TOKEN: Record<MailType, OttType> = {
	signup: 'confirmation_token',
	invite: 'confirmation_token',
	magiclink: 'recovery_token',
	recovery: 'recovery_token',
	email_change: 'email_change_token_new'
};

interface Link {
	actionLink: string;
	emailOtp: string;
	hashedToken: string;
	redirectTo: string;
	type: MailType;
}

async function makeLink(
	db: pg.ClientBase,
	user: UserRow,
	type: MailType,
	email: string,
	redirect: string | null | undefined,
	pkce = false
): Promise<Link> {
	const { otp, tokenHash } = await createOneTimeToken(db, user.id, LINK_TOKEN[type], email, pkce);
	const redirectTo = redirectTarget(redirect);
	const q = new URLSearchParams({ token: tokenHash, type, redirect_to: redirectTo });
	return {
		actionLink: `${AUTH_URL}/verify?${q}`,
		emailOtp: otp,
		hashedToken: tokenHash,
		redirectTo,
		type
	};
}

function send(to: string, link: Link) {
	deliver({
		to,
		type: link.type,
		actionLink: link.actionLink,
		emailOtp: link.emailOtp,
		tokenHash: link.hashedToken,
		redirectTo: link.redirectTo
	});
}

/** PKCE parameters of a request that starts a flow (`code_challenge` + method), if any. */
function pkceParams(body: Body): { challenge: string; method: string } | null {
	const challenge = str(body.code_challenge);
	const method = str(body.code_challenge_method);
	if (!challenge && !method) return null;
	if (!challenge || !method)
		throw validationFailed('PKCE flow requires code_challenge_method and code_challenge');
	return { challenge, method };
}

// ---------------------------------------------------------------------------------------------
// Handlers

async function signup(ctx: GatewayContext) {
	const body = await jsonBody(ctx);
	if (!authConfig.enableSignup)
		throw new AuthError(422, 'signup_disabled', 'Signups not allowed for this instance');
	if (!str(body.email) && !str(body.phone)) {
		if (!authConfig.anonymousSignIns)
			throw new AuthError(422, 'anonymous_provider_disabled', 'Anonymous sign-ins are disabled');
	}
	if (str(body.phone) && !str(body.email))
		throw new AuthError(422, 'phone_provider_disabled', 'Phone signups are disabled');
	const email = validateEmail(body.email);
	if (typeof body.password !== 'string' || body.password === '')
		throw validationFailed('Signup requires a valid password');
	const password = checkPassword(body.password);
	const data = asObject(body.data, 'data') ?? {};
	const pkce = pkceParams(body);
	const redirect = ctx.url.searchParams.get('redirect_to');
	const result = await tx(async (db) => {
		let user = await findUserByEmail(db, email, true);
		if (user && user.email_confirmed_at) {
			if (authConfig.autoconfirm)
				throw new AuthError(422, 'user_already_exists', 'User already registered');
			return { obfuscated: obfuscatedUser(email, data) };
		}
		if (user) {
			await setPassword(db, user.id, password);
			await db.query(
				`update auth.users set raw_user_meta_data = coalesce(raw_user_meta_data, '{}'::jsonb) || $2::jsonb where id = $1`,
				[user.id, JSON.stringify(data)]
			);
		} else {
			user = await insertUser(db, { email, password, confirmed: false, userMetadata: data });
		}
		if (authConfig.autoconfirm) {
			await confirmEmail(db, user.id);
			const fresh = (await findUserById(db, user.id)) as UserRow;
			return { session: await issueSession(db, fresh, 'password', ctx) };
		}
		if (pkce) await createFlowState(db, user.id, 'email/signup', pkce.challenge, pkce.method);
		const link = await makeLink(db, user, 'signup', email, redirect, !!pkce);
		const fresh = (await findUserById(db, user.id)) as UserRow;
		return { user: await userJson(db, fresh), link, email };
	});
	if ('session' in result) return sendJson(ctx.res, 200, result.session);
	if ('obfuscated' in result) return sendJson(ctx.res, 200, result.obfuscated);
	send(result.email, result.link);
	sendJson(ctx.res, 200, result.user);
}

/** Autoconfirm off and the address is taken: GoTrue answers a fake, unsaved user (no enumeration). */
function obfuscatedUser(email: string, data: Body) {
	const now = new Date().toISOString();
	return {
		id: randomUUID(),
		aud: 'authenticated',
		role: 'authenticated',
		email,
		phone: '',
		confirmation_sent_at: now,
		app_metadata: { provider: 'email', providers: ['email'] },
		user_metadata: data,
		identities: [],
		created_at: now,
		updated_at: now,
		is_anonymous: false
	};
}

async function token(ctx: GatewayContext) {
	const grant = ctx.url.searchParams.get('grant_type');
	const body = await jsonBody(ctx);
	if (grant === 'password') {
		const email = str(body.email);
		if (!email && !str(body.phone)) throw validationFailed('missing email or phone');
		const password = typeof body.password === 'string' ? body.password : '';
		const response = await tx(async (db) => {
			const user = email ? await findUserByEmail(db, email.trim()) : null;
			if (!user || user.deleted_at || !password)
				throw badRequest('invalid_credentials', 'Invalid login credentials');
			if (user.is_banned) throw badRequest('user_banned', 'User is banned');
			if (!(await passwordMatches(db, user.id, password)))
				throw badRequest('invalid_credentials', 'Invalid login credentials');
			if (!user.email_confirmed_at) throw badRequest('email_not_confirmed', 'Email not confirmed');
			return issueSession(db, user, 'password', ctx);
		});
		return sendJson(ctx.res, 200, response);
	}
	if (grant === 'refresh_token') {
		const refresh = str(body.refresh_token);
		if (!refresh)
			throw badRequest('refresh_token_not_found', 'Invalid Refresh Token: Refresh Token Not Found');
		return sendJson(ctx.res, 200, await tx((db) => refreshSession(db, refresh)));
	}
	if (grant === 'pkce') {
		const authCode = str(body.auth_code);
		const verifier = str(body.code_verifier);
		if (!authCode || !verifier)
			throw validationFailed(
				'invalid request: both auth code and code verifier should be non-empty'
			);
		return sendJson(ctx.res, 200, await tx((db) => exchangeCode(db, authCode, verifier, ctx)));
	}
	throw badRequest('invalid_credentials', 'unsupported_grant_type');
}

async function exchangeCode(
	db: pg.ClientBase,
	authCode: string,
	verifier: string,
	ctx: GatewayContext
) {
	const { rows } = await db.query<{
		id: string;
		user_id: string | null;
		code_challenge: string;
		code_challenge_method: string;
		authentication_method: string;
		expired: boolean;
	}>(
		`select id, user_id, code_challenge, code_challenge_method, authentication_method,
			coalesce(auth_code_issued_at, created_at) + interval '5 minutes' < now() as expired
		from auth.flow_state where auth_code = $1 for update`,
		[authCode]
	);
	const flow = rows[0];
	if (!flow)
		throw new AuthError(
			404,
			'flow_state_not_found',
			'invalid flow state, no valid flow state found'
		);
	if (flow.expired)
		throw new AuthError(422, 'flow_state_expired', 'invalid flow state, flow state has expired');
	const computed =
		flow.code_challenge_method === 's256'
			? createHash('sha256').update(verifier).digest('base64url')
			: verifier;
	if (computed !== flow.code_challenge) {
		throw new AuthError(
			400,
			'bad_code_verifier',
			'code challenge does not match previously saved code verifier'
		);
	}
	const user = flow.user_id ? await findUserById(db, flow.user_id) : null;
	if (!user) throw new AuthError(404, 'user_not_found', 'User not found');
	await db.query(`delete from auth.flow_state where id = $1`, [flow.id]);
	return issueSession(db, user, flow.authentication_method as AuthMethod, ctx);
}

async function getUser(ctx: GatewayContext) {
	const user = await tx(async (db) => {
		const { user } = await requireUser(ctx, db);
		return userJson(db, user);
	});
	sendJson(ctx.res, 200, user);
}

async function updateUser(ctx: GatewayContext) {
	const body = await jsonBody(ctx);
	const redirect = ctx.url.searchParams.get('redirect_to');
	const out = await tx(async (db) => {
		const { user } = await requireUser(ctx, db);
		if (body.app_metadata !== undefined && body.app_metadata !== null) {
			throw new AuthError(403, 'not_admin', 'Updating app_metadata requires admin privileges');
		}
		const data = asObject(body.data, 'data');
		let mail: { to: string; link: Link } | null = null;
		if (typeof body.password === 'string' && body.password !== '') {
			checkPassword(body.password);
			if (await passwordMatches(db, user.id, body.password)) {
				throw new AuthError(
					422,
					'same_password',
					'New password should be different from the old password.'
				);
			}
			await setPassword(db, user.id, body.password);
		}
		if (data) {
			await db.query(
				`update auth.users set raw_user_meta_data = $2::jsonb, updated_at = now() where id = $1`,
				[user.id, JSON.stringify(mergeMeta(user.raw_user_meta_data, data))]
			);
		}
		const newEmail = str(body.email);
		if (newEmail && newEmail.trim().toLowerCase() !== (user.email ?? '').toLowerCase()) {
			const email = validateEmail(newEmail);
			const taken = await findUserByEmail(db, email);
			if (taken && taken.id !== user.id) {
				throw new AuthError(
					422,
					'email_exists',
					'A user with this email address has already been registered'
				);
			}
			if (authConfig.autoconfirm) {
				await changeEmail(db, user.id, email);
			} else {
				await db.query(`update auth.users set email_change = $2 where id = $1`, [user.id, email]);
				const pkce = pkceParams(body);
				if (pkce) await createFlowState(db, user.id, 'email_change', pkce.challenge, pkce.method);
				mail = {
					to: email,
					link: await makeLink(db, user, 'email_change', email, redirect, !!pkce)
				};
			}
		}
		const fresh = (await findUserById(db, user.id)) as UserRow;
		return { user: await userJson(db, fresh), mail };
	});
	if (out.mail) send(out.mail.to, out.mail.link);
	sendJson(ctx.res, 200, out.user);
}

async function changeEmail(db: pg.ClientBase, userId: string, email: string) {
	await db.query(
		`update auth.users set email = $2::text, email_change = '', email_change_token_new = '', email_change_sent_at = null,
			email_confirmed_at = now(), updated_at = now(),
			raw_user_meta_data = case when raw_user_meta_data ? 'email' then jsonb_set(raw_user_meta_data, '{email}', to_jsonb($2::text)) else raw_user_meta_data end
		where id = $1`,
		[userId, email]
	);
	await db.query(
		`update auth.identities set identity_data = jsonb_set(identity_data, '{email}', to_jsonb($2::text)), updated_at = now()
		where user_id = $1 and provider = 'email'`,
		[userId, email]
	);
}

async function logout(ctx: GatewayContext) {
	const scope = ctx.url.searchParams.get('scope') ?? 'global';
	if (!['global', 'local', 'others'].includes(scope))
		throw validationFailed(`Unsupported logout scope "${scope}"`);
	await tx(async (db) => {
		const { user, sessionId } = await requireUser(ctx, db);
		if (scope === 'global' || !sessionId) {
			await db.query(`delete from auth.sessions where user_id = $1`, [user.id]);
		} else if (scope === 'local') {
			await db.query(`delete from auth.sessions where id = $1`, [sessionId]);
		} else {
			await db.query(`delete from auth.sessions where user_id = $1 and id <> $2`, [
				user.id,
				sessionId
			]);
		}
	});
	ctx.res.writeHead(204);
	ctx.res.end();
}

async function recover(ctx: GatewayContext) {
	const body = await jsonBody(ctx);
	if (!str(body.email)) throw validationFailed('Password recovery requires an email');
	const email = validateEmail(body.email);
	const pkce = pkceParams(body);
	const redirect = ctx.url.searchParams.get('redirect_to');
	const mail = await tx(async (db) => {
		const user = await findUserByEmail(db, email, true);
		if (!user || user.deleted_at) return null;
		if (pkce) await createFlowState(db, user.id, 'recovery', pkce.challenge, pkce.method);
		return {
			to: user.email ?? email,
			link: await makeLink(db, user, 'recovery', user.email ?? email, redirect, !!pkce)
		};
	});
	if (mail) send(mail.to, mail.link);
	sendJson(ctx.res, 200, {});
}

/** POST /resend: a new signup confirmation or e-mail change link; quiet for unknown addresses. */
async function resend(ctx: GatewayContext) {
	const body = await jsonBody(ctx);
	const type = str(body.type);
	if (type !== 'signup' && type !== 'email_change') {
		if (type === 'sms' || type === 'phone_change') {
			throw new AuthError(422, 'phone_provider_disabled', 'Unsupported phone provider');
		}
		throw validationFailed('Missing one of these types: signup, email_change, sms, phone_change');
	}
	const email = validateEmail(body.email);
	const pkce = pkceParams(body);
	const redirect = ctx.url.searchParams.get('redirect_to');
	const mail = await tx(async (db) => {
		if (type === 'signup') {
			const user = await findUserByEmail(db, email, true);
			if (!user || user.deleted_at || user.email_confirmed_at) return null;
			if (pkce) await createFlowState(db, user.id, 'email/signup', pkce.challenge, pkce.method);
			return { to: email, link: await makeLink(db, user, 'signup', email, redirect, !!pkce) };
		}
		const { rows } = await db.query<{ id: string }>(
			`select id from auth.users where lower(email_change) = lower($1) and deleted_at is null limit 1`,
			[email]
		);
		const user = rows[0] ? await findUserById(db, rows[0].id, true) : null;
		if (!user) return null;
		if (pkce) await createFlowState(db, user.id, 'email_change', pkce.challenge, pkce.method);
		return { to: email, link: await makeLink(db, user, 'email_change', email, redirect, !!pkce) };
	});
	if (mail) send(mail.to, mail.link);
	sendJson(ctx.res, 200, {});
}

async function otp(ctx: GatewayContext) {
	const body = await jsonBody(ctx);
	if (!str(body.email)) {
		if (str(body.phone))
			throw new AuthError(422, 'phone_provider_disabled', 'Unsupported phone provider');
		throw validationFailed('An email address or phone number is required');
	}
	const email = validateEmail(body.email);
	const createUser = body.create_user !== false;
	const data = asObject(body.data, 'data') ?? {};
	const pkce = pkceParams(body);
	const redirect = ctx.url.searchParams.get('redirect_to');
	const mail = await tx(async (db) => {
		let user = await findUserByEmail(db, email, true);
		let type: MailType = 'magiclink';
		let method: AuthMethod = 'magiclink';
		if (!user) {
			if (!createUser || !authConfig.enableSignup)
				throw new AuthError(422, 'otp_disabled', 'Signups not allowed for otp');
			user = await insertUser(db, { email, confirmed: false, userMetadata: data });
			type = 'signup';
			method = 'email/signup';
		} else if (!user.email_confirmed_at) {
			type = 'signup';
			method = 'email/signup';
		}
		if (pkce) await createFlowState(db, user.id, method, pkce.challenge, pkce.method);
		return {
			to: user.email ?? email,
			link: await makeLink(db, user, type, user.email ?? email, redirect, !!pkce)
		};
	});
	send(mail.to, mail.link);
	sendJson(ctx.res, 200, {});
}

const VERIFY_TYPES = [
	'signup',
	'invite',
	'recovery',
	'magiclink',
	'email',
	'email_change'
] as const;
type VerifyType = (typeof VERIFY_TYPES)[number];

const VERIFY_TOKENS: Record<VerifyType, OttType[]> = {
	signup: ['confirmation_token'],
	invite: ['confirmation_token'],
	recovery: ['recovery_token'],
	magiclink: ['recovery_token'],
	email: ['confirmation_token', 'recovery_token'],
	email_change: ['email_change_token_new']
};

const VERIFY_METHOD: Record<VerifyType, AuthMethod> = {
	signup: 'email/signup',
	invite: 'invite',
	recovery: 'recovery',
	magiclink: 'magiclink',
	email: 'otp',
	email_change: 'email_change'
};

interface Verified {
	user: UserRow;
	pkce: boolean;
	method: AuthMethod;
}

/** Consumes the one-time token and applies its effect (confirm, recover, change e-mail). */
async function consumeToken(
	db: pg.ClientBase,
	type: VerifyType,
	tokenHash: string
): Promise<Verified> {
	const { rows } = await db.query<{
		user_id: string;
		token_type: OttType;
		token_hash: string;
		relates_to: string;
		expired: boolean;
	}>(
		`select ott.user_id, ott.token_type, ott.token_hash, ott.relates_to,
			coalesce(case ott.token_type
				when 'confirmation_token' then u.confirmation_sent_at
				when 'recovery_token' then u.recovery_sent_at
				else u.email_change_sent_at end, ott.created_at at time zone 'utc')
				+ make_interval(secs => $3) < now() as expired
		from auth.one_time_tokens ott join auth.users u on u.id = ott.user_id
		where ott.token_hash = $1 and ott.token_type = any($2::text[])
		limit 1 for update of ott`,
		[tokenHash, VERIFY_TOKENS[type], authConfig.otpExpiry]
	);
	const row = rows[0];
	if (!row || row.expired)
		throw new AuthError(403, 'otp_expired', 'Token has expired or is invalid');
	await clearOneTimeToken(db, row.user_id, row.token_type);
	if (row.token_type === 'email_change_token_new') {
		await changeEmail(db, row.user_id, row.relates_to);
	} else {
		await confirmEmail(db, row.user_id);
	}
	const user = (await findUserById(db, row.user_id)) as UserRow;
	if (user.is_banned) throw new AuthError(403, 'user_banned', 'User is banned');
	let method = VERIFY_METHOD[type];
	if (type === 'email') method = 'otp';
	return { user, pkce: row.token_hash.startsWith('pkce_'), method };
}

function verifyType(value: unknown): VerifyType {
	if (typeof value !== 'string' || !(VERIFY_TYPES as readonly string[]).includes(value)) {
		throw validationFailed('Verify requires a verification type');
	}
	return value as VerifyType;
}

async function verifyPost(ctx: GatewayContext) {
	const body = await jsonBody(ctx);
	const type = verifyType(body.type);
	let tokenHash = str(body.token_hash);
	if (!tokenHash) {
		const token = str(body.token);
		const email = str(body.email);
		if (!token) throw validationFailed('Verify requires a token or a token hash');
		if (!email)
			throw validationFailed('Only an email address or phone number should be provided on verify');
		tokenHash = sha224Hex(email.trim().toLowerCase() + token);
	}
	const hash = tokenHash;
	const session = await tx(async (db) => {
		const { user, method } = await consumeToken(db, type, hash);
		return issueSession(db, user, method, ctx);
	});
	sendJson(ctx.res, 200, session);
}

function redirect(ctx: GatewayContext, location: string) {
	ctx.res.writeHead(303, { Location: location, 'Cache-Control': 'no-store' });
	ctx.res.end();
}

async function verifyGet(ctx: GatewayContext) {
	const q = ctx.url.searchParams;
	const target = redirectTarget(q.get('redirect_to'));
	const fail = (err: AuthError) => {
		const description =
			err.code === 'otp_expired' ? 'Email link is invalid or has expired' : err.message;
		const frag = new URLSearchParams({
			error: 'access_denied',
			error_code: err.code,
			error_description: description
		});
		redirect(ctx, `${target.split('#')[0]}#${frag}`);
	};
	let type: VerifyType;
	try {
		type = verifyType(q.get('type'));
	} catch (err) {
		return fail(err as AuthError);
	}
	const token = q.get('token');
	if (!token)
		return fail(new AuthError(403, 'otp_expired', 'Email link is invalid or has expired'));
	try {
		const out = await tx(async (db) => {
			const verified = await consumeToken(db, type, token);
			if (verified.pkce) {
				const { rows } = await db.query<{ auth_code: string }>(
					`update auth.flow_state set auth_code_issued_at = now(), updated_at = now()
					where id = (select id from auth.flow_state where user_id = $1 and authentication_method = $2
						order by created_at desc limit 1)
					returning auth_code`,
					[verified.user.id, verified.method]
				);
				if (!rows[0])
					throw new AuthError(
						404,
						'flow_state_not_found',
						'invalid flow state, no valid flow state found'
					);
				return { code: rows[0].auth_code };
			}
			return { session: await issueSession(db, verified.user, verified.method, ctx) };
		});
		if ('code' in out && out.code) {
			const u = new URL(target);
			u.searchParams.set('code', out.code);
			return redirect(ctx, u.toString());
		}
		const s = out.session!;
		const frag = new URLSearchParams({
			access_token: s.access_token,
			expires_at: String(s.expires_at),
			expires_in: String(s.expires_in),
			refresh_token: s.refresh_token,
			token_type: 'bearer',
			type
		});
		redirect(ctx, `${target.split('#')[0]}#${frag}`);
	} catch (err) {
		if (err instanceof AuthError) return fail(err);
		throw err;
	}
}

// ---------------------------------------------------------------------------------------------
// Admin API

function banSql(value: unknown): string | null | undefined {
	if (value === undefined) return undefined;
	if (value === 'none' || value === null || value === '') return null;
	if (typeof value !== 'string') throw validationFailed('invalid format for ban duration');
	const m = /^(\d+(?:\.\d+)?)(ns|us|µs|ms|s|m|h)$/.exec(value);
	const parts = value.match(/\d+(?:\.\d+)?(?:ns|us|µs|ms|s|m|h)/g);
	if (!m && (!parts || parts.join('') !== value))
		throw validationFailed(`invalid format for ban duration: ${value}`);
	const unit: Record<string, number> = {
		ns: 1e-9,
		us: 1e-6,
		µs: 1e-6,
		ms: 1e-3,
		s: 1,
		m: 60,
		h: 3600
	};
	let secs = 0;
	for (const p of parts ?? []) {
		const pm = /^(\d+(?:\.\d+)?)(\D+)$/.exec(p) as RegExpExecArray;
		secs += Number(pm[1]) * unit[pm[2]];
	}
	return new Date(Date.now() + secs * 1000).toISOString();
}

async function adminCreateUser(ctx: GatewayContext) {
	requireAdmin(ctx);
	const body = await jsonBody(ctx);
	if (!str(body.email) && !str(body.phone))
		throw validationFailed('Cannot create a user without either an email or phone');
	if (str(body.phone) && !str(body.email))
		throw validationFailed('Phone users are not supported by the local runtime');
	const email = validateEmail(body.email);
	const password = str(body.password);
	if (password) checkPassword(password);
	const passwordHash = str(body.password_hash);
	if (passwordHash && !/^\$2[aby]\$\d\d\$/.test(passwordHash))
		throw validationFailed('Invalid password hash format');
	const id = str(body.id);
	if (id && !UUID_RE.test(id)) throw validationFailed('id must be a valid UUID');
	const userMetadata = asObject(body.user_metadata, 'user_metadata') ?? asObject(body.data, 'data');
	const appMetadata = asObject(body.app_metadata, 'app_metadata');
	const banned = banSql(body.ban_duration);
	const role = str(body.role);
	const user = await tx(async (db) => {
		if (await findUserByEmail(db, email)) {
			throw new AuthError(
				422,
				'email_exists',
				'A user with this email address has already been registered'
			);
		}
		if (id && (await findUserById(db, id)))
			throw new AuthError(422, 'user_already_exists', 'User already registered');
		const row = await insertUser(db, {
			id,
			email,
			password,
			passwordHash,
			confirmed: body.email_confirm === true,
			role,
			userMetadata,
			appMetadata,
			bannedUntilSql: banned ?? null
		});
		return userJson(db, row);
	});
	sendJson(ctx.res, 200, user);
}

async function adminListUsers(ctx: GatewayContext) {
	requireAdmin(ctx);
	const q = ctx.url.searchParams;
	const pageRaw = q.get('page') || '1';
	const perRaw = q.get('per_page') || '50';
	if (!/^\d+$/.test(pageRaw) || !/^\d+$/.test(perRaw))
		throw new AuthError(400, 'validation_failed', 'Bad Pagination Parameters');
	const page = Math.max(1, Number(pageRaw));
	const perPage = Math.min(Math.max(1, Number(perRaw)), 1000);
	const filter = q.get('filter');
	const { users, total } = await tx(async (db) => {
		const where =
			`deleted_at is null and aud = 'authenticated'` +
			(filter ? ` and (email ilike '%' || $3 || '%')` : '');
		const params: unknown[] = [perPage, (page - 1) * perPage];
		if (filter) params.push(filter.replace(/[\\%_]/g, '\\$&'));
		const { rows } = await db.query<{ id: string }>(
			`select id from auth.users where ${where} order by created_at desc, id limit $1 offset $2`,
			params
		);
		const { rows: count } = await db.query<{ n: string }>(
			`select count(*)::text as n from auth.users where ${where.replace('$3', '$1')}`,
			filter ? [params[2]] : []
		);
		const out: Record<string, unknown>[] = [];
		for (const r of rows) {
			const u = await findUserById(db, r.id);
			if (u) out.push(await userJson(db, u));
		}
		return { users: out, total: Number(count[0].n) };
	});
	const totalPages = Math.max(1, Math.ceil(total / perPage));
	const link = (p: number) => {
		const params = new URLSearchParams(q);
		params.set('page', String(p));
		params.set('per_page', String(perPage));
		params.sort();
		return `</admin/users?${params}>`;
	};
	const links: string[] = [];
	if (page < totalPages) links.push(`${link(page + 1)}; rel="next"`);
	links.push(`${link(totalPages)}; rel="last"`);
	sendJson(
		ctx.res,
		200,
		{ users, aud: 'authenticated' },
		{ Link: links.join(', '), 'X-Total-Count': String(total) }
	);
}

async function loadAdminTarget(db: pg.ClientBase, id: string, lock = false): Promise<UserRow> {
	if (!UUID_RE.test(id)) throw new AuthError(404, 'user_not_found', 'User not found');
	const user = await findUserById(db, id, lock);
	if (!user || user.deleted_at) throw new AuthError(404, 'user_not_found', 'User not found');
	return user;
}

async function adminGetUser(ctx: GatewayContext, id: string) {
	requireAdmin(ctx);
	sendJson(ctx.res, 200, await tx(async (db) => userJson(db, await loadAdminTarget(db, id))));
}

async function adminUpdateUser(ctx: GatewayContext, id: string) {
	requireAdmin(ctx);
	const body = await jsonBody(ctx);
	const userMetadata = asObject(body.user_metadata, 'user_metadata');
	const appMetadata = asObject(body.app_metadata, 'app_metadata');
	const banned = banSql(body.ban_duration);
	const out = await tx(async (db) => {
		const user = await loadAdminTarget(db, id, true);
		const email = str(body.email);
		if (email && email.trim().toLowerCase() !== (user.email ?? '').toLowerCase()) {
			const e = validateEmail(email);
			const taken = await findUserByEmail(db, e);
			if (taken && taken.id !== user.id) {
				throw new AuthError(
					422,
					'email_exists',
					'A user with this email address has already been registered'
				);
			}
			await changeEmail(db, user.id, e);
			if (body.email_confirm !== true && !user.email_confirmed_at) {
				await db.query(`update auth.users set email_confirmed_at = null where id = $1`, [user.id]);
			}
		}
		const password = str(body.password);
		if (password) {
			checkPassword(password);
			await setPassword(db, user.id, password);
		}
		const hash = str(body.password_hash);
		if (hash) {
			if (!/^\$2[aby]\$\d\d\$/.test(hash)) throw validationFailed('Invalid password hash format');
			await db.query(`update auth.users set encrypted_password = $2 where id = $1`, [
				user.id,
				hash
			]);
		}
		if (body.email_confirm === true) await confirmEmail(db, user.id);
		if (userMetadata) {
			await db.query(`update auth.users set raw_user_meta_data = $2::jsonb where id = $1`, [
				user.id,
				JSON.stringify(mergeMeta(user.raw_user_meta_data, userMetadata))
			]);
		}
		if (appMetadata) {
			await db.query(`update auth.users set raw_app_meta_data = $2::jsonb where id = $1`, [
				user.id,
				JSON.stringify(mergeMeta(user.raw_app_meta_data, appMetadata))
			]);
		}
		const role = str(body.role);
		if (role) await db.query(`update auth.users set role = $2 where id = $1`, [user.id, role]);
		if (banned !== undefined) {
			await db.query(`update auth.users set banned_until = $2::timestamptz where id = $1`, [
				user.id,
				banned
			]);
			if (banned) await db.query(`delete from auth.sessions where user_id = $1`, [user.id]);
		}
		await db.query(`update auth.users set updated_at = now() where id = $1`, [user.id]);
		return userJson(db, (await findUserById(db, user.id)) as UserRow);
	});
	sendJson(ctx.res, 200, out);
}

async function adminDeleteUser(ctx: GatewayContext, id: string) {
	requireAdmin(ctx);
	const body = await jsonBody(ctx);
	await tx(async (db) => {
		const user = await loadAdminTarget(db, id, true);
		if (body.should_soft_delete === true) {
			await db.query(`delete from auth.sessions where user_id = $1`, [user.id]);
			await db.query(`delete from auth.identities where user_id = $1`, [user.id]);
			await db.query(
				`update auth.users set deleted_at = now(), updated_at = now(), email = null, phone = null,
					encrypted_password = '', confirmation_token = '', recovery_token = '',
					raw_app_meta_data = '{}'::jsonb, raw_user_meta_data = '{}'::jsonb
				where id = $1`,
				[user.id]
			);
		} else {
			await db.query(`delete from auth.users where id = $1`, [user.id]);
		}
	});
	sendJson(ctx.res, 200, {});
}

async function invite(ctx: GatewayContext) {
	requireAdmin(ctx);
	const body = await jsonBody(ctx);
	const email = validateEmail(body.email);
	const data = asObject(body.data, 'data') ?? {};
	const redirectTo = ctx.url.searchParams.get('redirect_to');
	const out = await tx(async (db) => {
		let user = await findUserByEmail(db, email, true);
		if (user && user.email_confirmed_at) {
			throw new AuthError(
				422,
				'email_exists',
				'A user with this email address has already been registered'
			);
		}
		if (!user)
			user = await insertUser(db, { email, confirmed: false, invited: true, userMetadata: data });
		else {
			await db.query(
				`update auth.users set invited_at = now(), raw_user_meta_data = coalesce(raw_user_meta_data, '{}'::jsonb) || $2::jsonb where id = $1`,
				[user.id, JSON.stringify(data)]
			);
		}
		const link = await makeLink(db, user, 'invite', email, redirectTo);
		return { link, user: await userJson(db, (await findUserById(db, user.id)) as UserRow) };
	});
	send(email, out.link);
	sendJson(ctx.res, 200, out.user);
}

async function generateLink(ctx: GatewayContext) {
	requireAdmin(ctx);
	const body = await jsonBody(ctx);
	const requested = str(body.type);
	const types = [
		'signup',
		'invite',
		'magiclink',
		'recovery',
		'email_change_current',
		'email_change_new'
	];
	if (!requested || !types.includes(requested))
		throw validationFailed('Invalid email action link type requested');
	const email = validateEmail(body.email);
	const data = asObject(body.data, 'data') ?? {};
	const redirectTo = str(body.redirect_to) ?? ctx.url.searchParams.get('redirect_to');
	const out = await tx(async (db) => {
		let user = await findUserByEmail(db, email, true);
		let type = requested;
		if (!user && type === 'magiclink') type = 'signup';
		let link: Link;
		if (type === 'signup') {
			if (user && user.email_confirmed_at) {
				throw new AuthError(
					422,
					'email_exists',
					'A user with this email address has already been registered'
				);
			}
			const password = str(body.password);
			if (password) checkPassword(password);
			if (!user)
				user = await insertUser(db, {
					email,
					password: password ?? null,
					confirmed: false,
					userMetadata: data
				});
			else if (password) await setPassword(db, user.id, password);
			link = await makeLink(db, user, 'signup', email, redirectTo);
		} else if (type === 'invite') {
			if (user && user.email_confirmed_at) {
				throw new AuthError(
					422,
					'email_exists',
					'A user with this email address has already been registered'
				);
			}
			if (!user)
				user = await insertUser(db, { email, confirmed: false, invited: true, userMetadata: data });
			else await db.query(`update auth.users set invited_at = now() where id = $1`, [user.id]);
			link = await makeLink(db, user, 'invite', email, redirectTo);
		} else if (type === 'magiclink' || type === 'recovery') {
			if (!user) throw new AuthError(404, 'user_not_found', 'User with this email not found');
			link = await makeLink(db, user, type, email, redirectTo);
		} else {
			if (!user) throw new AuthError(404, 'user_not_found', 'User with this email not found');
			const newEmail = validateEmail(body.new_email);
			const taken = await findUserByEmail(db, newEmail);
			if (taken)
				throw new AuthError(
					422,
					'email_exists',
					'A user with this email address has already been registered'
				);
			await db.query(`update auth.users set email_change = $2 where id = $1`, [user.id, newEmail]);
			link = await makeLink(db, user, 'email_change', newEmail, redirectTo);
		}
		const u = await userJson(db, (await findUserById(db, user.id)) as UserRow);
		return {
			...u,
			action_link: link.actionLink,
			email_otp: link.emailOtp,
			hashed_token: link.hashedToken,
			verification_type: link.type,
			redirect_to: link.redirectTo
		};
	});
	sendJson(ctx.res, 200, out);
}

function settings() {
	return {
		external: { email: true, phone: false, anonymous_users: authConfig.anonymousSignIns },
		disable_signup: !authConfig.enableSignup,
		mailer_autoconfirm: authConfig.autoconfirm,
		phone_autoconfirm: false,
		sms_provider: '',
		saml_enabled: false
	};
}

// ---------------------------------------------------------------------------------------------
// Router

export async function handleAuth(ctx: GatewayContext): Promise<void> {
	const method = ctx.req.method ?? 'GET';
	const path = ctx.path.replace(/\/+$/, '') || '/';
	try {
		if (path === '/health')
			return sendJson(ctx.res, 200, {
				version: 'local',
				name: 'GoTrue',
				description: 'GoTrue is a user registration and authentication API'
			});
		if (path === '/.well-known/jwks.json' && method === 'GET') {
			return sendJson(ctx.res, 200, jwks(), { 'Cache-Control': 'public, max-age=600' });
		}
		if (path === '/settings' && method === 'GET') return sendJson(ctx.res, 200, settings());
		const routes: Record<string, Record<string, () => Promise<void>>> = {
			'/signup': { POST: () => signup(ctx) },
			'/token': { POST: () => token(ctx) },
			'/user': { GET: () => getUser(ctx), PUT: () => updateUser(ctx) },
			'/logout': { POST: () => logout(ctx) },
			'/recover': { POST: () => recover(ctx) },
			'/otp': { POST: () => otp(ctx) },
			'/magiclink': { POST: () => otp(ctx) },
			'/resend': { POST: () => resend(ctx) },
			'/verify': { GET: () => verifyGet(ctx), POST: () => verifyPost(ctx) },
			'/invite': { POST: () => invite(ctx) },
			'/admin/generate_link': { POST: () => generateLink(ctx) },
			'/admin/users': { GET: () => adminListUsers(ctx), POST: () => adminCreateUser(ctx) }
		};
		const adminUser = /^\/admin\/users\/([^/]+)$/.exec(path);
		const handlers = adminUser
			? {
					GET: () => adminGetUser(ctx, decodeURIComponent(adminUser[1])),
					PUT: () => adminUpdateUser(ctx, decodeURIComponent(adminUser[1])),
					DELETE: () => adminDeleteUser(ctx, decodeURIComponent(adminUser[1]))
				}
			: routes[path];
		if (!handlers) throw new AuthError(404, 'not_found', 'Not Found');
		const handler = (handlers as Record<string, () => Promise<void>>)[method];
		if (!handler) throw new AuthError(405, 'method_not_allowed', 'Method Not Allowed');
		await handler();
	} catch (err) {
		if (ctx.res.headersSent) {
			ctx.res.end();
			return;
		}
		if (err instanceof AuthError) return sendAuthError(ctx, err);
		const sqlstate = (err as { code?: unknown }).code;
		if (typeof sqlstate === 'string' && /^(22|23)/.test(sqlstate)) {
			// a value Postgres refused (too long, malformed, duplicate): the client's mistake, not ours
			return sendAuthError(
				ctx,
				sqlstate === '23505'
					? new AuthError(422, 'conflict', 'A conflicting record already exists')
					: validationFailed(`Invalid input: ${(err as Error).message}`)
			);
		}
		console.error('[auth] unexpected', err);
		sendAuthError(
			ctx,
			new AuthError(
				500,
				'unexpected_failure',
				'Unexpected failure, please check server logs for more information'
			)
		);
	}
}
