/**
 * Endpoints that start sessions (docs/local-runtime.md, "Auth"): `POST /signup` and
 * `POST /token` (password, refresh_token and pkce grants).
 */
import { createHash, randomUUID } from 'node:crypto';
import type pg from 'pg';
import { sendJson, type GatewayContext } from '../core/http.ts';
import { authConfig } from './config.ts';
import { jsonBody, pkceParams, str } from './caller.ts';
import type { Body } from './caller.ts';
import { AuthError, badRequest, validationFailed } from './errors.ts';
import { makeLink, sendMail } from './mail.ts';
import { createFlowState } from './one-time-tokens.ts';
import { checkSendFrequency, countEmailSend, limitRequest } from './rate-limit.ts';
import { issueSession, refreshSession } from './sessions.ts';
import type { AuthMethod } from './sessions.ts';
import { tx } from './tx.ts';
import {
	asObject,
	checkPassword,
	confirmEmail,
	findUserByEmail,
	findUserById,
	insertUser,
	passwordMatches,
	passwordWeakness,
	userJson,
	validateEmail
} from './users.ts';
import type { UserRow } from './users.ts';

export async function signup(ctx: GatewayContext) {
	const body = await jsonBody(ctx);
	if (!str(body.email) && !str(body.phone)) {
		if (!authConfig.anonymousSignIns)
			throw new AuthError(422, 'anonymous_provider_disabled', 'Anonymous sign-ins are disabled');
	}
	await limitRequest(ctx, 'signups');
	if (!authConfig.enableSignup)
		throw new AuthError(422, 'signup_disabled', 'Signups not allowed for this instance');
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
		// GoTrue (signup.go): an existing unconfirmed user is NOT updated ("we can't be sure of their
		// claimed identity"): a stranger cannot set the password of an invited person's account; the
		// confirmation is mailed again within max_frequency (sendConfirmation)
		if (user) {
			if (!authConfig.autoconfirm) checkSendFrequency(user.confirmation_sent_at);
		} else {
			user = await insertUser(db, { email, password, confirmed: false, userMetadata: data });
		}
		if (authConfig.autoconfirm) {
			await confirmEmail(db, user.id);
			const fresh = (await findUserById(db, user.id)) as UserRow;
			return { session: await issueSession(db, fresh, 'password', ctx) };
		}
		if (pkce) await createFlowState(db, user.id, 'email/signup', pkce.challenge, pkce.method);
		await countEmailSend();
		const link = await makeLink(db, user, 'signup', email, redirect, !!pkce);
		await sendMail(db, ctx, user.id, { to: email, link });
		const fresh = (await findUserById(db, user.id)) as UserRow;
		return { user: await userJson(db, fresh) };
	});
	if ('session' in result) return sendJson(ctx.res, 200, result.session);
	if ('obfuscated' in result) return sendJson(ctx.res, 200, result.obfuscated);
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

const GRANTS = ['password', 'refresh_token', 'pkce'];

export async function token(ctx: GatewayContext) {
	const grant = ctx.url.searchParams.get('grant_type') ?? '';
	if (!GRANTS.includes(grant)) throw badRequest('invalid_credentials', 'unsupported_grant_type');
	// every grant shares the `token_refresh` bucket (GoTrue's Token limiter)
	await limitRequest(ctx, 'token');
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
		// a right password that no longer meets the rules still signs in, and says so
		const weak = Buffer.byteLength(password) <= 72 ? passwordWeakness(password) : null;
		return sendJson(ctx.res, 200, weak ? { ...response, weak_password: weak } : response);
	}
	if (grant === 'refresh_token') {
		const refresh = str(body.refresh_token);
		if (!refresh)
			throw badRequest('refresh_token_not_found', 'Invalid Refresh Token: Refresh Token Not Found');
		return sendJson(ctx.res, 200, await tx((db) => refreshSession(db, refresh, ctx)));
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
