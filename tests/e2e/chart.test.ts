/**
 * The patient chart across roles and clinics, in a real browser against the real database: a
 * doctor records a visit with vitals and orders a test, a lab technician records the result, the
 * doctor prescribes, a pharmacist dispenses, a receptionist sees scheduling only, another clinic's
 * doctor gets "Patient not found", and every opening lands in the audit log.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { BrowserContext, Page } from 'playwright-core';
import { appUrl, launch, screenshotPath, signIn } from '../support/browser.ts';
import { CLINIC_A, DEMO_PASSWORD, HOSPITAL, demo } from '../support/demo.ts';
import { adminDb } from '../support/stack.ts';

const tag = `${Date.now().toString(36)}${Math.random().toString(36).slice(2, 6)}`;
const given = `Chart${tag}`;
const family = 'Testpatient';
let patientId = '';

async function sql<T = Record<string, unknown>>(
	text: string,
	values: unknown[] = []
): Promise<T[]> {
	const db = adminDb();
	await db.connect();
	try {
		return (await db.query(text, values)).rows as T[];
	} finally {
		await db.end();
	}
}

/** Signs a person in, in a fresh browser profile, and opens the patient's chart. */
async function openChart(
	email: string,
	slug = CLINIC_A.slug
): Promise<{ ctx: BrowserContext; page: Page }> {
	const ctx = await launch();
	contexts.push(ctx);
	const page = await signIn(ctx, slug, email, DEMO_PASSWORD);
	await page.goto(appUrl(slug, `/patients/${patientId}`));
	return { ctx, page };
}

const contexts: BrowserContext[] = [];

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

