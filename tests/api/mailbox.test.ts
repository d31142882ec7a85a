/**
 * The local mailbox: e-mails Auth would send are captured and served on the mailbox port as JSON
 * (for tests) and as an HTML page (for people). Invite flow end to end through supabase-js.
 */
import { afterAll, describe, expect, it } from 'vitest';
import {
	adminDb,
	anonClient,
	API_URL,
	MAIL_URL,
	serviceClient,
	uniqueEmail
} from '../support/stack.ts';

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

const admin = serviceClient();
const created: string[] = [];

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
	const db = adminDb();
	await db.connect();
	try {
		await db.query(`delete from auth.users where lower(email) = any($1::text[])`, [
			created.map((e) => e.toLowerCase())
		]);
	} finally {
		await db.end();
	}
});

describe('mailbox', () => {
	it('captures an invite; following its link signs the invitee in, who then sets a password', async () => {
		const invitee = email('invitee');
		const invited = await admin.auth.admin.inviteUserByEmail(invitee, {
			data: { full_name: 'New Nurse' },
			redirectTo: 'http://clinic-a.localhost:5173/welcome'
		});
		expect(invited.error).toBeNull();
		expect(invited.data.user?.invited_at).toBeTruthy();
		expect(invited.data.user?.email_confirmed_at).toBeUndefined();

		const latest = await fetch(`${MAIL_URL}/api/messages/latest?to=${encodeURIComponent(invitee)}`);
		expect(latest.status).toBe(200);
		const mail = (await latest.json()) as Mail;
		expect(mail).toMatchObject({ to: invitee, type: 'invite', subject: 'You have been invited' });
		expect(mail.email_otp).toMatch(/^\d{6}$/);
		expect(mail.html).toContain(mail.action_link.replace(/&/g, '&#38;'));
		expect(mail.action_link.startsWith(`${API_URL}/auth/v1/verify?`)).toBe(true);

		// the link works without any apikey, like a click in a mail client
		const res = await fetch(mail.action_link, { redirect: 'manual' });
		expect(res.status).toBe(303);
		const location = res.headers.get('location')!;
		expect(location.startsWith('http://clinic-a.localhost:5173/welcome#')).toBe(true);
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
		await admin.auth.admin.inviteUserByEmail(invitee, {
			redirectTo: 'https://evil.example.com/steal'
		});
		const [mail] = await messages(invitee);
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
		const { error } = await admin.auth.admin.generateLink({ type: 'magiclink', email: a });
		expect(error).toBeNull();
		expect(await messages(a)).toEqual([]);
		await admin.auth.admin.inviteUserByEmail(b);
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
		await admin.auth.admin.inviteUserByEmail(to);
		const [mail] = await messages(to);
		const res = await fetch(`${MAIL_URL}/?to=${encodeURIComponent(to)}`);
		expect(res.status).toBe(200);
		expect(res.headers.get('content-type')).toContain('text/html');
		const html = await res.text();
		expect(html).toContain('<html lang="en">');
		expect(html).toContain('<h1>Local mailbox</h1>');
		expect(html).toContain('<label for="to">');
		expect(html).toContain(to);
		expect(html).toContain(mail.action_link.replace(/&/g, '&#38;'));
		expect(html).toContain(`href="/messages/${mail.id}"`);
		const one = await fetch(`${MAIL_URL}/messages/${mail.id}`);
		expect(one.status).toBe(200);
		expect(await one.text()).toContain('You have been invited');
	});
});
