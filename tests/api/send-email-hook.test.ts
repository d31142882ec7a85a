/**
 * The local Auth's Send Email hook (`[auth.hook.send_email]`, docs/local-runtime.md "Mailbox") as
 * Supabase Auth calls it: every e-mail is POSTed to the hook, signed per Standard Webhooks, with
 * GoTrue's `{ user, email_data }`; a hook error fails the request; Auth mails nothing itself. And
 * the one local difference: when the hook points at this machine and nothing listens there (the
 * portal is not running), the runtime renders the templates itself.
 */
import { createHash, randomBytes } from 'node:crypto';
import { createServer, type Server } from 'node:http';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Webhook } from 'standardwebhooks';
import { createClient } from '@supabase/supabase-js';
import { keys, uniqueEmail } from '../support/stack.ts';
import { freePort, privateGateway, type PrivateGateway } from '../support/private-gateway.ts';
import { deleteUsers, linkInMail } from '../support/people.ts';
import type { SendEmailPayload } from '../../src/lib/server/email/send-email-hook.ts';

const SECRET = `v1,whsec_${randomBytes(32).toString('base64')}`;
const PASSWORD = 'hook-test-pass-1';
const options = { auth: { persistSession: false, autoRefreshToken: false } };
const created: string[] = [];

interface HookCall {
	headers: Record<string, string | string[] | undefined>;
	body: string;
}
/** What Auth posts to the hook (the portal's own type), for a user with an address. */
type Payload = SendEmailPayload & { user: { email: string } };

const sha224 = (s: string) => createHash('sha224').update(s).digest('hex');

let hook: Server;
let gw: PrivateGateway;
const calls: HookCall[] = [];
/** What the hook answers next: `{}` (sent) unless a test sets an error. */
let answer: { status: number; body: unknown } = { status: 200, body: {} };

async function messages(to: string): Promise<{ to: string; token_hash: string; html: string }[]> {
	const res = await fetch(`${gw.mailUrl}/api/messages?to=${encodeURIComponent(to)}`);
	return res.json();
}

function confirmedUser() {
	const email = uniqueEmail('hook');
	created.push(email);
	return createClient(gw.url, keys.secretKey, options)
		.auth.admin.createUser({ email, password: PASSWORD, email_confirm: true })
		.then(({ error }) => {
			if (error) throw error;
			return email;
		});
}

beforeAll(async () => {
	const hookPort = await freePort();
	hook = createServer((req, res) => {
		let body = '';
		req.on('data', (c) => (body += c));
		req.on('end', () => {
			calls.push({ headers: req.headers, body });
			res.writeHead(answer.status, { 'Content-Type': 'application/json' });
			res.end(JSON.stringify(answer.body));
		});
	});
	await new Promise<void>((r) => hook.listen(hookPort, '127.0.0.1', r));
	gw = await privateGateway({
		SITE_URL: 'http://localhost:5173',
		ADDITIONAL_REDIRECT_URLS: 'http://localhost:5173/**,http://*.localhost:5173/**',
		SUPABASE_AUTH_HOOK_SEND_EMAIL_ENABLED: 'true',
		SEND_EMAIL_HOOK_URI: `http://127.0.0.1:${hookPort}/hook`,
		SEND_EMAIL_HOOK_SECRET: SECRET
	});
});

afterAll(async () => {
	await gw?.stop();
	await new Promise((r) => hook?.close(r));
	await deleteUsers({ emails: created });
});

