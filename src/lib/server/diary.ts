/**
 * The clinic's diary: appointments per clinician for a day or a week in the clinic's time zone,
 * booking from a free slot, moving, cancelling, arrivals and no-shows, and starting the visit from
 * an appointment. Everything runs as the signed-in person: RLS decides what is read and written
 * (the care team of the active clinic), the `appointments` triggers decide which moves are allowed,
 * and the exclusion constraint `appointments_no_double_booking` refuses overlapping appointments of
 * one clinician, however many people book at once. Its refusal is answered next to the time field
 * with the clashing slot, described only from what this person may read.
 */
import type { Db } from './db';
import type { Database } from '$lib/database.types';
import {
	addDays,
	dayRange,
	formatTimeRange,
	fromLocalDateTime,
	listName,
	minuteOfDay,
	weekStart
} from '$lib/format';
import {
	DIARY_HOURS,
	SLOT_MINUTES,
	type BookInput,
	type DiaryQuery,
	type MoveInput
} from '$lib/schemas/diary';
import { searchProblem } from '$lib/schemas/patient';
import {
	DONE,
	updateById,
	refusalOf,
	refuse,
	type DbError,
	type RefusalRules,
	type Result
} from './refusals';
import { readOrThrow } from './reads';

/** Everything a diary day or week shows of an appointment (one request, RLS-scoped embeds). */
export const APPOINTMENT_SELECT = `
	id, starts_at, ends_at, status, appointment_type, reason, cancel_reason, clinician_id, arrived_at,
	patients ( id, mrn, given_name, family_name, date_of_birth ),
	clinician:profiles!appointments_clinician_id_fkey ( full_name ),
	visits ( id, status )
`;

/** A busy clinic week still fits; the page says when there are more. */
export const DIARY_LIMIT = 1000;

/**
 * The diary's query: the clinic's appointments starting in [start, end), in time order, optionally
 * one clinician's. One index range on (organization_id, starts_at) under RLS (plan gate in
 * tests/db/plan-gates.test.ts, "D1" in bench/queries.ts).
 */
export function diaryQuery(
	supabase: Db,
	range: { start: Date; end: Date },
	clinicianId: string | null
) {
	let q = supabase
		.from('appointments')
		.select(APPOINTMENT_SELECT, { count: 'exact' })
		.gte('starts_at', range.start.toISOString())
		.lt('starts_at', range.end.toISOString());
	if (clinicianId) q = q.eq('clinician_id', clinicianId);
	return q.order('starts_at', { ascending: true }).order('id').limit(DIARY_LIMIT);
}

type Rows<T extends (...args: never[]) => PromiseLike<{ data: unknown }>> = NonNullable<
	Awaited<ReturnType<T>>['data']
>;
type RawAppointment = Rows<typeof diaryQuery>[number];
type VisitRef = { id: string; status: Database['public']['Enums']['visit_status'] };
/** An appointment as the diary shows it (its visit, when one was started from it). */
export type DiaryAppointment = Omit<RawAppointment, 'visits'> & { visit: VisitRef | null };

/** PostgREST embeds the visit as one object (appointment_id is unique); the types say array. */
function withVisit(row: RawAppointment): DiaryAppointment {
	const { visits, ...rest } = row;
	const v: unknown = visits;
	const visit = (Array.isArray(v) ? (v[0] ?? null) : (v ?? null)) as VisitRef | null;
	return { ...rest, visit };
}

export interface Clinician {
	id: string;
	name: string;
	role: string;
}

type ClinicianRow = {
	user_id: string;
	role: string;
	profiles: { full_name: string | null; email: string | null } | null;
};

/** The clinic's bookable clinicians (active doctors and nurses) as `diary_page` lists them, by name. */
function cliniciansOf(rows: ClinicianRow[]): Clinician[] {
	return rows
		.map((m) => ({
			id: m.user_id,
			name: m.profiles?.full_name || m.profiles?.email || 'Unnamed clinician',
			role: m.role
		}))
		.sort((a, b) => a.name.localeCompare(b.name));
}

/** A patient as the booking form shows the chosen one. */
export interface ChosenPatient {
	id: string;
	mrn: string;
	given_name: string;
	family_name: string;
	date_of_birth: string | null;
}

/**
 * What a diary page needs, in ONE Data API request: the `diary_page` RPC (migration
 * 20261124820000_create_page_rpcs_clinical.sql, security invoker: the memberships, profiles,
 * appointments, patients and visits policies decide every row, pgTAP 73): the clinic's bookable
 * clinicians, and the appointments of a range (`diary_appointments`, the diary's query with its
 * embeds), one appointment, or the booking form's chosen patient.
 */
