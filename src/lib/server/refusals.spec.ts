import { describe, expect, it } from 'vitest';
import { superValidate } from 'sveltekit-superforms';
import { zod4 } from 'sveltekit-superforms/adapters';
import { z } from 'zod';
import {
	failForm,
	oneRow,
	refusalOf,
	refuse,
	sentence,
	type DbError,
	type Refusal,
	type RefusalStatus
} from './refusals';

/** The refusal a form shows: HTTP status, the field it concerns (null: the form) and the message. */
function refusal(status: RefusalStatus, field: string | null, message: string): Refusal {
	return { ok: false, status, field, message };
}

function pgError(
	code: string,
	message: string,
	details: string | null = null,
	hint: string | null = null
): DbError {
	return { code, message, details, hint };
}

describe('refusalOf: where a refusal goes', () => {
	it('puts a trigger check on the field its DETAIL names, without the technical prefix', () => {
		const r = refusalOf(
			pgError(
				'23514',
				'vitals "heart_rate": 300 is outside the plausible range 20 to 250',
				'heart_rate'
			),
			{ fields: { heart_rate: 'heart_rate', spo2: 'spo2' }, action: 'record vitals' }
		);
		expect(r).toEqual(refusal(400, 'heart_rate', '300 is outside the plausible range 20 to 250.'));
	});

	it('keeps a check on a column the form does not have at form level', () => {
		const r = refusalOf(pgError('23514', 'lab_orders: status cannot change', 'status'), {
			fields: { x: 'x' }
		});
		expect(r.field).toBeNull();
		expect(r.message).toBe('Status cannot change.');
	});

	it("sends what names no field of the form to the form's `otherwise` field", () => {
		const r = refusalOf(pgError('23514', 'lab_orders: status cannot change', 'status'), {
			fields: { cancel_reason: 'cancel_reason' },
			otherwise: 'target_id'
		});
		expect(r.field).toBe('target_id');
	});

	it('reads a HINT that is a field name as a pointer, not as advice', () => {
		const r = refusalOf(
			pgError('23505', 'The address "clinic-a" is already taken by another clinic.', null, 'slug'),
			{ fields: { slug: 'slug', domain: 'domain' } }
		);
		expect(r).toEqual(
			refusal(409, 'slug', 'The address "clinic-a" is already taken by another clinic.')
		);
	});

	it('finds a constraint quoted in the message, and a field named by a word only where the form says so', () => {
		const unique = refusalOf(
			pgError(
				'23505',
				'duplicate key value violates unique constraint "patient_field_definitions_organization_id_key_key"'
			),
			{ fields: { patient_field_definitions_organization_id_key_key: 'key' } }
		);
		expect(unique).toMatchObject({
			field: 'key',
			status: 409,
			message: 'This value is already used.'
		});

		const repeated = pgError(
			'23514',
			'custom field "broken": options must be distinct and not null',
			'broken'
		);
		expect(refusalOf(repeated, { otherwise: 'label' }).field).toBe('label');
		expect(refusalOf(repeated, { words: { options: 'options' }, otherwise: 'label' }).field).toBe(
			'options'
		);
	});
});

