import { describe, expect, it } from 'vitest';
import {
	VITALS,
	amendNoteSchema,
	can,
	cancelSchema,
	correctResultSchema,
	dispenseSchema,
	hasClinicalContent,
	labOrderSchema,
	labResultSchema,
	matchesAllergy,
	noteSchema,
	prescriptionSchema,
	problemSchema,
	scheduledInstant,
	stopPrescriptionSchema,
	visitSchema,
	visitStatusSchema,
	vitalsOf
} from './clinical';

const VISIT = '7f1c9a52-5d0e-4b8a-9c3e-2f6a1b4d8e90';

describe('noteSchema', () => {
	it('accepts each vital at the bounds the database trigger accepts and refuses just outside', () => {
		for (const [key, { min, max }] of Object.entries(VITALS)) {
			const base = { visit_id: VISIT };
			expect(noteSchema.safeParse({ ...base, [key]: min }).success, `${key} min`).toBe(true);
			expect(noteSchema.safeParse({ ...base, [key]: max }).success, `${key} max`).toBe(true);
			const below = noteSchema.safeParse({ ...base, [key]: min - 0.5 });
			const above = noteSchema.safeParse({ ...base, [key]: max + 0.5 });
			expect(below.success, `${key} below`).toBe(false);
			expect(above.success, `${key} above`).toBe(false);
			expect(above.error?.issues[0].path).toEqual([key]);
		}
	});

	it('refuses a diastolic pressure not lower than the systolic, on the diastolic field', () => {
		const r = noteSchema.safeParse({ visit_id: VISIT, bp_systolic: 120, bp_diastolic: 120 });
		expect(r.success).toBe(false);
		expect(r.error?.issues[0].path).toEqual(['bp_diastolic']);
		const a = amendNoteSchema.safeParse({
			visit_id: VISIT,
			reason: 'typo',
			bp_systolic: 120,
			bp_diastolic: 121
		});
		expect(a.error?.issues[0].path).toEqual(['bp_diastolic']);
	});

	it('knows whether a note carries clinical content and which vitals to store', () => {
		const plain = noteSchema.parse({ visit_id: VISIT });
		expect(hasClinicalContent(plain)).toBe(false);
		const withVitals = noteSchema.parse({ visit_id: VISIT, spo2: 97, heart_rate: 70 });
		expect(hasClinicalContent(withVitals)).toBe(true);
		expect(vitalsOf(withVitals)).toEqual({ spo2: 97, heart_rate: 70 });
	});

	it('an amendment needs a reason', () => {
		expect(amendNoteSchema.safeParse({ visit_id: VISIT, notes: 'x', reason: ' ' }).success).toBe(
			false
		);
		expect(amendNoteSchema.safeParse({ visit_id: VISIT, notes: 'x', reason: 'typo' }).success).toBe(
			true
		);
	});
});

describe('visitSchema', () => {
	it('requires a reason and a well-formed scheduled time', () => {
		expect(visitSchema.safeParse({ reason: '  ' }).success).toBe(false);
		expect(visitSchema.safeParse({ reason: 'x', scheduled_at: 'tomorrow' }).success).toBe(false);
		expect(visitSchema.safeParse({ reason: 'x', scheduled_at: '2026-11-24T09:30' }).success).toBe(
			true
		);
	});
});

describe('scheduledInstant', () => {
	it.each([
		['Africa/Johannesburg', '2026-11-24T09:30', '2026-11-24T07:30:00.000Z'],
		['America/New_York', '2026-11-24T09:30', '2026-11-24T14:30:00.000Z'],
		// summer time: the same wall clock is an hour earlier in UTC
		['America/New_York', '2026-07-24T09:30', '2026-07-24T13:30:00.000Z']
	])(
		"reads a datetime-local value in the clinic's time zone (%s: %s is %s), whatever the server's",
		(zone, local, utc) => {
			expect(scheduledInstant(local, zone).toISOString()).toBe(utc);
		}
	);

	it('means now when empty', () => {
		const now = new Date('2026-01-01T00:00:00Z');
		expect(scheduledInstant('', 'UTC', now)).toBe(now);
	});
});

