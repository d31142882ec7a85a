/**
 * Patients of the caller's clinic: list and search, registration, edits and archiving. Every
 * query runs as the signed-in person (RLS decides what they see and may change); nothing here
 * filters by clinic for safety, only to help the planner. Database refusals are translated to a
 * field and a message so the form and the API can never disagree.
 */
import type { PostgrestError, SupabaseClient } from '@supabase/supabase-js';
import type { Database } from '$lib/database.types';
import type { VerifiedClaims } from '../../app';
import {
	PATIENT_PAGE_SIZE,
	customFieldName,
	customFieldsFromForm,
	type Demographics,
	type PatientForm,
	type FieldDefinition
} from '$lib/schemas/patient';
import { myOrganizations } from './session';

type Client = SupabaseClient<Database>;
export type PatientRow = Database['public']['Tables']['patients']['Row'];
type PatientInsert = Database['public']['Tables']['patients']['Insert'];

/** Columns the list shows. */
const LIST_COLUMNS = 'id, mrn, given_name, family_name, date_of_birth, sex, phone, archived_at';
export type PatientListItem = Pick<
	PatientRow,
	'id' | 'mrn' | 'given_name' | 'family_name' | 'date_of_birth' | 'sex' | 'phone' | 'archived_at'
>;

/** Columns the edit form needs. */
const EDIT_COLUMNS =
	'id, mrn, given_name, family_name, date_of_birth, sex, phone, email, address, custom_fields, archived_at';
export type PatientForEdit = Pick<
	PatientRow,
	| 'id'
	| 'mrn'
	| 'given_name'
	| 'family_name'
	| 'date_of_birth'
	| 'sex'
	| 'phone'
	| 'email'
	| 'address'
	| 'custom_fields'
	| 'archived_at'
>;

export interface PatientPage {
	rows: PatientListItem[];
	/** 1-based position of the first and last row shown (0 when empty). */
	from: number;
	to: number;
	/** Total matching rows; null for searches (the RPC pages itself, so no total is known). */
	total: number | null;
	hasPrevious: boolean;
	hasNext: boolean;
}

/**
 * One page of patients in one round trip. Without `q`: the clinic's patients by name
 * (normalized "family given", then id) with an exact count. With `q`: `search_patients`
 * (name prefix, MRN or date of birth), asking for one extra row to know whether a next page exists.
 */
export async function listPatients({
	supabase,
	q,
	page,
	includeArchived
}: {
	supabase: Client;
	q: string;
	page: number;
	includeArchived: boolean;
}): Promise<PatientPage> {
	const off = (page - 1) * PATIENT_PAGE_SIZE;
	if (q) {
		const { data, error } = await supabase
			.rpc('search_patients', {
				q,
				lim: PATIENT_PAGE_SIZE + 1,
				off,
				include_archived: includeArchived
			})
			.select(LIST_COLUMNS);
		if (error) throw new Error(`search_patients failed: ${error.message}`);
		const all = (data ?? []) as PatientListItem[];
		const rows = all.slice(0, PATIENT_PAGE_SIZE);
		return {
			rows,
			from: rows.length ? off + 1 : 0,
			to: off + rows.length,
			total: null,
			hasPrevious: page > 1,
			hasNext: all.length > PATIENT_PAGE_SIZE
		};
	}
	let query = supabase.from('patients').select(LIST_COLUMNS, { count: 'exact' });
	if (!includeArchived) query = query.is('archived_at', null);
	const { data, error, count } = await query
		.order('search_name')
		.order('id')
		.range(off, off + PATIENT_PAGE_SIZE - 1);
	if (error) throw new Error(`listing patients failed: ${error.message}`);
	const rows = data ?? [];
	const total = count ?? rows.length;
	return {
		rows,
		from: rows.length ? off + 1 : 0,
		to: off + rows.length,
		total,
		hasPrevious: page > 1,
		hasNext: off + rows.length < total
	};
}

