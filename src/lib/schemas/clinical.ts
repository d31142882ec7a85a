/**
 * Clinical forms on the patient chart: visits (with notes and vitals), lab orders and results,
 * prescriptions. One schema per form, shared by the chart's actions and its forms. Ranges and
 * lengths mirror the database (`visits`, `visit_notes` and `private.check_visit_vitals()`,
 * `lab_orders`, `prescriptions` check constraints) so the form shows the error next to the field
 * before the database sees it; the database stays the authority and its refusals are mapped back
 * to the same fields by `$lib/server/chart`.
 */
import { z } from 'zod';
import { text } from '$lib/schemas/text';

/** Plausible ranges of each vital, exactly as `private.check_visit_vitals()` checks them. */
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
export const LAB_PRIORITY_LABELS: Record<(typeof LAB_PRIORITIES)[number], string> = {
	routine: 'Routine',
	urgent: 'Urgent',
	stat: 'STAT (immediately)'
};

/** Who may do what on the chart: the UI's view of the policies in docs/permissions.md. */
export const CHART_PERMISSIONS = {
	addVisit: ['admin', 'doctor', 'nurse', 'receptionist'],
	writeNotes: ['doctor', 'nurse'],
	/** `support`: a platform admin's time-limited, read-only support session (docs/security.md). */
	readNotes: ['admin', 'doctor', 'nurse', 'support'],
	orderLab: ['doctor', 'nurse'],
	readLabs: ['admin', 'doctor', 'nurse', 'lab_technician', 'support'],
	recordResult: ['lab_technician', 'doctor'],
	collectSample: ['lab_technician', 'doctor', 'nurse'],
	/** visits_update_care_team; the trigger decides which moves are allowed. */
	changeVisitStatus: ['admin', 'doctor', 'nurse', 'receptionist'],
	/** Doctors and nurses cancel orders (docs/permissions.md); lab technicians collect and result. */
	cancelLabOrder: ['doctor', 'nurse'],
	readPrescriptions: ['admin', 'doctor', 'nurse', 'pharmacist', 'support'],
	prescribe: ['doctor'],
	stopPrescription: ['doctor'],
	completePrescription: ['pharmacist'],
	readVisits: ['admin', 'doctor', 'nurse', 'receptionist', 'support']
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

/** `YYYY-MM-DDTHH:MM` as a datetime-local input sends it; '' means now. */
const LOCAL_DATETIME = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2})?$/;

export const visitSchema = z
	.object({
		reason: text()
			.trim()
			.min(1, { error: 'Enter the reason for the visit.' })
			.max(500, { error: 'Use at most 500 characters.' }),
		scheduled_at: text()
			.trim()
			.refine((v) => v === '' || LOCAL_DATETIME.test(v), {
				error: 'Enter a date and time, or leave empty for now.'
			})
			.default(''),
		/** Minutes from `Date.getTimezoneOffset()` in the browser; absent without JavaScript. */
		tz_offset: z.number().int().min(-840).max(840).optional(),
		notes: optionalText(20000, 'Notes'),
		heart_rate: vital('heart_rate'),
		bp_systolic: vital('bp_systolic'),
		bp_diastolic: vital('bp_diastolic'),
		temperature_c: vital('temperature_c'),
		resp_rate: vital('resp_rate'),
		spo2: vital('spo2')
	})
	.refine(
		(v) =>
			v.bp_systolic === undefined || v.bp_diastolic === undefined || v.bp_diastolic < v.bp_systolic,
		{ error: 'Diastolic must be lower than systolic.', path: ['bp_diastolic'] }
	);
export type VisitInput = z.infer<typeof visitSchema>;

/** Whether a visit form carries clinical content (notes or any vital). */
export function hasClinicalContent(v: VisitInput): boolean {
	return v.notes !== '' || VITAL_KEYS.some((k) => v[k] !== undefined);
}

/** The vitals object `visit_notes.vitals` stores (only the measurements entered). */
export function vitalsOf(v: VisitInput): Partial<Record<VitalKey, number>> {
	const out: Partial<Record<VitalKey, number>> = {};
	for (const k of VITAL_KEYS) if (v[k] !== undefined) out[k] = v[k];
	return out;
}

/**
 * The instant a datetime-local value names, given the browser's offset (minutes, as
 * `getTimezoneOffset()` returns: UTC minus local). Without an offset the server's zone is used.
 */
export function scheduledInstant(local: string, tzOffset: number | undefined, now = new Date()) {
	if (local === '') return now;
	if (tzOffset === undefined) return new Date(local);
	const asUtc = new Date(`${local.length === 16 ? `${local}:00` : local}Z`);
	return new Date(asUtc.getTime() + tzOffset * 60_000);
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

export const labResultSchema = z.object({
	order_id: z.uuid({ error: 'Choose the order.' }),
	result_value: text()
		.trim()
		.min(1, { error: 'Enter the result.' })
		.max(2000, { error: 'Use at most 2000 characters.' }),
	result_unit: optionalText(50, 'Unit'),
	reference_range: optionalText(100, 'Reference range'),
	result_notes: optionalText(2000, 'Notes')
});

export const prescriptionSchema = z
	.object({
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
		quantity: optionalText(100, 'Quantity'),
		refills: z
			.number({ error: 'Enter the number of refills.' })
			.int({ error: 'Enter a whole number.' })
			.min(0, { error: 'Refills must be between 0 and 24.' })
			.max(24, { error: 'Refills must be between 0 and 24.' })
			.default(0),
		instructions: optionalText(2000, 'Instructions')
	})
	.refine((v) => v.duration_days !== undefined || v.quantity !== '', {
		error: 'Enter a duration or a quantity.',
		path: ['duration_days']
	});

export const completePrescriptionSchema = z.object({
	prescription_id: z.uuid({ error: 'Choose the prescription.' })
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
