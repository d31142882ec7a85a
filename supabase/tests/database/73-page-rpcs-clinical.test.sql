-- public.dashboard_page, public.open_chart and public.active_medications (migration
-- 20261124820000_create_page_rpcs_clinical.sql): the clinic dashboard and the chart in one Data API
-- call each. dashboard_page is security invoker over open_lab_orders / count_lab_orders /
-- active_prescriptions / count_prescriptions and the appointments, patients, profiles and visits
-- policies; this proves, per role (anon, admin, doctor, nurse, lab technician, someone of two
-- clinics, another clinic's members, a signed-in person of no clinic, a platform admin with and
-- without a support grant, forged claims), that it returns exactly what the same caller reads from
-- the tables directly, and that an outsider learns nothing of another clinic.
begin;
\ir ../helpers.psql

select plan(46);

select tests.create_tenancy_fixture();
select tests.add_member(m.persona, 'alpha', m.role::public.member_role)
  from (values ('alpha_lab', 'lab_technician'), ('alpha_pharmacist', 'pharmacist'), ('alpha_reception', 'receptionist')) m (persona, role);

create table tests.day as
select date_trunc('day', now()) as start_at, date_trunc('day', now()) + interval '1 day' as end_at;
grant select on tests.day to anon, authenticated;
create function tests.day_start() returns timestamptz language sql stable as $$ select start_at from tests.day $$;
create function tests.day_end() returns timestamptz language sql stable as $$ select end_at from tests.day $$;
grant execute on function tests.day_start(), tests.day_end() to anon, authenticated;

-- Clinic A: 3 patients (one archived), today 3 appointments (2 with A's doctor, one of them
-- started as a visit; 1 with the nurse "both"), one tomorrow; 3 lab orders (2 open, 1 cancelled),
-- 3 prescriptions (2 active, 1 stopped). Clinic B: 1 patient, 1 appointment today, 1 open order,
-- 1 active prescription. Different numbers, so the wrong clinic cannot pass.
do $$
declare
  v_org text;
  v_patients uuid[];
  v_id uuid;
  i integer;
  v_doctor uuid;
begin
  foreach v_org in array array['alpha', 'beta'] loop
    v_patients := '{}';
    v_doctor := tests.user_id(case v_org when 'alpha' then 'alpha_doctor' else 'beta_nurse' end);
    for i in 1 .. case v_org when 'alpha' then 3 else 1 end loop
      insert into public.patients (organization_id, given_name, family_name, date_of_birth)
      values (tests.org_id(v_org), 'Pat' || i, initcap(v_org), '1980-01-01') returning id into v_id;
      v_patients := v_patients || v_id;
    end loop;
    insert into public.appointments (organization_id, patient_id, clinician_id, starts_at, ends_at, appointment_type)
    values (tests.org_id(v_org), v_patients[1], v_doctor,
            date_trunc('day', now()) + interval '9 hours', date_trunc('day', now()) + interval '9 hours 30 minutes', 'Consultation');
    for i in 1 .. case v_org when 'alpha' then 3 else 1 end loop
      insert into public.lab_orders (organization_id, patient_id, ordered_by, test_code, test_name)
      values (tests.org_id(v_org), v_patients[1], v_doctor, 'CBC' || i, 'Full blood count');
      insert into public.prescriptions (organization_id, patient_id, prescriber_id, medication, dose, frequency, duration_days, quantity)
      values (tests.org_id(v_org), v_patients[1], v_doctor, 'Amoxicillin ' || i, '500 mg', 'tid', 7, 21);
    end loop;
    if v_org = 'alpha' then
      insert into public.appointments (organization_id, patient_id, clinician_id, starts_at, ends_at, appointment_type)
      values
        (tests.org_id(v_org), v_patients[2], v_doctor,
         date_trunc('day', now()) + interval '10 hours', date_trunc('day', now()) + interval '10 hours 30 minutes', 'Follow-up'),
        (tests.org_id(v_org), v_patients[2], tests.user_id('both'),
         date_trunc('day', now()) + interval '11 hours', date_trunc('day', now()) + interval '11 hours 30 minutes', 'Vaccination'),
        (tests.org_id(v_org), v_patients[3], v_doctor,
         date_trunc('day', now()) + interval '1 day 9 hours', date_trunc('day', now()) + interval '1 day 9 hours 30 minutes', 'Tomorrow');
      update public.patients set archived_at = now() where id = v_patients[3];
    end if;
  end loop;
