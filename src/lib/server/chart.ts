/**
 * The patient chart: one Data API request with embedding for everything on it (demographics,
 * the clinic's custom field labels, visits with notes and vitals, lab orders, prescriptions) plus
 * the audited `log_chart_view` RPC, run concurrently; and the clinical writes made from it.
 *
 * Everything runs as the signed-in person: RLS decides which embedded rows come back (a
 * receptionist gets visits without `visit_notes`, no lab orders and no prescriptions) and which
 * writes succeed. Database refusals are translated to a field and a message here, so the form and
 * the database can never disagree about what was refused.
 */
import type { SupabaseClient } from '@supabase/supabase-js';
import type { Database } from '$lib/database.types';
import {
	hasClinicalContent,
	scheduledInstant,
	vitalsOf,
	type VisitInput
} from '$lib/schemas/clinical';
import type { z } from 'zod';
import type {
	cancelSchema,
	collectSampleSchema,
	completePrescriptionSchema,
	labOrderSchema,
	labResultSchema,
	prescriptionSchema,
	stopPrescriptionSchema,
	visitNotesSchema,
	visitStatusSchema
} from '$lib/schemas/clinical';

import { DONE, oneRow, refusalOf, refuse, type RefusalRules, type Result } from './refusals';

type Client = SupabaseClient<Database>;

const CHART_SELECT = `
	id, mrn, given_name, family_name, date_of_birth, sex, phone, email, address, custom_fields,
	archived_at, created_at,
	organizations ( patient_field_definitions ( key, label, field_type, sort_order, active ) ),
	visits (
		id, scheduled_at, started_at, ended_at, reason, status, cancel_reason,
		clinician:profiles!visits_clinician_id_fkey ( full_name ),
		visit_notes ( notes, vitals, updated_at )
	),
	lab_orders (
		id, test_code, test_name, priority, status, clinical_notes, created_at, collected_at,
		result_value, result_unit, reference_range, result_notes, resulted_at, cancel_reason
	),
	prescriptions (
		id, medication, dose, route, frequency, duration_days, quantity, refills, instructions,
		status, stop_reason, created_at, completed_at, stopped_at
	)
`;

async function fetchChart(supabase: Client, patientId: string) {
	return supabase
		.from('patients')
		.select(CHART_SELECT)
		.eq('id', patientId)
		.order('scheduled_at', { referencedTable: 'visits', ascending: false })
		.order('created_at', { referencedTable: 'lab_orders', ascending: false })
		.order('created_at', { referencedTable: 'prescriptions', ascending: false })
		.maybeSingle();
}

type ChartRow = NonNullable<Awaited<ReturnType<typeof fetchChart>>['data']>;
type RawVisit = ChartRow['visits'][number];
type VisitNotes = RawVisit['visit_notes'] extends (infer N)[] ? N : RawVisit['visit_notes'];
/**
 * A visit with its notes (null when there are none or the caller may not read them). PostgREST
 * embeds `visit_notes` as one object (its key is unique); the generated types say array.
 */
export type ChartVisit = Omit<RawVisit, 'visit_notes'> & { visit_notes: VisitNotes | null };
export type ChartLabOrder = ChartRow['lab_orders'][number];
export type ChartPrescription = ChartRow['prescriptions'][number];

export interface CustomFieldShown {
	key: string;
	label: string;
	value: string;
}

export interface Chart {
	patient: Omit<ChartRow, 'organizations' | 'visits' | 'lab_orders' | 'prescriptions'>;
	customFields: CustomFieldShown[];
	visits: ChartVisit[];
	labOrders: ChartLabOrder[];
	prescriptions: ChartPrescription[];
}

function showValue(value: unknown): string {
	if (typeof value === 'boolean') return value ? 'Yes' : 'No';
	if (value === null || value === undefined) return '';
	return String(value);
}

