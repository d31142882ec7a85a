/**
 * Tenant isolation end to end: real sign-ins through the local Auth (custom access token hook),
 * then the Data API and Storage with each clinic's credentials, exactly as the portal uses them.
 */
import { createClient, type SupabaseClient } from '@supabase/supabase-js';
import { beforeAll, describe, expect, it } from 'vitest';
import { DEMO_PASSWORD, demo } from '../support/demo.ts';
import { createStaff, deleteUser } from '../support/people.ts';
import { adminDb, anonClient, API_URL, keys, mintToken } from '../support/stack.ts';
import { signedIn } from './accounts.ts';

const CLINIC_A = 'a0a0a0a0-0000-4000-8000-000000000001';
const HOSPITAL = 'b0b0b0b0-0000-4000-8000-000000000002';
/** Tables of the chart a receptionist or another clinic never reads (docs/permissions.md). */
const CLINICAL_TABLES = [
	'visit_notes',
	'lab_orders',
	'prescriptions',
	'allergies',
	'no_known_allergies',
	'problems',
	'note_templates',
	'visit_note_amendments',
	'lab_result_amendments',
	'prescription_dispenses'
];
const PNG = Buffer.from(
	'89504e470d0a1a0a0000000d4948445200000001000000010806000000' +
		'1f15c4890000000d49444154789c6360000002000154a24f5d0000000049454e44ae426082',
	'hex'
);

async function claimsOf(c: SupabaseClient) {
	const { data, error } = await c.auth.getClaims();
	if (error || !data) throw new Error(`getClaims: ${error?.message}`);
	return data.claims as Record<string, unknown>;
}

