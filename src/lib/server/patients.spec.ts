import { describe, expect, it } from 'vitest';
import { patientRules } from './patients';
import { refusalOf } from './refusals';

const nhi = { key: 'nhi_number' };

describe('patientRules', () => {
	it("shows a full plan as a form-level conflict naming the plan's limit", () => {
		const result = refusalOf(
			{
				code: '23514',
				message:
					'The Tiny plan allows 2 active patients; archive a patient or change the plan first',
				details: 'patient_limit',
				hint: ''
			},
			patientRules([])
		);
		expect(result).toEqual({
			ok: false,
			status: 409,
			field: null,
			message: 'The Tiny plan allows 2 active patients; archive a patient or change the plan first.'
		});
	});

	it('keeps authorization refusals apart from validation', () => {
		const result = refusalOf(
			{ code: '42501', message: 'x', details: '', hint: '' },
			patientRules([])
		);
		expect(result).toMatchObject({
			status: 403,
			field: null,
			message: 'Your role cannot register or change patients at this clinic.'
		});
	});

	it("puts a custom field's refusal next to its input, with the database's advice", () => {
		const result = refusalOf(
			{
				code: '23514',
				message: 'custom field "nhi_number": does not match the required format',
				details: 'nhi_number',
				hint: 'NHI number must match ^[A-Z]{3}[0-9]{4}$'
			},
			patientRules([nhi])
		);
		expect(result).toEqual({
			ok: false,
			status: 400,
			field: 'cf_nhi_number',
			message: 'Does not match the required format. NHI number must match ^[A-Z]{3}[0-9]{4}$.'
		});
	});

	it('answers a unique custom value already used with 409 next to the field', () => {
		const result = refusalOf(
			{
				code: '23505',
				message:
					'custom field "nhi_number": this value is already used by another patient of the clinic',
				details: 'nhi_number',
				hint: 'NHI number must be unique.'
			},
			patientRules([nhi])
		);
		expect(result).toMatchObject({ status: 409, field: 'cf_nhi_number' });
		expect(result.message).toContain('already used by another patient');
	});

	it("maps a column check constraint to its input without Postgres's wording", () => {
		const result = refusalOf(
			{
				code: '23514',
				message: 'new row for relation "patients" violates check constraint "patients_phone_check"',
				details: 'Failing row contains (…).',
				hint: null
			},
			patientRules([])
		);
		expect(result).toEqual({
			ok: false,
			status: 400,
			field: 'phone',
			message: 'This value is not accepted.'
		});
	});
});