end;
$$;
-- through the real paths: A's doctor starts the visit of the first appointment, cancels an order and stops a prescription
select tests.act_as('alpha_doctor');
select public.create_visit(a.patient_id, now(), '', appointment_id => a.id)
  from public.appointments a where a.appointment_type = 'Consultation';
update public.lab_orders set status = 'cancelled', cancel_reason = 'Duplicate' where test_code = 'CBC3';
update public.prescriptions set status = 'stopped', stop_reason = 'Rash' where medication = 'Amoxicillin 3';
select tests.clear_authentication();

-- The RPC's answer reduced to what identifies it: per part the ids in order, the total, and each
-- row's embeds (patient id, clinician name, visit id) as the caller gets them.
create function tests.dashboard_shape(p jsonb)
returns jsonb
language sql
as $$
  select jsonb_build_object(
    'today', case when p -> 'today' = 'null'::jsonb then null else jsonb_build_object(
      'total', (p -> 'today' -> 'total')::bigint,
      'rows', coalesce((select jsonb_agg(jsonb_build_array(r ->> 'id', r -> 'patients' ->> 'id', r -> 'clinician' ->> 'full_name', r -> 'visit' ->> 'id') order by n)
                          from jsonb_array_elements(p -> 'today' -> 'rows') with ordinality e(r, n)), '[]')) end,
    'lab_orders', case when p -> 'lab_orders' = 'null'::jsonb then null else jsonb_build_object(
      'total', (p -> 'lab_orders' -> 'total')::bigint,
      'rows', coalesce((select jsonb_agg(jsonb_build_array(r ->> 'id', r -> 'patients' ->> 'id') order by n)
                          from jsonb_array_elements(p -> 'lab_orders' -> 'rows') with ordinality e(r, n)), '[]')) end,
    'prescriptions', case when p -> 'prescriptions' = 'null'::jsonb then null else jsonb_build_object(
      'total', (p -> 'prescriptions' -> 'total')::bigint,
      'rows', coalesce((select jsonb_agg(jsonb_build_array(r ->> 'id', r -> 'patients' ->> 'id') order by n)
                          from jsonb_array_elements(p -> 'prescriptions' -> 'rows') with ordinality e(r, n)), '[]')) end,
    'patients', case when p -> 'patients' = 'null'::jsonb then null else jsonb_build_object(
      'total', (p -> 'patients' -> 'total')::bigint,
      'rows', coalesce((select jsonb_agg(jsonb_build_array(r ->> 'id') order by n)
                          from jsonb_array_elements(p -> 'patients' -> 'rows') with ordinality e(r, n)), '[]')) end);
$$;
grant execute on function tests.dashboard_shape(jsonb) to authenticated;