describe('tenant isolation through the gateway', () => {
	let doctorA: SupabaseClient;
	let doctorB: SupabaseClient;
	let adminA: SupabaseClient;
	beforeAll(async () => {
		[doctorA, doctorB, adminA] = await Promise.all([
			signedIn(demo.doctorA, DEMO_PASSWORD),
			signedIn(demo.doctorB, DEMO_PASSWORD),
			signedIn(demo.adminA, DEMO_PASSWORD)
		]);
	});

	it('the hook puts the active clinic and role in the verified token', async () => {
		const claims = await claimsOf(doctorA);
		expect(claims.organization_id).toBe(CLINIC_A);
		expect(claims.org_role).toBe('doctor');
		expect((await claimsOf(doctorB)).organization_id).toBe(HOSPITAL);
		const platform = await claimsOf(await signedIn(demo.platform, DEMO_PASSWORD));
		expect(platform.is_platform_admin).toBe(true);
		expect(platform.organization_id).toBeUndefined();
	});

	it("each clinic reads only its own patients, and cannot read another's by id", async () => {
		const [{ data: a, error: ea }, { data: b, error: eb }] = await Promise.all([
			doctorA.from('patients').select('id, organization_id'),
			doctorB.from('patients').select('id, organization_id')
		]);
		expect(ea).toBeNull();
		expect(eb).toBeNull();
		expect(a!.length).toBeGreaterThan(0);
		expect(b!.length).toBeGreaterThan(0);
		expect(new Set(a!.map((r) => r.organization_id))).toEqual(new Set([CLINIC_A]));
		expect(new Set(b!.map((r) => r.organization_id))).toEqual(new Set([HOSPITAL]));
		const { data: peek } = await doctorB.from('patients').select('id').eq('id', a![0].id);
		expect(peek).toEqual([]);
		// An explicit filter on the other clinic returns nothing either: RLS, not the filter, decides.
		const { data: forced } = await doctorB
			.from('patients')
			.select('id')
			.eq('organization_id', CLINIC_A);
		expect(forced).toEqual([]);
	});

	it("refuses writing a record into another clinic or pointing at another clinic's patient", async () => {
		const { data: pa } = await doctorA.from('patients').select('id').limit(1).single();
		const { error: hop } = await doctorB
			.from('visits')
			.insert({ organization_id: CLINIC_A, patient_id: pa!.id, reason: 'hop' });
		expect(hop?.code).toBe('42501');
		const { error: cross } = await doctorB
			.from('visits')
			.insert({ patient_id: pa!.id, reason: 'cross' });
		expect(cross).not.toBeNull();
		const { data: mine } = await doctorA.from('visits').select('id').limit(1).single();
		const { data: moved, error: moveError } = await doctorA
			.from('visits')
			.update({ organization_id: HOSPITAL })
			.eq('id', mine!.id)
			.select('id');
		expect(moveError !== null || (moved ?? []).length === 0).toBe(true);
		const { data: still } = await doctorA
			.from('visits')
			.select('organization_id')
			.eq('id', mine!.id)
			.single();
		expect(still!.organization_id).toBe(CLINIC_A);
	});

	it('anon reads no clinic data and cannot list clinics', async () => {
		const anon = anonClient();
		for (const table of [
			'organizations',
			'memberships',
			'profiles',
			'patients',
			'visits',
			'appointments',
			...CLINICAL_TABLES,
			'audit_log'
		]) {
			const { data, error } = await anon.from(table).select('*').limit(5);
			expect(error !== null || (data ?? []).length === 0, table).toBe(true);
		}
		const { data: branding } = await anon.rpc('get_branding', { clinic_slug: 'clinic-a' });
		expect(branding).toHaveLength(1);
		expect(Object.keys(branding![0]).sort()).toEqual(
			['logo_path', 'name', 'sign_in_message', 'slug', 'status', 'theme_color', 'type'].sort()
		);
	});

	it('a signed-in person with no clinic sees nothing', async () => {
		const token = mintToken({
			sub: '00000000-0000-4000-8000-00000000ffff',
			email: 'nobody@example.test'
		});
		const scoped = createClient(API_URL, keys.publishableKey, {
			global: { headers: { Authorization: `Bearer ${token}` } },
			auth: { persistSession: false }
		});
		for (const table of [
			'organizations',
			'memberships',
			'patients',
			'visits',
			'appointments',
			...CLINICAL_TABLES,
			'audit_log'
		]) {
			const { data } = await scoped.from(table).select('*').limit(5);
			expect(data ?? [], table).toEqual([]);
		}
		const { data: patient } = await adminA.from('patients').select('id').limit(1).single();
		const meds = await scoped.rpc('current_medications', { patient_id: patient!.id });
		expect(meds.data ?? [], 'current_medications').toEqual([]);
	});

	it("another clinic's doctor reads none of the chart: notes, orders, prescriptions, safety summary, history", async () => {
		const db = adminDb();
		await db.connect();
		let withRows = 0;
		try {
			for (const table of CLINICAL_TABLES) {
				const { rows } = await db.query<{ n: number }>(
					`select count(*)::int as n from public.${table} where organization_id = $1`,
					[CLINIC_A]
				);
				// clinic A's admin reads all of its own rows (the seed has some in most of these tables)
				const own = await adminA.from(table).select('organization_id');
				expect(own.error, table).toBeNull();
				expect(own.data!.length, table).toBe(rows[0].n);
				withRows += rows[0].n > 0 ? 1 : 0;
				expect(
					own.data!.filter((r) => r.organization_id !== CLINIC_A),
					table
				).toEqual([]);
				// B's doctor, even filtering on clinic A, reads none of them
				const peek = await doctorB.from(table).select('*').eq('organization_id', CLINIC_A);
				expect(peek.data ?? [], table).toEqual([]);
			}
		} finally {
			await db.end();
		}
		expect(withRows).toBeGreaterThanOrEqual(CLINICAL_TABLES.length - 1);
		const { data: patients } = await adminA.from('patients').select('id');
		for (const p of patients!) {
			const meds = await doctorB.rpc('current_medications', { patient_id: p.id });
			expect(meds.error).toBeNull();
			expect(meds.data).toEqual([]);
		}
		// while clinic A's doctor sees the current medications of A's patients
		let seen = 0;
		for (const p of patients!) {
			const meds = await doctorA.rpc('current_medications', { patient_id: p.id });
			expect(meds.error).toBeNull();
			seen += (meds.data ?? []).length;
		}
		expect(seen).toBeGreaterThan(0);
	});

	it('forged claims for another clinic do not open it (the live membership decides)', async () => {
		const { data: me } = await doctorA.auth.getUser();
		const forged = mintToken({ sub: me.user!.id, organization_id: HOSPITAL, org_role: 'admin' });
		const c = createClient(API_URL, keys.publishableKey, {
			global: { headers: { Authorization: `Bearer ${forged}` } },
			auth: { persistSession: false }
		});
		const { data } = await c.from('patients').select('id');
		expect(data ?? []).toEqual([]);
	});

	it('removing a membership takes effect on the very next request with the same token', async () => {
		const person = await createStaff({
			organizationSlug: 'clinic-a',
			role: 'nurse',
			password: 'Nurse-password-1'
		});
		try {
			const c = await signedIn(person.email, 'Nurse-password-1');
			const before = await c.from('patients').select('id').limit(1);
			expect(before.data!.length).toBe(1);
			const db = adminDb();
			await db.connect();
			await db.query(`update public.memberships set status = 'removed' where user_id = $1`, [
				person.id
			]);
			await db.end();
			const after = await c.from('patients').select('id').limit(1);
			expect(after.data ?? []).toEqual([]);
		} finally {
			const db = adminDb();
			await db.connect();
			await db.query('delete from public.memberships where user_id = $1', [person.id]);
			await db.end();
			await deleteUser(person.id);
		}
	});

	it('switching clinics verifies the membership and reaches the token at the next refresh', async () => {
		const both = await signedIn(demo.both, DEMO_PASSWORD);
		const { error: refused } = await both.rpc('switch_organization', {
			org_id: '00000000-0000-4000-8000-000000000bad'
		});
		expect(refused?.code).toBe('42501');
		const { error } = await both.rpc('switch_organization', { org_id: HOSPITAL });
		expect(error).toBeNull();
		await both.auth.refreshSession();
		const claims = await claimsOf(both);
		expect(claims.organization_id).toBe(HOSPITAL);
		expect(claims.org_role).toBe('admin');
		await both.rpc('switch_organization', { org_id: CLINIC_A });
	});

	it("branding storage: an admin writes only in their clinic's folder; the logo is public", async () => {
		// logos live under the clinic's slug: their public URL must not show the clinic's id
		const path = `clinic-a/api-test-${Date.now()}.png`;
		const up = await adminA.storage
			.from('branding')
			.upload(path, PNG, { contentType: 'image/png' });
		expect(up.error).toBeNull();
		try {
			for (const [what, c, refused] of [
				["A's admin into B's folder", adminA, 'city-hospital/intrusion.png'],
				["A's admin under the clinic's id", adminA, `${CLINIC_A}/by-id.png`],
				["A's doctor", doctorA, 'clinic-a/doctor.png']
			] as const) {
				const r = await c.storage
					.from('branding')
					.upload(refused, PNG, { contentType: 'image/png' });
				expect(r.error, what).not.toBeNull();
			}
			const svg = await adminA.storage
				.from('branding')
				.upload(`clinic-a/evil.svg`, Buffer.from('<svg/>'), { contentType: 'image/svg+xml' });
			expect((svg.error as { statusCode?: string } | null)?.statusCode).toBe('415');
			const publicUrl = anonClient().storage.from('branding').getPublicUrl(path).data.publicUrl;
			const res = await fetch(publicUrl);
			expect(res.status).toBe(200);
			expect(Buffer.from(await res.arrayBuffer()).equals(PNG)).toBe(true);
			const removeByB = await doctorB.storage.from('branding').remove([path]);
			expect(removeByB.data ?? []).toEqual([]);
			expect((await fetch(publicUrl)).status).toBe(200);
		} finally {
			await adminA.storage.from('branding').remove([path]);
		}
	});
});
