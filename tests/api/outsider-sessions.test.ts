/**
 * Closed doors stay closed (docs/security.md, "Sessions"): through the real Auth and Data API with
 * supabase-js. Removing someone from their last clinic, suspending their membership, or suspending
 * their clinic ends their Auth sessions at once: the refresh token fails right after, on every
 * device, and the access token they still hold opens nothing. Someone who still works at another
 * clinic keeps the session. A global sign-out on one clinic address ends the sessions that other
 * addresses hold, and their unexpired access tokens open nothing from the next request on.
 */
import { isAuthSessionMissingError, type SupabaseClient } from '@supabase/supabase-js';
import { afterAll, describe, expect, it } from 'vitest';
import { DEMO_PASSWORD, demo } from '../support/demo.ts';
import { createStaff, deleteUser } from '../support/people.ts';
import { sql } from '../support/stack.ts';
import { signedIn } from './accounts.ts';

const PASSWORD = 'Session-pass-1';
const people: string[] = [];

async function staff(slug: string, role: string) {
	const p = await createStaff({
		organizationSlug: slug,
		role,
		password: PASSWORD,
		prefix: 'session'
	});
	people.push(p.id);
	return p;
}

/** What a holder of this client can still do: refresh, and read patients with the token it has. */
/** One person signed in twice, one after the other (two devices, each with its own session). */
async function twoSessions(email: string) {
	return [await signedIn(email, PASSWORD), await signedIn(email, PASSWORD)] as const;
}

async function refreshes(c: SupabaseClient) {
	const { error } = await c.auth.refreshSession();
	return error === null;
}
async function patientsVisible(c: SupabaseClient) {
	const { data } = await c.from('patients').select('id').limit(1);
	return (data ?? []).length;
}

afterAll(async () => {
	for (const id of people) await deleteUser(id);
});

describe('sessions end with the last clinic', () => {
	it('an admin removing someone from their only clinic ends every session of theirs at once', async () => {
		const nurse = await staff('clinic-a', 'nurse');
		const [laptop, phone] = await twoSessions(nurse.email);
		expect(await patientsVisible(laptop)).toBe(1);
		const admin = await signedIn(demo.adminA, DEMO_PASSWORD);
		const { data: removed, error } = await admin
			.from('memberships')
			.delete()
			.eq('user_id', nurse.id)
			.select('id');
		expect(error).toBeNull();
		expect(removed).toHaveLength(1);

		expect(await patientsVisible(laptop)).toBe(0);
		// Auth answers 403 session_not_found, which supabase-js reports as a missing session
		const { error: userError } = await phone.auth.getUser();
		expect(isAuthSessionMissingError(userError)).toBe(true);
		expect(await refreshes(laptop)).toBe(false);
		expect(await refreshes(phone)).toBe(false);
		expect(await sql('select 1 from auth.sessions where user_id = $1', [nurse.id])).toEqual([]);
		expect(await sql('select 1 from auth.refresh_tokens where user_id = $1', [nurse.id])).toEqual(
			[]
		);
	});

	it('suspending a membership ends the sessions too; signing in again works once reinstated', async () => {
		const clerk = await staff('clinic-a', 'receptionist');
		const c = await signedIn(clerk.email, PASSWORD);
		const admin = await signedIn(demo.adminA, DEMO_PASSWORD);
		const { error } = await admin
			.from('memberships')
			.update({ status: 'suspended' })
			.eq('user_id', clerk.id)
			.select('id')
			.single();
		expect(error).toBeNull();
		expect(await refreshes(c)).toBe(false);
		await admin.from('memberships').update({ status: 'active' }).eq('user_id', clerk.id);
		const again = await signedIn(clerk.email, PASSWORD);
		expect(await patientsVisible(again)).toBe(1);
	});

	it('someone who still works at another clinic keeps the session; only the removed clinic closes', async () => {
		const both = await staff('clinic-a', 'doctor');
		await sql(
			`insert into public.memberships (organization_id, user_id, role)
			 select id, $1, 'doctor' from public.organizations where slug = 'city-hospital'`,
			[both.id]
		);
		const c = await signedIn(both.email, PASSWORD);
		const admin = await signedIn(demo.adminA, DEMO_PASSWORD);
		await admin.from('memberships').delete().eq('user_id', both.id);

		expect(await patientsVisible(c)).toBe(0);
		expect(await refreshes(c)).toBe(true);
		const { data: clinics } = await c.rpc('my_organizations');
		expect((clinics ?? []).map((o: { slug: string }) => o.slug)).toEqual(['city-hospital']);
		const { error } = await c.rpc('switch_organization', {
			org_id: 'b0b0b0b0-0000-4000-8000-000000000002'
		});
		expect(error).toBeNull();
		expect(await refreshes(c)).toBe(true);
		expect(await patientsVisible(c)).toBe(1);
	});

	it('suspending a clinic ends the sessions of its staff', async () => {
		const slug = `session-clinic-${Date.now().toString(36)}`;
		await sql(`insert into public.organizations (slug, name) values ($1, 'Session clinic')`, [
			slug
		]);
		try {
			const doctor = await staff(slug, 'doctor');
			const c = await signedIn(doctor.email, PASSWORD);
			expect(await refreshes(c)).toBe(true);
			const platform = await signedIn(demo.platform, DEMO_PASSWORD);
			const [{ id }] = await sql('select id from public.organizations where slug = $1', [slug]);
			const { error } = await platform.rpc('platform_set_clinic_status', {
				organization_id: id,
				status: 'suspended',
				reason: 'Session test suspension'
			});
			expect(error).toBeNull();
			expect(await refreshes(c)).toBe(false);
		} finally {
			await sql('delete from public.organizations where slug = $1', [slug]);
		}
	});
});

describe('signing out', () => {
	it('a global sign-out at one address ends the sessions other addresses hold, at once', async () => {
		const doctor = await staff('clinic-a', 'doctor');
		// signed in separately at two addresses (each keeps its own cookie, so its own session)
		const [hereA, thereB] = await twoSessions(doctor.email);
		expect(await patientsVisible(thereB)).toBe(1);
		const { error } = await hereA.auth.signOut({ scope: 'global' });
		expect(error).toBeNull();
		// the other address's access token has not expired, yet it opens nothing any more
		expect(await patientsVisible(thereB)).toBe(0);
		const { data: clinics } = await thereB.rpc('my_organizations');
		expect(clinics).toEqual([]);
		expect(await refreshes(thereB)).toBe(false);
	});

	it('a local sign-out leaves the person’s other sessions alone', async () => {
		const doctor = await staff('clinic-a', 'doctor');
		const [one, two] = await twoSessions(doctor.email);
		await one.auth.signOut({ scope: 'local' });
		expect(await patientsVisible(two)).toBe(1);
		expect(await refreshes(two)).toBe(true);
	});
});
