/**
 * Clinic admin console, custom patient fields: an admin adds a field with an example mask by
 * clicking, and a receptionist's patient form shows the example (never a regular expression) and
 * validates it; making it required while patients lack a value needs no backfill
 * (they are flagged incomplete, in the list and on the chart); reordering works with plain forms; deactivating (after a confirmation page) hides it.
 * Staff get 403. Runs on a clinic of its own.
 */
import { beforeAll, describe, expect } from 'vitest';
import type { Page } from 'playwright-core';
import { appUrl, browserTest as it, screenshotPath, signIn } from '../support/browser.ts';
import { ownClinic } from '../support/own-clinic.ts';
import { sql } from '../support/stack.ts';
import { seriousViolations } from '../support/a11y.ts';

const PASSWORD = 'Admin-e2e-password-1';

describe('clinic admin console: patient fields', () => {
	const clinic = ownClinic('fields', 'Fields Test Clinic', PASSWORD);
	let page: Page;
	const slug = clinic.slug;

	let receptionist: string;
	const fieldKeysIn = (p: Page) =>
		p
			.locator('[id^="field-cf_"]:not([id$="-error"]):not([id$="-hint"])')
			.evaluateAll((els) => els.map((e) => e.id.replace('field-cf_', '')));
	const fieldKeysInForm = async () => {
		await page.goto(appUrl(slug, '/patients/new'));
		return fieldKeysIn(page);
	};

	/** Fills the admin's "add a field" form (a text field, with a mask when given) and submits it. */
	const addField = async (key: string, label: string, mask?: string) => {
		await page.locator('#create-key').fill(key);
		await page.locator('#create-label').fill(label);
		if (mask !== undefined) {
			await page.getByRole('radio', { name: 'Mask (below)' }).click();
			await page.locator('#create-formatMask').fill(mask);
		}
		await page.getByRole('button', { name: 'Add field' }).click();
	};

	beforeAll(async () => {
		page = clinic.adminPage;
		// two active patients, neither with a value for the fields this test adds
		await sql(
			`insert into public.patients (organization_id, given_name, family_name) values ($1, 'Ann', 'Existing'), ($1, 'Bob', 'Existing')`,
			[clinic.id]
		);
		receptionist = (await clinic.addStaff('receptionist')).email;
	});

	it('adds a text field with a mask by clicking; a receptionist sees the example, never a regular expression', async ({
		browser
	}) => {
		await page.goto(appUrl(slug, '/admin/fields'));
		// the page documents the mask
		expect(
			(await page.locator('#create-formatMask-hint').textContent())?.replace(/\s+/g, ' ')
		).toContain('with A for a capital letter (A–Z), 9 for a digit and * for either;');
		await addField('insurance_no', 'Insurance number', 'INS-9999');
		await page.getByText('Field “Insurance number” added.').waitFor();
		const row = page.locator('tr[data-key="insurance_no"]');
		await row.waitFor();
		expect((await row.textContent())?.replace(/\s+/g, ' ')).toContain(
			'Format: must look like INS-1234 Mask INS-9999'
		);
		expect(await row.locator('[data-testid="consequence"]').textContent()).toContain(
			'2 active patients have no value'
		);
		// stored as the mask; the database derived the pattern
		expect(
			await sql(
				'select format_kind, format_mask, pattern from public.patient_field_definitions where organization_id = $1 and key = $2',
				[clinic.id, 'insurance_no']
			)
		).toEqual([
			{ format_kind: 'mask', format_mask: 'INS-9999', pattern: '^INS\\-[0-9][0-9][0-9][0-9]$' }
		]);
		expect(await page.locator('main').textContent()).not.toMatch(/\[0-9\]|\^INS/);

		// a mask without A, 9 or * is refused next to the mask, and nothing is stored
		await addField('broken', 'Broken', 'INS-');
		await page.locator('#create-formatMask-error').waitFor();
		expect(await page.locator('#create-formatMask-error').textContent()).toContain(
			'A mask needs at least one A (a capital letter), 9 (a digit) or * (either).'
		);
		expect(await page.locator('#create-formatMask').getAttribute('aria-invalid')).toBe('true');
		expect(await seriousViolations(page), 'the form with its format choices and an error').toEqual(
			[]
		);
		expect(
			(
				await sql(
					'select 1 from public.patient_field_definitions where organization_id = $1 and key = $2',
					[clinic.id, 'broken']
				)
			).length
		).toBe(0);

		// the receptionist's form: the example next to the field, and the same words when it does not fit
		const reception = await signIn(browser, slug, receptionist, PASSWORD);
		await reception.goto(appUrl(slug, '/patients/new'));
		expect(await fieldKeysIn(reception)).toEqual(['insurance_no']);
		expect(await reception.locator('#field-cf_insurance_no-hint').textContent()).toBe(
			'Must look like INS-1234.'
		);
		await reception.getByLabel('Given name').fill('Cleo');
		await reception.getByLabel('Family name').fill('Format');
		await reception.locator('#field-cf_insurance_no').fill('INS-12a4');
		await reception.getByRole('button', { name: 'Register patient' }).click();
		await reception.locator('#field-cf_insurance_no-error').waitFor();
		expect(await reception.locator('#field-cf_insurance_no-error').textContent()).toBe(
			'Insurance number must look like INS-1234.'
		);
		expect(await reception.locator('#field-cf_insurance_no').getAttribute('aria-invalid')).toBe(
			'true'
		);
		expect(await reception.locator('main').textContent()).not.toMatch(/\[0-9\]|\^INS/);
		await reception.screenshot({ path: screenshotPath('patient-field-mask'), fullPage: true });
		expect(
			(
				await sql('select 1 from public.patients where organization_id = $1 and family_name = $2', [
					clinic.id,
					'Format'
				])
			).length
		).toBe(0);
		await reception.locator('#field-cf_insurance_no').fill('INS-1204');
		await Promise.all([
			reception.waitForURL((u) => /^\/patients\/[0-9a-f-]{36}$/.test(u.pathname)),
			reception.getByRole('button', { name: 'Register patient' }).click()
		]);
		await reception.close();

		// a new format the stored value does not fit is refused next to the format, with the count
		const [{ id }] = await sql<{ id: string }>(
			'select id from public.patient_field_definitions where organization_id = $1 and key = $2',
			[clinic.id, 'insurance_no']
		);
		await page.goto(appUrl(slug, `/admin/fields/${id}`));
		await page.getByRole('radio', { name: 'Digits only' }).click();
		expect(await page.locator('#edit-formatMask').inputValue()).toBe('');
		await page.getByRole('button', { name: 'Save field' }).click();
		await page.locator('#edit-formatKind-error').waitFor();
		expect(await page.locator('#edit-formatKind-error').textContent()).toBe(
			'1 patient(s) have a value that does not match the new format. With this format, Insurance number must contain digits only. Correct those values first, or choose a format they match.'
		);
		await sql('delete from public.patients where organization_id = $1 and family_name = $2', [
			clinic.id,
			'Format'
		]);
	});

	it('makes the field required without filling it for existing patients, who are flagged incomplete', async () => {
		const [{ id }] = await sql<{ id: string }>(
			'select id from public.patient_field_definitions where organization_id = $1 and key = $2',
			[clinic.id, 'insurance_no']
		);
		await page.goto(appUrl(slug, `/admin/fields/${id}`));
		expect((await page.getByTestId('consequence').textContent())?.replace(/\s+/g, ' ')).toContain(
			'2 of 2 active patients have no value for this field: if you make it required, they are shown as incomplete'
		);
		await page.locator('#edit-required').check();
		await Promise.all([
			page.waitForURL((u) => u.pathname === '/admin/fields'),
			page.getByRole('button', { name: 'Save field' }).click()
		]);
		const [{ required }] = await sql<{ required: boolean }>(
			'select required from public.patient_field_definitions where id = $1',
			[id]
		);
		expect(required).toBe(true);
		const stored = await sql<{ custom_fields: unknown }>(
			'select custom_fields from public.patients where organization_id = $1',
			[clinic.id]
		);
		expect(stored.map((r) => r.custom_fields)).toEqual([{}, {}]);

		// existing patients: flagged, not rewritten; the form asks for the value when they are edited
		await page.goto(appUrl(slug, '/patients'));
		const flags = page.getByTestId('incomplete');
		expect(await flags.count()).toBe(2);
		expect(await flags.first().textContent()).toContain('Incomplete: Insurance number missing');
		await page.screenshot({ path: screenshotPath('patients-incomplete'), fullPage: true });

		// the chart says so too, in its header and beside the field, to the doctor who opens it
		const [ann] = await sql<{ id: string }>(
			`select id from public.patients where organization_id = $1 and given_name = 'Ann'`,
			[clinic.id]
		);
		const chart = await clinic.doctorBrowser.newPage();
		await chart.goto(appUrl(slug, `/patients/${ann.id}`));
		expect(await chart.getByTestId('incomplete').textContent()).toContain(
			'Incomplete: Insurance number missing'
		);
		const details = chart.locator('section[aria-labelledby="details-heading"]');
		expect(await details.getByTestId('missing-field').textContent()).toBe('Missing (required)');
		expect(await seriousViolations(chart)).toEqual([]);

		await sql('update public.patient_field_definitions set required = false where id = $1', [id]);
		// no longer required: the chart no longer flags the record
		await chart.reload();
		expect(await chart.getByTestId('incomplete').count()).toBe(0);
		expect(await details.getByTestId('missing-field').count()).toBe(0);
		await chart.close();
	});

	it('reorders fields with the up/down buttons (plain forms) and the patient form follows', async () => {
		await page.goto(appUrl(slug, '/admin/fields'));
		await addField('ward', 'Ward');
		await page.locator('tr[data-key="ward"]').waitFor();
		expect(await fieldKeysInForm()).toEqual(['insurance_no', 'ward']);

		await page.goto(appUrl(slug, '/admin/fields'));
		await Promise.all([
			page.waitForURL((u) => u.searchParams.get('notice') === 'moved'),
			page.getByRole('button', { name: 'Move Ward up' }).click()
		]);
		expect(
			await page
				.locator('tbody tr')
				.evaluateAll((rows) => rows.map((r) => r.getAttribute('data-key')))
		).toEqual(['ward', 'insurance_no']);
		expect(await fieldKeysInForm()).toEqual(['ward', 'insurance_no']);
	});

	it('deactivates a field after a confirmation page; it disappears from the patient form', async () => {
		await page.goto(appUrl(slug, '/admin/fields'));
		await page.getByRole('link', { name: 'Deactivate Ward' }).click();
		await page.getByRole('heading', { name: 'Deactivate “Ward”?' }).waitFor();
		const [{ active: before }] = await sql<{ active: boolean }>(
			'select active from public.patient_field_definitions where organization_id = $1 and key = $2',
			[clinic.id, 'ward']
		);
		expect(before).toBe(true);
		await Promise.all([
			page.waitForURL((u) => u.pathname === '/admin/fields'),
			page.getByRole('button', { name: 'Deactivate field' }).click()
		]);
		await page.getByText('Field deactivated.').waitFor();
		expect(await fieldKeysInForm()).toEqual(['insurance_no']);
	});

	it('gives staff a 403 on the fields pages', async () => {
		const staff = await clinic.doctorBrowser.newPage();
		const res = await staff.goto(appUrl(slug, '/admin/fields'));
		expect(res?.status()).toBe(403);
		const [{ id }] = await sql<{ id: string }>(
			'select id from public.patient_field_definitions where organization_id = $1 and key = $2',
			[clinic.id, 'insurance_no']
		);
		expect((await staff.goto(appUrl(slug, `/admin/fields/${id}`)))?.status()).toBe(403);
		// and a forged POST to the action is refused as well
		// (from the page itself: Node cannot resolve *.localhost, Chromium can)
		const status = await staff.evaluate(async () => {
			const body = new URLSearchParams({ key: 'sneaky', label: 'Sneaky', fieldType: 'text' });
			const r = await fetch('/admin/fields?/create', {
				method: 'POST',
				body,
				headers: { 'x-sveltekit-action': 'true' }
			});
			return r.status === 200 ? ((await r.json()) as { status?: number }).status : r.status;
		});
		expect(status).toBe(403);
		expect(
			(
				await sql(
					'select 1 from public.patient_field_definitions where organization_id = $1 and key = $2',
					[clinic.id, 'sneaky']
				)
			).length
		).toBe(0);
	});
});
