/**
 * Clinic admin console, audit trail: an admin reads the clinic's entries as sentences with
 * people's names, field labels (custom fields by label) and times in the clinic's zone, support
 * access with the platform admin and the reason (no uuids, no table or column names); filters by
 * person, patient, action and dates; downloads the filtered rows as CSV with the raw columns and
 * the sentence (formula cells neutralised); and sees tampering reported by the chain check. Staff
 * get 403 on the page and the CSV; another clinic's admin sees none of the clinic's rows.
 */
import { beforeAll, describe, expect } from 'vitest';
import type { Page } from 'playwright-core';
import {
	appUrl,
	browserTest as it,
	screenshotPath,
	signIn,
	fetchInPage
} from '../support/browser.ts';
import { DEMO_PASSWORD, demo, demoIds, HOSPITAL } from '../support/demo.ts';
import { ownClinic } from '../support/own-clinic.ts';
import { adminDb, sql } from '../support/stack.ts';

const PASSWORD = 'Admin-e2e-password-1';

/** Writes as `userId` would through the API (auth.uid() and the clinic claim drive the audit). */
async function asUser(
	userId: string,
	orgId: string | null,
	statements: string[],
	values: unknown[] = []
) {
	const db = adminDb();
	await db.connect();
	try {
		await db.query('begin');
		await db.query(`select set_config('request.jwt.claims', $1, true)`, [
			JSON.stringify({
				sub: userId,
				role: 'authenticated',
				// an admin's writes need a two-factor session, as through the API
				aal: 'aal2',
				...(orgId ? { organization_id: orgId } : {})
			})
		]);
		for (const s of statements) await db.query(s, values);
		await db.query('commit');
	} finally {
		await db.end();
	}
}

