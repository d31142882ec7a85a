/**
 * Patient data hygiene in the portal (issue 17, point 3): a date of birth in the future or before
 * 1900 is refused next to the field (in the browser and by the server); a likely duplicate (same
 * names and date of birth) is shown with a link to the existing chart before saving, on registration
 * and when an edit would make a patient look like another one, and saving anyway is an explicit
 * choice; a page past the end of the list goes to the last page; search
 * treats `%`, `_` and `'` as literals, finds a given name alone, and says when a query is too long.
 */
import { afterAll, describe, expect } from 'vitest';
import type { Page } from 'playwright-core';
import { appUrl, browserTest as it, postForm, signIn } from '../support/browser.ts';
import { CLINIC_A, DEMO_PASSWORD, demo } from '../support/demo.ts';
import { sql } from '../support/stack.ts';

function letters(n: number): string {
	return Array.from({ length: n }, () =>
		String.fromCharCode(97 + Math.floor(Math.random() * 26))
	).join('');
}
const run = letters(8);
const family = `Hygiene${run}`;

/** The test's patients (all of its family name, in any case). */
async function stored(): Promise<number> {
	const [{ n }] = await sql<{ n: number }>(
		`select count(*)::int as n from public.patients where lower(family_name) = lower($1)`,
		[family]
	);
	return n;
}

async function register(page: Page, given: string, dob: string, familyName = family) {
	await page.goto(appUrl(CLINIC_A.slug, '/patients/new'));
	await page.getByLabel('Given name').fill(given);
	await page.getByLabel('Family name').fill(familyName);
	await page.getByLabel('Date of birth').fill(dob);
	await page.getByRole('button', { name: 'Register patient' }).click();
}

