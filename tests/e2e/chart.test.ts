/**
 * The patient chart as clinic staff work it, in a real browser against the real database: the
 * safety header per role (allergies, "no known allergies" told apart from "not recorded",
 * problems, current medications; none of it for receptionists), the allergy warning when
 * prescribing, a visit note written during the visit, signed and amended with every version kept,
 * lab results recorded and corrected, refills dispensed to the last, the paged chart, the 390 px
 * layout, each refusal for the roles that may not, and every opening in the audit log.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { BrowserContext, Locator, Page } from 'playwright-core';
import { appUrl, fillIn, launch, screenshotPath, signIn } from '../support/browser.ts';
import { CLINIC_A, DEMO_PASSWORD, HOSPITAL, demo, demoIds } from '../support/demo.ts';
import { sql } from '../support/stack.ts';
import { retirePatients } from '../support/people.ts';

const tag = `${Date.now().toString(36)}${Math.random().toString(36).slice(2, 6)}`;
const given = `Chart${tag}`;
const family = 'Testpatient';
let patientId = '';
let pagedId = '';

const contexts: BrowserContext[] = [];

/** Signs a person in, in a fresh browser profile, and opens a chart (the test patient's). */
async function openChart(
	email: string,
	{ slug = CLINIC_A.slug, id = patientId, query = '' } = {}
): Promise<{ ctx: BrowserContext; page: Page }> {
	const ctx = await launch();
	contexts.push(ctx);
	const page = await signIn(ctx, slug, email, DEMO_PASSWORD);
	await page.goto(appUrl(slug, `/patients/${id}${query}`));
	await page.getByRole('heading', { level: 1 }).waitFor();
	return { ctx, page };
}

/** Scripts off from here on: plain HTML forms and server-rendered steps. */
async function withoutJs(ctx: BrowserContext, page: Page) {
	const cdp = await ctx.newCDPSession(page);
	await cdp.send('Emulation.setScriptExecutionDisabled', { value: true });
	await page.reload();
	await page.getByRole('heading', { level: 1 }).waitFor();
}

/** The saved message: a toast with JavaScript, a status notice in the page without. */
async function saved(page: Page, text: string) {
	await page
		.locator('[data-sonner-toast], [role="status"]')
		.filter({ hasText: text })
		.first()
		.waitFor();
}

/** An element's text with whitespace collapsed (markup puts line breaks between inline parts). */
async function text(locator: Locator): Promise<string> {
	return ((await locator.textContent()) ?? '').replace(/\s+/g, ' ');
}

/** The confirmation dialog of a destructive step: shows its question; `yes` confirms. */
async function confirmation(
	page: Page,
	yes: string
): Promise<{ question: string; yes(): Promise<void> }> {
	const dialog = page.getByRole('alertdialog');
	await dialog.waitFor();
	return {
		question: await text(dialog),
		yes: () => dialog.getByRole('button', { name: yes }).click()
	};
}

/** Opens an "Add …" form in its dialog (after hydration the trigger is a button). */
async function openAdd(page: Page, label: string): Promise<Locator> {
	await page.getByRole('button', { name: label, exact: true }).click();
	const dialog = page.getByRole('dialog');
	await dialog.waitFor();
	return dialog;
}

