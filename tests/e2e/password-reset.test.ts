/**
 * Forgot password: the e-mail's own link (parsed from the message, never built here) opened in
 * another browser than the one that asked (a phone), in the clinic's name, sets a new password.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { BrowserContext } from 'playwright-core';
import { APP_PORT } from '../support/app-server.ts';
import { appUrl, launch, screenshotPath, signIn } from '../support/browser.ts';
import { CLINIC_A } from '../support/demo.ts';
import { createStaff, deleteUser, latestMail, linkInMail, linkInText } from '../support/people.ts';

describe('forgot password through the local mailbox', () => {
	let browser: BrowserContext;
	let person: { id: string; email: string };
	beforeAll(async () => {
		browser = await launch();
		person = await createStaff({
			organizationSlug: CLINIC_A.slug,
			role: 'nurse',
			password: 'First-password-1'
		});
	});
	afterAll(async () => {
		await browser?.close();
		if (person) await deleteUser(person.id);
	});

	it('sends a link that sets a new password, after which only the new one signs in', async () => {
		const page = await browser.newPage();
		await page.goto(appUrl(CLINIC_A.slug, '/sign-in'));
		await Promise.all([
			page.waitForURL((u) => u.pathname === '/forgot-password'),
			page.getByRole('link', { name: 'Forgot your password?' }).click()
		]);
		await page.getByLabel('Email').fill(person.email);
		await page.getByRole('button', { name: 'Send me a link' }).click();
		await page.getByRole('status').waitFor();
		expect(await page.getByRole('status').textContent()).toContain('we sent it a link');

		const mail = await latestMail(person.email);
		expect(mail.subject).toBe(`${CLINIC_A.name}: reset your password`);
		const link = linkInMail(mail);
		expect(linkInText(mail)).toBe(link);
		const url = new URL(link);
		expect(url.host).toBe(`${CLINIC_A.slug}.localhost:${APP_PORT}`);
		expect(url.pathname).toBe('/auth/confirm');
		expect(url.searchParams.get('type')).toBe('recovery');

		// another device: a fresh browser that never saw the request
		const phone = await launch();
		try {
			const other = await phone.newPage();
			await other.goto(link);
			await other.waitForURL((u) => u.pathname === '/set-password');
			await other.screenshot({ path: screenshotPath('set-password'), fullPage: true });
			await other.getByLabel('New password', { exact: true }).fill('short');
			await other.getByLabel('Repeat the new password').fill('different');
			await other.getByRole('button', { name: 'Save password' }).click();
			await other.waitForSelector('#password-error');
			expect(await other.textContent('#password-error')).toContain('at least 10');
			// the character rule Auth enforces (password_requirements), checked in the form first
			await other.getByLabel('New password', { exact: true }).fill('all-lowercase-1');
			await other.getByLabel('Repeat the new password').fill('all-lowercase-1');
			await other.getByRole('button', { name: 'Save password' }).click();
			await other.waitForFunction(() =>
				document.querySelector('#password-error')?.textContent?.includes('uppercase')
			);
			expect(await other.textContent('#password-error')).toContain('Include an uppercase letter.');

			await other.getByLabel('New password', { exact: true }).fill('Second-password-2');
			await other.getByLabel('Repeat the new password').fill('Second-password-2');
			await other.getByRole('button', { name: 'Save password' }).click();
			await other.waitForURL((u) => u.pathname === '/dashboard');
		} finally {
			await phone.close();
		}
		// the link works once
		const third = await launch();
		try {
			const again = await third.newPage();
			await again.goto(link);
			await again.waitForURL((u) => u.pathname === '/sign-in');
			expect(new URL(again.url()).searchParams.get('notice')).toBe('link-expired');
		} finally {
			await third.close();
		}

		// The old password no longer works; the new one does.
		await page.goto(appUrl(CLINIC_A.slug, '/sign-in'));
		await page.getByLabel('Email').fill(person.email);
		await page.getByLabel('Password').fill('First-password-1');
		await page.getByRole('button', { name: 'Sign in' }).click();
		await page.waitForSelector('#password-error');
		const again = await signIn(browser, CLINIC_A.slug, person.email, 'Second-password-2');
		expect(new URL(again.url()).pathname).toBe('/dashboard');
	});

	it('answers the same for an unknown address (no account enumeration)', async () => {
		const page = await browser.newPage();
		await page.goto(appUrl(CLINIC_A.slug, '/forgot-password'));
		await page.getByLabel('Email').fill('nobody-here@example.test');
		await page.getByRole('button', { name: 'Send me a link' }).click();
		await page.getByRole('status').waitFor();
		expect(await page.getByRole('status').textContent()).toContain(
			'If an account uses that address'
		);
	});
});