-- The same, read from the tables directly through RLS by the same caller (no RPC involved).
create function tests.dashboard_direct(p_clinician uuid default null, p_lim integer default 20, p_recent integer default 8)
returns jsonb
language sql
as $$
  with d as (select * from tests.day),
  today as (
    select a.* from public.appointments a, d
     where a.starts_at >= d.start_at and a.starts_at < d.end_at
       and (p_clinician is null or a.clinician_id = p_clinician)
  ), labs as (
    select l.* from public.lab_orders l where l.status in ('ordered', 'collected')
  ), rx as (
    select r.* from public.prescriptions r where r.status = 'active'
  ), pts as (
    select p.* from public.patients p where p.archived_at is null
  )
  select jsonb_build_object(
    'today', jsonb_build_object('total', (select count(*) from today), 'rows', coalesce((
      select jsonb_agg(jsonb_build_array(t.id, p.id, c.full_name, v.id) order by t.starts_at, t.id)
        from today t
        left join public.patients p on p.id = t.patient_id
        left join public.profiles c on c.id = t.clinician_id
        left join public.visits v on v.appointment_id = t.id), '[]')),
    'lab_orders', jsonb_build_object('total', (select count(*) from labs), 'rows', coalesce((
      select jsonb_agg(jsonb_build_array(x.id, x.pid) order by x.created_at, x.id)
        from (select l.id, l.created_at, p.id pid from labs l left join public.patients p on p.id = l.patient_id
               order by l.created_at, l.id limit p_lim) x), '[]')),
    'prescriptions', jsonb_build_object('total', (select count(*) from rx), 'rows', coalesce((
      select jsonb_agg(jsonb_build_array(x.id, x.pid) order by x.created_at, x.id)
        from (select r.id, r.created_at, p.id pid from rx r left join public.patients p on p.id = r.patient_id
               order by r.created_at, r.id limit p_lim) x), '[]')),
    'patients', jsonb_build_object('total', (select count(*) from pts), 'rows', coalesce((
      select jsonb_agg(jsonb_build_array(x.id) order by x.updated_at desc, x.id)
        from (select p.id, p.updated_at from pts p order by p.updated_at desc, p.id limit p_recent) x), '[]')));
$$;
grant execute on function tests.dashboard_direct(uuid, integer, integer) to authenticated;

create function tests.dashboard_rpc(p_clinician uuid default null, p_lim integer default 20, p_recent integer default 8)
returns jsonb
language sql
as $$
  select tests.dashboard_shape(public.dashboard_page(d.start_at, d.end_at, p_clinician, p_lim, p_recent)) from tests.day d;
$$;
grant execute on function tests.dashboard_rpc(uuid, integer, integer) to authenticated;

-- Privileges -----------------------------------------------------------------------------------------
select ok(not has_function_privilege('anon', 'public.dashboard_page(timestamptz, timestamptz, uuid, integer, integer, text[])', 'execute'),
  'anon may not call dashboard_page');
select ok(not (select p.prosecdef from pg_proc p where p.oid = 'public.dashboard_page(timestamptz, timestamptz, uuid, integer, integer, text[])'::regprocedure),
  'dashboard_page is security invoker (the caller''s own rights and policies)');
select tests.as_anon();
select throws_ok($$ select public.dashboard_page(now(), now() + interval '1 day') $$, '42501', null, 'anon gets permission denied');

-- Per role: equal to the direct reads ------------------------------------------------------------------
select tests.act_as('alpha_admin');
select is(tests.dashboard_rpc(), tests.dashboard_direct(), 'A''s admin: equal to the tables read through RLS');
select is(tests.dashboard_rpc() -> 'today' -> 'total', '3', 'A''s admin sees the whole clinic''s day (3 today, not tomorrow''s)');
select is(
  (select array_agg(x ->> 'total' order by k) from jsonb_each(tests.dashboard_rpc()) e(k, x)),
  array['2', '2', '2', '3'], 'A''s admin: 2 open lab orders, 2 active patients, 2 active prescriptions, 3 today');
select is(
  (select count(*) from jsonb_array_elements(tests.dashboard_rpc() -> 'today' -> 'rows') r where r ->> 3 is not null), 1::bigint,
  'the started appointment carries its visit');
select is(tests.dashboard_rpc(p_lim => 1, p_recent => 1), tests.dashboard_direct(p_lim => 1, p_recent => 1),
  'the limits apply as in the direct reads (totals stay the full counts)');

select tests.act_as('alpha_doctor');
select is(tests.dashboard_rpc(tests.user_id('alpha_doctor')), tests.dashboard_direct(tests.user_id('alpha_doctor')),
  'A''s doctor, own day: equal');
select is(tests.dashboard_rpc(tests.user_id('alpha_doctor')) -> 'today' -> 'total', '2', 'the doctor''s own two');