describe('patient data hygiene', () => {
	afterAll(async () => {
		await sql(`delete from public.patients where lower(family_name) = lower($1)`, [family]);
	});

	it('a date of birth in the future or before 1900 is refused next to the field', async ({
		browser
	}) => {
		const page = await signIn(browser, CLINIC_A.slug, demo.receptionA, DEMO_PASSWORD);
		await register(page, 'Future', '2099-01-01');
		const error = page.locator('#field-date_of_birth-error');
		await error.waitFor();
		expect(await error.textContent()).toContain('cannot be in the future');
		expect(page.url()).toContain('/patients/new');

		// the server says the same without JavaScript, and refuses dates before 1900 too
		for (const [given, dob, message] of [
			['Future', '2099-01-01', 'A date of birth cannot be in the future.'],
			['Old', '1899-12-31', 'Enter a date of birth from 1900 onwards.']
		]) {
			const server = await postForm(page, '/patients/new?/create', {
				given_name: given,
				family_name: family,
				date_of_birth: dob,
				sex: 'unknown'
			});
			expect(server.status, dob).toBe(400);
			expect(server.text).toContain(message);
		}
		expect(await stored()).toBe(0);
	});

	it('a likely duplicate is shown with a link to its chart; saving anyway is explicit', async ({
		browser
	}) => {
		const page = await signIn(browser, CLINIC_A.slug, demo.receptionA, DEMO_PASSWORD);
		await register(page, 'Dana', '1977-05-06');
		await page.waitForURL((u) => /^\/patients\/[0-9a-f-]{36}$/.test(u.pathname));
		const firstId = new URL(page.url()).pathname.split('/').pop();

		// the same person, typed differently (case, spaces)
		await register(page, '  dana ', '1977-05-06', family.toUpperCase());
		const warning = page.getByTestId('likely-duplicates');
		await warning.waitFor();
		expect(await warning.textContent()).toContain('same name and date of birth');
		expect(await warning.getByRole('link').getAttribute('href')).toBe(`/patients/${firstId}`);
		expect(page.url()).toContain('/patients/new');
		expect(await stored(), 'nothing saved before the choice').toBe(1);

		await page.getByLabel('This is a different person: register a new patient anyway.').check();
		await Promise.all([
			page.waitForURL((u) => /^\/patients\/[0-9a-f-]{36}$/.test(u.pathname)),
			page.getByRole('button', { name: 'Register patient' }).click()
		]);
		expect(await stored()).toBe(2);
	});

	it('the edit page warns when an edit would make the patient a likely duplicate of another one', async ({
		browser
	}) => {
		const page = await signIn(browser, CLINIC_A.slug, demo.receptionA, DEMO_PASSWORD);
		const [erin, erik] = await sql<{ id: string }>(
			`insert into public.patients (organization_id, given_name, family_name, date_of_birth)
			 select o.id, g.given, $1, '1966-06-06' from public.organizations o,
			        (values (1, 'Erin'), (2, 'Erik')) g(n, given)
			  where o.slug = $2 order by g.n returning id`,
			[family, CLINIC_A.slug]
		);
		const given = async () =>
			(
				await sql<{ given_name: string }>('select given_name from public.patients where id = $1', [
					erik.id
				])
			)[0].given_name;
		const save = () => page.getByRole('button', { name: 'Save changes' }).click();
		const saved = page.locator('form').getByText('Saved.');
		const warning = page.getByTestId('likely-duplicates');

		// not a duplicate of anyone: an ordinary save (the patient never matches itself)
		await page.goto(appUrl(CLINIC_A.slug, `/patients/${erik.id}/edit`));
		await page.getByLabel('Phone').fill('+1 555 0199');
		await save();
		await saved.waitFor();
		expect(await warning.count()).toBe(0);

		// the edit makes Erik look like Erin: shown with a link to Erin's chart, nothing saved yet
		await page.goto(appUrl(CLINIC_A.slug, `/patients/${erik.id}/edit`));
		await page.getByLabel('Given name').fill(' erin ');
		await save();
		await warning.waitFor();
		expect(await warning.textContent()).toContain('same name and date of birth');
		const links = await warning
			.getByRole('link')
			.evaluateAll((as) => as.map((a) => a.getAttribute('href')));
		expect(links).toEqual([`/patients/${erin.id}`]);
		expect(await given(), 'nothing saved before the choice').toBe('Erik');
		expect(page.url()).toContain(`/patients/${erik.id}/edit`);

		// saving anyway is an explicit choice
		await page.getByLabel('This is a different person: save the changes anyway.').check();
		await save();
		await saved.waitFor();
		expect(await given()).toBe('erin');
		expect(await warning.count()).toBe(0);

		// a later edit that does not make them alike again is not asked about again
		await page.goto(appUrl(CLINIC_A.slug, `/patients/${erik.id}/edit`));
		await page.getByLabel('Phone').fill('+1 555 0198');
		await save();
		await saved.waitFor();
		expect(await warning.count()).toBe(0);
	});

	it('search: literals, a given name alone, a query too long; a page past the end', async ({
		browser
	}) => {
		const page = await signIn(browser, CLINIC_A.slug, demo.receptionA, DEMO_PASSWORD);
		await sql(
			`insert into public.patients (organization_id, given_name, family_name, date_of_birth)
			 select id, $2, $1, '1960-02-03' from public.organizations where slug = $3`,
			[family, `Zoltan${run}`, CLINIC_A.slug]
		);
		const search = async (q: string) => {
			await page.goto(appUrl(CLINIC_A.slug, `/patients?q=${encodeURIComponent(q)}`));
			return (await page.locator('main').textContent()) ?? '';
		};
		for (const q of ["'", '%', '_']) {
			const text = await search(q);
			expect(text, q).toContain(`No patients match “${q}”`);
		}
		expect(await search(`zoltan${run}`)).toContain(family);
		const long = await search('a'.repeat(500));
		expect(long).toContain('The search is too long (500 characters). Use at most 100');
		expect(await page.getByLabel('Search patients').inputValue()).toHaveLength(500);

		const res = await page.goto(appUrl(CLINIC_A.slug, '/patients?page=99999'));
		expect(res?.status()).toBe(200);
		const url = new URL(page.url());
		const last = Number(url.searchParams.get('page') ?? '1');
		expect(last).toBeGreaterThanOrEqual(1);
		expect(last).toBeLessThan(99999);
		expect(await page.locator('tbody tr').count()).toBeGreaterThan(0);
		expect(await page.getByRole('link', { name: 'Next' }).count()).toBe(0);

		await page.goto(appUrl(CLINIC_A.slug, `/patients?q=zoltan${run}&page=50`));
		expect(new URL(page.url()).searchParams.get('page')).toBeNull();
		expect(await page.locator('main').textContent()).toContain(family);
	});
});
