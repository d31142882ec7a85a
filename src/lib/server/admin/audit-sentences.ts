/**
 * The clinic's audit trail as sentences people read: "Dr Maya Chen opened the chart of Eleanor
 * Whitfield (MRN-000001)", "Pat Morgan (platform support) opened read-only access for 30 minutes:
 * reason “…”", "Lucia Romero changed the details of Eleanor Whitfield (MRN-000001): Phone from
 * (empty) to +44 20 7946 0001". Field changes are named by their labels (custom fields by the
 * clinic's own label), staff ids by the person's name, moments in the clinic's time zone.
 *
 * Pure: everything comes from one `audit_trail` answer (names resolved by the database under the
 * admin's RLS, so only the clinic's own data), which keeps it testable without a database.
 */
import { formatDate, formatDateTime, formatMoney, titleCase } from '$lib/format';
import { roleLabel } from '$lib/roles';
import { isUuid } from '$lib/uuid';

/** One entry as `public.audit_trail` returns it. */
export interface TrailEntry {
	id: number;
	created_at: string;
	actor_id: string | null;
	action: 'insert' | 'update' | 'delete' | 'view' | 'export';
	table_name: string;
	row_id: string | null;
	changes: Record<string, unknown>;
	actor_name?: string | null;
	/** staff: a member's profile; platform: a platform admin as the trail recorded them; former: no longer visible. */
	actor_kind: 'staff' | 'platform' | 'former' | 'system';
	patient_id?: string | null;
	patient_name?: string | null;
	patient_mrn?: string | null;
	/** What the record is, from its insert row (test name, medication, field label, member…). */
	record?: Record<string, unknown> | null;
	/** The support access a platform admin acted under. */
	support?: { reason?: string; starts_at?: string; expires_at?: string } | null;
}

export interface SentenceContext {
	/** Staff of the clinic by user id (names for actors and for staff ids in changed values). */
	people: ReadonlyMap<string, string>;
	/** The clinic's custom fields: key → label. */
	fieldLabels: Readonly<Record<string, string>>;
	/** The clinic's IANA time zone (UTC until clinics have one). */
	timeZone: string;
}

/** Column → label, for every audited table (the names coincide across tables). */
const COLUMN_LABELS: Record<string, string> = {
	mrn: 'MRN',
	given_name: 'Given name',
	family_name: 'Family name',
	date_of_birth: 'Date of birth',
	sex: 'Sex',
	phone: 'Phone',
	email: 'Email',
	address: 'Address',
	archived_at: 'Archived',
	patient_id: 'Patient',
	visit_id: 'Visit',
	status: 'Status',
	reason: 'Reason',
	cancel_reason: 'Cancellation reason',
	scheduled_at: 'Scheduled for',
	starts_at: 'Starts',
	ends_at: 'Ends',
	started_at: 'Started',
	ended_at: 'Ended',
	clinician_id: 'Clinician',
	created_by: 'Created by',
	notes: 'Notes',
	vitals: 'Vitals',
	author_id: 'Author',
	ordered_by: 'Ordered by',
	test_code: 'Test code',
	test_name: 'Test',
	priority: 'Priority',
	clinical_notes: 'Clinical notes',
	collected_at: 'Sample collected',
	collected_by: 'Collected by',
	result_value: 'Result',
	result_unit: 'Unit',
	reference_range: 'Reference range',
	result_notes: 'Result notes',
	resulted_by: 'Resulted by',
	resulted_at: 'Resulted',
	prescriber_id: 'Prescriber',
	medication: 'Medication',
	dose: 'Dose',
	route: 'Route',
	frequency: 'Frequency',
	duration_days: 'Duration (days)',
	quantity: 'Quantity',
	refills: 'Refills',
	instructions: 'Instructions',
	stop_reason: 'Stop reason',
	completed_at: 'Completed',
	completed_by: 'Completed by',
	stopped_at: 'Stopped',
	stopped_by: 'Stopped by',
	role: 'Role',
	key: 'Key',
	label: 'Label',
	field_type: 'Type',
	options: 'Choices',
	required: 'Required',
	format_kind: 'Format',
	format_mask: 'Mask',
	unique_within_clinic: 'Unique in the clinic',
	sort_order: 'Position',
	active: 'Active'
};

