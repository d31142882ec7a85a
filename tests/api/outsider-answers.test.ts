/**
 * What an outsider can learn (docs/security.md, "What an outsider can learn"): nothing about another
 * clinic that they could not learn about a clinic that does not exist.
 *
 * For every table an API role can write and every function the Data API exposes, ENUMERATED FROM
 * THE CATALOG (a new table, column or function is covered without editing this file), a signed-in
 * member of clinic B (each role in turn) gets the same answer (HTTP status, code, message, details,
 * hint, once the literals it sent are replaced) for clinic A's identifiers as for identifiers that
 * exist nowhere. The payloads are made from clinic A's own rows, so they trip every check A has:
 * custom fields (options, formats, required, unique values, unknown keys), unique keys, plan limits
 * (A is at its patient and seat limits), staff and invited e-mails, staff ids, record ids, states.
 *
 *   writes aimed at clinic A       insert with organization_id = A vs a missing clinic, each payload
 *                                  variant; update and delete of A's rows vs missing rows
 *   A's identifiers in B's rows    B's own rows with a column that names a record, person or e-mail
 *                                  set to A's (a patient, a visit, a doctor, a staff e-mail) vs missing
 *   functions                      every identifier-like argument (uuid or text) set to one of A's
 *                                  (its id, records, staff, slug, e-mails, domain) vs a missing one;
 *                                  and no call, whatever it is given, answers 5xx
 *
 * Through the real gateway with supabase-js, as the portal and any API client would call it.
 */
import { randomUUID } from 'node:crypto';
import { createClient, type SupabaseClient } from '@supabase/supabase-js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { adminDb, API_URL, keys, serviceClient, sql } from '../support/stack.ts';
import { signedIn } from './accounts.ts';

type Row = Record<string, unknown>;
interface Answer {
	status: number;
	code: string | null;
	message: string | null;
	details: string | null;
	hint: string | null;
	data?: string;
}
interface Column {
	name: string;
	type: string;
	labels: string[] | null;
	refTable: string | null;
	refColumn: string | null;
}
interface WritableTable {
	name: string;
	insertCols: string[];
	updateCols: string[];
	canDelete: boolean;
	pk: string[];
	columns: Map<string, Column>;
}
interface ExposedFunction {
	name: string;
	args: { name: string; type: string; labels: string[] | null }[];
	required: number;
	anon: boolean;
}

const RUN = Date.now().toString(36);
const PASSWORD = 'Outsider-pass-1';
const SLUG_A = `outsider-a-${RUN}`;
const SLUG_B = `outsider-b-${RUN}`;
const ROLES_B = ['admin', 'doctor', 'nurse', 'receptionist', 'lab_technician', 'pharmacist'];
/** Functions whose answers about a clinic are public by design (docs/security.md). */
const PUBLIC_BY_DESIGN: Record<string, string> = {
	get_branding:
		'the sign-in page of a clinic address shows its name, logo and colours to anyone (no identifier)',
	request_context:
		"every request at a clinic address: get_branding's public branding plus only the caller's own clinics and support access (pgTAP 72-page-rpcs proves it equals those RPCs per persona)"
};
// The catalog ------------------------------------------------------------------------------------------
const db = adminDb();
await db.connect();
const columnRows = (
	await db.query<{ table: string } & Column>(`
	select c.relname as "table", a.attname as name, format_type(a.atttypid, null) as type,
	       (select array_agg(e.enumlabel::text order by e.enumsortorder) from pg_enum e
	         where e.enumtypid = case when t.typelem <> 0 then t.typelem else t.oid end) as labels,
	       (select cf.relname::text from pg_constraint k join pg_class cf on cf.oid = k.confrelid
	         where k.conrelid = c.oid and k.contype = 'f' and a.attnum = any (k.conkey) limit 1) as "refTable",
	       (select af.attname::text from pg_constraint k
	          join pg_attribute af on af.attrelid = k.confrelid and af.attnum = k.confkey[array_position(k.conkey, a.attnum)]
	         where k.conrelid = c.oid and k.contype = 'f' and a.attnum = any (k.conkey) limit 1) as "refColumn"
	  from pg_attribute a
	  join pg_class c on c.oid = a.attrelid
	  join pg_namespace n on n.oid = c.relnamespace
	  join pg_type t on t.oid = a.atttypid
	 where n.nspname = 'public' and c.relkind in ('r', 'p') and a.attnum > 0 and not a.attisdropped`)
).rows;
const tables: WritableTable[] = (
	await db.query<{
		name: string;
		insertCols: string[];
		updateCols: string[];
		canDelete: boolean;
		pk: string[];
	}>(`
	select c.relname as name,
	       array(select a.attname::text from pg_attribute a where a.attrelid = c.oid and a.attnum > 0 and not a.attisdropped
	              and has_column_privilege('authenticated', c.oid, a.attnum, 'INSERT') order by a.attnum) as "insertCols",
	       array(select a.attname::text from pg_attribute a where a.attrelid = c.oid and a.attnum > 0 and not a.attisdropped
	              and has_column_privilege('authenticated', c.oid, a.attnum, 'UPDATE') order by a.attnum) as "updateCols",
	       has_table_privilege('authenticated', c.oid, 'DELETE') as "canDelete",
	       array(select a.attname::text from pg_index i cross join unnest(i.indkey) with ordinality k (attnum, ord)
	               join pg_attribute a on a.attrelid = c.oid and a.attnum = k.attnum
	              where i.indrelid = c.oid and i.indisprimary order by k.ord) as pk
	  from pg_class c join pg_namespace n on n.oid = c.relnamespace
	 where n.nspname = 'public' and c.relkind in ('r', 'p')
	   and (has_any_column_privilege('authenticated', c.oid, 'INSERT')
	        or has_any_column_privilege('authenticated', c.oid, 'UPDATE')
	        or has_table_privilege('authenticated', c.oid, 'DELETE'))
	 order by c.relname`)
).rows.map((t) => ({
	...t,
	columns: new Map(columnRows.filter((c) => c.table === t.name).map((c) => [c.name, c]))
}));
const enumRows = (
	await db.query<{ name: string; labels: string[] }>(`
	select format_type(t.oid, null) as name, array_agg(e.enumlabel::text order by e.enumsortorder) as labels
	  from pg_type t join pg_enum e on e.enumtypid = t.oid group by t.oid`)
).rows;
function enumLabels(type: string): string[] | null {
	const base = type.replace(/\[\]$/, '');
	return enumRows.find((e) => e.name === base)?.labels ?? null;
}
const functions: ExposedFunction[] = (
	await db.query<{
		name: string;
		argNames: string[] | null;
		argTypes: string[];
		argLabels: (string[] | null)[] | null;
		required: number;
		anon: boolean;
	}>(`
	select p.proname as name, p.proargnames[1:p.pronargs] as "argNames",
	       array(select format_type(t, null) from unnest(p.proargtypes) t) as "argTypes",
	       p.pronargs - p.pronargdefaults as required,
	       has_function_privilege('anon', p.oid, 'execute') as anon
	  from pg_proc p join pg_namespace n on n.oid = p.pronamespace
	 where n.nspname = 'public' and p.prokind = 'f'
	   and p.prorettype <> 'trigger'::regtype
	   and has_function_privilege('authenticated', p.oid, 'execute')
	 order by p.proname`)
).rows.map((f) => ({
	name: f.name,
	required: f.required,
	anon: f.anon,
	args: f.argTypes.map((type, i) => ({
		name: f.argNames?.[i] ?? `arg${i}`,
		type,
		labels: enumLabels(type)
	}))
}));
await db.end();

