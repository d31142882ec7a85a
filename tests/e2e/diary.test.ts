/**
 * The diary in Chromium against the real database (Riverside, time zone America/New_York; the
 * browser and the server run in UTC): booking from a free slot with the inline patient search, the
 * clash refused next to the time field with the clashing slot, moving, cancelling with a reason,
 * from an arrived appointment to the visit in three clicks (the visit's clinician is the
 * appointment's, never the person who clicked), the list on a phone, the list and booking without
 * JavaScript, and the clinic admin's time zone setting.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { chromium, type BrowserContext, type Page } from 'playwright-core';
import { parseDate, parseDateTime, toZoned } from '@internationalized/date';
import { seriousViolations } from '../support/a11y.ts';
import { appUrl, CHROMIUM, launch, screenshotPath, signIn } from '../support/browser.ts';
import { CLINIC_A, DEMO_PASSWORD, HOSPITAL, demo } from '../support/demo.ts';
import { sql } from '../support/stack.ts';

const ZONE = 'America/New_York';
const CHEN = '00000000-0000-4000-8000-00000000a002';
const RECEPTION = '00000000-0000-4000-8000-00000000a004';
const tag = `${Date.now().toString(36)}${Math.random().toString(36).slice(2, 6)}`.replace(
	/\d/g,
	(d) => 'abcdefghij'.charAt(Number(d))
);
const patients = [
	{ given: 'Ada', family: `Diaryone${tag}`, id: '' },
	{ given: 'Ben', family: `Diarytwo${tag}`, id: '' },
	{ given: 'Cy', family: `Diarythree${tag}`, id: '' }
];
let org = '';
/** A day three weeks ahead in the clinic's calendar: nothing is seeded there. */
let day = '';
/** The clinic's today. */
let today = '';
const contexts: BrowserContext[] = [];

/** The instant a wall-clock time of the clinic names (what the database must store). */
const instant = (local: string) => toZoned(parseDateTime(local), ZONE).toDate().toISOString();

async function as(email: string, viewport?: { width: number; height: number }, js = true) {
	const ctx = js ? await launch() : await launchWithoutJavaScript();
	contexts.push(ctx);
	const page = await signIn(ctx, CLINIC_A.slug, email, DEMO_PASSWORD);
	if (viewport) await page.setViewportSize(viewport);
	return page;
}

/** Chromium with JavaScript off (fixed when the context is launched). */
async function launchWithoutJavaScript(): Promise<BrowserContext> {
	return chromium.launchPersistentContext(mkdtempSync(join(tmpdir(), 'clinic-e2e-')), {
		executablePath: CHROMIUM,
		headless: true,
		javaScriptEnabled: false,
		viewport: { width: 1024, height: 768 },
		args: ['--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run']
	});
}

/** An appointment made directly (as the table owner), booked or arrived. */
async function appointment(p: number, local: string, minutes: number, status = 'booked') {
	const [row] = await sql<{ id: string }>(
		`insert into public.appointments (organization_id, patient_id, clinician_id, starts_at, ends_at, appointment_type, created_by)
		 values ($1, $2, $3, $4::timestamptz, $4::timestamptz + make_interval(mins => $5), 'Check-up', $6) returning id`,
		[org, patients[p].id, CHEN, instant(local), minutes, RECEPTION]
	);
	if (status !== 'booked') {
		await sql(
			`update public.appointments set status = $2::public.appointment_status where id = $1`,
			[row.id, status]
		);
	}
	return row.id;
}

async function bookingForm(page: Page, patient: (typeof patients)[number], type: string) {
	await page.getByLabel('Find the patient').fill(patient.family);
	const choice = page.getByRole('radio', { name: new RegExp(patient.family) });
	await choice.waitFor();
	await choice.check();
	await page.getByLabel('Type').fill(type);
}

