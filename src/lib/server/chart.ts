/**
 * The patient chart: ONE Data API request, the `open_chart` RPC (which writes the audited 'view'
 * row, as `log_chart_view`) with the record embedded on the patient row it returns (demographics,
 * the clinic's custom field labels, allergies, "no known allergies", problems, and the most recent
 * visits with their notes and versions, lab orders with their corrections, prescriptions with their
 * fills, and the safety header's current medications through the computed relationship
 * `active_medications`); and the clinical writes made from it.
 *
 * Its cost does not grow with the patient's history: each history section asks for its most recent
 * `limit + 1` rows (the extra row says whether there are more) along the index on
 * (organization_id, patient_id, time), and current medications are an index range of active
 * prescriptions (bench/chart.ts measures 20 and 2,000 visits side by side).
 *
 * Everything runs as the signed-in person: RLS decides which embedded rows come back (a
 * receptionist gets visits without `visit_notes`, and no allergies, problems, lab orders or
 * prescriptions) and which writes succeed. Database refusals are translated to a field and a
 * message here, so the form and the database can never disagree about what was refused.
 */
import type { Db } from './db';
import type { Database } from '$lib/database.types';
import {
	hasClinicalContent,
	prescriptionSchema,
	scheduledInstant,
	vitalsOf,
	type AmendNoteInput,
	type NoteInput,
	type VisitInput
} from '$lib/schemas/clinical';
import type { z } from 'zod';
import { isMissing } from '$lib/schemas/patient';
import type * as forms from '$lib/schemas/clinical';

import {
	DONE,
	oneRow,
	refusalOf,
	refuse,
	written,
	type RefusalRules,
	type Result
} from './refusals';
import { readOrThrow } from './reads';

/** How many of each history section the chart shows first, and how many more each "Show more" adds. */
export const CHART_PAGE = 5;
export const CHART_MORE = 10;
/** The most a section shows at once (page cost stays bounded whatever the URL asks). */
export const CHART_MAX = 200;

export type Section = 'visits' | 'labs' | 'rx';
export type Limits = Record<Section, number>;

/** The section sizes a chart URL asks for (`?visits=15`), each within 1..CHART_MAX. */
export function limitsOf(url: URL): Limits {
	const one = (name: Section) => {
		const n = Number(url.searchParams.get(name));
		return Number.isInteger(n) && n > 0 ? Math.min(n, CHART_MAX) : CHART_PAGE;
	};
	return { visits: one('visits'), labs: one('labs'), rx: one('rx') };
}

const WHO = 'full_name';

const CHART_SELECT = `
	id, mrn, given_name, family_name, date_of_birth, sex, phone, email, address, custom_fields,
	archived_at, created_at,
	organizations!patients_organization_id_fkey (
		patient_field_definitions ( key, label, field_type, sort_order, active, required )
	),
	allergies (
		id, kind, substance, reaction, severity, status, created_at,
		recorder:profiles!allergies_recorded_by_fkey ( ${WHO} )
	),
	no_known_allergies ( created_at, recorder:profiles!no_known_allergies_recorded_by_fkey ( ${WHO} ) ),
	problems ( id, description, code, onset_date, status, resolved_at, created_at ),
	visits (
		id, scheduled_at, started_at, ended_at, reason, status, cancel_reason,
		clinician:profiles!visits_clinician_id_fkey ( ${WHO} ),
		visit_notes (
			notes, vitals, updated_at, signed_at,
			author:profiles!visit_notes_author_id_fkey ( ${WHO} ),
			signer:profiles!visit_notes_signed_by_fkey ( ${WHO} ),
			visit_note_amendments (
				version, notes, vitals, reason, changed_fields, created_at,
				author:profiles!visit_note_amendments_author_id_fkey ( ${WHO} )
			)
		)
	),
	lab_orders (
		id, test_code, test_name, priority, status, clinical_notes, created_at, collected_at,
		result_value, result_unit, reference_range, result_flag, result_notes, resulted_at, cancel_reason,
		resulter:profiles!lab_orders_resulted_by_fkey ( ${WHO} ),
		lab_result_amendments (
			version, result_value, result_unit, reference_range, result_flag, result_notes, reason,
			changed_fields, created_at,
			amender:profiles!lab_result_amendments_amended_by_fkey ( ${WHO} )
		)
	),
	prescriptions (
		id, medication, dose, route, frequency, duration_days, quantity, quantity_unit, refills,
		fills_dispensed, last_dispensed_at, instructions, status, stop_reason, created_at,
		completed_at, stopped_at, allergy_warning, allergy_override_reason,
		prescriber:profiles!prescriptions_prescriber_id_fkey ( ${WHO} ),
		prescription_dispenses (
			fill_number, quantity, created_at,
			dispenser:profiles!prescription_dispenses_dispensed_by_fkey ( ${WHO} )
		)
	),
	active_medications ( id, medication, dose, route, frequency, created_at )
`;

