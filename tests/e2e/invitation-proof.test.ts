/**
 * Possession, not resemblance (issue 12), through the official client: signing up with an invited
 * address, or changing one's e-mail to it, never yields a membership without the invitation's
 * secret, even once the mailbox has been proven. (Runs in the e2e project: Auth hands its e-mails
 * to the portal's Send Email hook, so the portal must be up.)
 */
import { afterAll, describe, expect, it } from 'vitest';
import { meetTwoFactor } from '../support/totp.ts';
import { HOSPITAL } from '../support/demo.ts';
import { appUrl, launch, signIn } from '../support/browser.ts';
import { createStaff, deleteUser, latestMail, linkInMail } from '../support/people.ts';
import { adminDb, anonClient, uniqueEmail } from '../support/stack.ts';

const CLINIC_A = { slug: `proof-${Date.now().toString(36)}` };

const PASSWORD = 'Proof-e2e-password-1';
const cleanup: string[] = [];
afterAll(async () => {
	for (const id of cleanup) await deleteUser(id);
});

async function clinicMemberships(email: string): Promise<number> {
	const db = adminDb();
	await db.connect();
	try {
		const { rows } = await db.query(
			`select count(*)::int as n from public.memberships m join public.profiles p on p.id = m.user_id
			   join public.organizations o on o.id = m.organization_id
			  where lower(p.email) = lower($1) and o.slug = $2`,
			[email, CLINIC_A.slug]
		);
		return rows[0].n;
	} finally {
		await db.end();
	}
}

async function ensureClinic() {
	const db = adminDb();
	await db.connect();
	try {
		await db.query(
			`insert into public.organizations (slug, name, plan_id) values ($1, 'Proof Clinic', 'hospital')
			 on conflict (slug) do nothing`,
			[CLINIC_A.slug]
		);
	} finally {
		await db.end();
	}
}

async function invited(email: string) {
	await ensureClinic();
	const admin = await createStaff({
		organizationSlug: CLINIC_A.slug,
		role: 'admin',
		password: PASSWORD
	});
	cleanup.push(admin.id);
	const client = anonClient();
	await client.auth.signInWithPassword({ email: admin.email, password: PASSWORD });
	await meetTwoFactor(client, admin.email);
	const { data: org } = await client
		.from('organizations')
		.select('id')
		.eq('slug', CLINIC_A.slug)
		.single();
	const { data, error } = await client
		.rpc('create_invitation', { organization_id: org!.id, email, role: 'admin' })
		.single<{ invitation_id: string; secret: string }>();
	expect(error).toBeNull();
	expect(data?.secret).toMatch(/^[0-9a-f]{64}$/);
}