describe('patient chart', () => {
	beforeAll(async () => {
		const [row] = await sql<{ id: string }>(
			`insert into public.patients (organization_id, given_name, family_name, date_of_birth, sex, custom_fields)
			 values ($1, $2, $3, '1980-04-02', 'female', '{"blood_group": "A+"}'::jsonb)
			 returning id`,
			[demoIds.clinicA, given, family]
		);
		patientId = row.id;
	});

	afterAll(async () => {
		for (const ctx of contexts) await ctx.close();
		await retirePatients(patientId, pagedId);
	});

	it('shows a doctor the chart with the safety header and custom field labels, and audits the opening', async () => {
		const since = new Date();
		const { page } = await openChart(demo.doctorA);
		await expect(page.getByRole('heading', { level: 1 }).textContent()).resolves.toContain(
			`${given} ${family}`
		);
		const details = await page.locator('section[aria-labelledby="details-heading"]').textContent();
		expect(details).toContain('Blood group');
		expect(details).toContain('A+');
		// nothing recorded yet: said as such, not as "no known allergies"
		const header = page.getByTestId('safety-header');
		expect(await header.getByTestId('allergies-not-recorded').count()).toBe(1);
		expect(await header.getByTestId('nka').count()).toBe(0);
		expect(await text(header)).toContain('No active prescriptions.');
		const rows = await sql<{ actor_id: string }>(
			`select actor_id from public.audit_log
			  where action = 'view' and table_name = 'patients' and row_id = $1 and created_at >= $2`,
			[patientId, since]
		);
		expect(rows.map((r) => r.actor_id)).toContain(demoIds.doctorA);
	});

	it('records "no known allergies" (nurse), then an allergy (pharmacist) that retracts it, and problems (doctor)', async () => {
		const nurse = await openChart(demo.nurseA);
		await nurse.page.getByRole('button', { name: 'Record no known allergies' }).click();
		await saved(nurse.page, 'No known allergies recorded.');
		await nurse.page.getByTestId('nka').waitFor();
		expect(await nurse.page.getByTestId('allergies-not-recorded').count()).toBe(0);

		const pharmacist = await openChart(demo.pharmacistA);
		const dialog = await openAdd(pharmacist.page, 'Add allergy');
		await dialog.getByLabel('Substance').fill('Penicillin');
		await dialog.getByLabel('Reaction (optional)').fill('Anaphylaxis');
		await dialog.getByLabel('Severity').selectOption('severe');
		await dialog.getByRole('button', { name: 'Record allergy' }).click();
		await saved(pharmacist.page, 'Allergy recorded.');
		const allergies = pharmacist.page.getByTestId('safety-allergies');
		await allergies.filter({ hasText: 'Penicillin' }).waitFor();
		expect(await text(allergies)).toContain('severe: Anaphylaxis');
		expect(await pharmacist.page.getByTestId('nka').count()).toBe(0);
		expect(
			await sql(`select 1 from public.no_known_allergies where patient_id = $1`, [patientId])
		).toHaveLength(0);

		const doctor = await openChart(demo.doctorA);
		const problem = await openAdd(doctor.page, 'Add problem');
		await problem.getByLabel('Problem or diagnosis').fill(`Asthma ${tag}`);
		await problem.getByLabel('Code (optional)').fill('J45 <b>');
		await problem.getByRole('button', { name: 'Add problem' }).click();
		await problem.locator('#problem-code-error').waitFor();
		await problem.getByLabel('Code (optional)').fill('J45.20');
		await problem.getByRole('button', { name: 'Add problem' }).click();
		await saved(doctor.page, 'Problem added.');
		const problems = doctor.page.getByTestId('safety-problems');
		await problems.filter({ hasText: `Asthma ${tag}` }).waitFor();
		expect(await text(problems)).toContain('J45.20');
		const [row] = await sql<{ code: string; recorded_by: string }>(
			`select code, recorded_by from public.problems where patient_id = $1`,
			[patientId]
		);
		expect(row).toEqual({ code: 'J45.20', recorded_by: demoIds.doctorA });
	});

	it('shows each role what concerns it, and receptionists none of the safety summary', async () => {
		const lab = await openChart(demo.labA);
		const header = lab.page.getByTestId('safety-header');
		expect(await text(header.getByTestId('safety-allergies'))).toContain('Penicillin');
		expect(await header.getByTestId('safety-problems').count()).toBe(0);
		expect(await header.getByTestId('safety-medications').count()).toBe(0);
		expect(await lab.page.getByRole('button', { name: 'Add allergy' }).count()).toBe(0);

		const { page } = await openChart(demo.receptionA);
		expect(await page.getByTestId('safety-header').count()).toBe(0);
		const main = (await page.locator('main').textContent()) ?? '';
		expect(main).not.toContain('Penicillin');
		expect(main).not.toContain(`Asthma ${tag}`);
		// a tampered form (posted to the allergy action) meets the database's refusal
		const status = await page.evaluate(async () => {
			const body = new FormData();
			body.set('__superform_id', 'allergy');
			body.set('substance', 'Sneaky');
			body.set('kind', 'allergy');
			body.set('severity', 'mild');
			const res = await fetch('?/addAllergy', {
				method: 'POST',
				body,
				headers: { 'x-sveltekit-action': 'true' }
			});
			return { status: res.status, text: await res.text() };
		});
		expect(status.text).toContain('database refused');
		expect(
			await sql(`select 1 from public.allergies where patient_id = $1 and substance = 'Sneaky'`, [
				patientId
			])
		).toHaveLength(0);
	});

	it('warns a doctor prescribing a medication that matches an allergy, and records the override with its reason', async () => {
		const { page } = await openChart(demo.doctorA);
		const dialog = await openAdd(page, 'Prescribe');
		await dialog.getByLabel('Medication').fill('Penicillin V');
		// the warning shows while typing, before anything is saved
		await dialog.getByTestId('allergy-warning').waitFor();
		expect(await text(dialog.getByTestId('allergy-warning'))).toContain(
			'Penicillin (severe, Anaphylaxis)'
		);
		await dialog.getByLabel('Dose').fill('500 mg');
		await dialog.getByLabel('Frequency').fill('four times daily');
		await dialog.getByLabel('Quantity per fill').fill('28');
		// without a reason the database refuses it, next to the reason field
		await dialog.getByRole('button', { name: 'Prescribe anyway' }).click();
		const error = dialog.locator('#rx-override-error');
		await error.waitFor();
		expect(await text(error)).toContain('matches a recorded allergy');
		expect(
			await sql(`select 1 from public.prescriptions where patient_id = $1`, [patientId])
		).toHaveLength(0);
		await dialog
			.getByLabel('Reason to prescribe despite the allergy')
			.fill('Allergist cleared it after a graded challenge');
		await dialog.getByRole('button', { name: 'Prescribe anyway' }).click();
		await saved(page, 'Prescription written.');
		const rx = page.getByTestId('prescription').filter({ hasText: 'Penicillin V' });
		expect(await text(rx.getByTestId('allergy-override'))).toContain(
			'Allergist cleared it after a graded challenge'
		);
		const [row] = await sql<{ allergy_warning: string; allergy_override_reason: string }>(
			`select allergy_warning, allergy_override_reason from public.prescriptions where patient_id = $1`,
			[patientId]
		);
		expect(row).toEqual({
			allergy_warning: 'Penicillin (severe, Anaphylaxis)',
			allergy_override_reason: 'Allergist cleared it after a graded challenge'
		});
		// the header lists it among current medications
		expect(await text(page.getByTestId('safety-medications'))).toContain('Penicillin V');
	});

	it('warns without JavaScript too: the database refusal asks for the reason', async () => {
		const { ctx, page } = await openChart(demo.doctorA, { query: '?open=rx' });
		await withoutJs(ctx, page);
		await fillIn(page, {
			Medication: 'penicillin g',
			Dose: '1.2 MU',
			Frequency: 'once',
			Route: 'intramuscular',
			'Quantity per fill': '1',
			Unit: 'vial'
		});
		await page.getByRole('button', { name: 'Prescribe', exact: true }).click();
		await page.getByTestId('allergy-warning').waitFor();
		expect(await text(page.locator('#rx-override-error'))).toContain(
			'Penicillin g matches a recorded allergy: Penicillin (severe, Anaphylaxis)'
		);
		// what was typed is still there
		expect(await page.getByLabel('Dose').inputValue()).toBe('1.2 MU');
		await page.getByLabel('Reason to prescribe despite the allergy').fill('Desensitised');
		await page.getByRole('button', { name: 'Prescribe anyway' }).click();
		await saved(page, 'Prescription written.');
		await page.getByTestId('prescription').filter({ hasText: 'penicillin g' }).waitFor();
	});

	it('lets a doctor write a note during the visit, keep the text on a refusal, sign it, and amend it keeping every version', async () => {
		const reception = await openChart(demo.receptionA);
		const dialog = await openAdd(reception.page, 'Add visit');
		await dialog.getByLabel('Reason', { exact: true }).fill(`Cough ${tag}`);
		await dialog.getByRole('button', { name: 'Add visit' }).click();
		await saved(reception.page, 'Visit added.');
		// receptionists book visits but never see or write notes
		expect(await reception.page.getByRole('link', { name: /^Write note/ }).count()).toBe(0);

		const { page } = await openChart(demo.doctorA);
		const visit = page.getByTestId('visit').filter({ hasText: `Cough ${tag}` });
		await visit.getByRole('button', { name: /^Start visit/ }).click();
		await saved(page, 'Visit started.');
		await visit.getByRole('link', { name: /^Write note/ }).click();
		// templates of the clinic start an empty note
		await page.getByRole('link', { name: 'General consultation' }).click();
		const notes = page.getByLabel('Notes', { exact: true });
		await expect
			.poll(() => notes.inputValue(), { timeout: 20_000 })
			.toContain('Presenting complaint:');
		await notes.fill(`Dry cough for 3 days ${tag}. Chest clear.`);
		await page.getByLabel('Heart rate (/min)').fill('300');
		await page.getByRole('button', { name: 'Save draft' }).click();
		await page.locator('#note-heart_rate-error').waitFor();
		// refused: the text typed is kept
		expect(await notes.inputValue()).toBe(`Dry cough for 3 days ${tag}. Chest clear.`);
		await page.getByLabel('Heart rate (/min)').fill('88');
		await page.getByLabel('Temperature (°C)').fill('37.9');
		await page.getByRole('button', { name: 'Save draft' }).click();
		await saved(page, 'Note saved (draft).');
		expect(await text(visit.getByTestId('note-status'))).toContain('Draft, not signed');

		// edit the draft, then sign (confirmed in a dialog)
		await visit.getByRole('link', { name: /^Edit note/ }).click();
		await notes.fill(`Dry cough for 3 days ${tag}. Chest clear. Viral.`);
		await page.getByRole('button', { name: 'Sign and complete visit…' }).click();
		const sign = await confirmation(page, 'Yes, sign');
		expect(sign.question).toContain('Sign this note and complete the visit?');
		await sign.yes();
		await saved(page, 'Note signed; visit completed.');
		expect(await text(visit)).toContain('Completed');
		expect(await text(visit.getByTestId('note-status'))).toContain('Signed by Dr. Maya Chen');
		const [signed] = await sql<{ signed_by: string; status: string; notes: string }>(
			`select n.signed_by, v.status::text, n.notes from public.visit_notes n
			   join public.visits v on v.id = n.visit_id where v.patient_id = $1 and v.reason = $2`,
			[patientId, `Cough ${tag}`]
		);
		expect(signed).toEqual({
			signed_by: demoIds.doctorA,
			status: 'completed',
			notes: `Dry cough for 3 days ${tag}. Chest clear. Viral.`
		});
		// the database never updates a signed note in place, not even for its owner
		await expect(
			sql(
				`update public.visit_notes set notes = 'rewritten' where visit_id in
				   (select id from public.visits where patient_id = $1 and reason = $2)`,
				[patientId, `Cough ${tag}`]
			)
		).rejects.toThrow('a signed note is never changed');
		expect(await visit.getByRole('link', { name: /^Edit note/ }).count()).toBe(0);

		// amendments: the doctor, then a nurse
		await visit.getByRole('link', { name: /^Amend note/ }).click();
		await page.getByLabel('Amended notes').fill(`Dry cough ${tag}. Chest clear. Viral. Wheeze.`);
		await page.getByRole('button', { name: 'Save amendment' }).click();
		await page.locator('#amend-reason-error').waitFor();
		await page.getByLabel('Reason for the amendment').fill('Missed finding');
		await page.getByRole('button', { name: 'Save amendment' }).click();
		await saved(page, 'Amendment saved; earlier versions are kept.');
		const nurse = await openChart(demo.nurseA);
		const nurseVisit = nurse.page.getByTestId('visit').filter({ hasText: `Cough ${tag}` });
		await nurseVisit.getByRole('link', { name: /^Amend note/ }).click();
		await nurse.page.getByLabel('SpO₂ (%)').fill('95');
		await nurse.page.getByLabel('Reason for the amendment').fill('SpO2 measured late');
		await nurse.page.getByRole('button', { name: 'Save amendment' }).click();
		await saved(nurse.page, 'Amendment saved; earlier versions are kept.');
		expect(await text(nurseVisit)).toContain('95 %');
		await nurseVisit.getByRole('button', { name: /^Version history \(3 versions\)/ }).click();
		const versions = nurseVisit.getByTestId('note-versions');
		await versions.waitFor();
		const history = await text(versions);
		expect(history).toContain('Version 1 (signed original) · Dr. Maya Chen');
		expect(history).toContain('Reason: Missed finding · changed: notes');
		expect(history).toContain('Version 3 · Tom Okafor');
		expect(history).toContain('Reason: SpO2 measured late · changed: SpO₂');
		expect(history).toContain('Chest clear. Viral.');
		const kept = await sql<{ version: number; author_id: string }>(
			`select a.version, a.author_id from public.visit_note_amendments a
			   join public.visits v on v.id = a.visit_id where v.patient_id = $1 order by a.version`,
			[patientId]
		);
		expect(kept).toEqual([
			{ version: 2, author_id: demoIds.doctorA },
			{ version: 3, author_id: demoIds.nurseA }
		]);
	}, 180_000);

	it('lets an admin define a note template that doctors start notes from, and nobody else', async () => {
		const name = `Wound review ${tag}`;
		const admin = await openChart(demo.adminA);
		await admin.page.goto(appUrl(CLINIC_A.slug, '/admin/note-templates'));
		await admin.page.getByLabel('Name').fill(name);
		await admin.page.getByRole('button', { name: 'Save template' }).click();
		await admin.page.locator('#template-body-error').waitFor();
		await admin.page.getByLabel('Text', { exact: true }).fill('Wound site:\nDressing:\nPlan:');
		await admin.page.getByRole('button', { name: 'Save template' }).click();
		await admin.page.getByRole('status').filter({ hasText: 'Template saved.' }).waitFor();
		await admin.page.getByTestId('note-template').filter({ hasText: name }).waitFor();
		try {
			const [visit] = await sql<{ id: string }>(
				`insert into public.visits (organization_id, patient_id, clinician_id, reason, status)
				 values ($1, $2, $3, $4, 'in_progress') returning id`,
				[demoIds.clinicA, patientId, demoIds.doctorA, `Dressing ${tag}`]
			);
			const { page } = await openChart(demo.doctorA, { query: `?open=note&id=${visit.id}` });
			await page.getByRole('link', { name }).click();
			await expect
				.poll(() => page.getByLabel('Notes', { exact: true }).inputValue())
				.toContain('Dressing:');
			// a doctor cannot open the admin console (the database refuses their templates too:
			// pgTAP 20-clinical-access, note_templates)
			const res = await page.goto(appUrl(CLINIC_A.slug, '/admin/note-templates'));
			expect(res?.status()).toBe(403);
		} finally {
			await sql(`delete from public.note_templates where name = $1`, [name]);
		}
	});

	it('refuses note writing to a receptionist at the database (a tampered post)', async () => {
		const [visit] = await sql<{ id: string }>(
			`select id from public.visits where patient_id = $1 and reason = $2`,
			[patientId, `Cough ${tag}`]
		);
		const { page } = await openChart(demo.receptionA);
		const answer = await page.evaluate(async (visitId) => {
			const body = new FormData();
			body.set('__superform_id', 'note');
			body.set('visit_id', visitId);
			body.set('notes', 'sneaky note');
			const res = await fetch('?/saveNote', {
				method: 'POST',
				body,
				headers: { 'x-sveltekit-action': 'true' }
			});
			return res.text();
		}, visit.id);
		expect(answer).toMatch(/database refused|not on this chart/);
		expect(
			await sql(`select 1 from public.visit_note_amendments where notes = 'sneaky note'`)
		).toHaveLength(0);
	});

	it('lets a lab technician record a structured result and correct it, keeping the original', async () => {
		const doctor = await openChart(demo.doctorA);
		const order = await openAdd(doctor.page, 'Order lab test');
		await order.getByLabel('Test code').fill('K');
		await order.getByLabel('Test name').fill(`Potassium ${tag}`);
		await order.getByLabel('Priority').selectOption('urgent');
		await order.getByRole('button', { name: 'Order test' }).click();
		await saved(doctor.page, 'Lab test ordered.');

		const { page } = await openChart(demo.labA);
		// lab technicians work orders: no visits' notes, no prescriptions
		expect(await page.getByRole('heading', { name: 'Prescriptions' }).count()).toBe(0);
		const row = page.getByTestId('lab-order').filter({ hasText: `Potassium ${tag}` });
		await row.getByRole('button', { name: `Sample collected for Potassium ${tag}` }).click();
		await saved(page, 'Sample marked collected.');
		await row.getByRole('link', { name: `Record result for Potassium ${tag}` }).click();
		await page.getByLabel('Result value').fill('<b>5.9</b> see the attached report please');
		await page.getByRole('button', { name: 'Record result' }).click();
		await page.locator('#result-value-error').waitFor();
		await page.getByLabel('Result value').fill('5.9');
		await page.getByLabel('Unit', { exact: true }).fill('mmol/L');
		await page.getByLabel('Reference range').fill('3.5-5.1');
		await page.getByLabel('Flag').selectOption('high');
		await page.getByLabel('Comment (optional)').fill('Sample possibly haemolysed.');
		await page.getByRole('button', { name: 'Record result' }).click();
		await saved(page, 'Lab result recorded.');
		const result = row.getByTestId('lab-result');
		expect(await text(result)).toContain('5.9 mmol/L');
		expect(await text(result)).toContain('High');

		await row.getByRole('link', { name: `Correct result for Potassium ${tag}` }).click();
		await page.getByLabel('Result value').fill('4.4');
		await page.getByLabel('Flag').selectOption('normal');
		await page.getByLabel('Comment (optional)').fill('Repeat sample, not haemolysed.');
		await page.getByLabel('Reason for the correction').fill('First sample haemolysed');
		await page.getByRole('button', { name: 'Save correction' }).click();
		await saved(page, 'Result corrected; the original is kept.');
		expect(await text(result)).toContain('4.4 mmol/L');
		expect(await text(result)).toContain('Corrected');
		await row.getByRole('button', { name: /^Result history \(2 versions\)/ }).click();
		const versions = await text(row.getByTestId('result-versions'));
		expect(versions).toContain('Version 1 (original) · Ken Watanabe');
		expect(versions).toContain('5.9 mmol/L');
		expect(versions).toContain('Reason: First sample haemolysed');
		const [original] = await sql<{ result_value: string; resulted_by: string }>(
			`select result_value, resulted_by from public.lab_orders where patient_id = $1 and test_code = 'K'`,
			[patientId]
		);
		expect(original).toEqual({ result_value: '5.9', resulted_by: demoIds.labA });

		// nurses read results but neither record nor correct them
		const nurse = await openChart(demo.nurseA);
		const nurseRow = nurse.page.getByTestId('lab-order').filter({ hasText: `Potassium ${tag}` });
		expect(await text(nurseRow)).toContain('4.4 mmol/L');
		expect(await nurseRow.getByRole('link', { name: /^Correct result/ }).count()).toBe(0);
	}, 180_000);

	it('dispenses refills to the last fill with a confirmed quantity, then the prescription completes', async () => {
		const doctor = await openChart(demo.doctorA);
		const dialog = await openAdd(doctor.page, 'Prescribe');
		await fillIn(dialog, {
			Medication: `Salbutamol${tag}`,
			Dose: '100 mcg',
			Frequency: 'as needed',
			Route: 'inhaled',
			'Quantity per fill': '2',
			Unit: 'inhalers',
			Refills: '2'
		});
		await dialog.getByRole('button', { name: 'Prescribe', exact: true }).click();
		await saved(doctor.page, 'Prescription written.');
		// doctors prescribe but do not dispense
		expect(await doctor.page.getByRole('link', { name: /^Dispense fill/ }).count()).toBe(0);

		const { ctx, page } = await openChart(demo.pharmacistA);
		const rx = () => page.getByTestId('prescription').filter({ hasText: `Salbutamol${tag}` });
		expect(await text(rx().getByTestId('fills'))).toContain('dispensed 0 of 3 fills');
		// fill 1, confirmed in a dialog that names the quantity
		await rx()
			.getByRole('link', { name: /^Dispense fill 1 of 3/ })
			.click();
		await page.getByLabel('Quantity dispensed (inhalers)').fill('3');
		await page.getByRole('button', { name: 'Dispense…' }).click();
		await page.locator('#dispense-quantity-error').waitFor();
		expect(await text(page.locator('#dispense-quantity-error'))).toContain('at most 2 inhalers');
		await page.getByLabel('Quantity dispensed (inhalers)').fill('2');
		await page.getByRole('button', { name: 'Dispense…' }).click();
		const dispense = await confirmation(page, 'Yes, dispense');
		expect(dispense.question).toContain(`Dispense 2 inhalers of Salbutamol${tag} 100 mcg?`);
		expect(dispense.question).toContain('Fill 1 of 3.');
		expect(dispense.question).toContain('2 refills will remain.');
		await dispense.yes();
		await saved(page, 'Fill dispensed.');
		expect(await text(rx().getByTestId('fills'))).toContain('2 refills remaining');

		// fill 2 without JavaScript: the confirmation is part of the page
		await withoutJs(ctx, page);
		await rx()
			.getByRole('link', { name: /^Dispense fill 2 of 3/ })
			.click();
		await page.getByRole('button', { name: 'Dispense…' }).click();
		await page.getByTestId('confirm-step').waitFor();
		expect(await text(page.getByTestId('confirm-step'))).toContain('1 refill will remain.');
		expect(
			(
				await sql<{ fills_dispensed: number }>(
					`select fills_dispensed from public.prescriptions where patient_id = $1 and medication = $2`,
					[patientId, `Salbutamol${tag}`]
				)
			)[0].fills_dispensed
		).toBe(1);
		await page.getByRole('button', { name: 'Yes, dispense' }).click();
		await saved(page, 'Fill dispensed.');
		expect(await text(rx().getByTestId('fills'))).toContain('1 refill remaining');

		// the last refill
		await rx()
			.getByRole('link', { name: /^Dispense fill 3 of 3/ })
			.click();
		await page.getByRole('button', { name: 'Dispense…' }).click();
		expect(await text(page.getByTestId('confirm-step'))).toContain(
			'This is the last fill: the prescription will be completed.'
		);
		await page.getByRole('button', { name: 'Yes, dispense' }).click();
		await saved(page, 'Fill dispensed.');
		expect(await text(rx())).toContain('Completed');
		expect(await text(rx().getByTestId('fills'))).toContain('dispensed 3 of 3 fills');
		expect(
			await rx()
				.getByRole('link', { name: /^Dispense fill/ })
				.count()
		).toBe(0);
		const fills = await sql<{ fill_number: number; quantity: string; dispensed_by: string }>(
			`select d.fill_number, d.quantity::text, d.dispensed_by from public.prescription_dispenses d
			   join public.prescriptions p on p.id = d.prescription_id
			  where p.patient_id = $1 and p.medication = $2 order by d.fill_number`,
			[patientId, `Salbutamol${tag}`]
		);
		expect(fills).toEqual(
			[1, 2, 3].map((n) => ({
				fill_number: n,
				quantity: '2.00',
				dispensed_by: demoIds.pharmacistA
			}))
		);
		await rx()
			.getByRole('button', { name: /^Dispensed fills \(3\)/ })
			.click();
		expect(await text(rx().getByTestId('dispenses'))).toContain('Fill 3: 2 inhalers · Priya Nair');
	}, 180_000);

	it('asks a doctor to confirm before stopping a medication, without JavaScript', async () => {
		const { ctx, page } = await openChart(demo.doctorA);
		await withoutJs(ctx, page);
		const rx = page.getByTestId('prescription').filter({ hasText: 'Penicillin V' });
		await rx.getByRole('button', { name: /^Stop medication/ }).click();
		await rx.getByRole('button', { name: /^Stop medication…/ }).click();
		const again = page.getByTestId('prescription').filter({ hasText: 'Penicillin V' });
		await again.locator('[id$="-reason-error"]').waitFor();
		await again.getByLabel('Reason to stop').fill('Gastric upset');
		await again.getByRole('button', { name: /^Stop medication…/ }).click();
		await page.getByTestId('confirm-step').waitFor();
		expect(await text(page.getByTestId('confirm-step'))).toContain(
			'Stop medication Penicillin V 500 mg?'
		);
		const [before] = await sql<{ status: string }>(
			`select status from public.prescriptions where patient_id = $1 and medication = 'Penicillin V'`,
			[patientId]
		);
		expect(before.status).toBe('active');
		await page.getByRole('button', { name: 'Yes, stop medication' }).click();
		await saved(page, 'Medication stopped.');
		const stopped = await text(
			page.getByTestId('prescription').filter({ hasText: 'Penicillin V' })
		);
		expect(stopped).toContain('Stopped');
		expect(stopped).toContain('Gastric upset');
	});

	it('lets a doctor start and cancel visits with a confirmed reason (dialog with JavaScript)', async () => {
		const { page } = await openChart(demo.doctorA);
		const dialog = await openAdd(page, 'Add visit');
		await dialog.getByLabel('Reason', { exact: true }).fill(`Cancelme ${tag}`);
		await dialog.getByRole('button', { name: 'Add visit' }).click();
		await saved(page, 'Visit added.');
		const visit = page.getByTestId('visit').filter({ hasText: `Cancelme ${tag}` });
		await visit.getByRole('button', { name: /^Cancel visit/ }).click();
		await visit.getByLabel('Reason to cancel').fill('Patient called to cancel');
		await visit.getByRole('button', { name: /^Cancel visit…/ }).click();
		const cancel = await confirmation(page, 'Yes, cancel visit');
		expect(cancel.question).toContain('Reason: Patient called to cancel');
		await cancel.yes();
		await saved(page, 'Visit cancelled.');
		expect(await text(visit)).toContain('Cancelled: Patient called to cancel');
		const [after] = await sql<{ status: string; cancel_reason: string }>(
			`select status, cancel_reason from public.visits where patient_id = $1 and reason = $2`,
			[patientId, `Cancelme ${tag}`]
		);
		expect(after).toEqual({ status: 'cancelled', cancel_reason: 'Patient called to cancel' });
	});

	it('logs a view for each opening of the chart, not for its reloads after a save or opening a form', async () => {
		const views = async (since: Date) =>
			(
				await sql(
					`select 1 from public.audit_log
					  where action = 'view' and table_name = 'patients' and row_id = $1
					    and actor_id = $2 and created_at >= $3`,
					[patientId, demoIds.doctorA, since]
				)
			).length;
		const since = new Date();
		const { page } = await openChart(demo.doctorA);
		expect(await views(since)).toBe(1);
		const dialog = await openAdd(page, 'Add visit');
		await dialog.getByLabel('Reason', { exact: true }).fill(`Audit ${tag}`);
		await dialog.getByRole('button', { name: 'Add visit' }).click();
		await saved(page, 'Visit added.');
		await page
			.getByTestId('visit')
			.filter({ hasText: `Audit ${tag}` })
			.waitFor();
		// opening one of the chart's forms is not another opening either
		await page
			.getByTestId('visit')
			.filter({ hasText: `Audit ${tag}` })
			.getByRole('link', { name: /^Write note/ })
			.click();
		await page.getByLabel('Notes', { exact: true }).waitFor();
		expect(await views(since)).toBe(1);
		await page.reload();
		await page.getByRole('heading', { level: 1 }).waitFor();
		expect(await views(since)).toBe(2);
		await page.goto(appUrl(CLINIC_A.slug, `/patients/${patientId}`));
		await page.getByRole('heading', { level: 1 }).waitFor();
		expect(await views(since)).toBe(3);
	});

	it('shows the most recent visits with "Show more", whatever the length of the history', async () => {
		const [row] = await sql<{ id: string }>(
			`insert into public.patients (organization_id, given_name, family_name)
			 values ($1, $2, 'Longhistory') returning id`,
			[demoIds.clinicA, `Paged${tag}`]
		);
		pagedId = row.id;
		await sql(
			`insert into public.visits (organization_id, patient_id, clinician_id, scheduled_at, reason)
			 select $1, $2, $3, now() - (n || ' days')::interval, 'Visit number ' || n
			   from generate_series(1, 12) n`,
			[demoIds.clinicA, pagedId, demoIds.doctorA]
		);
		const { page } = await openChart(demo.doctorA, { id: pagedId });
		const visits = page.getByTestId('visit');
		expect(await visits.count()).toBe(5);
		expect(await text(visits.first())).toContain('Visit number 1');
		await page.getByRole('link', { name: /^Show more visits/ }).click();
		await expect.poll(() => visits.count(), { timeout: 20_000 }).toBe(12);
		expect(await text(visits.last())).toContain('Visit number 12');
		expect(await page.getByRole('link', { name: /^Show more visits/ }).count()).toBe(0);
		expect(page.url()).toContain('visits=15');
	});

	it('fits a 390 px wide phone without horizontal scrolling', async () => {
		const { page } = await openChart(demo.doctorA);
		await page.setViewportSize({ width: 390, height: 844 });
		await page.reload();
		await page.getByRole('heading', { level: 1 }).waitFor();
		const width = await page.evaluate(() => document.documentElement.scrollWidth);
		expect(width).toBeLessThanOrEqual(390);
		await page.screenshot({ path: screenshotPath('chart-doctor-390'), fullPage: true });
		const pharmacist = await openChart(demo.pharmacistA);
		await pharmacist.page.setViewportSize({ width: 390, height: 844 });
		await pharmacist.page.reload();
		await pharmacist.page.getByRole('heading', { level: 1 }).waitFor();
		expect(
			await pharmacist.page.evaluate(() => document.documentElement.scrollWidth)
		).toBeLessThanOrEqual(390);
	});

	it('shows the generated MRN after registering a patient', async () => {
		const [{ mrn }] = await sql<{ mrn: string }>(`select mrn from public.patients where id = $1`, [
			patientId
		]);
		const { page } = await openChart(demo.doctorA, { query: '?created=1' });
		const notice = page.getByRole('status').filter({ hasText: 'Patient registered' });
		expect(((await notice.textContent()) ?? '').replace(/\s+/g, ' ').trim()).toBe(
			`Patient registered: ${mrn}`
		);
	});

	it("answers Patient not found for another clinic's patient, an unknown id and a malformed id", async () => {
		const { page } = await openChart(demo.doctorB, { slug: HOSPITAL.slug, id: '' });
		const notFound = async (path: string) => {
			const res = await page.goto(appUrl(HOSPITAL.slug, path));
			expect(res?.status()).toBe(404);
			expect(await text(page.locator('body'))).toContain('Patient not found');
		};
		await notFound(`/patients/${patientId}`);
		expect(await text(page.locator('body'))).not.toContain(given);
		await notFound('/patients/00000000-0000-4000-8000-000000000000');
		await notFound('/patients/not-a-uuid');
		const rows = await sql(
			`select 1 from public.audit_log where row_id = $1 and actor_id = '00000000-0000-4000-8000-00000000b002'`,
			[patientId]
		);
		expect(rows).toHaveLength(0);
	});
});