select tests.act_as('alpha_lab');
select is(tests.dashboard_rpc(), tests.dashboard_direct(), 'A''s lab technician: equal');
select tests.act_as('alpha_pharmacist');
select is(tests.dashboard_rpc(), tests.dashboard_direct(), 'A''s pharmacist: equal');
select tests.act_as('alpha_reception');
select is(tests.dashboard_rpc(), tests.dashboard_direct(), 'A''s receptionist: equal');
select tests.act_as('both');
select is(tests.dashboard_rpc(tests.user_id('both')), tests.dashboard_direct(tests.user_id('both')),
  'a nurse of A (admin of B), active at A: equal');

-- Outsiders ----------------------------------------------------------------------------------------------
select tests.act_as('beta_nurse');
select is(tests.dashboard_rpc(), tests.dashboard_direct(), 'B''s nurse: equal');
select is(
  (select array_agg(x ->> 'total' order by k) from jsonb_each(tests.dashboard_rpc()) e(k, x)),
  array['1', '1', '1', '1'], 'B''s numbers are B''s own');
select ok(
  position(tests.user_id('alpha_doctor')::text in public.dashboard_page(now() - interval '1 year', now() + interval '1 year')::text) = 0
  and position(tests.org_id('alpha')::text in public.dashboard_page(now() - interval '1 year', now() + interval '1 year', tests.user_id('alpha_doctor'))::text) = 0,
  'nothing of A in B''s answer, even when asking for A''s doctor''s day');
select is(tests.dashboard_rpc(tests.user_id('alpha_doctor')) -> 'today',
  '{"rows": [], "total": 0}'::jsonb, 'B''s nurse asking for A''s doctor gets an empty day');

select tests.act_as('nobody');
select is(tests.dashboard_rpc(), tests.dashboard_direct(), 'a signed-in person of no clinic: equal');
select is(
  (select array_agg(x ->> 'total' order by k) from jsonb_each(tests.dashboard_rpc()) e(k, x)),
  array['0', '0', '0', '0'], 'and that is nothing');

select tests.act_as('platform');
select is(tests.dashboard_rpc(), tests.dashboard_direct(), 'a platform admin without a grant: equal (nothing)');
select lives_ok(format($$ select public.start_support_access(%L, 'Ticket 73: the dashboard', 30) $$, tests.org_id('alpha')),
  'a platform admin starts support access to A');
select is(tests.dashboard_rpc(), tests.dashboard_direct(), 'with the grant: equal to what support reads through RLS');

select tests.authenticate_with_claims(jsonb_build_object(
  'sub', tests.user_id('beta_nurse'), 'role', 'authenticated', 'organization_id', tests.org_id('alpha'), 'org_role', 'admin'));
select is(tests.dashboard_rpc(), tests.dashboard_direct(), 'forged claims naming A as admin: equal to RLS (which reads memberships live)');

-- sections: only the parts asked for
select tests.act_as('alpha_admin');
select is(
  (select jsonb_object_agg(k, x = 'null'::jsonb) from jsonb_each(
     public.dashboard_page(now(), now() + interval '1 day', sections => '{patients}')) e(k, x)),
  '{"today": true, "lab_orders": true, "prescriptions": true, "patients": false}'::jsonb,
  'parts not in sections are null');

-- open_chart and active_medications ----------------------------------------------------------------------
select tests.clear_authentication();
create table tests.pts as
select p.family_name || p.given_name as key, p.id from public.patients p
 where p.organization_id in (tests.org_id('alpha'), tests.org_id('beta'));
grant select on tests.pts to anon, authenticated;
create function tests.pt(p_key text) returns uuid language sql stable as $$ select id from tests.pts where key = p_key $$;
grant execute on function tests.pt(text) to anon, authenticated;
-- chart views of a patient, counted as postgres (audit_log is for clinic admins only)
create function tests.views_of(p_patient uuid) returns bigint language sql stable security definer set search_path = '' as $$
  select count(*) from public.audit_log a where a.action = 'view' and a.table_name = 'patients' and a.row_id = p_patient;