// Clinic A (at its limits, every kind of check) and clinic B ---------------------------------------------
const world = {
	a: '' as string,
	b: '' as string,
	/** clinic A's rows by table (read as the owner) */
	rowsA: new Map<string, Row[]>(),
	rowsB: new Map<string, Row[]>(),
	staffA: [] as { id: string; email: string }[],
	invitedA: [] as string[],
	domainA: `portal-${RUN}.outsider-a.test`,
	clients: new Map<string, SupabaseClient>(),
	users: [] as string[],
	userIds: new Map<string, string>()
};

async function person(orgSlug: string, role: string, prefix: string) {
	const email = `${prefix}-${RUN}@outsider.test`;
	const { data, error } = await serviceClient().auth.admin.createUser({
		email,
		password: PASSWORD,
		email_confirm: true
	});
	if (error || !data.user) throw new Error(`createUser: ${error?.message}`);
	world.users.push(data.user.id);
	const q = adminDb();
	await q.connect();
	try {
		// as accepting an invitation would: an active membership, the clinic active
		await q.query(
			`insert into public.memberships (organization_id, user_id, role)
			 select id, $2, $3::public.member_role from public.organizations where slug = $1`,
			[orgSlug, data.user.id, role]
		);
		await q.query(
			`update public.profiles set active_organization_id = (select id from public.organizations where slug = $1) where id = $2`,
			[orgSlug, data.user.id]
		);
	} finally {
		await q.end();
	}
	return { id: data.user.id, email };
}

