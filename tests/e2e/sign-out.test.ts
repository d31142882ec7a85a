/**
 * Signing out closes every clinic address (docs/security.md, "Sessions"): a person signed in at two
 * clinics' addresses in one browser signs out at one; the other address's next page sends them to
 * sign in, and Back on the first shows no patient data (pages for signed-in people are no-store).
 */
import { beforeAll, describe, expect } from 'vitest';
import { appUrl, browserTest as it, screenshotPath, signIn } from '../support/browser.ts';
import { CLINIC_A, HOSPITAL } from '../support/demo.ts';
import { testStaff } from '../support/people.ts';
import { sql } from '../support/stack.ts';

const PASSWORD = 'Sign-out-pass-1';

describe('signing out of every clinic address', () => {
	const staff = testStaff(PASSWORD);
	let person: { id: string; email: string };
	let patientName: string;

	beforeAll(async () => {
		person = await staff.create('doctor', { prefix: 'sign-out' });
		await sql(
			`insert into public.memberships (organization_id, user_id, role)
			 select id, $1, 'doctor' from public.organizations where slug = $2`,
			[person.id, HOSPITAL.slug]
		);
		[{ family_name: patientName }] = await sql<{ family_name: string }>(
			`select p.family_name from public.patients p join public.organizations o on o.id = p.organization_id
			  where o.slug = $1 and p.archived_at is null order by p.search_name limit 1`,
			[CLINIC_A.slug]
		);
	});

	it('signs out at one address; the other address and Back show nothing', async ({ browser }) => {
		const atB = await signIn(browser, HOSPITAL.slug, person.email, PASSWORD);
		expect(new URL(atB.url()).pathname).toBe('/dashboard');
		const atA = await signIn(browser, CLINIC_A.slug, person.email, PASSWORD);
		const patients = await atA.goto(appUrl(CLINIC_A.slug, '/patients'));
		expect(patients?.headers()['cache-control']).toContain('no-store');
		expect(await atA.textContent('main')).toContain(patientName);

		await atA.getByRole('button', { name: 'Sign out' }).click();
		await atA.waitForURL((u) => u.pathname === '/sign-in');
		expect(await atA.textContent('main')).toContain('You are signed out.');

		// Back: the patient list is not shown again from any cache
		await atA.goBack();
		await atA.waitForLoadState('load');
		expect(new URL(atA.url()).pathname).toBe('/sign-in');
		expect(await atA.textContent('body')).not.toContain(patientName);
		await atA.screenshot({ path: screenshotPath('back-after-sign-out'), fullPage: true });

		// the other clinic's address still has its cookie, but its session has ended
		await atB.goto(appUrl(HOSPITAL.slug, '/patients'));
		await atB.waitForURL((u) => u.pathname === '/sign-in');
		expect(await atB.textContent('main')).toContain('You are signed out.');
		await atB.goto(appUrl(HOSPITAL.slug, '/dashboard'));
		expect(new URL(atB.url()).pathname).toBe('/sign-in');
	});
});
