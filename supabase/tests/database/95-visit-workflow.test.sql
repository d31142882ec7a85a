-- public.create_visit (migration 20261124200200_create_clinical_records.sql): a visit and its
-- notes/vitals in one statement, as the caller, all or nothing; and the visit status rule with its
-- required cancel reason (guard_visit); lab order cancellation (ordered/collected only, reason
-- required).
begin;
\ir ../helpers.psql

select plan(34);

select tests.create_tenancy_fixture();
select tests.add_clinical_staff();

create temporary table ids (alpha_patient uuid, beta_patient uuid);
insert into public.patients (organization_id, given_name, family_name, date_of_birth)
values (tests.org_id('alpha'), 'Ann', 'Alpha', '1980-01-01'), (tests.org_id('beta'), 'Bob', 'Beta', '1970-01-01');
insert into ids
select (select id from public.patients where organization_id = tests.org_id('alpha') and family_name = 'Alpha'),
       (select id from public.patients where organization_id = tests.org_id('beta') and family_name = 'Beta');
grant select on ids to authenticated;

-- Owner-side counts (the caller's RLS must not hide what was left behind).
create or replace function pg_temp.visit_count(p_patient uuid) returns bigint language sql as $$
  select count(*) from public.visits where patient_id = p_patient
$$;
create or replace function pg_temp.note_count(p_patient uuid) returns bigint language sql as $$
  select count(*) from public.visit_notes n join public.visits v on v.id = n.visit_id where v.patient_id = p_patient
$$;

-- Privileges -----------------------------------------------------------------------------------------
select ok(not has_function_privilege('anon', 'public.create_visit(uuid, timestamptz, text, text, jsonb, uuid, uuid)', 'execute'),
  'anon may not call create_visit');
select ok(has_function_privilege('authenticated', 'public.create_visit(uuid, timestamptz, text, text, jsonb, uuid, uuid)', 'execute'),
  'authenticated may call create_visit');
select is((select prosecdef from pg_proc where oid = 'public.create_visit(uuid, timestamptz, text, text, jsonb, uuid, uuid)'::regprocedure),
  false, 'create_visit runs as the caller (security invoker)');

-- Receptionist: visits yes, notes never; with notes nothing is left behind ----------------------------
select tests.act_as('alpha_reception');
select throws_ok($$ select public.create_visit((select alpha_patient from ids), now(), 'check-up', 'feels fine', null) $$,
  '42501', null, 'a receptionist booking a visit with notes is refused');
select throws_ok($$ select public.create_visit((select alpha_patient from ids), now(), 'check-up', null, '{"heart_rate": 80}') $$,
  '42501', null, 'a receptionist booking a visit with vitals is refused');
select tests.clear_authentication();
select is(pg_temp.visit_count((select alpha_patient from ids)), 0::bigint,
  'the refused calls left no visit behind');
select tests.act_as('alpha_reception');
select isnt(public.create_visit((select alpha_patient from ids), now(), 'booking only'), null,
  'a receptionist books a visit without notes');
select tests.clear_authentication();
select is(pg_temp.visit_count((select alpha_patient from ids)), 1::bigint, 'the booking is there');
select is(pg_temp.note_count((select alpha_patient from ids)), 0::bigint, 'with no notes row');

-- Doctor: visit, notes and vitals together ------------------------------------------------------------
select tests.act_as('alpha_doctor');
create temporary table made as
select public.create_visit((select alpha_patient from ids), now(), 'cough', 'Viral URTI',
  '{"heart_rate": 88, "temperature_c": 37.8}') as id;
grant select on made to authenticated;
select results_eq(
  $$ select v.reason, v.status::text, v.clinician_id, n.notes, (n.vitals ->> 'heart_rate')::int, n.author_id
       from public.visits v join public.visit_notes n on n.visit_id = v.id where v.id = (select id from made) $$,
  $$ values ('cough', 'scheduled', tests.user_id('alpha_doctor'), 'Viral URTI', 88, tests.user_id('alpha_doctor')) $$,
  'a doctor books a visit with notes and vitals (clinician and author = caller)');

-- Out-of-range vitals roll the visit back -----------------------------------------------------------------
select throws_ok($$ select public.create_visit((select alpha_patient from ids), now(), 'fever', 'hot', '{"temperature_c": 50}') $$,
  '23514', 'vitals "temperature_c": 50 is outside the plausible range 30 to 45', 'out-of-range vitals are refused');
select throws_ok($$ select public.create_visit((select alpha_patient from ids), now(), repeat('x', 501)) $$,
  '23514', null, 'an over-long reason is refused');
select tests.clear_authentication();
select is(pg_temp.visit_count((select alpha_patient from ids)), 2::bigint,
  'refused vitals left no visit behind (only the booking and the doctor''s visit)');

-- Another clinic's patient, no clinic, anon ---------------------------------------------------------------
select tests.act_as('alpha_doctor');
select throws_ok($$ select public.create_visit((select beta_patient from ids), now(), 'x', 'notes', null) $$,
  '23503', null, 'another clinic''s patient is refused');
select tests.clear_authentication();
select is(pg_temp.visit_count((select beta_patient from ids)), 0::bigint, 'and nothing was written for it');
select tests.act_as('nobody');
select throws_ok($$ select public.create_visit((select alpha_patient from ids), now(), 'x') $$,
  '42501', null, 'a signed-in user with no clinic is refused');
select tests.as_anon();
select throws_ok($$ select public.create_visit((select alpha_patient from ids), now(), 'x') $$,
  '42501', null, 'anon may not call it');

-- Visit status rule -------------------------------------------------------------------------------------
select tests.act_as('alpha_nurse');
select results_eq($$ update public.visits set status = 'in_progress' where id = (select id from made) returning status::text, started_at is not null, ended_at is null $$,
  $$ values ('in_progress', true, true) $$, 'start: scheduled → in_progress sets started_at');
select throws_ok($$ update public.visits set status = 'scheduled' where id = (select id from made) $$,
  '23514', 'visits: status cannot change from in_progress to scheduled', 'in_progress does not go back');
select results_eq($$ update public.visits set status = 'completed' where id = (select id from made) returning status::text, ended_at is not null $$,
  $$ values ('completed', true) $$, 'complete: in_progress → completed sets ended_at');
select throws_ok($$ update public.visits set status = 'cancelled', cancel_reason = 'x' where id = (select id from made) $$,
  '23514', 'visits: status cannot change from completed to cancelled', 'completed is final');
select throws_ok($$ update public.visits set status = 'in_progress' where id = (select id from made) $$,
  '23514', 'visits: status cannot change from completed to in_progress', 'completed cannot restart');

select tests.act_as('alpha_reception');
create temporary table booked as select public.create_visit((select alpha_patient from ids), now() + interval '1 day', 'follow-up') as id;
grant select on booked to authenticated;
select throws_ok($$ update public.visits set status = 'cancelled' where id = (select id from booked) $$,
  '23514', 'visits: a cancel reason is required', 'cancelling needs a reason');
select throws_ok($$ update public.visits set status = 'cancelled', cancel_reason = '   ' where id = (select id from booked) $$,
  '23514', 'visits: a cancel reason is required', 'a blank reason is no reason');
select throws_ok($$ update public.visits set cancel_reason = 'why' where id = (select id from booked) $$,
  '23514', 'visits: only a cancelled visit has a cancel reason', 'a reason without cancelling is refused');
select results_eq($$ update public.visits set status = 'cancelled', cancel_reason = 'patient called' where id = (select id from booked) returning status::text, cancel_reason $$,
  $$ values ('cancelled', 'patient called') $$, 'a receptionist cancels a booked visit with a reason');
select throws_ok($$ update public.visits set status = 'in_progress', cancel_reason = null where id = (select id from booked) $$,
  '23514', 'visits: status cannot change from cancelled to in_progress', 'cancelled is final');

select tests.act_as('alpha_lab');
select is(tests.rows_affected($$ update public.visits set status = 'in_progress' where patient_id = (select alpha_patient from ids) $$),
  0, 'a lab technician cannot change visits (RLS)');
select tests.act_as('beta_admin');
select is(tests.rows_affected($$ update public.visits set status = 'cancelled', cancel_reason = 'x' where patient_id = (select alpha_patient from ids) $$),
  0, 'another clinic cannot change the visits');

-- Lab order cancellation ----------------------------------------------------------------------------------
select tests.act_as('alpha_doctor');
create temporary table lab as
with x as (insert into public.lab_orders (patient_id, test_code, test_name) select alpha_patient, 'CBC', 'Full blood count' from ids returning id)
select id from x;
grant select on lab to authenticated;
select throws_ok($$ update public.lab_orders set status = 'cancelled' where id = (select id from lab) $$,
  '23514', 'lab_orders: a cancel reason is required', 'a lab order is not cancelled without a reason');
select tests.act_as('alpha_reception');
select is(tests.rows_affected($$ update public.lab_orders set status = 'cancelled', cancel_reason = 'x' where id = (select id from lab) $$),
  0, 'a receptionist cannot cancel lab orders (RLS)');
select tests.act_as('alpha_nurse');
select results_eq($$ update public.lab_orders set status = 'collected' where id = (select id from lab) returning status::text $$,
  $$ values ('collected') $$, 'the sample is collected');
select results_eq($$ update public.lab_orders set status = 'cancelled', cancel_reason = 'haemolysed' where id = (select id from lab) returning status::text, cancel_reason $$,
  $$ values ('cancelled', 'haemolysed') $$, 'a collected order is cancelled with a reason');
select throws_ok($$ update public.lab_orders set status = 'collected', cancel_reason = null where id = (select id from lab) $$,
  '23514', 'lab_orders: a cancelled order cannot be changed', 'a cancelled order is final');

select * from finish();

rollback;
