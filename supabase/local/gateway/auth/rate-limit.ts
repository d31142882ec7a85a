/**
 * Auth rate limits as GoTrue (v2.189, `internal/api/apilimiter`, `middleware.go`, `mail.go`)
 * enforces them (docs/local-runtime.md, "Auth rate limits"):
 *
 * - per client address, one token bucket per limiter (burst 30, refilled at the configured rate):
 *   `/token` (every grant), `/verify`, `/signup`, `/recover`, `/resend`, `/magiclink`, `/otp`,
 *   `PUT /user`, and the MFA challenge and verify endpoints; 429 `over_request_rate_limit`;
 * - e-mails: `email_sent` per hour for the whole project (only while e-mail confirmations are on,
 *   as GoTrue) and `max_frequency` between two e-mails of one kind to one user; 429
 *   `over_email_send_rate_limit`.
 *
 * Buckets live in Postgres (`auth_runtime.rate_limits`), not in this process's memory, so a
 * restarted gateway, or a second one for the same API port, sees the same counts. A gateway on
 * another port (a test's private gateway) is another Auth instance with buckets of its own.
 */
import { isIP } from 'node:net';
import pg from 'pg';
import { API_PORT, AUTH_ADMIN_URL, loadKeys } from '../../config.ts';
import { header, type GatewayContext } from '../core/http.ts';
import { authConfig } from './config.ts';
import { AuthError } from './errors.ts';
import { iso } from './users.ts';

const keys = loadKeys();
/**
 * Counting has its own connections: it runs while a request's Auth transaction holds one of
 * the Auth pool's, and must never wait for another of those.
 */
const limitPool = new pg.Pool({ connectionString: AUTH_ADMIN_URL, max: 4 });
limitPool.on('error', (err) => console.error('[auth] idle rate-limit client error', err.message));

/** Buckets unused for longer than any limiter's expiry start over anyway: drop them hourly. */
function sweep() {
	limitPool
		.query(`delete from auth_runtime.rate_limits where updated_at < now() - interval '2 hours'`)
		.catch((err: Error) => console.error('[auth] rate-limit sweep failed', err.message));
}
sweep();
setInterval(sweep, 3600_000).unref();
/** Which Auth instance the buckets belong to. */
const INSTANCE = String(API_PORT);

/** GoTrue's limiter instances that are keyed by client address (each has its own buckets). */
export type Limiter =
	| 'token'
	| 'verify'
	| 'signups'
	| 'recover'
	| 'resend'
	| 'magiclink'
	| 'otp'
	| 'user'
	| 'factor_challenge'
	| 'factor_verify';

interface Bucket {
	burst: number;
	/** Tokens added per second. */
	rate: number;
	/** Seconds after its creation when a bucket starts over full (tollbooth's expiration TTL). */
	ttl: number;
}

function bucket(limiter: Limiter): Bucket {
	const r = authConfig.rateLimits;
	switch (limiter) {
		case 'token':
			return { burst: 30, rate: r.tokenRefresh / 300, ttl: 3600 };
		case 'verify':
			return { burst: 30, rate: r.tokenVerifications / 300, ttl: 3600 };
		case 'factor_challenge':
		case 'factor_verify':
			return { burst: 30, rate: r.mfaChallengeAndVerify / 60, ttl: 60 };
		default:
			// GOTRUE_RATE_LIMIT_OTP: signups, recover, resend, magiclink, otp and PUT /user
			return { burst: 30, rate: r.signInSignUps / 300, ttl: 3600 };
	}
}

function firstIp(value: string | undefined): string | null {
	const first = value?.split(',')[0]?.trim();
	return first && isIP(first) ? first : null;
}

/**
 * The address a request comes from, as hosted Supabase sees it: the connecting address; or, when
 * `Sb-Forwarded-For` forwarding is enabled and the request carries the secret API key, that
 * header's first address (hosted ignores it with publishable or legacy keys). A client's own
 * `X-Forwarded-For` is not trusted.
 */
export function clientIp(ctx: GatewayContext): string {
	if (authConfig.sbForwardedFor) {
		const apikey = header(ctx, 'apikey') ?? ctx.url.searchParams.get('apikey');
		const forwarded = firstIp(header(ctx, 'sb-forwarded-for'));
		if (apikey === keys.secretKey && forwarded) return forwarded;
	}
	return (ctx.req.socket.remoteAddress ?? '').replace(/^::ffff:/, '');
}

/** Takes one token from the caller's bucket of `limiter`, or throws GoTrue's 429. */
export async function limitRequest(ctx: GatewayContext, limiter: Limiter): Promise<void> {
	const { burst, rate, ttl } = bucket(limiter);
	const ip = clientIp(ctx);
	const { rows } = await limitPool.query<{ ok: boolean }>(
		`select auth_runtime.take_token($1, $2, $3, $4, $5) as ok`,
		[limiter, `${INSTANCE}/${ip}`, burst, rate, ttl]
	);
	if (!rows[0]?.ok) {
		console.warn(`[auth] rate limit: ${limiter} for ${ip} (429)`);
		throw new AuthError(429, 'over_request_rate_limit', 'Request rate limit reached');
	}
}

/**
 * `max_frequency` (GoTrue validateSentWithinFrequencyLimit): another e-mail of the same kind to
 * the same user only after that many seconds since the last one was sent.
 */
export function checkSendFrequency(sentAt: string | null | undefined) {
	const last = iso(sentAt);
	if (!last) return;
	const leftMs = Date.parse(last) + authConfig.emailMaxFrequency * 1000 - Date.now();
	if (leftMs > 0) {
		throw new AuthError(
			429,
			'over_email_send_rate_limit',
			`For security purposes, you can only request this after ${Math.trunc(leftMs / 1000)} seconds.`
		);
	}
}

/**
 * `email_sent` (GoTrue sendEmail): e-mails per hour for the whole project, counted before each
 * e-mail. As GoTrue, applied only while e-mail confirmations are on; 0 refuses every e-mail.
 */
export async function countEmailSend(): Promise<void> {
	const limit = authConfig.rateLimits.emailSent;
	if (limit > 0 && authConfig.autoconfirm) return;
	let ok = false;
	if (limit > 0) {
		const { rows } = await limitPool.query<{ ok: boolean }>(
			`select auth_runtime.count_event('email_sent', $1, $2, 3600) as ok`,
			[INSTANCE, limit]
		);
		ok = rows[0]?.ok === true;
	}
	if (!ok) throw new AuthError(429, 'over_email_send_rate_limit', 'email rate limit exceeded');
}
