/**
 * The clinic dashboard: today in the diary, open lab orders, active prescriptions and recent
 * patients of the active clinic, each list with its total count, in ONE Data API request: the
 * `dashboard_page` RPC (migration 20261124820000_create_page_rpcs_clinical.sql), a security invoker
 * function that composes the reads the page used to make separately (the diary's appointments with
 * their embeds, `open_lab_orders` + `count_lab_orders`, `active_prescriptions` +
 * `count_prescriptions`, recent patients with a count), so its scope is theirs (pgTAP
 * 73-page-rpcs-clinical). "Today" is the clinic's day in its time zone (a clinician's own
 * appointments, the whole clinic's for everyone else). Only the sections the caller's role may read
 * are asked for; RLS would return nothing for the rest anyway, so skipping them only saves work, it
 * protects nothing.
 */
import type { Db } from './db';
import type { Database } from '$lib/database.types';
import { can } from '$lib/schemas/clinical';
import { inRoleSet } from '$lib/roles';
import { dayRange } from '$lib/format';
import type { DiaryAppointment } from './diary';
import { readOrThrow } from './reads';

type Enums = Database['public']['Enums'];

export const DASHBOARD_LIST_LIMIT = 20;
export const RECENT_PATIENTS_LIMIT = 8;

interface PatientRef {
	id: string;
	mrn: string;
	given_name: string;
	family_name: string;
}

export interface DashboardLabOrder {
	id: string;
	test_code: string;
	test_name: string;
	priority: Enums['lab_order_priority'];
	status: Enums['lab_order_status'];
	created_at: string;
	patients: PatientRef | null;
}

export interface DashboardPrescription {
	id: string;
	medication: string;
	dose: string;
	frequency: string;
	created_at: string;
	patients: PatientRef | null;
}

export interface DashboardPatient {
	id: string;
	mrn: string;
	given_name: string;
	family_name: string;
	date_of_birth: string | null;
	updated_at: string;
}

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

/** What `dashboard_page` returns (jsonb): a part not asked for is null. */
interface DashboardPage {
	today: DashboardList<DiaryAppointment> | null;
	lab_orders: DashboardList<DashboardLabOrder> | null;
	prescriptions: DashboardList<DashboardPrescription> | null;
	patients: DashboardList<DashboardPatient> | null;
}

/** Loads the dashboard of the caller's active clinic, shaped by their role (one request). */
export async function loadDashboard({
	supabase,
	role,
	userId,
	today,
	timeZone
}: {
	supabase: Db;
	role: string;
	userId: string;
	/** The clinic's today (`YYYY-MM-DD` in its time zone). */
	today: string;
	timeZone: string;
}): Promise<Dashboard> {
	const mine = inRoleSet(role, 'clinician_roles');
	const sections = [
		can(role, 'readVisits') && 'today',
		can(role, 'readLabs') && 'lab_orders',
		can(role, 'readPrescriptions') && 'prescriptions',
		'patients'
	].filter((s): s is string => Boolean(s));
	const range = dayRange(today, timeZone);
	const data = await readOrThrow(
		'dashboard',
		supabase.rpc('dashboard_page', {
			today_start: range.start.toISOString(),
			today_end: range.end.toISOString(),
			...(mine ? { clinician_id: userId } : {}),
			list_limit: DASHBOARD_LIST_LIMIT,
			recent_limit: RECENT_PATIENTS_LIMIT,
			sections
		})
	);
	const page = data as unknown as DashboardPage;
	const order: Dashboard['order'] =
		role === 'lab_technician'
			? ['labOrders', 'patients']
			: role === 'pharmacist'
				? ['prescriptions', 'patients']
				: role === 'receptionist'
					? ['today', 'patients']
					: ['today', 'labOrders', 'prescriptions', 'patients'];
	return {
		today: page.today && { ...page.today, mine, day: today },
		labOrders: page.lab_orders,
		prescriptions: page.prescriptions,
		patients: page.patients ?? { rows: [], total: 0 },
		order
	};
}
