/**
 * Auth rate limits as Supabase Auth enforces them (docs/local-runtime.md, "Auth rate limits"),
 * with config.toml's `[auth.rate_limit]` and `[auth.email] max_frequency`: token buckets of 30
 * per client address and limiter, refilled at the configured rate (429
 * `over_request_rate_limit`); e-mails per hour and per address (429 `over_email_send_rate_limit`);
 * `Sb-Forwarded-For` only with the secret key. Each test sends from a loopback address of its
 * own, so its buckets are its own.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { authConfig } from '../../supabase/local/gateway/auth/config.ts';
import { API_URL, keys, MAIL_URL, sql, uniqueEmail } from '../support/stack.ts';
import {
	clientAt,
	fetchFrom,
	randomLoopback,
	startPrivateGateway,
	type PrivateGateway
} from '../support/auth-gateway.ts';
import { deleteUsers } from '../support/people.ts';
import { confirmedAccount, expectAuthError } from './accounts.ts';

const PASSWORD = 'Limited-password-1';
const createdEmails: string[] = [];
const LIMITED = { code: 'over_request_rate_limit', message: 'Request rate limit reached' };

afterAll(async () => {
	await deleteUsers({ emails: createdEmails });
});

async function person() {
	const email = uniqueEmail('limits');
	createdEmails.push(email);
	await confirmedAccount(email, PASSWORD);
	return email;
}

interface Call {
	path: string;
	method?: string;
	body?: unknown;
	bearer?: string;
	apikey?: string;
	headers?: Record<string, string>;
}

/** One request to Auth from `ip`; status and GoTrue's error body. */
async function call(ip: string, c: Call, base = API_URL) {
	const res = await fetchFrom(ip)(`${base}/auth/v1${c.path}`, {
		method: c.method ?? 'POST',
		redirect: 'manual',
		headers: {
			apikey: c.apikey ?? keys.publishableKey,
			'Content-Type': 'application/json',
			'X-Supabase-Api-Version': '2024-01-01',
			...(c.bearer ? { Authorization: `Bearer ${c.bearer}` } : {}),
			...c.headers
		},
		body: c.body === undefined ? undefined : JSON.stringify(c.body)
	});
	const text = await res.text();
	let body: { code?: string; message?: string } = {};
	try {
		body = JSON.parse(text);
	} catch {
		/* a redirect or an empty answer */
	}
	return { status: res.status, code: body.code, message: body.message };
}

/** `n` requests at once from `ip`: how many passed the limiter, and one refusal. */
async function burst(ip: string, n: number, c: Call | ((i: number) => Call), base = API_URL) {
	const started = Date.now();
	const answers = await Promise.all(
		Array.from({ length: n }, (_, i) => call(ip, typeof c === 'function' ? c(i) : c, base))
	);
	const refused = answers.filter((a) => a.status === 429);
	return {
		passed: n - refused.length,
		refused: refused.length,
		refusal: refused[0] ? { code: refused[0].code, message: refused[0].message } : null,
		statuses: [...new Set(answers.filter((a) => a.status !== 429).map((a) => a.status))],
		seconds: (Date.now() - started) / 1000
	};
}

/** The bucket allows 30 at once, plus what refills (per second) while the burst is served. */
function expectBucket(b: Awaited<ReturnType<typeof burst>>, perSecond: number) {
	expect(b.passed).toBeGreaterThanOrEqual(30);
	expect(b.passed).toBeLessThanOrEqual(30 + Math.ceil(perSecond * b.seconds) + 1);
	expect(b.refusal).toEqual(LIMITED);
}

const per5min = (n: number) => n / 300;
const BOGUS_REFRESH: Call = {
	path: '/token?grant_type=refresh_token',
	body: { refresh_token: 'not-a-real-token' }
};

describe('token_refresh: every /token grant, per client address', () => {
	it('30 at once, then 429; password sign-in shares the bucket; another address is not affected', async () => {
		const email = await person();
		const ip = randomLoopback();
		const rate = per5min(authConfig.rateLimits.tokenRefresh);
		const b = await burst(ip, 45, BOGUS_REFRESH);
		expectBucket(b, rate);
		expect(b.statuses).toEqual([400]);

		// right after, sign-ins from that address find the bucket empty (at most one refilled token)
		const attempts = await Promise.all(
			[1, 2, 3].map(() =>
				clientAt(API_URL, ip).auth.signInWithPassword({ email, password: PASSWORD })
			)
		);
		const refused = attempts.filter((a) => a.error?.code === 'over_request_rate_limit');
		expect(refused.length).toBeGreaterThanOrEqual(2);
		expect(refused[0].error?.status).toBe(429);
		const elsewhere = await clientAt(API_URL, randomLoopback()).auth.signInWithPassword({
			email,
			password: PASSWORD
		});
		expect(elsewhere.error).toBeNull();
	});

	it('refills at config.toml’s token_refresh per 5 minutes', async () => {
		const ip = randomLoopback();
		const rate = per5min(authConfig.rateLimits.tokenRefresh);
		const start = Date.now();
		await burst(ip, 40, BOGUS_REFRESH);
		const waitMs = 2000;
		await new Promise((r) => setTimeout(r, waitMs));
		const again = await burst(ip, 40, BOGUS_REFRESH);
		// at least what refilled during the wait; at most what can have refilled since the bucket
		// was emptied, which happened after `start` (a loaded machine stretches both bursts)
		const sinceStart = (Date.now() - start) / 1000;
		expect(again.passed).toBeGreaterThanOrEqual(Math.floor(rate * (waitMs / 1000)) - 1);
		expect(again.passed).toBeLessThanOrEqual(Math.ceil(rate * sinceStart) + 1);
		expect(again.refused).toBeGreaterThan(0);
	});

	it('an unsupported grant is refused before the limiter (400, not counted)', async () => {
		const ip = randomLoopback();
		const b = await burst(ip, 35, { path: '/token?grant_type=nope', body: {} });
		expect(b).toMatchObject({ passed: 35, refused: 0, statuses: [400] });
	});
});