$$;
grant execute on function tests.views_of(uuid) to authenticated;
-- current medications through the computed relationship and through the RPC, as the caller
create function tests.meds_equal(p_patient uuid) returns boolean language sql as $$
  select (select array_agg(m.id order by m.id) from public.patients p, public.active_medications(p) m where p.id = p_patient)
         is not distinct from
         (select array_agg(m.id order by m.id) from public.current_medications(p_patient) m);
$$;
grant execute on function tests.meds_equal(uuid) to authenticated;

create table tests.chart_rpcs as select '{"public.open_chart(uuid, boolean)", "public.active_medications(public.patients)"}'::text[] as fns;
select tests.privilege_is('{anon}', 'execute', fns, false, 'anon may call neither open_chart nor active_medications') from tests.chart_rpcs;
select tests.security_invoker(fns, 'both are security invoker') from tests.chart_rpcs;

select tests.act_as('alpha_doctor');
select is((select to_jsonb(o) from public.open_chart(tests.pt('AlphaPat1')) o),
          (select to_jsonb(p) from public.patients p where p.id = tests.pt('AlphaPat1')),
  'A''s doctor opening A''s patient gets the patient row as RLS gives it');
select is(tests.views_of(tests.pt('AlphaPat1')), 1::bigint, 'and the opening is audited in the same call');
select is((select count(*) from public.open_chart(tests.pt('AlphaPat1'), log_view => false)), 1::bigint,
  'a reload of the chart itself (log_view false) gets the row');
select is(tests.views_of(tests.pt('AlphaPat1')), 1::bigint, 'and writes no view row');
select is((select count(*) from public.patients p, public.active_medications(p) m where p.id = tests.pt('AlphaPat1')), 2::bigint,
  'active_medications: the patient''s 2 active prescriptions (not the stopped one)');

select tests.act_as('beta_nurse');
select throws_ok(format($$ select * from public.open_chart(%L) $$, tests.pt('AlphaPat1')), 'PT404', 'Patient not found',
  'B''s nurse opening A''s patient: PT404');
select throws_ok($$ select * from public.open_chart(gen_random_uuid()) $$, 'PT404', 'Patient not found',
  'the same error as for a patient that does not exist');
select is_empty(format($$ select * from public.open_chart(%L, log_view => false) $$, tests.pt('AlphaPat1')),
  'without logging, another clinic''s patient is no row at all');
select tests.act_as('nobody');
select throws_ok($$ select * from public.open_chart(gen_random_uuid()) $$, '42501', null, 'a person of no clinic opens no chart');
select tests.as_anon();
select throws_ok($$ select * from public.open_chart(gen_random_uuid()) $$, '42501', null, 'anon gets permission denied');

select tests.clear_authentication();
create function tests.meds_mismatches() returns setof text language sql as $$
  select * from tests.for_each_persona(
    array['alpha_admin', 'alpha_doctor', 'alpha_lab', 'alpha_pharmacist', 'alpha_reception', 'both', 'beta_nurse', 'beta_admin', 'nobody'],
    $q$ select p from unnest(array['AlphaPat1', 'AlphaPat2', 'BetaPat1']) p where not tests.meds_equal(tests.pt(p)) $q$);
$$;
select is_empty($$ select * from tests.meds_mismatches() $$,
  'for every role, another clinic''s members and a person of no clinic: active_medications equals current_medications');

-- diary_page and diary_appointments ------------------------------------------------------------------------
select tests.clear_authentication();
create table tests.appts as select a.id from public.appointments a
 where a.organization_id in (tests.org_id('alpha'), tests.org_id('beta'));
grant select on tests.appts to anon, authenticated;

create table tests.diary_rpcs as
select '{"public.diary_page(uuid, timestamptz, timestamptz, uuid, uuid, uuid)", "public.diary_appointments(timestamptz, timestamptz, uuid, integer, uuid)"}'::text[] as fns;
select tests.privilege_is('{anon}', 'execute', fns, false, 'anon may call neither diary_page nor diary_appointments') from tests.diary_rpcs;
select tests.security_invoker(fns, 'both are security invoker') from tests.diary_rpcs;