/** Columns whose values are words of the database (enums): shown as labels. */
const ENUM_COLUMNS = new Set(['status', 'priority', 'sex', 'field_type', 'format_kind', 'route']);
/** Columns that hold a staff member's user id. */
const STAFF_COLUMNS = new Set([
	'clinician_id',
	'created_by',
	'author_id',
	'ordered_by',
	'collected_by',
	'resulted_by',
	'prescriber_id',
	'completed_by',
	'stopped_by',
	'user_id'
]);

/** How each audited table's record is named when the entry says nothing more specific. */
const RECORD_NOUNS: Record<string, string> = {
	patients: 'patient record',
	visits: 'visit',
	visit_notes: 'visit notes',
	lab_orders: 'lab order',
	prescriptions: 'prescription',
	appointments: 'appointment',
	memberships: 'staff membership',
	patient_field_definitions: 'patient field',
	invoices: 'invoice',
	invitations: 'staff invitation',
	organizations: 'clinic settings'
};

/** Columns a sentence never shows (secrets' hashes: in the raw CSV only). */
/** Never shown: secrets, and what the database derives from a shown column (a field's format). */
const UNSHOWN_COLUMNS = new Set(['token_hash', 'pattern', 'format_hint']);

const MAX_CHANGES = 4;
const MAX_TEXT = 60;

type Row = Record<string, unknown>;

const str = (v: unknown): string | undefined =>
	typeof v === 'string' && v !== '' ? v : typeof v === 'number' ? String(v) : undefined;

function quote(text: string): string {
	const t = text.replace(/\s+/g, ' ').trim();
	return `“${t.length > MAX_TEXT ? `${t.slice(0, MAX_TEXT - 1)}…` : t}”`;
}

/** Who did it, as the sentence starts: "Dr Maya Chen", "Pat Morgan (platform support)". */
export function actorLabel(e: TrailEntry): string {
	switch (e.actor_kind) {
		case 'system':
			return 'The system';
		case 'platform':
			return `${e.actor_name || 'Platform staff'} (platform support)`;
		case 'staff':
			return e.actor_name || 'A staff member';
		default:
			// named as the trail recorded them when they left
			return e.actor_name ? `${e.actor_name} (former staff)` : 'A former staff member';
	}
}

/** The patient an entry concerns: "Eleanor Whitfield (MRN-000001)", or null. */
export function patientLabel(e: TrailEntry): string | null {
	if (!e.patient_name) return e.patient_id ? 'a patient no longer on record' : null;
	return e.patient_mrn ? `${e.patient_name} (${e.patient_mrn})` : e.patient_name;
}

function personName(id: unknown, ctx: SentenceContext, fallback = 'a former staff member') {
	return (typeof id === 'string' && ctx.people.get(id)) || fallback;
}

/** A stored value as people read it. */
function showValue(column: string, value: unknown, ctx: SentenceContext): string {
	if (value === null || value === undefined || value === '') return '(empty)';
	if (typeof value === 'boolean') return value ? 'Yes' : 'No';
	if (typeof value === 'number') return value.toLocaleString('en');
	if (Array.isArray(value)) return value.length ? quote(value.map(String).join(', ')) : '(empty)';
	if (typeof value === 'object') {
		const parts = Object.entries(value as Row)
			.filter(([, v]) => v !== null && v !== '')
			.map(([k, v]) => `${titleCase(k)} ${typeof v === 'object' ? JSON.stringify(v) : String(v)}`);
		return parts.length ? quote(parts.join(', ')) : '(empty)';
	}
	const text = String(value);
	if (STAFF_COLUMNS.has(column) || (isUuid(text) && ctx.people.has(text)))
		return personName(text, ctx);
	if (isUuid(text)) return 'another record';
	if (column === 'role') return roleLabel(text);
	if (ENUM_COLUMNS.has(column)) return titleCase(text);
	if (/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}/.test(text)) return formatDateTime(text, ctx.timeZone);
	if (/^\d{4}-\d{2}-\d{2}$/.test(text)) return formatDate(text);
	return quote(text);
}

function changeLine(
	label: string,
	column: string,
	from: unknown,
	to: unknown,
	ctx: SentenceContext
) {
	return `${label} from ${showValue(column, from, ctx)} to ${showValue(column, to, ctx)}`;
}

/**
 * The changed fields of an update, by label: "Phone from (empty) to “+44 20 7946 0001”; Blood
 * type from “A+” to “B+”" (custom fields one by one, by the clinic's label).
 */
