/**
 * The clinic's audit trail for its admins: audit_log rows read with the admin's own session (RLS:
 * admins of the live clinic only), filtered by person, patient, action and time, with names
 * resolved for display and a one-line summary of each change.
 *
 * Patient filter: a patient's trail is the rows whose row is the patient itself (registration,
 * edits, chart views) or one of its clinical records: the ids of its visits (visit notes are
 * audited under their visit's id), lab orders and prescriptions are looked up first and matched on
 * row_id, which the (organization_id, table_name, row_id) index serves. This also finds records
 * whose later updates carry no patient_id in their changes.
 */
import { z } from 'zod';
import { text } from '$lib/schemas/text';
import type { SupabaseClient } from '@supabase/supabase-js';
import type { Database } from '$lib/database.types';
import { fullName } from '$lib/format';
import { isUuid } from '$lib/uuid';

type Db = SupabaseClient<Database>;
export type AuditRow = Pick<
	Database['public']['Tables']['audit_log']['Row'],
	'id' | 'actor_id' | 'action' | 'table_name' | 'row_id' | 'changes' | 'created_at'
>;

export const AUDIT_ACTIONS = ['insert', 'update', 'delete', 'view', 'export'] as const;
export const AUDIT_PAGE_SIZE = 50;

const optional = <T extends z.ZodType>(s: T) =>
	z.preprocess((v) => (v === '' || v === null ? undefined : v), s.optional());
const isoDate = text().regex(/^\d{4}-\d{2}-\d{2}$/);

/** The filters, from the query string (the page's GET form and the CSV link share them). */
export const auditFilterSchema = z.object({
	actor: optional(z.uuid()),
	patient: optional(text().trim().max(40)),
	action: optional(z.enum(AUDIT_ACTIONS)),
	from: optional(isoDate),
	to: optional(isoDate),
	page: z.coerce.number().int().min(1).max(100000).catch(1)
});
export type AuditFilter = z.infer<typeof auditFilterSchema>;

export function parseAuditFilter(params: URLSearchParams): AuditFilter {
	const raw = Object.fromEntries(
		['actor', 'patient', 'action', 'from', 'to', 'page'].map((k) => [k, params.get(k)])
	);
	const parsed = auditFilterSchema.safeParse(raw);
	return parsed.success ? parsed.data : { page: 1 };
}

export interface PatientRef {
	id: string;
	mrn: string;
	name: string;
}

/** The patient a filter names, by MRN ("MRN-000012" or "12") or id. */
export async function findPatient({
	supabase,
	q
}: {
	supabase: Db;
	q: string;
}): Promise<PatientRef | null> {
	let query = supabase.from('patients').select('id, mrn, given_name, family_name');
	if (isUuid(q)) query = query.eq('id', q);
	else if (/^(mrn-?)?\d{1,12}$/i.test(q))
		query = query.eq('mrn', 'MRN-' + String(Number(q.replace(/\D/g, ''))).padStart(6, '0'));
	else return null;
	const { data, error } = await query.maybeSingle();
	if (error) throw new Error(`patients: ${error.message}`);
	return data ? { id: data.id, mrn: data.mrn, name: fullName(data) } : null;
}

/** Ids whose audit rows belong to a patient: the patient and its visits, lab orders, prescriptions. */
async function patientRowIds(supabase: Db, patientId: string): Promise<string[]> {
	const ids = [patientId];
	for (const table of ['visits', 'lab_orders', 'prescriptions'] as const) {
		const { data, error } = await supabase.from(table).select('id').eq('patient_id', patientId);
		if (error) throw new Error(`${table}: ${error.message}`);
		ids.push(...(data ?? []).map((r) => r.id));
	}
	return ids;
}