/**
 * The chart in one request: `open_chart` records the opening (unless `logView` is false) and
 * returns the patient row, on which the record is embedded, current medications included through
 * the computed relationship `active_medications` (= `current_medications`, empty for roles that
 * may not read prescriptions). A POST, as it writes the audit row in the same transaction.
 */
function fetchChart(supabase: Db, patientId: string, limits: Limits, logView: boolean) {
	return supabase
		.rpc('open_chart', { patient_id: patientId, log_view: logView })
		.select(CHART_SELECT)
		.order('created_at', { referencedTable: 'allergies', ascending: false })
		.limit(50, { referencedTable: 'allergies' })
		.order('created_at', { referencedTable: 'problems', ascending: false })
		.limit(50, { referencedTable: 'problems' })
		.order('scheduled_at', { referencedTable: 'visits', ascending: false })
		.limit(limits.visits + 1, { referencedTable: 'visits' })
		.order('version', { referencedTable: 'visits.visit_notes.visit_note_amendments' })
		.order('created_at', { referencedTable: 'lab_orders', ascending: false })
		.limit(limits.labs + 1, { referencedTable: 'lab_orders' })
		.order('version', { referencedTable: 'lab_orders.lab_result_amendments' })
		.order('created_at', { referencedTable: 'prescriptions', ascending: false })
		.limit(limits.rx + 1, { referencedTable: 'prescriptions' })
		.order('fill_number', { referencedTable: 'prescriptions.prescription_dispenses' })
		.maybeSingle();
}

type ChartRow = NonNullable<Awaited<ReturnType<typeof fetchChart>>['data']>;
type RawVisit = ChartRow['visits'][number];
type Embedded<T> = T extends (infer N)[] ? N : T;
type RawNote = NonNullable<Embedded<RawVisit['visit_notes']>>;
export type NoteVersion = RawNote['visit_note_amendments'][number];
/**
 * A visit note as the chart shows it: `current` is what it says now (the latest amendment, or the
 * signed or draft note itself); `versions` are every version, the original first (version 1).
 */
export interface ChartNote {
	notes: string | null;
	vitals: Record<string, number>;
	signedAt: string | null;
	signer: string | null;
	author: string | null;
	updatedAt: string;
	versions: {
		version: number;
		notes: string | null;
		vitals: Record<string, number>;
		at: string;
		by: string | null;
		reason: string | null;
		changed: string[];
	}[];
}
export type ChartVisit = Omit<RawVisit, 'visit_notes'> & { note: ChartNote | null };
export type ChartLabOrder = ChartRow['lab_orders'][number];
export type ChartPrescription = ChartRow['prescriptions'][number];
export type ChartAllergy = ChartRow['allergies'][number];
export type ChartProblem = ChartRow['problems'][number];
export type CurrentMedication = Embedded<ChartRow['active_medications']>;