async function fillClinics() {
	const q = adminDb();
	await q.connect();
	try {
		await q.query(
			`insert into public.plans (id, name, seat_limit, patient_limit) values ($1, 'Outsider tiny', 3, 1)`,
			[`outsider_${RUN}`]
		);
		world.a = (
			await q.query(
				`insert into public.organizations (slug, name, plan_id) values ($1, 'Outsider A', $2) returning id`,
				[SLUG_A, `outsider_${RUN}`]
			)
		).rows[0].id;
		world.b = (
			await q.query(
				`insert into public.organizations (slug, name, plan_id) values ($1, 'Outsider B', 'hospital') returning id`,
				[SLUG_B]
			)
		).rows[0].id;
		await q.query(
			`insert into public.organization_domains (organization_id, domain) values ($1, $2)`,
			[world.a, world.domainA]
		);
	} finally {
		await q.end();
	}
	world.staffA.push(
		await person(SLUG_A, 'admin', 'a-admin'),
		await person(SLUG_A, 'doctor', 'a-doctor')
	);
	for (const role of ROLES_B) {
		const p = await person(SLUG_B, role, `b-${role}`);
		world.userIds.set(role, p.id);
		// clinic B's admin at aal2, as the portal lets them act: refusals are then about clinic A
		world.clients.set(role, await signedIn(p.email, PASSWORD));
	}
	const [adminA, doctorA] = world.staffA;
	world.invitedA.push(`invited-${RUN}@outsider.test`);
	const q2 = adminDb();
	await q2.connect();
	/** The id of the first row a statement returns. */
	const idOf = async (text: string, values: unknown[]): Promise<string> =>
		(await q2.query(text, values)).rows[0].id;
	try {
		// clinic A: every kind of custom field, one patient (its plan's limit), a pending invitation
		// (its plan's last seat), a visit with a signed and amended note, an open and a corrected lab
		// order, a dispensed prescription with refills left, and the safety summary (below)
		const data = `
		with defs as (
		  insert into public.patient_field_definitions (organization_id, key, label, field_type, options, required, format_kind, format_mask, unique_within_clinic, sort_order)
		  values ($1, 'blood_type', 'Blood type', 'select', array['A+', 'O-'], true, 'any', null, false, 10),
		         ($1, 'insurance_no', 'Insurance number', 'text', null, false, 'mask', 'INS-9999', true, 20),
		         ($1, 'weight_class', 'Weight class', 'number', null, false, 'any', null, false, 30),
		         ($1, 'consented_on', 'Consented on', 'date', null, false, 'any', null, false, 40),
		         ($1, 'organ_donor', 'Organ donor', 'boolean', null, false, 'any', null, false, 50)
		  returning 1)
		select count(*) from defs`;
		await q2.query(data, [world.a]);
		const patientA = await idOf(
			`insert into public.patients (organization_id, mrn, given_name, family_name, email, custom_fields, created_by)
				 values ($1, 'MRN-000001', 'Ada', 'Outsider', 'ada@patients.test',
				         '{"blood_type": "A+", "insurance_no": "INS-0001", "weight_class": 3, "consented_on": "2024-01-02", "organ_donor": true}', $2)
				 returning id`,
			[world.a, adminA.id]
		);
		await q2.query(
			`insert into public.invitations (organization_id, email, role, invited_by) values ($1, $2, 'nurse', $3)`,
			[world.a, world.invitedA[0], adminA.id]
		);
		const visitA = await idOf(
			`insert into public.visits (organization_id, patient_id, clinician_id, reason, created_by) values ($1, $2, $3, 'check-up', $3) returning id`,
			[world.a, patientA, doctorA.id]
		);
		// the note is signed and amended, so the signed-note rule and the versions are there to trip
		await q2.query(
			`insert into public.visit_notes (organization_id, visit_id, notes, vitals, author_id, signed_at, signed_by)
			 values ($1, $2, 'seen', '{"spo2": 97}', $3, now(), $3)`,
			[world.a, visitA, doctorA.id]
		);
		await q2.query(
			`insert into public.visit_note_amendments (organization_id, visit_id, version, notes, vitals, reason, changed_fields, author_id)
			 values ($1, $2, 2, 'seen, amended', '{"spo2": 97}', 'typo', '{notes}', $3)`,
			[world.a, visitA, doctorA.id]
		);
		await q2.query(
			`insert into public.lab_orders (organization_id, patient_id, visit_id, ordered_by, test_code, test_name)
			 values ($1, $2, $3, $4, 'CBC', 'Full blood count')`,
			[world.a, patientA, visitA, doctorA.id]
		);
		// a resulted order with a correction (corrections, final states)
		const resultedA = await idOf(
			`insert into public.lab_orders (organization_id, patient_id, visit_id, ordered_by, test_code, test_name)
				 values ($1, $2, $3, $4, 'K', 'Potassium') returning id`,
			[world.a, patientA, visitA, doctorA.id]
		);
		await q2.query(
			`update public.lab_orders set status = 'resulted', result_value = '5.9', result_unit = 'mmol/L',
			        reference_range = '3.5-5.1', result_flag = 'high', resulted_by = $2 where id = $1`,
			[resultedA, doctorA.id]
		);
		await q2.query(
			`insert into public.lab_result_amendments (organization_id, lab_order_id, version, result_value, result_unit, reason, changed_fields, amended_by)
			 values ($1, $2, 2, '4.1', 'mmol/L', 'haemolysed sample', '{result_value}', $3)`,
			[world.a, resultedA, doctorA.id]
		);
		// a prescription with refills, one fill dispensed (fill numbers, quantity per fill)
		const rxA = await idOf(
			`insert into public.prescriptions (organization_id, patient_id, visit_id, prescriber_id, medication, dose, frequency, quantity, quantity_unit, refills)
				 values ($1, $2, $3, $4, 'Amoxicillin', '500 mg', 'three times a day', 21, 'capsules', 2) returning id`,
			[world.a, patientA, visitA, doctorA.id]
		);
		await q2.query(
			`insert into public.prescription_dispenses (organization_id, prescription_id, fill_number, quantity, dispensed_by)
			 values ($1, $2, 1, 21, $3)`,
			[world.a, rxA, doctorA.id]
		);
		await q2.query(
			`update public.prescriptions set fills_dispensed = 1, last_dispensed_at = now() where id = $1`,
			[rxA]
		);
		// the safety summary: an active allergy to what clinic B prescribes (Ibuprofen), so that B
		// prescribing it for A's patient would trip the allergy check if it could see A's allergies;
		// a problem; a note template; "no known allergies" on an archived second patient (A stays at
		// its limit of active patients)
		await q2.query(
			`insert into public.allergies (organization_id, patient_id, kind, substance, reaction, severity, recorded_by)
			 values ($1, $2, 'allergy', 'Ibuprofen', 'Bronchospasm', 'severe', $3)`,
			[world.a, patientA, doctorA.id]
		);
		await q2.query(
			`insert into public.problems (organization_id, patient_id, description, code, onset_date, recorded_by)
			 values ($1, $2, 'Asthma', 'J45.909', '2010-05-01', $3)`,
			[world.a, patientA, doctorA.id]
		);
		await q2.query(
			`insert into public.note_templates (organization_id, name, body, created_by) values ($1, 'SOAP', 'S: O: A: P:', $2)`,
			[world.a, adminA.id]
		);
		const archivedA = await idOf(
			`insert into public.patients (organization_id, mrn, given_name, family_name, custom_fields, archived_at, created_by)
				 values ($1, 'MRN-000002', 'Al', 'Archived', '{"blood_type": "O-", "insurance_no": "INS-0002"}', now(), $2)
				 returning id`,
			[world.a, adminA.id]
		);
		await q2.query(
			`insert into public.no_known_allergies (organization_id, patient_id, recorded_by) values ($1, $2, $3)`,
			[world.a, archivedA, doctorA.id]
		);
		// the diary: a booked appointment of A's doctor tomorrow, and one that became a visit
		const appointmentA = (
			await q2.query(
				`insert into public.appointments (organization_id, patient_id, clinician_id, starts_at, ends_at, appointment_type, reason, created_by)
				 values ($1, $2, $3, date_trunc('hour', now()) + interval '1 day', date_trunc('hour', now()) + interval '1 day 30 minutes', 'Consultation', 'cough', $4),
				        ($1, $2, $3, date_trunc('hour', now()) - interval '1 hour', date_trunc('hour', now()) - interval '30 minutes', 'Follow-up', null, $4)
				 returning id`,
				[world.a, patientA, doctorA.id, adminA.id]
			)
		).rows[1].id;
		await q2.query(
			`insert into public.visits (organization_id, patient_id, reason, appointment_id, created_by) values ($1, $2, 'follow-up', $3, $4)`,
			[world.a, patientA, appointmentA, doctorA.id]
		);
		// clinic B: the same kinds of rows, so its own writes start from valid payloads
		const doctorB = world.userIds.get('doctor');
		await q2.query(
			`insert into public.patient_field_definitions (organization_id, key, label, field_type) values ($1, 'notes_b', 'Notes', 'text')`,
			[world.b]
		);
		const patientB = await idOf(
			`insert into public.patients (organization_id, mrn, given_name, family_name) values ($1, 'MRN-000001', 'Bea', 'Insider') returning id`,
			[world.b]
		);
		const visitB = await idOf(
			`insert into public.visits (organization_id, patient_id, clinician_id, reason, created_by) values ($1, $2, $3, 'check-up', $3) returning id`,
			[world.b, patientB, doctorB]
		);
		await q2.query(
			`insert into public.visit_notes (organization_id, visit_id, notes, author_id) values ($1, $2, 'seen', $3)`,
			[world.b, visitB, doctorB]
		);
		await q2.query(
			`insert into public.lab_orders (organization_id, patient_id, visit_id, ordered_by, test_code, test_name) values ($1, $2, $3, $4, 'CBC', 'Full blood count')`,
			[world.b, patientB, visitB, doctorB]
		);
		await q2.query(
			`insert into public.prescriptions (organization_id, patient_id, visit_id, prescriber_id, medication, dose, frequency, quantity, refills)
			 values ($1, $2, $3, $4, 'Ibuprofen', '200 mg', 'daily', 10, 1)`,
			[world.b, patientB, visitB, doctorB]
		);
		await q2.query(
			`insert into public.allergies (organization_id, patient_id, substance, severity, recorded_by) values ($1, $2, 'Latex', 'mild', $3)`,
			[world.b, patientB, doctorB]
		);
		await q2.query(
			`insert into public.problems (organization_id, patient_id, description, recorded_by) values ($1, $2, 'Migraine', $3)`,
			[world.b, patientB, doctorB]
		);
		await q2.query(
			`insert into public.note_templates (organization_id, name, body) values ($1, 'Follow-up', 'Progress:')`,
			[world.b]
		);
		const patientB2 = await idOf(
			`insert into public.patients (organization_id, mrn, given_name, family_name) values ($1, 'MRN-000002', 'Ben', 'Insider') returning id`,
			[world.b]
		);
		await q2.query(
			`insert into public.no_known_allergies (organization_id, patient_id, recorded_by) values ($1, $2, $3)`,
			[world.b, patientB2, doctorB]
		);
		await q2.query(
			`insert into public.invitations (organization_id, email, role, invited_by) values ($1, $2, 'nurse', $3)`,
			[world.b, `b-invited-${RUN}@outsider.test`, world.userIds.get('admin')]
		);
		await q2.query(
			`insert into public.appointments (organization_id, patient_id, clinician_id, starts_at, ends_at, appointment_type)
			 values ($1, $2, $3, date_trunc('hour', now()) + interval '2 days', date_trunc('hour', now()) + interval '2 days 20 minutes', 'Consultation')`,
			[world.b, patientB, doctorB]
		);
		// every row of every writable table, per clinic (tables without a clinic column: by person)
		for (const t of tables) {
			const hasOrg = t.columns.has('organization_id');
			const byOrg = async (org: string, people: string[]) =>
				hasOrg
					? (
							await q2.query(
								`select to_jsonb(x) as r from public.${t.name} x where organization_id = $1`,
								[org]
							)
						).rows
					: t.name === 'organizations'
						? (
								await q2.query(
									`select to_jsonb(x) as r from public.organizations x where id = $1`,
									[org]
								)
							).rows
						: t.columns.has('id')
							? (
									await q2.query(
										`select to_jsonb(x) as r from public.${t.name} x where id = any ($1)`,
										[people]
									)
								).rows
							: [];
			world.rowsA.set(
				t.name,
				(
					await byOrg(
						world.a,
						world.staffA.map((s) => s.id)
					)
				).map((r) => r.r)
			);
			world.rowsB.set(
				t.name,
				(await byOrg(world.b, [...world.userIds.values()])).map((r) => r.r)
			);
		}
	} finally {
		await q2.end();
	}
}