/** The clinic's ACTIVE custom patient fields, in form order. */
export async function activeFieldDefinitions({
	supabase
}: {
	supabase: Client;
}): Promise<FieldDefinition[]> {
	const { data, error } = await supabase
		.from('patient_field_definitions')
		.select('key, label, field_type, options, required, pattern, unique_within_clinic, sort_order')
		.eq('active', true)
		.order('sort_order')
		.order('key');
	if (error) throw new Error(`loading patient fields failed: ${error.message}`);
	return data ?? [];
}

/** A patient of the caller's clinic for editing, or null (absent, or another clinic's: RLS). */
export async function getPatientForEdit({
	supabase,
	id
}: {
	supabase: Client;
	id: string;
}): Promise<PatientForEdit | null> {
	if (!isUuid(id)) return null;
	const { data, error } = await supabase
		.from('patients')
		.select(EDIT_COLUMNS)
		.eq('id', id)
		.maybeSingle();
	if (error) throw new Error(`loading patient failed: ${error.message}`);
	return data;
}

export function isUuid(value: string): boolean {
	return /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i.test(value);
}

/** Result of a write: the row, or where and why the database refused it. */
export type PatientWriteResult<T> =
	| { ok: true; patient: T }
	| { ok: false; status: 400 | 403 | 404 | 409; field: string | null; message: string };

const CONSTRAINT_FIELDS: Record<string, string> = {
	patients_given_name_check: 'given_name',
	patients_family_name_check: 'family_name',
	patients_date_of_birth_check: 'date_of_birth',
	patients_phone_check: 'phone',
	patients_email_check: 'email',
	patients_address_check: 'address'
};

/**
 * Maps a database refusal of a patient write to a form field. The custom field triggers raise
 * 23514 (or 23505 for a unique_within_clinic value already used) with DETAIL = the field key and
 * a message `custom field "<key>": <reason>`; column checks name their constraint; RLS is 42501.
 */
export function patientWriteError(
	error: Pick<PostgrestError, 'code' | 'message' | 'details' | 'hint'>,
	definitions: readonly FieldDefinition[]
): { status: 400 | 403 | 409; field: string | null; message: string } {
	if (error.code === '42501') {
		return {
			status: 403,
			field: null,
			message: 'Your role cannot register or change patients at this clinic.'
		};
	}
	if (error.code === '23514' && (error.details ?? '').trim() === 'patient_limit') {
		// The clinic's plan is full (enforced by the database; the message names the plan and limit).
		return { status: 409, field: null, message: `${error.message}.` };
	}
	if (error.code === '23514' || error.code === '23505') {
		const key = (error.details ?? '').trim();
		const def = definitions.find((d) => d.key === key);
		if (def) {
			const reason = error.message.replace(/^custom field "[^"]*":\s*/, '');
			const sentence = reason.charAt(0).toUpperCase() + reason.slice(1);
			const message =
				error.code === '23505'
					? `${def.label}: this value is already used by another patient of the clinic.`
					: `${sentence}${sentence.endsWith('.') ? '' : '.'}${error.hint && !sentence.includes(error.hint) ? ` ${error.hint}` : ''}`;
			return {
				status: error.code === '23505' ? 409 : 400,
				field: customFieldName(def.key),
				message
			};
		}
		const constraint = Object.keys(CONSTRAINT_FIELDS).find((c) => error.message.includes(c));
		if (constraint) {
			return {
				status: 400,
				field: CONSTRAINT_FIELDS[constraint],
				message: 'This value is not accepted.'
			};
		}
		if (/^custom field "/.test(error.message)) {
			// A key the form does not show (a definition changed since the page loaded).
			return {
				status: 400,
				field: null,
				message: `${error.message}. The clinic's fields changed; reload the page and try again.`
			};
		}
	}
	throw new Error(`patient write failed: ${error.code} ${error.message}`);
}

