/**
 * Benchmark data (BENCHMARK.md "Data sizes"): many ordinary clinics and one large one, each with
 * staff (auth users, profiles, active memberships), custom patient field definitions, patients
 * whose custom fields match those definitions, and 4 visits, 2 lab orders, 2 prescriptions and 2
 * diary appointments per patient (a clinic's diary: 32 a day, its doctor's and nurse's 30-minute
 * slots from 08:00 to 16:00 UTC, days centred on BASE_TIME, past ones mostly completed).
 *
 * Loaded with set-based SQL as the tables' owner under `session_replication_role = replica`, which
 * skips the per-row triggers (MRN counter, name normalization, custom field validation, staff checks,
 * audit trail) and foreign-key checks. What those triggers maintain is then produced explicitly so
 * the rows equal what the app would write: search_name through the same private.normalize_search_text,
 * MRNs numbered per clinic with the counters set to match, unique custom field values indexed in
 * private.patient_unique_field_values, staff columns holding active members of the same clinic.
 * The one thing not reproduced is the audit trail of the bulk rows: no benchmarked query reads it,
 * and timed writes (W1, W2) start a chain per clinic exactly as the first write of a clinic does.
 *
 * Reproducible: ids are md5 of (seed, kind, position) and every random choice comes from
 * PostgreSQL's random() after setseed(), with parallel query off so the order of calls is fixed.
 *
 *   node bench/generate.ts --size S [--seed 42] [--db bench_s]
 */
import type pg from 'pg';
import { client, databaseExists, migrationsHash, prepareDatabase } from './db.ts';
import { benchOptions } from './options.ts';

export type Size = 'S' | 'M' | 'L';

export interface SizeSpec {
	clinics: number;
	patientsPerClinic: number;
	largeClinicPatients: number;
	visits: number;
	labOrders: number;
	prescriptions: number;
	/** Diary appointments per patient (32 a day per clinic: its doctor and nurse, 30 minutes each). */
	appointments: number;
}

/** `clinics` ordinary clinics plus one large clinic (M: 199 × 2,500 + 25,000 = 522,500 patients). */
export const SIZES: Record<Size, SizeSpec> = {
	S: {
		clinics: 20,
		patientsPerClinic: 500,
		largeClinicPatients: 5_000,
		visits: 4,
		labOrders: 2,
		prescriptions: 2,
		appointments: 2
	},
	M: {
		clinics: 199,
		patientsPerClinic: 2_500,
		largeClinicPatients: 25_000,
		visits: 4,
		labOrders: 2,
		prescriptions: 2,
		appointments: 2
	},
	L: {
		clinics: 999,
		patientsPerClinic: 2_000,
		largeClinicPatients: 200_000,
		visits: 4,
		labOrders: 2,
		prescriptions: 2,
		appointments: 2
	}
};

/** The instant the data is generated around (fixed so queries and data do not depend on now()). */
export const BASE_TIME = '2026-11-20T12:00:00Z';

export const STAFF_ROLES = ['admin', 'doctor', 'nurse', 'receptionist'] as const;

const GIVEN = [
	'Aroha',
	'Ben',
	'Chloé',
	'Daniel',
	'Ella',
	'Finn',
	'Grace',
	'Hana',
	'Isaac',
	'Jack',
	'Kiri',
	'Liam',
	'Mia',
	'Noah',
	'Olivia',
	'Priya',
	'Quinn',
	'Ruby',
	'Sam',
	'Tama',
	'Uma',
	'Victor',
	'Wiremu',
	'Xavier',
	'Yuki',
	'Zoe',
	'José',
	'Léa',
	'Mateo',
	'Sofía',
	'Amélie',
	'Björn',
	'Chen',
	'Dmitri',
	'Émile',
	'Fatima',
	'Giulia',
	'Henrik',
	'Ingrid',
	'Jürgen'
];
const FAMILY = [
	'Smith',
	'Jones',
	'Williams',
	'Brown',
	'Wilson',
	'Taylor',
	'Johnson',
	'White',
	'Martin',
	'Anderson',
	'Thompson',
	'Nguyen',
	'Thomas',
	'Walker',
	'Harris',
	'Lee',
	'Ryan',
	'Robinson',
	'Kelly',
	'King',
	'Müller',
	'García',
	'Martínez',
	'López',
	'González',
	'Rodríguez',
	'Pérez',
	'Sánchez',
	'Ngata',
	'Parata',
	'Te Whare',
	"O'Brien",
	'MacDonald',
	'Van der Berg',
	'Søndergaard',
	'Åberg',
	'Öztürk',
	'Çelik',
	'Dubois',
	'Lefèvre',
	'Rossi',
	'Russo',
	'Ferrari',
	'Esposito',
	'Bianchi',
	'Romano',
	'Kowalski',
	'Nowak',
	'Wiśniewski',
	'Novák',
	'Horváth',
	'Nagy',
	'Kim',
	'Park',
	'Choi',
	'Tanaka',
	'Suzuki',
	'Sato',
	'Patel',
	'Singh'
];

