/**
 * The portal's queries (BENCHMARK.md "Queries"), each written once. The explicit organization
 * filter is the only difference between modes: B0 and R2 send it, R1 leaves scoping to the
 * policies. Writes send organization_id explicitly in B0/R2 and rely on the column default
 * (private.current_org_id()) in R1, as a client that omits it would.
 */
import { BASE_TIME } from './generate.ts';

export type Mode = 'B0' | 'R1' | 'R2';
export const MODES: Mode[] = ['B0', 'R1', 'R2'];

export interface SamplePatient {
	id: string;
	mrn: string;
	search_name: string;
}

export interface Clinic {
	n: number;
	id: string;
	large: boolean;
	doctorId: string;
	/** Patients not archived (for the deep page offset). */
	active: number;
	sample: SamplePatient[];
}

/** What one transaction of one query needs: the clinic, a member of it and the random choices. */
export interface Ctx {
	clinic: Clinic;
	patient: SamplePatient;
	rand: () => number;
}

export interface Statement {
	text: string;
	values: unknown[];
}

class Sql {
	values: unknown[] = [];
	readonly filter: boolean;
	readonly orgId: string;
	constructor(filter: boolean, orgId: string) {
		this.filter = filter;
		this.orgId = orgId;
	}
	p(v: unknown): string {
		this.values.push(v);
		return `$${this.values.length}`;
	}
	/** `alias.organization_id = $n and ` in B0/R2, nothing in R1. */
	org(alias: string): string {
		return this.filter ? `${alias}.organization_id = ${this.p(this.orgId)}::uuid and ` : '';
	}
}

export interface QueryDef {
	id: string;
	title: string;
	write: boolean;
	/** Checked by the plan gates (BENCHMARK.md: Q1, Q2, Q4, Q5, Q6). */
	gated: boolean;
	/** `mode` only for queries whose portal form is an RPC (the floor B0 stays plain SQL). */
	build(ctx: Ctx, filter: boolean, mode?: Mode): Statement[];
}

/** A statement's text, written with `s` collecting its parameters (and the org filter). */
type Build = (s: Sql, ctx: Ctx) => string;

/** Builds each statement with parameters of its own. */
function statements(ctx: Ctx, filter: boolean, builds: Build[]): Statement[] {
	return builds.map((build) => {
		const s = new Sql(filter, ctx.clinic.id);
		const text = build(s, ctx);
		return { text, values: s.values };
	});
}

/** A query whose statements are the same in every mode (only the org filter differs). */
function query(
	id: string,
	title: string,
	{ gated, write = false }: { gated: boolean; write?: boolean },
	...builds: Build[]
): QueryDef {
	return { id, title, write, gated, build: (ctx, filter) => statements(ctx, filter, builds) };
}

const GATED = { gated: true };
const UNGATED = { gated: false };

const LIST =
	'p.id, p.mrn, p.given_name, p.family_name, p.date_of_birth, p.sex, p.phone, p.archived_at';
const PAGE = 25;

/** Q4b's plain SQL (the floor B0 of its RPC form Q4c). */
const countOpenLabOrders: Build = (s) =>
	`select count(*) from public.lab_orders l where ${s.org('l')}l.status = 'ordered'`;