describe('refusalOf: what it says and answers', () => {
	it('says the database refused the role for row-level security, never quoting Postgres', () => {
		const r = refusalOf(
			pgError('42501', 'new row violates row-level security policy for table "prescriptions"'),
			{ action: 'prescribe' }
		);
		expect(r).toEqual(
			refusal(403, null, 'The database refused: your role may not prescribe at this clinic.')
		);
		expect(refusalOf(pgError('42501', 'new row violates row-level security policy')).message).toBe(
			'Your role may not do this at this clinic.'
		);
	});

	it("keeps a trigger's own reason for a role refusal", () => {
		const r = refusalOf(
			pgError('42501', 'prescriptions: pharmacists can only mark a prescription completed'),
			{ action: 'stop prescriptions' }
		);
		expect(r.message).toBe(
			'The database refused: your role may not stop prescriptions at this clinic (Pharmacists can only mark a prescription completed).'
		);
	});

	it("uses the form's own words for a role refusal when it has them", () => {
		const r = refusalOf(pgError('42501', 'permission denied for table patients'), {
			forbidden: 'Your role cannot archive patients.'
		});
		expect(r).toMatchObject({ status: 403, message: 'Your role cannot archive patients.' });
	});

	it("appends the database's advice once, and answers 404 for what is not there", () => {
		const r = refusalOf(
			pgError(
				'P0002',
				'Your invitation to Riverside Family Clinic has expired',
				'expired',
				"Ask the clinic's administrator to send it again."
			),
			{ otherwise: 'accept' }
		);
		expect(r).toEqual(
			refusal(
				404,
				'accept',
				"Your invitation to Riverside Family Clinic has expired. Ask the clinic's administrator to send it again."
			)
		);
		expect(sentence(pgError('23514', 'Give a reason.', null, 'Give a reason.'))).toBe(
			'Give a reason.'
		);
	});

	it('answers a limit of the clinic (a DETAIL the form lists as a conflict) with 409', () => {
		const r = refusalOf(
			pgError('23514', 'All 5 seats of the Starter plan are in use', 'seat_limit'),
			{ otherwise: 'email', conflicts: ['seat_limit'] }
		);
		expect(r).toMatchObject({ status: 409, field: 'email' });
		expect(refusalOf(pgError('23514', 'x', 'seat_limit'), { otherwise: 'email' }).status).toBe(400);
	});

	it('says a reference outside the clinic plainly', () => {
		const r = refusalOf(
			pgError(
				'23503',
				'insert or update on table "lab_orders" violates foreign key constraint "lab_orders_patient_fkey"'
			)
		);
		expect(r).toMatchObject({
			status: 400,
			message: 'That patient or record is not in this clinic.'
		});
	});

	it('throws what is not an answer about the request (an outage, a bug) instead of blaming the form', () => {
		expect(() => refusalOf(pgError('', 'TypeError: fetch failed'))).toThrow(/fetch failed/);
		expect(() => refusalOf(pgError('42883', 'function public.nope() does not exist'))).toThrow();
		expect(() => refusalOf(pgError('PGRST301', 'JWT expired'))).toThrow();
	});
});

describe('oneRow', () => {
	const rules = { otherwise: 'role', none: 'No such staff member at this clinic.' };

	it('answers the row a write changed', async () => {
		const r = await oneRow(Promise.resolve({ data: [{ id: 'a' }], error: null }), rules);
		expect(r).toEqual({ ok: true, row: { id: 'a' } });
		const single = await oneRow(Promise.resolve({ data: { id: 'b' }, error: null }), rules);
		expect(single).toEqual({ ok: true, row: { id: 'b' } });
	});

	it('refuses a write that changed nothing (RLS hid the row), next to the form’s field', async () => {
		for (const data of [[], null]) {
			const r = await oneRow(Promise.resolve({ data, error: null }), rules);
			expect(r).toEqual(refusal(400, 'role', 'No such staff member at this clinic.'));
		}
		const custom = refuse('You cannot change this patient.', { status: 403 });
		expect(await oneRow(Promise.resolve({ data: [], error: null }), { none: custom })).toBe(custom);
	});

	it("maps the database's refusal with the form's rules", async () => {
		const r = await oneRow(
			Promise.resolve({
				data: null,
				error: pgError(
					'42501',
					'You cannot change your own role or membership status',
					null,
					'Ask another admin of the organization.'
				)
			}),
			rules
		);
		expect(r).toEqual(
			refusal(
				403,
				'role',
				'You cannot change your own role or membership status. Ask another admin of the organization.'
			)
		);
	});
});

describe('failForm', () => {
	const schema = z.object({ email: z.string(), role: z.string() });

	it('answers fail(status, { form }) with the message next to its field', async () => {
		const form = await superValidate({ email: 'a@b.test', role: 'nurse' }, zod4(schema));
		const failure = failForm(form, refuse('Already invited.', { field: 'email', status: 409 }));
		expect(failure.status).toBe(409);
		expect(Object.keys(failure.data)).toEqual(['form']);
		expect(failure.data.form.valid).toBe(false);
		expect(failure.data.form.errors.email).toEqual(['Already invited.']);
	});

	it('puts a refusal naming no field on the form as a whole', async () => {
		const form = await superValidate({ email: 'a@b.test', role: 'nurse' }, zod4(schema));
		const failure = failForm(form, refuse('The plan is full.', { status: 409 }));
		expect(failure.data.form.errors._errors).toEqual(['The plan is full.']);
		expect(failure.data.form.errors.email).toBeUndefined();
	});
});
