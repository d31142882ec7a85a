/**
 * Clinical forms on the patient chart: visits, visit notes (draft, sign, amend), lab orders,
 * results and corrections, prescriptions and dispensing, allergies and problems. One schema per
 * form, shared by the chart's actions and its forms. Ranges and lengths mirror the database
 * (`visits`, `visit_notes` and `private.check_vitals()`, `private.check_lab_result()`,
 * `lab_orders`, `prescriptions`, `allergies`, `problems` check constraints and the amend/dispense
 * RPCs) so the form shows the error next to the field before the database sees it; the database
 * stays the authority and its refusals are mapped back to the same fields by `$lib/server/chart`.
 */
import { z } from 'zod';
import { fromLocalDateTime, isLocalDateTime } from '$lib/format';
import { text } from '$lib/schemas/text';

/** Plausible ranges of each vital, exactly as `private.check_vitals()` checks them. */
export const VITALS = {
	heart_rate: { label: 'Heart rate', unit: '/min', min: 20, max: 250, step: 1 },
	bp_systolic: { label: 'Blood pressure, systolic', unit: 'mmHg', min: 50, max: 260, step: 1 },
	bp_diastolic: { label: 'Blood pressure, diastolic', unit: 'mmHg', min: 20, max: 160, step: 1 },
	temperature_c: { label: 'Temperature', unit: '°C', min: 30, max: 45, step: 0.1 },
	resp_rate: { label: 'Respiratory rate', unit: '/min', min: 4, max: 80, step: 1 },
	spo2: { label: 'SpO₂', unit: '%', min: 50, max: 100, step: 1 }
} as const;
export type VitalKey = keyof typeof VITALS;
export const VITAL_KEYS = Object.keys(VITALS) as VitalKey[];

/** Also accepted by the database and shown on the chart when present (seed data has them). */
export const EXTRA_VITALS = {
	weight_kg: { label: 'Weight', unit: 'kg' },
	height_cm: { label: 'Height', unit: 'cm' }
} as const;

export const LAB_PRIORITIES = ['routine', 'urgent', 'stat'] as const;
export const LAB_FLAGS = [
	'normal',
	'low',
	'high',
	'critically_low',
	'critically_high',
	'abnormal'
] as const;
export type LabFlag = (typeof LAB_FLAGS)[number];
export const LAB_FLAG_LABELS: Record<LabFlag, string> = {
	normal: 'Normal',
	low: 'Low',
	high: 'High',
	critically_low: 'Critically low',
	critically_high: 'Critically high',
	abnormal: 'Abnormal'
};
export const ALLERGY_KINDS = ['allergy', 'intolerance'] as const;
export const ALLERGY_SEVERITIES = ['mild', 'moderate', 'severe', 'unknown'] as const;
export const ALLERGY_STATUSES = ['active', 'inactive', 'entered_in_error'] as const;
export const PROBLEM_STATUSES = ['active', 'resolved', 'entered_in_error'] as const;
export const LAB_PRIORITY_LABELS: Record<(typeof LAB_PRIORITIES)[number], string> = {
	routine: 'Routine',
	urgent: 'Urgent',
	stat: 'STAT (immediately)'
};

/** Who may do what on the chart: the UI's view of the policies in docs/permissions.md. */
export const CHART_PERMISSIONS = {
	addVisit: ['admin', 'doctor', 'nurse', 'receptionist'],
	/** Write, sign and amend visit notes. */
	writeNotes: ['doctor', 'nurse'],
	/** `support`: a platform admin's time-limited, read-only support session (docs/security.md). */
	readNotes: ['admin', 'doctor', 'nurse', 'support'],
	orderLab: ['doctor', 'nurse'],
	readLabs: ['admin', 'doctor', 'nurse', 'lab_technician', 'support'],
	/** Record and correct lab results. */
	recordResult: ['lab_technician', 'doctor'],
	collectSample: ['lab_technician', 'doctor', 'nurse'],
	/** visits_update_care_team; the trigger decides which moves are allowed. */
	changeVisitStatus: ['admin', 'doctor', 'nurse', 'receptionist'],
	/** Doctors and nurses cancel orders (docs/permissions.md); lab technicians collect and result. */
	cancelLabOrder: ['doctor', 'nurse'],
	readPrescriptions: ['admin', 'doctor', 'nurse', 'pharmacist', 'support'],
	prescribe: ['doctor'],
	stopPrescription: ['doctor'],
	/** dispense_prescription: records each fill (who, when, quantity). */
	dispense: ['pharmacist'],
	readVisits: ['admin', 'doctor', 'nurse', 'receptionist', 'support'],
	/** Allergies and "no known allergies": the safety header. Receptionists see none of it. */
	readAllergies: ['admin', 'doctor', 'nurse', 'lab_technician', 'pharmacist', 'support'],
	writeAllergies: ['doctor', 'nurse', 'pharmacist'],
	readProblems: ['admin', 'doctor', 'nurse', 'pharmacist', 'support'],
	writeProblems: ['doctor', 'nurse']
} as const satisfies Record<string, readonly string[]>;
export type ChartPermission = keyof typeof CHART_PERMISSIONS;

