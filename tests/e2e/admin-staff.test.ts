/**
 * Clinic admin console, staff and invitations: only admins get in; roles change; removal asks for
 * confirmation and cuts access at the next request; invitations go out through Auth's e-mail link
 * and are accepted by the invited address only (new and existing accounts), unless revoked or
 * expired; seats are limited by the plan; another clinic's admin cannot act on forged ids.
 */
import { afterAll, beforeAll, describe, expect } from 'vitest';
import type { BrowserContext, Page } from 'playwright-core';
import {
	appUrl,
	postForm,
	screenshotPath,
	sharedBrowserTest as it,
	signIn
} from '../support/browser.ts';
import { CLINIC_A, HOSPITAL } from '../support/demo.ts';
import { latestMail, linkInMail, linkInText, testStaff } from '../support/people.ts';
import { APP_PORT } from '../support/app-server.ts';
import { serviceClient, sql, uniqueEmail } from '../support/stack.ts';

const PASSWORD = 'Admin-e2e-password-1';

/**
 * Clicks the link of the newest invitation e-mail, as found in the message's HTML, in the given
 * (fresh) browser: it goes to the clinic's own address and signs the person in there.
 */
async function openInvitation(
	context: BrowserContext,
	slug: string,
	email: string,
	after?: string
): Promise<Page> {
	const mail = await latestMail(email, after);
	const link = linkInMail(mail);
	expect(new URL(link).host).toBe(`${slug}.localhost:${APP_PORT}`);
	expect(linkInText(mail)).toBe(link);
	const page = await context.newPage();
	await page.goto(link);
	await page.waitForURL((u) => u.pathname === '/accept-invite');
	return page;
}

async function invite(page: Page, email: string, role: string, name = '') {
	await page.goto(appUrl(CLINIC_A.slug, '/admin/staff'));
	await page.getByLabel('Email').fill(email);
	await page.getByLabel('Name (optional)').fill(name);
	await page.getByLabel('Role', { exact: true }).selectOption(role);
	await page.getByRole('button', { name: 'Send invitation' }).click();
}

/** Invites as `invite` does and waits until the page says the invitation went out. */
async function inviteSent(page: Page, email: string, role: string, name = '') {
	await invite(page, email, role, name);
	await page.getByText(`Invitation sent to ${email}.`).waitFor();
}

/** Revokes a pending invitation from its row on the staff page. */
async function revoke(page: Page, email: string) {
	const row = page.getByTestId('invitation-row').filter({ hasText: email });
	await row.getByRole('button', { name: /Revoke/ }).click();
	await page.waitForURL((u) => u.searchParams.get('notice') === 'revoked');
}

/** The accept page of a link that no longer holds: a clear message and nothing to accept. */
async function expectRefusedInvitation(page: Page) {
	expect(await page.getByRole('alert').textContent()).toContain('not valid for your account');
	expect(await page.getByRole('button', { name: /Accept and join/ }).count()).toBe(0);
}

/** The clinic-a memberships of a person (none once an invitation was refused). */
const clinicAMemberships = (userId: string) =>
	sql(
		`select 1 from public.memberships m join public.organizations o on o.id = m.organization_id
		  where o.slug = 'clinic-a' and m.user_id = $1`,
		[userId]
	);

