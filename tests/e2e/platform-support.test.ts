/**
 * Support access end to end: a platform admin starts read-only access to a clinic from the console
 * with a reason and a time limit, is carried to the clinic's address, sees the banner and the
 * clinic's patients without any write form, opens a chart, and ends the access. Start, chart view
 * and end land in the clinic's own audit_log under the platform admin's id.
 */
import { afterAll, describe, expect } from 'vitest';
import { appUrl, browserTest as it, platformSignIn, screenshotPath } from '../support/browser.ts';
import { CLINIC_A, DEMO_PASSWORD, demo } from '../support/demo.ts';
import { sql } from '../support/stack.ts';

describe('platform support access', () => {
	afterAll(async () => {
		// never leave a live grant behind (the grant row itself, like the audit trail, is kept)
		await sql(
			`update public.support_access_grants set ended_at = now()
			  where ended_at is null and platform_admin_id = (select id from auth.users where email = $1)`,
			[demo.platform]
		);
	});

	it('enters a clinic read-only with a reason and a time limit, audited in the clinic', async ({
		browser
	}) => {
		expect.hasAssertions();
		const [{ id: orgId }] = await sql<{ id: string }>(
			'select id from public.organizations where slug = $1',
			[CLINIC_A.slug]
		);
		const [{ id: adminId, name: adminName }] = await sql<{ id: string; name: string }>(
			`select u.id, coalesce(nullif(p.full_name, ''), u.email) as name
			   from auth.users u left join public.profiles p on p.id = u.id where u.email = $1`,
			[demo.platform]
		);
		const [{ last: lastAuditId }] = await sql<{ last: string }>(
			'select coalesce(max(id), 0)::text as last from public.audit_log where organization_id = $1',
			[orgId]
		);

		const page = await platformSignIn(browser, demo.platform, DEMO_PASSWORD);

		await page.goto(appUrl(null, `/platform/clinics/${orgId}/support`));
		// a reason is required
		await page.getByLabel('Reason').fill('short');
		await page.getByLabel('Reason').evaluate((el) => el.removeAttribute('minlength'));
		await page.getByRole('button', { name: 'Start read-only support access' }).click();
		await expect
			.poll(() => page.locator('#reason-error').textContent())
			.toContain('at least 10 characters');

		await page.getByLabel('Reason').fill('Ticket 4711: a chart does not load');
		await page.getByLabel('For how long').selectOption('15');
		await Promise.all([
			page.waitForURL((u) => u.searchParams.get('notice') === 'started', { timeout: 15_000 }),
			page.getByRole('button', { name: 'Start read-only support access' }).click()
		]);
		await expect
			.poll(() => page.getByTestId('support-live').textContent())
			.toContain('Ticket 4711');

		await Promise.all([
			page.waitForURL((u) => u.hostname.startsWith(CLINIC_A.slug) && u.pathname === '/dashboard', {
				timeout: 15_000
			}),
			page.getByRole('button', { name: 'Open the clinic (read-only)' }).click()
		]);
		const banner = page.getByTestId('support-banner');
		await expect.poll(() => banner.textContent()).toContain('Support access (read-only)');
		const text = (await banner.textContent()) ?? '';
		expect(text).toContain(`by ${adminName} until`);
		expect(text).toContain('reason: Ticket 4711: a chart does not load');
		// in the clinic's time zone, named (the platform admin may be elsewhere)
		expect(text).toMatch(/until \d\d:\d\d America\/New_York/);
		await page.screenshot({ path: screenshotPath('platform-support-banner') });

		await page.goto(appUrl(CLINIC_A.slug, '/patients'));
		const patientLinks = page.locator('main a[href^="/patients/"]:not([href="/patients/new"])');
		expect(await patientLinks.count()).toBeGreaterThan(0);
		expect(await page.locator('a[href="/patients/new"]').count()).toBe(0);
		await Promise.all([
			page.waitForURL((u) => /^\/patients\/[0-9a-f-]{36}$/.test(u.pathname)),
			patientLinks.first().click()
		]);
		const patientId = new URL(page.url()).pathname.split('/')[2];
		// no write form on the chart, but the clinical record is readable
		expect(await page.locator('main form[method="POST"]').count()).toBe(0);
		for (const section of ['Visits', 'Lab orders', 'Prescriptions']) {
			expect(await page.getByRole('heading', { name: section, exact: true }).count(), section).toBe(
				1
			);
		}
		// the admin area is not for support
		const adminRes = await page.goto(appUrl(CLINIC_A.slug, '/admin'));
		expect(adminRes?.status()).toBeGreaterThanOrEqual(300);

		await page.goto(appUrl(CLINIC_A.slug, '/dashboard'));
		await Promise.all([
			page.waitForURL((u) => u.pathname === '/sign-in', { timeout: 15_000 }),
			page.getByRole('button', { name: 'End support access' }).click()
		]);

		const grants = await sql<{ ended: boolean; reason: string; minutes: number }>(
			`select ended_at is not null as ended, reason,
			        extract(epoch from expires_at - starts_at)::int / 60 as minutes
			   from public.support_access_grants
			  where platform_admin_id = $1 and organization_id = $2
			  order by created_at desc limit 1`,
			[adminId, orgId]
		);
		expect(grants[0]).toEqual({
			ended: true,
			reason: 'Ticket 4711: a chart does not load',
			minutes: 15
		});
		const trail = await sql<{ action: string; table_name: string; row_id: string }>(
			`select action::text, table_name, row_id::text from public.audit_log
			  where organization_id = $1 and id > $2 and actor_id = $3 order by id`,
			[orgId, lastAuditId, adminId]
		);
		expect(trail.map((r) => `${r.action} ${r.table_name}`)).toEqual([
			'insert support_access_grants',
			'view patients',
			'update support_access_grants'
		]);
		expect(trail[1].row_id).toBe(patientId);
	});
});
