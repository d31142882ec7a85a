/**
 * Custom patient fields (patient_field_definitions), managed by clinic admins with their own
 * client: RLS lets only the clinic's admins write, and the database refuses a definition change
 * that existing patients' values violate (format, options, unique, type; see migration
 * 20261124200000_create_patients), with the count in the message and the offending column in
 * DETAIL. A format is a kind (any text, digits, letters) or an example mask (`AAA9999`); the
 * database derives the regular expression and the words staff read (`format_hint`), and nobody
 * here ever writes or shows a regular expression.
 */
import type { Db, WithDb } from '../db';
import { error } from '@sveltejs/kit';
import type { Database } from '$lib/database.types';
import { optionList } from '$lib/schemas/admin';
import { DONE, updateById, refuse, written, type RefusalRules, type Result } from '../refusals';
import { readOrThrow } from '../reads';

export type FieldRow = Pick<
	Database['public']['Tables']['patient_field_definitions']['Row'],
	| 'id'
	| 'key'
	| 'label'
	| 'field_type'
	| 'options'
	| 'required'
	| 'format_kind'
	| 'format_mask'
	| 'format_hint'
	| 'unique_within_clinic'
	| 'sort_order'
	| 'active'
>;

/** Form field a database refusal belongs to. */
export type FieldFormKey =
	| 'key'
	| 'label'
	| 'options'
	| 'required'
	| 'formatKind'
	| 'formatMask'
	| 'uniqueWithinClinic'
	| 'fieldType';

const ONLY_ADMINS = 'Only this clinic’s admins can change its fields.';

/**
 * How the field form reads a refusal: the definition guard names the column in DETAIL (with the
 * count of patients in the message); a taken key is the table's unique constraint; checks of the
 * definition itself (a mask it cannot use, repeated options) say so in words.
 */
const FIELD_RULES: RefusalRules<FieldFormKey> = {
	fields: {
		required: 'required',
		format_kind: 'formatKind',
		format_mask: 'formatMask',
		options: 'options',
		unique_within_clinic: 'uniqueWithinClinic',
		field_type: 'fieldType',
		label: 'label',
		patient_field_definitions_organization_id_key_key: 'key'
	},
	words: { mask: 'formatMask', format: 'formatKind', options: 'options' },
	otherwise: 'label',
	forbidden: ONLY_ADMINS
};

const COLUMNS =
	'id, key, label, field_type, options, required, format_kind, format_mask, format_hint, unique_within_clinic, sort_order, active';

/**
 * The clinic's field definitions (all, or the one `fieldId`) in form order, with how many active
 * (non-archived) patients have no value for each: what making a field required would need. One
 * Data API call (`field_overview`, security invoker: RLS decides every row) instead of reading
 * every patient's custom fields page by page.
 */
export async function fieldOverview({
	supabase,
	fieldId
}: {
	supabase: Db;
	fieldId?: string;
}): Promise<{ fields: FieldRow[]; activePatients: number; missing: Record<string, number> }> {
	const data = await readOrThrow(
		'field_overview',
		supabase.rpc('field_overview', fieldId ? { field_id: fieldId } : undefined)
	);
	const overview = (data ?? {}) as {
		fields?: FieldRow[];
		active_patients?: number;
		missing?: Record<string, number>;
	};
	return {
		fields: overview.fields ?? [],
		activePatients: overview.active_patients ?? 0,
		missing: overview.missing ?? {}
	};
}

/** Every definition of the clinic (active and not), in form order. */
export async function listFields({ supabase }: { supabase: Db }): Promise<FieldRow[]> {
	const data = await readOrThrow(
		'patient_field_definitions',
		supabase.from('patient_field_definitions').select(COLUMNS).order('sort_order').order('key')
	);
	return data ?? [];
}

export async function getField({ supabase, id }: { supabase: Db; id: string }) {
	const data = await readOrThrow(
		'patient_field_definitions',
		supabase.from('patient_field_definitions').select(COLUMNS).eq('id', id).maybeSingle()
	);
	return data;
}

/**
 * A field of the clinic for its own pages (edit, deactivate), with how many active patients have
 * no value for it, in one call; 404 when the clinic has no such field (another clinic's is not
 * visible: RLS).
 */