export function describeChanges(changes: Row, ctx: SentenceContext): string {
	const before = (changes.old ?? {}) as Row;
	const after = (changes.new ?? {}) as Row;
	const lines: string[] = [];
	for (const column of Object.keys(after)) {
		if (UNSHOWN_COLUMNS.has(column)) continue;
		if (column === 'custom_fields') {
			const o = (before.custom_fields ?? {}) as Row;
			const n = (after.custom_fields ?? {}) as Row;
			for (const key of new Set([...Object.keys(o), ...Object.keys(n)])) {
				if (JSON.stringify(o[key] ?? null) === JSON.stringify(n[key] ?? null)) continue;
				lines.push(changeLine(ctx.fieldLabels[key] ?? titleCase(key), key, o[key], n[key], ctx));
			}
			continue;
		}
		lines.push(
			changeLine(
				COLUMN_LABELS[column] ?? titleCase(column),
				column,
				before[column],
				after[column],
				ctx
			)
		);
	}
	if (lines.length > MAX_CHANGES) {
		const more = lines.length - MAX_CHANGES;
		return `${lines.slice(0, MAX_CHANGES).join('; ')}; and ${more} more change${more === 1 ? '' : 's'}`;
	}
	return lines.join('; ');
}

const withChanges = (head: string, e: TrailEntry, ctx: SentenceContext) => {
	const list = describeChanges(e.changes, ctx);
	return list ? `${head}: ${list}` : head;
};

/** The support access sentence: "opened read-only access for 30 minutes: reason “…”". */
function supportPredicate(e: TrailEntry): string {
	const c = e.changes;
	if (e.action === 'insert') {
		const g = (c.new ?? {}) as Row;
		const start = Date.parse(String(g.starts_at ?? ''));
		const end = Date.parse(String(g.expires_at ?? ''));
		const minutes =
			Number.isFinite(start) && Number.isFinite(end) ? Math.round((end - start) / 60000) : null;
		const reason = str(g.reason);
		return `opened read-only access${minutes ? ` for ${minutes} minutes` : ''}${reason ? `: reason ${quote(reason)}` : ''}`;
	}
	if (e.action === 'update') {
		return c.why === 'replaced'
			? 'ended read-only access (replaced by a new access to another clinic or time)'
			: 'ended read-only access';
	}
	return `${e.action === 'delete' ? 'removed' : 'changed'} a support access`;
}

/** Platform console actions recorded in the clinic's trail. */
function platformPredicate(e: TrailEntry): string {
	const c = e.changes as Row & { old?: Row; new?: Row };
	const action = str(c.platform_action) ?? '';
	const reason = str(c.reason);
	switch (action) {
		case 'clinic.create':
			return `created the clinic${str(c.plan_id) ? ` on the ${str(c.plan_id)} plan` : ''}`;
		case 'clinic.suspend':
			return `suspended the clinic${reason ? `: reason ${quote(reason)}` : ''}`;
		case 'clinic.reactivate':
			return `reactivated the clinic${reason ? `: reason ${quote(reason)}` : ''}`;
		case 'clinic.change_plan': {
			const from = str(c.old?.plan_name) ?? str(c.old?.plan_id) ?? 'its plan';
			const to = str(c.new?.plan_name) ?? str(c.new?.plan_id) ?? 'another plan';
			const override = c.limits_override as Row | undefined;
			const over = override
				? `, over its limits (${str(override.excess) ?? 'above the plan’s limits'}): reason ${quote(str(override.reason) ?? '')}`
				: '';
			return `changed the clinic’s plan from ${from} to ${to}${over}`;
		}
		case 'invoice.generate': {
			const amount =
				typeof c.amount_cents === 'number' && str(c.currency)
					? ` for ${formatMoney(c.amount_cents, String(c.currency))}`
					: '';
			const period = str(c.period_start) ? ` starting ${formatDate(String(c.period_start))}` : '';
			return `issued the invoice of the billing period${period}${amount}`;
		}
		case 'invoice.paid':
			return 'recorded an invoice as paid';
		case 'invoice.void':
			return 'voided an invoice';
		default:
			return `made a platform change (${action.replace(/[._]/g, ' ')})`;
	}
}

