/**
 * Clinic admin console, branding: colour with live preview and contrast warning, sign-in message,
 * logo upload with limits shown, progress, replace and remove; the clinic's sign-in page shows
 * every change at once. Runs on a clinic of its own so the demo clinics' branding never changes.
 */
import { deflateSync } from 'node:zlib';
import { afterAll, beforeAll, describe, expect } from 'vitest';
import type { Page } from 'playwright-core';
import { appUrl, screenshotPath, sharedBrowserTest as it } from '../support/browser.ts';
import { ownClinic } from '../support/own-clinic.ts';
import { serviceClient, sql } from '../support/stack.ts';

const PASSWORD = 'Admin-e2e-password-1';

function crc32(buf: Buffer): number {
	let c = ~0;
	for (const b of buf) {
		c ^= b;
		for (let k = 0; k < 8; k++) c = (c >>> 1) ^ (0xedb88320 & -(c & 1));
	}
	return ~c >>> 0;
}

/** A small solid-colour PNG. */
function png(size: number, rgb: [number, number, number]): Buffer {
	const chunk = (type: string, data: Buffer) => {
		const t = Buffer.concat([Buffer.from(type), data]);
		const len = Buffer.alloc(4);
		len.writeUInt32BE(data.length);
		const crc = Buffer.alloc(4);
		crc.writeUInt32BE(crc32(t));
		return Buffer.concat([len, t, crc]);
	};
	const ihdr = Buffer.alloc(13);
	ihdr.writeUInt32BE(size, 0);
	ihdr.writeUInt32BE(size, 4);
	ihdr.set([8, 2, 0, 0, 0], 8);
	const row = Buffer.concat([Buffer.from([0]), Buffer.from(Array(size).fill(rgb).flat())]);
	const raw = Buffer.concat(Array(size).fill(row));
	return Buffer.concat([
		Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]),
		chunk('IHDR', ihdr),
		chunk('IDAT', deflateSync(raw)),
		chunk('IEND', Buffer.alloc(0))
	]);
}