beforeAll(async () => {
	const [clinic] = await sql<{ id: string; today: string }>(
		`select id, (now() at time zone time_zone)::date::text as today from public.organizations where slug = $1`,
		[CLINIC_A.slug]
	);
	org = clinic.id;
	today = clinic.today;
	day = parseDate(today).add({ days: 21 }).toString();
	// earlier runs' appointments hold the same slots (a completed one keeps its time): the table
	// owner removes them (their visits keep the history, without the link)
	await sql(
		`delete from public.appointments
		  where patient_id in (select id from public.patients
		                        where organization_id = $1 and family_name ~ '^Diary(one|two|three)[a-z]+$')`,
		[org]
	);
	for (const p of patients) {
		const [row] = await sql<{ id: string }>(
			`insert into public.patients (organization_id, given_name, family_name) values ($1, $2, $3) returning id`,
			[org, p.given, p.family]
		);
		p.id = row.id;
	}
});

afterAll(async () => {
	for (const ctx of contexts) await ctx.close().catch(() => {});
	await sql(
		`update public.appointments set status = 'cancelled', cancel_reason = 'test finished'
		  where patient_id = any($1::uuid[]) and status in ('booked', 'arrived')`,
		[patients.map((p) => p.id)]
	);
	await sql(
		`update public.visits set status = 'completed' where patient_id = any($1::uuid[]) and status = 'in_progress'`,
		[patients.map((p) => p.id)]
	);
});

