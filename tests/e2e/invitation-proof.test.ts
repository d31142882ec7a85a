/**
 * Possession, not resemblance (issue 12), through the official client: signing up with an invited
 * address, or changing one's e-mail to it, never yields a membership without the invitation's
 * secret, even once the mailbox has been proven. (Runs in the e2e project: Auth hands its e-mails
 * to the portal's Send Email hook, so the portal must be up.)
 */
import { afterAll, describe, expect } from 'vitest';
import { meetTwoFactor } from '../support/totp.ts';
import { HOSPITAL } from '../support/demo.ts';
import { appUrl, browserTest as it, signIn } from '../support/browser.ts';
import { latestMail, linkInMail, testStaff } from '../support/people.ts';
import { anonClient, sql, uniqueEmail } from '../support/stack.ts';

const CLINIC_A = { slug: `proof-${Date.now().toString(36)}` };

const PASSWORD = 'Proof-e2e-password-1';
const staff = testStaff(PASSWORD);
// runs before testStaff's deletions (after hooks run in reverse): a clinic's last active admin
// cannot be deleted while the clinic exists
afterAll(async () => {
	await sql('delete from public.organizations where slug = $1', [CLINIC_A.slug]);
});

async function clinicMemberships(email: string): Promise<number> {
	const [{ n }] = await sql<{ n: number }>(
		`select count(*)::int as n from public.memberships m join public.profiles p on p.id = m.user_id
		   join public.organizations o on o.id = m.organization_id
		  where lower(p.email) = lower($1) and o.slug = $2`,
		[email, CLINIC_A.slug]
	);
	return n;
}

/** The test's clinic (made by the first test that needs it) and a new admin of it. */
async function clinicAdmin(fullName?: string) {
	await sql(
		`insert into public.organizations (slug, name, plan_id) values ($1, 'Proof Clinic', 'hospital')
		 on conflict (slug) do nothing`,
		[CLINIC_A.slug]
	);
	return staff.create('admin', { organizationSlug: CLINIC_A.slug, fullName });
}

async function invited(email: string) {
	const admin = await clinicAdmin();
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
		if (data.user) staff.track(data.user.id);
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
		const member = await staff.create('nurse', { organizationSlug: HOSPITAL.slug });
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

	it('a stranger who signed up with it first keeps no password once the invited person opens the link', async ({
		browser: adminBrowser,
		launchBrowser
	}) => {
		const address = uniqueEmail('squatted');
		// before the invitation: an unconfirmed account with the stranger's password
		const squat = await anonClient().auth.signUp({ email: address, password: 'Strangers-pass-1' });
		expect(squat.error).toBeNull();
		if (squat.data.user) staff.track(squat.data.user.id);
		// Auth mails one confirmation per address per [auth.email] max_frequency (60 s), and the
		// invitation is one (a sign-in link to an unconfirmed account): let that time pass
		await sql(
			`update auth.users set confirmation_sent_at = confirmation_sent_at - interval '2 minutes'
			  where email = $1`,
			[address]
		);
		const admin = await clinicAdmin('Proof Admin');
		const invitee = await launchBrowser();
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
	});
});
