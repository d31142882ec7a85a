/**
 * Debian's Chromium driven through playwright-core (Playwright cannot download browsers here).
 * Chromium resolves `*.localhost` to loopback, so clinic subdomains work without DNS.
 */
import { mkdirSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { chromium, type BrowserContext, type Locator, type Page } from 'playwright-core';
import { test } from 'vitest';
import { APP_PORT } from './app-server.ts';
import { DEMO_PASSWORD, demo } from './demo.ts';
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

/** A fixture's Chromium context: launched when a test asks for it, closed when its scope ends. */
async function ownContext(
	// eslint-disable-next-line no-empty-pattern -- vitest reads a fixture's dependencies from this pattern
	{}: object,
	{ onCleanup }: { onCleanup: (cleanup: () => Promise<void>) => void }
): Promise<BrowserContext> {
	const context = await launch();
	onCleanup(() => context.close());
	return context;
}

/**
 * A test's further browsers (another person's device, a phone that never saw the request):
 * `const theirs = await launchBrowser()`; every one is closed after the test.
 */
async function otherContexts(
	// eslint-disable-next-line no-empty-pattern -- vitest reads a fixture's dependencies from this pattern
	{}: object,
	{ onCleanup }: { onCleanup: (cleanup: () => Promise<void>) => void }
): Promise<() => Promise<BrowserContext>> {
	const opened: BrowserContext[] = [];
	onCleanup(async () => {
		for (const context of opened) await context.close();
	});
	return async () => {
		const context = await launch();
		opened.push(context);
		return context;
	};
}

/**
 * Vitest's `it` with a `browser` fixture: a Chromium context of its own for each test that asks
 * for it (`it('…', async ({ browser }) => …)`), closed after the test: no cookies carry over.
 * `launchBrowser` opens more for the test.
 */
export const browserTest = test
	.extend('browser', ownContext)
	.extend('launchBrowser', otherContexts);

/** `browserTest` with `platformPage`: the demo platform admin signed in to the console's clinic list. */
export const platformTest = browserTest.extend('platformPage', async ({ browser }) =>
	platformAdminSignIn(browser)
);

/** As `browserTest`, but one Chromium context serves every test of the file (sessions carry over). */
export const sharedBrowserTest = test
	.extend('browser', { scope: 'file' }, ownContext)
	.extend('launchBrowser', otherContexts);

/** Types each value into the field its label names, within a page or a part of it (a dialog). */
export async function fillIn(
	scope: Page | Locator,
	fields: Record<string, string>,
	{ exact = false } = {}
) {
	for (const [label, value] of Object.entries(fields))
		await scope.getByLabel(label, { exact }).fill(value);
}

export function screenshotPath(name: string): string {
	return join(SCREENSHOT_DIR, `${name}.png`);
}

/**
 * Fills the sign-in form at `url` and waits until the portal leaves `formPath` (or, when
 * `refusable`, until the form shows a refusal next to a field), then answers two-factor.
 */
async function signInAt(
	context: BrowserContext,
	url: string,
	formPath: string,
	email: string,
	password: string,
	refusable = false
): Promise<Page> {
	const page = await context.newPage();
	await page.goto(url);
	await page.getByLabel('Email').fill(email);
	await page.getByLabel('Password').fill(password);
	const left = page.waitForURL((u) => u.pathname !== formPath, { timeout: 15_000 });
	const refused = page.locator('#email-error, #password-error').first();
	await Promise.all([
		refusable ? Promise.race([left, refused.waitFor({ timeout: 15_000 })]) : left,
		page.getByRole('button', { name: 'Sign in' }).click()
	]);
	await completeTwoFactor(page, email);
	return page;
}

/**
 * Signs in through the clinic's own sign-in page and waits for the portal, answering the
 * two-factor step for people who must (an admin sets up an authenticator at their first sign-in).
 */
export function signIn(
	context: BrowserContext,
	slug: string,
	email: string,
	password: string
): Promise<Page> {
	return signInAt(context, appUrl(slug, '/sign-in'), '/sign-in', email, password);
}

/**
 * Signs in at the platform console's sign-in page, with its two-factor step; `refusable`: also
 * returns when the page refuses the person (a clinic account) instead of signing them in.
 */
export function platformSignIn(
	context: BrowserContext,
	email: string,
	password: string,
	refusable = false
): Promise<Page> {
	const path = '/platform/sign-in';
	return signInAt(context, appUrl(null, path), path, email, password, refusable);
}

/** The platform admin of the demo data, signed in to the console's clinic list. */
export async function platformAdminSignIn(context: BrowserContext): Promise<Page> {
	const page = await platformSignIn(context, demo.platform, DEMO_PASSWORD);
	await page.waitForURL((u) => u.pathname === '/platform/clinics');
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

/**
 * A GET of `path` from within the page (its cookies, its origin), as the page's own scripts fetch a
 * download; the status, the body and the row count an export reports in `x-row-count`.
 */
export async function fetchInPage(page: Page, path: string) {
	return page.evaluate(async (p) => {
		const r = await fetch(p);
		return { status: r.status, text: await r.text(), rows: r.headers.get('x-row-count') };
	}, path);
}

/**
 * A form POST straight to an action, as a browser without JavaScript sends it (text/html, the
 * page's cookies and Origin), from the page's origin (the page must be on it). Redirects are
 * followed: `url` is where they led.
 */
export async function postForm(page: Page, path: string, form: Record<string, string>) {
	return page.evaluate(
		async ({ path, form }) => {
			const res = await fetch(path, {
				method: 'POST',
				headers: { accept: 'text/html' },
				body: new URLSearchParams(form)
			});
			return { status: res.status, url: res.url, text: await res.text() };
		},
		{ path, form }
	);
}
