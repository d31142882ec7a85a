/** The signed-in user's endpoints: `GET /user`, `PUT /user` and `POST /logout`. */
import { sendJson, type GatewayContext } from '../core/http.ts';
import { authConfig } from './config.ts';
import { jsonBody, pkceParams, requireUser, str } from './caller.ts';
import { AuthError, validationFailed } from './errors.ts';
import { sendEmailChange } from './mail.ts';
import { createFlowState } from './one-time-tokens.ts';
import { checkSendFrequency, countEmailSend, limitRequest } from './rate-limit.ts';
import { tx } from './tx.ts';
import {
	asObject,
	changeEmail,
	checkEmailFree,
	checkPassword,
	findUserById,
	mergeMeta,
	passwordMatches,
	setPassword,
	userJson,
	validateEmail
} from './users.ts';
import type { UserRow } from './users.ts';

export async function getUser(ctx: GatewayContext) {
	const user = await tx(async (db) => {
		const { user } = await requireUser(ctx, db);
		return userJson(db, user);
	});
	sendJson(ctx.res, 200, user);
}

export async function updateUser(ctx: GatewayContext) {
	const body = await jsonBody(ctx);
	const redirect = ctx.url.searchParams.get('redirect_to');
	const out = await tx(async (db) => {
		const { user } = await requireUser(ctx, db);
		await limitRequest(ctx, 'user');
		if (body.app_metadata !== undefined && body.app_metadata !== null) {
			throw new AuthError(403, 'not_admin', 'Updating app_metadata requires admin privileges');
		}
		const data = asObject(body.data, 'data');
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
			await checkEmailFree(db, email, user.id);
			// GoTrue: only anonymous users get an e-mail at once (with autoconfirm); everyone else
			// confirms by the link(s) mailed, whatever autoconfirm says (user.go UserUpdate)
			if (user.is_anonymous && authConfig.autoconfirm) {
				await changeEmail(db, user.id, email);
			} else {
				checkSendFrequency(user.email_change_sent_at);
				await countEmailSend();
				const pkce = pkceParams(body);
				if (pkce) await createFlowState(db, user.id, 'email_change', pkce.challenge, pkce.method);
				await sendEmailChange(db, ctx, user, email, redirect, !!pkce);
			}
		}
		const fresh = (await findUserById(db, user.id)) as UserRow;
		return userJson(db, fresh);
	});
	sendJson(ctx.res, 200, out);
}

export async function logout(ctx: GatewayContext) {
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