async function dropClinics() {
	await sql(`delete from public.organizations where slug in ($1, $2)`, [SLUG_A, SLUG_B]);
	await sql(`delete from public.plans where id = $1`, [`outsider_${RUN}`]);
	// the throttle's attempts this run recorded with A's texts and their missing twins, as
	// address or account ('Outsider' is the same every run: left, it would fill its window)
	const texts = identifierPairs({ name: 'text', type: 'text' }).flat();
	await sql(
		`delete from private.sign_in_attempts
		  where account_key in (select private.sign_in_key(e) from unnest($1::text[]) e)
		     or address_key in (select private.sign_in_key(e) from unnest($1::text[]) e)`,
		[[...world.staffA.map((s) => s.email), ...world.invitedA, ...texts]]
	);
	for (const id of world.users) await serviceClient().auth.admin.deleteUser(id);
}

// Answers ----------------------------------------------------------------------------------------------------
const UUID = /[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}/gi;

/** Every literal a request carried (string values, keys inside JSON values, numbers). */
function literals(value: unknown, out: Set<string> = new Set(), nested = false): Set<string> {
	if (typeof value === 'string') {
		if (value.length >= 2) out.add(value);
	} else if (typeof value === 'number') {
		if (String(value).length >= 2) out.add(String(value));
	} else if (Array.isArray(value)) {
		for (const v of value) literals(v, out, true);
	} else if (value && typeof value === 'object') {
		for (const [k, v] of Object.entries(value)) {
			if (nested && k.length >= 2) out.add(k);
			literals(v, out, true);
		}
	}
	return out;
}