describe('lab and prescription schemas', () => {
	it('mirrors the test_code check constraint', () => {
		const ok = { test_name: 'Full blood count' };
		expect(labOrderSchema.safeParse({ ...ok, test_code: 'CBC' }).success).toBe(true);
		expect(labOrderSchema.safeParse({ ...ok, test_code: 'HB.A1c-2' }).success).toBe(true);
		expect(labOrderSchema.safeParse({ ...ok, test_code: '-CBC' }).success).toBe(false);
		expect(labOrderSchema.safeParse({ ...ok, test_code: 'A'.repeat(33) }).success).toBe(false);
	});

	it('needs a quantity per fill (more than 0, at most 2 decimals), and refills between 0 and 24', () => {
		const rx = { medication: 'Amoxicillin', dose: '500 mg', frequency: 'tds' };
		const none = prescriptionSchema.safeParse(rx);
		expect(none.success).toBe(false);
		expect(none.error?.issues[0].path).toEqual(['quantity']);
		const ok = prescriptionSchema.parse({ ...rx, quantity: 21 });
		expect(ok.quantity_unit).toBe('tablets');
		expect(ok.refills).toBe(0);
		expect(prescriptionSchema.safeParse({ ...rx, quantity: 0 }).success).toBe(false);
		expect(prescriptionSchema.safeParse({ ...rx, quantity: 2.555 }).success).toBe(false);
		expect(prescriptionSchema.safeParse({ ...rx, quantity: 21, refills: 25 }).success).toBe(false);
	});

	it('dispenses a positive quantity, unconfirmed by default', () => {
		const id = '00000000-0000-4000-8000-000000000001';
		expect(dispenseSchema.parse({ prescription_id: id, quantity: 30 }).confirmed).toBe(false);
		expect(dispenseSchema.safeParse({ prescription_id: id, quantity: 0 }).success).toBe(false);
	});

	it('bounds lab results as private.check_lab_result() does: one short line, no markup', () => {
		const id = '00000000-0000-4000-8000-000000000001';
		const ok = { order_id: id, result_value: '< 5.9', result_unit: 'mmol/L' };
		expect(labResultSchema.safeParse(ok).success).toBe(true);
		expect(labResultSchema.safeParse({ ...ok, result_value: '9'.repeat(61) }).success).toBe(false);
		expect(labResultSchema.safeParse({ ...ok, result_value: '<b>5.9</b>' }).success).toBe(false);
		expect(labResultSchema.safeParse({ ...ok, result_value: '5.9\nsee' }).success).toBe(false);
		expect(labResultSchema.safeParse({ ...ok, result_value: ' ' }).success).toBe(false);
		expect(labResultSchema.safeParse({ ...ok, result_flag: 'high' }).success).toBe(true);
		expect(labResultSchema.safeParse({ ...ok, result_flag: 'weird' }).success).toBe(false);
		expect(correctResultSchema.safeParse({ ...ok, reason: '' }).success).toBe(false);
		expect(correctResultSchema.safeParse({ ...ok, reason: 'typo' }).success).toBe(true);
	});

	it('takes an optional problem code of letters, digits, dots and dashes', () => {
		expect(problemSchema.safeParse({ description: 'Asthma', code: 'J45.20' }).success).toBe(true);
		expect(problemSchema.safeParse({ description: 'Asthma', code: 'J45 <b>' }).success).toBe(false);
		expect(problemSchema.safeParse({ description: ' ' }).success).toBe(false);
	});

	it('requires a reason to stop a prescription', () => {
		const id = '00000000-0000-4000-8000-000000000001';
		expect(
			stopPrescriptionSchema.safeParse({ prescription_id: id, stop_reason: ' ' }).success
		).toBe(false);
		expect(
			stopPrescriptionSchema.parse({ prescription_id: id, stop_reason: 'Rash' }).confirmed
		).toBe(false);
	});
});

describe('visit status and cancel schemas', () => {
	const id = '7f1c9a52-5d0e-4b8a-9c3e-2f6a1b4d8e90';
	it('only starts or completes a visit (cancel has its own form with a reason)', () => {
		expect(visitStatusSchema.safeParse({ visit_id: id, status: 'in_progress' }).success).toBe(true);
		expect(visitStatusSchema.safeParse({ visit_id: id, status: 'completed' }).success).toBe(true);
		expect(visitStatusSchema.safeParse({ visit_id: id, status: 'cancelled' }).success).toBe(false);
		expect(visitStatusSchema.safeParse({ visit_id: 'x', status: 'completed' }).success).toBe(false);
	});

	it('requires a non-blank reason of at most 500 characters, unconfirmed by default', () => {
		const blank = cancelSchema.safeParse({ target_id: id, cancel_reason: '   ' });
		expect(blank.success).toBe(false);
		expect(blank.error?.issues[0].path).toEqual(['cancel_reason']);
		expect(cancelSchema.safeParse({ target_id: id, cancel_reason: 'x'.repeat(501) }).success).toBe(
			false
		);
		expect(cancelSchema.parse({ target_id: id, cancel_reason: ' Duplicate ' })).toEqual({
			target_id: id,
			cancel_reason: 'Duplicate',
			confirmed: false
		});
	});
});

describe('can', () => {
	it('follows docs/permissions.md', () => {
		expect(can('receptionist', 'addVisit')).toBe(true);
		expect(can('receptionist', 'readNotes')).toBe(false);
		expect(can('receptionist', 'readLabs')).toBe(false);
		expect(can('nurse', 'orderLab')).toBe(true);
		expect(can('nurse', 'prescribe')).toBe(false);
		expect(can('lab_technician', 'recordResult')).toBe(true);
		expect(can('pharmacist', 'dispense')).toBe(true);
		expect(can('doctor', 'dispense')).toBe(false);
		expect(can('receptionist', 'readAllergies')).toBe(false);
		expect(can('receptionist', 'readProblems')).toBe(false);
		expect(can('lab_technician', 'readAllergies')).toBe(true);
		expect(can('lab_technician', 'readProblems')).toBe(false);
		expect(can('pharmacist', 'writeAllergies')).toBe(true);
		expect(can('pharmacist', 'readLabs')).toBe(false);
		expect(can(undefined, 'readVisits')).toBe(false);
	});
});

describe('matchesAllergy (as private.matching_allergies)', () => {
	it('matches names that contain each other, case and punctuation aside', () => {
		expect(matchesAllergy('Penicillin V', 'penicillin')).toBe(true);
		expect(matchesAllergy('Amoxicillin/clavulanate', 'Amoxicillin')).toBe(true);
		expect(matchesAllergy('aspirin', 'Aspirin (ASA)')).toBe(true);
	});

	it('matches a substance word of 4 letters or more that begins a medication word', () => {
		expect(matchesAllergy('Sulfamethoxazole', 'Sulfa drugs')).toBe(true);
		expect(matchesAllergy('Codeine phosphate', 'codeine')).toBe(true);
	});

	it('does not match unrelated names or short fragments', () => {
		expect(matchesAllergy('Salbutamol', 'Penicillin')).toBe(false);
		expect(matchesAllergy('Ibuprofen', 'Latex')).toBe(false);
		expect(matchesAllergy('Iron tablets', 'Ir')).toBe(false);
		expect(matchesAllergy('', 'Penicillin')).toBe(false);
	});
});
