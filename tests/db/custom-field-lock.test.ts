/**
 * A clinic admin's custom-field change waits for, and holds back, patient writes of the same clinic
 * only (a per-clinic lock), never another clinic's.
 */
import { expect, test } from 'vitest';
import { adminDb } from '../support/stack.ts';

const CLINIC_A = 'a0a0a0a0-0000-4000-8000-000000000001';
const HOSPITAL = 'b0b0b0b0-0000-4000-8000-000000000002';

const insertPatient = `insert into public.patients (organization_id, given_name, family_name, custom_fields)
	values ($1, 'Lock', 'Probe', '{}'::jsonb)`;

function settled(p: Promise<unknown>, ms: number): Promise<boolean> {
	return Promise.race([
		p.then(
			() => true,
			() => true
		),
		new Promise<boolean>((r) => setTimeout(() => r(false), ms))
	]);
}

test('a field-definition check locks patient writes of its own clinic only', async () => {
	const [admin, sameClinic, otherClinic] = [adminDb(), adminDb(), adminDb()];
	await Promise.all([admin.connect(), sameClinic.connect(), otherClinic.connect()]);
	try {
		await admin.query('begin');
		// A new active field with a format: the guard checks existing values under the clinic lock.
		await admin.query(
			`insert into public.patient_field_definitions (organization_id, key, label, field_type, format_kind, format_mask)
			 values ($1, 'zz_lock_probe', 'Lock probe', 'text', 'mask', 'x9')`,
			[CLINIC_A]
		);
		await sameClinic.query('begin');
		await otherClinic.query('begin');
		const other = otherClinic.query(insertPatient, [HOSPITAL]).catch((e: Error) => e);
		const same = sameClinic.query(insertPatient, [CLINIC_A]).catch((e: Error) => e);
		expect(await settled(other, 3000)).toBe(true);
		expect(await settled(same, 500)).toBe(false);
		await admin.query('rollback');
		expect(await settled(same, 5000)).toBe(true);
	} finally {
		await Promise.all(
			[admin, sameClinic, otherClinic].map(async (c) => {
				await c.query('rollback').catch(() => {});
				await c.end();
			})
		);
	}
});