export interface CustomFieldShown {
	key: string;
	label: string;
	value: string;
	/** An active required field this patient has no value for (made required after registration). */
	missing: boolean;
}

export interface Chart {
	patient: Omit<
		ChartRow,
		| 'organizations'
		| 'visits'
		| 'lab_orders'
		| 'prescriptions'
		| 'allergies'
		| 'problems'
		| 'no_known_allergies'
		| 'active_medications'
	>;
	customFields: CustomFieldShown[];
	/** Labels of the active required fields with no value: the record is incomplete. */
	missingFields: string[];
	allergies: ChartAllergy[];
	/** "No known allergies" as recorded (who, when), or null when never recorded. */
	noKnownAllergies: { at: string; by: string | null } | null;
	problems: ChartProblem[];
	currentMedications: CurrentMedication[];
	visits: ChartVisit[];
	labOrders: ChartLabOrder[];
	prescriptions: ChartPrescription[];
	/** Whether each section has more rows than it shows. */
	more: Record<Section, boolean>;
	limits: Limits;
}

function showValue(value: unknown): string {
	if (typeof value === 'boolean') return value ? 'Yes' : 'No';
	if (value === null || value === undefined) return '';
	return String(value);
}

/** PostgREST embeds a to-one relation as an object (its key is unique); the generated types say array. */
function single<T>(value: T | T[] | null | undefined): T | null {
	return (Array.isArray(value) ? (value[0] ?? null) : (value ?? null)) as T | null;
}

function noteOf(raw: RawVisit['visit_notes']): ChartNote | null {
	const n = single(raw as RawNote | RawNote[] | null);
	if (!n) return null;
	const amendments = [...(n.visit_note_amendments ?? [])].sort((a, b) => a.version - b.version);
	const original = {
		version: 1,
		notes: n.notes,
		vitals: (n.vitals ?? {}) as Record<string, number>,
		at: n.signed_at ?? n.updated_at,
		by: single(n.signer)?.full_name ?? single(n.author)?.full_name ?? null,
		reason: null,
		changed: []
	};
	const versions = [
		original,
		...amendments.map((a) => ({
			version: a.version,
			notes: a.notes,
			vitals: (a.vitals ?? {}) as Record<string, number>,
			at: a.created_at,
			by: single(a.author)?.full_name ?? null,
			reason: a.reason,
			changed: a.changed_fields
		}))
	];
	const current = versions[versions.length - 1];
	return {
		notes: current.notes,
		vitals: current.vitals,
		signedAt: n.signed_at,
		signer: single(n.signer)?.full_name ?? null,
		author: single(n.author)?.full_name ?? null,
		updatedAt: n.updated_at,
		versions
	};
}

/**
 * Loads a chart and records that it was opened (one request, one transaction). Returns null when the
 * patient does not exist or is not visible to the caller (another clinic's): callers answer 404
 * for both, so existence never leaks. Throws when the opening could not be audited: a chart is
 * never opened unaudited (the reload after the chart's own action is not an opening: `logView`).
 */
