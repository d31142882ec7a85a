/**
 * The secret key, the service-role JWT and the JWT secret never reach a browser: not in any file
 * of the client build output, not in any HTML, script or data response of the main pages (signed
 * out, signed in to a clinic, and signed in to the platform console, which uses the service role).
 */
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect } from 'vitest';
import type { Page } from 'playwright-core';
import { appUrl, browserTest as it, completeTwoFactor, signIn } from '../support/browser.ts';
import { CLINIC_A, DEMO_PASSWORD, demo } from '../support/demo.ts';
import { keys } from '../support/stack.ts';
import { ROOT } from '../../supabase/local/config.ts';

const SECRETS = {
	SECRET_KEY: keys.secretKey,
	SERVICE_ROLE_KEY: keys.serviceRoleJwt,
	JWT_SECRET: keys.jwtSecret
};

/**
 * Any secret-shaped key, not only this stack's: `sb_secret_` followed by key characters. (The bare
 * prefix appears in supabase-js itself, which recognises key kinds, so it is not a leak.)
 */
const SECRET_SHAPE = /sb_secret_[A-Za-z0-9_-]{8,}/;

function leaks(text: string): string[] {
	const found = Object.entries(SECRETS)
		.filter(([, value]) => text.includes(value))
		.map(([name]) => name);
	if (SECRET_SHAPE.test(text)) found.push('an sb_secret_ key');
	return found;
}

function filesUnder(dir: string): string[] {
	return readdirSync(dir).flatMap((name) => {
		const path = join(dir, name);
		return statSync(path).isDirectory() ? filesUnder(path) : [path];
	});
}

/** Records the body of every document, script, fetch and stylesheet response a page receives. */
function recordResponses(page: Page, seen: Map<string, string>) {
	page.on('response', async (res) => {
		const type = res.request().resourceType();
		if (!['document', 'script', 'fetch', 'xhr', 'stylesheet'].includes(type)) return;
		try {
			seen.set(`${type} ${res.url()}`, await res.text());
		} catch {
			// redirects have no body
		}
	});
}

describe('no secrets reach the browser', () => {
	it('knows the secrets it looks for', () => {
		expect(keys.secretKey).toMatch(/^sb_secret_/);
		expect(keys.serviceRoleJwt.split('.')).toHaveLength(3);
		expect(keys.jwtSecret.length).toBeGreaterThan(20);
	});

	it('keeps every file of the client build free of secrets', () => {
		const dir = join(ROOT, process.env.BUILD_DIR ?? 'build', 'client');
		const files = filesUnder(dir);
		expect(files.filter((f) => f.endsWith('.js')).length).toBeGreaterThan(5);
		const found = files.flatMap((f) => leaks(readFileSync(f, 'latin1')).map((s) => `${s} in ${f}`));
		expect(found).toEqual([]);
	});

	it('sends no secret in the pages, scripts and data of the portal and the console', async ({
		browser
	}) => {
		const seen = new Map<string, string>();
		const anon = await browser.newPage();
		recordResponses(anon, seen);
		for (const url of [
			appUrl(null, '/'),
			appUrl(null, '/platform/sign-in'),
			appUrl(CLINIC_A.slug, '/sign-in')
		]) {
			await anon.goto(url);
		}

		const clinic = await signIn(browser, CLINIC_A.slug, demo.adminA, DEMO_PASSWORD);
		recordResponses(clinic, seen);
		await clinic.goto(appUrl(CLINIC_A.slug, '/dashboard'));

		const console = await browser.newPage();
		recordResponses(console, seen);
		await console.goto(appUrl(null, '/platform/sign-in'));
		await console.getByLabel('Email').fill(demo.platform);
		await console.getByLabel('Password').fill(DEMO_PASSWORD);
		await Promise.all([
			console.waitForURL((u) => u.pathname !== '/platform/sign-in', { timeout: 15_000 }),
			console.getByRole('button', { name: 'Sign in' }).click()
		]);
		await completeTwoFactor(console, demo.platform);
		await console.waitForURL((u) => u.pathname === '/platform/clinics');
		for (const path of [
			'/platform/clinics/new',
			'/platform/plans',
			'/platform/settings',
			'/platform/audit'
		]) {
			await console.goto(appUrl(null, path));
		}
		// client-side navigation fetches __data.json
		await console.getByRole('link', { name: 'Clinics' }).click();
		await console.waitForURL((u) => u.pathname === '/platform/clinics');
		await console.getByRole('link', { name: CLINIC_A.name }).click();
		await console.waitForURL((u) => u.pathname.startsWith('/platform/clinics/a0a0'));
		await console.waitForLoadState('networkidle');

		expect([...seen.keys()].some((k) => k.startsWith('document'))).toBe(true);
		expect([...seen.keys()].some((k) => k.startsWith('script'))).toBe(true);
		expect([...seen.keys()].some((k) => k.includes('__data.json'))).toBe(true);
		const found = [...seen].flatMap(([what, body]) => leaks(body).map((s) => `${s} in ${what}`));
		expect(found).toEqual([]);
	});
});
