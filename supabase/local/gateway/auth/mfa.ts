/**
 * Multi-factor authentication with TOTP (docs/local-runtime.md, "Auth: MFA"), as GoTrue v2.189
 * serves it (`internal/api/mfa.go`, `models/factor.go`, `models/challenge.go`): `POST /factors`
 * (enroll), `POST /factors/{id}/challenge`, `POST /factors/{id}/verify`, `DELETE /factors/{id}`
 * (unenroll) and the admin endpoints `GET /admin/users/{id}/factors`,
 * `PUT|DELETE /admin/users/{id}/factors/{factor_id}`. Factors, challenges and `amr` claims live in
 * GoTrue's tables; codes are RFC 6238 (SHA-1, 6 digits, 30 s, one step of skew) through `otpauth`,
 * the QR code an SVG from `qrcode`. Phone and WebAuthn factors are not implemented: they answer
 * as disabled.
 */
import { randomUUID } from 'node:crypto';
import type pg from 'pg';
import { Secret, TOTP } from 'otpauth';
import QRCode from 'qrcode';
import { isUuid, sendJson, type GatewayContext } from '../core/http.ts';
import { jsonBody, requireAdmin, requireUser, str } from './caller.ts';
import type { Body } from './caller.ts';
import { authConfig } from './config.ts';
import { AuthError, CommitWithError, validationFailed } from './errors.ts';
import { factorJson, ownedFactor, userFactors } from './factors.ts';
import type { FactorRow } from './factors.ts';
import { clientIp, limitRequest } from './rate-limit.ts';
import { upgradeSession } from './sessions.ts';
import { tx } from './tx.ts';
import { findUserById } from './users.ts';
import type { UserRow } from './users.ts';

/** GoTrue: SHA-1, 6 digits, 30 s period, one period of skew either side. */
const TOTP_PARAMS = { algorithm: 'SHA1', digits: 6, period: 30 } as const;

const unprocessable = (code: string, message: string) => new AuthError(422, code, message);

interface FactorCaller {
	user: UserRow;
	sessionId: string | null;
	sessionAal: string | null;
}

/** GoTrue requireAuthentication + requireNotAnonymous (every `/factors` route). */
async function requireFactorCaller(ctx: GatewayContext, db: pg.ClientBase): Promise<FactorCaller> {
	const caller = await requireUser(ctx, db);
	if (caller.claims.is_anonymous === true) {
		throw new AuthError(
			403,
			'no_authorization',
			'Anonymous user not allowed to perform these actions'
		);
	}
	return caller;
}

/** GoTrue loadFactor: the caller's own factor, or 404. */
async function loadFactor(db: pg.ClientBase, userId: string, id: string): Promise<FactorRow> {
	if (!isUuid(id)) throw new AuthError(404, 'validation_failed', 'factor_id must be an UUID');
	const factor = await ownedFactor(db, userId, id);
	if (!factor) throw new AuthError(404, 'mfa_factor_not_found', 'Factor not found');
	return factor;
}

/** The checks each factor type's switch makes (GoTrue answers phone/WebAuthn the same way). */
function requireVerifyEnabled(factor: FactorRow) {
	if (factor.factor_type === 'phone')
		throw unprocessable('mfa_phone_verify_not_enabled', 'MFA verification is disabled for Phone');
	if (factor.factor_type === 'webauthn')
		throw unprocessable(
			'mfa_webauthn_verify_not_enabled',
			'MFA verification is disabled for WebAuthn'
		);
	if (!authConfig.mfa.totpVerify)
		throw unprocessable('mfa_totp_verify_not_enabled', 'MFA verification is disabled for TOTP');
}

/** Go's `%q` for the strings GoTrue quotes in messages (close enough for printable text). */
const goQuote = (s: string) => JSON.stringify(s);