export async function loadChart({
	supabase,
	patientId,
	logView = true,
	limits = { visits: CHART_PAGE, labs: CHART_PAGE, rx: CHART_PAGE },
	medications = true
}: {
	supabase: Db;
	patientId: string;
	/**
	 * False only for the chart's own reloads (after one of its actions, or opening one of its forms):
	 * the change itself is audited by the table's trigger; every other opening is logged.
	 */
	logView?: boolean;
	limits?: Limits;
	/** Whether to ask for current medications (false for roles that may not read prescriptions). */
	medications?: boolean;
}): Promise<Chart | null> {
	const chart = await fetchChart(supabase, patientId, limits, logView);
	if (chart.error) {
		// log_chart_view's answer for a patient the caller cannot see, another clinic's or none
		if (chart.error.code === 'PT404') return null;
		throw new Error(`chart: ${chart.error.message}`);
	}
	if (!chart.data) return null;
	const {
		organizations,
		visits,
		lab_orders,
		prescriptions,
		allergies,
		problems,
		no_known_allergies,
		active_medications,
		...patient
	} = chart.data;
	const definitions = [...(organizations?.patient_field_definitions ?? [])].sort(
		(a, b) => a.sort_order - b.sort_order || a.label.localeCompare(b.label)
	);
	const stored = (patient.custom_fields ?? {}) as Record<string, unknown>;
	const customFields: CustomFieldShown[] = [];
	for (const def of definitions) {
		const missing = isMissing(def, stored);
		if (def.key in stored) {
			customFields.push({
				key: def.key,
				label: def.label,
				value: showValue(stored[def.key]),
				missing
			});
		} else if (def.active) {
			customFields.push({ key: def.key, label: def.label, value: '', missing });
		}
	}
	// Values whose definition is gone still belong to the record: show them under their key.
	for (const [key, value] of Object.entries(stored)) {
		if (!definitions.some((d) => d.key === key)) {
			customFields.push({ key, label: key, value: showValue(value), missing: false });
		}
	}
	const nka = single(no_known_allergies as unknown as ChartRow['no_known_allergies']);
	const nkaRow = nka as { created_at: string; recorder: unknown } | null;
	return {
		patient,
		customFields,
		missingFields: customFields.filter((f) => f.missing).map((f) => f.label),
		allergies,
		noKnownAllergies: nkaRow
			? {
					at: nkaRow.created_at,
					by: single(nkaRow.recorder as { full_name: string } | null)?.full_name ?? null
				}
			: null,
		problems,
		currentMedications: medications ? ((active_medications ?? []) as CurrentMedication[]) : [],
		visits: visits.slice(0, limits.visits).map(({ visit_notes, ...v }) => ({
			...v,
			note: noteOf(visit_notes)
		})),
		labOrders: lab_orders.slice(0, limits.labs),
		prescriptions: prescriptions.slice(0, limits.rx),
		more: {
			visits: visits.length > limits.visits,
			labs: lab_orders.length > limits.labs,
			rx: prescriptions.length > limits.rx
		},
		limits
	};
}

/** The active note templates of the clinic (offered when a note is empty). */
export async function noteTemplates(supabase: Db) {
	const data = await readOrThrow(
		'note_templates',
		supabase
			.from('note_templates')
			.select('id, name, body')
			.eq('active', true)
			.order('name')
			.limit(50)
	);
	return data;
}

/** An optional text field left empty is stored as null. */
const blankToNull = (value: string) => (value === '' ? null : value);

/** Maps a list of form fields to itself: the chart's forms name fields as the tables do. */
function sameNames<F extends string>(...names: F[]): Record<string, F> {
	return Object.fromEntries(names.map((n) => [n, n]));
}

const VITAL_FIELDS = sameNames(
	'notes',
	'heart_rate',
	'bp_systolic',
	'bp_diastolic',
	'temperature_c',
	'resp_rate',
	'spo2'
);

/** The chart's writes take the signed-in person's client, the patient and the validated form. */
interface ChartWrite<T> {
	supabase: Db;
	patientId: string;
	input: T;
}

/** The time zone of the patient's clinic (a typed time is the clinic's wall clock). */
async function patientClinicZone(supabase: Db, patientId: string): Promise<string> {
	const data = await readOrThrow(
		'clinic time zone',
		supabase
			.from('patients')
			.select('organizations ( time_zone )')
			.eq('id', patientId)
			.maybeSingle()
	);
	return data?.organizations?.time_zone ?? 'UTC';
}

/** Books or records a visit through `create_visit` (notes and vitals come during the visit). */
export async function addVisit({
	supabase,
	patientId,
	input
}: ChartWrite<VisitInput>): Promise<Result> {
	return written(
		supabase.rpc('create_visit', {
			patient_id: patientId,
			scheduled_at: scheduledInstant(
				input.scheduled_at,
				input.scheduled_at === '' ? 'UTC' : await patientClinicZone(supabase, patientId)
			).toISOString(),
			reason: input.reason
		}),
		{ fields: sameNames('reason', 'scheduled_at'), action: 'add visits' }
	);
}