-- per clinic: every part of diary_page against the caller's direct reads (run for every persona below)
create function tests.diary_mismatches_of_caller() returns setof text language plpgsql as $$
declare
  v_org text;
  v_id uuid;
  v_clin uuid;
  d record;
begin
  select * into d from tests.day;
  foreach v_org in array array['alpha', 'beta'] loop
    if (select array_agg((c ->> 'user_id') || ':' || coalesce(c -> 'profiles' ->> 'full_name', '-') order by c ->> 'user_id')
          from jsonb_array_elements(public.diary_page(tests.org_id(v_org)) -> 'clinicians') c)
       is distinct from
       (select array_agg(m.user_id::text || ':' || coalesce(p.full_name, '-') order by m.user_id::text)
          from public.memberships m left join public.profiles p on p.id = m.user_id
         where m.organization_id = tests.org_id(v_org) and m.status = 'active' and m.role in ('doctor', 'nurse')) then
      return next format('clinicians of %s', v_org);
    end if;
    foreach v_clin in array array[null, tests.user_id('alpha_doctor'), tests.user_id('beta_nurse')] loop
      if tests.dashboard_shape(jsonb_build_object('today',
             public.diary_page(tests.org_id(v_org), d.start_at, d.end_at, v_clin) -> 'appointments',
             'lab_orders', null, 'prescriptions', null, 'patients', null)) -> 'today'
         is distinct from tests.dashboard_direct(v_clin) -> 'today' then
        return next format('day at %s of %s', v_org, v_clin);
      end if;
    end loop;
  end loop;
  for v_id in select a.id from tests.appts a loop
    if (public.diary_page(tests.org_id('alpha'), appointment_id => v_id) -> 'appointment' ->> 'id')
       is distinct from (select a.id::text from public.appointments a where a.id = v_id) then
      return next format('appointment %s', v_id);
    end if;
  end loop;
  for v_id in select p.id from tests.pts p loop
    if (public.diary_page(tests.org_id('alpha'), patient_id => v_id) -> 'patient')
       is distinct from coalesce((select jsonb_build_object('id', p.id, 'mrn', p.mrn, 'given_name', p.given_name,
                                                           'family_name', p.family_name, 'date_of_birth', p.date_of_birth)
                                    from public.patients p where p.id = v_id), 'null'::jsonb) then
      return next format('patient %s', v_id);
    end if;
  end loop;
end;
$$;
select is_empty($$ select * from tests.for_each_persona(
    array['alpha_admin', 'alpha_doctor', 'alpha_lab', 'alpha_pharmacist', 'alpha_reception', 'both', 'beta_nurse', 'beta_admin', 'nobody', 'platform'],
    'select * from tests.diary_mismatches_of_caller()') $$,
  'for every role, both clinics'' members, a person of no clinic and support: diary_page''s clinicians, days, appointments and patients equal the direct reads');

select tests.act_as('alpha_reception');
select is(jsonb_array_length(public.diary_page(tests.org_id('alpha')) -> 'clinicians'), 2,
  'A''s receptionist: A''s two clinicians (the doctor and the nurse "both")');
select is(public.diary_page(tests.org_id('alpha'), tests.day_start(), tests.day_end()) -> 'appointments' -> 'total', '3',
  'and A''s three appointments today');
select tests.act_as('beta_nurse');
select is(public.diary_page(tests.org_id('alpha')) -> 'clinicians', '[]'::jsonb, 'B''s nurse asking for A''s clinicians: none');
select is(public.diary_page(tests.org_id('alpha'), appointment_id => (select a.id from public.appointments a limit 1)) -> 'appointment' -> 'clinician' ->> 'full_name',
  'Beta Nurse', 'B''s nurse gets B''s own appointment');
select is(
  public.diary_page(tests.org_id('alpha'), appointment_id => (select id from tests.appts a where a.id not in (select id from public.appointments) limit 1)) -> 'appointment',
  'null'::jsonb, 'and for one of A''s appointments: null, as for one that does not exist');

select * from finish();
rollback;