function demographicsRow(input: Demographics) {
	return {
		given_name: input.given_name,
		family_name: input.family_name,
		date_of_birth: input.date_of_birth || null,
		sex: input.sex,
		phone: input.phone || null,
		email: input.email || null,
		address: input.address || null
	};
}

/**
 * Registers a patient in the caller's active clinic; the database assigns the MRN.
 * `input` is validated form data (`patientFormSchema`).
 */
export async function createPatient({
	supabase,
	input,
	definitions
}: {
	supabase: Client;
	input: PatientForm;
	definitions: readonly FieldDefinition[];
}): Promise<PatientWriteResult<{ id: string; mrn: string }>> {
	const custom_fields = customFieldsFromForm(input, definitions) as PatientRow['custom_fields'];
	const { data, error } = await supabase
		.from('patients')
		// mrn is NOT NULL without a default in the generated Insert type, but the API roles may not
		// write it (column grant): the before-insert trigger assigns it.
		.insert({ ...demographicsRow(input), custom_fields } as PatientInsert)
		.select('id, mrn')
		.single();
	if (error) return { ok: false, ...patientWriteError(error, definitions) };
	return { ok: true, patient: data };
}

/**
 * Saves demographics and custom fields. Values of fields the clinic has since deactivated are
 * kept as stored. A patient the caller may not change (RLS) is reported as 403/404.
 */
export async function updatePatient({
	supabase,
	id,
	input,
	definitions,
	storedCustomFields
}: {
	supabase: Client;
	id: string;
	input: PatientForm;
	definitions: readonly FieldDefinition[];
	storedCustomFields: Record<string, unknown>;
}): Promise<PatientWriteResult<{ id: string; mrn: string }>> {
	const custom_fields = customFieldsFromForm(
		input,
		definitions,
		storedCustomFields
	) as PatientRow['custom_fields'];
	const { data, error } = await supabase
		.from('patients')
		.update({ ...demographicsRow(input), custom_fields })
		.eq('id', id)
		.select('id, mrn')
		.maybeSingle();
	if (error) return { ok: false, ...patientWriteError(error, definitions) };
	if (!data)
		return { ok: false, status: 403, field: null, message: 'You cannot change this patient.' };
	return { ok: true, patient: data };
}

/** Archives (hides from the default list, keeps every record) or restores a patient. */
export async function setPatientArchived({
	supabase,
	id,
	archived
}: {
	supabase: Client;
	id: string;
	archived: boolean;
}): Promise<{ ok: true } | { ok: false; status: 403; message: string }> {
	const { data, error } = await supabase
		.from('patients')
		.update({ archived_at: archived ? new Date().toISOString() : null })
		.eq('id', id)
		.select('id')
		.maybeSingle();
	if (error) {
		if (error.code === '42501')
			return { ok: false, status: 403, message: 'Your role cannot archive patients.' };
		throw new Error(`archiving patient failed: ${error.message}`);
	}
	if (!data) return { ok: false, status: 403, message: 'You cannot change this patient.' };
	return { ok: true };
}

/**
 * For actions (which do not run the layout's load): the caller's live role at the host's clinic,
 * and whether the token's active clinic is this one. A write with a token for another clinic
 * would land there (RLS follows the token), so actions refuse it and ask for a reload.
 */
export async function actingRole({
	supabase,
	claims,
	slug
}: {
	supabase: Client;
	claims: VerifiedClaims | null;
	slug: string | undefined;
}): Promise<{ ok: true; role: string } | { ok: false; status: 401 | 403; message: string }> {
	if (!claims) return { ok: false, status: 401, message: 'Sign in again.' };
	const orgs = await myOrganizations(supabase);
	const here = orgs.find((o) => o.slug === slug);
	if (!here) return { ok: false, status: 403, message: 'You do not have access to this clinic.' };
	if (claims.organization_id !== here.organization_id) {
		return {
			status: 403,
			ok: false,
			message: 'Your session is active at another clinic. Reload the page and try again.'
		};
	}
	return { ok: true, role: here.role };
}
