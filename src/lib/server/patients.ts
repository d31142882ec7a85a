/**
 * Patients of the caller's clinic: list and search, registration, edits and archiving. Every
 * query runs as the signed-in person (RLS decides what they see and may change); nothing here
 * filters by clinic for safety, only to help the planner. Database refusals are translated to a
 * field and a message so the form and the API can never disagree.
 */
import type { Db, WithDb } from './db';
import type { Database } from '$lib/database.types';
import {
	PATIENT_PAGE_SIZE,
	customFieldName,
	customFieldsFromForm,
	formValuesFromPatient,
	missingRequired,
	type Demographics,
	type LikelyDuplicate,
	type PatientForm,
	type FieldDefinition
} from '$lib/schemas/patient';
import { oneRow, updateById, refusalOf, refuse, type RefusalRules, type Result } from './refusals';
import { readOrThrow } from './reads';

export type PatientRow = Database['public']['Tables']['patients']['Row'];
type PatientInsert = Database['public']['Tables']['patients']['Insert'];

/** Columns the list shows. */
/**
 * The list's columns, with the clinic's field definitions embedded (the same request: a clinic page
 * makes one data request), so a patient registered before a field became required is flagged.
 */
const LIST_COLUMNS =
	'id, mrn, given_name, family_name, date_of_birth, sex, phone, archived_at, custom_fields, organizations!patients_organization_id_fkey(patient_field_definitions(key, label, required, active))';
export type PatientListItem = Pick<
	PatientRow,
	'id' | 'mrn' | 'given_name' | 'family_name' | 'date_of_birth' | 'sex' | 'phone' | 'archived_at'
> & {
	/** Labels of the clinic's active required fields this patient has no value for. */
	missing: string[];
};

interface ListedRow extends Omit<PatientListItem, 'missing'> {
	custom_fields: unknown;
	organizations: {
		patient_field_definitions: { key: string; label: string; required: boolean; active: boolean }[];
	} | null;
}