export function can(role: string | null | undefined, what: ChartPermission): boolean {
	return (CHART_PERMISSIONS[what] as readonly string[]).includes(role ?? '');
}

function vital(key: VitalKey) {
	const { label, min, max } = VITALS[key];
	return z
		.number({ error: `Enter ${label.toLowerCase()} as a number.` })
		.min(min, { error: `${label} must be between ${min} and ${max}.` })
		.max(max, { error: `${label} must be between ${min} and ${max}.` })
		.optional();
}

const optionalText = (max: number, what: string) =>
	text()
		.trim()
		.max(max, { error: `${what}: use at most ${max} characters.` })
		.default('');

/** Booking or recording a visit: who comes and why; notes and vitals are written during the visit. */
export const visitSchema = z.object({
	reason: text()
		.trim()
		.min(1, { error: 'Enter the reason for the visit.' })
		.max(500, { error: 'Use at most 500 characters.' }),
	scheduled_at: text()
		.trim()
		.refine((v) => v === '' || isLocalDateTime(v), {
			error: 'Enter a date and time, or leave empty for now.'
		})
		.default('')
});
export type VisitInput = z.infer<typeof visitSchema>;

const vitalsFields = {
	heart_rate: vital('heart_rate'),
	bp_systolic: vital('bp_systolic'),
	bp_diastolic: vital('bp_diastolic'),
	temperature_c: vital('temperature_c'),
	resp_rate: vital('resp_rate'),
	spo2: vital('spo2')
};
const diastolicBelowSystolic = {
	check: (v: { bp_systolic?: number; bp_diastolic?: number }) =>
		v.bp_systolic === undefined || v.bp_diastolic === undefined || v.bp_diastolic < v.bp_systolic,
	error: { error: 'Diastolic must be lower than systolic.', path: ['bp_diastolic'] }
};

/**
 * A visit note's draft (saved while the visit is open) and, with `confirmed` after the
 * confirmation step, its signature: the same fields, so signing saves what is on the screen first.
 */
export const noteSchema = z
	.object({
		visit_id: z.uuid({ error: 'Choose the visit.' }),
		notes: optionalText(20000, 'Notes'),
		...vitalsFields,
		confirmed: z.boolean().default(false)
	})
	.refine(diastolicBelowSystolic.check, diastolicBelowSystolic.error);
export type NoteInput = z.infer<typeof noteSchema>;

/** A new version of a signed note: the whole note as it should read, and why. */
export const amendNoteSchema = z
	.object({
		visit_id: z.uuid({ error: 'Choose the visit.' }),
		notes: optionalText(20000, 'Notes'),
		...vitalsFields,
		reason: text()
			.trim()
			.min(1, { error: 'Say why the note is amended.' })
			.max(500, { error: 'Use at most 500 characters.' })
	})
	.refine(diastolicBelowSystolic.check, diastolicBelowSystolic.error);
export type AmendNoteInput = z.infer<typeof amendNoteSchema>;

/** Whether a note carries clinical content (notes or any vital). */
export function hasClinicalContent(
	v: { notes: string } & Partial<Record<VitalKey, number>>
): boolean {
	return v.notes !== '' || VITAL_KEYS.some((k) => v[k] !== undefined);
}

/** The vitals object `visit_notes.vitals` stores (only the measurements entered). */
export function vitalsOf(v: Partial<Record<VitalKey, number>>): Partial<Record<VitalKey, number>> {
	const out: Partial<Record<VitalKey, number>> = {};
	for (const k of VITAL_KEYS) if (v[k] !== undefined) out[k] = v[k];
	return out;
}

/** The instant a datetime-local value names in the clinic's time zone ('' means now). */
export function scheduledInstant(local: string, timeZone: string, now = new Date()) {
	return local === '' ? now : fromLocalDateTime(local, timeZone);
}

