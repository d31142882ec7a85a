import { describe, expect } from 'vitest';
import { appUrl, browserTest as it, screenshotPath, signIn } from '../support/browser.ts';
import { CLINIC_A, DEMO_PASSWORD, HOSPITAL, demo } from '../support/demo.ts';
import { createStaff, deleteUser } from '../support/people.ts';
import { adminDb } from '../support/stack.ts';

describe('branded sign-in and clinic sessions', () => {
	it('renders each clinic sign-in with its own name and theme colour on the server', async ({
		browser
	}) => {
		// Server-rendered: the name and colour are in the HTML before any script runs.
		for (const clinic of [CLINIC_A, HOSPITAL]) {
			const html = await fetchHtml(clinic.slug, '/sign-in');
			expect(html).toContain(clinic.name);
			expect(html).toMatch(/background-color: #[0-9a-f]{6}/i);
		}
		const page = await browser.newPage();
		const backgrounds: string[] = [];
		for (const clinic of [CLINIC_A, HOSPITAL]) {
			await page.goto(appUrl(clinic.slug, '/sign-in'));
			backgrounds.push(
				await page
					.locator('div.min-h-screen')
					.first()
					.evaluate((el) => getComputedStyle(el).backgroundColor)
			);
			await page.screenshot({ path: screenshotPath(`sign-in-${clinic.slug}`), fullPage: true });
		}
		expect(backgrounds[0]).not.toBe(backgrounds[1]);
		await expect(page.getByRole('heading', { level: 1 }).textContent()).resolves.toContain(
			HOSPITAL.name
		);
	});

	it('shows a clear page for an address no clinic uses', async ({ browser }) => {
		const page = await browser.newPage();
		const res = await page.goto(appUrl('no-such-clinic', '/sign-in'));
		expect(res?.status()).toBe(404);
		expect(await page.textContent('main')).toContain(
			'No clinic uses the address no-such-clinic.localhost'
		);
	});

	it('signs a doctor in to their clinic and out again', async ({ browser }) => {
		// a doctor of its own: signing out ends every session of the person (global scope), which
		// would also end the demo doctor's sessions other test files hold
		const doctor = await createStaff({
			organizationSlug: CLINIC_A.slug,
			role: 'doctor',
			password: 'Doctor-pass-1',
			prefix: 'e2e-doctor',
			fullName: 'Dr. Ada Quinn'
		});
		try {
			const page = await signIn(browser, CLINIC_A.slug, doctor.email, 'Doctor-pass-1');
			expect(new URL(page.url()).pathname).toBe('/dashboard');
			// the header names the person (their profile's name), not their e-mail address
			expect(await page.textContent('header')).toContain('Dr. Ada Quinn · Doctor');
			await page.screenshot({ path: screenshotPath('dashboard-doctor-a'), fullPage: true });
			await page.getByRole('button', { name: 'Sign out' }).click();
			await page.waitForURL((u) => u.pathname === '/sign-in');
			await page.goto(appUrl(CLINIC_A.slug, '/dashboard'));
			expect(new URL(page.url()).pathname).toBe('/sign-in');
			expect(new URL(page.url()).searchParams.get('redirectTo')).toBe('/dashboard');
		} finally {
			await deleteUser(doctor.id);
		}
	});

	it('refuses a wrong password with a message next to the field', async ({ browser }) => {
		const page = await browser.newPage();
		await page.goto(appUrl(CLINIC_A.slug, '/sign-in'));
		await page.getByLabel('Email').fill(demo.doctorA);
		await page.getByLabel('Password').fill('not-the-password');
		await page.getByRole('button', { name: 'Sign in' }).click();
		await page.waitForSelector('#password-error');
		expect(await page.textContent('#password-error')).toContain('do not match');
	});

	it("refuses another clinic's staff, naming where they can sign in", async ({ browser }) => {
		const page = await browser.newPage();
		await page.goto(appUrl(CLINIC_A.slug, '/sign-in'));
		await page.getByLabel('Email').fill(demo.doctorB);
		await page.getByLabel('Password').fill(DEMO_PASSWORD);
		await page.getByRole('button', { name: 'Sign in' }).click();
		await page.waitForSelector('#email-error');
		const message = await page.textContent('#email-error');
		expect(message).toContain(`do not have access to ${CLINIC_A.name}`);
		expect(message).toContain(`${HOSPITAL.slug}.localhost`);
		await page.goto(appUrl(CLINIC_A.slug, '/dashboard'));
		expect(new URL(page.url()).pathname).toBe('/sign-in');
	});

	it('makes the host clinic active for a person in both, and switches from the header', async ({
		browser
	}) => {
		const page = await signIn(browser, HOSPITAL.slug, demo.both, DEMO_PASSWORD);
		expect(await page.textContent('header')).toContain(HOSPITAL.name);
		await page.getByLabel('Clinic').selectOption(CLINIC_A.slug);
		await Promise.all([
			page.waitForURL(
				(u) => u.hostname === `${CLINIC_A.slug}.localhost` && u.pathname === '/dashboard'
			),
			page.getByRole('button', { name: 'Switch' }).click()
		]);
		const header = await page.textContent('header');
		expect(header).toContain(CLINIC_A.name);
		// both@demo.test is a doctor at Riverside (and an admin at City General).
		expect(header).toContain('Doctor');
		expect(header).not.toContain('Administrator');
	});

	it('signs out a clinic session idle for longer than the platform setting, saying why', async ({
		browser
	}) => {
		const db = adminDb();
		await db.connect();
		const { rows } = await db.query<{ minutes: number }>(
			'select session_idle_timeout_minutes as minutes from public.platform_settings'
		);
		await db.end();
		const page = await signIn(browser, CLINIC_A.slug, demo.nurseA, DEMO_PASSWORD);
		await browser.addCookies([
			{
				name: 'last_activity',
				value: String(Date.now() - (rows[0].minutes + 1) * 60_000),
				domain: `${CLINIC_A.slug}.localhost`,
				path: '/',
				httpOnly: true
			}
		]);
		await page.goto(appUrl(CLINIC_A.slug, '/dashboard'));
		const url = new URL(page.url());
		expect(url.pathname).toBe('/sign-in');
		expect(url.searchParams.get('notice')).toBe('idle');
		expect(await page.getByRole('status').textContent()).toContain('inactivity');
		await page.goto(appUrl(CLINIC_A.slug, '/dashboard'));
		expect(new URL(page.url()).pathname).toBe('/sign-in');
	});
});

/** Server-rendered HTML of a clinic page (Node cannot resolve *.localhost: send a Host header). */
async function fetchHtml(slug: string, path: string): Promise<string> {
	const { request } = await import('node:http');
	const url = new URL(appUrl(slug, path));
	return new Promise((resolve, reject) => {
		const req = request(
			{ host: '127.0.0.1', port: url.port, path, headers: { host: url.host, accept: 'text/html' } },
			(res) => {
				let body = '';
				res.setEncoding('utf8');
				res.on('data', (c) => (body += c));
				res.on('end', () => resolve(body));
			}
		);
		req.on('error', reject);
		req.end();
	});
}
