/**
 * E-mail flows (docs/local-runtime.md, "Auth"): `POST /recover`, `/resend`, `/otp` (and
 * `/magiclink`) send links; `POST /verify` and the e-mailed `GET /verify` consume them (confirm,
 * recover, change e-mail) and answer with a session, a PKCE `?code=`, or an error redirect.
 */
import type pg from 'pg';
import { seeOther, sendJson, type GatewayContext } from '../core/http.ts';
import type { MailType } from '../mailbox.ts';
import { authConfig, redirectTarget } from './config.ts';
import { jsonBody, pkceParams, str } from './caller.ts';
import { AuthError, validationFailed } from './errors.ts';
import { makeLink, sendEmailChange, sendMail } from './mail.ts';
import { clearOneTimeToken, createFlowState, sha224Hex } from './one-time-tokens.ts';
import type { OttType } from './one-time-tokens.ts';
import { checkSendFrequency, countEmailSend, limitRequest } from './rate-limit.ts';
import { issueSession } from './sessions.ts';
import type { AuthMethod } from './sessions.ts';
import { tx } from './tx.ts';
import {
	asObject,
	changeEmail,
	confirmEmail,
	findUserByEmail,
	findUserById,
	insertUser,
	validateEmail
} from './users.ts';
import type { UserRow } from './users.ts';

export async function recover(ctx: GatewayContext) {
	await limitRequest(ctx, 'recover');
	const body = await jsonBody(ctx);
	if (!str(body.email)) throw validationFailed('Password recovery requires an email');
	const email = validateEmail(body.email);
	const pkce = pkceParams(body);
	const redirect = ctx.url.searchParams.get('redirect_to');
	await tx(async (db) => {
		const user = await findUserByEmail(db, email, true);
		if (!user || user.deleted_at) return;
		if (pkce) await createFlowState(db, user.id, 'recovery', pkce.challenge, pkce.method);
		checkSendFrequency(user.recovery_sent_at);
		await countEmailSend();
		const to = user.email ?? email;
		const link = await makeLink(db, user, 'recovery', to, redirect, !!pkce);
		await sendMail(db, ctx, user.id, { to, link });
	});
	sendJson(ctx.res, 200, {});
}

/** POST /resend: a new signup confirmation or e-mail change link; quiet for unknown addresses. */
export async function resend(ctx: GatewayContext) {
	await limitRequest(ctx, 'resend');
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
	await tx(async (db) => {
		if (type === 'signup') {
			const user = await findUserByEmail(db, email, true);
			if (!user || user.deleted_at || user.email_confirmed_at) return;
			if (pkce) await createFlowState(db, user.id, 'email/signup', pkce.challenge, pkce.method);
			checkSendFrequency(user.confirmation_sent_at);
			await countEmailSend();
			const link = await makeLink(db, user, 'signup', email, redirect, !!pkce);
			await sendMail(db, ctx, user.id, { to: email, link });
			return;
		}
		const { rows } = await db.query<{ id: string }>(
			`select id from auth.users where lower(email_change) = lower($1) and deleted_at is null limit 1`,
			[email]
		);
		const user = rows[0] ? await findUserById(db, rows[0].id, true) : null;
		if (!user) return;
		if (pkce) await createFlowState(db, user.id, 'email_change', pkce.challenge, pkce.method);
		checkSendFrequency(user.email_change_sent_at);
		await countEmailSend();
		await sendEmailChange(db, ctx, user, email, redirect, !!pkce);
	});
	sendJson(ctx.res, 200, {});
}

export async function otp(ctx: GatewayContext) {
	// `/otp` and `/magiclink` are two GoTrue limiters with the same rate
	await limitRequest(ctx, ctx.path.startsWith('/magiclink') ? 'magiclink' : 'otp');
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
	await tx(async (db) => {
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
			checkSendFrequency(user.confirmation_sent_at);
		} else {
			checkSendFrequency(user.recovery_sent_at);
		}
		if (pkce) await createFlowState(db, user.id, method, pkce.challenge, pkce.method);
		await countEmailSend();
		const to = user.email ?? email;
		const link = await makeLink(db, user, type, to, redirect, !!pkce);
		await sendMail(db, ctx, user.id, { to, link });
	});
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
	email_change: ['email_change_token_new', 'email_change_token_current']
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
	/** One of two e-mail change links opened (double_confirm_changes): no session yet. */
	single?: boolean;
}

/** GoTrue's answer when the first of the two e-mail change links is opened. */
export const SINGLE_CONFIRMATION =
	'Confirmation link accepted. Please proceed to confirm link sent to the other email';

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
		email: string | null;
		email_change: string | null;
		confirm_status: number;
		expired: boolean;
	}>(
		`select ott.user_id, ott.token_type, ott.token_hash, ott.relates_to, u.email, u.email_change,
			coalesce(u.email_change_confirm_status, 0) as confirm_status,
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
	if (
		row.token_type === 'email_change_token_new' ||
		row.token_type === 'email_change_token_current'
	) {
		// GoTrue emailChangeVerify: with confirmations on and double confirm, the first link only
		// counts; the change applies when the other address's link is opened too
		if (
			!authConfig.autoconfirm &&
			authConfig.doubleConfirmChanges &&
			row.confirm_status === 0 &&
			row.email
		) {
			await db.query(`update auth.users set email_change_confirm_status = 1 where id = $1`, [
				row.user_id
			]);
			const user = (await findUserById(db, row.user_id)) as UserRow;
			return {
				user,
				pkce: row.token_hash.startsWith('pkce_'),
				method: 'email_change',
				single: true
			};
		}
		await changeEmail(db, row.user_id, row.email_change || row.relates_to);
		await db.query(
			`update auth.users set email_change_token_current = '', email_change_confirm_status = 0 where id = $1`,
			[row.user_id]
		);
		await db.query(`delete from auth.one_time_tokens where user_id = $1`, [row.user_id]);
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

export async function verifyPost(ctx: GatewayContext) {
	await limitRequest(ctx, 'verify');
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
		const { user, method, single } = await consumeToken(db, type, hash);
		if (single) return null;
		return issueSession(db, user, method, ctx);
	});
	if (!session) return sendJson(ctx.res, 200, { msg: SINGLE_CONFIRMATION, code: '200' });
	sendJson(ctx.res, 200, session);
}

export async function verifyGet(ctx: GatewayContext) {
	// refused in GoTrue's JSON error shape, not as a redirect (the limiter runs before the handler)
	await limitRequest(ctx, 'verify');
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
		seeOther(ctx.res, `${target.split('#')[0]}#${frag}`);
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
			if (verified.single) return { single: true, pkce: verified.pkce };
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
		if ('single' in out) {
			const message = new URLSearchParams({ message: SINGLE_CONFIRMATION });
			if (out.pkce) {
				const u = new URL(target);
				u.searchParams.set('message', SINGLE_CONFIRMATION);
				return seeOther(ctx.res, u.toString());
			}
			return seeOther(ctx.res, `${target.split('#')[0]}#${message}`);
		}
		if ('code' in out && out.code) {
			const u = new URL(target);
			u.searchParams.set('code', out.code);
			return seeOther(ctx.res, u.toString());
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
		seeOther(ctx.res, `${target.split('#')[0]}#${frag}`);
	} catch (err) {
		if (err instanceof AuthError) return fail(err);
		throw err;
	}
}
