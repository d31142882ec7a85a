/**
 * The local mailbox: e-mails Auth would send are captured and served on the mailbox port as JSON
 * (for tests) and as an HTML page (for people); messages also arrive over SMTP (what the portal's
 * Send Email hook sends through). Invite flow end to end through supabase-js, against a gateway of
 * the test's own whose Auth renders supabase/templates/ itself (no Send Email hook).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import nodemailer from 'nodemailer';
import { createClient } from '@supabase/supabase-js';
import { keys, uniqueEmail } from '../support/stack.ts';
import { deleteUsers, linkInMail } from '../support/people.ts';
import { privateGateway, type PrivateGateway } from '../support/private-gateway.ts';

interface Mail {
	id: string;
	to: string;
	subject: string;
	type: string;
	action_link: string;
	email_otp: string;
	token_hash: string;
	created_at: string;
	html: string;
	text: string;
}

let gw: PrivateGateway;
let API_URL = '';
let MAIL_URL = '';
const options = { auth: { persistSession: false, autoRefreshToken: false } };
const anonClient = () => createClient(API_URL, keys.publishableKey, options);
const adminClient = () => createClient(API_URL, keys.secretKey, options);
const created: string[] = [];

beforeAll(async () => {
	gw = await privateGateway({
		SITE_URL: 'http://localhost:5173',
		ADDITIONAL_REDIRECT_URLS: 'http://localhost:5173/**,http://*.localhost:5173/**'
	});
	API_URL = gw.url;
	MAIL_URL = gw.mailUrl;
});

function email(prefix: string) {
	const e = uniqueEmail(prefix);
	created.push(e);
	return e;
}

async function messages(to: string): Promise<Mail[]> {
	const res = await fetch(`${MAIL_URL}/api/messages?to=${encodeURIComponent(to)}`);
	expect(res.status).toBe(200);
	return (await res.json()) as Mail[];
}

afterAll(async () => {
	for (const to of created)
		await fetch(`${MAIL_URL}/api/messages?to=${encodeURIComponent(to)}`, { method: 'DELETE' });
	await deleteUsers({ emails: created });
	await gw?.stop();
});

describe('mailbox', () => {
	it('captures an invite; following its link signs the invitee in, who then sets a password', async () => {
		const invitee = email('invitee');
		const invited = await adminClient().auth.admin.inviteUserByEmail(invitee, {
			data: { full_name: 'New Nurse' },
			redirectTo: 'http://clinic-a.localhost:5173/auth/confirm?next=/welcome'
		});
		expect(invited.error).toBeNull();
		expect(invited.data.user?.invited_at).toBeTruthy();
		expect(invited.data.user?.email_confirmed_at).toBeUndefined();

		const latest = await fetch(`${MAIL_URL}/api/messages/latest?to=${encodeURIComponent(invitee)}`);
		expect(latest.status).toBe(200);
		const mail = (await latest.json()) as Mail;
		expect(mail).toMatchObject({ to: invitee, type: 'invite', subject: 'You have been invited' });
		expect(mail.email_otp).toMatch(/^\d{6}$/);
		// the body (supabase/templates/invite.html) links to the portal with the token hash …
		expect(linkInMail(mail)).toBe(
			`http://clinic-a.localhost:5173/auth/confirm?next=/welcome&token_hash=${mail.token_hash}&type=email`
		);
		// … and the mailbox also records Auth's own confirmation URL (its .ConfirmationURL)
		expect(mail.action_link.startsWith(`${API_URL}/auth/v1/verify?`)).toBe(true);

		// the link works without any apikey, like a click in a mail client
		const res = await fetch(mail.action_link, { redirect: 'manual' });
		expect(res.status).toBe(303);
		const location = res.headers.get('location')!;
		expect(location.startsWith('http://clinic-a.localhost:5173/auth/confirm?next=/welcome#')).toBe(
			true
		);
		const fragment = new URLSearchParams(location.split('#')[1]);
		expect(fragment.get('type')).toBe('invite');
		expect(fragment.get('token_type')).toBe('bearer');
		expect(Number(fragment.get('expires_in'))).toBe(3600);

		const client = anonClient();
		const set = await client.auth.setSession({
			access_token: fragment.get('access_token')!,
			refresh_token: fragment.get('refresh_token')!
		});
		expect(set.error).toBeNull();
		expect(set.data.user?.email).toBe(invitee);
		expect(set.data.user?.email_confirmed_at).toBeTruthy();
		expect(set.data.user?.user_metadata.full_name).toBe('New Nurse');
		expect((await client.auth.updateUser({ password: 'Invited-pass-1' })).error).toBeNull();
		const signIn = await anonClient().auth.signInWithPassword({
			email: invitee,
			password: 'Invited-pass-1'
		});
		expect(signIn.error).toBeNull();

		// a used link redirects with the otp_expired error in the fragment
		const reused = await fetch(mail.action_link, { redirect: 'manual' });
		expect(reused.status).toBe(303);
		const err = new URLSearchParams(reused.headers.get('location')!.split('#')[1]);
		expect(err.get('error')).toBe('access_denied');
		expect(err.get('error_code')).toBe('otp_expired');
		expect(err.get('error_description')).toBe('Email link is invalid or has expired');
	});

	it('sends a redirect outside the allow-list to the site url instead', async () => {
		const invitee = email('redirect');
		await adminClient().auth.admin.inviteUserByEmail(invitee, {
			redirectTo: 'https://evil.example.com/steal'
		});
		const [mail] = await messages(invitee);
		// the template builds its link on the site URL when Auth falls back to it
		expect(linkInMail(mail)).toBe(
			`http://localhost:5173/auth/confirm?token_hash=${mail.token_hash}&type=email`
		);
		const link = new URL(mail.action_link);
		expect(link.searchParams.get('redirect_to')).toBe('http://localhost:5173');
		const res = await fetch(mail.action_link, { redirect: 'manual' });
		expect(res.headers.get('location')!.startsWith('http://localhost:5173#access_token=')).toBe(
			true
		);
	});

	it('lists newest first, filters by recipient, deletes per recipient', async () => {
		const a = email('list-a');
		const b = email('list-b');
		// generateLink only returns the link; recovery and invite send mail
		const { error } = await adminClient().auth.admin.generateLink({ type: 'magiclink', email: a });
		expect(error).toBeNull();
		expect(await messages(a)).toEqual([]);
		await adminClient().auth.admin.inviteUserByEmail(b);
		await anonClient().auth.resetPasswordForEmail(b);
		const list = await messages(b);
		expect(list.map((m) => m.type)).toEqual(['recovery', 'invite']);
		expect(list.every((m) => m.to === b)).toBe(true);
		expect(Date.parse(list[0].created_at)).toBeGreaterThanOrEqual(Date.parse(list[1].created_at));
		const upper = await messages(b.toUpperCase());
		expect(upper).toHaveLength(2);

		const del = await fetch(`${MAIL_URL}/api/messages?to=${encodeURIComponent(b)}`, {
			method: 'DELETE'
		});
		expect(del.status).toBe(200);
		expect(await del.json()).toEqual({ deleted: 2 });
		expect(await messages(b)).toEqual([]);
		const none = await fetch(`${MAIL_URL}/api/messages/latest?to=${encodeURIComponent(b)}`);
		expect(none.status).toBe(404);
	});

	it('serves an accessible HTML page listing messages with their links', async () => {
		const to = email('html');
		await adminClient().auth.admin.inviteUserByEmail(to);
		const [mail] = await messages(to);
		const res = await fetch(`${MAIL_URL}/?to=${encodeURIComponent(to)}`);
		expect(res.status).toBe(200);
		expect(res.headers.get('content-type')).toContain('text/html');
		const html = await res.text();
		expect(html).toContain('<html lang="en">');
		expect(html).toContain('<h1>Local mailbox</h1>');
		expect(html).toContain('<label for="to">');
		expect(html).toContain(to);
		expect(html).toContain(`href="${mail.action_link.replace(/&/g, '&#38;')}"`);
		expect(html).toContain(`href="/messages/${mail.id}"`);
		const one = await fetch(`${MAIL_URL}/messages/${mail.id}`);
		expect(one.status).toBe(200);
		expect(await one.text()).toContain('You have been invited');
	});

	it('stores a message sent over SMTP once per recipient, with the fields its link names', async () => {
		const a = email('smtp-a');
		const b = email('smtp-b');
		const link =
			'http://clinic-a.localhost:5173/auth/confirm?next=%2Fset-password&token_hash=abc123&type=recovery';
		await nodemailer
			.createTransport({ host: '127.0.0.1', port: gw.smtpPort, ignoreTLS: true })
			.sendMail({
				from: { name: 'Riverside Family Clinic', address: 'no-reply@clinic-portal.localhost' },
				to: [a, b],
				subject: 'Riverside Family Clinic: reset your password',
				html: `<p><a href="${link.replace(/&/g, '&amp;')}">Choose a new password</a></p>`,
				text: `Choose a new password:\n${link}\n`
			});
		for (const to of [a, b]) {
			const [m] = await messages(to);
			expect(m).toMatchObject({
				to,
				subject: 'Riverside Family Clinic: reset your password',
				action_link: link,
				token_hash: 'abc123',
				type: 'recovery'
			});
			expect(linkInMail(m)).toBe(link);
			expect(m.text).toContain(link);
		}
	});
});