/**
 * Saves a visit note's draft (notes and vitals): updates the unsigned note, or writes the first
 * one. The visit must be this patient's (the note refers to it through the clinic, and the form's
 * visit is checked against the patient here so a note never lands on another patient's visit).
 */
export async function saveNoteDraft({
	supabase,
	patientId,
	input
}: ChartWrite<NoteInput>): Promise<Result> {
	const rules: RefusalRules = {
		fields: VITAL_FIELDS,
		action: 'write visit notes',
		otherwise: 'notes'
	};
	const visit = await supabase
		.from('visits')
		.select('id, visit_notes ( signed_at )')
		.eq('id', input.visit_id)
		.eq('patient_id', patientId)
		.maybeSingle();
	if (visit.error) return refusalOf(visit.error, rules);
	if (!visit.data)
		return refuse('This visit is not on this chart.', { field: 'notes', status: 404 });
	const values = { notes: blankToNull(input.notes), vitals: vitalsOf(input) };
	const existing = single(visit.data.visit_notes as unknown as { signed_at: string | null }[]);
	if (existing) {
		return written(
			supabase
				.from('visit_notes')
				.update(values)
				.eq('visit_id', input.visit_id)
				.select('visit_id')
				.single(),
			rules
		);
	}
	if (!hasClinicalContent(input)) {
		return refuse('Write the note or enter a vital sign first.', { field: 'notes' });
	}
	return written(
		supabase.from('visit_notes').insert({ visit_id: input.visit_id, ...values }),
		rules
	);
}

/** Signs the saved note (who, when) and completes the visit: `sign_visit_note`. */
export async function signNote({ supabase, input }: ChartWrite<NoteInput>): Promise<Result> {
	return written(supabase.rpc('sign_visit_note', { visit_id: input.visit_id }), {
		fields: VITAL_FIELDS,
		action: 'sign visit notes',
		otherwise: 'notes'
	});
}

/** A new version of a signed note (the earlier ones are kept): `amend_visit_note`. */
export async function amendNote({ supabase, input }: ChartWrite<AmendNoteInput>): Promise<Result> {
	return written(
		supabase.rpc('amend_visit_note', {
			visit_id: input.visit_id,
			notes: input.notes,
			vitals: vitalsOf(input),
			reason: input.reason
		}),
		{
			fields: { ...VITAL_FIELDS, reason: 'reason' },
			action: 'amend visit notes',
			otherwise: 'notes'
		}
	);
}

export async function orderLab({
	supabase,
	patientId,
	input
}: ChartWrite<z.infer<typeof forms.labOrderSchema>>): Promise<Result> {
	return written(
		supabase.from('lab_orders').insert({
			patient_id: patientId,
			test_code: input.test_code,
			test_name: input.test_name,
			priority: input.priority,
			clinical_notes: blankToNull(input.clinical_notes)
		}),
		{
			fields: sameNames('test_code', 'test_name', 'priority', 'clinical_notes'),
			action: 'order lab tests'
		}
	);
}

/** Every field of the prescription form, named as the column it writes. */
const PRESCRIPTION_FIELDS = sameNames(...Object.keys(prescriptionSchema.shape));

/**
 * Writes a prescription. When the medication matches a recorded allergy the database refuses it
 * without an override reason (DETAIL `allergy_override_reason`): the form then shows the warning
 * and asks for the reason, and the prescription is saved with both.
 */