export async function diaryPage({
	supabase,
	organizationId,
	range,
	clinicianId = null,
	appointmentId = null,
	patientId = null
}: {
	supabase: Db;
	organizationId: string;
	range?: { start: Date; end: Date };
	clinicianId?: string | null;
	appointmentId?: string | null;
	patientId?: string | null;
}): Promise<{
	clinicians: Clinician[];
	appointments: { rows: DiaryAppointment[]; total: number } | null;
	appointment: DiaryAppointment | null;
	patient: ChosenPatient | null;
}> {
	const data = await readOrThrow(
		'diary',
		supabase.rpc('diary_page', {
			organization_id: organizationId,
			...(range
				? { range_start: range.start.toISOString(), range_end: range.end.toISOString() }
				: {}),
			...(clinicianId ? { clinician_id: clinicianId } : {}),
			...(appointmentId ? { appointment_id: appointmentId } : {}),
			...(patientId ? { patient_id: patientId } : {})
		})
	);
	const page = data as unknown as {
		clinicians: ClinicianRow[];
		appointments: { rows: DiaryAppointment[]; total: number } | null;
		appointment: DiaryAppointment | null;
		patient: ChosenPatient | null;
	};
	return {
		clinicians: cliniciansOf(page.clinicians ?? []),
		appointments: page.appointments,
		appointment: page.appointment ?? null,
		patient: page.patient ?? null
	};
}

/** A stretch of a clinician's day with no live appointment, on the diary's slot grid. */
export interface FreeSlot {
	clinicianId: string;
	/** Wall clock in the clinic's zone, `YYYY-MM-DDTHH:MM`. */
	start: string;
	end: string;
	minutes: number;
}

const LIVE = new Set(['booked', 'arrived', 'in_progress', 'completed']);

function wallClock(day: string, minute: number): string {
	const h = String(Math.floor(minute / 60)).padStart(2, '0');
	const m = String(minute % 60).padStart(2, '0');
	return `${day}T${h}:${m}`;
}

/**
 * The free stretches of each clinician's day within the diary's hours (on the slot grid; cancelled
 * and no-show appointments free their time, as in the database's constraint). Past time is not
 * offered on today's date.
 */
export function freeSlots({
	day,
	timeZone,
	clinicianIds,
	appointments,
	now = new Date()
}: {
	day: string;
	timeZone: string;
	clinicianIds: string[];
	appointments: Pick<DiaryAppointment, 'clinician_id' | 'starts_at' | 'ends_at' | 'status'>[];
	now?: Date;
}): FreeSlot[] {
	const { start: dayStart, end: dayEnd } = dayRange(day, timeZone);
	const open = DIARY_HOURS.from * 60;
	const close = DIARY_HOURS.to * 60;
	let earliest = open;
	if (now >= dayEnd) return [];
	if (now > dayStart) {
		const m = minuteOfDay(now, timeZone);
		earliest = Math.max(open, Math.ceil(m / SLOT_MINUTES) * SLOT_MINUTES);
	}
	const out: FreeSlot[] = [];
	for (const clinicianId of clinicianIds) {
		const busy = appointments
			.filter((a) => a.clinician_id === clinicianId && LIVE.has(a.status))
			.map((a) => {
				const s = new Date(a.starts_at) < dayStart ? 0 : minuteOfDay(a.starts_at, timeZone);
				const e = new Date(a.ends_at) >= dayEnd ? 24 * 60 : minuteOfDay(a.ends_at, timeZone);
				return [s, e] as const;
			})
			.sort((a, b) => a[0] - b[0]);
		let cursor = earliest;
		// a free stretch starts where the previous appointment ends (or now, on the slot grid)
		const push = (a: number, to: number) => {
			const b = Math.min(to, close);
			if (b - a >= SLOT_MINUTES) {
				out.push({
					clinicianId,
					start: wallClock(day, a),
					end: wallClock(day, b),
					minutes: b - a
				});
			}
		};
		for (const [s, e] of busy) {
			if (s > cursor) push(cursor, s);
			cursor = Math.max(cursor, e);
		}
		if (cursor < close) push(cursor, close);
	}
	return out;
}

export interface Diary {
	view: 'day' | 'week';
	/** The first day shown and the days shown (`YYYY-MM-DD`, the clinic's calendar). */
	day: string;
	days: string[];
	/** A clinician's id, or null for the whole clinic. */
	clinicianId: string | null;
	clinicians: Clinician[];
	appointments: DiaryAppointment[];
	total: number;
	free: FreeSlot[];
}

/**
 * Loads a day or a week of the diary (the clinic's days, in its time zone), for one clinician or
 * the whole clinic, with the clinicians and each day's free slots: two concurrent requests.
 */
