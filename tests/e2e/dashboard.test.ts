/**
 * The dashboard per role, against the real database: an appointment today (the clinic's day, in its
 * time zone) with the doctor, a lab order and a prescription made for a fresh patient appear on the
 * dashboards of the roles that work on them, and only there; each role sees its own work first.
 * "Today" is the diary's: the doctor's own appointments, the whole clinic's for reception.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { BrowserContext } from 'playwright-core';
import { appUrl, launch, screenshotPath, signIn } from '../support/browser.ts';
import { CLINIC_A, DEMO_PASSWORD, HOSPITAL, demo, demoIds } from '../support/demo.ts';
import { sql } from '../support/stack.ts';
import { retirePatients } from '../support/people.ts';

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

describe('dashboard', () => {
	beforeAll(async () => {
		const org = demoIds.clinicA;
		[{ id: patientId }] = await sql<{ id: string }>(
			`insert into public.patients (organization_id, given_name, family_name) values ($1, $2, $3)
			 returning id`,
			[org, given, family]
		);
		// today at 18:40 in the clinic's own time zone (after the seeded diary), with its doctor;
		// leftovers of an interrupted run are cancelled first (they would hold the slot)
		await sql(
			`update public.appointments set status = 'cancelled', cancel_reason = 'test finished'
			  where appointment_type like 'Dashboard check %' and status in ('booked', 'arrived')`
		);
		await sql(
			`insert into public.appointments (organization_id, patient_id, clinician_id, starts_at, ends_at, appointment_type)
			 select o.id, $2, $4, t.at, t.at + interval '10 minutes', $3
			   from public.organizations o
			  cross join lateral (select ((now() at time zone o.time_zone)::date + time '18:40')
			                               at time zone o.time_zone as at) t
			  where o.id = $1`,
			[org, patientId, reason, demoIds.doctorA]
		);
		await sql(
			`insert into public.lab_orders (organization_id, patient_id, test_code, test_name)
			 values ($1, $2, 'FERR', $3)`,
			[org, patientId, test]
		);
		await sql(
			`insert into public.prescriptions (organization_id, patient_id, medication, dose, frequency, duration_days, quantity)
			 values ($1, $2, $3, '500 mg', 'twice daily', 30, 60)`,
			[org, patientId, medication]
		);
	});

	afterAll(async () => {
		for (const ctx of contexts) await ctx.close();
		await retirePatients(patientId);
	});

	it("shows a doctor today's appointment from the diary, open lab orders and active prescriptions", async () => {
		const { page, headings, main } = await dashboardOf(demo.doctorA);
		expect(headings).toEqual([
			'Today',
			'Open lab orders',
			'Active prescriptions',
			'Recent patients'
		]);
		expect(await page.getByText('your appointments').count()).toBe(1);
		const row = page.getByTestId('today-appointment').filter({ hasText: reason });
		expect(await row.count()).toBe(1);
		// the clinic's wall clock (America/New_York), whatever the server's or browser's zone
		expect(await row.textContent()).toContain('18:40–18:50');
		expect(await row.textContent()).toContain('Booked');
		const link = row.getByRole('link', { name: `${family}, ${given}` });
		expect(await link.getAttribute('href')).toMatch(/^\/diary\/[0-9a-f-]{36}$/);
		expect(main).toContain(test);
		expect(main).toContain(medication);
		const counts = await page.locator('main dl').first().textContent();
		for (const label of [
			'Patients',
			"Today's appointments",
			'Open lab orders',
			'Active prescriptions'
		]) {
			expect(counts).toContain(label);
		}
		await page.screenshot({ path: screenshotPath('dashboard-chart-doctor-a'), fullPage: true });
		await link.click();
		await page.waitForURL((u) => u.pathname.startsWith('/diary/'));
		expect(await page.getByRole('heading', { level: 1 }).textContent()).toContain(given);
	});

	it("shows a receptionist today's visits and recent patients, no clinical work", async () => {
		const { page, headings, main } = await dashboardOf(demo.receptionA);
		expect(headings).toEqual(['Today', 'Recent patients']);
		expect(await page.getByText('the whole clinic').count()).toBe(1);
		const row = page.getByTestId('today-appointment').filter({ hasText: reason });
		expect(await row.count()).toBe(1);
		expect(await row.textContent()).toContain('with Dr. Maya Chen');
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
		expect(main).toContain("Today's appointments");
		expect(main).not.toContain(reason);
		expect(main).not.toContain(given);
	});
});
