/**
 * Who reaches the platform console: only platform admins, only on the platform domain. Clinic
 * admins and staff are refused at its sign-in, on every page and on directly posted actions.
 */
import { afterAll, describe, expect } from 'vitest';
import type { BrowserContext } from 'playwright-core';
import {
	appUrl,
	browserTest as it,
	platformSignIn,
	screenshotPath,
	signIn
} from '../support/browser.ts';
import { CLINIC_A, DEMO_PASSWORD, demo } from '../support/demo.ts';
import { createStaff, deleteUser } from '../support/people.ts';
import { adminDb } from '../support/stack.ts';

const PLATFORM_ORIGIN = appUrl(null, '').replace(/\/$/, '');

/** Carries a clinic session's cookies over to the platform domain (what a forged request would send). */
async function copySessionToPlatform(context: BrowserContext, slug: string) {
	const cookies = await context.cookies(appUrl(slug, '/'));
	expect(cookies.some((c) => c.name.startsWith('sb-'))).toBe(true);
	await context.addCookies(
		cookies.map((c) => ({ name: c.name, value: c.value, domain: 'localhost', path: '/' }))
	);
}

async function orgCountWithSlug(slug: string): Promise<number> {
	const db = adminDb();
	await db.connect();
	try {
		const { rows } = await db.query(
			'select count(*)::int as n from public.organizations where slug = $1',
			[slug]
		);
		return rows[0].n;
	} finally {
		await db.end();
	}
}

describe('platform console access', () => {
	const cleanup: string[] = [];
	afterAll(async () => {
		for (const id of cleanup) await deleteUser(id);
	});

	it('sends a signed-out visitor to the platform sign-in', async ({ browser }) => {
		expect.hasAssertions();
		const page = await browser.newPage();
		await page.goto(appUrl(null, '/platform/clinics'));
		const url = new URL(page.url());
		expect(url.pathname).toBe('/platform/sign-in');
		expect(url.searchParams.get('redirectTo')).toBe('/platform/clinics');
	});

	it('does not exist on a clinic host', async ({ browser }) => {
		expect.hasAssertions();
		const page = await browser.newPage();
		for (const path of ['/platform/sign-in', '/platform/clinics', '/platform']) {
			const res = await page.goto(appUrl(CLINIC_A.slug, path));
			expect(res?.status(), path).toBe(404);
		}
	});

	it('signs in a platform admin and lists clinics with plan and counts', async ({ browser }) => {
		expect.hasAssertions();
		const page = await platformSignIn(browser, demo.platform, DEMO_PASSWORD, true);
		await page.waitForURL((u) => u.pathname === '/platform/clinics');
		const row = page.locator('tr[data-slug="clinic-a"]');
		await expect(row.textContent()).resolves.toContain(CLINIC_A.name);
		const cells = await row.locator('td').allTextContents();
		// address, status, plan, staff, patients, storage
		expect(cells[0]).toBe('clinic-a');
		expect(cells[1].trim()).toBe('active');
		expect(Number(cells[3])).toBeGreaterThan(0);
		expect(Number(cells[4])).toBeGreaterThan(0);
		expect(cells[5]).toMatch(/\d+(\.\d)? (B|KB|MB)/);
		await page.screenshot({ path: screenshotPath('platform-clinics'), fullPage: true });

		await page.getByLabel('Search clinics by name or address').fill('riverside');
		await page.getByRole('button', { name: 'Search' }).click();
		await page.waitForURL((u) => u.searchParams.get('q') === 'riverside');
		await expect(page.locator('tbody tr[data-slug]').count()).resolves.toBe(1);
		await expect(page.locator('tr[data-slug="clinic-a"]').count()).resolves.toBe(1);

		await page.goto(appUrl(null, '/platform/clinics?q=no-such-clinic-anywhere'));
		await expect(page.textContent('tbody')).resolves.toContain('No clinics found.');
	});

	it('refuses a clinic admin at the platform sign-in and signs them out', async ({ browser }) => {
		expect.hasAssertions();
		const page = await platformSignIn(browser, demo.adminA, DEMO_PASSWORD, true);
		const error = page.locator('#email-error');
		await error.waitFor();
		await expect(error.textContent()).resolves.toContain('not a platform administrator');
		await expect(page.getByLabel('Email').getAttribute('aria-invalid')).resolves.toBe('true');
		const cookies = await browser.cookies(appUrl(null, '/'));
		expect(cookies.filter((c) => c.name.startsWith('sb-') && c.value)).toHaveLength(0);
		await page.goto(appUrl(null, '/platform/clinics'));
		expect(new URL(page.url()).pathname).toBe('/platform/sign-in');
	});

	for (const who of ['clinic admin', 'staff member'] as const) {
		it(`refuses a ${who} with a valid session on every console page and action`, async ({
			browser
		}) => {
			expect.hasAssertions();
			let email: string = demo.adminA;
			const password = who === 'clinic admin' ? DEMO_PASSWORD : 'Staff-password-1';
			if (who === 'staff member') {
				const nurse = await createStaff({
					organizationSlug: CLINIC_A.slug,
					role: 'nurse',
					password
				});
				cleanup.push(nurse.id);
				email = nurse.email;
			}
			const clinicPage = await signIn(browser, CLINIC_A.slug, email, password);
			await copySessionToPlatform(browser, CLINIC_A.slug);
			const page = clinicPage;
			for (const path of [
				'/platform/clinics',
				'/platform/clinics/new',
				'/platform/plans',
				'/platform/plans/starter/delete',
				'/platform/settings',
				'/platform/audit',
				`/platform/clinics/a0a0a0a0-0000-4000-8000-000000000001`
			]) {
				const res = await page.goto(appUrl(null, path));
				expect(res?.status(), path).toBe(403);
			}
			const slug = `sneaky-${Date.now().toString(36)}`;
			const posts: [string, Record<string, string>][] = [
				[
					'/platform/clinics/new?/create',
					{
						name: 'Sneaky',
						type: 'clinic',
						slug,
						domain: '',
						plan_id: 'starter',
						admin_email: email
					}
				],
				[
					'/platform/settings?/save',
					{ maintenance_banner: 'hacked', session_idle_timeout_minutes: '5' }
				],
				[
					'/platform/plans?/save',
					{
						id: 'sneaky',
						name: 'Sneaky',
						seat_limit: '',
						patient_limit: '',
						monthly_price: '0',
						currency: 'USD'
					}
				],
				['/platform/plans/clinic/delete', { id: 'clinic' }],
				[
					`/platform/clinics/a0a0a0a0-0000-4000-8000-000000000001/status?/suspend`,
					{ reason: 'sneaky' }
				]
			];
			for (const [path, form] of posts) {
				const res = await page.request.post(appUrl(null, path), {
					form,
					headers: { origin: PLATFORM_ORIGIN },
					maxRedirects: 0
				});
				expect(res.status(), path).toBe(403);
			}
			expect(await orgCountWithSlug(slug)).toBe(0);
			const db = adminDb();
			await db.connect();
			try {
				const { rows } = await db.query(
					`select (select status::text from public.organizations where slug = 'clinic-a') as status,
					        (select count(*)::int from public.plans where id = 'sneaky') as plans,
					        (select coalesce(maintenance_banner, '') from public.platform_settings) as banner`
				);
				expect(rows[0]).toEqual({
					status: 'active',
					plans: 0,
					banner: expect.not.stringContaining('hacked')
				});
			} finally {
				await db.end();
			}
		});
	}
});
