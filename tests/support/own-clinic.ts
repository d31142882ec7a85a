/**
 * A clinic of its own for one browser test file (the admin console's tests change its settings,
 * fields and audit trail): made before the file's own `beforeAll` hooks, with an admin signed in
 * and, unless told otherwise, a doctor signed in in another browser; the clinic (with all its rows)
 * and the people are deleted, the browsers closed, after the file.
 */
import { afterAll, beforeAll } from 'vitest';
import type { BrowserContext, Page } from 'playwright-core';
import { launch, signIn } from './browser.ts';
import { testStaff } from './people.ts';
import { sql } from './stack.ts';

type Person = { id: string; email: string };

export interface OwnClinic {
	id: string;
	slug: string;
	admin: Person;
	/** The admin's page, signed in at the clinic's address. */
	adminPage: Page;
	/** A doctor of the clinic (not an admin), when asked for. */
	doctor: Person;
	/** The doctor's browser, signed in at the clinic's address. */
	doctorBrowser: BrowserContext;
	/** Creates another member of the clinic (deleted with the others). */
	addStaff(role: string): Promise<Person>;
}

export function ownClinic(
	prefix: string,
	name: string,
	password: string,
	{ withDoctor = true } = {}
): OwnClinic {
	const staff = testStaff(password);
	const browsers: BrowserContext[] = [];
	const clinic = {
		slug: `${prefix}-${Date.now().toString(36)}`,
		addStaff: (role: string) => staff.create(role, { organizationSlug: clinic.slug })
	} as OwnClinic;
	/** Signs `person` in, in a browser of their own. */
	const signedIn = async (person: Person) => {
		const browser = await launch();
		browsers.push(browser);
		return { browser, page: await signIn(browser, clinic.slug, person.email, password) };
	};

	beforeAll(async () => {
		[{ id: clinic.id }] = await sql<{ id: string }>(
			`insert into public.organizations (slug, name, plan_id) values ($1, $2, 'clinic') returning id`,
			[clinic.slug, name]
		);
		clinic.admin = await clinic.addStaff('admin');
		clinic.adminPage = (await signedIn(clinic.admin)).page;
		if (withDoctor) {
			clinic.doctor = await clinic.addStaff('doctor');
			const doctor = await signedIn(clinic.doctor);
			await doctor.page.close();
			clinic.doctorBrowser = doctor.browser;
		}
	});
	afterAll(async () => {
		for (const browser of browsers) await browser.close();
		if (clinic.id) await sql('delete from public.organizations where id = $1', [clinic.id]);
	});
	return clinic;
}