describe('Send Email hook', () => {
	it('gets every e-mail, signed with the secret, with GoTrue’s payload; Auth mails nothing itself', async () => {
		const email = await confirmedUser();
		calls.length = 0;
		const redirectTo = 'http://clinic-a.localhost:5173/auth/confirm?next=/set-password';
		const sent = await createClient(
			gw.url,
			keys.publishableKey,
			options
		).auth.resetPasswordForEmail(email, { redirectTo });
		expect(sent.error).toBeNull();
		expect(calls).toHaveLength(1);
		const [call] = calls;
		const payload = new Webhook(SECRET.replace(/^v1,/, '')).verify(call.body, {
			'webhook-id': String(call.headers['webhook-id']),
			'webhook-timestamp': String(call.headers['webhook-timestamp']),
			'webhook-signature': String(call.headers['webhook-signature'])
		}) as Payload;
		expect(payload.user.email).toBe(email);
		expect(payload.email_data).toMatchObject({
			email_action_type: 'recovery',
			redirect_to: redirectTo,
			// GoTrue hands the hook its own external URL as site_url
			site_url: `${gw.url}/auth/v1`
		});
		expect(payload.email_data.token).toMatch(/^\d{6}$/);
		expect(payload.email_data.token_hash).toBe(sha224(email + payload.email_data.token));
		// a signature made with another secret does not verify
		expect(() =>
			new Webhook(randomBytes(32).toString('base64')).verify(call.body, {
				'webhook-id': String(call.headers['webhook-id']),
				'webhook-timestamp': String(call.headers['webhook-timestamp']),
				'webhook-signature': String(call.headers['webhook-signature'])
			})
		).toThrow();
		expect(await messages(email)).toEqual([]);
		// the token the hook was given is live: the e-mail the hook sends can be verified
		const v = await createClient(gw.url, keys.publishableKey, options).auth.verifyOtp({
			token_hash: payload.email_data.token_hash,
			type: 'recovery'
		});
		expect(v.error).toBeNull();
	});

	it('an e-mail change hands both addresses’ tokens in one call, with GoTrue’s field mapping', async () => {
		const email = await confirmedUser();
		const next = uniqueEmail('hook-new');
		created.push(next);
		const c = createClient(gw.url, keys.publishableKey, options);
		await c.auth.signInWithPassword({ email, password: PASSWORD });
		calls.length = 0;
		expect((await c.auth.updateUser({ email: next })).error).toBeNull();
		expect(calls).toHaveLength(1);
		const { user, email_data: d } = JSON.parse(calls[0].body) as Payload;
		expect(d.email_action_type).toBe('email_change');
		expect(user.new_email).toBe(next);
		// mail.go "BUG(cstockton)": token is the current address's code, token_hash the NEW address's
		// hash; token_new / token_hash_new the other way round
		expect(d.token_hash).toBe(sha224(next + d.token_new));
		expect(d.token_hash_new).toBe(sha224(email + d.token));
		// when the portal is given no redirect, Auth hands over its site URL
		expect(d.redirect_to).toBe('http://localhost:5173');
	});

	it('a hook error fails the request with its status and message', async () => {
		const email = await confirmedUser();
		answer = { status: 200, body: { error: { http_code: 429, message: 'Slow down' } } };
		try {
			const { error } = await createClient(
				gw.url,
				keys.publishableKey,
				options
			).auth.resetPasswordForEmail(email);
			expect(error?.status).toBe(429);
			expect(error?.message).toBe('Slow down');
		} finally {
			answer = { status: 200, body: {} };
		}
	});
});

describe('the local portal is not running', () => {
	it('the runtime renders the templates itself (as Auth does without the hook) and says so', async () => {
		const closed = await freePort();
		const off = await privateGateway({
			SITE_URL: 'http://localhost:5173',
			SUPABASE_AUTH_HOOK_SEND_EMAIL_ENABLED: 'true',
			SEND_EMAIL_HOOK_URI: `http://127.0.0.1:${closed}/hooks/send-email`,
			SEND_EMAIL_HOOK_SECRET: SECRET
		});
		try {
			const email = await confirmedUser();
			const { error } = await createClient(
				off.url,
				keys.publishableKey,
				options
			).auth.resetPasswordForEmail(email);
			expect(error).toBeNull();
			const [mail] = await (
				await fetch(`${off.mailUrl}/api/messages?to=${encodeURIComponent(email)}`)
			).json();
			expect(linkInMail(mail)).toBe(
				`http://localhost:5173/auth/confirm?token_hash=${mail.token_hash}&type=recovery`
			);
			expect(off.log()).toContain(`nothing listens at http://127.0.0.1:${closed}/hooks/send-email`);
		} finally {
			await off.stop();
		}
	});
});
