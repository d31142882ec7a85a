/** Admin e-mail endpoints (service_role only): `POST /invite` and `POST /admin/generate_link`. */
import { sendJson, type GatewayContext } from '../core/http.ts';
import { jsonBody, requireAdmin, str } from './caller.ts';
import { AuthError, emailExists, validationFailed } from './errors.ts';
import { makeLink, sendMail } from './mail.ts';
import type { Link } from './mail.ts';
import { countEmailSend } from './rate-limit.ts';
import { tx } from './tx.ts';
import {
	asObject,
	checkEmailFree,
	checkPassword,
	findUserByEmail,
	findUserById,
	insertUser,
	setPassword,
	userJson,
	validateEmail
} from './users.ts';
import type { UserRow } from './users.ts';

export async function invite(ctx: GatewayContext) {
	requireAdmin(ctx);
	const body = await jsonBody(ctx);
	const email = validateEmail(body.email);
	const data = asObject(body.data, 'data') ?? {};
	const redirectTo = ctx.url.searchParams.get('redirect_to');
	const out = await tx(async (db) => {
		let user = await findUserByEmail(db, email, true);
		if (user && user.email_confirmed_at) {
			throw emailExists();
		}
		if (!user)
			user = await insertUser(db, { email, confirmed: false, invited: true, userMetadata: data });
		else {
			await db.query(
				`update auth.users set invited_at = now(), raw_user_meta_data = coalesce(raw_user_meta_data, '{}'::jsonb) || $2::jsonb where id = $1`,
				[user.id, JSON.stringify(data)]
			);
		}
		await countEmailSend();
		const link = await makeLink(db, user, 'invite', email, redirectTo);
		await sendMail(db, ctx, user.id, { to: email, link });
		return userJson(db, (await findUserById(db, user.id)) as UserRow);
	});
	sendJson(ctx.res, 200, out);
}

export async function generateLink(ctx: GatewayContext) {
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
				throw emailExists();
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
				throw emailExists();
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
			await checkEmailFree(db, newEmail);
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
