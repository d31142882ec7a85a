import { existsSync, statSync } from 'node:fs';
import { describe, expect } from 'vitest';
import { appUrl, screenshotPath, sharedBrowserTest as it } from '../support/browser.ts';

describe('portal foundation in Chromium', () => {
	it('shows the neutral clinic finder on the platform domain', async ({ browser }) => {
		const page = await browser.newPage();
		await page.goto(appUrl(null));
		await expect(page.getByRole('heading', { level: 1 }).textContent()).resolves.toBe(
			'Clinic portal'
		);
		expect(await page.textContent('main')).toContain('your-clinic.localhost');
		const shot = screenshotPath('platform-home');
		await page.screenshot({ path: shot, fullPage: true });
		expect(existsSync(shot) && statSync(shot).size > 1000).toBe(true);
		await page.close();
	});

	it('sends a clinic address to its sign-in page, whose fields are labelled', async ({
		browser
	}) => {
		const page = await browser.newPage();
		await page.goto(appUrl('clinic-a'));
		expect(new URL(page.url()).pathname).toBe('/sign-in');
		await expect(page.getByLabel('Email').count()).resolves.toBe(1);
		await expect(page.getByLabel('Password').count()).resolves.toBe(1);
		await page.screenshot({ path: screenshotPath('sign-in'), fullPage: true });
		await page.close();
	});

	it('shows the field error next to an invalid email without JavaScript round trips failing', async ({
		browser
	}) => {
		const page = await browser.newPage();
		await page.goto(appUrl('clinic-a', '/sign-in'));
		await page.getByLabel('Email').fill('not-an-email');
		await page.getByLabel('Password').fill('x');
		await page.getByRole('button', { name: 'Sign in' }).click();
		await page.waitForSelector('#email-error');
		expect(await page.textContent('#email-error')).toContain('valid email');
		expect(await page.getByLabel('Email').getAttribute('aria-invalid')).toBe('true');
		await page.close();
	});
});