/**
 * Loads a chart and records that it was opened (both requests concurrently). Returns null when the
 * patient does not exist or is not visible to the caller (another clinic's): callers answer 404
 * for both, so existence never leaks. Throws when the opening could not be audited: a chart is
 * never opened unaudited (the reload after the chart's own action is not an opening: `logView`).
 */
export async function loadChart({
	supabase,
	patientId,
	logView = true
}: {
	supabase: Client;
	patientId: string;
	/**
	 * False only for the chart's own reload right after one of its actions (the change itself is
	 * audited by the table's trigger); every other opening is logged.
	 */
	logView?: boolean;
}): Promise<Chart | null> {
	const [chart, audit] = await Promise.all([
		fetchChart(supabase, patientId),
		logView ? supabase.rpc('log_chart_view', { patient_id: patientId }) : { error: null }
	]);
	if (chart.error) throw new Error(`chart: ${chart.error.message}`);
	if (!chart.data) return null;
	if (audit.error) {
		if (audit.error.code === 'PT404') return null;
		throw new Error(`log_chart_view: ${audit.error.message}`);
	}
	const { organizations, visits, lab_orders, prescriptions, ...patient } = chart.data;
	const definitions = [...(organizations?.patient_field_definitions ?? [])].sort(
		(a, b) => a.sort_order - b.sort_order || a.label.localeCompare(b.label)
	);
	const stored = (patient.custom_fields ?? {}) as Record<string, unknown>;
	const customFields: CustomFieldShown[] = [];
	for (const def of definitions) {
		if (def.key in stored) {
			customFields.push({ key: def.key, label: def.label, value: showValue(stored[def.key]) });
		} else if (def.active) {
			customFields.push({ key: def.key, label: def.label, value: '' });
		}
	}
	// Values whose definition is gone still belong to the record: show them under their key.
	for (const [key, value] of Object.entries(stored)) {
		if (!definitions.some((d) => d.key === key)) {
			customFields.push({ key, label: key, value: showValue(value) });
		}
	}
	const normalizedVisits: ChartVisit[] = visits.map((v) => {
		const notes: unknown = v.visit_notes;
		return {
			...v,
			visit_notes: (Array.isArray(notes)
				? (notes[0] ?? null)
				: (notes ?? null)) as VisitNotes | null
		};
	});
	return { patient, customFields, visits: normalizedVisits, labOrders: lab_orders, prescriptions };
}

/** An optional text field left empty is stored as null. */
const blankToNull = (value: string) => (value === '' ? null : value);

/** Maps a list of form fields to itself: the chart's forms name fields as the tables do. */
function sameNames<F extends string>(...names: F[]): Record<string, F> {
	return Object.fromEntries(names.map((n) => [n, n]));
}

const VISIT_RULES: RefusalRules = {
	fields: sameNames(
		'reason',
		'scheduled_at',
		'notes',
		'heart_rate',
		'bp_systolic',
		'bp_diastolic',
		'temperature_c',
		'resp_rate',
		'spo2'
	),
	action: 'add visits'
};

/** The chart's writes take the signed-in person's client, the patient and the validated form. */
interface ChartWrite<T> {
	supabase: Client;
	patientId: string;
	input: T;
}

/** The time zone of the patient's clinic (a typed time is the clinic's wall clock). */
async function patientClinicZone(supabase: Client, patientId: string): Promise<string> {
	const { data, error } = await supabase
		.from('patients')
		.select('organizations ( time_zone )')
		.eq('id', patientId)
		.maybeSingle();
	if (error) throw new Error(`clinic time zone: ${error.message}`);
	return data?.organizations?.time_zone ?? 'UTC';
}

/**
 * Books or records a visit with its notes and vitals through `create_visit`: one statement, so
 * all or nothing. Notes and vitals are for doctors and nurses only; when the database refuses them
 * (or a vital) no visit is left behind, and the refusal goes next to the field it concerns.
 */