export const labOrderSchema = z.object({
	test_code: text()
		.trim()
		.regex(/^[A-Za-z0-9][A-Za-z0-9._-]{0,31}$/, {
			error: 'Use up to 32 letters, digits, dots, dashes or underscores (e.g. CBC, HBA1C).'
		}),
	test_name: text()
		.trim()
		.min(1, { error: 'Enter the test name.' })
		.max(200, { error: 'Use at most 200 characters.' }),
	priority: z.enum(LAB_PRIORITIES, { error: 'Choose a priority.' }).default('routine'),
	clinical_notes: optionalText(2000, 'Clinical notes')
});

/** Lab technicians, doctors and nurses mark an ordered test's sample collected. */
export const collectSampleSchema = z.object({
	order_id: z.uuid({ error: 'Choose the order.' })
});

/** Line breaks, tabs and other control characters (what `[[:cntrl:]]` matches in the database). */
function hasControlCharacters(v: string): boolean {
	return [...v].some((c) => c.charCodeAt(0) < 32 || c.charCodeAt(0) === 127);
}

/** One line without markup: what a result value and a reference range may be. */
const NO_MARKUP = /<[A-Za-z/!?]/;
const oneLine = (max: number, what: string) =>
	text()
		.trim()
		.max(max, { error: `${what}: use at most ${max} characters.` })
		.refine((v) => !hasControlCharacters(v) && !NO_MARKUP.test(v), {
			error: `${what}: one line, without markup.`
		});

const resultFields = {
	result_value: oneLine(60, 'Result').refine((v) => v !== '', { error: 'Enter the result.' }),
	result_unit: oneLine(30, 'Unit').default(''),
	reference_range: oneLine(60, 'Reference range').default(''),
	result_flag: z.enum(LAB_FLAGS, { error: 'Choose a flag.' }).optional(),
	result_notes: optionalText(1000, 'Comment').refine((v) => !NO_MARKUP.test(v), {
		error: 'Comment: without markup.'
	})
};

/** A result as `private.check_lab_result()` accepts it: value, unit, range, flag, comment. */
export const labResultSchema = z.object({
	order_id: z.uuid({ error: 'Choose the order.' }),
	...resultFields
});

/** A correction: the whole corrected result and why (the original stays on the order). */
export const correctResultSchema = z.object({
	order_id: z.uuid({ error: 'Choose the order.' }),
	...resultFields,
	reason: text()
		.trim()
		.min(1, { error: 'Say why the result is corrected.' })
		.max(500, { error: 'Use at most 500 characters.' })
});

export const prescriptionSchema = z.object({
	medication: text()
		.trim()
		.min(1, { error: 'Enter the medication.' })
		.max(200, { error: 'Use at most 200 characters.' }),
	dose: text()
		.trim()
		.min(1, { error: 'Enter the dose (e.g. 500 mg).' })
		.max(100, { error: 'Use at most 100 characters.' }),
	route: text()
		.trim()
		.min(1, { error: 'Enter the route (e.g. oral).' })
		.max(50, { error: 'Use at most 50 characters.' })
		.default('oral'),
	frequency: text()
		.trim()
		.min(1, { error: 'Enter how often (e.g. twice daily).' })
		.max(100, { error: 'Use at most 100 characters.' }),
	duration_days: z
		.number({ error: 'Enter the number of days.' })
		.int({ error: 'Enter whole days.' })
		.min(1, { error: 'Duration must be between 1 and 3650 days.' })
		.max(3650, { error: 'Duration must be between 1 and 3650 days.' })
		.optional(),
	quantity: z
		.number({ error: 'Enter the quantity per fill.' })
		.gt(0, { error: 'The quantity per fill must be more than 0.' })
		.max(100000, { error: 'The quantity per fill is at most 100000.' })
		.refine((v) => Math.round(v * 100) === v * 100, { error: 'Use at most 2 decimals.' }),
	quantity_unit: text()
		.trim()
		.min(1, { error: 'Enter the unit (e.g. tablets).' })
		.max(30, { error: 'Use at most 30 characters.' })
		.default('tablets'),
	refills: z
		.number({ error: 'Enter the number of refills.' })
		.int({ error: 'Enter a whole number.' })
		.min(0, { error: 'Refills must be between 0 and 24.' })
		.max(24, { error: 'Refills must be between 0 and 24.' })
		.default(0),
	instructions: optionalText(2000, 'Instructions'),
	/** Asked for only when the medication matches a recorded allergy. */
	allergy_override_reason: optionalText(500, 'Reason')
});

/** Dispensing one fill is two steps: the quantity, then `confirmed` from the confirmation. */
export const dispenseSchema = z.object({
	prescription_id: z.uuid({ error: 'Choose the prescription.' }),
	quantity: z
		.number({ error: 'Enter the quantity dispensed.' })
		.gt(0, { error: 'The quantity must be more than 0.' })
		.max(100000, { error: 'The quantity is at most 100000.' }),
	confirmed: z.boolean().default(false)
});