export async function loadDiary({
	supabase,
	organizationId,
	timeZone,
	query,
	today,
	defaultClinician
}: {
	supabase: Db;
	organizationId: string;
	timeZone: string;
	query: DiaryQuery;
	today: string;
	/** Whose diary opens when none is asked for (a clinician's own), or null for the clinic. */
	defaultClinician: string | null;
}): Promise<Diary> {
	const view = query.view;
	const asked = query.day ?? today;
	const day = view === 'week' ? weekStart(asked) : asked;
	const days = Array.from({ length: view === 'week' ? 7 : 1 }, (_, i) => addDays(day, i));
	const wanted = query.clinician === 'all' ? null : (query.clinician ?? defaultClinician ?? null);
	const page = await diaryPage({
		supabase,
		organizationId,
		range: dayRange(day, timeZone, days.length),
		clinicianId: wanted
	});
	const people = page.clinicians;
	const appointments = page.appointments?.rows ?? [];
	const clinicianId = wanted;
	const shown = clinicianId ? [clinicianId] : people.map((c) => c.id);
	const free = days.flatMap((d) =>
		freeSlots({ day: d, timeZone, clinicianIds: shown, appointments })
	);
	return {
		view,
		day,
		days,
		clinicianId,
		clinicians: people,
		appointments,
		total: page.appointments?.total ?? appointments.length,
		free
	};
}

/** One appointment with its patient, clinician and visit; null when absent or not readable. */
export async function loadAppointment({ supabase, id }: { supabase: Db; id: string }) {
	const data = await readOrThrow(
		'appointment',
		supabase.from('appointments').select(APPOINTMENT_SELECT).eq('id', id).maybeSingle()
	);
	return data ? withVisit(data) : null;
}
export type AppointmentDetail = NonNullable<Awaited<ReturnType<typeof loadAppointment>>>;

/**
 * Patients for the booking form's inline search (same search as the patients page). A query the
 * search cannot run (too long, unreadable characters) is refused with the reason, never a 500.
 */
export async function findPatients({
	supabase,
	q
}: {
	supabase: Db;
	q: string;
}): Promise<Result<{ patients: PatientChoice[] }, 'q'>> {
	const problem = searchProblem(q);
	if (problem) return refuse(problem, { field: 'q', status: 400 });
	if (q.trim().length < 2) return { ok: true, patients: [] };
	const data = await readOrThrow(
		'patient search',
		supabase
			.rpc('search_patients', { q, lim: 10 })
			.select('id, mrn, given_name, family_name, date_of_birth')
	);
	return { ok: true, patients: data ?? [] };
}
export type PatientChoice = {
	id: string;
	mrn: string;
	given_name: string;
	family_name: string;
	date_of_birth: string | null;
};

// Writes ------------------------------------------------------------------------------------------------

type WriteField = 'patient_id' | 'clinician_id' | 'starts_at' | 'appointment_type' | 'reason';

const WRITE_RULES: RefusalRules<WriteField> = {
	fields: {
		patient_id: 'patient_id',
		clinician_id: 'clinician_id',
		starts_at: 'starts_at',
		ends_at: 'starts_at',
		appointment_type: 'appointment_type',
		reason: 'reason',
		status: 'starts_at',
		appointments_ends_after_starts: 'starts_at',
		appointments_at_most_12_hours: 'starts_at',
		appointments_starts_at_plausible: 'starts_at',
		appointments_patient_fkey: 'patient_id'
	},
	action: 'book appointments'
};

/**
 * The answer to a clash (23P01 from appointments_no_double_booking): the clinician's overlapping
 * appointment, read as this person (so it is described only if they may read it), next to the time.
 */
async function clash(
	supabase: Db,
	timeZone: string,
	slot: { clinicianId: string; start: Date; end: Date; except?: string }
): Promise<Result<object, WriteField>> {
	let q = supabase
		.from('appointments')
		.select(
			'id, starts_at, ends_at, status, appointment_type, patients ( given_name, family_name ), clinician:profiles!appointments_clinician_id_fkey ( full_name )'
		)
		.eq('clinician_id', slot.clinicianId)
		.lt('starts_at', slot.end.toISOString())
		.gt('ends_at', slot.start.toISOString())
		.order('starts_at')
		.limit(5);
	if (slot.except) q = q.neq('id', slot.except);
	const { data } = await q;
	const other = (data ?? []).find((a) => a.status !== 'cancelled' && a.status !== 'no_show');
	if (!other) {
		return refuse(
			'This time overlaps another appointment of this clinician. Choose another time.',
			{
				field: 'starts_at',
				status: 409
			}
		);
	}
	const who = other.clinician?.full_name || 'This clinician';
	return refuse(
		`${who} is already booked ${formatTimeRange(other.starts_at, other.ends_at, timeZone)} (${other.appointment_type}, ${listName(other.patients)}). Choose another time.`,
		{ field: 'starts_at', status: 409 }
	);
}

