import { describe, expect, it } from 'vitest';
import { sentence, type SentenceContext, type TrailEntry } from './audit-sentences';

const MAYA = '00000000-0000-4000-8000-00000000a002';
const TOM = '00000000-0000-4000-8000-00000000a003';
const PATIENT = '11111111-0000-4000-8000-000000000001';

const ctx: SentenceContext = {
	people: new Map([
		[MAYA, 'Dr Maya Chen'],
		[TOM, 'Tom Okafor']
	]),
	fieldLabels: { blood_type: 'Blood type' },
	timeZone: 'UTC'
};

function entry(e: Partial<TrailEntry>): TrailEntry {
	return {
		id: 1,
		created_at: '2026-12-03T14:05:00Z',
		actor_id: MAYA,
		action: 'update',
		table_name: 'patients',
		row_id: PATIENT,
		changes: {},
		actor_kind: 'staff',
		actor_name: 'Dr Maya Chen',
		patient_id: PATIENT,
		patient_name: 'Eleanor Whitfield',
		patient_mrn: 'MRN-000001',
		...e
	};
}

describe('audit trail sentences', () => {
	it('names the person and the patient of a chart opening', () => {
		expect(sentence(entry({ action: 'view' }), ctx)).toBe(
			'Dr Maya Chen opened the chart of Eleanor Whitfield (MRN-000001)'
		);
	});

	it('names a platform admin’s support access with its length and reason', () => {
		const grant = entry({
			action: 'insert',
			table_name: 'support_access_grants',
			actor_id: 'd1',
			actor_kind: 'platform',
			actor_name: 'Pat Morgan',
			patient_id: null,
			patient_name: null,
			changes: {
				platform_action: 'support.start',
				new: {
					platform_admin_id: 'd1',
					reason: 'Ticket 4711: lab results missing',
					starts_at: '2026-12-03T14:00:00+00:00',
					expires_at: '2026-12-03T14:30:00+00:00'
				}
			}
		});
		expect(sentence(grant, ctx)).toBe(
			'Pat Morgan (platform support) opened read-only access for 30 minutes: reason “Ticket 4711: lab results missing”'
		);
		const view = entry({ action: 'view', actor_kind: 'platform', actor_name: 'Pat Morgan' });
		expect(sentence(view, ctx)).toBe(
			'Pat Morgan (platform support) opened the chart of Eleanor Whitfield (MRN-000001)'
		);
		const end = entry({
			table_name: 'support_access_grants',
			actor_kind: 'platform',
			actor_name: 'Pat Morgan',
			patient_name: null,
			patient_id: null,
			changes: { platform_action: 'support.end', why: 'ended', new: { ended_at: 'x' } }
		});
		expect(sentence(end, ctx)).toBe('Pat Morgan (platform support) ended read-only access');
	});

	it('shows changed fields by label, custom fields by the clinic’s label, no column names', () => {
		const e = entry({
			changes: {
				old: { phone: null, custom_fields: { blood_type: 'A+', nhi: 'ABC1234' } },
				new: { phone: '+44 20 7946 0001', custom_fields: { blood_type: 'B+', nhi: 'ABC1234' } }
			}
		});
		expect(sentence(e, ctx)).toBe(
			'Dr Maya Chen changed the details of Eleanor Whitfield (MRN-000001): Phone from (empty) to “+44 20 7946 0001”; Blood type from “A+” to “B+”'
		);
	});

	it('names staff by their name, statuses by their label, moments in the clinic’s zone', () => {
		const visit = entry({
			table_name: 'visits',
			changes: {
				old: { status: 'scheduled', clinician_id: MAYA, started_at: null },
				new: { status: 'in_progress', clinician_id: TOM, started_at: '2026-07-01T09:30:00+00:00' }
			}
		});
		expect(sentence(visit, ctx)).toBe(
			'Dr Maya Chen changed a visit of Eleanor Whitfield (MRN-000001): Status from Scheduled to In progress; Clinician from Dr Maya Chen to Tom Okafor; Started from (empty) to 1 Jul 2026, 09:30'
		);
		expect(sentence(visit, { ...ctx, timeZone: 'Europe/London' })).toContain(
			'Started from (empty) to 1 Jul 2026, 10:30'
		);
	});

	// records outside a chart name no patient
	const noPatient = { patient_id: null, patient_name: null };
	it.each<[string, Partial<TrailEntry>, string]>([
		[
			'a lab order',
			{
				action: 'insert',
				table_name: 'lab_orders',
				changes: { new: { test_name: 'Full blood count', patient_id: PATIENT } }
			},
			'Dr Maya Chen ordered the lab test “Full blood count” for Eleanor Whitfield (MRN-000001)'
		],
		[
			'a prescription',
			{
				table_name: 'prescriptions',
				record: { medication: 'Amoxicillin', dose: '500 mg' },
				changes: { old: { status: 'active' }, new: { status: 'stopped' } }
			},
			'Dr Maya Chen changed the prescription “Amoxicillin 500 mg” for Eleanor Whitfield (MRN-000001): Status from Active to Stopped'
		],
		[
			'a membership',
			{
				...noPatient,
				table_name: 'memberships',
				record: { user_id: TOM, role: 'nurse' },
				changes: { old: { role: 'nurse' }, new: { role: 'doctor' } }
			},
			'Dr Maya Chen changed the membership of Tom Okafor: Role from Nurse to Doctor'
		],
		[
			'a patient field',
			{
				...noPatient,
				table_name: 'patient_field_definitions',
				record: { key: 'blood_type', label: 'Blood type' },
				changes: { old: { required: false }, new: { required: true } }
			},
			'Dr Maya Chen changed the patient field “Blood type”: Required from No to Yes'
		],
		// a new format reads as the admin chose it; the pattern the database derives never shows
		[
			"a patient field's format",
			{
				...noPatient,
				table_name: 'patient_field_definitions',
				record: { key: 'insurance_no', label: 'Insurance number' },
				changes: {
					old: { format_kind: 'any', format_mask: null, pattern: null, format_hint: null },
					new: {
						format_kind: 'mask',
						format_mask: 'AAA9999',
						pattern: '^[A-Z][A-Z][A-Z][0-9][0-9][0-9][0-9]$',
						format_hint: 'must look like ABC1234'
					}
				}
			},
			'Dr Maya Chen changed the patient field “Insurance number”: Format from Any to Mask; Mask from (empty) to “AAA9999”'
		]
	])('names the record of %s', (_what, e, expected) => {
		expect(sentence(entry(e), ctx)).toBe(expected);
	});

	it('says who when the actor is gone or the system, and never shows a uuid', () => {
		const e = entry({
			actor_kind: 'former',
			actor_name: null,
			table_name: 'visits',
			changes: { old: { patient_id: PATIENT }, new: { patient_id: TOM.replace('a', 'b') } }
		});
		const text = sentence(e, ctx);
		expect(text).toMatch(/^A former staff member changed a visit of Eleanor Whitfield/);
		expect(text).not.toMatch(/[0-9a-f]{8}-[0-9a-f]{4}/);
		expect(
			sentence(entry({ actor_kind: 'former', actor_name: 'Dr Sam Left', action: 'view' }), ctx)
		).toMatch(/^Dr Sam Left \(former staff\) opened the chart/);
		expect(sentence(entry({ actor_kind: 'system', actor_id: null, action: 'view' }), ctx)).toMatch(
			/^The system opened the chart/
		);
	});

	it('reads platform actions and exports', () => {
		const plan = entry({
			table_name: 'organizations',
			actor_kind: 'platform',
			actor_name: 'Pat Morgan',
			patient_id: null,
			patient_name: null,
			changes: {
				platform_action: 'clinic.change_plan',
				old: { plan_id: 'clinic', plan_name: 'Clinic' },
				new: { plan_id: 'starter', plan_name: 'Starter' },
				limits_override: { reason: 'Agreed with the owner', excess: '7 staff, plan allows 5' }
			}
		});
		expect(sentence(plan, ctx)).toBe(
			'Pat Morgan (platform support) changed the clinic’s plan from Clinic to Starter, over its limits (7 staff, plan allows 5): reason “Agreed with the owner”'
		);
		const exported = entry({
			action: 'export',
			table_name: 'patients',
			row_id: null,
			patient_id: null,
			patient_name: null,
			changes: { kind: 'patients.csv', format: 'csv', row_count: 1200 }
		});
		expect(sentence(exported, ctx)).toBe('Dr Maya Chen exported patients as CSV (1,200 rows)');
	});
});
