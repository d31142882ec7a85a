/**
 * The clinic dashboard: today in the diary, open lab orders, active prescriptions and recent
 * patients of the active clinic, each list with its total count, all requests concurrent. "Today"
 * is the clinic's day in its time zone and comes from the diary's own query (a clinician's own
 * appointments, the whole clinic's for everyone else). Appointments and
 * patients count in the same request (`count: 'exact'` alongside a limited page); lab orders and
 * prescriptions come from RPCs that filter their status as an index condition (list + count RPC). Only what the caller's
 * role may read is asked for; RLS would return nothing for the rest anyway, so skipping them only
 * saves requests, it protects nothing.
 */
import type { SupabaseClient } from '@supabase/supabase-js';
import type { Database } from '$lib/database.types';
import { can } from '$lib/schemas/clinical';
import { inRoleSet } from '$lib/roles';
import { dayRange } from '$lib/format';
import { diaryQuery, type DiaryAppointment } from './diary';

type Client = SupabaseClient<Database>;

export const DASHBOARD_LIST_LIMIT = 20;
export const RECENT_PATIENTS_LIMIT = 8;

const PATIENT = 'patients ( id, mrn, given_name, family_name )';

/** Today's appointments (the clinic's day), a clinician's own or the whole clinic's. */
async function todaysAppointments(
	supabase: Client,
	today: string,
	timeZone: string,
	clinicianId: string | null
): Promise<DashboardList<DiaryAppointment>> {
	const { data, error, count } = await diaryQuery(supabase, dayRange(today, timeZone), clinicianId);
	if (error) throw new Error(`dashboard today: ${error.message}`);
	const rows = (data ?? []).map(({ visits, ...a }) => {
		const v: unknown = visits;
		return {
			...a,
			visit: (Array.isArray(v) ? (v[0] ?? null) : (v ?? null)) as DiaryAppointment['visit']
		};
	});
	return { rows, total: count ?? rows.length };
}

/**
 * The oldest open orders through the `open_lab_orders` RPC: a status filter through RLS cannot be
 * an index condition and reads (and sorts) the clinic's whole order history; the RPC reads each
 * open status as an index range that stops at the limit (docs/benchmark.md). The patient embed is
 * scoped by RLS as usual. The total comes from openLabOrdersCount.
 */
function openLabOrders(supabase: Client) {
	return supabase
		.rpc('open_lab_orders', { lim: DASHBOARD_LIST_LIMIT })
		.select(`id, test_code, test_name, priority, status, created_at, ${PATIENT}`)
		.order('created_at', { ascending: true });
}

/**
 * The oldest active prescriptions through the `active_prescriptions` RPC: a status filter through
 * RLS cannot be an index condition (enum_eq is not leakproof) and reads the clinic's whole
 * prescription history; the RPC reads the active ones as an index range that stops at the limit
 * (docs/benchmark.md, "Q4d"). The patient embed is scoped by RLS as usual. The total comes from
 * activePrescriptionsCount.
 */
function activePrescriptions(supabase: Client) {
	return supabase
		.rpc('active_prescriptions', { lim: DASHBOARD_LIST_LIMIT })
		.select(`id, medication, dose, frequency, created_at, ${PATIENT}`)
		.order('created_at', { ascending: true });
}

function recentPatients(supabase: Client) {
	return supabase
		.from('patients')
		.select('id, mrn, given_name, family_name, date_of_birth, updated_at', { count: 'exact' })
		.is('archived_at', null)
		.order('updated_at', { ascending: false })
		.limit(RECENT_PATIENTS_LIMIT);
}

type Rows<T extends (...args: never[]) => PromiseLike<{ data: unknown }>> = NonNullable<
	Awaited<ReturnType<T>>['data']
>;
export type DashboardLabOrder = Rows<typeof openLabOrders>[number];
export type DashboardPrescription = Rows<typeof activePrescriptions>[number];
export type DashboardPatient = Rows<typeof recentPatients>[number];

export interface DashboardList<T> {
	rows: T[];
	total: number;
}

