/**
 * E-mail links work on any device (issue 12): each link is parsed from the message the mailbox
 * received (never built here) and opened in a fresh browser that never saw the request. E-mail
 * change (both addresses, double_confirm_changes), with the clinic's address and with none (Auth
 * falls back to its site URL), and sign-up confirmation. Invitations, the first admin and password
 * reset: admin-staff, platform-clinics and password-reset tests. And only Auth may call the hook.
 */
import { request } from 'node:http';
import { describe, expect, it } from 'vitest';
import { APP_PORT } from '../support/app-server.ts';
import { appUrl, launch } from '../support/browser.ts';
import { CLINIC_A } from '../support/demo.ts';
import { allMail, latestMail, linkInMail, linkInText, testStaff } from '../support/people.ts';
import { anonClient, serviceClient, sql, uniqueEmail } from '../support/stack.ts';

const PASSWORD = 'Links-e2e-password-1';
const staff = testStaff(PASSWORD);

/** Opens `link` in a brand-new browser and returns where it ended and what it said. */
async function openElsewhere(link: string, path: string) {
	const browser = await launch();
	try {
		const page = await browser.newPage();
		await page.goto(link);
		await page.waitForURL((u) => u.pathname === path);
		const url = new URL(page.url());
		const status = page.getByRole('status');
		const notice = (await status.count()) ? await status.first().textContent() : null;
		return { url, notice, header: path === '/dashboard' ? await page.textContent('header') : '' };
	} finally {
		await browser.close();
	}
}

async function confirmedAt(id: string): Promise<string | null> {
	const rows = await sql<{ email_confirmed_at: string | null }>(
		`select email_confirmed_at from auth.users where id = $1`,
		[id]
	);
	return rows[0]?.email_confirmed_at ?? null;
}

/**
 * A new member (`role`) signs in with supabase-js and asks to move to a new address, with the
 * given link address or none; returns both messages Auth sent (double_confirm_changes).
 */
async function askEmailChange(role: string, prefix: string, emailRedirectTo?: string) {
	const member = await staff.create(role);
	const next = uniqueEmail(prefix);
	const client = anonClient();
	await client.auth.signInWithPassword({ email: member.email, password: PASSWORD });
	const { error } = await client.auth.updateUser(
		{ email: next },
		emailRedirectTo ? { emailRedirectTo } : undefined
	);
	expect(error).toBeNull();
	return { member, next, toNew: await latestMail(next), toOld: await latestMail(member.email) };
}

describe('e-mail change: both links, each on another device', () => {
	it('asked at the clinic: the first link tells to open the other, the second changes it', async () => {
		const { member, next, toNew, toOld } = await askEmailChange(
			'nurse',
			'moved',
			appUrl(CLINIC_A.slug, '/auth/confirm?next=/dashboard')
		);
		for (const mail of [toNew, toOld]) {
			expect(mail.subject).toBe(`${CLINIC_A.name}: confirm your new e-mail address`);
			expect(linkInText(mail)).toBe(linkInMail(mail));
			expect(new URL(linkInMail(mail)).host).toBe(`${CLINIC_A.slug}.localhost:${APP_PORT}`);
		}
		const first = await openElsewhere(linkInMail(toNew), '/sign-in');
		expect(first.url.searchParams.get('notice')).toBe('email-change-half');
		expect(first.notice).toContain('Open the link sent to the other address');
		const { data: half } = await serviceClient().auth.admin.getUserById(member.id);
		expect(half.user?.email).toBe(member.email);

		const second = await openElsewhere(linkInMail(toOld), '/dashboard');
		expect(second.header).toContain(CLINIC_A.name);
		const { data: done } = await serviceClient().auth.admin.getUserById(member.id);
		expect(done.user?.email).toBe(next);
		// the password stays the person's own, now with the new address
		const signIn = await anonClient().auth.signInWithPassword({ email: next, password: PASSWORD });
		expect(signIn.error).toBeNull();
	});

	it('asked without an address: Auth builds the links on its site URL, which work too', async () => {
		const { member, next, toNew, toOld } = await askEmailChange('doctor', 'moved-bare');
		const link = new URL(linkInMail(toNew));
		expect(link.origin + link.pathname).toBe(appUrl(null, '/auth/confirm'));
		const first = await openElsewhere(linkInMail(toOld), '/');
		expect(first.url.searchParams.get('notice')).toBe('email-change-half');
		const second = await openElsewhere(linkInMail(toNew), '/');
		expect(second.url.searchParams.get('notice')).toBe('email-changed');
		expect(second.notice).toContain('Your e-mail address is changed');
		const { data } = await serviceClient().auth.admin.getUserById(member.id);
		expect(data.user?.email).toBe(next);
	});
});

describe('sign-up confirmation', () => {
	it('the link confirms the address in another browser; the account joins no clinic', async () => {
		const address = uniqueEmail('self-signup');
		const { data, error } = await anonClient().auth.signUp({ email: address, password: PASSWORD });
		expect(error).toBeNull();
		expect(data.session).toBeNull();
		staff.track(data.user!.id);
		const mail = await latestMail(address);
		expect(mail.subject).toBe('Confirm your e-mail address');
		const landed = await openElsewhere(linkInMail(mail), '/');
		expect(landed.url.searchParams.get('notice')).toBe('email-confirmed');
		expect(landed.notice).toContain('ask its administrator for an invitation');
		expect(await confirmedAt(data.user!.id)).not.toBeNull();
		// a password chosen before the address was proven is not kept (docs/security.md)
		const signIn = await anonClient().auth.signInWithPassword({
			email: address,
			password: PASSWORD
		});
		expect(signIn.error?.code).toBe('invalid_credentials');
	});
});

describe('the Send Email hook endpoint', () => {
	/** A POST from Node to the portal on loopback (Node does not resolve *.localhost). */
	function post(headers: Record<string, string>, body: string) {
		return new Promise<{ status: number; body: string }>((resolve, reject) => {
			const req = request(
				{
					host: '127.0.0.1',
					port: APP_PORT,
					path: '/hooks/send-email',
					method: 'POST',
					headers: {
						host: `localhost:${APP_PORT}`,
						'content-type': 'application/json',
						...headers
					}
				},
				(res) => {
					let text = '';
					res.on('data', (c) => (text += c));
					res.on('end', () => resolve({ status: res.statusCode ?? 0, body: text }));
				}
			);
			req.on('error', reject);
			req.end(body);
		});
	}

	it('refuses calls that Auth did not sign (nothing is sent)', async () => {
		const to = uniqueEmail('forged');
		const body = JSON.stringify({
			user: { id: crypto.randomUUID(), email: to },
			email_data: {
				token: '123456',
				token_hash: 'x',
				redirect_to: appUrl(CLINIC_A.slug, '/auth/confirm?next=/'),
				email_action_type: 'recovery',
				site_url: '',
				token_new: '',
				token_hash_new: ''
			}
		});
		const unsigned = await post({}, body);
		expect(unsigned.status).toBe(401);
		const forged = await post(
			{
				'webhook-id': 'msg_1',
				'webhook-timestamp': String(Math.floor(Date.now() / 1000)),
				'webhook-signature': 'v1,c2lnbmF0dXJlIG1hZGUgd2l0aCBhbm90aGVyIHNlY3JldA=='
			},
			body
		);
		expect(forged.status).toBe(401);
		expect(JSON.parse(forged.body)).toEqual({
			error: { http_code: 401, message: 'Invalid signature' }
		});
		expect(await allMail(to)).toEqual([]);
	});
});