/** A listed row as the page shows it: the stored custom values stay here, only what is missing goes. */
function toListItem({ custom_fields, organizations, ...row }: ListedRow): PatientListItem {
	const missing = missingRequired(
		organizations?.patient_field_definitions ?? [],
		custom_fields as Record<string, unknown> | null
	);
	return { ...row, missing };
}

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
	/** Set when the page asked for lies past the end: the last page that has rows (1 when none). */
	lastPage?: number;
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
	supabase: Db;
	q: string;
	page: number;
	includeArchived: boolean;
}): Promise<PatientPage> {
	const off = (page - 1) * PATIENT_PAGE_SIZE;
	if (q) {
		const data = await readOrThrow(
			'search_patients failed',
			supabase
				.rpc('search_patients', {
					q,
					lim: PATIENT_PAGE_SIZE + 1,
					off,
					include_archived: includeArchived
				})
				.select(LIST_COLUMNS)
		);
		const all = ((data ?? []) as unknown as ListedRow[]).map(toListItem);
		const rows = all.slice(0, PATIENT_PAGE_SIZE);
		if (rows.length === 0 && page > 1) {
			const lastPage = await lastSearchPage(supabase, q, off, includeArchived);
			return { ...emptyPage(page), lastPage };
		}
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
	// PGRST103: the range starts past the last row (PostgREST answers 416 with the count).
	if (error && error.code !== 'PGRST103')
		throw new Error(`listing patients failed: ${error.message}`);
	const rows = ((data ?? []) as unknown as ListedRow[]).map(toListItem);
	if (rows.length === 0 && page > 1) {
		let total = count;
		if (total === null) {
			let countQuery = supabase.from('patients').select('id', { count: 'exact', head: true });
			if (!includeArchived) countQuery = countQuery.is('archived_at', null);
			const counted = await countQuery;
			if (counted.error) throw new Error(`counting patients failed: ${counted.error.message}`);
			total = counted.count ?? 0;
		}
		return { ...emptyPage(page), lastPage: Math.max(1, Math.ceil(total / PATIENT_PAGE_SIZE)) };
	}
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

function emptyPage(page: number): PatientPage {
	return { rows: [], from: 0, to: 0, total: null, hasPrevious: page > 1, hasNext: false };
}

/**
 * The last page of a search whose requested offset `past` lies beyond its results: the search
 * pages itself and knows no total, so this finds the last row by bisecting offsets, one row per
 * probe (about 20 round trips at most, only for a URL past the end).
 */
async function lastSearchPage(
	supabase: Db,
	q: string,
	past: number,
	includeArchived: boolean
): Promise<number> {
	const exists = async (off: number) => {
		const data = await readOrThrow(
			'search_patients failed',
			supabase
				.rpc('search_patients', { q, lim: 1, off, include_archived: includeArchived })
				.select('id')
		);
		return (data ?? []).length > 0;
	};
	if (!(await exists(0))) return 1;
	let lo = 0; // has a row
	let hi = past; // has none
	while (hi - lo > 1) {
		const mid = Math.floor((lo + hi) / 2);
		if (await exists(mid)) lo = mid;
		else hi = mid;
	}
	return Math.floor(lo / PATIENT_PAGE_SIZE) + 1;
}

/**
 * `find_patient_duplicates`: the same normalized names and date of birth, or the same value of a
 * unique custom field, in the caller's own clinic only (the function returns nothing for anyone
 * else, so it never reveals another clinic's patients).
 */
export async function likelyDuplicates({
	supabase,
	input,
	definitions,
	exclude
}: {
	supabase: Db;
	input: PatientForm;
	definitions: readonly FieldDefinition[];
	exclude?: string;
}): Promise<LikelyDuplicate[]> {
	const custom = customFieldsFromForm(input, definitions);
	const data = await readOrThrow(
		'find_patient_duplicates failed',
		supabase.rpc('find_patient_duplicates', {
			p_given_name: input.given_name,
			p_family_name: input.family_name,
			p_date_of_birth: input.date_of_birth || undefined,
			p_custom_fields: custom as PatientRow['custom_fields'],
			p_exclude: exclude
		})
	);
	const labels = new Map(definitions.map((d) => [d.key, d.label]));
	const seen = new Map<string, LikelyDuplicate>();
	for (const row of data ?? []) {
		const reason =
			row.matched_on === 'name_and_date_of_birth'
				? 'same name and date of birth'
				: `same ${labels.get(row.matched_on.replace(/^custom_field:/, '')) ?? 'unique field'}`;
		const known = seen.get(row.id);
		if (known) known.reason += `; ${reason}`;
		else seen.set(row.id, { ...row, reason });
	}
	return [...seen.values()];
}

/** Columns of a custom field definition the patient form needs. */
const DEFINITION_COLUMNS =
	'key, label, field_type, options, required, pattern, format_hint, unique_within_clinic, sort_order';

/**
 * The likely duplicates an edit of patient `id` would create: `likelyDuplicates` of the edited
 * values among the clinic's OTHER patients, less those the stored record already resembled for the
 * same reason (seen, and saved anyway, before), so correcting a phone number does not ask again.
 */
export async function likelyDuplicatesOfEdit({
	supabase,
	id,
	input,
	stored,
	definitions
}: {
	supabase: Db;
	id: string;
	input: PatientForm;
	stored: PatientForEdit;
	definitions: readonly FieldDefinition[];
}): Promise<LikelyDuplicate[]> {
	const after = await likelyDuplicates({ supabase, input, definitions, exclude: id });
	if (after.length === 0) return after;
	const before = await likelyDuplicates({
		supabase,
		input: formValuesFromPatient(stored, definitions) as PatientForm,
		definitions,
		exclude: id
	});
	const known = new Set(before.map((d) => `${d.id} ${d.reason}`));
	return after.filter((d) => !known.has(`${d.id} ${d.reason}`));
}

/** The clinic's ACTIVE custom patient fields, in form order. */
export async function activeFieldDefinitions({
	supabase
}: {
	supabase: Db;
}): Promise<FieldDefinition[]> {
	const data = await readOrThrow(
		'loading patient fields failed',
		supabase
			.from('patient_field_definitions')
			.select(DEFINITION_COLUMNS)
			.eq('active', true)
			.order('sort_order')
			.order('key')
	);
	return data ?? [];
}

/**
 * A patient of the caller's clinic for editing, or null (absent, or another clinic's: RLS). `id`
 * is a UUID (the route's matcher).
 */
export async function getPatientForEdit({
	supabase,
	id
}: {
	supabase: Db;
	id: string;
}): Promise<PatientForEdit | null> {
	const data = await readOrThrow(
		'loading patient failed',
		supabase.from('patients').select(EDIT_COLUMNS).eq('id', id).maybeSingle()
	);
	return data;
}

/**
 * The edit page's data in ONE embedded select: the patient (null when absent or another
 * clinic's: RLS) with its clinic's ACTIVE custom field definitions in form order.
 */
export async function patientEditPage({
	supabase,
	id
}: {
	supabase: Db;
	id: string;
}): Promise<{ patient: PatientForEdit; definitions: FieldDefinition[] } | null> {
	const data = await readOrThrow(
		'loading patient failed',
		supabase
			.from('patients')
			.select(
				`${EDIT_COLUMNS}, organizations!patients_organization_id_fkey(patient_field_definitions(${DEFINITION_COLUMNS}))`
			)
			.eq('id', id)
			.eq('organizations.patient_field_definitions.active', true)
			.order('sort_order', { referencedTable: 'organizations.patient_field_definitions' })
			.order('key', { referencedTable: 'organizations.patient_field_definitions' })
			.maybeSingle()
	);
	if (!data) return null;
	const { organizations, ...patient } = data;
	return { patient, definitions: organizations?.patient_field_definitions ?? [] };
}

const CONSTRAINT_FIELDS: Record<string, string> = {
	// DETAIL of the not-in-the-future trigger (private.check_patient_birth_date)
	date_of_birth: 'date_of_birth',
	patients_given_name_check: 'given_name',
	patients_family_name_check: 'family_name',
	patients_date_of_birth_check: 'date_of_birth',
	patients_phone_check: 'phone',
	patients_email_check: 'email',
	patients_address_check: 'address'
};

/**
 * How the patient form reads a refusal. The custom field triggers raise 23514 (23505 for a
 * unique_within_clinic value already used) with DETAIL = the field key; column checks name their
 * constraint; a full plan is DETAIL `patient_limit` (answered 409, on the form); RLS is 42501.
 */
export function patientRules(definitions: readonly Pick<FieldDefinition, 'key'>[]): RefusalRules {
	return {
		fields: {
			...CONSTRAINT_FIELDS,
			...Object.fromEntries(definitions.map((d) => [d.key, customFieldName(d.key)]))
		},
		forbidden: 'Your role cannot register or change patients at this clinic.',
		conflicts: ['patient_limit']
	};
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
	supabase: Db;
	input: PatientForm;
	definitions: readonly FieldDefinition[];
}): Promise<Result<{ patient: { id: string; mrn: string } }>> {
	const custom_fields = customFieldsFromForm(input, definitions) as PatientRow['custom_fields'];
	const { data, error } = await supabase
		.from('patients')
		// mrn is NOT NULL without a default in the generated Insert type, but the API roles may not
		// write it (column grant): the before-insert trigger assigns it.
		.insert({ ...demographicsRow(input), custom_fields } as PatientInsert)
		.select('id, mrn')
		.single();
	if (error) return refusalOf(error, patientRules(definitions));
	return { ok: true, patient: data };
}

/** A patient the caller cannot change is not theirs to change: the page answers 403. */
const NOT_YOURS = refuse('You cannot change this patient.', { status: 403 });

/**
 * Saves demographics and custom fields. Values of fields the clinic has since deactivated are
 * kept as stored. A patient the caller may not change (RLS) is refused with 403.
 */
export async function updatePatient({
	supabase,
	id,
	input,
	definitions,
	storedCustomFields
}: {
	supabase: Db;
	id: string;
	input: PatientForm;
	definitions: readonly FieldDefinition[];
	storedCustomFields: Record<string, unknown>;
}): Promise<Result<{ row: { id: string; mrn: string } }>> {
	const custom_fields = customFieldsFromForm(
		input,
		definitions,
		storedCustomFields
	) as PatientRow['custom_fields'];
	return oneRow(
		supabase
			.from('patients')
			.update({ ...demographicsRow(input), custom_fields })
			.eq('id', id)
			.select('id, mrn'),
		{ ...patientRules(definitions), none: NOT_YOURS }
	);
}

/** Archives (hides from the default list, keeps every record) or restores a patient. */
export function setPatientArchived({
	supabase,
	id,
	archived
}: WithDb<{ id: string; archived: boolean }>): Promise<Result> {
	return updateById(
		supabase,
		'patients',
		id,
		{ archived_at: archived ? new Date().toISOString() : null },
		{
			forbidden: 'Your role cannot archive patients.',
			conflicts: ['patient_limit'],
			none: NOT_YOURS
		}
	);
}
