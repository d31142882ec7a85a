import { describe, expect, it } from 'vitest';
import {
	customFieldsFromForm,
	customFieldsSchema,
	demographicsSchema,
	formValuesFromPatient,
	isIsoDate,
	missingRequired,
	patientFormSchema,
	patientListQuerySchema,
	type FieldDefinition
} from './patient';

const defs: FieldDefinition[] = [
	{
		key: 'nhi_number',
		label: 'NHI number',
		field_type: 'text',
		options: null,
		required: false,
		// what the database derives from the mask AAA9999 (private.custom_field_format_pattern)
		pattern: '^[A-Z][A-Z][A-Z][0-9][0-9][0-9][0-9]$',
		format_hint: 'must look like ABC1234'
	},
	{
		key: 'insurer',
		label: 'Insurer',
		field_type: 'select',
		options: ['Public', 'Self-pay'],
		required: true,
		pattern: null,
		format_hint: null
	},
	{
		key: 'weight_kg',
		label: 'Weight',
		field_type: 'number',
		options: null,
		required: false,
		pattern: null,
		format_hint: null
	},
	{
		key: 'first_visit',
		label: 'First visit',
		field_type: 'date',
		options: null,
		required: false,
		pattern: null,
		format_hint: null
	},
	{
		key: 'organ_donor',
		label: 'Organ donor',
		field_type: 'boolean',
		options: null,
		required: false,
		pattern: null,
		format_hint: null
	}
];

function issuesByPath(result: {
	success: boolean;
	error?: { issues: { path: PropertyKey[]; message: string }[] };
}) {
	const out: Record<string, string[]> = {};
	for (const i of result.error?.issues ?? []) (out[i.path.join('.') || '_'] ??= []).push(i.message);
	return out;
}

describe('customFieldsSchema (mirrors private.validate_patient_custom_fields)', () => {
	const schema = customFieldsSchema(defs);

	it('accepts typed values for every field type', () => {
		const r = schema.safeParse({
			nhi_number: 'ABC1234',
			insurer: 'Public',
			weight_kg: 72.5,
			first_visit: '2024-02-29',
			organ_donor: true
		});
		expect(r.success).toBe(true);
	});

	it('requires required fields (absent, null and empty string)', () => {
		for (const value of [{}, { insurer: null }, { insurer: '' }]) {
			const r = schema.safeParse(value);
			expect(r.success).toBe(false);
			expect(issuesByPath(r).insurer).toEqual(['Insurer is required.']);
		}
	});

	it('checks the format of text fields and names the label and the example, never the pattern', () => {
		const message = issuesByPath(schema.safeParse({ insurer: 'Public', nhi_number: 'abc1234' }))
			.nhi_number?.[0];
		expect(message).toBe('NHI number must look like ABC1234.');
		expect(message).not.toContain('[');
		expect(schema.safeParse({ insurer: 'Public', nhi_number: 'ABC12345' }).success).toBe(false);
		expect(schema.safeParse({ insurer: 'Public', nhi_number: 'ABC1234' }).success).toBe(true);
	});

	it('reads an escaped derived pattern as the database does (punctuation of a mask)', () => {
		// the database's pattern for the mask AA-999.9 (private.custom_field_format_pattern)
		const s = customFieldsSchema([
			{
				...defs[0],
				pattern: '^[A-Z][A-Z]\\-[0-9][0-9][0-9]\\.[0-9]$',
				format_hint: 'must look like AB-123.4'
			}
		]);
		expect(s.safeParse({ nhi_number: 'AB-123.4' }).success).toBe(true);
		expect(s.safeParse({ nhi_number: 'AB-123x4' }).success).toBe(false);
	});

	it('checks JSON types: numbers are numbers, dates ISO, booleans booleans, options listed', () => {
		const base = { insurer: 'Public' };
		expect(issuesByPath(schema.safeParse({ ...base, weight_kg: '72' })).weight_kg).toBeDefined();
		expect(
			issuesByPath(schema.safeParse({ ...base, first_visit: '2023-02-29' })).first_visit
		).toBeDefined();
		expect(
			issuesByPath(schema.safeParse({ ...base, organ_donor: 'yes' })).organ_donor
		).toBeDefined();
		expect(issuesByPath(schema.safeParse({ insurer: 'Private' })).insurer?.[0]).toBe(
			'Choose one of: Public, Self-pay.'
		);
	});

	it('refuses keys the clinic does not define', () => {
		const r = schema.safeParse({ insurer: 'Public', shoe_size: 42 });
		expect(r.success).toBe(false);
		expect(r.error?.issues[0].code).toBe('unrecognized_keys');
	});

	it('accepts an uncompilable (Postgres-only) pattern and leaves it to the database', () => {
		const s = customFieldsSchema([{ ...defs[0], pattern: '[[:alpha:]' }]);
		expect(s.safeParse({ nhi_number: 'anything' }).success).toBe(true);
	});
});

