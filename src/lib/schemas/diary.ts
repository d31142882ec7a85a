/**
 * The diary's forms: booking, moving, cancelling and the status buttons of an appointment. Times are
 * the clinic's wall clock (`YYYY-MM-DDTHH:MM`, as a datetime-local input sends it) and become
 * instants in the clinic's time zone on the server ($lib/format). Lengths mirror the
 * `appointments` check constraints; the database stays the authority (clinician, clashes, status
 * moves) and its refusals are mapped back to these fields by $lib/server/diary.
 */
import { z } from 'zod';
import { isDay, isLocalDateTime } from '$lib/format';

/** Appointment lengths the forms offer, in minutes. */
export const DURATIONS = [10, 15, 20, 30, 45, 60, 90, 120] as const;
export const DEFAULT_DURATION = 20;

/** Suggestions for the type field (free text: clinics name their own). */
export const APPOINTMENT_TYPES = [
	'Consultation',
	'Follow-up',
	'New patient consultation',
	'Blood pressure review',
	'Vaccination',
	'Wound dressing',
	'Blood test',
	'Health check',
	'Prescription review'
] as const;

/** The hours the diary's day shows and offers free slots in (the clinic's wall clock). */
export const DIARY_HOURS = { from: 7, to: 19 } as const;
/** The grid of free slots, in minutes. */
export const SLOT_MINUTES = 15;

export const APPOINTMENT_STATUS_LABELS = {
	booked: 'Booked',
	arrived: 'Arrived',
	in_progress: 'In progress',
	completed: 'Completed',
	cancelled: 'Cancelled',
	no_show: 'No-show'
} as const;
export type AppointmentStatus = keyof typeof APPOINTMENT_STATUS_LABELS;

const when = z.string().trim().refine(isLocalDateTime, { error: 'Enter the date and time.' });

const duration = z
	.number({ error: 'Choose how long.' })
	.int()
	.refine((n) => (DURATIONS as readonly number[]).includes(n), { error: 'Choose how long.' });

export const bookSchema = z.object({
	/**
	 * The inline patient search (a name, MRN or date of birth); never saved. The search refuses a
	 * query it cannot run (`searchProblem`) next to the box; booking ignores it.
	 */
	q: z.string().trim().default(''),
	patient_id: z.uuid({ error: 'Search for the patient and choose them.' }),
	clinician_id: z.uuid({ error: 'Choose the clinician.' }),
	starts_at: when,
	duration: duration.default(DEFAULT_DURATION),
	appointment_type: z
		.string()
		.trim()
		.min(1, { error: 'Enter what the appointment is for.' })
		.max(80, { error: 'Use at most 80 characters.' }),
	reason: z.string().trim().max(500, { error: 'Use at most 500 characters.' }).default('')
});
export type BookInput = z.infer<typeof bookSchema>;

export const moveSchema = z.object({
	appointment_id: z.uuid(),
	clinician_id: z.uuid({ error: 'Choose the clinician.' }),
	starts_at: when,
	duration
});
export type MoveInput = z.infer<typeof moveSchema>;

/** Cancelling is two steps: the reason, then `confirmed` from the confirmation form. */
export const cancelAppointmentSchema = z.object({
	appointment_id: z.uuid(),
	cancel_reason: z
		.string()
		.trim()
		.min(1, { error: 'Enter why the appointment is cancelled.' })
		.max(500, { error: 'Use at most 500 characters.' }),
	confirmed: z.boolean().default(false)
});

/** The status buttons: arrived, arrival undone (booked), no-show. */
export const appointmentStatusSchema = z.object({
	appointment_id: z.uuid(),
	status: z.enum(['arrived', 'booked', 'no_show'])
});

export const startVisitSchema = z.object({ appointment_id: z.uuid() });

/** The diary's address: which day, day or week, whose diary (a clinician's id, or `all`). */
export const diaryQuerySchema = z.object({
	day: z.string().refine(isDay).optional().catch(undefined),
	view: z.enum(['day', 'week']).catch('day'),
	clinician: z
		.union([z.uuid(), z.literal('all')])
		.optional()
		.catch(undefined)
});
export type DiaryQuery = z.infer<typeof diaryQuerySchema>;