export const QUERIES: QueryDef[] = [
	query(
		'Q1',
		'patients page 1 by name',
		GATED,
		(s) =>
			`select ${LIST} from public.patients p where ${s.org('p')}p.archived_at is null
			  order by p.search_name, p.id limit ${PAGE}`
	),
	query('Q2a', 'name prefix search', GATED, (s, ctx) => {
		const org = s.org('p');
		const lo = s.p(ctx.patient.search_name.slice(0, 3));
		return `select ${LIST} from public.patients p
		         where ${org}p.search_name >= ${lo} and p.search_name < ${lo} || chr(1114111)
		           and p.archived_at is null
		         order by p.search_name, p.id limit ${PAGE + 1}`;
	}),
	query(
		'Q2b',
		'MRN lookup',
		GATED,
		(s, ctx) =>
			`select ${LIST} from public.patients p where ${s.org('p')}p.mrn = ${s.p(ctx.patient.mrn)}
			  limit ${PAGE + 1}`
	),
	query(
		'Q3a',
		'deep page (offset, middle of the list)',
		UNGATED,
		(s, ctx) =>
			`select ${LIST} from public.patients p where ${s.org('p')}p.archived_at is null
			  order by p.search_name, p.id limit ${PAGE} offset ${s.p(Math.floor(ctx.clinic.active / 2))}`
	),
	query('Q3b', 'deep page (keyset)', UNGATED, (s, ctx) => {
		const org = s.org('p');
		return `select ${LIST} from public.patients p
		         where ${org}(p.search_name, p.id) > (${s.p(ctx.patient.search_name)}, ${s.p(ctx.patient.id)}::uuid)
		           and p.archived_at is null
		         order by p.search_name, p.id limit ${PAGE}`;
	}),
	query(
		'Q4a',
		'count patients (list total)',
		GATED,
		(s) => `select count(*) from public.patients p where ${s.org('p')}p.archived_at is null`
	),
	query('Q4b', 'count open lab orders (dashboard)', GATED, countOpenLabOrders),
	{
		// Q4b as the dashboard should send it: the RPC applies the clinic scope itself so the status
		// is an index condition (migration 20261124900000). B0 stays Q4b's plain SQL (the floor);
		// R1 and R2 call the RPC (it takes no org argument: same statement in both).
		id: 'Q4c',
		title: 'count open lab orders via count_lab_orders()',
		write: false,
		// EXPLAIN sees only the function call; tests/db/plan-gates.test.ts gates its inner plan.
		gated: false,
		build: (ctx, f, mode) =>
			mode === 'B0'
				? statements(ctx, f, [countOpenLabOrders])
				: [{ text: `select public.count_lab_orders('{ordered}') as count`, values: [] }]
	},
	{
		// The dashboard's active prescriptions (count + oldest 20), as it sends them since migration
		// 20261124980000: count_prescriptions() and active_prescriptions(lim) apply the prescriptions
		// read scope themselves so the status is an index condition. B0 is the plain SQL floor;
		// R1 and R2 call the RPCs (no org argument: same statements in both).
		id: 'Q4d',
		title: 'count + list active prescriptions via RPCs',
		write: false,
		// EXPLAIN sees only the function calls; tests/db/plan-gates.test.ts gates their inner plans.
		gated: false,
		build: (ctx, f, mode) =>
			mode === 'B0'
				? statements(ctx, f, [
						(s) =>
							`select count(*) from public.prescriptions p where ${s.org('p')}p.status = 'active'`,
						(s) =>
							`select p.id, p.medication, p.created_at from public.prescriptions p
							  where ${s.org('p')}p.status = 'active' order by p.created_at, p.id limit 20`
					])
				: [
						{ text: `select public.count_prescriptions('{active}') as count`, values: [] },
						{
							text: `select p.id, p.medication, p.created_at from public.active_prescriptions(20) p
							        order by p.created_at, p.id`,
							values: []
						}
					]
	},
	query(
		'Q5',
		"one patient's chart (patient, visits, labs, prescriptions)",
		GATED,
		(s, ctx) =>
			`select p.id, p.mrn, p.given_name, p.family_name, p.date_of_birth, p.sex, p.phone, p.email,
			        p.address, p.custom_fields, p.archived_at
			   from public.patients p where ${s.org('p')}p.id = ${s.p(ctx.patient.id)}::uuid`,
		(s, ctx) =>
			`select v.id, v.scheduled_at, v.status, v.reason, v.clinician_id from public.visits v
			  where ${s.org('v')}v.patient_id = ${s.p(ctx.patient.id)}::uuid
			  order by v.scheduled_at desc limit 50`,
		(s, ctx) =>
			`select l.id, l.test_code, l.test_name, l.priority, l.status, l.result_value, l.result_unit,
			        l.created_at from public.lab_orders l
			  where ${s.org('l')}l.patient_id = ${s.p(ctx.patient.id)}::uuid
			  order by l.created_at desc limit 50`,
		(s, ctx) =>
			`select r.id, r.medication, r.dose, r.frequency, r.status, r.created_at from public.prescriptions r
			  where ${s.org('r')}r.patient_id = ${s.p(ctx.patient.id)}::uuid
			  order by r.created_at desc limit 50`
	),
	query('Q6', 'recent visits joined to patients (dashboard)', GATED, (s) => {
		const org = s.org('v');
		return `select v.id, v.scheduled_at, v.status, v.reason, p.id as patient_id, p.mrn, p.given_name, p.family_name
		          from public.visits v
		          join public.patients p on p.organization_id = v.organization_id and p.id = v.patient_id
		         where ${org}v.scheduled_at <= ${s.p(BASE_TIME)}::timestamptz
		         order by v.scheduled_at desc limit 20`;
	}),
	// The diary's day (issue 15): a clinic's appointments starting on one day with their patients,
	// in time order, as the diary and the dashboard's "Today" send it (src/lib/server/diary.ts).
	query('D1', "diary day: a clinic's appointments of one day with patients", GATED, (s) => {
		const org = s.org('a');
		const day = s.p(BASE_TIME);
		return `select a.id, a.starts_at, a.ends_at, a.status, a.appointment_type, a.reason, a.clinician_id,
		               p.id as patient_id, p.mrn, p.given_name, p.family_name
		          from public.appointments a
		          join public.patients p on p.organization_id = a.organization_id and p.id = a.patient_id
		         where ${org}a.starts_at >= date_trunc('day', ${day}::timestamptz)
		           and a.starts_at < date_trunc('day', ${day}::timestamptz) + interval '1 day'
		         order by a.starts_at, a.id limit 1000`;
	}),
	// Writes send organization_id explicitly with the filter (B0/R2) and rely on the column default
	// without it (R1).
	query('W1', 'insert a visit', { gated: false, write: true }, (s, ctx) => {
		const cols = s.filter ? 'organization_id, ' : '';
		const orgValue = s.filter ? `${s.p(ctx.clinic.id)}::uuid, ` : '';
		return `insert into public.visits (${cols}patient_id, clinician_id, scheduled_at, reason, status)
		        values (${orgValue}${s.p(ctx.patient.id)}::uuid, ${s.p(ctx.clinic.doctorId)}::uuid,
		                ${s.p(BASE_TIME)}::timestamptz + interval '3 days', 'Follow-up', 'scheduled')
		        returning organization_id, patient_id`;
	}),
	query('W2', 'update a patient', { gated: false, write: true }, (s, ctx) => {
		const org = s.org('p');
		return `update public.patients p set phone = ${s.p('+64 21 ' + String(Math.floor(ctx.rand() * 1e6)).padStart(6, '0'))}
		         where ${org}p.id = ${s.p(ctx.patient.id)}::uuid
		         returning p.organization_id, p.id`;
	})
];

/** The JWT claims the Data API would set for the clinic's doctor. */
export function claimsFor(clinic: Clinic): Record<string, unknown> {
	return {
		sub: clinic.doctorId,
		role: 'authenticated',
		aud: 'authenticated',
		organization_id: clinic.id,
		org_role: 'doctor',
		exp: Math.floor(Date.now() / 1000) + 3600
	};
}