describe('clinic admin console: audit trail', () => {
	const clinic = ownClinic('audit', 'Audit Test Clinic', PASSWORD);
	const slug = clinic.slug;
	let page: Page;
	let mrn: string;

	beforeAll(async () => {
		page = clinic.adminPage;
		const admin = clinic.admin;
		await sql(`update public.profiles set full_name = 'Dr Dora Audit' where id = $1`, [
			clinic.doctor.id
		]);
		await asUser(admin.id, clinic.id, [
			`insert into public.patient_field_definitions (key, label) values ('blood_type', 'Blood type')`
		]);
		await asUser(clinic.doctor.id, clinic.id, [
			`insert into public.patients (given_name, family_name) values ('=HYPERLINK("x")', 'Formula')`,
			`update public.patients set phone = '+44 20 7946 0001', custom_fields = '{"blood_type": "B+"}' where family_name = 'Formula'`,
			`select public.log_chart_view((select id from public.patients where family_name = 'Formula'))`,
			`insert into public.patients (given_name, family_name) values ('Other', 'Person')`
		]);
		// the platform's support person (Pat Morgan) opens read-only access and ends it: the
		// clinic's trail records both with their name and the reason
		await asUser(demoIds.platform, null, [
			`select public.start_support_access('${clinic.id}', 'Ticket 4711: lab results missing', 30)`,
			`select public.end_support_access()`
		]);
		[{ mrn }] = await sql<{ mrn: string }>(
			`select mrn from public.patients where organization_id = $1 and family_name = 'Formula'`,
			[clinic.id]
		);
	});

	it('reads as sentences: names, labels, the support person and reason, local times; no uuids or column names', async () => {
		await page.goto(appUrl(slug, '/admin/audit'));
		// the chain is checked when the admin asks (it reads every entry), not on every view
		expect(await page.getByTestId('chain-status').count()).toBe(0);
		await Promise.all([
			page.waitForURL((u) => u.searchParams.get('verify') === 'chain'),
			page.getByRole('button', { name: 'Verify the audit chain' }).click()
		]);
		expect(await page.getByTestId('chain-status').textContent()).toContain('Audit chain intact');
		const view = page.locator('tr[data-action="view"]');
		expect(await view.count()).toBe(1);
		expect(await view.textContent()).toContain(
			`Dr Dora Audit opened the chart of =HYPERLINK("x") Formula (${mrn})`
		);
		expect(
			await page
				.locator('tr[data-action="update"]', { hasText: 'Dr Dora Audit' })
				.first()
				.textContent()
		).toContain(
			`Dr Dora Audit changed the details of =HYPERLINK("x") Formula (${mrn}): Phone from (empty) to “+44 20 7946 0001”; Blood type from (empty) to “B+”`
		);
		const sentences = (await page.getByTestId('audit-sentence').allTextContents()).map((t) =>
			t.trim()
		);
		expect(sentences).toContain(
			'Pat Morgan (platform support) opened read-only access for 30 minutes: reason “Ticket 4711: lab results missing”'
		);
		expect(sentences).toContain('Pat Morgan (platform support) ended read-only access');
		const table = (await page.locator('table').textContent()) ?? '';
		expect(table).not.toMatch(/[0-9a-f]{8}-[0-9a-f]{4}-/);
		expect(table).not.toMatch(/\b(custom_fields|support_access_grants|given_name|patients)\b/);
		// times in the clinic's zone (UTC until clinics have their own), not ISO timestamps
		const [{ at }] = await sql<{ at: Date }>(
			`select created_at as at from public.audit_log where organization_id = $1 and action = 'view'`,
			[clinic.id]
		);
		const when = new Intl.DateTimeFormat('en-GB', {
			dateStyle: 'medium',
			timeStyle: 'short',
			timeZone: 'UTC'
		}).format(at);
		expect(await view.locator('time').textContent()).toBe(when);
		await page.screenshot({ path: screenshotPath('admin-audit'), fullPage: true });
	});

	it('filters by person, patient, action and dates', async () => {
		await page.goto(appUrl(slug, '/admin/audit'));
		await page.getByLabel('Person').selectOption({ label: 'Dr Dora Audit' });
		await page.getByRole('button', { name: 'Filter' }).click();
		await page.waitForURL((u) => u.searchParams.get('actor') === clinic.doctor.id);
		const sentences = await page.getByTestId('audit-sentence').allTextContents();
		expect(sentences.length).toBe(4);
		expect(sentences.every((t) => t.trim().startsWith('Dr Dora Audit '))).toBe(true);

		await page.goto(appUrl(slug, `/admin/audit?patient=${mrn}`));
		expect(await page.getByTestId('audit-total').textContent()).toContain(`3 matching entries for`);
		await page.goto(appUrl(slug, `/admin/audit?patient=${mrn}&action=view`));
		expect(await page.getByTestId('audit-total').textContent()).toContain('1 matching entry');
		await page.goto(appUrl(slug, '/admin/audit?patient=MRN-999999'));
		expect(await page.locator('#f-patient').getAttribute('aria-invalid')).toBe('true');

		const today = new Date().toISOString().slice(0, 10);
		await page.goto(
			appUrl(slug, `/admin/audit?actor=${clinic.doctor.id}&from=${today}&to=${today}`)
		);
		expect(await page.getByTestId('audit-total').textContent()).toContain('4 matching entries');
		await page.goto(appUrl(slug, `/admin/audit?actor=${clinic.doctor.id}&to=2020-01-01`));
		expect(await page.getByTestId('audit-total').textContent()).toContain('0 matching entries');
	});

	it('downloads the filtered entries as CSV with formula cells neutralised', async () => {
		await page.goto(appUrl(slug, '/admin/audit'));
		const { status, text } = await fetchInPage(page, `/admin/audit/audit.csv?patient=${mrn}`);
		expect(status).toBe(200);
		const lines = text.trimEnd().split('\r\n');
		expect(lines[0]).toBe(
			'id,time,actor_id,action,table,row_id,patient_id,changes,local_time,actor,patient,sentence'
		);
		expect(lines.length).toBe(1 + 3);
		// the raw columns (ids, table, ISO time, the changes as JSON) and the sentence
		expect(text).toContain(`,${clinic.doctor.id},view,patients,`);
		expect(text).toMatch(/,\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}/);
		expect(text).toContain('""phone"":""+44 20 7946 0001""');
		expect(text).toContain('Dr Dora Audit changed the details of');
		// the patient cell starts with "=": prefixed with ' and quoted (it holds quotes)
		expect(text).toContain(`"'=HYPERLINK(""x"") Formula (${mrn})"`);
		expect(text).not.toMatch(/,=HYPERLINK/);
		const view = await fetchInPage(page, `/admin/audit/audit.csv?action=view`);
		expect(view.text.trimEnd().split('\r\n').length).toBe(2);
	});

	it('reports tampering: the first altered entry is named', async () => {
		const [{ id }] = await sql<{ id: string }>(
			`select min(id)::text as id from public.audit_log where organization_id = $1 and action = 'update'`,
			[clinic.id]
		);
		const db = adminDb();
		await db.connect();
		try {
			await db.query('begin');
			await db.query('set local session_replication_role = replica');
			await db.query(`update public.audit_log set changes = '{}' where id = $1`, [id]);
			await db.query('commit');
		} finally {
			await db.end();
		}
		await page.goto(appUrl(slug, '/admin/audit'));
		await Promise.all([
			page.waitForURL((u) => u.searchParams.get('verify') === 'chain'),
			page.getByRole('button', { name: 'Verify the audit chain' }).click()
		]);
		expect(await page.getByTestId('chain-status').textContent()).toContain(
			`Audit chain broken at entry #${id}`
		);
	});

	it('still names someone who has left: by the name they had when the admin removed them', async () => {
		const nurse = await clinic.addStaff('nurse');
		await sql(`update public.profiles set full_name = 'Nell Leaving' where id = $1`, [nurse.id]);
		await asUser(nurse.id, clinic.id, [
			`select public.log_chart_view((select id from public.patients where family_name = 'Person'))`
		]);
		await page.goto(appUrl(slug, '/admin/staff'));
		await page
			.getByTestId('staff-row')
			.filter({ hasText: nurse.email })
			.getByRole('link', { name: /Remove/ })
			.click();
		await page.waitForURL((u) => u.pathname.endsWith('/remove'));
		await page.getByRole('button', { name: /^Remove/ }).click();
		await page.waitForURL((u) => u.pathname === '/admin/staff');
		// a later change of their own profile is not the clinic's to see
		await sql(`update public.profiles set full_name = 'Nell Elsewhere' where id = $1`, [nurse.id]);

		await page.goto(appUrl(slug, '/admin/audit'));
		await page.getByLabel('Person').selectOption({ label: 'Nell Leaving (former staff)' });
		await page.getByRole('button', { name: 'Filter' }).click();
		await page.waitForURL((u) => u.searchParams.get('actor') === nurse.id);
		const sentences = await page.getByTestId('audit-sentence').allTextContents();
		expect(sentences.map((t) => t.trim())).toEqual([
			expect.stringMatching(/^Nell Leaving \(former staff\) opened the chart of Other Person/)
		]);
		expect(await page.textContent('main')).not.toContain('Nell Elsewhere');
	});

	it('gives staff a 403 on the page and the CSV', async () => {
		const staff = await clinic.doctorBrowser.newPage();
		expect((await staff.goto(appUrl(slug, '/admin/audit')))?.status()).toBe(403);
		expect((await fetchInPage(staff, '/admin/audit/audit.csv')).status).toBe(403);
	});

	it('shows an admin of city-hospital none of clinic-a’s audit entries', async ({ browser }) => {
		const clinicA = new Set(
			(
				await sql<{ id: string }>(
					`select a.id::text as id from public.audit_log a join public.organizations o on o.id = a.organization_id where o.slug = 'clinic-a'`
				)
			).map((r) => r.id)
		);
		expect(clinicA.size).toBeGreaterThan(0);
		const other = await signIn(browser, HOSPITAL.slug, demo.adminB, DEMO_PASSWORD);
		const { status, text } = await fetchInPage(other, '/admin/audit/audit.csv');
		expect(status).toBe(200);
		const ids = text
			.trimEnd()
			.split('\r\n')
			.slice(1)
			.map((l) => l.split(',')[0]);
		expect(ids.length).toBeGreaterThan(0);
		expect(ids.filter((id) => clinicA.has(id))).toEqual([]);
	});
});