describe('sign_in_sign_ups: signup, recover, resend, magic link, OTP and PUT /user, each its own bucket', () => {
	it('each endpoint allows 30 at once from one address, independently of the others', async () => {
		const ip = randomLoopback();
		const rate = per5min(authConfig.rateLimits.signInSignUps);
		// bodies that pass the limiter and then fail validation, so nothing is sent or created
		const endpoints: Call[] = [
			{ path: '/recover', body: {} },
			{ path: '/signup', body: { email: 'not-an-address', password: PASSWORD } },
			{ path: '/resend', body: { type: 'nope' } },
			{ path: '/otp', body: {} },
			{ path: '/magiclink', body: {} }
		];
		for (const c of endpoints) {
			const b = await burst(ip, 40, c);
			expectBucket(b, rate);
			expect(b.statuses, c.path).toEqual([400]);
		}
	});

	it('PUT /user is limited after authentication, per address', async () => {
		const email = await person();
		const ip = randomLoopback();
		const { data } = await clientAt(API_URL, ip).auth.signInWithPassword({
			email,
			password: PASSWORD
		});
		const b = await burst(ip, 40, {
			path: '/user',
			method: 'PUT',
			bearer: data.session!.access_token,
			body: { data: { n: 1 } }
		});
		expectBucket(b, per5min(authConfig.rateLimits.signInSignUps));
		expect(b.statuses).toEqual([200]);
		// an unauthenticated PUT is refused before the limiter
		expect((await call(ip, { path: '/user', method: 'PUT', body: {} })).status).toBe(403);
	});
});

describe('token_verifications: /verify (POST and the e-mailed GET link), per address', () => {
	it('30 at once, then 429 in GoTrue’s JSON shape, even for the GET link', async () => {
		const ip = randomLoopback();
		const b = await burst(ip, 40, {
			path: '/verify',
			body: { type: 'recovery', token_hash: 'not-a-token-hash' }
		});
		expectBucket(b, per5min(authConfig.rateLimits.tokenVerifications));
		expect(b.statuses).toEqual([403]);
		const link = await call(ip, { path: '/verify?token=x&type=recovery', method: 'GET' });
		expect(link).toEqual({ status: 429, ...LIMITED });
	});
});

describe('MFA challenge and verify: 15 a minute per address (GoTrue’s default), bursts of 30', () => {
	it('challenges and verifications each have a bucket of 30', async () => {
		const email = await person();
		const ip = randomLoopback();
		const client = clientAt(API_URL, ip);
		await client.auth.signInWithPassword({ email, password: PASSWORD });
		const { data: factor } = await client.auth.mfa.enroll({ factorType: 'totp' });
		const token = (await client.auth.getSession()).data.session!.access_token;
		const challenges = await burst(ip, 40, {
			path: `/factors/${factor!.id}/challenge`,
			bearer: token,
			body: {}
		});
		expectBucket(challenges, authConfig.rateLimits.mfaChallengeAndVerify / 60);
		expect(challenges.statuses).toEqual([200]);
		const verifications = await burst(ip, 40, {
			path: `/factors/${factor!.id}/verify`,
			bearer: token,
			body: { challenge_id: crypto.randomUUID(), code: '000000' }
		});
		expectBucket(verifications, authConfig.rateLimits.mfaChallengeAndVerify / 60);
		expect(verifications.statuses).toEqual([422]);
	});
});

