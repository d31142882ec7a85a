/**
 * Automated accessibility check (axe-core in Chromium): the sign-in pages of both clinics, and the
 * dashboard, patients list and a patient chart for a doctor and a receptionist, have no serious or
 * critical violations. The chart is checked with content in every section and with a form error
 * showing, since that is where most markup lives.
 */
import { afterAll, beforeAll, describe, expect } from 'vitest';
import { expectAccessible, seriousViolations } from '../support/a11y.ts';
import { appUrl, sharedBrowserTest as it, signIn } from '../support/browser.ts';
import { CLINIC_A, DEMO_PASSWORD, HOSPITAL, demo, demoIds } from '../support/demo.ts';
import { sql } from '../support/stack.ts';
import { retirePatients } from '../support/people.ts';

const tag = `${Date.now().toString(36)}${Math.random().toString(36).slice(2, 6)}`;
let patientId = '';

describe('accessibility (axe: no serious or critical violations)', () => {
	beforeAll(async () => {
		// a patient of clinic-a with content in every section of the chart
		const org = demoIds.clinicA;
		[{ id: patientId }] = await sql<{ id: string }>(
			`insert into public.patients (organization_id, given_name, family_name, date_of_birth, phone)
			 values ($1, $2, 'Axe', '1975-09-30', '+1 555 0100') returning id`,
			[org, `A11y${tag}`]
		);
		const [visit] = await sql<{ id: string }>(
			`insert into public.visits (organization_id, patient_id, reason) values ($1, $2, 'Check-up')
			 returning id`,
			[org, patientId]
		);
		await sql(
			`insert into public.visit_notes (organization_id, visit_id, notes, vitals)
			 values ($1, $2, 'Well.', '{"heart_rate": 70, "bp_systolic": 118, "bp_diastolic": 76}')`,
			[org, visit.id]
		);
		await sql(
			`insert into public.lab_orders (organization_id, patient_id, test_code, test_name)
			 values ($1, $2, 'TSH', 'Thyroid stimulating hormone')`,
			[org, patientId]
		);
		await sql(
			`insert into public.prescriptions (organization_id, patient_id, medication, dose, frequency, quantity)
			 values ($1, $2, 'Levothyroxine', '50 mcg', 'once daily', 30)`,
			[org, patientId]
		);
	});

	afterAll(async () => {
		await retirePatients(patientId);
	});

	it('the check itself finds a serious violation when one is there', async ({ browser }) => {
		const page = await browser.newPage();
		await page.goto(appUrl(CLINIC_A.slug, '/sign-in'));
		await page.evaluate(() => {
			const input = document.createElement('input');
			input.type = 'text';
			document.body.appendChild(input);
		});
		const ids = (await seriousViolations(page)).map((v) => v.id);
		expect(ids).toContain('label');
		await page.close();
	});

	it('sign-in pages of both clinics, also with an error showing', async ({ browser }) => {
		const page = await browser.newPage();
		for (const clinic of [CLINIC_A, HOSPITAL]) {
			await page.goto(appUrl(clinic.slug, '/sign-in'));
			await expectAccessible(page, `sign-in ${clinic.slug}`);
		}
		await page.getByLabel('Email').fill(demo.doctorB);
		await page.getByLabel('Password').fill('wrong-password');
		await page.getByRole('button', { name: 'Sign in' }).click();
		await page.locator('#password-error').waitFor();
		await expectAccessible(page, 'sign-in with error');
		await page.close();
	});

	for (const [role, email] of [
		['doctor', demo.doctorA],
		['receptionist', demo.receptionA]
	] as const) {
		it(`dashboard, patients list and chart for a ${role}`, async ({ launchBrowser }) => {
			const page = await signIn(await launchBrowser(), CLINIC_A.slug, email, DEMO_PASSWORD);
			await page.goto(appUrl(CLINIC_A.slug, '/dashboard'));
			await expectAccessible(page, `dashboard (${role})`);
			await page.goto(appUrl(CLINIC_A.slug, '/patients'));
			await expectAccessible(page, `patients list (${role})`);
			await page.goto(appUrl(CLINIC_A.slug, `/patients/${patientId}`));
			await page.getByRole('heading', { level: 1 }).waitFor();
			await expectAccessible(page, `chart (${role})`);
			// with a validation error next to a field, in the "Add visit" dialog
			await page.getByRole('button', { name: 'Add visit' }).click();
			await page.getByRole('dialog').getByRole('button', { name: 'Add visit' }).click();
			await page.locator('#visit-reason-error').waitFor();
			await expectAccessible(page, `chart with a form error (${role})`);
		});
	}
});