/**
 * The FROM of a per-patient generator: each patient, with its clinic's people in `o`, `n` times
 * (`j` = 1 … n), in a stable order (clinic, MRN, j) so the seeded random() draws repeat.
 */
function eachPatient(n: number): string {
	return `from public.patients p
	  join bench.orgs o on o.id = p.organization_id
	 cross join generate_series(1, ${n}) j
	 order by o.n, p.mrn, j`;
}

function sqlArray(values: string[]): string {
	return `array[${values.map((v) => `'${v.replace(/'/g, "''")}'`).join(', ')}]::text[]`;
}

/** Indexes that no constraint owns on the bulk tables: dropped for the load, rebuilt after. */
const BULK_TABLES = ['patients', 'visits', 'lab_orders', 'prescriptions', 'appointments'];

export interface GenerateOptions {
	size: Size;
	seed: number;
	/** Stored in bench.meta: identifies the migrations and generator the data was made with. */
	tag?: string;
	log?: (m: string) => void;
}

export async function generate(
	db: pg.Client,
	{ size, seed, tag, log = () => {} }: GenerateOptions
) {
	const spec = SIZES[size];
	const t0 = performance.now();
	const step = async (label: string, sql: string, params: unknown[] = []) => {
		const t = performance.now();
		const res = await db.query(sql, params);
		log(
			`  ${label}: ${res.rowCount ?? 0} rows in ${((performance.now() - t) / 1000).toFixed(1)} s`
		);
	};
	const s = String(seed);
	log(
		`generating size ${size} (seed ${seed}): ${spec.clinics} clinics × ${spec.patientsPerClinic} patients + one of ${spec.largeClinicPatients}`
	);

	await db.query(`set max_parallel_workers_per_gather = 0`);
	await db.query(`set synchronous_commit = off`);
	await db.query(`set maintenance_work_mem = '256MB'`);
	await db.query(`begin`);
	await db.query(`set local session_replication_role = replica`);
	await db.query(`select setseed($1)`, [((seed % 2000) - 1000) / 1000]);

	await db.query(`
		create schema if not exists bench;
		create or replace function bench.uid(p text) returns uuid language sql immutable parallel safe
		  as $$ select md5(p)::uuid $$;
		create table if not exists bench.meta (size text not null, seed integer not null, tag text,
		  loaded_at timestamptz not null default now(), complete boolean not null default false);
		create table bench.orgs (n integer primary key, id uuid not null unique, slug text not null,
		  patients integer not null, large boolean not null,
		  admin_id uuid not null, doctor_id uuid not null, nurse_id uuid not null, receptionist_id uuid not null);
		revoke all on schema bench from public, anon, authenticated;`);

	// the large clinic is n = 0; ordinary clinics 1..clinics
	await step(
		'clinic list',
		`insert into bench.orgs
		 select n, bench.uid($1 || ':org:' || n),
		        case when n = 0 then 'bench-large' else 'bench-' || lpad(n::text, 4, '0') end,
		        case when n = 0 then $3::int else $2::int end, n = 0,
		        bench.uid($1 || ':u:' || n || ':admin'), bench.uid($1 || ':u:' || n || ':doctor'),
		        bench.uid($1 || ':u:' || n || ':nurse'), bench.uid($1 || ':u:' || n || ':receptionist')
		   from generate_series(0, $4::int) n`,
		[s, spec.patientsPerClinic, spec.largeClinicPatients, spec.clinics]
	);
	await step(
		'organizations',
		`insert into public.organizations (id, slug, name, type, plan_id)
		 select id, slug, case when large then 'Bench General Hospital' else 'Bench Clinic ' || n end,
		        case when large then 'hospital' else 'clinic' end::public.organization_type,
		        case when large then 'hospital' else 'clinic' end
		   from bench.orgs order by n`
	);
	await db.query(`
		create temp table bench_staff on commit drop as
		select o.n, o.id as organization_id, r.role, r.user_id
		  from bench.orgs o
		 cross join lateral (values ('admin', o.admin_id), ('doctor', o.doctor_id),
		                            ('nurse', o.nurse_id), ('receptionist', o.receptionist_id)) r(role, user_id)`);
	await step(
		'auth users',
		`insert into auth.users (id, instance_id, aud, role, email, encrypted_password, email_confirmed_at,
		   raw_app_meta_data, raw_user_meta_data, created_at, updated_at)
		 select user_id, '00000000-0000-0000-0000-000000000000', 'authenticated', 'authenticated',
		        role || '.' || n || '@bench.local', '', now(), '{"provider":"email"}',
		        jsonb_build_object('full_name', initcap(role) || ' ' || n), now(), now()
		   from bench_staff order by n, role`
	);
	// what the auth.users trigger would have created, with the active clinic set
	await step(
		'profiles',
		`insert into public.profiles (id, email, full_name, active_organization_id)
		 select user_id, role || '.' || n || '@bench.local', initcap(role) || ' ' || n, organization_id
		   from bench_staff order by n, role`
	);
	await step(
		'memberships',
		`insert into public.memberships (organization_id, user_id, role, status)
		 select organization_id, user_id, role::public.member_role, 'active' from bench_staff order by n, role`
	);
	await step(
		'patient field definitions',
		`insert into public.patient_field_definitions
		   (organization_id, key, label, field_type, options, required, format_kind, format_mask,
		    pattern, format_hint, unique_within_clinic, sort_order)
		 -- triggers are off (replica): derive what the definition trigger would
		 select o.id, d.key, d.label, d.field_type::public.custom_field_type, d.options, false,
		        d.format_kind::public.custom_field_format, d.format_mask,
		        private.custom_field_format_pattern(d.format_kind::public.custom_field_format, d.format_mask),
		        private.custom_field_format_hint(d.format_kind::public.custom_field_format, d.format_mask),
		        d.uniq, d.sort_order
		   from bench.orgs o
		  cross join (values
		    ('nhi_number', 'National health insurance number', 'text', null::text[], 'mask', 'AAA9999', true, 10),
		    ('blood_group', 'Blood group', 'select', array['A+','A-','B+','B-','AB+','AB-','O+','O-'], 'any', null, false, 20),
		    ('organ_donor', 'Organ donor', 'boolean', null, 'any', null, false, 30)
		  ) d(key, label, field_type, options, format_kind, format_mask, uniq, sort_order)
		  order by o.n, d.sort_order`
	);

	const dropped = await db.query<{ indexname: string; def: string }>(
		`select i.indexrelid::regclass::text as indexname, pg_get_indexdef(i.indexrelid) as def
		   from pg_index i
		  where i.indrelid = any ($1::regclass[])
		    and not exists (select 1 from pg_constraint c where c.conindid = i.indexrelid)`,
		[BULK_TABLES.map((t) => `public.${t}`)]
	);
	for (const r of dropped.rows) await db.query(`drop index ${r.indexname}`);

	await step(
		'patients',
		`insert into public.patients (id, organization_id, mrn, given_name, family_name, date_of_birth, sex,
		   phone, email, custom_fields, search_name, archived_at, created_by, created_at, updated_at)
		 select id, organization_id, mrn, g, f, dob, sex, phone, email, cf,
		        private.normalize_search_text(f || ' ' || g), archived_at, created_by, created_at, created_at
		   from (
		     select bench.uid($1 || ':p:' || o.n || ':' || k) as id, o.id as organization_id,
		            'MRN-' || lpad(k::text, 6, '0') as mrn,
		            (${sqlArray(GIVEN)})[1 + floor(random() * ${GIVEN.length})::int] as g,
		            (${sqlArray(FAMILY)})[1 + floor(random() * ${FAMILY.length})::int] as f,
		            date '1935-01-01' + floor(random() * 32000)::int as dob,
		            (array['female','male','female','male','other','unknown'])[1 + floor(random() * 6)::int]::public.patient_sex as sex,
		            case when random() < 0.8 then '+64 21 ' || lpad(floor(random() * 1000000)::text, 6, '0') end as phone,
		            case when random() < 0.5 then 'p' || o.n || '.' || k || '@example.com' end as email,
		            jsonb_strip_nulls(jsonb_build_object(
		              'nhi_number', chr(65 + (k / 10000 / 676) % 26) || chr(65 + (k / 10000 / 26) % 26)
		                            || chr(65 + (k / 10000) % 26) || lpad((k % 10000)::text, 4, '0'),
		              'blood_group', case when random() < 0.7
		                then (array['A+','A-','B+','B-','AB+','AB-','O+','O-'])[1 + floor(random() * 8)::int] end,
		              'organ_donor', case when random() < 0.3 then random() < 0.5 end)) as cf,
		            case when random() < 0.02 then $2::timestamptz - interval '30 days' end as archived_at,
		            o.receptionist_id as created_by,
		            $2::timestamptz - random() * interval '1500 days' as created_at
		       from bench.orgs o cross join generate_series(1, o.patients) k
		      order by o.n, k
		   ) x`,
		[s, BASE_TIME]
	);
	await step(
		'unique custom field values',
		`insert into private.patient_unique_field_values (organization_id, field_key, value, patient_id)
		 select organization_id, 'nhi_number', custom_fields ->> 'nhi_number', id
		   from public.patients p
		  where exists (select 1 from bench.orgs o where o.id = p.organization_id)
		    and custom_fields ? 'nhi_number'`
	);
	await step(
		'mrn counters',
		`insert into private.organization_counters (organization_id, counter, value)
		 select id, 'mrn', patients from bench.orgs order by n`
	);
	await step(
		'visits',
		`insert into public.visits (id, organization_id, patient_id, clinician_id, scheduled_at, started_at,
		   ended_at, reason, status, cancel_reason, created_by, created_at, updated_at)
		 select id, organization_id, patient_id, clinician_id, at,
		        case when status = 'completed' then at end,
		        case when status = 'completed' then at + interval '20 minutes' end,
		        reason, status::public.visit_status,
		        case when status = 'cancelled' then 'Patient unavailable' end,
		        created_by, least(at, $2::timestamptz) - interval '7 days', least(at, $2::timestamptz)
		   from (
		     select *, case when at > $2::timestamptz then 'scheduled'
		                    when r < 0.08 then 'cancelled' else 'completed' end as status
		       from (
		         select bench.uid($1 || ':v:' || p.id || ':' || j) as id, p.organization_id, p.id as patient_id,
		                o.doctor_id as clinician_id, o.receptionist_id as created_by,
		                $2::timestamptz + (random() * 1130 - 1095) * interval '1 day' as at,
		                random() as r,
		                (array['Check-up','Follow-up','Vaccination','Blood pressure review','Minor injury',
		                       'Prescription renewal','Chest pain','Back pain'])[1 + floor(random() * 8)::int] as reason
		           ${eachPatient(spec.visits)}
		       ) x0
		   ) x`,
		[s, BASE_TIME]
	);
	await step(
		'lab orders',
		`insert into public.lab_orders (id, organization_id, patient_id, visit_id, ordered_by, test_code, test_name,
		   priority, status, collected_at, collected_by, result_value, result_unit, reference_range,
		   resulted_by, resulted_at, cancel_reason, created_at, updated_at)
		 select id, organization_id, patient_id, visit_id, ordered_by,
		        (array['CBC','HBA1C','LIPID','TSH','CRP','BMP'])[ti],
		        (array['Complete blood count','Haemoglobin A1c','Lipid panel','Thyroid stimulating hormone',
		               'C-reactive protein','Basic metabolic panel'])[ti],
		        priority::public.lab_order_priority, status::public.lab_order_status,
		        case when status in ('collected', 'resulted') then created_at + interval '1 hour' end,
		        case when status in ('collected', 'resulted') then nurse_id end,
		        case when status = 'resulted' then round((r * 100)::numeric, 1)::text end,
		        case when status = 'resulted' then (array['10^9/L','mmol/mol','mmol/L','mIU/L','mg/L','mmol/L'])[ti] end,
		        case when status = 'resulted' then (array['4.0-11.0','20-41','<5.0','0.4-4.0','<5','135-145'])[ti] end,
		        case when status = 'resulted' then ordered_by end,
		        case when status = 'resulted' then created_at + interval '1 day' end,
		        case when status = 'cancelled' then 'Sample not collected' end,
		        created_at, created_at
		   from (
		     select *, case when r < 0.7 then 'resulted' when r < 0.8 then 'collected'
		                    when r < 0.97 then 'ordered' else 'cancelled' end as status
		       from (
		         select bench.uid($1 || ':l:' || p.id || ':' || j) as id, p.organization_id, p.id as patient_id,
		                bench.uid($1 || ':v:' || p.id || ':' || j) as visit_id,
		                o.doctor_id as ordered_by, o.nurse_id,
		                1 + floor(random() * 6)::int as ti,
		                (array['routine','routine','routine','urgent','stat'])[1 + floor(random() * 5)::int] as priority,
		                random() as r,
		                $2::timestamptz - random() * interval '1095 days' as created_at
		           ${eachPatient(spec.labOrders)}
		       ) x0
		   ) x`,
		[s, BASE_TIME]
	);
	await step(
		'prescriptions',
		`insert into public.prescriptions (id, organization_id, patient_id, visit_id, prescriber_id, medication, dose,
		   route, frequency, duration_days, quantity, refills, status, fills_dispensed, completed_at, completed_by,
		   created_at, updated_at)
		 select id, organization_id, patient_id, visit_id, prescriber_id,
		        (array['Amoxicillin','Metformin','Atorvastatin','Paracetamol','Lisinopril','Omeprazole'])[mi],
		        (array['500 mg','500 mg','20 mg','1 g','10 mg','20 mg'])[mi], 'oral',
		        (array['three times daily','twice daily','once daily','four times daily as needed','once daily','once daily'])[mi],
		        duration, 30, refills, status::public.prescription_status,
		        case when status = 'completed' then refills + 1 else 0 end,
		        case when status = 'completed' then created_at + interval '2 hours' end,
		        case when status = 'completed' then nurse_id end,
		        created_at, created_at
		   from (
		     select bench.uid($1 || ':rx:' || p.id || ':' || j) as id, p.organization_id, p.id as patient_id,
		            bench.uid($1 || ':v:' || p.id || ':' || (j + 2)) as visit_id,
		            o.doctor_id as prescriber_id, o.nurse_id,
		            1 + floor(random() * 6)::int as mi,
		            (array[5, 7, 14, 30, 90])[1 + floor(random() * 5)::int] as duration,
		            floor(random() * 3)::int as refills,
		            case when random() < 0.4 then 'active' else 'completed' end as status,
		            $2::timestamptz - random() * interval '1095 days' as created_at
		       ${eachPatient(spec.prescriptions)}
		   ) x`,
		[s, BASE_TIME]
	);

	// Appointments k = 0, 1, … of a clinic (by patient MRN): day k / 32 of its diary, slot k % 32
	// (even: doctor, odd: nurse; 16 half-hour slots each), so no clinician is ever double-booked (the
	// exclusion constraint is enforced during the load). Days are centred on BASE_TIME.
	await step(
		'appointments',
		`insert into public.appointments (id, organization_id, patient_id, clinician_id, starts_at, ends_at,
		   appointment_type, status, cancel_reason, arrived_at, created_by, created_at, updated_at)
		 select id, organization_id, patient_id, clinician_id, at, at + interval '30 minutes', kind,
		        status::public.appointment_status,
		        case when status = 'cancelled' then 'Patient unavailable' end,
		        case when status = 'completed' then at end,
		        created_by, least(at, $2::timestamptz) - interval '14 days', least(at, $2::timestamptz)
		   from (
		     select *, case when at > $2::timestamptz then 'booked'
		                    when r < 0.05 then 'cancelled' when r < 0.1 then 'no_show' else 'completed' end as status
		       from (
		         select bench.uid($1 || ':a:' || p.id || ':' || j) as id, p.organization_id, p.id as patient_id,
		                case when k % 2 = 0 then o.doctor_id else o.nurse_id end as clinician_id,
		                o.receptionist_id as created_by,
		                date_trunc('day', $2::timestamptz)
		                  + ((k / 32) - (o.patients * ${spec.appointments} / 64)) * interval '1 day'
		                  + interval '8 hours' + ((k % 32) / 2) * interval '30 minutes' as at,
		                random() as r,
		                (array['Consultation','Follow-up','Vaccination','Blood pressure review','Health check',
		                       'Wound dressing'])[1 + floor(random() * 6)::int] as kind
		           from (
		             select p.*, j, row_number() over (partition by p.organization_id order by p.mrn, j) - 1 as k
		               from public.patients p
		              cross join generate_series(1, ${spec.appointments}) j
		           ) p
		           join bench.orgs o on o.id = p.organization_id
		          order by o.n, p.k
		       ) x0
		   ) x`,
		[s, BASE_TIME]
	);

	for (const r of dropped.rows) {
		const t = performance.now();
		await db.query(r.def);
		log(`  index ${r.indexname} rebuilt in ${((performance.now() - t) / 1000).toFixed(1)} s`);
	}
	await db.query(`insert into bench.meta (size, seed, tag, complete) values ($1, $2, $3, true)`, [
		size,
		seed,
		tag ?? null
	]);
	await db.query(`commit`);
	const tv = performance.now();
	await db.query(`vacuum (analyze, freeze)`);
	log(`  vacuum analyze in ${((performance.now() - tv) / 1000).toFixed(1)} s`);
	log(`size ${size} loaded in ${((performance.now() - t0) / 1000).toFixed(1)} s`);
}

