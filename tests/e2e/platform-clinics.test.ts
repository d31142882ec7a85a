/**
 * The platform console's clinic lifecycle, driven through the browser against the real database:
 * one-step onboarding (availability errors next to the field; an invite Auth refuses leaves
 * nothing behind), suspension with confirmation (members lose data access at once), plan changes,
 * invoices, global settings (banner, idle timeout), all audited (plans: platform-plans.test.ts).
 */
import { afterAll, beforeAll, describe, expect } from 'vitest';
import type { Page } from 'playwright-core';
import {
	appUrl,
	platformTest as it,
	completeTwoFactor,
	ENROL_PAGE,
	launch,
	platformAdminSignIn,
	screenshotPath
} from '../support/browser.ts';
import { CLINIC_A, demo } from '../support/demo.ts';
import { createStaff, deleteUser, latestMail, linkInMail } from '../support/people.ts';
import { clinicPlan } from '../support/platform.ts';
import { anonClient, sql, uniqueEmail } from '../support/stack.ts';

function uniqueSlug(prefix: string): string {
	return `${prefix}-${Date.now().toString(36)}${Math.random().toString(36).slice(2, 5)}`;
}

async function fillOnboarding(
	page: Page,
	v: { name: string; slug: string; domain?: string; plan?: string; email: string; zone?: string }
) {
	await page.goto(appUrl(null, '/platform/clinics/new'));
	await page.getByLabel('Name').fill(v.name);
	await page.getByLabel('Type').selectOption('clinic');
	await page.getByLabel('Address (subdomain)').fill(v.slug);
	await page.getByLabel('Custom domain (optional)').fill(v.domain ?? '');
	await page.getByLabel('Plan').selectOption(v.plan ?? 'starter');
	await page.getByLabel('Time zone').selectOption(v.zone ?? 'Europe/London');
	await page.getByLabel('First administrator’s email').fill(v.email);
	await page.getByRole('button', { name: 'Create clinic and invite' }).click();
}

const platformAdminId = async () =>
	(await sql<{ id: string }>(`select id from auth.users where email = $1`, [demo.platform]))[0].id;

