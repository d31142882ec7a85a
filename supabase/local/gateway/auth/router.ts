/**
 * The local Auth service (`/auth/v1`): a stand-in for GoTrue serving the endpoints supabase-js
 * and @supabase/ssr call (docs/local-runtime.md, "Auth"), over GoTrue's own tables in `auth`, as
 * `supabase_auth_admin` (tx.ts). E-mails go to the local mailbox (mail.ts → ../mailbox.ts).
 *
 * Routes: the first row whose method and path match serves the request; a known path with
 * another method answers 405, an unknown path 404 (GoTrue's router). Errors answer in GoTrue's
 * shape (errors.ts).
 */
import { isDatabaseUnavailable, sendUnavailable } from '../core/unavailable.ts';
import { jwks } from '../core/jwt.ts';
import { sendJson, type GatewayContext } from '../core/http.ts';
import { findRoute, type Route } from '../core/router.ts';
import {
	adminCreateUser,
	adminDeleteUser,
	adminGetUser,
	adminListUsers,
	adminUpdateUser
} from './admin.ts';
import { generateLink, invite } from './admin-links.ts';
import {
	adminDeleteFactor,
	adminListFactors,
	adminUpdateFactor,
	challenge,
	enroll,
	unenroll,
	verifyFactor
} from './mfa.ts';
import { publicSettings } from './config.ts';
import { AuthError, sendAuthError, validationFailed } from './errors.ts';
import { signup, token } from './token.ts';
import { getUser, logout, updateUser } from './user.ts';
import { otp, recover, resend, verifyGet, verifyPost } from './verify.ts';

const ADMIN_USER = /^\/admin\/users\/([^/]+)$/;
const FACTOR = /^\/factors\/([^/]+)$/;
const ADMIN_FACTOR = /^\/admin\/users\/([^/]+)\/factors\/([^/]+)$/;
/** A path parameter, percent-decoded (kept as sent when the encoding is broken). */
function id(segment: string): string {
	try {
		return decodeURIComponent(segment);
	} catch {
		return segment;
	}
}

const routes: Route[] = [
	{
		method: '*',
		pattern: /^\/health$/,
		handler: (c) =>
			sendJson(c.res, 200, {
				version: 'local',
				name: 'GoTrue',
				description: 'GoTrue is a user registration and authentication API'
			})
	},
	{
		method: 'GET',
		pattern: /^\/\.well-known\/jwks\.json$/,
		handler: (c) => sendJson(c.res, 200, jwks(), { 'Cache-Control': 'public, max-age=600' })
	},
	{
		method: 'GET',
		pattern: /^\/settings$/,
		handler: (c) => sendJson(c.res, 200, publicSettings())
	},

	{ method: 'POST', pattern: /^\/signup$/, handler: signup },
	{ method: 'POST', pattern: /^\/token$/, handler: token },
	{ method: 'GET', pattern: /^\/user$/, handler: getUser },
	{ method: 'PUT', pattern: /^\/user$/, handler: updateUser },
	{ method: 'POST', pattern: /^\/logout$/, handler: logout },

	{ method: 'POST', pattern: /^\/factors$/, handler: enroll },
	{
		method: 'POST',
		pattern: /^\/factors\/([^/]+)\/challenge$/,
		handler: (c, [factor]) => challenge(c, id(factor))
	},
	{
		method: 'POST',
		pattern: /^\/factors\/([^/]+)\/verify$/,
		handler: (c, [factor]) => verifyFactor(c, id(factor))
	},
	{ method: 'DELETE', pattern: FACTOR, handler: (c, [factor]) => unenroll(c, id(factor)) },

	{ method: 'POST', pattern: /^\/recover$/, handler: recover },
	{ method: 'POST', pattern: /^\/(?:otp|magiclink)$/, handler: otp },
	{ method: 'POST', pattern: /^\/resend$/, handler: resend },
	{ method: 'GET', pattern: /^\/verify$/, handler: verifyGet },
	{ method: 'POST', pattern: /^\/verify$/, handler: verifyPost },

	{ method: 'POST', pattern: /^\/invite$/, handler: invite },
	{ method: 'POST', pattern: /^\/admin\/generate_link$/, handler: generateLink },
	{ method: 'GET', pattern: /^\/admin\/users$/, handler: adminListUsers },
	{ method: 'POST', pattern: /^\/admin\/users$/, handler: adminCreateUser },
	{
		method: 'GET',
		pattern: /^\/admin\/users\/([^/]+)\/factors$/,
		handler: (c, [user]) => adminListFactors(c, id(user))
	},
	{
		method: 'PUT',
		pattern: ADMIN_FACTOR,
		handler: (c, [user, factor]) => adminUpdateFactor(c, id(user), id(factor))
	},
	{
		method: 'DELETE',
		pattern: ADMIN_FACTOR,
		handler: (c, [user, factor]) => adminDeleteFactor(c, id(user), id(factor))
	},
	{
		method: 'GET',
		pattern: ADMIN_USER,
		handler: (c, [user]) => adminGetUser(c, id(user))
	},
	{
		method: 'PUT',
		pattern: ADMIN_USER,
		handler: (c, [user]) => adminUpdateUser(c, id(user))
	},
	{
		method: 'DELETE',
		pattern: ADMIN_USER,
		handler: (c, [user]) => adminDeleteUser(c, id(user))
	}
];

/** Maps what an endpoint threw to GoTrue's answer. */
function sendFailure(ctx: GatewayContext, err: unknown) {
	if (ctx.res.headersSent) {
		ctx.res.end();
		return;
	}
	if (err instanceof AuthError) return sendAuthError(ctx, err);
	// A broken percent-encoding in an admin user id: no such user (found by tests/api/gateway-fuzz).
	if (err instanceof URIError)
		return sendAuthError(ctx, new AuthError(404, 'user_not_found', 'User not found'));
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
	if (isDatabaseUnavailable(err)) return sendUnavailable(ctx, 'auth');
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

export async function handleAuth(ctx: GatewayContext): Promise<void> {
	const path = ctx.path.replace(/\/+$/, '') || '/';
	try {
		const found = findRoute(routes, ctx.req.method ?? 'GET', path);
		if (found.kind === 'not-found') throw new AuthError(404, 'not_found', 'Not Found');
		if (found.kind === 'method-not-allowed')
			throw new AuthError(405, 'method_not_allowed', 'Method Not Allowed');
		await found.route.handler(ctx, found.params);
	} catch (err) {
		sendFailure(ctx, err);
	}
}
