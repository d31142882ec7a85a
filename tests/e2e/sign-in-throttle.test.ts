/**
 * The portal's sign-in throttle (docs/security.md, "Signing in"), through the portal's own sign-in
 * form. Requests come from different loopback addresses (127.0.0.x, which Linux routes to the portal
 * on 127.0.0.1), as staff at different places would: one address guessing one account is stopped
 * with the wait on the form (429, Retry-After), while a colleague at another address, a colleague
 * at the same address with another account, and the guessed account's owner elsewhere all sign in.
 */
import { request } from 'node:http';
import { afterAll, beforeAll, describe, expect } from 'vitest';
import { appUrl, browserTest as it, screenshotPath } from '../support/browser.ts';
import { APP_PORT } from '../support/app-server.ts';
import { CLINIC_A } from '../support/demo.ts';
import { testStaff } from '../support/people.ts';
import { sql, uniqueEmail } from '../support/stack.ts';

const PASSWORD = 'Throttle-pass-1';

/** POSTs the clinic's sign-in form from a given local address; the status and page. */
function postSignIn(
	from: string,
	email: string,
	password: string
): Promise<{ status: number; body: string; retryAfter?: string }> {
	const body = new URLSearchParams({ email, password }).toString();
	const host = `${CLINIC_A.slug}.localhost:${APP_PORT}`;
	return new Promise((resolve, reject) => {
		const req = request(
			{
				host: '127.0.0.1',
				port: APP_PORT,
				localAddress: from,
				method: 'POST',
				path: '/sign-in',
				headers: {
					host,
					origin: `http://${host}`,
					accept: 'text/html',
					'content-type': 'application/x-www-form-urlencoded',
					'content-length': Buffer.byteLength(body)
				}
			},
			(res) => {
				let text = '';
				res.setEncoding('utf8');
				res.on('data', (c) => (text += c));
				res.on('end', () =>
					resolve({
						status: res.statusCode ?? 0,
						body: text,
						retryAfter: res.headers['retry-after'] as string | undefined
					})
				);
			}
		);
		req.on('error', reject);
		req.end(body);
	});
}

async function forget(emails: string[]) {
	await sql(
		`delete from private.sign_in_attempts where account_key in (select private.sign_in_key(e) from unnest($1::text[]) e)`,
		[emails]
	);
}

describe('the portal throttles sign-in by address and by account', () => {
	let victim: { id: string; email: string };
	let colleague: { id: string; email: string };
	const stranger = uniqueEmail('no-account');

	const staff = testStaff(PASSWORD);

	beforeAll(async () => {
		victim = await staff.create('nurse', { prefix: 'victim' });
		colleague = await staff.create('doctor', { prefix: 'colleague' });
	});
	afterAll(async () => {
		await forget([victim.email, colleague.email, stranger]);
	});

	it('stops one address guessing one account, and no one else', async () => {
		const attacker = '127.0.0.2';
		for (let i = 0; i < 5; i++) {
			const wrong = await postSignIn(attacker, victim.email, `Wrong-guess-${i}`);
			expect(wrong.status).toBe(400);
			expect(wrong.body).toContain('That email and password do not match an account.');
		}
		const stopped = await postSignIn(attacker, victim.email, PASSWORD);
		expect(stopped.status).toBe(429);
		expect(stopped.body).toContain('Too many sign-in attempts');
		expect(stopped.body).toMatch(/try again in 1[45] minutes/);
		expect(Number(stopped.retryAfter)).toBeGreaterThan(800);

		// a colleague at another address, and at the attacker's address with their own account
		expect((await postSignIn('127.0.0.3', colleague.email, PASSWORD)).status).toBe(303);
		expect((await postSignIn(attacker, colleague.email, PASSWORD)).status).toBe(303);
		// the guessed account's owner, from their own address
		expect((await postSignIn('127.0.0.4', victim.email, PASSWORD)).status).toBe(303);
		// which forgets the failures: the attacker's address may try again (and is told it is wrong)
		expect((await postSignIn(attacker, victim.email, 'Wrong-again-1')).status).toBe(400);
	});

	it('answers the same for an e-mail without an account', async () => {
		const from = '127.0.0.5';
		const answers: number[] = [];
		for (let i = 0; i < 6; i++)
			answers.push((await postSignIn(from, stranger, 'Wrong-guess-1')).status);
		expect(answers).toEqual([400, 400, 400, 400, 400, 429]);
	});

	it('shows the wait next to the password on the form', async ({ browser }) => {
		const someone = uniqueEmail('throttled');
		try {
			const page = await browser.newPage();
			await page.goto(appUrl(CLINIC_A.slug, '/sign-in'));
			for (let i = 0; i < 6; i++) {
				await page.getByLabel('Email').fill(someone);
				await page.getByLabel('Password').fill(`Wrong-guess-${i}`);
				await page.getByRole('button', { name: 'Sign in' }).click();
				await page.waitForSelector('#password-error');
				await page.waitForFunction(() => !document.querySelector('button[type=submit][disabled]'));
			}
			const text = await page.textContent('#password-error');
			expect(text).toContain('Too many sign-in attempts');
			expect(text).toMatch(/try again in 1[45] minutes/);
			expect(await page.getByLabel('Password').getAttribute('aria-invalid')).toBe('true');
			await page.screenshot({ path: screenshotPath('sign-in-throttled'), fullPage: true });
		} finally {
			await forget([someone]);
		}
	});
});
