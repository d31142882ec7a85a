/**
 * The clinic's audit trail for its admins: one `audit_trail` RPC per page (or per CSV page) with the
 * admin's own session (RLS: admins of the live clinic only), filtered by person, patient, action
 * and days, and every entry turned into a sentence (./audit-sentences.ts) with the clinic's names
 * and its local time.
 *
 * Patient filter: a patient's trail is the rows of the patient itself (registration, edits, chart
 * views) and of every record whose insert row names the patient (visits and their notes, lab
 * orders, prescriptions, …), which the database finds through the audit log itself.
 */
import { z } from 'zod';
import { text } from '$lib/schemas/text';
import type { Db } from '../db';
import { dayRange, formatDateTime, isDay } from '$lib/format';
import { actorLabel, patientLabel, sentence, type TrailEntry } from './audit-sentences';
import { readOrThrow } from '../reads';

export const AUDIT_ACTIONS = ['insert', 'update', 'delete', 'view', 'export'] as const;
export const AUDIT_PAGE_SIZE = 50;

const optional = <T extends z.ZodType>(s: T) =>
	z.preprocess((v) => (v === '' || v === null ? undefined : v), s.optional());
const isoDate = text().refine(isDay);

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

export interface Person {
	id: string;
	name: string;
	role: string;
	/** The membership's status, or 'former' for someone who has left (named as the trail recorded). */
	status: string;
}

export interface ChainCheck {
	intact: boolean;
	rows_checked: number;
	first_broken_id: number | null;
	problem: string | null;
}

/** What `public.audit_trail` answers. */
interface TrailAnswer {
	patient: PatientRef | null;
	patient_not_found: boolean;
	total: number | null;
	entries: TrailEntry[];
	people: Person[];
	field_labels: Record<string, string>;
	chain: ChainCheck | null;
}

/** One entry as the page and the CSV show it: the raw row and its sentence. */
export interface AuditView {
	id: number;
	at: string;
	/** `at` in the clinic's time zone. */
	when: string;
	actor: string;
	actorId: string | null;
	action: TrailEntry['action'];
	table: string;
	rowId: string | null;
	patientId: string | null;
	patient: string | null;
	sentence: string;
	changes: Record<string, unknown>;
}

/**
 * One page of the trail (one round trip): the entries as sentences, the total, the staff for the
 * person filter, the patient the filter names (or that it names none) and, for the page, the
 * hash-chain check.
 */
export async function loadAuditTrail({
	supabase,
	filter,
	timeZone,
	offset,
	limit,
	withTotal = true,
	withChain = false
}: {
	supabase: Db;
	filter: AuditFilter;
	/** The clinic's: filter days are its days, times are shown in it. */
	timeZone: string;
	offset: number;
	limit: number;
	withTotal?: boolean;
	withChain?: boolean;
}) {
	const data = await readOrThrow(
		'audit_trail',
		supabase.rpc('audit_trail', {
			...(filter.actor ? { actor: filter.actor } : {}),
			...(filter.patient ? { patient: filter.patient } : {}),
			...(filter.action ? { action: filter.action } : {}),
			...(filter.from ? { from_at: dayRange(filter.from, timeZone).start.toISOString() } : {}),
			...(filter.to ? { to_at: dayRange(filter.to, timeZone).end.toISOString() } : {}),
			page_size: limit,
			page_offset: offset,
			with_total: withTotal,
			with_chain: withChain
		})
	);
	const answer = data as unknown as TrailAnswer;
	const people = new Map(answer.people.map((p) => [p.id, p.name]));
	const ctx = { people, fieldLabels: answer.field_labels, timeZone };
	const rows: AuditView[] = answer.entries.map((e) => ({
		id: e.id,
		at: e.created_at,
		when: formatDateTime(e.created_at, timeZone),
		actor: actorLabel(e),
		actorId: e.actor_id,
		action: e.action,
		table: e.table_name,
		rowId: e.row_id,
		patientId: e.patient_id ?? null,
		patient: patientLabel(e),
		sentence: sentence(e, ctx),
		changes: e.changes
	}));
	return {
		rows,
		total: answer.total ?? 0,
		people: answer.people,
		patient: answer.patient,
		patientNotFound: answer.patient_not_found,
		chain: answer.chain
	};
}