describe('diary', () => {
	let booked = '';

	it("books from a free slot with the inline patient search, in the clinic's time zone", async () => {
		const page = await as(demo.receptionA);
		await page.goto(appUrl(CLINIC_A.slug, `/diary?day=${day}&clinician=${CHEN}`));
		expect(await page.getByTestId('diary-title').textContent()).toContain('Dr. Maya Chen');
		// the calendar takes over on a wide screen; the list is one button away
		await page.getByTestId('diary-calendar').waitFor();
		await page.getByRole('button', { name: 'List' }).click();
		await page.getByRole('link', { name: /^Book Dr\. Maya Chen at 07:00/ }).click();
		await page.waitForURL((u) => u.pathname === '/diary/new');
		expect(await page.getByLabel('Clinician').inputValue()).toBe(CHEN);
		expect(await page.getByLabel('Start').inputValue()).toBe(`${day}T07:00`);
		await page.getByLabel('Start').fill(`${day}T09:00`);
		await bookingForm(page, patients[0], 'Consultation');
		await page.screenshot({ path: screenshotPath('diary-book'), fullPage: true });
		await Promise.all([
			page.waitForURL((u) => u.pathname === '/diary' && u.searchParams.has('booked')),
			page.getByRole('button', { name: 'Book appointment' }).click()
		]);
		expect(await page.getByText('Appointment booked.').count()).toBe(1);
		booked = new URL(page.url()).searchParams.get('booked') ?? '';
		const [row] = await sql<{
			starts_at: Date;
			ends_at: Date;
			clinician_id: string;
			created_by: string;
		}>(
			`select starts_at, ends_at, clinician_id, created_by from public.appointments where id = $1`,
			[booked]
		);
		// 09:00 in New York, whatever the zone of the server and the browser (both UTC here)
		expect(row.starts_at.toISOString()).toBe(instant(`${day}T09:00`));
		expect(row.ends_at.toISOString()).toBe(instant(`${day}T09:20`));
		expect(row).toMatchObject({ clinician_id: CHEN, created_by: RECEPTION });

		await page.goto(appUrl(CLINIC_A.slug, `/diary/${booked}`));
		const when = (await page.getByTestId('appointment-when').textContent()) ?? '';
		expect(when).toContain('09:00–09:20');
		expect(when).toContain(ZONE);
	});

	it('refuses a clashing booking next to the time field, naming the clashing slot', async () => {
		const page = await as(demo.receptionA);
		await page.goto(appUrl(CLINIC_A.slug, `/diary/new?clinician=${CHEN}&start=${day}T09:10`));
		await bookingForm(page, patients[1], 'Follow-up');
		await page.getByRole('button', { name: 'Book appointment' }).click();
		const error = page.locator('#book-starts-at-error');
		await error.waitFor();
		expect(await error.textContent()).toBe(
			`Dr. Maya Chen is already booked 09:00–09:20 (Consultation, ${patients[0].family}, ${patients[0].given}). Choose another time.`
		);
		expect(await page.getByLabel('Start').getAttribute('aria-invalid')).toBe('true');
		await page.screenshot({ path: screenshotPath('diary-clash'), fullPage: true });
		expect(
			await sql(`select 1 from public.appointments where patient_id = $1`, [patients[1].id])
		).toHaveLength(0);
	});

	it('moves a booked appointment to another time', async () => {
		const page = await as(demo.receptionA);
		await page.goto(appUrl(CLINIC_A.slug, `/diary/${booked}`));
		await page.getByLabel('New start').fill(`${day}T10:00`);
		await Promise.all([
			page.waitForURL((u) => u.searchParams.get('saved') === 'moved'),
			page.getByRole('button', { name: 'Move appointment' }).click()
		]);
		expect(await page.getByTestId('appointment-when').textContent()).toContain('10:00–10:20');
		const [row] = await sql<{ starts_at: Date }>(
			`select starts_at from public.appointments where id = $1`,
			[booked]
		);
		expect(row.starts_at.toISOString()).toBe(instant(`${day}T10:00`));
	});

	it('cancels with a reason, after a confirmation', async () => {
		const id = await appointment(1, `${day}T09:00`, 20);
		const page = await as(demo.receptionA);
		await page.goto(appUrl(CLINIC_A.slug, `/diary/${id}`));
		await page.getByLabel('Reason for cancelling').fill('Patient asked to rebook');
		await page.getByRole('button', { name: 'Cancel appointment…' }).click();
		await page
			.getByRole('heading', { name: /^Cancel .*appointment on .*09:00–09:20\?$/ })
			.waitFor();
		expect(await sql(`select status from public.appointments where id = $1`, [id])).toEqual([
			{ status: 'booked' }
		]);
		await Promise.all([
			page.waitForURL((u) => u.searchParams.get('saved') === 'cancelled'),
			page.getByRole('button', { name: 'Yes, cancel the appointment' }).click()
		]);
		expect(await page.getByTestId('appointment-details').textContent()).toContain(
			'Patient asked to rebook'
		);
		expect(
			await sql(`select status, cancel_reason from public.appointments where id = $1`, [id])
		).toEqual([{ status: 'cancelled', cancel_reason: 'Patient asked to rebook' }]);
	});

	it('takes a doctor from an arrived appointment to writing the visit in three clicks', async () => {
		const id = await appointment(0, `${today}T18:20`, 10, 'arrived');
		const page = await as(demo.doctorA);
		let clicks = 0;
		const click = async (locator: ReturnType<Page['getByRole']>) => {
			clicks++;
			await locator.click();
		};
		await click(
			page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Diary' })
		);
		await page.waitForURL((u) => u.pathname === '/diary');
		// the doctor's own day opens, as a calendar on this screen
		await click(page.getByRole('button', { name: new RegExp(patients[0].family) }));
		await page.waitForURL((u) => u.pathname === `/diary/${id}`);
		await click(page.getByRole('button', { name: /^Start visit/ }));
		await page.waitForURL((u) => u.pathname === `/patients/${patients[0].id}`);
		expect(clicks).toBe(3);
		// ready to type: the notes of the started visit have the focus
		await expect
			.poll(() => page.evaluate(() => document.activeElement?.getAttribute('name')), {
				timeout: 10_000
			})
			.toBe('notes');
		await page.keyboard.type('Seen from the diary: well.');
		await Promise.all([
			page.waitForURL((u) => u.searchParams.get('saved') === 'note-saved'),
			page.getByRole('button', { name: 'Save draft' }).click()
		]);
		await page.screenshot({ path: screenshotPath('diary-visit-started'), fullPage: true });
		const row = () =>
			sql<{
				clinician_id: string;
				status: string;
				created_by: string;
				notes: string;
				signed_by: string | null;
				appointment_status: string;
			}>(
				`select v.clinician_id, v.status, v.created_by, n.notes, n.signed_by, a.status as appointment_status
				   from public.visits v join public.visit_notes n on n.visit_id = v.id
				   join public.appointments a on a.id = v.appointment_id
				  where v.appointment_id = $1`,
				[id]
			);
		expect((await row())[0]).toEqual({
			clinician_id: CHEN,
			status: 'in_progress',
			created_by: CHEN,
			notes: 'Seen from the diary: well.',
			signed_by: null,
			appointment_status: 'in_progress'
		});
		// the chart's model: the draft is signed, which completes the visit and so the appointment
		const visit = page.getByTestId('visit').filter({ hasText: 'Seen from the diary: well.' });
		await visit.getByRole('link', { name: /^Edit note/ }).click();
		await page.getByRole('button', { name: 'Sign and complete visit…' }).click();
		const confirm = page.getByRole('alertdialog');
		await confirm.waitFor();
		await Promise.all([
			page.waitForURL((u) => u.searchParams.get('saved') === 'note-signed'),
			confirm.getByRole('button', { name: 'Yes, sign' }).click()
		]);
		expect((await row())[0]).toEqual({
			clinician_id: CHEN,
			status: 'completed',
			created_by: CHEN,
			notes: 'Seen from the diary: well.',
			signed_by: CHEN,
			appointment_status: 'completed'
		});
	});

	it('on a phone: a list; the receptionist marks arrival and starts the visit, which stays the doctor’s', async () => {
		const id = await appointment(2, `${today}T17:40`, 10);
		const page = await as(demo.receptionA, { width: 390, height: 844 });
		await page.goto(appUrl(CLINIC_A.slug, `/diary?clinician=${CHEN}`));
		expect(await page.getByTestId('diary-calendar').count()).toBe(0);
		const row = page.locator(`[data-appointment-id="${id}"]`);
		expect(await row.textContent()).toContain('17:40–17:50');
		await row.getByRole('button', { name: /^Arrived/ }).click();
		await page.locator(`[data-appointment-id="${id}"][data-status="arrived"]`).waitFor();
		expect(
			await page.evaluate(() => document.documentElement.scrollWidth <= window.innerWidth)
		).toBe(true);
		await page.screenshot({ path: screenshotPath('diary-phone'), fullPage: true });
		await page
			.locator(`[data-appointment-id="${id}"]`)
			.getByRole('button', { name: /^Start visit/ })
			.click();
		await page.waitForURL((u) => u.pathname === `/patients/${patients[2].id}`);
		const [visit] = await sql<{ clinician_id: string; created_by: string }>(
			`select clinician_id, created_by from public.visits where appointment_id = $1`,
			[id]
		);
		// the receptionist clicked; the visit is the doctor's
		expect(visit).toEqual({ clinician_id: CHEN, created_by: RECEPTION });
	});

	it('works without JavaScript: the list, the patient search and booking', async () => {
		const page = await as(demo.receptionA, undefined, false);
		await page.goto(appUrl(CLINIC_A.slug, `/diary?day=${day}&clinician=${CHEN}`));
		await page.getByTestId('diary-list').waitFor();
		expect(await page.getByTestId('diary-list').textContent()).toContain(patients[0].family);
		await page.getByRole('link', { name: /^Book Dr\. Maya Chen at 10:20/ }).click();
		await page.waitForURL((u) => u.pathname === '/diary/new');
		await page.getByLabel('Find the patient').fill(patients[1].family);
		await page.getByRole('button', { name: 'Search' }).click();
		await page.getByRole('radio', { name: new RegExp(patients[1].family) }).check();
		await page.getByLabel('Type').fill('Blood test');
		await Promise.all([
			page.waitForURL((u) => u.pathname === '/diary' && u.searchParams.has('booked')),
			page.getByRole('button', { name: 'Book appointment' }).click()
		]);
		const [row] = await sql<{ starts_at: Date }>(
			`select starts_at from public.appointments where patient_id = $1 and status = 'booked'`,
			[patients[1].id]
		);
		expect(row.starts_at.toISOString()).toBe(instant(`${day}T10:20`));
	});

	it('says why a patient search cannot run, next to the box, with and without JavaScript', async () => {
		const long = 'Whitfield '.repeat(11); // 110 characters
		for (const js of [true, false]) {
			const page = await as(demo.receptionA, undefined, js);
			await page.goto(appUrl(CLINIC_A.slug, '/diary/new'));
			await page.getByLabel('Find the patient').fill(long);
			if (!js) await page.getByRole('button', { name: 'Search' }).click();
			await expect
				.poll(() => page.locator('#patient-search-error').textContent())
				.toContain('The search is too long');
			await expect
				.poll(() => page.getByLabel('Find the patient').getAttribute('aria-invalid'))
				.toBe('true');
			await page.close();
		}
	});

	it('has no serious accessibility violations: the calendar, the list, booking with an error, an appointment', async () => {
		const id = await appointment(2, `${day}T12:00`, 20);
		const page = await as(demo.receptionA);
		await page.goto(appUrl(CLINIC_A.slug, `/diary?day=${day}&clinician=all`));
		await page.getByTestId('diary-calendar').getByRole('button').first().waitFor();
		// @event-calendar/core 5.15 gives its grid role="table" and puts its toolbar and the event
		// buttons straight into it (axe: aria-required-children on .ec and .ec-body). That one rule on
		// the library's own two elements is left to the library; the list view, one button before the
		// calendar and the default on phones and without JavaScript, is the accessible equivalent.
		const calendar = (await seriousViolations(page))
			.map((v) =>
				v.id === 'aria-required-children'
					? { ...v, nodes: v.nodes.filter((n) => !/^\.ec(-body)?:/.test(n)) }
					: v
			)
			.filter((v) => v.nodes.length > 0);
		expect(calendar, 'diary calendar').toEqual([]);
		await page.getByRole('button', { name: 'List' }).click();
		expect(await seriousViolations(page), 'diary list').toEqual([]);
		await page.goto(appUrl(CLINIC_A.slug, '/diary/new'));
		await page.getByRole('button', { name: 'Book appointment' }).click();
		await page.locator('#book-starts-at-error').waitFor();
		expect(await seriousViolations(page), 'booking form with errors').toEqual([]);
		await page.goto(appUrl(CLINIC_A.slug, `/diary/${id}`));
		expect(await seriousViolations(page), 'appointment').toEqual([]);
	});

	it("lets the clinic admin change the clinic's time zone, audited", async () => {
		const ctx = await launch();
		contexts.push(ctx);
		const page = await signIn(ctx, HOSPITAL.slug, demo.adminB, DEMO_PASSWORD);
		const [{ id: hospital }] = await sql<{ id: string }>(
			`select id from public.organizations where slug = $1`,
			[HOSPITAL.slug]
		);
		try {
			await page.goto(appUrl(HOSPITAL.slug, '/admin/settings'));
			expect(await page.getByTestId('clinic-zone').textContent()).toBe('Europe/Berlin');
			await page.getByLabel('Time zone').selectOption('Asia/Tokyo');
			await page
				.getByRole('region', { name: 'Clinic settings' })
				.getByRole('button', { name: 'Save' })
				.click();
			await page.getByText('Saved. The clinic’s dates and times are now in Asia/Tokyo.').waitFor();
			await expect
				.poll(() => page.getByTestId('clinic-zone').textContent(), { timeout: 10_000 })
				.toBe('Asia/Tokyo');
			// the clock shown is Tokyo's
			const now = (await page.getByTestId('clinic-now').textContent()) ?? '';
			const tokyo = new Intl.DateTimeFormat('en-GB', {
				timeZone: 'Asia/Tokyo',
				hour: '2-digit',
				minute: '2-digit'
			}).format(new Date());
			expect(now.slice(-5).slice(0, 2)).toBe(tokyo.slice(0, 2));
			const audit = await sql<{ changes: unknown }>(
				`select changes from public.audit_log
				  where organization_id = $1 and table_name = 'organizations' order by id desc limit 1`,
				[hospital]
			);
			expect(audit).toEqual([
				{ changes: { old: { time_zone: 'Europe/Berlin' }, new: { time_zone: 'Asia/Tokyo' } } }
			]);
		} finally {
			await sql(`update public.organizations set time_zone = 'Europe/Berlin' where id = $1`, [
				hospital
			]);
		}
	});
});