describe('clinic admin console: staff and invitations', () => {
	const staff = testStaff(PASSWORD);
	let admin: { id: string; email: string };
	let adminPage: Page;

	it.beforeAll(async ({ browser }) => {
		admin = await staff.create('admin', { fullName: 'Admin Person' });
		adminPage = await signIn(browser, CLINIC_A.slug, admin.email, PASSWORD);
	});

	it('refuses the console to staff who are not admins (403, no Admin link)', async ({
		launchBrowser
	}) => {
		const doctor = await staff.create('doctor');
		const page = await signIn(await launchBrowser(), CLINIC_A.slug, doctor.email, PASSWORD);
		expect(await page.getByRole('link', { name: 'Admin' }).count()).toBe(0);
		const res = await page.goto(appUrl(CLINIC_A.slug, '/admin/staff'));
		expect(res?.status()).toBe(403);
		// an action posted directly is refused too (checked in the action, then by RLS)
		const post = await postForm(page, '/admin/staff?/invite', {
			email: uniqueEmail('sneaky'),
			role: 'admin'
		});
		expect(post.status).toBe(403);
	});

	it('lists staff with name, email, role and status and changes a role', async () => {
		const nurse = await staff.create('nurse');
		await adminPage.getByRole('link', { name: 'Admin' }).click();
		await adminPage.waitForURL((u) => u.pathname === '/admin/staff');
		const row = adminPage.getByTestId('staff-row').filter({ hasText: nurse.email });
		await expect.poll(() => row.count()).toBe(1);
		expect(await row.textContent()).toContain('Active');
		await row.getByLabel(/Role of/).selectOption('receptionist');
		await row.getByRole('button', { name: 'Change role' }).click();
		await row.getByRole('status').waitFor();
		const [m] = await sql<{ role: string }>(
			'select role from public.memberships where user_id = $1',
			[nurse.id]
		);
		expect(m.role).toBe('receptionist');
		await adminPage.screenshot({ path: screenshotPath('admin-staff'), fullPage: true });
	});

	it('cannot change or remove their own membership (message next to the control)', async () => {
		await adminPage.goto(appUrl(CLINIC_A.slug, '/admin/staff'));
		const mine = adminPage.getByTestId('staff-row').filter({ hasText: admin.email });
		expect(await mine.textContent()).toContain('Another admin must change your own role.');
		expect(await mine.getByRole('link', { name: /Remove/ }).count()).toBe(0);
		const [{ id }] = await sql<{ id: string }>(
			'select id from public.memberships where user_id = $1',
			[admin.id]
		);
		await adminPage.goto(appUrl(CLINIC_A.slug, `/admin/staff/${id}/remove`));
		await adminPage.getByRole('button', { name: /^Remove/ }).click();
		await adminPage.getByRole('alert').waitFor();
		expect(await adminPage.getByRole('alert').textContent()).toContain(
			'You cannot remove your own membership'
		);
	});

	it('removes someone after a confirmation step; their next request is refused', async ({
		launchBrowser
	}) => {
		const nurse = await staff.create('nurse');
		const nursePage = await signIn(await launchBrowser(), CLINIC_A.slug, nurse.email, PASSWORD);
		expect(new URL(nursePage.url()).pathname).toBe('/dashboard');

		await adminPage.goto(appUrl(CLINIC_A.slug, '/admin/staff'));
		const row = adminPage.getByTestId('staff-row').filter({ hasText: nurse.email });
		await row.getByRole('link', { name: /Remove/ }).click();
		await adminPage.waitForURL((u) => u.pathname.endsWith('/remove'));
		// nothing happens until confirmed
		expect(
			await sql('select 1 from public.memberships where user_id = $1', [nurse.id])
		).toHaveLength(1);
		await adminPage.screenshot({ path: screenshotPath('admin-remove-confirm'), fullPage: true });
		await adminPage.getByRole('button', { name: /^Remove/ }).click();
		await adminPage.waitForURL((u) => u.pathname === '/admin/staff');
		expect(await adminPage.getByRole('status').first().textContent()).toContain('was removed');
		expect(
			await sql('select 1 from public.memberships where user_id = $1', [nurse.id])
		).toHaveLength(0);

		// the removed person's still-unexpired token gets nothing at the next request: removal from
		// their only clinic ended their Auth session (docs/security.md, "Sessions")
		await nursePage.goto(appUrl(CLINIC_A.slug, '/dashboard'));
		await nursePage.waitForURL((u) => u.pathname === '/sign-in');
		expect(new URL(nursePage.url()).searchParams.get('notice')).toBe('signed-out');
		expect(await sql('select 1 from auth.sessions where user_id = $1', [nurse.id])).toHaveLength(0);
	});

	it('invites a new person who signs in from the e-mail, accepts, sets a password and lands in the clinic', async ({
		launchBrowser
	}) => {
		const email = uniqueEmail('invitee');
		await inviteSent(adminPage, email, 'nurse', 'Nora Newcomer');
		const row = adminPage.getByTestId('invitation-row').filter({ hasText: email });
		expect(await row.textContent()).toContain('Pending');
		expect(await row.textContent()).toContain('Nora Newcomer');

		// the e-mail speaks in the clinic's name: clinic, inviter and role in subject and body
		const mail = await latestMail(email);
		expect(mail.subject).toBe(`Admin Person invites you to join ${CLINIC_A.name} as Nurse`);
		expect(mail.text).toContain(`Admin Person invited you to join ${CLINIC_A.name} as Nurse`);
		expect(mail.html).toContain(`Hello Nora Newcomer`);

		const page = await openInvitation(await launchBrowser(), CLINIC_A.slug, email);
		expect(await page.textContent('main')).toContain(
			`Admin Person invited you to join ${CLINIC_A.name} as Nurse`
		);
		expect(await page.getByLabel('Your name').inputValue()).toBe('Nora Newcomer');
		await page.getByLabel('Your name').fill('Nora N. Newcomer');
		await page.screenshot({ path: screenshotPath('admin-accept-invite'), fullPage: true });
		await page.getByRole('button', { name: /Accept and join/ }).click();
		await page.waitForURL((u) => u.pathname === '/set-password');
		await page.getByLabel('New password', { exact: true }).fill(PASSWORD);
		await page.getByLabel('Repeat the new password').fill(PASSWORD);
		await page.getByRole('button', { name: 'Save password' }).click();
		await page.waitForURL((u) => u.pathname === '/dashboard');
		expect(await page.textContent('header')).toContain(CLINIC_A.name);
		// the header names the person by the name they gave
		expect(await page.textContent('header')).toContain('Nora N. Newcomer · Nurse');

		const [m] = await sql<{
			user_id: string;
			role: string;
			status: string;
			inv: string;
			name: string;
		}>(
			`select m.user_id, m.role, m.status, i.status as inv, p.full_name as name
			   from public.invitations i
			   join public.profiles p on lower(p.email) = i.email
			   join public.memberships m on m.user_id = p.id and m.organization_id = i.organization_id
			  where i.email = $1`,
			[email]
		);
		staff.track(m.user_id);
		expect(m).toMatchObject({
			role: 'nurse',
			status: 'active',
			inv: 'accepted',
			name: 'Nora N. Newcomer'
		});
		// the admin sees the name in the staff list and in the removal dialog, not the e-mail twice
		await adminPage.goto(appUrl(CLINIC_A.slug, '/admin/staff'));
		const member = adminPage.getByTestId('staff-row').filter({ hasText: email });
		expect(await member.textContent()).toContain('Nora N. Newcomer');
		await member.getByRole('link', { name: 'Remove Nora N. Newcomer' }).click();
		await adminPage.waitForURL((u) => u.pathname.endsWith('/remove'));
		expect(await adminPage.getByRole('heading', { level: 1 }).textContent()).toBe(
			'Remove Nora N. Newcomer?'
		);
		expect(await adminPage.textContent('main')).toContain(`Nora N. Newcomer (${email}, Nurse)`);
		// and the audit trail names them: accepting made their membership, recorded as their act
		await adminPage.goto(appUrl(CLINIC_A.slug, `/admin/audit?actor=${m.user_id}`));
		const sentences = await adminPage.getByTestId('audit-sentence').allTextContents();
		expect(sentences.length).toBeGreaterThan(0);
		for (const s of sentences) expect(s.trim()).toMatch(/^Nora N\. Newcomer /);
		// a secret's hash is never part of a sentence
		expect(sentences.join(' ')).not.toMatch(/token hash/i);
		// and the new password works on the clinic's sign-in page, in a browser of its own
		const again = await signIn(await launchBrowser(), CLINIC_A.slug, email, PASSWORD);
		expect(new URL(again.url()).pathname).toBe('/dashboard');
	});

	it('lets a person who works at another clinic join with their existing account', async ({
		launchBrowser
	}) => {
		const elsewhere = await staff.create('doctor', { organizationSlug: HOSPITAL.slug });
		await inviteSent(adminPage, elsewhere.email, 'doctor');
		const page = await openInvitation(await launchBrowser(), CLINIC_A.slug, elsewhere.email);
		// their profile has no name yet: the form asks for one
		expect(await page.getByLabel('Your name').inputValue()).toBe('');
		await page.getByLabel('Your name').fill('Elsa Elsewhere');
		await page.getByRole('button', { name: /Accept and join/ }).click();
		await page.waitForURL((u) => u.pathname === '/dashboard');

		const rows = await sql<{ slug: string; role: string }>(
			`select o.slug, m.role from public.memberships m join public.organizations o on o.id = m.organization_id
			  where m.user_id = $1 and m.status = 'active' order by o.slug`,
			[elsewhere.id]
		);
		expect(rows).toEqual([
			{ slug: 'city-hospital', role: 'doctor' },
			{ slug: 'clinic-a', role: 'doctor' }
		]);
		const { data } = await serviceClient().auth.admin.getUserById(elsewhere.id);
		expect(data.user?.email).toBe(elsewhere.email);
	});

	it('refuses a revoked invitation and an expired one; resend makes it usable again', async ({
		launchBrowser
	}) => {
		// someone with no account yet: the link still signs them in (Auth made the account), but the
		// revoked invitation gives a clear message and no membership
		const newcomer = uniqueEmail('revoked-new');
		await inviteSent(adminPage, newcomer, 'doctor', 'Nell Newcomer');
		await revoke(adminPage, newcomer);
		await expect
			.poll(async () =>
				adminPage.getByTestId('invitation-row').filter({ hasText: newcomer }).textContent()
			)
			.toContain('Revoked');
		await expectRefusedInvitation(
			await openInvitation(await launchBrowser(), CLINIC_A.slug, newcomer)
		);
		const [account] = await sql<{ id: string }>('select id from auth.users where email = $1', [
			newcomer
		]);
		if (account) staff.track(account.id);
		expect(
			await sql(
				`select 1 from public.memberships m join auth.users u on u.id = m.user_id where u.email = $1`,
				[newcomer]
			)
		).toHaveLength(0);

		// people who already have accounts elsewhere
		const revoked = await staff.create('nurse', { organizationSlug: HOSPITAL.slug });
		const expired = await staff.create('nurse', { organizationSlug: HOSPITAL.slug });

		await inviteSent(adminPage, revoked.email, 'nurse');
		await revoke(adminPage, revoked.email);
		expect(
			await adminPage.getByTestId('invitation-row').filter({ hasText: revoked.email }).textContent()
		).toContain('Revoked');

		await inviteSent(adminPage, expired.email, 'nurse');
		await sql(
			`update public.invitations set expires_at = now() - interval '1 day' where email = $1`,
			[expired.email]
		);

		await expectRefusedInvitation(
			await openInvitation(await launchBrowser(), CLINIC_A.slug, revoked.email)
		);
		const theirs = await launchBrowser();
		const page = await openInvitation(theirs, CLINIC_A.slug, expired.email);
		await expectRefusedInvitation(page);
		// nothing was joined by opening the expired link
		expect(await clinicAMemberships(expired.id)).toHaveLength(0);
		const stale = page.url();

		// the admin sends it again: a fresh week, and now it can be accepted. Auth sends one e-mail
		// of a kind per address per max_frequency (60 s): let that time pass for the first one.
		await sql(
			`update auth.users set confirmation_sent_at = confirmation_sent_at - interval '2 minutes',
			        recovery_sent_at = recovery_sent_at - interval '2 minutes' where email = $1`,
			[expired.email]
		);
		await adminPage.goto(appUrl(CLINIC_A.slug, '/admin/staff'));
		const exp = adminPage.getByTestId('invitation-row').filter({ hasText: expired.email });
		expect(await exp.textContent()).toContain('Expired');
		const before = new Date().toISOString();
		await exp.getByRole('button', { name: /Resend/ }).click();
		await adminPage.waitForURL((u) => u.searchParams.get('notice') === 'resent');
		const again = await openInvitation(theirs, CLINIC_A.slug, expired.email, before);
		expect(again.url()).not.toBe(stale);
		await again.getByLabel('Your name').fill('Ellis Expired');
		await again.getByRole('button', { name: /Accept and join/ }).click();
		await again.waitForURL((u) => u.pathname === '/dashboard');

		expect(await clinicAMemberships(revoked.id)).toHaveLength(0);
	});

	it('checks addresses fully before saving: RFC limits next to the field; one Auth refuses holds no seat', async () => {
		const seats = async () =>
			(await adminPage.getByTestId('seat-usage').textContent())?.replace(/\s+/g, ' ') ?? '';
		await adminPage.goto(appUrl(CLINIC_A.slug, '/admin/staff'));
		const before = await seats();
		const invitations = async () =>
			(await sql<{ n: number }>('select count(*)::int as n from public.invitations'))[0].n;
		const count = await invitations();

		await invite(adminPage, `${'a'.repeat(65)}@example.test`, 'nurse');
		const error = adminPage.locator('#invite-email-error');
		await error.waitFor();
		expect(await error.textContent()).toContain('at most 64 characters');
		expect(await adminPage.getByLabel('Email').getAttribute('aria-invalid')).toBe('true');
		await invite(
			adminPage,
			`someone@${'b'.repeat(60)}.${'c'.repeat(60)}.${'d'.repeat(60)}.${'e'.repeat(60)}.test`,
			'nurse'
		);
		await adminPage.locator('#invite-email-error').waitFor();
		expect(await adminPage.locator('#invite-email-error').textContent()).toContain(
			'at most 254 characters'
		);
		expect(await invitations()).toBe(count);

		// within RFC 5321's lengths, but Auth refuses it (a domain label over 63 characters)
		const refused = `someone@${'x'.repeat(70)}.example.test`;
		await invite(adminPage, refused, 'nurse');
		await adminPage.locator('#invite-email-error').waitFor();
		expect(await adminPage.locator('#invite-email-error').textContent()).toContain(
			'The invitation was withdrawn and holds no seat.'
		);
		const [row] = await sql<{ status: string }>(
			'select status from public.invitations where email = $1',
			[refused]
		);
		expect(row.status).toBe('revoked');
		await adminPage.goto(appUrl(CLINIC_A.slug, '/admin/staff'));
		expect(await seats()).toBe(before);
	});

	it("an admin of another clinic cannot touch this clinic's members by forging ids", async ({
		launchBrowser
	}) => {
		const adminB = await staff.create('admin', { organizationSlug: HOSPITAL.slug });
		const victim = await staff.create('nurse');
		const [{ id }] = await sql<{ id: string }>(
			'select id from public.memberships where user_id = $1',
			[victim.id]
		);
		const page = await signIn(await launchBrowser(), HOSPITAL.slug, adminB.email, PASSWORD);
		const confirmPage = await page.goto(appUrl(HOSPITAL.slug, `/admin/staff/${id}/remove`));
		expect(confirmPage?.status()).toBe(404);
		const role = await postForm(page, '/admin/staff?/changeRole', {
			membershipId: id,
			role: 'admin'
		});
		expect(role.status).toBe(400);
		expect(role.text).toContain('No such staff member at this clinic.');
		const remove = await postForm(page, `/admin/staff/${id}/remove`, { membershipId: id });
		// refused by the action (no row under RLS), then the page itself is not found
		expect([400, 404]).toContain(remove.status);

		const [m] = await sql<{ role: string }>('select role from public.memberships where id = $1', [
			id
		]);
		expect(m.role).toBe('nurse');
	});
});