/**
 * The answer with what the caller sent (and may read: its own clinic and user) replaced. Ids and
 * times the database generated for the caller's own new rows are replaced too; an id of clinic A
 * that the caller did not send stays, and would make the two answers differ.
 */
function normalize(text: string | null, sent: Set<string>, own: string[], knownA: Set<string>) {
	if (text === null) return null;
	let out = text;
	for (const lit of [...sent, ...own].sort((x, y) => y.length - x.length)) {
		out = out.split(lit).join('⟨sent⟩');
	}
	out = out.replace(UUID, (m) => (knownA.has(m.toLowerCase()) ? m : '⟨generated⟩'));
	return out
		.replace(/\d{4}-\d{2}-\d{2}[ T]\d{2}:\d{2}:\d{2}(\.\d+)?([+-]\d{2}(:\d{2})?|Z)?/g, '⟨time⟩')
		.replace(/MRN-\d+/g, '⟨mrn⟩');
}

async function answer(
	call: PromiseLike<{ error: unknown; status: number; data: unknown }>,
	sent: unknown,
	own: string[],
	knownA: Set<string>
): Promise<Answer> {
	const res = await call;
	const lits = literals(sent);
	const err = res.error as {
		code?: string;
		message?: string;
		details?: string;
		hint?: string;
	} | null;
	if (!err) {
		return {
			status: res.status,
			code: null,
			message: null,
			details: null,
			hint: null,
			data: normalize(JSON.stringify(res.data ?? null), lits, own, knownA) ?? undefined
		};
	}
	return {
		status: res.status,
		code: err.code ?? null,
		message: normalize(err.message ?? null, lits, own, knownA),
		details: normalize(typeof err.details === 'string' ? err.details : null, lits, own, knownA),
		hint: normalize(err.hint ?? null, lits, own, knownA)
	};
}

// Payload variants -------------------------------------------------------------------------------------------
const stable = new Map<string, string>();
/** The missing counterpart of one of A's values: random, of the same shape, fixed for the run. */
function nowhere(value: string): string {
	if (!stable.has(value)) {
		const r = randomUUID();
		stable.set(
			value,
			UUID.test(value) && !(UUID.lastIndex = 0)
				? r
				: value.includes('@')
					? `nobody-${r.slice(0, 8)}@nowhere.test`
					: value.includes('.')
						? `portal-${r.slice(0, 8)}.nowhere.test`
						: `${value.replace(/[^a-z-]/g, '').slice(0, 20) || 'x'}-${r.slice(0, 8)}`
		);
	}
	UUID.lastIndex = 0;
	return stable.get(value)!;
}