function slotOf(input: { starts_at: string; duration: number }, timeZone: string) {
	const start = fromLocalDateTime(input.starts_at, timeZone);
	return { start, end: new Date(start.getTime() + input.duration * 60_000) };
}

async function answer(
	supabase: Db,
	timeZone: string,
	error: DbError,
	slot: { clinicianId: string; start: Date; end: Date; except?: string }
): Promise<Result<object, WriteField>> {
	if (error.code === '23P01') return clash(supabase, timeZone, slot);
	return refusalOf(error, WRITE_RULES);
}

/** Books an appointment (created by the caller, status booked); a clash is refused by Postgres. */
export async function bookAppointment({
	supabase,
	timeZone,
	input
}: {
	supabase: Db;
	timeZone: string;
	input: BookInput;
}): Promise<Result<{ id: string }, WriteField>> {
	const { start, end } = slotOf(input, timeZone);
	const { data, error } = await supabase
		.from('appointments')
		.insert({
			patient_id: input.patient_id,
			clinician_id: input.clinician_id,
			starts_at: start.toISOString(),
			ends_at: end.toISOString(),
			appointment_type: input.appointment_type,
			reason: input.reason === '' ? null : input.reason
		})
		.select('id')
		.single();
	if (error) {
		return (await answer(supabase, timeZone, error, {
			clinicianId: input.clinician_id,
			start,
			end
		})) as Result<{ id: string }, WriteField>;
	}
	return { ok: true, id: data.id };
}

/** Moves a booked appointment to another time, length or clinician. */
export async function moveAppointment({
	supabase,
	timeZone,
	input
}: {
	supabase: Db;
	timeZone: string;
	input: MoveInput;
}): Promise<Result<object, WriteField>> {
	const { start, end } = slotOf(input, timeZone);
	const { data, error } = await supabase
		.from('appointments')
		.update({
			clinician_id: input.clinician_id,
			starts_at: start.toISOString(),
			ends_at: end.toISOString()
		})
		.eq('id', input.appointment_id)
		.select('id');
	if (error) {
		return answer(supabase, timeZone, error, {
			clinicianId: input.clinician_id,
			start,
			end,
			except: input.appointment_id
		});
	}
	if (!data?.length) {
		return refuse('The database refused: your role may not move appointments here.', {
			field: 'starts_at',
			status: 403
		});
	}
	return DONE;
}

/** Cancels a booked or arrived appointment with its reason (required by the database too). */
export function cancelAppointment({
	supabase,
	appointmentId,
	reason
}: {
	supabase: Db;
	appointmentId: string;
	reason: string;
}): Promise<Result<{ row: { id: string } }, 'cancel_reason'>> {
	return updateById(
		supabase,
		'appointments',
		appointmentId,
		{ status: 'cancelled', cancel_reason: reason },
		{
			fields: { cancel_reason: 'cancel_reason', status: 'cancel_reason' },
			otherwise: 'cancel_reason',
			action: 'cancel appointments',
			none: 'The database refused: your role may not cancel appointments here.'
		}
	);
}

/** Marks the patient arrived, undoes it (booked), or records a no-show. */
export function setAppointmentStatus({
	supabase,
	appointmentId,
	status
}: {
	supabase: Db;
	appointmentId: string;
	status: 'arrived' | 'booked' | 'no_show';
}): Promise<Result<{ row: { id: string } }, 'appointment_id'>> {
	return updateById(
		supabase,
		'appointments',
		appointmentId,
		{ status },
		{
			otherwise: 'appointment_id',
			action: 'change appointments',
			none: 'The database refused: your role may not change appointments here.'
		}
	);
}

/**
 * Starts the visit of an appointment through `create_visit` with its id: the database gives the
 * visit the appointment's patient, clinician (never the person who clicked) and time, starts it, and
 * moves the appointment along. Returns the patient and visit to open.
 */
export async function startVisit({
	supabase,
	appointment
}: {
	supabase: Db;
	appointment: Pick<AppointmentDetail, 'id' | 'starts_at' | 'patients'>;
}): Promise<Result<{ visitId: string; patientId: string }, 'appointment_id'>> {
	const patientId = appointment.patients?.id;
	if (!patientId) return refuse('This appointment has no patient you may see.', { status: 404 });
	const { data, error } = await supabase.rpc('create_visit', {
		patient_id: patientId,
		scheduled_at: appointment.starts_at,
		reason: '',
		appointment_id: appointment.id
	});
	if (error) {
		return refusalOf(error, {
			fields: { appointment_id: 'appointment_id', patient_id: 'appointment_id' },
			otherwise: 'appointment_id',
			action: 'start visits'
		});
	}
	return { ok: true, visitId: data, patientId };
}