describe('patient chart', () => {
	beforeAll(async () => {
		const [row] = await sql<{ id: string }>(
			`insert into public.patients (organization_id, given_name, family_name, date_of_birth, sex, custom_fields)
			 select id, $1, $2, '1980-04-02', 'female', '{"blood_group": "A+"}'::jsonb
			   from public.organizations where slug = $3
			 returning id`,
			[given, family, CLINIC_A.slug]
		);
		patientId = row.id;
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

	it('shows a doctor the chart with custom field labels and audits the opening', async () => {
		const since = new Date();
		const { page } = await openChart(demo.doctorA);
		await expect(page.getByRole('heading', { level: 1 }).textContent()).resolves.toContain(
			`${given} ${family}`
		);
		// custom field label comes from patient_field_definitions, not the key
		const details = await page.locator('section[aria-labelledby="details-heading"]').textContent();
		expect(details).toContain('Blood group');
		expect(details).toContain('A+');
		expect(details).toContain('National health insurance number');
		expect(
			await page.getByRole('link', { name: 'Edit patient details' }).getAttribute('href')
		).toBe(`/patients/${patientId}/edit`);
		const rows = await sql<{ actor_id: string }>(
			`select actor_id from public.audit_log
			  where action = 'view' and table_name = 'patients' and row_id = $1 and created_at >= $2`,
			[patientId, since]
		);
		expect(rows.map((r) => r.actor_id)).toContain('00000000-0000-4000-8000-00000000a002');
	});

	it('lets a doctor add a visit with vitals, refusing an out-of-range vital next to its field', async () => {
		const { page } = await openChart(demo.doctorA);
		await page.getByLabel('Reason', { exact: true }).fill(`Follow-up ${tag}`);
		await page.getByLabel('Notes', { exact: true }).fill(`Feels better ${tag}`);
		await page.getByLabel('Heart rate (/min)').fill('300');
		await page.getByLabel('Blood pressure, systolic (mmHg)').fill('124');
		await page.getByLabel('Blood pressure, diastolic (mmHg)').fill('82');
		await page.getByLabel('Temperature (°C)').fill('37.2');
		await page.getByRole('button', { name: 'Add visit' }).click();
		const error = page.locator('#visit-heart_rate-error');
		await error.waitFor();
		expect(await error.textContent()).toContain('between 20 and 250');
		const input = page.locator('#visit-heart_rate');
		expect(await input.getAttribute('aria-invalid')).toBe('true');
		expect(await input.getAttribute('aria-describedby')).toContain('visit-heart_rate-error');
		// nothing was saved
		expect(
			await sql(`select 1 from public.visits where patient_id = $1`, [patientId])
		).toHaveLength(0);

		await input.fill('72');
		await page.getByRole('button', { name: 'Add visit' }).click();
		await page.getByRole('status').filter({ hasText: 'Visit added.' }).waitFor();
		const visit = page.getByTestId('visit').filter({ hasText: `Follow-up ${tag}` });
		const text = await visit.textContent();
		expect(text).toContain(`Feels better ${tag}`);
		expect(text).toContain('124/82 mmHg');
		expect(text).toContain('72 /min');
		const [stored] = await sql<{ vitals: Record<string, number> }>(
			`select n.vitals from public.visit_notes n join public.visits v on v.id = n.visit_id
			  where v.patient_id = $1`,
			[patientId]
		);
		expect(stored.vitals).toEqual({
			heart_rate: 72,
			bp_systolic: 124,
			bp_diastolic: 82,
			temperature_c: 37.2
		});
	});

	it('lets a doctor order a lab test and a lab technician record its result', async () => {
		const doctor = await openChart(demo.doctorA);
		await doctor.page.getByLabel('Test code', { exact: true }).fill('CBC');
		await doctor.page.getByLabel('Test name', { exact: true }).fill(`Complete blood count ${tag}`);
		await doctor.page.getByLabel('Priority', { exact: true }).selectOption('urgent');
		await doctor.page.getByRole('button', { name: 'Order test' }).click();
		await doctor.page.getByRole('status').filter({ hasText: 'Lab test ordered.' }).waitFor();
		const order = doctor.page.getByTestId('lab-order').filter({ hasText: tag });
		expect(await order.textContent()).toContain('Ordered');

		const lab = await openChart(demo.labA);
		// a lab technician works orders: no visit or prescription forms, no visits shown
		expect(await lab.page.getByRole('button', { name: 'Add visit' }).count()).toBe(0);
		expect(await lab.page.getByRole('heading', { name: 'Prescriptions' }).count()).toBe(0);
		await lab.page
			.getByRole('button', { name: `Sample collected for Complete blood count ${tag}` })
			.click();
		await lab.page.getByRole('status').filter({ hasText: 'Sample marked collected.' }).waitFor();
		expect(
			await lab.page.getByTestId('lab-order').filter({ hasText: tag }).textContent()
		).toContain('Collected');
		await lab.page
			.getByRole('link', { name: `Record result for Complete blood count ${tag}` })
			.click();
		await lab.page.waitForURL((u) => u.searchParams.has('order'));
		// the link preselects the order in the form
		expect(await lab.page.getByLabel('Order', { exact: true }).inputValue()).not.toBe('');
		await lab.page.getByLabel('Result value', { exact: true }).fill('13.5');
		await lab.page.getByLabel('Unit', { exact: true }).fill('g/dL');
		await lab.page.getByLabel('Reference range', { exact: true }).fill('12.0-15.5');
		await lab.page.getByRole('button', { name: 'Record result' }).click();
		await lab.page.getByRole('status').filter({ hasText: 'Lab result recorded.' }).waitFor();
		const resulted = await lab.page.getByTestId('lab-order').filter({ hasText: tag }).textContent();
		expect(resulted).toContain('Resulted');
		expect(resulted).toContain('13.5 g/dL');
		const [row] = await sql<{ status: string; resulted_by: string }>(
			`select status, resulted_by from public.lab_orders where patient_id = $1`,
			[patientId]
		);
		expect(row).toEqual({
			status: 'resulted',
			resulted_by: '00000000-0000-4000-8000-00000000a005'
		});
	});

	it('lets a doctor prescribe and a pharmacist mark it dispensed', async () => {
		const doctor = await openChart(demo.doctorA);
		await doctor.page.getByLabel('Medication', { exact: true }).fill(`Amoxicillin${tag}`);
		await doctor.page.getByLabel('Dose', { exact: true }).fill('500 mg');
		await doctor.page.getByLabel('Frequency', { exact: true }).fill('three times daily');
		// neither duration nor quantity: refused next to the duration field
		await doctor.page.getByRole('button', { name: 'Prescribe' }).click();
		await doctor.page.locator('#rx-duration-error').waitFor();
		expect(await doctor.page.locator('#rx-duration-error').textContent()).toContain(
			'duration or a quantity'
		);
		await doctor.page.getByLabel('Duration (days)').fill('7');
		await doctor.page.getByRole('button', { name: 'Prescribe' }).click();
		await doctor.page.getByRole('status').filter({ hasText: 'Prescription written.' }).waitFor();
		const rx = doctor.page.getByTestId('prescription').filter({ hasText: `Amoxicillin${tag}` });
		expect(await rx.textContent()).toContain('Active');
		await doctor.page.screenshot({ path: screenshotPath('chart-doctor-a'), fullPage: true });

		const pharmacist = await openChart(demo.pharmacistA);
		// pharmacists neither prescribe nor see visits' notes or lab orders
		expect(await pharmacist.page.getByRole('button', { name: 'Prescribe' }).count()).toBe(0);
		expect(await pharmacist.page.getByRole('heading', { name: 'Lab orders' }).count()).toBe(0);
		await pharmacist.page.getByRole('button', { name: `Mark Amoxicillin${tag} dispensed` }).click();
		await pharmacist.page
			.getByRole('status')
			.filter({ hasText: 'Prescription marked dispensed.' })
			.waitFor();
		expect(
			await pharmacist.page
				.getByTestId('prescription')
				.filter({ hasText: `Amoxicillin${tag}` })
				.textContent()
		).toContain('Completed');
	});

	it('asks a doctor to confirm before stopping a medication, without JavaScript too', async () => {
		const { ctx, page } = await openChart(demo.doctorA);
		await page.getByLabel('Medication', { exact: true }).fill(`Ibuprofen${tag}`);
		await page.getByLabel('Dose', { exact: true }).fill('200 mg');
		await page.getByLabel('Frequency', { exact: true }).fill('as needed');
		await page.getByLabel('Quantity', { exact: true }).fill('20 tablets');
		await page.getByRole('button', { name: 'Prescribe' }).click();
		await page.getByRole('status').filter({ hasText: 'Prescription written.' }).waitFor();

		// the rest with scripts disabled: plain HTML forms and server-rendered confirmation
		const cdp = await ctx.newCDPSession(page);
		await cdp.send('Emulation.setScriptExecutionDisabled', { value: true });
		await page.reload();
		await page
			.getByLabel('Prescription', { exact: true })
			.selectOption({ label: `Ibuprofen${tag} 200 mg` });
		await page.getByRole('button', { name: 'Stop medication…' }).click();
		await page.locator('#stop-reason-error').waitFor();
		expect(await page.locator('#stop-reason-error').textContent()).toContain('Enter why');
		await page.getByLabel('Reason for stopping').fill('Gastric upset');
		await page.getByRole('button', { name: 'Stop medication…' }).click();
		await page.getByRole('heading', { name: `Stop Ibuprofen${tag} 200 mg?` }).waitFor();
		// not stopped until confirmed
		const [before] = await sql<{ status: string }>(
			`select status from public.prescriptions where patient_id = $1 and medication = $2`,
			[patientId, `Ibuprofen${tag}`]
		);
		expect(before.status).toBe('active');
		await page.getByRole('button', { name: 'Yes, stop medication' }).click();
		await page.getByRole('status').filter({ hasText: 'Medication stopped.' }).waitFor();
		const text = await page
			.getByTestId('prescription')
			.filter({ hasText: `Ibuprofen${tag}` })
			.textContent();
		expect(text).toContain('Stopped');
		expect(text).toContain('Gastric upset');
	});

	it('lets a nurse record vitals and order a test, but not prescribe or record results', async () => {
		const { page } = await openChart(demo.nurseA);
		await page.getByLabel('Reason', { exact: true }).fill(`Nurse check ${tag}`);
		await page.getByLabel('SpO₂ (%)').fill('97');
		await page.getByRole('button', { name: 'Add visit' }).click();
		await page.getByRole('status').filter({ hasText: 'Visit added.' }).waitFor();
		expect(
			await page
				.getByTestId('visit')
				.filter({ hasText: `Nurse check ${tag}` })
				.textContent()
		).toContain('97 %');
		await page.getByLabel('Test code', { exact: true }).fill('UA');
		await page.getByLabel('Test name', { exact: true }).fill(`Urinalysis ${tag}`);
		await page.getByRole('button', { name: 'Order test' }).click();
		await page.getByRole('status').filter({ hasText: 'Lab test ordered.' }).waitFor();
		// nurses read prescriptions but neither write nor stop them, and do not record results
		expect(await page.getByRole('heading', { name: 'Prescriptions' }).count()).toBe(1);
		expect(await page.getByRole('button', { name: 'Prescribe' }).count()).toBe(0);
		expect(await page.getByRole('button', { name: 'Record result' }).count()).toBe(0);
		expect(await page.getByRole('link', { name: /^Record result/ }).count()).toBe(0);
	});

	it('shows a receptionist scheduling only, and shows the database refusing clinical notes', async () => {
		const { page } = await openChart(demo.receptionA);
		const main = (await page.locator('main').textContent()) ?? '';
		expect(main).toContain(`Follow-up ${tag}`); // the visit itself (scheduling data)
		expect(main).not.toContain(`Feels better ${tag}`); // notes
		expect(main).not.toContain('124/82'); // vitals
		expect(main).not.toContain('13.5'); // lab result
		expect(main).not.toContain(`Complete blood count ${tag}`);
		expect(main).not.toContain(`Amoxicillin${tag}`); // prescriptions
		expect(await page.getByTestId('visit-notes').count()).toBe(0);
		for (const name of ['Order test', 'Record result', 'Prescribe', 'Stop medication…']) {
			expect(await page.getByRole('button', { name }).count()).toBe(0);
		}
		expect(await page.getByLabel('Heart rate (/min)').count()).toBe(0);
		expect(await page.getByLabel('Notes', { exact: true }).count()).toBe(0);
		await page.screenshot({ path: screenshotPath('chart-receptionist-a'), fullPage: true });

		// A tampered form (notes added in the page) still meets the database's refusal.
		await page.getByLabel('Reason', { exact: true }).fill(`Walk-in ${tag}`);
		await page.locator('form[action="?/visit"]').evaluate((form) => {
			const notes = document.createElement('input');
			notes.type = 'hidden';
			notes.name = 'notes';
			notes.value = 'sneaky note';
			form.appendChild(notes);
		});
		await page.getByRole('button', { name: 'Add visit' }).click();
		const alert = page.getByRole('alert').filter({ hasText: 'database refused' });
		await alert.waitFor();
		expect(await alert.textContent()).toContain('No visit was added');
		// one statement (create_visit): the refused notes took the visit with them
		expect(
			await sql(`select 1 from public.visits where patient_id = $1 and reason = $2`, [
				patientId,
				`Walk-in ${tag}`
			])
		).toHaveLength(0);
		const notes = await sql(
			`select 1 from public.visit_notes n join public.visits v on v.id = n.visit_id
			  where v.patient_id = $1 and n.notes = 'sneaky note'`,
			[patientId]
		);
		expect(notes).toHaveLength(0);
	});

	it('logs a view for each opening of the chart, not for its reload after a save', async () => {
		const views = async (since: Date) =>
			(
				await sql(
					`select 1 from public.audit_log
					  where action = 'view' and table_name = 'patients' and row_id = $1
					    and actor_id = '00000000-0000-4000-8000-00000000a002' and created_at >= $2`,
					[patientId, since]
				)
			).length;
		const since = new Date();
		const { page } = await openChart(demo.doctorA);
		expect(await views(since)).toBe(1);
		await page.getByLabel('Reason', { exact: true }).fill(`Audit ${tag}`);
		await page.getByRole('button', { name: 'Add visit' }).click();
		await page.getByRole('status').filter({ hasText: 'Visit added.' }).waitFor();
		expect(
			await page
				.getByTestId('visit')
				.filter({ hasText: `Audit ${tag}` })
				.count()
		).toBe(1);
		// the save is audited by the visits trigger; the chart's reload is not another opening
		expect(await views(since)).toBe(1);
		// opening it again (a reload is a new GET) is logged, every time
		await page.reload();
		await page.getByRole('heading', { level: 1 }).waitFor();
		expect(await views(since)).toBe(2);
		await page.goto(appUrl(CLINIC_A.slug, `/patients/${patientId}`));
		await page.getByRole('heading', { level: 1 }).waitFor();
		expect(await views(since)).toBe(3);
	});

	it('lets a doctor start and complete a visit, and cancel one with a confirmed reason without JavaScript', async () => {
		const { ctx, page } = await openChart(demo.doctorA);
		for (const reason of [`Progress ${tag}`, `Cancelme ${tag}`]) {
			await page.getByLabel('Reason', { exact: true }).fill(reason);
			await page.getByRole('button', { name: 'Add visit' }).click();
			await page.getByTestId('visit').filter({ hasText: reason }).waitFor();
		}
		const progress = page.getByTestId('visit').filter({ hasText: `Progress ${tag}` });
		await progress.getByRole('button', { name: /^Start visit/ }).click();
		await page.getByRole('status').filter({ hasText: 'Visit started.' }).waitFor();
		expect(await progress.textContent()).toContain('In progress');
		await progress.getByRole('button', { name: /^Complete visit/ }).click();
		await page.getByRole('status').filter({ hasText: 'Visit completed.' }).waitFor();
		expect(await progress.textContent()).toContain('Completed');
		// final: no more actions on it
		expect(await progress.getByTestId('visit-actions').count()).toBe(0);
		const [done] = await sql<{ status: string; started: boolean; ended: boolean }>(
			`select status, started_at is not null as started, ended_at is not null as ended
			   from public.visits where patient_id = $1 and reason = $2`,
			[patientId, `Progress ${tag}`]
		);
		expect(done).toEqual({ status: 'completed', started: true, ended: true });

		const cdp = await ctx.newCDPSession(page);
		await cdp.send('Emulation.setScriptExecutionDisabled', { value: true });
		await page.reload();
		const cancel = page.getByTestId('visit').filter({ hasText: `Cancelme ${tag}` });
		await cancel.locator('summary').click();
		await cancel.getByRole('button', { name: /^Cancel visit…/ }).click();
		const again = page.getByTestId('visit').filter({ hasText: `Cancelme ${tag}` });
		const reasonError = again.locator('[id$="-reason-error"]');
		await reasonError.waitFor();
		expect(await reasonError.textContent()).toContain('Enter why');
		await again.getByLabel('Reason for cancelling').fill('Patient called to cancel');
		await again.getByRole('button', { name: /^Cancel visit…/ }).click();
		await page.getByRole('heading', { name: /^Cancel visit on .*\?$/ }).waitFor();
		const [before] = await sql<{ status: string }>(
			`select status from public.visits where patient_id = $1 and reason = $2`,
			[patientId, `Cancelme ${tag}`]
		);
		expect(before.status).toBe('scheduled');
		await page.getByRole('button', { name: 'Yes, cancel visit' }).click();
		await page.getByRole('status').filter({ hasText: 'Visit cancelled.' }).waitFor();
		expect(
			await page
				.getByTestId('visit')
				.filter({ hasText: `Cancelme ${tag}` })
				.textContent()
		).toContain('Cancelled: Patient called to cancel');
		const [after] = await sql<{ status: string; cancel_reason: string }>(
			`select status, cancel_reason from public.visits where patient_id = $1 and reason = $2`,
			[patientId, `Cancelme ${tag}`]
		);
		expect(after).toEqual({ status: 'cancelled', cancel_reason: 'Patient called to cancel' });
	});

	it('lets a doctor cancel an open lab order after confirming the reason', async () => {
		const { page } = await openChart(demo.doctorA);
		await page.getByLabel('Test code', { exact: true }).fill('TSH');
		await page.getByLabel('Test name', { exact: true }).fill(`Thyroid ${tag}`);
		await page.getByRole('button', { name: 'Order test' }).click();
		await page.getByRole('status').filter({ hasText: 'Lab test ordered.' }).waitFor();
		const order = page.getByTestId('lab-order').filter({ hasText: `Thyroid ${tag}` });
		await order.locator('summary').click();
		await order.getByLabel('Reason for cancelling').fill('Ordered twice');
		await order.getByRole('button', { name: /^Cancel lab order…/ }).click();
		await page.getByRole('heading', { name: `Cancel lab order Thyroid ${tag}?` }).waitFor();
		await page.getByRole('button', { name: 'Yes, cancel lab order' }).click();
		await page.getByRole('status').filter({ hasText: 'Lab order cancelled.' }).waitFor();
		expect(await order.textContent()).toContain('Cancelled: Ordered twice');
		// final: it can no longer be cancelled, collected or resulted from the chart
		expect(await order.locator('summary').count()).toBe(0);
		const [row] = await sql<{ status: string; cancel_reason: string }>(
			`select status, cancel_reason from public.lab_orders where patient_id = $1 and test_name = $2`,
			[patientId, `Thyroid ${tag}`]
		);
		expect(row).toEqual({ status: 'cancelled', cancel_reason: 'Ordered twice' });
	});

	it('shows the generated MRN after registering a patient', async () => {
		const [{ mrn }] = await sql<{ mrn: string }>(`select mrn from public.patients where id = $1`, [
			patientId
		]);
		const { page } = await openChart(demo.doctorA);
		expect(await page.getByRole('status').count()).toBe(0);
		await page.goto(appUrl(CLINIC_A.slug, `/patients/${patientId}?created=1`));
		const notice = page.getByRole('status').filter({ hasText: 'Patient registered' });
		expect(((await notice.textContent()) ?? '').replace(/\s+/g, ' ').trim()).toBe(
			`Patient registered: ${mrn}`
		);
	});

	it("answers Patient not found for another clinic's patient, an unknown id and a malformed id", async () => {
		const { page } = await openChart(demo.doctorB, HOSPITAL.slug);
		const notFound = async (path: string) => {
			const res = await page.goto(appUrl(HOSPITAL.slug, path));
			expect(res?.status()).toBe(404);
			expect(await page.locator('body').textContent()).toContain('Patient not found');
		};
		await notFound(`/patients/${patientId}`);
		expect(await page.locator('body').textContent()).not.toContain(given);
		await notFound('/patients/00000000-0000-4000-8000-000000000000');
		await notFound('/patients/not-a-uuid');
		// the refused opening wrote no audit row for the other clinic's doctor
		const rows = await sql(
			`select 1 from public.audit_log where row_id = $1 and actor_id = '00000000-0000-4000-8000-00000000b002'`,
			[patientId]
		);
		expect(rows).toHaveLength(0);
	});
});
