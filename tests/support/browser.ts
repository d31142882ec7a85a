/**
 * Debian's Chromium driven through playwright-core (Playwright cannot download browsers here).
 * Chromium resolves `*.localhost` to loopback, so clinic subdomains work without DNS.
 */
import { mkdirSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { chromium, type BrowserContext, type Page } from 'playwright-core';
import { APP_PORT } from './app-server.ts';
import { factorSecret, totpCode, verifiedSecret } from './totp.ts';

export const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
export const SCREENSHOT_DIR = join(import.meta.dirname, '..', '..', 'test-results', 'screenshots');

/** The portal's URL for a host label: `appUrl('clinic-a', '/sign-in')`, or the platform with null. */
export function appUrl(label: string | null, path = '/'): string {
	const host = label ? `${label}.localhost` : 'localhost';
	return `http://${host}:${APP_PORT}${path}`;
}

export async function launch(): Promise<BrowserContext> {
	mkdirSync(SCREENSHOT_DIR, { recursive: true });
	return chromium.launchPersistentContext(mkdtempSync(join(tmpdir(), 'clinic-e2e-')), {
		executablePath: CHROMIUM,
		headless: true,
		viewport: { width: 1024, height: 768 },
		args: [
			'--no-sandbox',
			'--disable-gpu',
			'--disable-quic',
			'--no-first-run',
			'--disable-background-networking',
			'--disable-component-update',
			'--disable-sync'
		]
	});
}

export function screenshotPath(name: string): string {
	return join(SCREENSHOT_DIR, `${name}.png`);
}

/**
 * Signs in through the clinic's own sign-in page and waits for the portal, answering the
 * two-factor step for people who must (an admin sets up an authenticator at their first sign-in).
 */
export async function signIn(
	context: BrowserContext,
	slug: string,
	email: string,
	password: string
): Promise<Page> {
	const page = await context.newPage();
	await page.goto(appUrl(slug, '/sign-in'));
	await page.getByLabel('Email').fill(email);
	await page.getByLabel('Password').fill(password);
	await Promise.all([
		page.waitForURL((u) => u.pathname !== '/sign-in', { timeout: 15_000 }),
		page.getByRole('button', { name: 'Sign in' }).click()
	]);
	await completeTwoFactor(page, email);
	return page;
}

/** Signs in at the platform console's sign-in page, with its two-factor step. */
export async function platformSignIn(
	context: BrowserContext,
	email: string,
	password: string,
	path = '/platform/sign-in'
): Promise<Page> {
	const page = await context.newPage();
	await page.goto(appUrl(null, path));
	await page.getByLabel('Email').fill(email);
	await page.getByLabel('Password').fill(password);
	await Promise.all([
		page.waitForURL((u) => u.pathname !== '/platform/sign-in', { timeout: 15_000 }),
		page.getByRole('button', { name: 'Sign in' }).click()
	]);
	await completeTwoFactor(page, email);
	return page;
}

export const TWO_FACTOR_STEP = '/sign-in/two-factor';
export const ENROL_PAGE = '/account/two-factor/new';

/**
 * When a page is the two-factor step, answers it as the person's authenticator app would: the code
 * of their factor, or (no factor yet) sets one up from the key the page shows. Waits until the
 * portal has moved on; does nothing on any other page.
 */
export async function completeTwoFactor(page: Page, email: string): Promise<void> {
	const path = new URL(page.url()).pathname;
	if (path === ENROL_PAGE) {
		await page.getByRole('button', { name: 'Continue' }).click();
		const secret = await page.getByTestId('totp-secret').textContent({ timeout: 15_000 });
		await page.getByLabel('Code', { exact: true }).fill(totpCode(secret ?? ''));
		await Promise.all([
			page.waitForURL((u) => u.pathname !== ENROL_PAGE, { timeout: 15_000 }),
			page.getByRole('button', { name: 'Turn on two-factor sign-in' }).click()
		]);
	} else if (path === TWO_FACTOR_STEP) {
		// the factor the page asks about (the one chosen, or the only one)
		const chosen = page.locator(
			'input[name="factorId"]:checked, input[type="hidden"][name="factorId"]'
		);
		const radios = page.locator('input[type="radio"][name="factorId"]');
		if ((await chosen.count()) === 0 && (await radios.count()) > 0) await radios.first().check();
		const factorId = await chosen.first().inputValue();
		const secret = factorId ? await factorSecret(factorId) : await verifiedSecret(email);
		if (!secret) throw new Error(`${email} is asked for a code but has no verified factor`);
		await page.getByLabel('Code', { exact: true }).fill(totpCode(secret));
		await Promise.all([
			page.waitForURL((u) => u.pathname !== TWO_FACTOR_STEP, { timeout: 15_000 }),
			page.getByRole('button', { name: 'Continue' }).click()
		]);
	}
}