describe('patientFormSchema (the HTML form: demographics + cf_<key>)', () => {
	const schema = patientFormSchema(defs);
	const valid = {
		given_name: ' Ana ',
		family_name: 'Lopez',
		date_of_birth: '1980-04-02',
		sex: 'female',
		phone: '+1 (555) 010-0000',
		email: '',
		address: '',
		cf_nhi_number: 'ABC1234',
		cf_insurer: 'Self-pay',
		cf_weight_kg: null,
		cf_first_visit: '',
		cf_organ_donor: false
	};

	it('accepts a complete form and trims names', () => {
		const r = schema.safeParse(valid);
		expect(r.success).toBe(true);
		expect(r.data?.given_name).toBe('Ana');
	});

	it('puts custom field errors on the cf_ field', () => {
		const r = schema.safeParse({ ...valid, cf_nhi_number: 'AB12', cf_insurer: '' });
		const errors = issuesByPath(r);
		expect(errors.cf_nhi_number).toEqual(['NHI number must look like ABC1234.']);
		expect(errors.cf_insurer).toEqual(['Insurer is required.']);
	});

	it('requires a required number instead of treating empty as 0', () => {
		const s = patientFormSchema([{ ...defs[2], required: true }]);
		const r = s.safeParse({ ...valid, cf_weight_kg: null });
		expect(issuesByPath(r).cf_weight_kg).toEqual(['Weight is required.']);
		expect(s.safeParse({ ...valid, cf_weight_kg: Number.NaN }).success).toBe(false);
	});

	it('mirrors the column checks of demographics', () => {
		const errors = issuesByPath(
			demographicsSchema.safeParse({
				...valid,
				given_name: '  ',
				date_of_birth: '1879-12-31',
				phone: 'call me',
				email: 'nope'
			})
		);
		expect(Object.keys(errors).sort()).toEqual(['date_of_birth', 'email', 'given_name', 'phone']);
	});
});

describe('custom field values between form and database', () => {
	it('stores typed values, drops empty optional ones and keeps values of inactive fields', () => {
		const stored = { retired_field: 'kept', nhi_number: 'OLD0001' };
		const out = customFieldsFromForm(
			{
				cf_nhi_number: '',
				cf_insurer: 'Public',
				cf_weight_kg: 70,
				cf_first_visit: '2024-01-05',
				cf_organ_donor: false
			},
			defs,
			stored
		);
		expect(out).toEqual({
			retired_field: 'kept',
			insurer: 'Public',
			weight_kg: 70,
			first_visit: '2024-01-05',
			organ_donor: false
		});
		// What the form sends for the active fields is exactly what the object schema accepts.
		const active = Object.fromEntries(Object.entries(out).filter(([k]) => k !== 'retired_field'));
		expect(customFieldsSchema(defs).safeParse(active).success).toBe(true);
		expect(customFieldsSchema(defs).safeParse(out).success).toBe(false);
	});

	it('fills the form from a stored patient', () => {
		const values = formValuesFromPatient(
			{
				given_name: 'Ana',
				family_name: 'Lopez',
				date_of_birth: null,
				sex: 'unknown',
				phone: null,
				email: null,
				address: null,
				custom_fields: { weight_kg: 70, organ_donor: true }
			},
			defs
		);
		expect(values).toMatchObject({
			date_of_birth: '',
			cf_weight_kg: 70,
			cf_organ_donor: true,
			cf_nhi_number: '',
			cf_first_visit: ''
		});
	});
});

describe('helpers', () => {
	it('missingRequired names the active required fields with no value (absent, null or empty)', () => {
		const fields = [
			{ key: 'a', label: 'A', required: true, active: true },
			{ key: 'b', label: 'B', required: true, active: true },
			{ key: 'c', label: 'C', required: true, active: true },
			{ key: 'd', label: 'D', required: false, active: true },
			{ key: 'e', label: 'E', required: true, active: false },
			{ key: 'f', label: 'F', required: true, active: true }
		];
		expect(missingRequired(fields, { a: '', b: null, f: false, e: undefined })).toEqual([
			'A',
			'B',
			'C'
		]);
		expect(missingRequired(fields, { a: 'x', b: 0, c: 'y', f: true })).toEqual([]);
		expect(missingRequired(fields, null)).toEqual(['A', 'B', 'C', 'F']);
		// definitions without `active` (the form's) count as active
		expect(missingRequired([{ key: 'a', label: 'A', required: true }], {})).toEqual(['A']);
	});

	it('isIsoDate accepts real days only', () => {
		expect(isIsoDate('2024-02-29')).toBe(true);
		expect(isIsoDate('2023-02-29')).toBe(false);
		expect(isIsoDate('2024-2-1')).toBe(false);
	});

	it('parses list queries from the URL with safe fallbacks', () => {
		expect(patientListQuerySchema.parse({ q: ' smi ', page: '3', archived: '1' })).toEqual({
			q: 'smi',
			page: 3,
			archived: true
		});
		expect(patientListQuerySchema.parse({ page: '-1' })).toEqual({
			q: '',
			page: 1,
			archived: false
		});
	});
});