export async function fieldPage({ supabase, id }: { supabase: Db; id: string }) {
	const { fields, activePatients, missing } = await fieldOverview({ supabase, fieldId: id });
	const field = fields[0];
	if (!field) error(404, 'No such field.');
	return { field, activePatients, missing: missing[field.key] ?? 0 };
}

export async function createField({
	supabase,
	key,
	label,
	fieldType,
	options,
	required,
	formatKind,
	formatMask,
	uniqueWithinClinic
}: {
	supabase: Db;
	key: string;
	label: string;
	fieldType: FieldRow['field_type'];
	options: string;
	required: boolean;
	formatKind: FieldRow['format_kind'];
	formatMask: string;
	uniqueWithinClinic: boolean;
}): Promise<Result<object, FieldFormKey>> {
	const existing = await listFields({ supabase });
	const sortOrder = existing.reduce((m, f) => Math.max(m, f.sort_order), 0) + 10;
	return written(
		supabase.from('patient_field_definitions').insert({
			key,
			label,
			field_type: fieldType,
			options: fieldType === 'select' ? optionList(options) : null,
			required,
			...formatColumns(formatKind, formatMask),
			unique_within_clinic: uniqueWithinClinic,
			sort_order: sortOrder
		}),
		FIELD_RULES
	);
}

/**
 * The format columns as the form chose them: a mask only with the kind "mask". A format on a
 * field that is not text is sent as chosen, for the database to refuse next to the format.
 */
function formatColumns(kind: FieldRow['format_kind'], mask: string) {
	return { format_kind: kind, format_mask: kind === 'mask' ? mask : null };
}

/** Label, options, format, required and unique; key and type stay as they are. */
export async function updateField({
	supabase,
	id,
	label,
	options,
	required,
	formatKind,
	formatMask,
	uniqueWithinClinic
}: {
	supabase: Db;
	id: string;
	label: string;
	options: string;
	required: boolean;
	formatKind: FieldRow['format_kind'];
	formatMask: string;
	uniqueWithinClinic: boolean;
}): Promise<Result<object, FieldFormKey>> {
	const current = await getField({ supabase, id });
	if (!current) return refuse('This field no longer exists.', { field: 'label', status: 404 });
	return updateById(
		supabase,
		'patient_field_definitions',
		id,
		{
			label,
			options: current.field_type === 'select' ? optionList(options) : null,
			required,
			...formatColumns(formatKind, formatMask),
			unique_within_clinic: uniqueWithinClinic
		},
		{ ...FIELD_RULES, none: refuse(ONLY_ADMINS, { field: 'label', status: 403 }) }
	);
}

/** Moves a field one place up or down: renumbers the list (10, 20, …) and writes what changed. */
export async function moveField({
	supabase,
	id,
	direction
}: {
	supabase: Db;
	id: string;
	direction: 'up' | 'down';
}): Promise<Result> {
	const fields = await listFields({ supabase });
	const i = fields.findIndex((f) => f.id === id);
	const j = direction === 'up' ? i - 1 : i + 1;
	if (i < 0) return refuse('This field no longer exists.', { status: 404 });
	if (j < 0 || j >= fields.length) return DONE;
	[fields[i], fields[j]] = [fields[j], fields[i]];
	for (const [index, f] of fields.entries()) {
		const sortOrder = (index + 1) * 10;
		if (f.sort_order === sortOrder) continue;
		const moved = await updateById(
			supabase,
			'patient_field_definitions',
			f.id,
			{ sort_order: sortOrder },
			{ forbidden: ONLY_ADMINS, none: refuse(ONLY_ADMINS, { status: 403 }) }
		);
		if (!moved.ok) return moved;
	}
	return DONE;
}

/** Deactivate (hidden from forms, stored values kept) or reactivate (checked like a new field). */
export async function setFieldActive({
	supabase,
	id,
	active
}: WithDb<{ id: string; active: boolean }>): Promise<Result> {
	return updateById(
		supabase,
		'patient_field_definitions',
		id,
		{ active },
		// one button: every refusal is shown next to it
		{
			...FIELD_RULES,
			fields: {},
			words: {},
			otherwise: 'id',
			none: refuse(ONLY_ADMINS, { field: 'id', status: 403 })
		}
	);
}