export async function addVisit({
	supabase,
	patientId,
	input
}: ChartWrite<VisitInput>): Promise<Result> {
	const clinical = hasClinicalContent(input);
	const { error } = await supabase.rpc('create_visit', {
		patient_id: patientId,
		scheduled_at: scheduledInstant(
			input.scheduled_at,
			input.scheduled_at === '' ? 'UTC' : await patientClinicZone(supabase, patientId)
		).toISOString(),
		reason: input.reason,
		...(clinical
			? { notes: input.notes === '' ? undefined : input.notes, vitals: vitalsOf(input) }
			: {})
	});
	if (!error) return DONE;
	// RLS on visit_notes (not on visits): the role may book visits but not write notes or vitals.
	if (clinical && error.code === '42501' && /"visit_notes"/.test(error.message)) {
		// At the top of the form: this role's form has no notes or vitals fields to put it next to.
		return refuse(
			'The database refused: your role may not record notes or vitals at this clinic. No visit was added.',
			{ status: 403 }
		);
	}
	return refusalOf(error, VISIT_RULES);
}

export async function orderLab({
	supabase,
	patientId,
	input
}: ChartWrite<z.infer<typeof labOrderSchema>>): Promise<Result> {
	const { error } = await supabase.from('lab_orders').insert({
		patient_id: patientId,
		test_code: input.test_code,
		test_name: input.test_name,
		priority: input.priority,
		clinical_notes: blankToNull(input.clinical_notes)
	});
	if (!error) return DONE;
	return refusalOf(error, {
		fields: sameNames('test_code', 'test_name', 'priority', 'clinical_notes'),
		action: 'order lab tests'
	});
}

export async function prescribe({
	supabase,
	patientId,
	input
}: ChartWrite<z.infer<typeof prescriptionSchema>>): Promise<Result> {
	const { error } = await supabase.from('prescriptions').insert({
		patient_id: patientId,
		medication: input.medication,
		dose: input.dose,
		route: input.route,
		frequency: input.frequency,
		duration_days: input.duration_days ?? null,
		quantity: blankToNull(input.quantity),
		refills: input.refills,
		instructions: blankToNull(input.instructions)
	});
	if (!error) return DONE;
	return refusalOf(error, {
		fields: sameNames(
			'medication',
			'dose',
			'route',
			'frequency',
			'duration_days',
			'quantity',
			'refills'
		),
		action: 'prescribe'
	});
}

type Table = 'lab_orders' | 'prescriptions' | 'visits';

/**
 * A chart action that changes one row of the patient's record (a status, a result, a reason):
 * `change` says how, from the validated form; the database decides whether this role may (RLS
 * and the table's triggers). A refusal goes next to `rowField` (the form's hidden id, i.e. the
 * row's own button) unless the database names one of `fields`; no row changed is a refusal too.
 */
function rowChange<T>(opts: {
	table: Table;
	row: (input: T) => string;
	change: (input: T) => Database['public']['Tables'][Table]['Update'];
	action: string | ((input: T) => string);
	rowField?: string;
	fields?: Record<string, string>;
}): (write: ChartWrite<T>) => Promise<Result> {
	return ({ supabase, patientId, input }) => {
		const action = typeof opts.action === 'string' ? opts.action : opts.action(input);
		return oneRow(
			supabase
				.from(opts.table)
				.update(opts.change(input) as never)
				.eq('id', opts.row(input))
				.eq('patient_id', patientId)
				.select('id'),
			{
				fields: opts.fields,
				action,
				otherwise: opts.rowField,
				// No row: RLS hid it from this role, or it is not this patient's.
				none: refuse(`The database refused: your role may not ${action} here.`)
			}
		);
	};
}

/** Marks an ordered test's sample collected (the trigger sets who and when). */
export const collectSample = rowChange<z.infer<typeof collectSampleSchema>>({
	table: 'lab_orders',
	row: (input) => input.order_id,
	change: () => ({ status: 'collected' }),
	action: 'collect samples',
	rowField: 'order_id'
});