/** What happened, after the actor: "opened the chart of …". */
export function predicate(e: TrailEntry, ctx: SentenceContext): string {
	const c = e.changes as Row & { old?: Row; new?: Row };
	const rec = { ...(e.record ?? {}), ...(c.old ?? {}), ...(c.new ?? {}) } as Row;
	const patient = patientLabel(e);
	const of = patient ? ` of ${patient}` : '';
	const forP = patient ? ` for ${patient}` : '';

	if (e.table_name === 'support_access_grants') return supportPredicate(e);
	if (str(c.platform_action)) return platformPredicate(e);

	if (e.action === 'view') return `opened the chart of ${patient ?? 'a patient'}`;
	if (e.action === 'export') {
		const what = titleCase(str(c.kind)?.split('.')[0] ?? e.table_name).toLowerCase();
		const format = (str(c.format) ?? '').toUpperCase();
		const rows =
			typeof c.row_count === 'number' ? ` (${c.row_count.toLocaleString('en')} rows)` : '';
		return `exported ${what}${format ? ` as ${format}` : ''}${rows}`;
	}

	switch (e.table_name) {
		case 'patients': {
			if (e.action === 'insert') return `registered ${patient ?? 'a patient'}`;
			if (e.action === 'delete') return `deleted the record of ${patient ?? 'a patient'}`;
			const keys = Object.keys(c.new ?? {});
			if (keys.length === 1 && keys[0] === 'archived_at')
				return `${c.new?.archived_at ? 'archived' : 'restored'} ${patient ?? 'a patient'}`;
			return withChanges(`changed the details of ${patient ?? 'a patient'}`, e, ctx);
		}
		case 'visits': {
			if (e.action === 'insert') {
				const when = str(rec.scheduled_at)
					? ` on ${formatDateTime(String(rec.scheduled_at), ctx.timeZone)}`
					: '';
				const why = str(rec.reason) ? ` (${quote(String(rec.reason))})` : '';
				return `booked a visit${forP}${when}${why}`;
			}
			if (e.action === 'delete') return `deleted a visit${of}`;
			return withChanges(`changed a visit${of}`, e, ctx);
		}
		case 'visit_notes':
			if (e.action === 'insert') return `wrote the notes of a visit${of}`;
			if (e.action === 'delete') return `deleted the notes of a visit${of}`;
			return withChanges(`changed the notes of a visit${of}`, e, ctx);
		case 'lab_orders': {
			const test = str(rec.test_name) ? ` ${quote(String(rec.test_name))}` : '';
			if (e.action === 'insert') return `ordered the lab test${test}${forP}`;
			if (e.action === 'delete') return `deleted the lab test${test}${of}`;
			return withChanges(`updated the lab test${test}${forP}`, e, ctx);
		}
		case 'prescriptions': {
			const med = str(rec.medication)
				? ` ${quote([rec.medication, rec.dose].filter((v) => str(v)).join(' '))}`
				: '';
			if (e.action === 'insert') return `prescribed${med || ' a medication'}${forP}`;
			if (e.action === 'delete') return `deleted the prescription${med}${of}`;
			return withChanges(`changed the prescription${med}${forP}`, e, ctx);
		}
		case 'memberships': {
			const who = personName(rec.user_id, ctx);
			if (e.action === 'insert')
				return `added ${who} to the clinic${str(rec.role) ? ` as ${roleLabel(String(rec.role)).toLowerCase()}` : ''}`;
			if (e.action === 'delete') return `removed ${who} from the clinic`;
			return withChanges(`changed the membership of ${who}`, e, ctx);
		}
		case 'patient_field_definitions': {
			const label = str(e.record?.label) ?? str(rec.label) ?? str(rec.key) ?? 'a field';
			if (e.action === 'insert') return `added the patient field ${quote(label)}`;
			if (e.action === 'delete') return `deleted the patient field ${quote(label)}`;
			return withChanges(`changed the patient field ${quote(label)}`, e, ctx);
		}
		case 'mfa_factors':
			return `reset the two-factor sign-in of ${personName(rec.user_id, ctx, str(rec.email) ?? 'a staff member')}`;
		case 'appointments': {
			const when = str(rec.starts_at)
				? ` on ${formatDateTime(String(rec.starts_at), ctx.timeZone)}`
				: '';
			if (e.action === 'insert') return `booked an appointment${forP}${when}`;
			if (e.action === 'delete') return `deleted an appointment${of}`;
			return withChanges(`changed an appointment${of}`, e, ctx);
		}
		default: {
			const noun = RECORD_NOUNS[e.table_name] ?? titleCase(e.table_name).toLowerCase();
			if (e.action === 'insert') return `created a ${noun}${forP}`;
			if (e.action === 'delete') return `deleted a ${noun}${of}`;
			return withChanges(`changed a ${noun}${of}`, e, ctx);
		}
	}
}

/** The whole sentence: who, then what. */
export function sentence(e: TrailEntry, ctx: SentenceContext): string {
	return `${actorLabel(e)} ${predicate(e, ctx)}`;
}
