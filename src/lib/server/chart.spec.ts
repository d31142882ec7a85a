import { describe, expect, it } from 'vitest';
import type { PostgrestError } from '@supabase/supabase-js';
import { isUuid, refusal } from './chart';

function pgError(code: string, message: string, details: string | null = null): PostgrestError {
	return {
		code,
		message,
		details,
		hint: null,
		name: 'PostgrestError'
	} as unknown as PostgrestError;
}

describe('refusal', () => {
	it('puts a trigger check on the field its DETAIL names, without the table prefix', () => {
		const r = refusal(
			pgError(
				'23514',
				'vitals "heart_rate": 300 is outside the plausible range 20 to 250',
				'heart_rate'
			),
			['heart_rate', 'spo2'],
			'record vitals'
		);
		expect(r).toEqual({
			field: 'heart_rate',
			message: '300 is outside the plausible range 20 to 250'
		});
	});

	it('keeps a check on an unknown field at form level', () => {
		const r = refusal(pgError('23514', 'lab_orders: status cannot change', 'status'), ['x'], 'do');
		expect(r.field).toBeUndefined();
	});

	it('says the database refused the role for RLS violations', () => {
		const r = refusal(
			pgError('42501', 'new row violates row-level security policy for table "prescriptions"'),
			[],
			'prescribe'
		);
		expect(r).toEqual({
			message: 'The database refused: your role may not prescribe at this clinic.'
		});
	});

	it("keeps a trigger's own reason for a role refusal", () => {
		const r = refusal(
			pgError('42501', 'prescriptions: pharmacists can only mark a prescription completed'),
			[],
			'stop prescriptions'
		);
		expect(r.message).toContain('Pharmacists can only mark a prescription completed');
	});
});

describe('isUuid', () => {
	it('accepts uuids only', () => {
		expect(isUuid('223a7634-6726-44c6-a42a-211656c64f93')).toBe(true);
		expect(isUuid('not-a-uuid')).toBe(false);
		expect(isUuid("223a7634-6726-44c6-a42a-211656c64f93' or 1=1")).toBe(false);
	});
});