/** Records a result: moves the order to `resulted` (the trigger sets who and when). */
export const recordLabResult = rowChange<z.infer<typeof labResultSchema>>({
	table: 'lab_orders',
	row: (input) => input.order_id,
	change: (input) => ({
		status: 'resulted',
		result_value: input.result_value,
		result_unit: blankToNull(input.result_unit),
		reference_range: blankToNull(input.reference_range),
		result_notes: blankToNull(input.result_notes)
	}),
	action: 'record lab results',
	// an order that can no longer take a result (its status) is a problem of the chosen order
	fields: {
		...sameNames('result_value', 'result_unit', 'reference_range', 'result_notes'),
		status: 'order_id'
	}
});

/** Pharmacist: marks an active prescription dispensed (completed). */
export const completePrescription = rowChange<z.infer<typeof completePrescriptionSchema>>({
	table: 'prescriptions',
	row: (input) => input.prescription_id,
	change: () => ({ status: 'completed' }),
	action: 'complete prescriptions',
	rowField: 'prescription_id'
});

/** Doctor: stops an active prescription, with the reason (required by the database too). */
export const stopPrescription = rowChange<z.infer<typeof stopPrescriptionSchema>>({
	table: 'prescriptions',
	row: (input) => input.prescription_id,
	change: (input) => ({ status: 'stopped', stop_reason: input.stop_reason }),
	action: 'stop prescriptions',
	rowField: 'prescription_id',
	fields: sameNames('stop_reason')
});

/** Starts (→ in_progress) or completes (→ completed) a visit; the trigger sets the times. */
export const setVisitStatus = rowChange<z.infer<typeof visitStatusSchema>>({
	table: 'visits',
	row: (input) => input.visit_id,
	change: (input) => ({ status: input.status }),
	action: (input) => (input.status === 'in_progress' ? 'start visits' : 'complete visits'),
	rowField: 'visit_id'
});

/**
 * Notes of a visit in progress (a visit started from the diary has none yet): the visit's notes row
 * is amended, or written when there is none. Doctors and nurses only (RLS on visit_notes).
 */
export async function saveVisitNotes({
	supabase,
	patientId,
	input
}: ChartWrite<z.infer<typeof visitNotesSchema>>): Promise<Result> {
	const rules: RefusalRules = { fields: sameNames('notes'), action: 'write visit notes' };
	const { data: visit, error: readError } = await supabase
		.from('visits')
		.select('id, status, visit_notes ( visit_id )')
		.eq('id', input.visit_id)
		.eq('patient_id', patientId)
		.maybeSingle();
	if (readError) return refusalOf(readError, rules);
	if (!visit)
		return refuse('This visit is not in this patient’s chart.', { field: 'notes', status: 404 });
	const notes: unknown = visit.visit_notes;
	const exists = Array.isArray(notes) ? notes.length > 0 : notes != null;
	if (exists) {
		return oneRow(
			supabase
				.from('visit_notes')
				.update({ notes: input.notes })
				.eq('visit_id', input.visit_id)
				.select('visit_id'),
			{
				...rules,
				none: refuse('The database refused: your role may not write visit notes here.', {
					field: 'notes',
					status: 403
				})
			}
		);
	}
	const { error } = await supabase
		.from('visit_notes')
		.insert({ visit_id: input.visit_id, notes: input.notes });
	return error ? refusalOf(error, { ...rules, otherwise: 'notes' }) : DONE;
}

/** Cancelling a visit or a lab order: with its reason (required by the database too). */
function cancelling(table: 'visits' | 'lab_orders', action: string) {
	return rowChange<z.infer<typeof cancelSchema>>({
		table,
		row: (input) => input.target_id,
		change: (input) => ({ status: 'cancelled', cancel_reason: input.cancel_reason }),
		action,
		rowField: 'target_id',
		fields: sameNames('cancel_reason')
	});
}

/** Cancels a scheduled or in-progress visit. */
export const cancelVisit = cancelling('visits', 'cancel visits');

/** Cancels an ordered or collected lab order. */
export const cancelLabOrder = cancelling('lab_orders', 'cancel lab orders');