/** What a loaded database must have been made with to be reused: migrations + this generator. */
export function dataTag(size: Size, seed: number): string {
	return `${size}:${seed}:${migrationsHash([import.meta.filename])}`;
}

/** Drop/recreate `name`, migrate, load `size`. */
export async function prepareAndGenerate(
	name: string,
	size: Size,
	seed: number,
	log: (m: string) => void
) {
	await prepareDatabase(name, log);
	const db = client(name);
	await db.connect();
	try {
		await generate(db, { size, seed, tag: dataTag(size, seed), log });
	} finally {
		await db.end();
	}
}

/** Reuses `name` when it holds a complete load of the same size, seed, migrations and generator. */
export async function ensureLoaded(
	name: string,
	size: Size,
	seed: number,
	log: (m: string) => void,
	opts: { fresh?: boolean } = {}
): Promise<'reused' | 'loaded'> {
	if (!opts.fresh && (await databaseExists(name))) {
		const db = client(name);
		await db.connect();
		try {
			const { rows } = await db.query<{ tag: string }>(
				`select tag from bench.meta where complete order by loaded_at desc limit 1`
			);
			if (rows[0]?.tag === dataTag(size, seed)) {
				log(`database ${name}: reusing size ${size} (seed ${seed}, same migrations)`);
				return 'reused';
			}
		} catch {
			/* no bench.meta: not a complete load */
		} finally {
			await db.end();
		}
	}
	await prepareAndGenerate(name, size, seed, log);
	return 'loaded';
}

if (import.meta.main) {
	const values = benchOptions({ size: 'S', seed: 42, db: null });
	const size = values.size.toUpperCase() as Size;
	if (!(size in SIZES)) throw new Error(`--size must be S, M or L`);
	const name = values.db ?? `bench_${size.toLowerCase()}`;
	await prepareAndGenerate(name, size, values.seed, (m) => console.log(m));
}