function knownIdsOfA(): Set<string> {
	const ids = new Set<string>([world.a, ...world.staffA.map((s) => s.id)]);
	for (const rows of world.rowsA.values())
		for (const r of rows)
			for (const v of Object.values(r))
				if (typeof v === 'string' && /^[0-9a-f-]{36}$/.test(v)) ids.add(v);
	return ids;
}

/** Values of A's rows in the table a column references (its staff for profiles). */
function referencedValuesOfA(col: Column): string[] {
	if (!col.refTable || !col.refColumn) return [];
	if (col.refTable === 'profiles') return world.staffA.map((s) => s.id);
	if (col.refTable === 'organizations') return [world.a];
	return (world.rowsA.get(col.refTable) ?? [])
		.map((r) => r[col.refColumn!])
		.filter((v): v is string => typeof v === 'string');
}

/** JSON values that trip per-clinic checks of a jsonb column, built from A's own value. */
function jsonVariants(base: unknown): unknown[] {
	const obj = base && typeof base === 'object' && !Array.isArray(base) ? (base as Row) : {};
	const out: unknown[] = [{}, { unknown_key_zz: 1 }];
	for (const k of Object.keys(obj)) {
		const { [k]: _drop, ...rest } = obj;
		out.push(rest);
		for (const v of ['zzz', '', 12345, true, null]) out.push({ ...obj, [k]: v });
	}
	return out;
}

/** Candidate values for one column, from clinic A's data and the column's type. */
function candidates(col: Column, base: unknown): unknown[] {
	const t = col.type;
	if (col.name === 'organization_id') return [];
	if (t === 'uuid') return [randomUUID(), ...referencedValuesOfA(col).slice(0, 3)];
	if (t === 'jsonb' || t === 'json') return jsonVariants(base);
	if (t === 'boolean') return [true, false];
	if (/^(integer|bigint|smallint|numeric|double precision|real)$/.test(t))
		return [0, -1, 1_000_000];
	if (/^(date|timestamp)/.test(t)) return ['1800-01-01', '2999-12-31'];
	if (col.labels && t.endsWith('[]')) return [[], col.labels.slice(0, 2)];
	if (col.labels) return col.labels;
	if (t.endsWith('[]')) return [[], ['zzz'], ['zzz', 'zzz']];
	const texts: unknown[] = ['zzz', '', '('];
	if (/mail/.test(col.name)) texts.push(...world.staffA.map((s) => s.email), ...world.invitedA);
	return texts;
}

function pick(row: Row | undefined, cols: string[]): Row {
	const out: Row = {};
	if (!row) return out;
	for (const c of cols) if (c in row) out[c] = row[c];
	return out;
}

/** A's row as a payload, then that payload with each column set to each candidate. */
function variants(table: WritableTable, cols: string[], row: Row | undefined): Row[] {
	const base = pick(row, cols);
	const out: Row[] = [base];
	const seen = new Set([JSON.stringify(base)]);
	for (const c of cols) {
		const col = table.columns.get(c)!;
		for (const v of candidates(col, base[c])) {
			const p = { ...base, [c]: v };
			const key = JSON.stringify(p);
			if (!seen.has(key)) {
				seen.add(key);
				out.push(p);
			}
		}
	}
	return out;
}

/** Columns that name a record, a person or an e-mail (what an outsider might aim with). */
function identifierColumns(table: WritableTable, cols: string[]): string[] {
	return cols.filter((c) => {
		const col = table.columns.get(c)!;
		return c !== 'organization_id' && (col.type === 'uuid' || /mail/.test(c));
	});
}

function aValuesFor(table: WritableTable, c: string): string[] {
	const col = table.columns.get(c)!;
	if (/mail/.test(c)) return [...world.staffA.map((s) => s.email), ...world.invitedA];
	const referenced = referencedValuesOfA(col);
	if (referenced.length) return referenced.slice(0, 3);
	// an id column without a foreign key: any of A's ids in the same column
	return (world.rowsA.get(table.name) ?? [])
		.map((r) => r[c])
		.filter((v): v is string => typeof v === 'string')
		.slice(0, 3);
}

// The comparisons -------------------------------------------------------------------------------------------
interface Mismatch {
	what: string;
	a: Answer;
	missing: Answer;
}

type Reply = PromiseLike<{ error: unknown; status: number; data: unknown }>;

/**
 * The comparisons of one caller (`own`: the values that are theirs to see): `pair` sends one call
 * aimed at clinic A and the same aimed at something missing, and records a mismatch of the two
 * answers and any 5xx. `sent` says what the caller sent (values the answers may repeat).
 */
