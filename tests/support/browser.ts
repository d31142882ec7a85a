/**
 * Debian's Chromium driven through playwright-core (Playwright cannot download browsers here).
 * Chromium resolves `*.localhost` to loopback, so clinic subdomains work without DNS.
 */
import { mkdirSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { chromium, type BrowserContext } from 'playwright-core';
import { APP_PORT } from './app-server.ts';

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

/** Signs in through the clinic's own sign-in page and waits for the portal. */
export async function signIn(
	context: BrowserContext,
	slug: string,
	email: string,
	password: string
): Promise<import('playwright-core').Page> {
	const page = await context.newPage();
	await page.goto(appUrl(slug, '/sign-in'));
	await page.getByLabel('Email').fill(email);
	await page.getByLabel('Password').fill(password);
	await Promise.all([
		page.waitForURL((u) => u.pathname !== '/sign-in', { timeout: 15_000 }),
		page.getByRole('button', { name: 'Sign in' }).click()
	]);
	return page;
}