describe('clinic admin console: branding', () => {
	const name = 'Brand Test Clinic';
	const clinic = ownClinic('brand', name, PASSWORD, { withDoctor: false });
	let page: Page;
	const slug = clinic.slug;

	const logoPath = async () =>
		(
			await sql<{ logo_path: string | null }>(
				'select logo_path from public.organizations where id = $1',
				[clinic.id]
			)
		)[0].logo_path;

	beforeAll(async () => {
		page = clinic.adminPage;
		await page.goto(appUrl(slug, '/admin/branding'));
	});
	afterAll(async () => {
		// through the Storage API, which removes the files too (Storage refuses direct row deletes)
		const branding = serviceClient().storage.from('branding');
		const { data: logos } = await branding.list(slug);
		if (logos?.length) await branding.remove(logos.map((f) => `${slug}/${f.name}`));
	});

	// a visitor's browser (nobody signed in) sees the clinic's sign-in page
	it('previews the colour live, warns about low contrast, and the sign-in page shows the saved look at once', async ({
		browser: visitor
	}) => {
		const colour = page.locator('#themeColor');
		await colour.fill('#ffee00');
		await page.getByText('Low contrast').waitFor();
		const preview = page.getByTestId('branding-preview');
		expect(await preview.evaluate((el) => getComputedStyle(el).backgroundColor)).toBe(
			'rgb(255, 238, 0)'
		);
		await colour.fill('#7c2d12');
		await expect.poll(() => page.getByText('Low contrast').count()).toBe(0);
		await page.getByLabel('Sign-in message').fill('Staff of the brand clinic only.');
		await page.getByRole('button', { name: 'Save branding' }).click();
		await page.getByText('Saved. The sign-in page shows it now.').waitFor();
		await page.screenshot({ path: screenshotPath('admin-branding'), fullPage: true });

		const signInPage = await visitor.newPage();
		await signInPage.goto(appUrl(slug, '/sign-in'));
		expect(await signInPage.textContent('main')).toContain('Staff of the brand clinic only.');
		const bg = await signInPage
			.locator('div.min-h-screen')
			.first()
			.evaluate((el) => getComputedStyle(el).backgroundColor);
		expect(bg).toBe('rgb(124, 45, 18)');
	});

	it('shows the limits, refuses a file over 2 MiB, uploads with progress, replaces and removes the logo', async ({
		browser: visitor
	}) => {
		expect(await page.locator('#logo-limits').textContent()).toContain('at most 2 MiB');
		await page.locator('#logo').setInputFiles({
			name: 'huge.png',
			mimeType: 'image/png',
			buffer: Buffer.alloc(2 * 1024 * 1024 + 10, 1)
		});
		await page.getByRole('button', { name: 'Upload logo' }).click();
		expect(await page.locator('#logo-error').textContent()).toContain('larger than 2 MiB');
		expect(await logoPath()).toBeNull();

		await page.locator('#logo').setInputFiles({
			name: 'logo.png',
			mimeType: 'image/png',
			buffer: png(64, [200, 30, 30])
		});
		// The progress bar may live only milliseconds on loopback: record its appearance in the page.
		await page.evaluate(() => {
			const w = window as unknown as { sawProgress: boolean };
			w.sawProgress = false;
			new MutationObserver(() => {
				if (document.querySelector('#logo-progress')) w.sawProgress = true;
			}).observe(document.body, { subtree: true, childList: true, attributes: true });
		});
		await page.getByRole('button', { name: 'Upload logo' }).click();
		await page.getByText('Logo updated.').waitFor();
		const sawProgress = await page.evaluate(
			() => (window as unknown as { sawProgress: boolean }).sawProgress
		);
		expect(sawProgress).toBe(true);
		const first = await logoPath();
		// logos live under the clinic's slug: the sign-in page's logo URL never shows the clinic's id
		expect(first).toMatch(new RegExp(`^${slug}/logo-\\d+\\.png$`));
		const signInHtml = await (await visitor.newPage()).goto(appUrl(slug, '/sign-in'));
		const html = (await signInHtml?.text()) ?? '';
		expect(html).toContain(`/branding/${slug}/logo-`);
		expect(html).not.toContain(clinic.id);

		const signInPage = await visitor.newPage();
		await signInPage.goto(appUrl(slug, '/sign-in'));
		const img = signInPage.getByRole('img', { name: `${name} logo` });
		const src = await img.getAttribute('src');
		expect(src).toContain(first!);
		expect((await fetch(src!)).status).toBe(200);

		// replace: the clinic points at the new file and the old one is deleted
		await page.locator('#logo').setInputFiles({
			name: 'logo2.webp',
			mimeType: 'image/png',
			buffer: png(32, [20, 30, 200])
		});
		await page.getByRole('button', { name: 'Upload logo' }).click();
		await expect.poll(logoPath).not.toBe(first);
		await page.getByText('Logo updated.').waitFor();
		const second = await logoPath();
		const objects = async () =>
			(
				await sql<{ name: string }>(
					`select name from storage.objects where bucket_id = 'branding' and name like $1`,
					[`${slug}/%`]
				)
			).map((o) => o.name);
		await expect.poll(objects).toEqual([second]);

		// a text file named .png (declared image/png, so Storage takes it) never becomes the logo:
		// the portal reads the stored bytes, deletes the file and says why next to the field
		await page.locator('#logo').setInputFiles({
			name: 'fake.png',
			mimeType: 'image/png',
			buffer: Buffer.from('this is plain text, not an image\n'.repeat(20))
		});
		await page.getByRole('button', { name: 'Upload logo' }).click();
		const error = page.locator('#logo-error');
		await error.waitFor();
		expect(await error.textContent()).toContain('not a PNG, JPEG, WebP or GIF image');
		expect(await page.locator('#logo').getAttribute('aria-invalid')).toBe('true');
		expect(await logoPath()).toBe(second);
		await expect.poll(objects).toEqual([second]);

		// the same without JavaScript: the form posts the file to the portal, which refuses it too
		const noJs = await page.evaluate(async () => {
			const body = new FormData();
			body.set('__superform_id', 'upload');
			body.set('logo', new File(['<svg onload="alert(1)"/>'], 'fake.png', { type: 'image/png' }));
			const res = await fetch('?/upload', {
				method: 'POST',
				body,
				headers: { accept: 'text/html' }
			});
			return { status: res.status, text: await res.text() };
		});
		expect(noJs.status).toBe(400);
		expect(noJs.text).toContain('id="logo-error"');
		expect(noJs.text).toContain('not a PNG, JPEG, WebP or GIF image');
		expect(await logoPath()).toBe(second);
		await expect.poll(objects).toEqual([second]);

		// remove, behind a confirmation step
		await page.reload();
		await page.getByText('Remove the logo…').click();
		await page.getByRole('button', { name: 'Remove logo' }).click();
		await expect.poll(logoPath).toBeNull();
		await signInPage.goto(appUrl(slug, '/sign-in'));
		expect(await signInPage.getByRole('img', { name: `${name} logo` }).count()).toBe(0);
	});
});