function comparisons(own: string[]) {
	const knownA = knownIdsOfA();
	const result = { compared: 0, mismatches: [] as Mismatch[], fivehundreds: [] as string[] };
	async function pair<T>(
		what: string,
		call: (target: T) => Reply,
		forA: T,
		forMissing: T,
		sent: (target: T) => unknown = (target) => target
	) {
		const a = await answer(call(forA), sent(forA), own, knownA);
		const missing = await answer(call(forMissing), sent(forMissing), own, knownA);
		if (a.status >= 500)
			result.fivehundreds.push(`${what} (clinic A): ${a.status} ${a.code} ${a.message}`);
		if (missing.status >= 500)
			result.fivehundreds.push(
				`${what} (missing): ${missing.status} ${missing.code} ${missing.message}`
			);
		if (JSON.stringify(a) !== JSON.stringify(missing)) result.mismatches.push({ what, a, missing });
		result.compared++;
	}
	return { pair, result };
}

function report(mismatches: Mismatch[]) {
	return mismatches
		.slice(0, 5)
		.map(
			(m) =>
				`${m.what}\n  clinic A: ${JSON.stringify(m.a)}\n  missing:  ${JSON.stringify(m.missing)}`
		)
		.join('\n');
}

function swapOrg(p: Row, org: string): Row {
	return { ...p, organization_id: org };
}

async function tableWrites(role: string, table: WritableTable) {
	const c = world.clients.get(role)!;
	const { pair, result } = comparisons([world.b, world.userIds.get(role)!]);
	const missingOrg = nowhere(world.a);
	const rowsA = world.rowsA.get(table.name) ?? [];
	const rowsB = world.rowsB.get(table.name) ?? [];
	const hasOrg = table.columns.has('organization_id');
	const insert = (payload: Row) => c.from(table.name).insert(payload);

	// 1. inserts aimed at clinic A, every payload variant, vs the same aimed at a missing clinic
	if (hasOrg && table.insertCols.includes('organization_id')) {
		for (const p of variants(table, table.insertCols, rowsA[0])) {
			await pair(
				`${role}: insert into ${table.name} ${JSON.stringify(p)}`,
				insert,
				swapOrg(p, world.a),
				swapOrg(p, missingOrg)
			);
		}
	}

	// 2. updates and deletes of A's rows vs missing rows (filtered by the primary key)
	const keyOf = (row: Row, missing: boolean) =>
		Object.fromEntries(
			table.pk.map((k) => [k, missing ? nowhere(String(row[k])) : String(row[k])])
		);
	const filtered = <Q extends { eq: (k: string, v: string) => Q }>(q: Q, key: Row) =>
		Object.entries(key).reduce((acc, [k, v]) => acc.eq(k, v as string), q);
	if (table.pk.length && rowsA.length) {
		const row = rowsA[0];
		const kA = keyOf(row, false);
		const kM = keyOf(row, true);
		if (table.updateCols.length) {
			for (const body of variants(table, table.updateCols, row).slice(0, 25)) {
				await pair(
					`${role}: update ${table.name} ${JSON.stringify(body)} where ${JSON.stringify(kA)}`,
					(key: Row) => filtered(c.from(table.name).update(body), key),
					kA,
					kM,
					(key) => ({ body, key })
				);
			}
		}
		if (table.canDelete) {
			await pair(
				`${role}: delete from ${table.name} where ${JSON.stringify(kA)}`,
				(key: Row) => filtered(c.from(table.name).delete(), key),
				kA,
				kM
			);
		}
	}

	// 3. A's identifiers inside B's own rows: a B row as a payload with one column naming A's
	//    record, person or e-mail, vs naming a missing one
	const rowB = rowsB[0];
	for (const col of identifierColumns(table, table.insertCols)) {
		const base = pick(rowB, table.insertCols);
		for (const value of aValuesFor(table, col)) {
			await pair(
				`${role}: insert into ${table.name} (own clinic) with ${col} = one of clinic A's`,
				insert,
				{ ...base, [col]: value },
				{ ...base, [col]: nowhere(value) }
			);
		}
	}
	if (rowB && table.pk.length) {
		const kB = Object.fromEntries(table.pk.map((k) => [k, String(rowB[k])]));
		for (const col of identifierColumns(table, table.updateCols)) {
			for (const value of aValuesFor(table, col)) {
				await pair(
					`${role}: update ${table.name} (own row) set ${col} = one of clinic A's`,
					(body: Row) => filtered(c.from(table.name).update(body), kB),
					{ [col]: value },
					{ [col]: nowhere(value) },
					(body) => ({ body, kB })
				);
			}
		}
	}
	return result;
}

/**
 * A's ids of the records an argument names first (`visit_id`: A's visits, `prescription_id`: its
 * prescriptions, `patient_id`: its patients, …), then any other of A's ids, 12 in all.
 */
function uuidsFor(argName: string): string[] {
	const noun = argName.replace(/^(p_)?/, '').replace(/_?id$/, '');
	const named = noun
		? [...world.rowsA.entries()]
				.filter(([table]) => table === noun || table === `${noun}s`)
				.flatMap(([, rows]) => rows.map((r) => r.id))
				.filter((v): v is string => typeof v === 'string')
		: [];
	return [...new Set([...named, ...knownIdsOfA()])].slice(0, 12);
}

/** A's identifiers an argument may carry, each with its missing counterpart. */
function identifierPairs(arg: { name: string; type: string }): [string, string][] {
	const type = arg.type;
	const values =
		type === 'uuid'
			? uuidsFor(arg.name)
			: type === 'text'
				? [
						SLUG_A,
						world.domainA,
						...world.staffA.map((s) => s.email),
						...world.invitedA,
						'Outsider'
					]
				: [];
	return values.map((v) => [v, nowhere(v)]);
}