/** GoTrue validateFactors: expired enrolments, names, limits, and aal2 to add a second factor. */
async function validateNewFactor(db: pg.ClientBase, caller: FactorCaller, friendlyName: string) {
	await db.query(
		`delete from auth.mfa_factors f where status <> 'verified'
			and not exists (select 1 from auth.mfa_challenges c where c.factor_id = f.id)
			and created_at + make_interval(secs => $1) < now()`,
		[authConfig.mfa.factorExpiry]
	);
	const factors = await userFactors(db, caller.user.id);
	let verified = 0;
	for (const f of factors) {
		if ((f.friendly_name ?? '') === friendlyName) {
			throw unprocessable(
				'mfa_factor_name_conflict',
				`A factor with the friendly name ${goQuote(friendlyName)} for this user already exists`
			);
		}
		if (f.status === 'verified') verified++;
	}
	const tooMany = 'Maximum number of verified factors reached, unenroll to continue';
	if (factors.length >= authConfig.mfa.maxEnrolledFactors)
		throw unprocessable('too_many_enrolled_mfa_factors', tooMany);
	if (verified >= authConfig.mfa.maxVerifiedFactors)
		throw unprocessable('too_many_enrolled_mfa_factors', tooMany);
	if (verified > 0 && caller.sessionAal !== 'aal2')
		throw new AuthError(403, 'insufficient_aal', 'AAL2 required to enroll a new factor');
}