/** Stopping is two steps: the reason, then `confirmed` from the confirmation form. */
export const stopPrescriptionSchema = z.object({
	prescription_id: z.uuid({ error: 'Choose the prescription.' }),
	stop_reason: text()
		.trim()
		.min(1, { error: 'Enter why the medication is stopped.' })
		.max(500, { error: 'Use at most 500 characters.' }),
	confirmed: z.boolean().default(false)
});

/** Start (scheduled → in_progress) or complete (→ completed) a visit; the database sets the times. */
export const visitStatusSchema = z.object({
	visit_id: z.uuid({ error: 'Choose the visit.' }),
	status: z.enum(['in_progress', 'completed'], { error: 'Choose start or complete.' })
});

/**
 * Cancelling a visit or a lab order is two steps: the reason, then `confirmed` from the
 * confirmation the server renders (so it works without JavaScript). `target_id` is the visit or
 * the order, by the action it is posted to.
 */
export const cancelSchema = z.object({
	target_id: z.uuid({ error: 'Choose what to cancel.' }),
	cancel_reason: text()
		.trim()
		.min(1, { error: 'Enter why it is cancelled.' })
		.max(500, { error: 'Use at most 500 characters.' }),
	confirmed: z.boolean().default(false)
});

export const allergySchema = z.object({
	kind: z.enum(ALLERGY_KINDS, { error: 'Choose allergy or intolerance.' }).default('allergy'),
	substance: text()
		.trim()
		.min(1, { error: 'Enter the substance (e.g. penicillin, latex, peanut).' })
		.max(200, { error: 'Use at most 200 characters.' }),
	reaction: optionalText(500, 'Reaction'),
	severity: z.enum(ALLERGY_SEVERITIES, { error: 'Choose a severity.' }).default('unknown')
});

export const allergyStatusSchema = z.object({
	allergy_id: z.uuid({ error: 'Choose the allergy.' }),
	status: z.enum(ALLERGY_STATUSES, { error: 'Choose a status.' })
});

/** Recording "no known allergies" carries no field: the patient is the page's. */
export const noKnownAllergiesSchema = z.object({});

const ISO_DATE = /^\d{4}-\d{2}-\d{2}$/;

export const problemSchema = z.object({
	description: text()
		.trim()
		.min(1, { error: 'Describe the problem or diagnosis.' })
		.max(200, { error: 'Use at most 200 characters.' }),
	code: text()
		.trim()
		.refine((v) => v === '' || /^[A-Za-z0-9][A-Za-z0-9.-]{0,19}$/.test(v), {
			error: 'Use up to 20 letters, digits, dots or dashes (e.g. E11.9).'
		})
		.default(''),
	onset_date: text()
		.trim()
		.refine((v) => v === '' || ISO_DATE.test(v), { error: 'Enter a date.' })
		.default('')
});

export const problemStatusSchema = z.object({
	problem_id: z.uuid({ error: 'Choose the problem.' }),
	status: z.enum(PROBLEM_STATUSES, { error: 'Choose a status.' })
});

/**
 * Whether a medication name matches an allergy's substance, as `private.matching_allergies()`
 * decides it: lowercased with punctuation as spaces, one contains the other as whole words, or a word of the
 * substance of 4 letters or more begins a word of the medication. Used to warn while typing; the
 * database decides when saving.
 */
export function matchesAllergy(medication: string, substance: string): boolean {
	const norm = (v: string) =>
		v
			.toLowerCase()
			.replace(/[^\p{L}\p{N}]+/gu, ' ')
			.trim();
	const med = norm(medication);
	const sub = norm(substance);
	if (med === '' || sub === '') return false;
	if (` ${med} `.includes(` ${sub} `) || ` ${sub} `.includes(` ${med} `)) return true;
	const medWords = med.split(' ');
	return sub
		.split(' ')
		.filter((w) => w.length >= 4)
		.some((w) => medWords.some((m) => m.startsWith(w)));
}

/** A clinic's note template (clinic admins): a name and the text a note starts from. */
export const noteTemplateSchema = z.object({
	id: z.uuid().optional(),
	name: text()
		.trim()
		.min(1, { error: 'Name the template.' })
		.max(100, { error: 'Use at most 100 characters.' }),
	body: text()
		.min(1, { error: 'Write the template text.' })
		.max(20000, { error: 'Use at most 20000 characters.' }),
	active: z.boolean().default(true)
});
