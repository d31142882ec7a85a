/**
 * Two-factor sign-in in the browser (issue 14): a doctor enrols an authenticator app from their
 * account page (QR code and key, a wrong code refused with a clear message), signs out, signs in
 * and is asked for a code before any clinic page, and removes the factor with a fresh code; a
 * password-only Data API session of a person with a factor reads no patient; the clinic's
 * requirement (set by an admin, audited) makes a doctor without a factor enrol before any page;
 * the admin resets the doctor's factors (audited) and the platform admin resets the admin's.
 * Codes are computed from the key the page shows (RFC 6238 with `otpauth`), never fixed.
 */
import { afterAll, beforeAll, describe, expect } from 'vitest';
import type { Locator, Page } from 'playwright-core';
import {
	appUrl,
	browserTest as it,
	ENROL_PAGE,
	launch,
	platformSignIn,
	screenshotPath,
	TWO_FACTOR_STEP
} from '../support/browser.ts';
import { CLINIC_A, DEMO_PASSWORD, demo } from '../support/demo.ts';
import { testStaff } from '../support/people.ts';
import { expectAccessible } from '../support/a11y.ts';
import { anonClient, sql } from '../support/stack.ts';
import { raiseToAal2, totpCode, verifiedSecret, wrongCode } from '../support/totp.ts';

const PASSWORD = 'Two-factor-e2e-password-1';
const WRONG_CODE = /That code is wrong or has expired/;

async function factorCount(userId: string): Promise<number> {
	const [row] = await sql<{ n: number }>(
		`select count(*)::int as n from auth.mfa_factors where user_id = $1 and status = 'verified'`,
		[userId]
	);
	return row.n;
}

/**
 * In a browser of its own (one person's cookies), types the email and password at the clinic's
 * sign-in page; returns once the portal moved on. Close it with `done(page)`.
 */
async function passwordStep(email: string): Promise<Page> {
	const context = await launch();
	const page = await context.newPage();
	await page.goto(appUrl(CLINIC_A.slug, '/sign-in'));
	await page.getByLabel('Email').fill(email);
	await page.getByLabel('Password').fill(PASSWORD);
	await Promise.all([
		page.waitForURL((u) => u.pathname !== '/sign-in', { timeout: 15_000 }),
		page.getByRole('button', { name: 'Sign in' }).click()
	]);
	return page;
}

/** Submits a wrong code for `secret` in `field` with `button`: the page says it is wrong. */
async function wrongCodeRefused(page: Page, field: Locator, secret: string, button: string) {
	await field.fill(wrongCode(secret));
	await page.getByRole('button', { name: button }).click();
	await expect.poll(() => page.getByText(WRONG_CODE).count(), { timeout: 15_000 }).toBe(1);
}

/** Submits the current code for `secret` in `field` with `button` and waits for `next`. */
async function rightCodeTo(
	page: Page,
	field: Locator,
	secret: string,
	button: string,
	next: (url: URL) => boolean
) {
	await field.fill(totpCode(secret));
	await Promise.all([
		page.waitForURL(next, { timeout: 15_000 }),
		page.getByRole('button', { name: button }).click()
	]);
}

/** On the enrolment page: names the app, checks the QR code and key, confirms with a code. */
async function enrol(page: Page, opts: { tryWrongCodeFirst?: boolean } = {}): Promise<string> {
	await page.getByRole('button', { name: 'Continue' }).click();
	const qr = page.getByTestId('totp-qr');
	await qr.waitFor({ timeout: 15_000 });
	expect(await qr.getAttribute('src')).toMatch(/^data:image\/svg\+xml/);
	const secret = ((await page.getByTestId('totp-secret').textContent()) ?? '').trim();
	expect(secret).toMatch(/^[A-Z2-7 ]{16,}$/);
	const code = page.getByLabel('Code', { exact: true });
	const button = 'Turn on two-factor sign-in';
	if (opts.tryWrongCodeFirst) {
		await wrongCodeRefused(page, code, secret, button);
		expect(new URL(page.url()).pathname).toBe(ENROL_PAGE);
		await expectAccessible(page, 'enrolment with a wrong code');
	}
	await rightCodeTo(page, code, secret, button, (u) => u.pathname !== ENROL_PAGE);
	return secret;
}

async function done(page: Page) {
	await page.context().close();
}

async function signOut(page: Page) {
	await Promise.all([
		page.waitForURL((u) => u.pathname.startsWith('/sign-in'), { timeout: 15_000 }),
		page.getByRole('button', { name: 'Sign out' }).first().click()
	]);
}