describe('seat limit of the plan', () => {
	const slug = `seats-${Date.now().toString(36)}`;
	const staff = testStaff(PASSWORD);

	beforeAll(async () => {
		await sql(
			`insert into public.organizations (slug, name, plan_id) values ($1, 'Seat Test Clinic', 'starter')`,
			[slug]
		);
	});
	afterAll(async () => {
		await sql('delete from public.organizations where slug = $1', [slug]);
	});

	it('refuses an invitation beyond the seats of the plan, with the reason next to the field', async ({
		launchBrowser
	}) => {
		const admin = await staff.create('admin', { organizationSlug: slug });
		for (let i = 0; i < 3; i++) await staff.create('nurse', { organizationSlug: slug });
		const page = await signIn(await launchBrowser(), slug, admin.email, PASSWORD);
		await page.goto(appUrl(slug, '/admin/staff'));
		expect(await page.getByTestId('seat-usage').textContent()).toContain('4 of 5 seats in use');
		const first = uniqueEmail('seat');
		await page.getByLabel('Email').fill(first);
		await page.getByRole('button', { name: 'Send invitation' }).click();
		await page.getByText(`Invitation sent to ${first}.`).waitFor();
		await page.getByLabel('Email').fill(uniqueEmail('seat'));
		await page.getByRole('button', { name: 'Send invitation' }).click();
		const error = page.locator('#invite-email-error');
		await error.waitFor();
		expect(await error.textContent()).toContain('All 5 seats of the Starter plan are in use');
		expect(await page.getByLabel('Email').getAttribute('aria-invalid')).toBe('true');
		await page.screenshot({ path: screenshotPath('admin-seat-limit'), fullPage: true });
	});
});