describe('client addresses', () => {
	it('X-Forwarded-For from a client is not trusted: the connecting address is limited', async () => {
		const ip = randomLoopback();
		const b = await burst(ip, 40, (i) => ({
			...BOGUS_REFRESH,
			headers: { 'X-Forwarded-For': `203.0.113.${i + 1}` }
		}));
		expectBucket(b, per5min(authConfig.rateLimits.tokenRefresh));
	});

	describe('Sb-Forwarded-For (enabled on a private gateway)', () => {
		let gw: PrivateGateway | null = null;
		beforeAll(async () => {
			gw = await startPrivateGateway({ SUPABASE_AUTH_SB_FORWARDED_FOR_ENABLED: 'true' });
		});
		afterAll(async () => {
			await gw?.stop();
		});

		it('with the secret key the forwarded address is limited, not the server’s', async () => {
			const server = randomLoopback();
			const forwarded = (addr: string, apikey = keys.secretKey): Call => ({
				...BOGUS_REFRESH,
				apikey,
				headers: { 'Sb-Forwarded-For': addr }
			});
			const alice = await burst(server, 40, forwarded('198.51.100.7'), gw!.url);
			expectBucket(alice, per5min(authConfig.rateLimits.tokenRefresh));
			// another person behind the same server still passes
			const bob = await call(server, forwarded('198.51.100.8'), gw!.url);
			expect(bob.status).toBe(400);
			// the publishable key cannot choose its address: the server's own bucket counts
			const viaPublishable = await burst(
				server,
				40,
				(i) => forwarded(`198.51.100.${100 + i}`, keys.publishableKey),
				gw!.url
			);
			expectBucket(viaPublishable, per5min(authConfig.rateLimits.tokenRefresh));
		});
	});
});

describe('max_frequency: one e-mail of a kind per address per period', () => {
	async function mails(to: string) {
		const res = await fetch(`${MAIL_URL}/api/messages?to=${encodeURIComponent(to)}`);
		return ((await res.json()) as unknown[]).length;
	}

	it('a second recovery e-mail within max_frequency is 429 over_email_send_rate_limit', async () => {
		const email = await person();
		const client = clientAt(API_URL, randomLoopback());
		expect((await client.auth.resetPasswordForEmail(email)).error).toBeNull();
		const again = await client.auth.resetPasswordForEmail(email);
		expectAuthError(again, 429, 'over_email_send_rate_limit');
		const wait = authConfig.emailMaxFrequency;
		expect(again.error?.message).toMatch(
			new RegExp(
				`^For security purposes, you can only request this after (${wait - 1}|${wait}) seconds\\.$`
			)
		);
		// a magic link uses the same timestamp (recovery_sent_at)
		const magic = await client.auth.signInWithOtp({ email, options: { shouldCreateUser: false } });
		expect(magic.error?.code).toBe('over_email_send_rate_limit');
		expect(await mails(email)).toBe(1);
		// another address is not affected
		expect((await client.auth.resetPasswordForEmail(await person())).error).toBeNull();

		await sql(
			`update auth.users set recovery_sent_at = recovery_sent_at - make_interval(secs => $2)
			  where lower(email) = lower($1)`,
			[email, wait + 1]
		);
		expect((await client.auth.resetPasswordForEmail(email)).error).toBeNull();
		expect(await mails(email)).toBe(2);
	});
});

describe('email_sent: e-mails per hour for the project while confirmations are on', () => {
	/** A small limit of the confirming gateway's own (config.toml's 1000 would take minutes to reach). */
	const LIMIT = 3;
	let confirming: PrivateGateway | null = null;
	let autoconfirming: PrivateGateway | null = null;
	beforeAll(async () => {
		[confirming, autoconfirming] = await Promise.all([
			startPrivateGateway({
				SUPABASE_AUTH_AUTOCONFIRM: 'false',
				SUPABASE_AUTH_RATE_LIMIT_EMAIL_SENT: String(LIMIT)
			}),
			startPrivateGateway({
				SUPABASE_AUTH_AUTOCONFIRM: 'true',
				SUPABASE_AUTH_RATE_LIMIT_EMAIL_SENT: '2'
			})
		]);
		// a port used by an earlier run's private gateway starts with a clean count
		await sql(
			`delete from auth_runtime.rate_limits where limiter = 'email_sent' and key = any($1)`,
			[[confirming, autoconfirming].map((g) => new URL(g!.url).port)]
		);
	});
	afterAll(async () => {
		await Promise.all([confirming?.stop(), autoconfirming?.stop()]);
	});

	const invite = (gw: PrivateGateway, email: string) => {
		createdEmails.push(email);
		return fetch(`${gw.url}/auth/v1/invite`, {
			method: 'POST',
			headers: {
				apikey: keys.secretKey,
				'Content-Type': 'application/json',
				'X-Supabase-Api-Version': '2024-01-01'
			},
			body: JSON.stringify({ email })
		});
	};

	it('config.toml has confirmations on, so its email_sent counts', () => {
		expect(authConfig.autoconfirm).toBe(false);
	});

	it('email_sent e-mails are sent, the next one is 429', async () => {
		const limit = LIMIT;
		const statuses: number[] = [];
		for (let i = 0; i < limit; i++) {
			statuses.push((await invite(confirming!, uniqueEmail(`quota-${i}`))).status);
		}
		expect(statuses.filter((s) => s !== 200)).toEqual([]);
		const over = await invite(confirming!, uniqueEmail('quota-over'));
		expect(over.status).toBe(429);
		expect(await over.json()).toEqual({
			code: 'over_email_send_rate_limit',
			message: 'email rate limit exceeded'
		});
	});

	it('with confirmations off Supabase Auth does not count e-mails', async () => {
		const statuses: number[] = [];
		for (let i = 0; i < 4; i++) {
			statuses.push((await invite(autoconfirming!, uniqueEmail(`uncounted-${i}`))).status);
		}
		expect(statuses).toEqual([200, 200, 200, 200]);
	});
});
