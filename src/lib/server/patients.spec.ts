import { describe, expect, it } from 'vitest';
import { patientWriteError } from './patients';

describe('patientWriteError', () => {
	it("shows a full plan as a form-level message naming the plan's limit", () => {
		const result = patientWriteError(
			{
				code: '23514',
				message:
					'The Tiny plan allows 2 active patients; archive a patient or change the plan first',
				details: 'patient_limit',
				hint: ''
			},
			[]
		);
		expect(result).toEqual({
			status: 409,
			field: null,
			message: 'The Tiny plan allows 2 active patients; archive a patient or change the plan first.'
		});
	});

	it('keeps authorization refusals apart from validation', () => {
		expect(
			patientWriteError({ code: '42501', message: 'x', details: '', hint: '' }, []).status
		).toBe(403);
	});
});