export async function prescribe({
	supabase,
	patientId,
	input
}: ChartWrite<z.infer<typeof forms.prescriptionSchema>>): Promise<Result> {
	return written(
		supabase.from('prescriptions').insert({
			patient_id: patientId,
			medication: input.medication,
			dose: input.dose,
			route: input.route,
			frequency: input.frequency,
			duration_days: input.duration_days ?? null,
			quantity: input.quantity,
			quantity_unit: input.quantity_unit,
			refills: input.refills,
			instructions: blankToNull(input.instructions),
			allergy_override_reason: blankToNull(input.allergy_override_reason)
		}),
		{ fields: PRESCRIPTION_FIELDS, action: 'prescribe' }
	);
}

/**
 * Before asking to confirm a fill: the prescription is this patient's, active, and the quantity
 * within the prescribed quantity per fill (the database checks the same when dispensing).
 */
export async function checkDispense({
	supabase,
	patientId,
	input
}: ChartWrite<z.infer<typeof forms.dispenseSchema>>): Promise<Result> {
	const { data, error } = await supabase
		.from('prescriptions')
		.select('quantity, quantity_unit, status')
		.eq('id', input.prescription_id)
		.eq('patient_id', patientId)
		.maybeSingle();
	if (error) return refusalOf(error, { action: 'dispense prescriptions', otherwise: 'quantity' });
	if (!data) return refuse('This prescription is not on this chart.', { field: 'quantity' });
	if (data.status !== 'active') {
		return refuse(`A ${data.status} prescription cannot be dispensed.`, { field: 'quantity' });
	}
	if (input.quantity > data.quantity) {
		return refuse(`A fill is at most ${data.quantity} ${data.quantity_unit}.`, {
			field: 'quantity'
		});
	}
	return DONE;
}

/** Pharmacist: dispenses the next fill with its quantity (`dispense_prescription`). */
export async function dispense({
	supabase,
	input
}: ChartWrite<z.infer<typeof forms.dispenseSchema>>): Promise<Result<{ fill: number }>> {
	const { data, error } = await supabase.rpc('dispense_prescription', {
		prescription_id: input.prescription_id,
		quantity: input.quantity
	});
	if (!error) return { ok: true, fill: data };
	return refusalOf(error, {
		fields: { quantity: 'quantity', prescription_id: 'quantity' },
		action: 'dispense prescriptions',
		otherwise: 'quantity'
	});
}

/** Records an allergy or intolerance (an active one retracts "no known allergies"). */
export async function addAllergy({
	supabase,
	patientId,
	input
}: ChartWrite<z.infer<typeof forms.allergySchema>>): Promise<Result> {
	return written(
		supabase.from('allergies').insert({
			patient_id: patientId,
			kind: input.kind,
			substance: input.substance,
			reaction: blankToNull(input.reaction),
			severity: input.severity
		}),
		{
			fields: sameNames('kind', 'substance', 'reaction', 'severity'),
			action: 'record allergies'
		}
	);
}

/** Records "no known allergies" (refused while an allergy is active). */
export async function recordNoKnownAllergies({
	supabase,
	patientId
}: ChartWrite<object>): Promise<Result> {
	const { error } = await supabase.from('no_known_allergies').insert({ patient_id: patientId });
	if (!error) return DONE;
	if (error.code === '23505') return refuse('No known allergies is already recorded.');
	return refusalOf(error, { action: 'record allergies' });
}

export async function addProblem({
	supabase,
	patientId,
	input
}: ChartWrite<z.infer<typeof forms.problemSchema>>): Promise<Result> {
	return written(
		supabase.from('problems').insert({
			patient_id: patientId,
			description: input.description,
			code: blankToNull(input.code),
			onset_date: blankToNull(input.onset_date)
		}),
		{
			fields: sameNames('description', 'code', 'onset_date'),
			words: { code: 'code' },
			action: 'record problems'
		}
	);
}

type Table = 'lab_orders' | 'prescriptions' | 'visits' | 'allergies' | 'problems';

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
export const collectSample = rowChange<z.infer<typeof forms.collectSampleSchema>>({
	table: 'lab_orders',
	row: (input) => input.order_id,
	change: () => ({ status: 'collected' }),
	action: 'collect samples',
	rowField: 'order_id'
});

