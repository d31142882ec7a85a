/**
 * The dashboard per role, against the real database: a visit, a lab order and a prescription made
 * for a fresh patient today appear on the dashboards of the roles that work on them, and only
 * there; each role sees its own work first.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { BrowserContext } from 'playwright-core';
import { appUrl, launch, screenshotPath, signIn } from '../support/browser.ts';
import { CLINIC_A, DEMO_PASSWORD, HOSPITAL, demo } from '../support/demo.ts';
import { adminDb } from '../support/stack.ts';

const tag = `${Date.now().toString(36)}${Math.random().toString(36).slice(2, 6)}`;
const given = `Dash${tag}`;
const family = 'Testpatient';
const reason = `Dashboard check ${tag}`;
const test = `Ferritin ${tag}`;
const medication = `Metformin${tag}`;
let patientId = '';
const contexts: BrowserContext[] = [];

async function dashboardOf(email: string, slug = CLINIC_A.slug) {
	const ctx = await launch();
	contexts.push(ctx);
	const page = await signIn(ctx, slug, email, DEMO_PASSWORD);
	if (new URL(page.url()).pathname !== '/dashboard') await page.goto(appUrl(slug, '/dashboard'));
	const headings = await page.locator('main h2:not(.sr-only)').allTextContents();
	return { page, headings, main: (await page.locator('main').textContent()) ?? '' };
}

/**
 * Takes a test patient's work off the clinic's queues when the test is done (cancel open orders,
 * stop active prescriptions, move visits out of today) so repeated runs never crowd the lists.
 */
async function retire(db: import('pg').Client, patientId: string) {
	await db.query(
		`update public.lab_orders set status = 'cancelled', cancel_reason = 'test finished'
		  where patient_id = $1 and status in ('ordered', 'collected')`,
		[patientId]
	);
	await db.query(
		`update public.prescriptions set status = 'stopped', stop_reason = 'test finished'
		  where patient_id = $1 and status = 'active'`,
		[patientId]
	);
	await db.query(
		`update public.visits set scheduled_at = scheduled_at - interval '2 days'
		  where patient_id = $1 and status in ('scheduled', 'in_progress')`,
		[patientId]
	);
}

describe('dashboard', () => {
	beforeAll(async () => {
		const db = adminDb();
		await db.connect();
		try {
			const { rows } = await db.query<{ id: string; org: string }>(
				`insert into public.patients (organization_id, given_name, family_name)
				 select id, $1, $2 from public.organizations where slug = $3
				 returning id, organization_id as org`,
				[given, family, CLINIC_A.slug]
			);
			patientId = rows[0].id;
			const org = rows[0].org;
			await db.query(
				`insert into public.visits (organization_id, patient_id, reason, scheduled_at)
				 values ($1, $2, $3, now())`,
				[org, patientId, reason]
			);
			await db.query(
				`insert into public.lab_orders (organization_id, patient_id, test_code, test_name)
				 values ($1, $2, 'FERR', $3)`,
				[org, patientId, test]
			);
			await db.query(
				`insert into public.prescriptions (organization_id, patient_id, medication, dose, frequency, duration_days, quantity)
				 values ($1, $2, $3, '500 mg', 'twice daily', 30, 60)`,
				[org, patientId, medication]
			);
		} finally {
			await db.end();
		}
	});

	afterAll(async () => {
		for (const ctx of contexts) await ctx.close();
		const db = adminDb();
		await db.connect();
		try {
			if (patientId) await retire(db, patientId);
		} finally {
			await db.end();
		}
	});

	it("shows a doctor today's visit with a link to the chart, open lab orders and active prescriptions", async () => {
		const { page, headings, main } = await dashboardOf(demo.doctorA);
		expect(headings).toEqual([
			"Today's visits",
			'Open lab orders',
			'Active prescriptions',
			'Recent patients'
		]);
		const row = page.getByTestId('today-visit').filter({ hasText: reason });
		expect(await row.count()).toBe(1);
		expect(await row.textContent()).toContain('Scheduled');
		expect(await row.getByRole('link', { name: `${family}, ${given}` }).getAttribute('href')).toBe(
			`/patients/${patientId}`
		);
		expect(main).toContain(test);
		expect(main).toContain(medication);
		const counts = await page.locator('main dl').first().textContent();
		for (const label of ['Patients', "Today's visits", 'Open lab orders', 'Active prescriptions']) {
			expect(counts).toContain(label);
		}
		await page.screenshot({ path: screenshotPath('dashboard-chart-doctor-a'), fullPage: true });
		await row.getByRole('link').click();
		await page.waitForURL((u) => u.pathname === `/patients/${patientId}`);
		expect(await page.getByRole('heading', { level: 1 }).textContent()).toContain(given);
	});

	it("shows a receptionist today's visits and recent patients, no clinical work", async () => {
		const { page, headings, main } = await dashboardOf(demo.receptionA);
		expect(headings).toEqual(["Today's visits", 'Recent patients']);
		expect(await page.getByTestId('today-visit').filter({ hasText: reason }).count()).toBe(1);
		expect(main).not.toContain(test);
		expect(main).not.toContain(medication);
		await page.screenshot({ path: screenshotPath('dashboard-receptionist-a'), fullPage: true });
	});

	it('shows a lab technician open lab orders first, without visits or prescriptions', async () => {
		const { page, headings, main } = await dashboardOf(demo.labA);
		expect(headings).toEqual(['Open lab orders', 'Recent patients']);
		expect(await page.getByTestId('open-lab-order').filter({ hasText: test }).count()).toBe(1);
		expect(main).not.toContain(reason);
		expect(main).not.toContain(medication);
	});

	it('shows a pharmacist active prescriptions first, without visits or lab orders', async () => {
		const { page, headings, main } = await dashboardOf(demo.pharmacistA);
		expect(headings).toEqual(['Active prescriptions', 'Recent patients']);
		expect(
			await page.getByTestId('active-prescription').filter({ hasText: medication }).count()
		).toBe(1);
		expect(main).not.toContain(reason);
		expect(main).not.toContain(test);
	});

	it("never shows another clinic's visits", async () => {
		const { main } = await dashboardOf(demo.doctorB, HOSPITAL.slug);
		expect(main).toContain("Today's visits");
		expect(main).not.toContain(reason);
		expect(main).not.toContain(given);
	});
});
