/**
 * Clinic admin console, export: an admin downloads the clinic's tables as CSV (with progress, saved
 * through the streamed fetch) and JSON; values with commas, quotes, line breaks and formula starts
 * survive; only the clinic's rows leave; each export is recorded in the audit trail with the row
 * count. Staff get 403 on the page and the download. Runs on a clinic of its own.
 */
import { readFileSync } from 'node:fs';
import { beforeAll, describe, expect, it } from 'vitest';
import type { Page } from 'playwright-core';
import { appUrl, screenshotPath, fetchInPage } from '../support/browser.ts';
import { ownClinic } from '../support/own-clinic.ts';
import { sql } from '../support/stack.ts';

const PASSWORD = 'Admin-e2e-password-1';

/** Minimal RFC 4180 parser (quoted cells, doubled quotes, CRLF inside quotes). */
function parseCsv(text: string): string[][] {
	const rows: string[][] = [];
	let row: string[] = [];
	let cell = '';
	let quoted = false;
	for (let i = 0; i < text.length; i++) {
		const c = text[i];
		if (quoted) {
			if (c === '"' && text[i + 1] === '"') {
				cell += '"';
				i++;
			} else if (c === '"') quoted = false;
			else cell += c;
		} else if (c === '"') quoted = true;
		else if (c === ',') {
			row.push(cell);
			cell = '';
		} else if (c === '\r' && text[i + 1] === '\n') {
			row.push(cell);
			rows.push(row);
			row = [];
			cell = '';
			i++;
		} else cell += c;
	}
	if (cell || row.length) rows.push([...row, cell]);
	return rows;
}

describe('clinic admin console: export', () => {
	const clinic = ownClinic('export', 'Export Test Clinic', PASSWORD);
	let page: Page;
	const slug = clinic.slug;
	const tricky = 'Flat 2, "The Old Mill"\nRiver Lane';

	const exportRows = () =>
		sql<{ actor_id: string; table_name: string; changes: { kind: string; row_count: number } }>(
			`select actor_id, table_name, changes from public.audit_log where organization_id = $1 and action = 'export' order by id`,
			[clinic.id]
		);

	beforeAll(async () => {
		page = clinic.adminPage;
		await sql(
			`insert into public.patients (organization_id, given_name, family_name, address) values
			 ($1, 'Ann', 'Export', $2), ($1, '=cmd|calc', 'Formula', null), ($1, 'Cy', 'Plain', '-5 Main St')`,
			[clinic.id, tricky]
		);
		await sql(
			`insert into public.visits (organization_id, patient_id, reason, clinician_id)
			 select $1, id, 'check-up', null from public.patients where organization_id = $1 and family_name = 'Export'`,
			[clinic.id]
		);
	});

	it('downloads patients as CSV with progress; tricky values survive, formulas are neutralised, the export is audited', async () => {
		await page.goto(appUrl(slug, '/admin/export'));
		await page.getByLabel('Patients').check();
		await page.getByLabel('CSV').check();
		const [download] = await Promise.all([
			page.waitForEvent('download'),
			page.getByRole('button', { name: 'Download export' }).click()
		]);
		expect(download.suggestedFilename()).toMatch(
			new RegExp(`^${slug}-patients-\\d{4}-\\d{2}-\\d{2}\\.csv$`)
		);
		await page.getByText(/Saved .*: 3 rows/).waitFor();
		await page.screenshot({ path: screenshotPath('admin-export'), fullPage: true });
		const rows = parseCsv(readFileSync((await download.path())!, 'utf8'));
		expect(rows[0].slice(0, 4)).toEqual(['id', 'mrn', 'given_name', 'family_name']);
		expect(rows.length).toBe(4);
		const col = (name: string) => rows[0].indexOf(name);
		const byFamily = new Map(rows.slice(1).map((r) => [r[col('family_name')], r]));
		expect(byFamily.get('Export')?.[col('address')]).toBe(tricky);
		expect(byFamily.get('Formula')?.[col('given_name')]).toBe("'=cmd|calc");
		expect(byFamily.get('Plain')?.[col('address')]).toBe("'-5 Main St");

		const audit = await exportRows();
		expect(audit).toEqual([
			{
				actor_id: clinic.admin.id,
				table_name: 'patients',
				changes: { kind: 'patients.csv', format: 'csv', row_count: 3 }
			}
		]);
	});

	it('exports JSON with only this clinic’s rows, and every table is available', async () => {
		await page.goto(appUrl(slug, '/admin/export'));
		const { status, text, rows } = await fetchInPage(
			page,
			'/admin/export/download?table=patients&format=json'
		);
		expect(status).toBe(200);
		expect(rows).toBe('3');
		const json = JSON.parse(text) as { id: string; address: string | null }[];
		const mine = (
			await sql<{ id: string }>('select id from public.patients where organization_id = $1', [
				clinic.id
			])
		).map((r) => r.id);
		expect(json.map((p) => p.id).sort()).toEqual(mine.sort());
		expect(json.find((p) => p.address === tricky)).toBeTruthy();
		for (const table of ['visits', 'visit_notes', 'lab_orders', 'prescriptions']) {
			const r = await fetchInPage(page, `/admin/export/download?table=${table}&format=csv`);
			expect(r.status, table).toBe(200);
			expect(parseCsv(r.text).length - 1, table).toBe(Number(r.rows));
		}
		expect(
			(await fetchInPage(page, '/admin/export/download?table=memberships&format=csv')).status
		).toBe(400);
		expect((await exportRows()).map((r) => r.changes.kind)).toEqual([
			'patients.csv',
			'patients.json',
			'visits.csv',
			'visit_notes.csv',
			'lab_orders.csv',
			'prescriptions.csv'
		]);
	});

	it('without JavaScript the form is a plain GET to the download', async () => {
		await page.goto(appUrl(slug, '/admin/export'));
		const form = page.locator('form[action="/admin/export/download"]');
		expect(await form.getAttribute('method')).toBe('GET');
		expect(await form.locator('input[name="table"]').count()).toBe(5);
	});

	it('gives staff a 403 on the page and the download, and records nothing', async () => {
		const before = (await exportRows()).length;
		const staff = await clinic.doctorBrowser.newPage();
		expect((await staff.goto(appUrl(slug, '/admin/export')))?.status()).toBe(403);
		expect(
			(await fetchInPage(staff, '/admin/export/download?table=patients&format=csv')).status
		).toBe(403);
		expect((await exportRows()).length).toBe(before);
	});
});