function sample(arg: { type: string; labels: string[] | null }): unknown {
	if (arg.labels) return arg.type.endsWith('[]') ? [arg.labels[0]] : arg.labels[0];
	if (arg.type === 'uuid') return randomUUID();
	if (/^(integer|bigint|smallint|numeric)$/.test(arg.type)) return 5;
	if (arg.type === 'boolean') return false;
	if (arg.type === 'jsonb' || arg.type === 'json') return {};
	if (/^timestamp/.test(arg.type)) return new Date().toISOString();
	if (arg.type === 'date') return '2020-01-02';
	if (arg.type.endsWith('[]')) return [];
	// a new text for each pair of calls (the same for both calls of the pair): a function that
	// keeps state by its text arguments (the sign-in throttle counts attempts per address) then
	// starts each pair alike, instead of carrying the earlier pairs' state (a full window that frees
	// a place between the two calls of a pair would answer them differently, clinic or not)
	return `sample-${randomUUID().slice(0, 8)}`;
}

async function functionCalls(c: SupabaseClient, persona: string, f: ExposedFunction) {
	const { pair, result } = comparisons(
		persona === 'anon' ? [] : [world.b, world.userIds.get(persona)!]
	);
	const baseArgs = () => Object.fromEntries(f.args.map((a) => [a.name, sample(a)]));
	for (const arg of f.args) {
		for (const [aValue, missing] of identifierPairs(arg)) {
			const base = baseArgs();
			await pair(
				`${persona}: ${f.name}(${arg.name} = one of clinic A's: ${aValue})`,
				(args: Row) => c.rpc(f.name, args),
				{ ...base, [arg.name]: aValue },
				{ ...base, [arg.name]: missing }
			);
		}
	}
	if (!result.compared) {
		// no identifier to aim with: the call answers, never with a 5xx
		const res = await c.rpc(f.name, baseArgs());
		if (res.status >= 500)
			result.fivehundreds.push(`${persona}: ${f.name}(): ${res.status} ${res.error?.message}`);
	}
	return result;
}

// The tests ----------------------------------------------------------------------------------------------
beforeAll(fillClinics, 120_000);
afterAll(dropClinics, 120_000);

describe('the catalog is read, not listed by hand', () => {
	it('finds the writable clinic tables and the exposed functions', () => {
		const names = tables.map((t) => t.name);
		for (const t of [
			'patients',
			'patient_field_definitions',
			'invitations',
			'visits',
			'visit_notes',
			'appointments'
		])
			expect(names).toContain(t);
		expect(functions.map((f) => f.name)).toEqual(
			expect.arrayContaining(['log_chart_view', 'switch_organization', 'create_visit'])
		);
	});
});

describe.each(ROLES_B)('a signed-in %s of clinic B writing', (role) => {
	it.each(tables.map((t) => [t.name, t] as const))(
		'%s: clinic A answers like a clinic that does not exist',
		async (_name, table) => {
			const { compared, mismatches, fivehundreds } = await tableWrites(role, table);
			expect(fivehundreds, fivehundreds.join('\n')).toEqual([]);
			expect(mismatches.length, report(mismatches)).toBe(0);
			// tables with nothing to aim at in clinic A are still listed; the others were exercised
			if ((world.rowsA.get(table.name) ?? []).length) expect(compared).toBeGreaterThan(0);
		}
	);
});

// the pharmacist: the one role past dispense_prescription's role check (the others stop at 42501)
const personasForFunctions = ['admin', 'doctor', 'pharmacist', 'anon'];
describe.each(personasForFunctions)('functions called by %s', (persona) => {
	const callable = functions.filter(
		(f) => (persona !== 'anon' || f.anon) && !(f.name in PUBLIC_BY_DESIGN)
	);
	it.each(callable.map((f) => [f.name, f] as const))(
		'%s: clinic A answers like a clinic that does not exist, and never with a 5xx',
		async (_name, f) => {
			const c =
				persona === 'anon'
					? createClient(API_URL, keys.publishableKey, {
							auth: { persistSession: false, autoRefreshToken: false }
						})
					: world.clients.get(persona)!;
			const { mismatches, fivehundreds } = await functionCalls(c, persona, f);
			expect(fivehundreds, fivehundreds.join('\n')).toEqual([]);
			expect(mismatches.length, report(mismatches)).toBe(0);
		}
	);
});

describe('public by design', () => {
	it('get_branding shows a clinic address its public branding and no identifier', async () => {
		const anon = createClient(API_URL, keys.publishableKey, {
			auth: { persistSession: false, autoRefreshToken: false }
		});
		const { data, error } = await anon.rpc('get_branding', { clinic_slug: SLUG_A });
		expect(error).toBeNull();
		expect(data).toHaveLength(1);
		const text = JSON.stringify(data);
		expect(text).not.toContain(world.a);
		expect(text.match(UUID)).toBeNull();
		const byDomain = await anon.rpc('get_branding', { custom_domain: world.domainA });
		expect(byDomain.data).toEqual(data);
	});
});