/** A filtered query builder factory (re-created per page: builders are single-use). */
export async function auditQuery({
	supabase,
	organizationId,
	filter,
	patientId
}: {
	supabase: Db;
	organizationId: string;
	filter: AuditFilter;
	patientId: string | null;
}) {
	const rowIds = patientId ? await patientRowIds(supabase, patientId) : null;
	return (withCount: boolean) => {
		let q = supabase
			.from('audit_log')
			.select(
				'id, actor_id, action, table_name, row_id, changes, created_at',
				withCount ? { count: 'exact' } : undefined
			)
			.eq('organization_id', organizationId);
		if (filter.actor) q = q.eq('actor_id', filter.actor);
		if (filter.action) q = q.eq('action', filter.action);
		if (filter.from) q = q.gte('created_at', `${filter.from}T00:00:00Z`);
		if (filter.to) q = q.lt('created_at', nextDay(filter.to));
		if (rowIds) q = q.in('row_id', rowIds);
		return q.order('id', { ascending: false });
	};
}

function nextDay(date: string): string {
	const d = new Date(`${date}T00:00:00Z`);
	d.setUTCDate(d.getUTCDate() + 1);
	return d.toISOString();
}

/** Staff of the clinic (for the person filter and actor names). */
export async function clinicPeople({
	supabase,
	organizationId
}: {
	supabase: Db;
	organizationId: string;
}) {
	const { data, error } = await supabase
		.from('memberships')
		.select('user_id, profiles(full_name, email)')
		.eq('organization_id', organizationId);
	if (error) throw new Error(`memberships: ${error.message}`);
	return (data ?? [])
		.map((m) => ({ id: m.user_id, name: m.profiles?.full_name || m.profiles?.email || m.user_id }))
		.sort((a, b) => a.name.localeCompare(b.name));
}

/** The patient each row concerns (the patient itself, or patient_id in the recorded row). */
export function rowPatientId(
	row: Pick<AuditRow, 'table_name' | 'row_id' | 'changes'>
): string | null {
	if (row.table_name === 'patients') return row.row_id;
	const c = (row.changes ?? {}) as { new?: Record<string, unknown>; old?: Record<string, unknown> };
	const id = c.new?.patient_id ?? c.old?.patient_id;
	return typeof id === 'string' ? id : null;
}

export async function patientNames({ supabase, ids }: { supabase: Db; ids: string[] }) {
	const names = new Map<string, PatientRef>();
	const unique = [...new Set(ids)];
	for (let i = 0; i < unique.length; i += 200) {
		const { data, error } = await supabase
			.from('patients')
			.select('id, mrn, given_name, family_name')
			.in('id', unique.slice(i, i + 200));
		if (error) throw new Error(`patients: ${error.message}`);
		for (const p of data ?? []) names.set(p.id, { id: p.id, mrn: p.mrn, name: fullName(p) });
	}
	return names;
}

const short = (v: unknown) => {
	const s =
		v === null || v === undefined ? '—' : typeof v === 'object' ? JSON.stringify(v) : String(v);
	return s.length > 60 ? `${s.slice(0, 57)}…` : s;
};

/** One line describing what happened, e.g. "opened the chart of Ada Audit (MRN-000001)". */
export function summarize(row: AuditRow, patient: PatientRef | undefined): string {
	const who = patient ? `${patient.name} (${patient.mrn})` : 'a patient';
	const c = (row.changes ?? {}) as {
		new?: Record<string, unknown>;
		old?: Record<string, unknown>;
		kind?: string;
		row_count?: number;
	};
	switch (row.action) {
		case 'view':
			return `opened the chart of ${who}`;
		case 'export':
			return `exported ${c.kind ?? row.table_name} (${c.row_count ?? '?'} rows)`;
		case 'insert':
			return row.table_name === 'patients'
				? `registered ${who}`
				: `created ${row.table_name}${patient ? ` for ${who}` : ''}`;
		case 'delete':
			return `deleted ${row.table_name}${patient ? ` of ${who}` : ''}`;
		case 'update': {
			const keys = Object.keys(c.new ?? {});
			const parts = keys
				.slice(0, 4)
				.map((k) => `${k}: ${short(c.old?.[k])} → ${short(c.new?.[k])}`);
			if (keys.length > 4) parts.push(`+${keys.length - 4} more`);
			return `changed ${parts.join('; ')}`;
		}
		default:
			return row.action;
	}
}

export async function verifyChain({ supabase }: { supabase: Db }) {
	const { data, error } = await supabase.rpc('verify_audit_chain');
	if (error) throw new Error(`verify_audit_chain: ${error.message}`);
	return data?.[0] ?? null;
}