export interface Dashboard {
	/** Today in the diary; `mine` when it is the clinician's own day. */
	today: (DashboardList<DiaryAppointment> & { mine: boolean; day: string }) | null;
	labOrders: DashboardList<DashboardLabOrder> | null;
	prescriptions: DashboardList<DashboardPrescription> | null;
	patients: DashboardList<DashboardPatient>;
	/** Section order for the role: what the role works on first. */
	order: ('today' | 'labOrders' | 'prescriptions' | 'patients')[];
}

async function listOf<T>(
	query: PromiseLike<{ data: T[] | null; error: { message: string } | null; count: number | null }>,
	what: string
): Promise<DashboardList<T>> {
	const { data, error, count } = await query;
	if (error) throw new Error(`dashboard ${what}: ${error.message}`);
	return { rows: data ?? [], total: count ?? data?.length ?? 0 };
}

/**
 * Open (ordered + collected) lab orders of the clinic, counted by the `count_lab_orders` RPC: same
 * rows as RLS lets the caller read, but (organization_id, status) is one index range
 * (docs/benchmark.md, "Q4b").
 */
async function openLabOrdersCount(supabase: Client): Promise<number> {
	const { data, error } = await supabase.rpc('count_lab_orders', {
		statuses: ['ordered', 'collected']
	});
	if (error) throw new Error(`dashboard lab order count: ${error.message}`);
	return Number(data ?? 0);
}

async function openLabOrderList(supabase: Client): Promise<DashboardList<DashboardLabOrder>> {
	const [{ data, error }, total] = await Promise.all([
		openLabOrders(supabase),
		openLabOrdersCount(supabase)
	]);
	if (error) throw new Error(`dashboard lab orders: ${error.message}`);
	const rows = data ?? [];
	// The two reads are separate snapshots: never claim fewer than are listed.
	return { rows, total: Math.max(total, rows.length) };
}

/** Active prescriptions of the clinic, counted by the `count_prescriptions` RPC (same rows as RLS). */
async function activePrescriptionsCount(supabase: Client): Promise<number> {
	const { data, error } = await supabase.rpc('count_prescriptions', { statuses: ['active'] });
	if (error) throw new Error(`dashboard prescription count: ${error.message}`);
	return Number(data ?? 0);
}

async function activePrescriptionList(
	supabase: Client
): Promise<DashboardList<DashboardPrescription>> {
	const [{ data, error }, total] = await Promise.all([
		activePrescriptions(supabase),
		activePrescriptionsCount(supabase)
	]);
	if (error) throw new Error(`dashboard prescriptions: ${error.message}`);
	const rows = data ?? [];
	// The two reads are separate snapshots: never claim fewer than are listed.
	return { rows, total: Math.max(total, rows.length) };
}

/** Loads the dashboard of the caller's active clinic, shaped by their role. */
export async function loadDashboard({
	supabase,
	role,
	userId,
	today,
	timeZone
}: {
	supabase: Client;
	role: string;
	userId: string;
	/** The clinic's today (`YYYY-MM-DD` in its time zone). */
	today: string;
	timeZone: string;
}): Promise<Dashboard> {
	const mine = inRoleSet(role, 'clinician_roles');
	const [todayList, labOrders, prescriptions, patients] = await Promise.all([
		can(role, 'readVisits')
			? todaysAppointments(supabase, today, timeZone, mine ? userId : null)
			: null,
		can(role, 'readLabs') ? openLabOrderList(supabase) : null,
		can(role, 'readPrescriptions') ? activePrescriptionList(supabase) : null,
		listOf(recentPatients(supabase), 'patients')
	]);
	const order: Dashboard['order'] =
		role === 'lab_technician'
			? ['labOrders', 'patients']
			: role === 'pharmacist'
				? ['prescriptions', 'patients']
				: role === 'receptionist'
					? ['today', 'patients']
					: ['today', 'labOrders', 'prescriptions', 'patients'];
	return {
		today: todayList && { ...todayList, mine, day: today },
		labOrders,
		prescriptions,
		patients,
		order
	};
}