/** Escapes a URL path as Go's url.URL does (`:` and `@` stay). */
const escapePath = (p: string) => encodeURI(p).replace(/[?#]/g, encodeURIComponent);

/**
 * pquerna/otp key URL as GoTrue returns it: `otpauth://totp/<issuer>:<account>?algorithm=SHA1&
 * digits=6&issuer=<issuer>&period=30&secret=<base32>` (query keys sorted).
 */
function keyUri(issuer: string, account: string, secret: string): string {
	const q = [
		['algorithm', 'SHA1'],
		['digits', '6'],
		['issuer', issuer],
		['period', '30'],
		['secret', secret]
	]
		.map(([k, v]) => `${k}=${encodeURIComponent(v)}`)
		.join('&');
	return `otpauth://totp${escapePath(`/${issuer}:${account}`)}?${q}`;
}

/**
 * auth-js turns the SVG into `data:image/svg+xml;utf-8,<svg…>` unescaped, so the SVG must not
 * contain `#` (it would end the URI there): colours are written as `rgb()` (GoTrue's SVG has none).
 */
function qrSvg(svg: string): string {
	return svg.replace(/"#([0-9a-f]{2})([0-9a-f]{2})([0-9a-f]{2})"/gi, (_m, r, g, b) => {
		const [R, G, B] = [r, g, b].map((h: string) => parseInt(h, 16));
		return `"rgb(${R},${G},${B})"`;
	});
}

function siteHost(): string {
	try {
		return new URL(authConfig.siteUrl).host;
	} catch {
		throw new AuthError(500, 'unexpected_failure', 'site url is improperly formatted');
	}
}

/** `POST /factors`. */
export async function enroll(ctx: GatewayContext) {
	const out = await tx(async (db) => {
		const caller = await requireFactorCaller(ctx, db);
		const body = await jsonBody(ctx);
		if (!caller.sessionId) {
			throw new AuthError(
				500,
				'unexpected_failure',
				'A valid session and a registered user are required to enroll a factor'
			);
		}
		switch (body.factor_type) {
			case 'phone':
				throw unprocessable('mfa_phone_enroll_not_enabled', 'MFA enroll is disabled for Phone');
			case 'webauthn':
				throw unprocessable(
					'mfa_webauthn_enroll_not_enabled',
					'MFA enroll is disabled for WebAuthn'
				);
			case 'totp':
				if (!authConfig.mfa.totpEnroll)
					throw unprocessable('mfa_totp_enroll_not_enabled', 'MFA enroll is disabled for TOTP');
				return enrollTotp(db, caller, body);
			default:
				throw validationFailed('factor_type needs to be totp, phone, or webauthn');
		}
	});
	sendJson(ctx.res, 200, out);
}

async function enrollTotp(db: pg.ClientBase, caller: FactorCaller, body: Body) {
	const friendlyName = typeof body.friendly_name === 'string' ? body.friendly_name : '';
	const issuer = str(body.issuer) ?? siteHost();
	await validateNewFactor(db, caller, friendlyName);
	// pquerna/otp's default: 20 random bytes, base32 without padding
	const secret = new Secret({ size: 20 }).base32.replace(/=+$/, '');
	const uri = keyUri(issuer, caller.user.email ?? '', secret);
	const svg = qrSvg(await QRCode.toString(uri, { type: 'svg', errorCorrectionLevel: 'H' }));
	const id = randomUUID();
	await db.query(
		`insert into auth.mfa_factors (id, user_id, friendly_name, factor_type, status, created_at, updated_at, secret)
		values ($1, $2, $3, 'totp', 'unverified', now(), now(), $4)`,
		[id, caller.user.id, friendlyName, secret]
	);
	return {
		id,
		type: 'totp',
		friendly_name: friendlyName,
		totp: { qr_code: svg, secret, uri }
	};
}

/** `POST /factors/{id}/challenge`. */
export async function challenge(ctx: GatewayContext, factorId: string) {
	const out = await tx(async (db) => {
		const caller = await requireFactorCaller(ctx, db);
		const factor = await loadFactor(db, caller.user.id, factorId);
		await limitRequest(ctx, 'factor_challenge');
		requireVerifyEnabled(factor);
		const id = randomUUID();
		const { rows } = await db.query<{ expires_at: string }>(
			`insert into auth.mfa_challenges (id, factor_id, created_at, ip_address)
			values ($1, $2, now(), $3::inet)
			returning extract(epoch from created_at + make_interval(secs => $4))::bigint::text as expires_at`,
			[id, factor.id, clientIp(ctx), authConfig.mfa.challengeExpiry]
		);
		await db.query(`update auth.mfa_factors set last_challenged_at = now() where id = $1`, [
			factor.id
		]);
		return { id, type: factor.factor_type, expires_at: Number(rows[0].expires_at) };
	});
	sendJson(ctx.res, 200, out);
}

/** GoTrue's JSON decoding of `challenge_id` into a uuid.UUID. */
function challengeId(value: unknown): string {
	if (value === undefined || value === null || value === '')
		return '00000000-0000-0000-0000-000000000000';
	const bad = (why: string) =>
		new AuthError(400, 'bad_json', `Could not parse request body as JSON: ${why}`);
	if (typeof value !== 'string')
		throw bad('json: cannot unmarshal into Go value of type uuid.UUID');
	if (!isUuid(value)) {
		throw bad(
			value.length === 36
				? `uuid: incorrect UUID format in string ${goQuote(value)}`
				: `uuid: incorrect UUID length ${value.length} in string ${goQuote(value)}`
		);
	}
	return value.toLowerCase();
}

interface ChallengeRow {
	id: string;
	ip_address: string;
	verified: boolean;
	expired: boolean;
}

/** GoTrue validateChallenge: found, unused, from the same address, not expired. */
async function validateChallenge(
	db: pg.ClientBase,
	ctx: GatewayContext,
	factor: FactorRow,
	id: string
): Promise<ChallengeRow> {
	const { rows } = await db.query<ChallengeRow>(
		`select id, host(ip_address) as ip_address, verified_at is not null as verified,
			created_at + make_interval(secs => $3) < now() as expired
		from auth.mfa_challenges where id = $1 and factor_id = $2 for update`,
		[id, factor.id, authConfig.mfa.challengeExpiry]
	);
	const c = rows[0];
	if (!c) {
		throw unprocessable(
			'mfa_factor_not_found',
			'MFA factor with the provided challenge ID not found'
		);
	}
	if (c.verified || c.ip_address !== clientIp(ctx)) {
		throw unprocessable('mfa_ip_address_mismatch', 'Challenge and verify IP addresses mismatch.');
	}
	if (c.expired) {
		await db.query(`delete from auth.mfa_challenges where id = $1`, [c.id]);
		throw new CommitWithError(
			unprocessable(
				'mfa_challenge_expired',
				`MFA challenge ${c.id} has expired, verify against another challenge or create a new challenge.`
			)
		);
	}
	return c;
}

/** `POST /factors/{id}/verify`: a right code upgrades this session to aal2 (a new session response). */
export async function verifyFactor(ctx: GatewayContext, factorId: string) {
	const out = await tx(async (db) => {
		const caller = await requireFactorCaller(ctx, db);
		const factor = await loadFactor(db, caller.user.id, factorId);
		await limitRequest(ctx, 'factor_verify');
		const body = await jsonBody(ctx);
		const id = challengeId(body.challenge_id);
		if (typeof body.code !== 'string' && body.code !== undefined && body.code !== null)
			throw new AuthError(
				400,
				'bad_json',
				'Could not parse request body as JSON: json: cannot unmarshal into Go struct field VerifyFactorParams.code of type string'
			);
		const code = typeof body.code === 'string' ? body.code : '';
		if (code === '') throw validationFailed('Code needs to be non-empty');
		requireVerifyEnabled(factor);
		const c = await validateChallenge(db, ctx, factor, id);
		const totp = new TOTP({ ...TOTP_PARAMS, secret: Secret.fromBase32(factor.secret ?? '') });
		if (totp.validate({ token: code, window: 1 }) === null)
			throw unprocessable('mfa_verification_failed', 'Invalid TOTP code entered');
		if (!caller.sessionId) {
			throw new AuthError(500, 'unexpected_failure', 'Cannot read SessionId claim as UUID');
		}
		await db.query(`update auth.mfa_challenges set verified_at = now() where id = $1`, [c.id]);
		if (factor.status !== 'verified') {
			await db.query(
				`update auth.mfa_factors set status = 'verified', updated_at = now() where id = $1`,
				[factor.id]
			);
		}
		const user = (await findUserById(db, caller.user.id)) as UserRow;
		const session = await upgradeSession(db, user, caller.sessionId, factor.id, 'totp');
		// GoTrue signs the user's lower-level sessions out, and drops unfinished enrolments
		await db.query(`delete from auth.sessions where user_id = $1 and aal < 'aal2'`, [user.id]);
		await db.query(
			`delete from auth.mfa_factors where user_id = $1 and status = 'unverified' and factor_type = $2`,
			[user.id, factor.factor_type]
		);
		return session;
	});
	sendJson(ctx.res, 200, out);
}

/** `DELETE /factors/{id}`: a verified factor only from an aal2 session. */
export async function unenroll(ctx: GatewayContext, factorId: string) {
	const out = await tx(async (db) => {
		const caller = await requireFactorCaller(ctx, db);
		const factor = await loadFactor(db, caller.user.id, factorId);
		if (!caller.sessionId) {
			throw new AuthError(
				500,
				'unexpected_failure',
				'A valid session and factor are required to unenroll a factor'
			);
		}
		if (factor.status === 'verified' && caller.sessionAal !== 'aal2')
			throw unprocessable('insufficient_aal', 'AAL2 required to unenroll verified factor');
		await db.query(`delete from auth.mfa_factors where id = $1`, [factor.id]);
		// GoTrue DowngradeSessionsToAAL1: sessions verified with this factor lose its amr claim
		await db.query(
			`delete from auth.mfa_amr_claims where authentication_method = $2
				and session_id in (select id from auth.sessions where factor_id = $1)`,
			[factor.id, factor.factor_type]
		);
		await db.query(
			`update auth.sessions set aal = 'aal1', factor_id = null where user_id = $1 and factor_id = $2`,
			[caller.user.id, factor.id]
		);
		return { id: factor.id };
	});
	sendJson(ctx.res, 200, out);
}

/** GoTrue's admin loadUser + loadFactor for `/admin/users/{id}/factors[/{factor_id}]`. */
async function adminTarget(db: pg.ClientBase, userId: string): Promise<UserRow> {
	if (!isUuid(userId)) throw new AuthError(404, 'user_not_found', 'User not found');
	const user = await findUserById(db, userId);
	if (!user || user.deleted_at) throw new AuthError(404, 'user_not_found', 'User not found');
	return user;
}

/** `GET /admin/users/{id}/factors`: every factor of the user, verified or not. */
export async function adminListFactors(ctx: GatewayContext, userId: string) {
	requireAdmin(ctx);
	const out = await tx(async (db) => {
		const user = await adminTarget(db, userId);
		return (await userFactors(db, user.id)).map(factorJson);
	});
	sendJson(ctx.res, 200, out);
}

/** `DELETE /admin/users/{id}/factors/{factor_id}`: removes the factor (sessions keep their level). */
export async function adminDeleteFactor(ctx: GatewayContext, userId: string, factorId: string) {
	requireAdmin(ctx);
	const out = await tx(async (db) => {
		const user = await adminTarget(db, userId);
		const factor = await loadFactor(db, user.id, factorId);
		await db.query(`delete from auth.mfa_factors where id = $1`, [factor.id]);
		return factorJson(factor);
	});
	sendJson(ctx.res, 200, out);
}

/** `PUT /admin/users/{id}/factors/{factor_id}`: renames the factor. */
export async function adminUpdateFactor(ctx: GatewayContext, userId: string, factorId: string) {
	requireAdmin(ctx);
	const body = await jsonBody(ctx);
	const out = await tx(async (db) => {
		const user = await adminTarget(db, userId);
		let factor = await loadFactor(db, user.id, factorId);
		const name = str(body.friendly_name);
		if (name) {
			await db.query(
				`update auth.mfa_factors set friendly_name = $2, updated_at = now() where id = $1`,
				[factor.id, name]
			);
			factor = await loadFactor(db, user.id, factorId);
		}
		return factorJson(factor);
	});
	sendJson(ctx.res, 200, out);
}
