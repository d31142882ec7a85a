/**
 * Custom patient fields (patient_field_definitions), managed by clinic admins with their own
 * client: RLS lets only the clinic's admins write, and the database refuses a definition change
 * that existing patients' values violate (required, format, options, unique, type; see migration
 * 20261124700100), with the count in the message and the offending column in DETAIL.
 */
import type { SupabaseClient } from '@supabase/supabase-js';
import type { Database } from '$lib/database.types';
import { optionList } from '$lib/schemas/admin';

type Db = SupabaseClient<Database>;

export type FieldRow = Pick<
	Database['public']['Tables']['patient_field_definitions']['Row'],
	| 'id'
	| 'key'
	| 'label'
	| 'field_type'
	| 'options'
	| 'required'
	| 'pattern'
	| 'unique_within_clinic'
	| 'sort_order'
	| 'active'
>;

/** Form field a database refusal belongs to. */
export type FieldFormKey =
	'key' | 'label' | 'options' | 'required' | 'pattern' | 'uniqueWithinClinic' | 'fieldType';
export type FieldOutcome = { ok: true } | { ok: false; field: FieldFormKey; message: string };

const COLUMNS =
	'id, key, label, field_type, options, required, pattern, unique_within_clinic, sort_order, active';

/** Every definition of the clinic (active and not), in form order. */
export async function listFields({ supabase }: { supabase: Db }): Promise<FieldRow[]> {
	const { data, error } = await supabase
		.from('patient_field_definitions')
		.select(COLUMNS)
		.order('sort_order')
		.order('key');
	if (error) throw new Error(`patient_field_definitions: ${error.message}`);
	return data ?? [];
}

export async function getField({ supabase, id }: { supabase: Db; id: string }) {
	const { data, error } = await supabase
		.from('patient_field_definitions')
		.select(COLUMNS)
		.eq('id', id)
		.maybeSingle();
	if (error) throw new Error(`patient_field_definitions: ${error.message}`);
	return data;
}

/**
 * How many active (non-archived) patients have no value for each key, to explain on the page what
 * making a field required would need. Reads custom_fields page by page (RLS: the clinic's patients).
 */
export async function missingValueCounts({
	supabase,
	keys
}: {
	supabase: Db;
	keys: string[];
}): Promise<{ activePatients: number; missing: Record<string, number> }> {
	const missing: Record<string, number> = Object.fromEntries(keys.map((k) => [k, 0]));
	let activePatients = 0;
	const pageSize = 1000;
	for (let from = 0; ; from += pageSize) {
		const { data, error } = await supabase
			.from('patients')
			.select('id, custom_fields')
			.is('archived_at', null)
			.order('id')
			.range(from, from + pageSize - 1);
		if (error) throw new Error(`patients: ${error.message}`);
		for (const p of data ?? []) {
			activePatients++;
			const values = (p.custom_fields ?? {}) as Record<string, unknown>;
			for (const k of keys) {
				const v = values[k];
				if (v === undefined || v === null || v === '') missing[k]++;
			}
		}
		if (!data || data.length < pageSize) break;
	}
	return { activePatients, missing };
}

function refusal(error: { code?: string; message: string; details?: string | null }): FieldOutcome {
	const byColumn: Record<string, FieldFormKey> = {
		required: 'required',
		pattern: 'pattern',
		options: 'options',
		unique_within_clinic: 'uniqueWithinClinic',
		field_type: 'fieldType'
	};
	const clean = error.message.replace(/^custom field "[^"]*": /, '');
	const sentence = clean.charAt(0).toUpperCase() + clean.slice(1) + '.';
	if (error.details && byColumn[error.details])
		return { ok: false, field: byColumn[error.details], message: sentence };
	if (error.code === '23505')
		return { ok: false, field: 'key', message: 'A field with this key already exists.' };
	if (/pattern/.test(error.message)) return { ok: false, field: 'pattern', message: sentence };
	if (/options/.test(error.message)) return { ok: false, field: 'options', message: sentence };
	if (error.code === '42501')
		return {
			ok: false,
			field: 'label',
			message: 'Only this clinic’s admins can change its fields.'
		};
	return { ok: false, field: 'label', message: sentence };
}

export async function createField({
	supabase,
	key,
	label,
	fieldType,
	options,
	required,
	pattern,
	uniqueWithinClinic
}: {
	supabase: Db;
	key: string;
	label: string;
	fieldType: FieldRow['field_type'];
	options: string;
	required: boolean;
	pattern: string;
	uniqueWithinClinic: boolean;
}): Promise<FieldOutcome> {
	const existing = await listFields({ supabase });
	const sortOrder = existing.reduce((m, f) => Math.max(m, f.sort_order), 0) + 10;
	const { error } = await supabase.from('patient_field_definitions').insert({
		key,
		label,
		field_type: fieldType,
		options: fieldType === 'select' ? optionList(options) : null,
		required,
		pattern: fieldType === 'text' && pattern ? pattern : null,
		unique_within_clinic: uniqueWithinClinic,
		sort_order: sortOrder
	});
	if (error) return refusal(error);
	return { ok: true };
}

/** Label, options, format, required and unique; key and type stay as they are. */
export async function updateField({
	supabase,
	id,
	label,
	options,
	required,
	pattern,
	uniqueWithinClinic
}: {
	supabase: Db;
	id: string;
	label: string;
	options: string;
	required: boolean;
	pattern: string;
	uniqueWithinClinic: boolean;
}): Promise<FieldOutcome> {
	const current = await getField({ supabase, id });
	if (!current) return { ok: false, field: 'label', message: 'This field no longer exists.' };
	const { data, error } = await supabase
		.from('patient_field_definitions')
		.update({
			label,
			options: current.field_type === 'select' ? optionList(options) : null,
			required,
			pattern: current.field_type === 'text' && pattern ? pattern : null,
			unique_within_clinic: uniqueWithinClinic
		})
		.eq('id', id)
		.select('id');
	if (error) return refusal(error);
	if (!data?.length)
		return {
			ok: false,
			field: 'label',
			message: 'Only this clinic’s admins can change its fields.'
		};
	return { ok: true };
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
}): Promise<{ ok: true } | { ok: false; message: string }> {
	const fields = await listFields({ supabase });
	const i = fields.findIndex((f) => f.id === id);
	const j = direction === 'up' ? i - 1 : i + 1;
	if (i < 0) return { ok: false, message: 'This field no longer exists.' };
	if (j < 0 || j >= fields.length) return { ok: true };
	[fields[i], fields[j]] = [fields[j], fields[i]];
	for (const [index, f] of fields.entries()) {
		const sortOrder = (index + 1) * 10;
		if (f.sort_order === sortOrder) continue;
		const { error } = await supabase
			.from('patient_field_definitions')
			.update({ sort_order: sortOrder })
			.eq('id', f.id);
		if (error) return { ok: false, message: error.message };
	}
	return { ok: true };
}

/** Deactivate (hidden from forms, stored values kept) or reactivate (checked like a new field). */
export async function setFieldActive({
	supabase,
	id,
	active
}: {
	supabase: Db;
	id: string;
	active: boolean;
}): Promise<{ ok: true } | { ok: false; message: string }> {
	const { data, error } = await supabase
		.from('patient_field_definitions')
		.update({ active })
		.eq('id', id)
		.select('id');
	if (error) {
		const r = refusal(error);
		return { ok: false, message: r.ok ? error.message : r.message };
	}
	if (!data?.length)
		return { ok: false, message: 'Only this clinic’s admins can change its fields.' };
	return { ok: true };
}