describe('an invited address is not a key', () => {
	it('a stranger who signs up with it gets no session, and no membership even with its mailbox', async () => {
		const address = uniqueEmail('invited-signup');
		await invited(address);
		const stranger = anonClient();
		const { data, error } = await stranger.auth.signUp({
			email: address,
			password: PASSWORD,
			options: { emailRedirectTo: appUrl(null, '/auth/confirm?next=/') }
		});
		expect(error).toBeNull();
		expect(data.session).toBeNull();
		if (data.user) cleanup.push(data.user.id);
		const early = await stranger.auth.signInWithPassword({ email: address, password: PASSWORD });
		expect(early.error?.code).toBe('email_not_confirmed');
		// even someone who can read that mailbox (confirms the address) has no invitation secret
		const mail = await latestMail(address);
		expect(mail.token_hash).toBeTruthy();
		const confirmed = await stranger.auth.verifyOtp({
			token_hash: mail.token_hash!,
			type: 'email'
		});
		expect(confirmed.error).toBeNull();
		for (const secret of ['', '0'.repeat(64)]) {
			const res = await stranger.rpc('accept_invitation', {
				org_slug: CLINIC_A.slug,
				secret,
				full_name: 'Eve'
			});
			expect(res.error?.code).toBe('PT404');
		}
		expect(await clinicMemberships(address)).toBe(0);
	});

	it("another clinic's member who changes their e-mail to it gets no membership", async () => {
		const address = uniqueEmail('invited-change');
		await invited(address);
		const member = await createStaff({
			organizationSlug: HOSPITAL.slug,
			role: 'nurse',
			password: PASSWORD
		});
		cleanup.push(member.id);
		const client = anonClient();
		await client.auth.signInWithPassword({ email: member.email, password: PASSWORD });
		const { data, error } = await client.auth.updateUser(
			{ email: address },
			{ emailRedirectTo: appUrl(null, '/auth/confirm?next=/') }
		);
		expect(error).toBeNull();
		// nothing changes until both addresses confirm (double_confirm_changes)
		expect(data.user?.email).toBe(member.email);
		expect(data.user?.new_email).toBe(address);
		const before = await client.rpc('accept_invitation', { org_slug: CLINIC_A.slug, secret: '' });
		expect(before.error?.code).toBe('PT404');
		// both links opened: the address is theirs now, and still no proof of the invitation
		const toNew = await latestMail(address);
		const toOld = await latestMail(member.email);
		const first = await anonClient().auth.verifyOtp({
			token_hash: toNew.token_hash!,
			type: 'email_change'
		});
		expect(first.error).toBeNull();
		expect(first.data.session).toBeNull();
		const second = await client.auth.verifyOtp({
			token_hash: toOld.token_hash!,
			type: 'email_change'
		});
		expect(second.error).toBeNull();
		expect(second.data.user?.email).toBe(address);
		const after = await client.rpc('accept_invitation', {
			org_slug: CLINIC_A.slug,
			secret: '0'.repeat(64)
		});
		expect(after.error?.code).toBe('PT404');
		expect(await clinicMemberships(address)).toBe(0);
	});

	it('a stranger who signed up with it first keeps no password once the invited person opens the link', async () => {
		const address = uniqueEmail('squatted');
		// before the invitation: an unconfirmed account with the stranger's password
		const squat = await anonClient().auth.signUp({ email: address, password: 'Strangers-pass-1' });
		expect(squat.error).toBeNull();
		if (squat.data.user) cleanup.push(squat.data.user.id);
		// Auth mails one confirmation per address per [auth.email] max_frequency (60 s), and the
		// invitation is one (a sign-in link to an unconfirmed account): let that time pass
		const db = adminDb();
		await db.connect();
		try {
			await db.query(
				`update auth.users set confirmation_sent_at = confirmation_sent_at - interval '2 minutes'
				  where email = $1`,
				[address]
			);
		} finally {
			await db.end();
		}
		await ensureClinic();
		const admin = await createStaff({
			organizationSlug: CLINIC_A.slug,
			role: 'admin',
			password: PASSWORD,
			fullName: 'Proof Admin'
		});
		cleanup.push(admin.id);
		const adminBrowser = await launch();
		const invitee = await launch();
		try {
			const page = await signIn(adminBrowser, CLINIC_A.slug, admin.email, PASSWORD);
			await page.goto(appUrl(CLINIC_A.slug, '/admin/staff'));
			await page.getByLabel('Email').fill(address);
			await page.getByLabel('Role', { exact: true }).selectOption('admin');
			await page.getByRole('button', { name: 'Send invitation' }).click();
			await page.getByText(`Invitation sent to ${address}.`).waitFor();
			// the invited person opens the e-mail's link on their own device and accepts
			const link = linkInMail(await latestMail(address));
			const theirs = await invitee.newPage();
			await theirs.goto(link);
			await theirs.waitForURL((u) => u.pathname === '/accept-invite');
			await theirs.getByLabel('Your name').fill('Rightful Person');
			await theirs.getByRole('button', { name: /Accept and join/ }).click();
			await theirs.waitForURL((u) => u.pathname === '/set-password');
			// even before they choose a password, the stranger's no longer works
			const eve = await anonClient().auth.signInWithPassword({
				email: address,
				password: 'Strangers-pass-1'
			});
			expect(eve.error?.code).toBe('invalid_credentials');
			expect(await clinicMemberships(address)).toBe(1);
		} finally {
			await adminBrowser.close();
			await invitee.close();
		}
	});
});