describe('two-factor sign-in', () => {
	const staff = testStaff(PASSWORD);
	let clinicId: string;

	beforeAll(async () => {
		// the demo clinic starts without the requirement (an interrupted run may have left it on)
		await sql(`update public.organizations set require_two_factor = false where slug = $1`, [
			CLINIC_A.slug
		]);
		[{ id: clinicId }] = await sql<{ id: string }>(
			`select id from public.organizations where slug = $1`,
			[CLINIC_A.slug]
		);
	});

	afterAll(async () => {
		await sql(`update public.organizations set require_two_factor = false where slug = $1`, [
			CLINIC_A.slug
		]);
	});

	it('a doctor enrols, signs out, signs in with a code before any clinic page, and removes the factor with a fresh code', async () => {
		const doctor = await staff.create('doctor', { prefix: 'tf-doctor' });

		// no factor, no requirement: the password is enough
		let page = await passwordStep(doctor.email);
		expect(new URL(page.url()).pathname).toBe('/dashboard');
		await page.goto(appUrl(CLINIC_A.slug, '/account'));
		await expect.poll(() => page.getByTestId('two-factor-status').textContent()).toMatch(/Off\./);
		await Promise.all([
			page.waitForURL((u) => u.pathname === ENROL_PAGE),
			page.getByRole('link', { name: 'Set up an authenticator app' }).click()
		]);
		const secret = await enrol(page, { tryWrongCodeFirst: true });
		expect(new URL(page.url()).pathname).toBe('/account');
		await expect.poll(() => page.getByTestId('two-factor-status').textContent()).toMatch(/On\./);
		expect(await page.getByTestId('factor-row').count()).toBe(1);
		expect(await factorCount(doctor.id)).toBe(1);
		await signOut(page);
		await done(page);

		// the password alone now leads to the code step, and no clinic page opens before it
		page = await passwordStep(doctor.email);
		expect(new URL(page.url()).pathname).toBe(TWO_FACTOR_STEP);
		await page.goto(appUrl(CLINIC_A.slug, '/patients'));
		expect(new URL(page.url()).pathname).toBe(TWO_FACTOR_STEP);
		const code = page.getByLabel('Code', { exact: true });
		await wrongCodeRefused(page, code, secret, 'Continue');
		await expectAccessible(page, 'code step with a wrong code');
		await page.setViewportSize({ width: 390, height: 844 });
		await page.screenshot({ path: screenshotPath('two-factor-step-phone') });
		await page.setViewportSize({ width: 1024, height: 768 });
		await rightCodeTo(page, code, secret, 'Continue', (u) => u.pathname !== TWO_FACTOR_STEP);
		expect(new URL(page.url()).pathname).toBe('/patients');
		await page.screenshot({ path: screenshotPath('two-factor-signed-in') });

		// removal asks for a fresh code from the factor being removed
		await page.goto(appUrl(CLINIC_A.slug, '/account'));
		await page.getByRole('link', { name: /^Remove / }).click();
		await page.waitForURL((u) => u.pathname.endsWith('/remove'));
		const codeField = page.getByLabel(/^Code from /);
		await wrongCodeRefused(page, codeField, secret, 'Remove authenticator');
		expect(await factorCount(doctor.id)).toBe(1);
		await rightCodeTo(
			page,
			codeField,
			secret,
			'Remove authenticator',
			(u) => u.pathname === '/account'
		);
		await expect.poll(() => page.getByTestId('two-factor-status').textContent()).toMatch(/Off\./);
		expect(await factorCount(doctor.id)).toBe(0);
		await signOut(page);
		await done(page);
	});

	it('a password-only Data API session of a person with a factor reads no patient; the same person at aal2 does', async () => {
		const nurse = await staff.create('nurse', { prefix: 'tf-script' });
		const client = anonClient();
		const { error } = await client.auth.signInWithPassword({
			email: nurse.email,
			password: PASSWORD
		});
		expect(error).toBeNull();
		await raiseToAal2(client, nurse.email); // enrols: now a factor protects the account
		const aal2 = await client.from('patients').select('id').limit(5);
		expect(aal2.error).toBeNull();
		expect(aal2.data!.length).toBeGreaterThan(0);
		await client.auth.signOut();

		// someone who has only the password
		const thief = anonClient();
		const signedIn = await thief.auth.signInWithPassword({
			email: nurse.email,
			password: PASSWORD
		});
		expect(signedIn.error).toBeNull();
		const aal = await thief.auth.mfa.getAuthenticatorAssuranceLevel();
		expect(aal.data).toMatchObject({ currentLevel: 'aal1', nextLevel: 'aal2' });
		const aal1 = await thief.from('patients').select('id').limit(5);
		expect(aal1.error).toBeNull();
		expect(aal1.data).toEqual([]);
		await thief.auth.signOut();
	});

	it('the clinic requirement (admin-only, audited) makes a doctor enrol before any page; the admin resets the doctor, the platform admin resets the admin', async ({
		browser
	}) => {
		const admin = await staff.create('admin', { prefix: 'tf-admin' });
		const doctor = await staff.create('doctor', { prefix: 'tf-required' });

		// an admin enrols at their first sign-in, before the console
		let adminPage = await passwordStep(admin.email);
		expect(new URL(adminPage.url()).pathname).toBe(ENROL_PAGE);
		expect(await adminPage.getByTestId('two-factor-required').count()).toBe(1);
		await enrol(adminPage);
		expect(await factorCount(admin.id)).toBe(1);

		await adminPage.goto(appUrl(CLINIC_A.slug, '/admin/settings'));
		const requirement = adminPage.getByLabel('Require two-factor sign-in for all staff');
		expect(await requirement.isChecked()).toBe(false);
		await requirement.check();
		await adminPage
			.getByRole('region', { name: 'Two-factor sign-in' })
			.getByRole('button', { name: 'Save' })
			.click();
		await expect
			.poll(async () => {
				const [row] = await sql<{ on: boolean }>(
					`select require_two_factor as on from public.organizations where id = $1`,
					[clinicId]
				);
				return row.on;
			})
			.toBe(true);
		const [audit] = await sql<{ actor_id: string; changes: Record<string, unknown> }>(
			`select actor_id, changes from public.audit_log
			  where organization_id = $1 and table_name = 'organizations' and action = 'update'
			    and changes -> 'new' ? 'require_two_factor' order by created_at desc limit 1`,
			[clinicId]
		);
		expect(audit).toMatchObject({
			actor_id: admin.id,
			changes: { old: { require_two_factor: false }, new: { require_two_factor: true } }
		});

		// the doctor, who has no factor, is sent to set one up and reaches no clinic page first
		let doctorPage = await passwordStep(doctor.email);
		expect(new URL(doctorPage.url()).pathname).toBe(ENROL_PAGE);
		expect(await doctorPage.getByTestId('two-factor-required').textContent()).toMatch(
			/requires two-factor sign-in/i
		);
		await doctorPage.goto(appUrl(CLINIC_A.slug, '/patients'));
		expect(new URL(doctorPage.url()).pathname).toBe(ENROL_PAGE);
		await enrol(doctorPage);
		expect(new URL(doctorPage.url()).pathname).toBe('/patients');
		expect(await factorCount(doctor.id)).toBe(1);
		await done(doctorPage);

		// the admin resets the doctor's factors (confirmation first; audited; sessions end)
		await adminPage.goto(appUrl(CLINIC_A.slug, '/admin/staff'));
		const [membership] = await sql<{ id: string }>(
			`select id from public.memberships where user_id = $1 and organization_id = $2`,
			[doctor.id, clinicId]
		);
		await adminPage.locator(`a[href="/admin/staff/${membership.id}/two-factor"]`).click();
		await adminPage.waitForURL((u) => u.pathname === `/admin/staff/${membership.id}/two-factor`);
		expect(await factorCount(doctor.id)).toBe(1);
		await Promise.all([
			adminPage.waitForURL((u) => u.pathname === '/admin/staff', { timeout: 15_000 }),
			adminPage.getByRole('button', { name: /^Reset two-factor sign-in of / }).click()
		]);
		await expect
			.poll(() => adminPage.getByText('Two-factor sign-in was reset').count())
			.toBeGreaterThan(0);
		expect(await factorCount(doctor.id)).toBe(0);
		const [reset] = await sql<{ actor_id: string; n: number }>(
			`select actor_id, jsonb_array_length(changes -> 'old' -> 'factors') as n from public.audit_log
			  where organization_id = $1 and table_name = 'mfa_factors' and row_id = $2`,
			[clinicId, membership.id]
		);
		expect(reset).toEqual({ actor_id: admin.id, n: 1 });
		const [sessions] = await sql<{ n: number }>(
			`select count(*)::int as n from auth.sessions where user_id = $1`,
			[doctor.id]
		);
		expect(sessions.n).toBe(0);

		// at the next sign-in the doctor sets up a new app (the requirement still holds)
		doctorPage = await passwordStep(doctor.email);
		expect(new URL(doctorPage.url()).pathname).toBe(ENROL_PAGE);
		await done(doctorPage);
		await done(adminPage);

		// the platform admin resets the clinic admin's factors (in a browser of their own)
		const platformPage = await platformSignIn(browser, demo.platform, DEMO_PASSWORD);
		await platformPage.goto(appUrl(null, `/platform/clinics/${clinicId}/two-factor`));
		await platformPage
			.locator(`a[href="/platform/clinics/${clinicId}/two-factor/${admin.id}"]`)
			.click();
		await platformPage.waitForURL((u) => u.pathname.endsWith(`/two-factor/${admin.id}`));
		await Promise.all([
			platformPage.waitForURL((u) => u.pathname === `/platform/clinics/${clinicId}/two-factor`, {
				timeout: 15_000
			}),
			platformPage.getByRole('button', { name: /^Reset two-factor sign-in of / }).click()
		]);
		expect(await factorCount(admin.id)).toBe(0);
		const [logged] = await sql<{ n: number }>(
			`select count(*)::int as n from public.platform_audit_log
			  where action = 'clinic.two_factor_reset' and organization_id = $1
			    and details -> 'old' ->> 'user_id' = $2`,
			[clinicId, admin.id]
		);
		expect(logged.n).toBe(1);

		// the admin is asked to set up a new app at their next sign-in
		adminPage = await passwordStep(admin.email);
		expect(new URL(adminPage.url()).pathname).toBe(ENROL_PAGE);
		await done(adminPage);
		expect(await verifiedSecret(admin.email)).toBeNull();
	});
});
