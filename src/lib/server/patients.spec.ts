import { describe, expect, it } from 'vitest';
import { patientRules } from './patients';
import { refusalOf, type DbError, type Refusal } from './refusals';

const nhi = { key: 'nhi_number' };

describe('patientRules', () => {
	it.each<[string, DbError, { key: string }[], Refusal]>([
		[
			"shows a full plan as a form-level conflict naming the plan's limit",
			{
				code: '23514',
				message:
					'The Tiny plan allows 2 active patients; archive a patient or change the plan first',
				details: 'patient_limit',
				hint: ''
			},
			[],
			{
				ok: false,
				status: 409,
				field: null,
				message:
					'The Tiny plan allows 2 active patients; archive a patient or change the plan first.'
			}
		],
		[
			"puts a custom field's refusal next to its input, with the database's advice",
			{
				code: '23514',
				message: 'custom field "nhi_number": does not match the required format',
				details: 'nhi_number',
				hint: 'NHI number must match ^[A-Z]{3}[0-9]{4}$'
			},
			[nhi],
			{
				ok: false,
				status: 400,
				field: 'cf_nhi_number',
				message: 'Does not match the required format. NHI number must match ^[A-Z]{3}[0-9]{4}$.'
			}
		],
		[
			"maps a column check constraint to its input without Postgres's wording",
			{
				code: '23514',
				message: 'new row for relation "patients" violates check constraint "patients_phone_check"',
				details: 'Failing row contains (…).',
				hint: null
			},
			[],
			{ ok: false, status: 400, field: 'phone', message: 'This value is not accepted.' }
		]
	])('%s', (_what, error, fields, expected) => {
		expect(refusalOf(error, patientRules(fields))).toEqual(expected);
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
});