describe('platform console: clinics', () => {
	const users: string[] = [];
	const clinics: string[] = [];
	afterAll(async () => {
		// the clinics first: a clinic's last active admin cannot be deleted while it exists
		await sql('delete from public.organizations where id = any($1::uuid[])', [clinics]);
		for (const id of users) await deleteUser(id);
	});

	it('refuses reserved and taken addresses next to the field, creating nothing', async ({
		platformPage: page
	}) => {
		expect.hasAssertions();
		const email = uniqueEmail('refused');
		for (const [slug, text] of [
			['admin', 'reserved'],
			[CLINIC_A.slug, 'already taken']
		] as const) {
			await fillOnboarding(page, { name: 'Refused Clinic', slug, email });
			const error = page.locator('#slug-error');
			await error.waitFor();
			await expect(error.textContent()).resolves.toContain(text);
			await expect(
				page.getByLabel('Address (subdomain)').getAttribute('aria-invalid')
			).resolves.toBe('true');
		}
		const taken = await sql(`select 1 from public.organizations where name = 'Refused Clinic'`);
		expect(taken).toHaveLength(0);
		const invited = await sql(`select 1 from auth.users where email = $1`, [email]);
		expect(invited).toHaveLength(0);
	});

	it('onboards a clinic in one step: organization, domain, subscription, invited first admin', async ({
		platformPage: page
	}) => {
		expect.hasAssertions();
		const slug = uniqueSlug('onb');
		const email = uniqueEmail('first-admin');
		await fillOnboarding(page, {
			name: 'Onboarded Clinic',
			slug,
			domain: `${slug}.example.org`,
			plan: 'clinic',
			email,
			zone: 'Pacific/Auckland'
		});
		await page.waitForURL((u) => /^\/platform\/clinics\/[0-9a-f-]{36}$/.test(u.pathname));
		await expect(page.textContent('main')).resolves.toContain('first administrator was invited');
		await page.screenshot({ path: screenshotPath('platform-clinic-onboarded'), fullPage: true });

		const [org] = await sql<{
			id: string;
			plan_id: string;
			domain: string;
			sub_plan: string;
			time_zone: string;
		}>(
			`select o.id, o.plan_id, d.domain, s.plan_id as sub_plan, o.time_zone
			   from public.organizations o
			   join public.organization_domains d on d.organization_id = o.id
			   join public.subscriptions s on s.organization_id = o.id
			  where o.slug = $1`,
			[slug]
		);
		expect(org).toMatchObject({
			plan_id: 'clinic',
			domain: `${slug}.example.org`,
			sub_plan: 'clinic',
			time_zone: 'Pacific/Auckland'
		});
		const [member] = await sql<{ role: string; status: string; user_id: string }>(
			`select m.role, m.status, m.user_id from public.memberships m join auth.users u on u.id = m.user_id
			  where m.organization_id = $1 and u.email = $2`,
			[org.id, email]
		);
		expect(member).toMatchObject({ role: 'admin', status: 'active' });
		users.push(member.user_id);
		clinics.push(org.id);
		// the e-mail speaks for the new clinic; its own link (Auth honours redirect_to only for
		// allow-listed URLs, which follow the portal's ports) leads to the clinic's address
		const mail = await latestMail(email);
		expect(mail.subject).toBe(
			'The platform team invites you to join Onboarded Clinic as Administrator'
		);
		const link = linkInMail(mail);
		expect(link).toBe(
			`${appUrl(slug, '/auth/confirm?next=/set-password')}&token_hash=${mail.token_hash}&type=email`
		);
		// opened on the first admin's own device (a fresh browser): set a password, then the portal
		const theirs = await launch();
		try {
			const first = await theirs.newPage();
			await first.goto(link);
			await first.waitForURL((u) => u.pathname === '/set-password');
			await first.getByLabel('New password', { exact: true }).fill('First-admin-pass-1');
			await first.getByLabel('Repeat the new password').fill('First-admin-pass-1');
			await first.getByRole('button', { name: 'Save password' }).click();
			// an administrator sets up two-factor sign-in before any clinic page
			await first.waitForURL((u) => u.pathname === ENROL_PAGE);
			await completeTwoFactor(first, email);
			await first.waitForURL((u) => u.pathname === '/dashboard');
			expect(await first.textContent('header')).toContain('Onboarded Clinic');
		} finally {
			await theirs.close();
		}

		const audit = await sql<{ actor_id: string; action: string }>(
			`select actor_id, action from public.platform_audit_log where organization_id = $1`,
			[org.id]
		);
		expect(audit).toEqual([{ actor_id: await platformAdminId(), action: 'clinic.create' }]);
	});

	it('changes nothing when Auth refuses the invitation (compensation)', async ({
		platformPage: page
	}) => {
		expect.hasAssertions();
		const slug = uniqueSlug('comp');
		// an address within RFC 5321's lengths (the form's rule) that Auth refuses: a domain label
		// longer than 63 characters
		const email = `first-admin@${'x'.repeat(70)}.example.test`;
		await fillOnboarding(page, {
			name: 'Compensated Clinic',
			slug,
			domain: `${slug}.example.org`,
			email
		});
		const error = page.locator('#admin_email-error');
		await error.waitFor();
		await expect(error.textContent()).resolves.toContain('Nothing was created');
		expect(await sql(`select 1 from public.organizations where slug = $1`, [slug])).toHaveLength(0);
		expect(
			await sql(`select 1 from public.organization_domains where domain = $1`, [
				`${slug}.example.org`
			])
		).toHaveLength(0);
		const trail = await sql<{ action: string }>(
			`select action from public.platform_audit_log
			  where details ->> 'slug' = $1 order by id`,
			[slug]
		);
		expect(trail.map((r) => r.action)).toEqual(['clinic.create', 'clinic.discard']);
	});

	describe('an existing clinic', () => {
		let orgId: string;
		let slug: string;
		const password = 'Member-password-1';
		let nurse: { id: string; email: string };

		beforeAll(async () => {
			slug = uniqueSlug('susp');
			[{ id: orgId }] = await sql<{ id: string }>(
				`insert into public.organizations (name, slug) values ('Suspendable Clinic', $1) returning id`,
				[slug]
			);
			await sql(
				`insert into public.subscriptions (organization_id, plan_id) values ($1, 'starter')`,
				[orgId]
			);
			const admin = await createStaff({ organizationSlug: slug, role: 'admin', password });
			nurse = await createStaff({ organizationSlug: slug, role: 'nurse', password });
			users.push(admin.id, nurse.id);
			clinics.push(orgId);
		});

		it('suspends after a confirmation step: members lose data access at once; reactivates', async ({
			browser
		}) => {
			expect.hasAssertions();
			const member = anonClient();
			const { error: signInError } = await member.auth.signInWithPassword({
				email: nurse.email,
				password
			});
			expect(signInError).toBeNull();
			const before = await member.from('organizations').select('id');
			expect(before.data).toEqual([{ id: orgId }]);

			const page = await platformAdminSignIn(browser);
			await page.goto(appUrl(null, `/platform/clinics/${orgId}`));
			await page.getByRole('link', { name: 'Suspend clinic…' }).click();
			await page.waitForURL((u) => u.pathname.endsWith('/status'));
			// the confirmation page changes nothing by itself
			expect(
				(
					await sql<{ status: string }>(`select status from public.organizations where id = $1`, [
						orgId
					])
				)[0].status
			).toBe('active');
			await page.getByRole('button', { name: 'Yes, suspend clinic' }).click();
			await expect(page.locator('#reason-error').textContent()).resolves.toContain('Say why');
			await page.getByLabel(/Reason/).fill('Unpaid invoices');
			await page.getByRole('button', { name: 'Yes, suspend clinic' }).click();
			await page.waitForURL((u) => u.pathname === `/platform/clinics/${orgId}`);
			await expect(page.getByTestId('clinic-status').textContent()).resolves.toContain(
				'suspended (Unpaid invoices)'
			);

			// the token issued before the suspension reads nothing any more
			const after = await member.from('organizations').select('id');
			expect(after.error).toBeNull();
			expect(after.data).toEqual([]);
			const memberships = await member
				.from('memberships')
				.select('organization_id')
				.eq('organization_id', orgId);
			expect(memberships.data).toEqual([{ organization_id: orgId }]); // own row only
			const colleagues = await member.from('profiles').select('id').neq('id', nurse.id);
			expect(colleagues.data).toEqual([]);
			// and a fresh sign-in carries no organization claims
			const fresh = anonClient();
			const { data: session } = await fresh.auth.signInWithPassword({
				email: nurse.email,
				password
			});
			const claims = JSON.parse(
				Buffer.from(session.session!.access_token.split('.')[1], 'base64url').toString()
			);
			expect(claims.organization_id).toBeUndefined();

			// its sign-in page says so
			const signInPage = await browser.newPage();
			await signInPage.goto(appUrl(slug, '/sign-in'));
			await expect(signInPage.textContent('main')).resolves.toContain('is currently suspended');

			// recorded in the clinic's own trail under the platform admin's identity
			const trail = await sql<{ actor_id: string; changes: { reason: string } }>(
				`select actor_id, changes from public.audit_log
				  where organization_id = $1 and changes ->> 'platform_action' = 'clinic.suspend'`,
				[orgId]
			);
			expect(trail).toHaveLength(1);
			expect(trail[0].actor_id).toBe(await platformAdminId());
			expect(trail[0].changes.reason).toBe('Unpaid invoices');

			await page.getByRole('link', { name: 'Reactivate clinic…' }).click();
			await page.getByLabel(/Reason/).fill('Paid');
			await page.getByRole('button', { name: 'Yes, reactivate clinic' }).click();
			await page.waitForURL((u) => u.pathname === `/platform/clinics/${orgId}`);
			await expect(page.getByTestId('clinic-status').textContent()).resolves.toContain('active');
			// suspending ended the member's Auth sessions (docs/security.md, "Sessions"): the old
			// token stays closed, and signing in again opens the reactivated clinic
			const stale = await member.from('organizations').select('id');
			expect(stale.data).toEqual([]);
			const again = anonClient();
			await again.auth.signInWithPassword({ email: nurse.email, password });
			const reopened = await again.from('organizations').select('id');
			expect(reopened.data).toEqual([{ id: orgId }]);
		});

		it('changes the plan (organizations.plan_id follows), generates one invoice per period', async ({
			platformPage: page
		}) => {
			expect.hasAssertions();
			await page.goto(appUrl(null, `/platform/clinics/${orgId}`));
			await page.getByLabel('Plan', { exact: true }).selectOption('clinic');
			await page.getByRole('button', { name: 'Change plan' }).click();
			await page.waitForURL((u) => u.searchParams.get('notice') === 'plan-changed');
			expect(await clinicPlan(orgId)).toEqual({ plan_id: 'clinic', sub_plan: 'clinic' });

			for (let i = 0; i < 2; i++) {
				await page.getByRole('button', { name: 'Generate invoice for current period' }).click();
				await page.waitForURL((u) => u.searchParams.get('notice') === 'invoice-generated');
			}
			const invoices = await sql<{ amount_cents: number; currency: string; status: string }>(
				`select amount_cents, currency, status from public.invoices where organization_id = $1`,
				[orgId]
			);
			expect(invoices).toEqual([{ amount_cents: 4900, currency: 'USD', status: 'open' }]);
			const history = page.getByRole('region', { name: 'Plan and billing' });
			await expect(history.textContent()).resolves.toContain('$49.00');
			await page.getByRole('button', { name: 'Mark paid' }).click();
			await page.waitForURL((u) => u.searchParams.get('notice') === 'invoice-paid');
			expect(
				(
					await sql<{ status: string }>(
						`select status from public.invoices where organization_id = $1`,
						[orgId]
					)
				)[0].status
			).toBe('paid');
			await page.screenshot({ path: screenshotPath('platform-clinic-billing'), fullPage: true });
		});
	});

	it('shows the maintenance banner on every portal page while it is set', async ({
		browser,
		platformPage: page
	}) => {
		expect.hasAssertions();
		const text = `Maintenance tonight ${Date.now().toString(36)}`;
		try {
			await page.goto(appUrl(null, '/platform/settings'));
			await page.getByLabel('Maintenance banner').fill(text);
			await page.getByRole('button', { name: 'Save settings' }).click();
			await page.waitForURL((u) => u.searchParams.get('notice') === 'saved');
			const other = await browser.newPage();
			for (const url of [
				appUrl(CLINIC_A.slug, '/sign-in'),
				appUrl(null, '/'),
				appUrl(null, '/platform/clinics')
			]) {
				await other.goto(url);
				await expect(other.getByTestId('maintenance-banner').textContent(), url).resolves.toContain(
					text
				);
			}
		} finally {
			await page.goto(appUrl(null, '/platform/settings'));
			await page.getByLabel('Maintenance banner').fill('');
			await page.getByRole('button', { name: 'Save settings' }).click();
			await page.waitForURL((u) => u.searchParams.get('notice') === 'saved');
		}
		await new Promise((r) => setTimeout(r, 3_100)); // the app caches public settings for 3 s
		await page.goto(appUrl(CLINIC_A.slug, '/sign-in'));
		await expect(page.getByTestId('maintenance-banner').count()).resolves.toBe(0);
		const [settings] = await sql<{ maintenance_banner: string | null }>(
			`select maintenance_banner from public.platform_settings`
		);
		expect(settings.maintenance_banner).toBeNull();
	});

	it('signs out a session idle for longer than the idle timeout, and keeps an active one', async ({
		browser,
		platformPage: page
	}) => {
		expect.hasAssertions();
		const [{ minutes }] = await sql<{ minutes: number }>(
			`select session_idle_timeout_minutes as minutes from public.platform_settings`
		);
		await page.goto(appUrl(null, '/platform/plans'));
		expect(new URL(page.url()).pathname).toBe('/platform/plans');
		const setLastActivity = (msAgo: number) =>
			browser.addCookies([
				{
					name: 'last_activity',
					value: String(Date.now() - msAgo),
					domain: 'localhost',
					path: '/',
					httpOnly: true
				}
			]);
		await setLastActivity((minutes - 1) * 60_000);
		await page.goto(appUrl(null, '/platform/plans'));
		expect(new URL(page.url()).pathname).toBe('/platform/plans');
		await setLastActivity((minutes + 1) * 60_000);
		await page.goto(appUrl(null, '/platform/plans'));
		const url = new URL(page.url());
		expect(url.pathname).toBe('/platform/sign-in');
		expect(url.searchParams.get('notice')).toBe('idle');
		await expect(page.textContent('main')).resolves.toContain('inactivity');
		await page.goto(appUrl(null, '/platform/plans'));
		expect(new URL(page.url()).pathname).toBe('/platform/sign-in');
	});
});