const RESULT_FIELDS = {
	...sameNames('result_value', 'result_unit', 'reference_range', 'result_flag', 'result_notes'),
	// an order that can no longer take a result (its status) is a problem of the chosen order
	status: 'result_value'
};

/** Records a result: moves the order to `resulted` (the trigger sets who and when). */
export const recordLabResult = rowChange<z.infer<typeof forms.labResultSchema>>({
	table: 'lab_orders',
	row: (input) => input.order_id,
	change: (input) => ({
		status: 'resulted',
		result_value: input.result_value,
		result_unit: blankToNull(input.result_unit),
		reference_range: blankToNull(input.reference_range),
		result_flag: input.result_flag ?? null,
		result_notes: blankToNull(input.result_notes)
	}),
	action: 'record lab results',
	rowField: 'result_value',
	fields: RESULT_FIELDS
});

/** Corrects a result: a new version with its reason; the original stays (`amend_lab_result`). */
export async function correctLabResult({
	supabase,
	input
}: ChartWrite<z.infer<typeof forms.correctResultSchema>>): Promise<Result> {
	return written(
		supabase.rpc('amend_lab_result', {
			lab_order_id: input.order_id,
			result_value: input.result_value,
			result_unit: input.result_unit,
			reference_range: input.reference_range,
			// the generated types say the flag is required; the function takes null for "no flag"
			result_flag: (input.result_flag ?? null) as never,
			result_notes: input.result_notes,
			reason: input.reason
		}),
		{
			fields: { ...RESULT_FIELDS, reason: 'reason' },
			action: 'correct lab results',
			otherwise: 'result_value'
		}
	);
}

/** Doctor: stops an active prescription, with the reason (required by the database too). */
export const stopPrescription = rowChange<z.infer<typeof forms.stopPrescriptionSchema>>({
	table: 'prescriptions',
	row: (input) => input.prescription_id,
	change: (input) => ({ status: 'stopped', stop_reason: input.stop_reason }),
	action: 'stop prescriptions',
	rowField: 'stop_reason',
	fields: sameNames('stop_reason')
});

/** Starts (→ in_progress) or completes (→ completed) a visit; the trigger sets the times. */
export const setVisitStatus = rowChange<z.infer<typeof forms.visitStatusSchema>>({
	table: 'visits',
	row: (input) => input.visit_id,
	change: (input) => ({ status: input.status }),
	action: (input) => (input.status === 'in_progress' ? 'start visits' : 'complete visits'),
	rowField: 'visit_id'
});

/** Retires (inactive, entered in error) or reactivates an allergy. */
export const setAllergyStatus = rowChange<z.infer<typeof forms.allergyStatusSchema>>({
	table: 'allergies',
	row: (input) => input.allergy_id,
	change: (input) => ({ status: input.status }),
	action: 'change allergies',
	rowField: 'allergy_id'
});

/** Resolves a problem, or marks it entered in error. */
export const setProblemStatus = rowChange<z.infer<typeof forms.problemStatusSchema>>({
	table: 'problems',
	row: (input) => input.problem_id,
	change: (input) => ({ status: input.status }),
	action: 'change problems',
	rowField: 'problem_id'
});

/** Cancelling a visit or a lab order: with its reason (required by the database too). */
function cancelling(table: 'visits' | 'lab_orders', action: string) {
	return rowChange<z.infer<typeof forms.cancelSchema>>({
		table,
		row: (input) => input.target_id,
		change: (input) => ({ status: 'cancelled', cancel_reason: input.cancel_reason }),
		action,
		rowField: 'cancel_reason',
		fields: sameNames('cancel_reason')
	});
}

/** Cancels a scheduled or in-progress visit. */
export const cancelVisit = cancelling('visits', 'cancel visits');

/** Cancels an ordered or collected lab order. */
export const cancelLabOrder = cancelling('lab_orders', 'cancel lab orders');
