-- The diary (appointments): who may do what per role, isolation from other clinics, an outsider's
-- errors equal to those for a clinic that does not exist, the clinician rule, no double booking,
-- status moves, starting a visit from an appointment, the clinic's time zone and its audit.
-- (Concurrent double booking: tests/db/appointments-concurrency.test.ts.)
begin;
\ir ../helpers.psql
select plan(128);

select tests.create_tenancy_fixture();
select tests.add_clinical_staff();

-- In each clinic: a patient and a booked appointment with its doctor tomorrow 09:00-09:30 UTC, and
-- another patient.
select tests.remember(o || '_patient', tests.create_patient(o, 'Pat', initcap(o))),
       tests.remember(o || '_patient2', tests.create_patient(o, 'Other', initcap(o)))
  from unnest(array['alpha', 'beta']) o;
with booked as (
  insert into public.appointments (organization_id, patient_id, clinician_id, starts_at, ends_at, appointment_type)
  select tests.org_id(o), tests.row_id(o || '_patient'), tests.user_id(o || '_doctor'),
         date_trunc('day', now()) + interval '1 day 9 hours', date_trunc('day', now()) + interval '1 day 9 hours 30 minutes', 'Consultation'
    from unnest(array['alpha', 'beta']) o
  returning organization_id, id
)
select tests.remember(o.key || '_appt', b.id) from booked b join tests.orgs o on o.id = b.organization_id;

select tests.add_statements(t.tbl, t.find, t.insert_tail, t.update_set, t.update_find)
  from (values
    ('appointments', $s$id = tests.row_id('%1$s_appt')$s$, $s$(organization_id, patient_id, clinician_id, starts_at, ends_at, appointment_type) values (tests.org_id('%1$s'), tests.row_id('%1$s_patient2'), tests.user_id('%1$s_doctor'), date_trunc('day', now()) + interval '1 day 11 hours', date_trunc('day', now()) + interval '1 day 11 hours 20 minutes', 'Follow-up')$s$, $s$reason = 'Bring results'$s$, null)
  ) t (tbl, find, insert_tail, update_set, update_find);

-- Privileges ------------------------------------------------------------------------------------------
select is_empty(
  $$ select p from unnest(array['select', 'insert', 'update', 'delete', 'truncate', 'references', 'trigger']) p
      where has_table_privilege('anon', 'public.appointments', p) $$,
  'anon holds no privilege on appointments');
select is_empty(
  $$ select p from unnest(array['delete', 'truncate', 'references', 'trigger']) p
      where has_table_privilege('authenticated', 'public.appointments', p) $$,
  'authenticated cannot delete, truncate, reference or trigger appointments (cancel instead)');

-- The matrix (tests.access_matrix): in the own clinic the care team reads, books and changes (A =
-- allowed: select, insert, update, delete); nobody deletes; nobody outside clinic A touches its
-- diary, whatever their role elsewhere, nor the member of both clinics while active in B.
select tests.access_matrix('appointments', array['AAA-', 'AAA-', 'AAA-', 'AAA-', '----', '----']);
select tests.set_active_org('both', 'alpha');
select is(tests.try('both', format(st.sql, 'alpha')), 'allowed', 'active in A (nurse), they book in A')
  from tests.statements st where st.op = 'insert';

-- Live membership: a suspended doctor loses the diary at once (the token still names the clinic).
update public.memberships set status = 'suspended'
 where organization_id = tests.org_id('alpha') and user_id = tests.user_id('alpha_nurse');
select is(tests.try('alpha_nurse', format(st.sql, 'alpha')), 'denied',
          format('a suspended member cannot %s appointments', st.op))
  from tests.statements st where st.op in ('select', 'insert') order by st.op;
update public.memberships set status = 'active'
 where organization_id = tests.org_id('alpha') and user_id = tests.user_id('alpha_nurse');

-- A forged organization_id claim grants nothing.
select tests.authenticate_with_claims(jsonb_build_object(
  'sub', tests.user_id('beta_admin'), 'organization_id', tests.org_id('alpha'), 'org_role', 'admin'));
select is_empty($$ select id from public.appointments $$, 'a forged organization_id claim sees no appointments');
select tests.clear_authentication();

-- An outsider's errors equal those for a clinic (and rows) that do not exist ----------------------------
select is(
  tests.error_of(x.persona, format($s$insert into public.appointments (organization_id, patient_id, clinician_id, starts_at, ends_at, appointment_type)
    values (%L, %L, %L, now() + interval '3 days', now() + interval '3 days 30 minutes', 'X')$s$,
    tests.org_id('alpha'), tests.row_id('alpha_patient'), tests.user_id('alpha_doctor'))),
  tests.error_of(x.persona, format($s$insert into public.appointments (organization_id, patient_id, clinician_id, starts_at, ends_at, appointment_type)
    values (%L, %L, %L, now() + interval '3 days', now() + interval '3 days 30 minutes', 'X')$s$,
    gen_random_uuid(), gen_random_uuid(), gen_random_uuid())),
  format('%s booking into clinic A gets the error of a clinic that does not exist', x.persona))
  from (values ('beta_admin'), ('beta_doctor'), ('nobody'), ('platform')) x (persona);
select is(
  tests.error_of('beta_admin', format($s$insert into public.appointments (organization_id, patient_id, clinician_id, starts_at, ends_at, appointment_type)
    values (%L, %L, %L, now() + interval '3 days', now() + interval '3 days 30 minutes', 'X')$s$,
    tests.org_id('alpha'), tests.row_id('alpha_patient'), tests.user_id('alpha_doctor'))),
  '42501: new row violates row-level security policy for table "appointments"',
  'that error is RLS''s own refusal (nothing about clinicians, patients or clashes)');
select is(
  tests.error_of('beta_admin', format($s$insert into public.appointments (organization_id, patient_id, clinician_id, starts_at, ends_at, appointment_type)
    values (%L, %L, %L, date_trunc('day', now()) + interval '1 day 9 hours', date_trunc('day', now()) + interval '1 day 9 hours 30 minutes', 'X')$s$,
    tests.org_id('alpha'), tests.row_id('alpha_patient2'), tests.user_id('alpha_doctor'))),
  '42501: new row violates row-level security policy for table "appointments"',
  'an outsider booking onto a taken slot of clinic A learns nothing of the clash');
select is(
  tests.error_of('beta_admin', format($s$insert into public.visits (organization_id, patient_id, appointment_id) values (%L, %L, %L)$s$,
    tests.org_id('alpha'), tests.row_id('alpha_patient'), tests.row_id('alpha_appt'))),
  tests.error_of('beta_admin', format($s$insert into public.visits (organization_id, patient_id, appointment_id) values (%L, %L, %L)$s$,
    gen_random_uuid(), gen_random_uuid(), gen_random_uuid())),
  'an outsider starting a visit from clinic A''s appointment gets the error of a clinic that does not exist');

-- Authorization before validation: appointments_00_authorize fires first, so even a member of clinic A
-- whose role the policy does not admit meets RLS's refusal before the clinician check or the clash.
select is(
  (select array_agg(t.tgname::text order by t.tgname) filter (where t.tgtype & 4 = 4 and t.tgtype & 2 = 2)
     from pg_trigger t where t.tgrelid = 'public.appointments'::regclass and not t.tgisinternal)[1],
  'appointments_00_authorize', 'the first BEFORE INSERT trigger on appointments is the authorization');
select is(
  tests.error_of('alpha_lab', format($s$insert into public.appointments (organization_id, patient_id, clinician_id, starts_at, ends_at, appointment_type)
    values (%L, %L, %L, date_trunc('day', now()) + interval '1 day 9 hours', date_trunc('day', now()) + interval '1 day 9 hours 30 minutes', 'X')$s$,
    tests.org_id('alpha'), tests.row_id('alpha_patient2'), tests.user_id('alpha_admin'))),
  '42501: new row violates row-level security policy for table "appointments"',
  'a lab technician of the clinic gets RLS''s refusal, not the clinician rule or the clash');
select is(
  tests.error_of('alpha_reception', format($s$insert into public.appointments (id, patient_id, clinician_id, starts_at, ends_at, appointment_type)
    values (%L, %L, %L, now() + interval '5 days', now() + interval '5 days 30 minutes', 'X')$s$,
    tests.row_id('beta_appt'), tests.row_id('alpha_patient'), tests.user_id('alpha_doctor'))),
  '42501: permission denied for table appointments',
  'clients never choose an appointment''s id (another clinic''s id cannot collide)');

-- The clinician: an active doctor or nurse of the clinic -------------------------------------------------
create or replace function tests.book(p_clinician uuid, p_from interval, p_minutes integer, p_patient uuid default tests.row_id('alpha_patient2'))
returns text language plpgsql as $$
begin
  execute format($s$insert into public.appointments (patient_id, clinician_id, starts_at, ends_at, appointment_type)
    values (%L, %L, %L, %L, 'Consultation')$s$,
    p_patient, p_clinician, date_trunc('day', now()) + p_from,
    date_trunc('day', now()) + p_from + make_interval(mins => p_minutes));
  return 'ok';
exception when others then
  return sqlstate || ': ' || sqlerrm;
end;
$$;
grant execute on function tests.book(uuid, interval, integer, uuid) to authenticated;

select tests.act_as('alpha_reception');
select is(tests.book(tests.user_id(c.clinician), c.starts::interval, c.minutes), c.answer, c.description)
  from (values
    ('alpha_admin', '2 days 9 hours', 30, '23503: appointments: the clinician must be a doctor or nurse of this clinic',
     'an admin is not bookable as the clinician'),
    ('alpha_reception', '2 days 9 hours', 30, '23503: appointments: the clinician must be a doctor or nurse of this clinic',
     'a receptionist (the caller) is not bookable either'),
    ('alpha_nurse', '2 days 9 hours', 30, 'ok', 'a receptionist books the clinic''s nurse')
  ) c (clinician, starts, minutes, answer, description);
select is(tests.book(tests.user_id('beta_nurse'), interval '2 days 9 hours', 30),
  tests.book(gen_random_uuid(), interval '2 days 9 hours', 30),
  'another clinic''s nurse is refused exactly like a person who does not exist');
select is(tests.book(tests.user_id('alpha_doctor'), interval '2 days 9 hours', 30, tests.row_id('beta_patient')),
  tests.book(tests.user_id('alpha_doctor'), interval '2 days 9 hours', 30, gen_random_uuid()),
  'another clinic''s patient is refused exactly like a patient that does not exist');
select matches(tests.book(tests.user_id('alpha_doctor'), interval '2 days 9 hours', 30, tests.row_id('beta_patient')),
  '^23503: .*appointments_patient_fkey', 'the composite reference refuses another clinic''s patient');
select results_eq(
  $$ select created_by, status::text, organization_id from public.appointments
      where clinician_id = tests.user_id('alpha_nurse') $$,
  $$ values (tests.user_id('alpha_reception'), 'booked', tests.org_id('alpha')) $$,
  'the booking is the caller''s, booked, in the active clinic');
select throws_ok($$ insert into public.appointments (patient_id, clinician_id, starts_at, ends_at, appointment_type, status)
  values (tests.row_id('alpha_patient'), tests.user_id('alpha_doctor'), now() + interval '4 days', now() + interval '4 days 10 minutes', 'X', 'arrived') $$,
  '42501', null, 'status is not insertable: a new appointment is booked');
select throws_ok($$ insert into public.appointments (patient_id, clinician_id, starts_at, ends_at, appointment_type)
  values (tests.row_id('alpha_patient'), tests.user_id('alpha_doctor'), now() + interval '4 days', now() + interval '4 days', 'X') $$,
  '23514', null, 'an appointment ends after it starts');

-- No double booking -----------------------------------------------------------------------------------
select is(tests.book(tests.user_id(c.clinician), c.starts::interval, c.minutes), c.answer, c.description)
  from (values
    ('alpha_doctor', '1 day 9 hours 15 minutes', 30, '23P01: conflicting key value violates exclusion constraint "appointments_no_double_booking"',
     'an overlapping appointment of the same clinician is refused'),
    ('alpha_doctor', '1 day 8 hours 45 minutes', 60, '23P01: conflicting key value violates exclusion constraint "appointments_no_double_booking"',
     'one that contains the booked slot is refused too'),
    ('alpha_doctor', '1 day 9 hours 30 minutes', 15, 'ok',
     'back to back is fine (half-open ranges)'),
    ('alpha_nurse', '1 day 9 hours', 30, 'ok',
     'another clinician at the same time is fine')
  ) c (clinician, starts, minutes, answer, description);
select tests.act_as('beta_admin');
select is(tests.book(tests.user_id('beta_nurse'), interval '1 day 9 hours', 30, tests.row_id('beta_patient2')), 'ok',
  'another clinic''s diary is independent');

-- Status moves --------------------------------------------------------------------------------------
select tests.act_as('alpha_reception');
select throws_ok($$ update public.appointments set status = 'in_progress' where id = tests.row_id('alpha_appt') $$,
  '23514', 'appointments: status cannot change from booked to in_progress', 'the API cannot set in_progress (the visit does)');
select results_eq($$ update public.appointments set status = 'arrived' where id = tests.row_id('alpha_appt') returning status::text, arrived_at is not null $$,
  $$ values ('arrived', true) $$, 'arrived, with the time of arrival');
select throws_ok($$ update public.appointments set starts_at = starts_at + interval '1 hour', ends_at = ends_at + interval '1 hour' where id = tests.row_id('alpha_appt') $$,
  '23514', 'appointments: only a booked appointment can be moved', 'an arrived patient''s appointment is not moved');
select results_eq($$ update public.appointments set status = 'booked' where id = tests.row_id('alpha_appt') returning status::text, arrived_at is null $$,
  $$ values ('booked', true) $$, 'arrival undone');
select lives_ok($$ update public.appointments set starts_at = starts_at + interval '3 hours', ends_at = ends_at + interval '3 hours' where id = tests.row_id('alpha_appt') $$,
  'a booked appointment moves');
select lives_ok($$ update public.appointments set starts_at = starts_at - interval '3 hours', ends_at = ends_at - interval '3 hours' where id = tests.row_id('alpha_appt') $$,
  'and back');
select throws_ok($$ update public.appointments set clinician_id = tests.user_id('alpha_admin') where id = tests.row_id('alpha_appt') $$,
  '23503', 'appointments: the clinician must be a doctor or nurse of this clinic', 'moving to a non-clinician is refused');
select throws_ok($$ update public.appointments set status = 'cancelled' where id = tests.row_id('alpha_appt') $$,
  '23514', 'appointments: a cancel reason is required', 'cancelling needs a reason');
select throws_ok($$ update public.appointments set reason = 'x', cancel_reason = 'y' where id = tests.row_id('alpha_appt') $$,
  '23514', 'appointments: only a cancelled appointment has a cancel reason', 'only a cancelled appointment has a cancel reason');
select throws_ok($$ update public.appointments set patient_id = tests.row_id('alpha_patient2') where id = tests.row_id('alpha_appt') $$,
  '42501', null, 'the patient never changes');
select throws_ok($$ update public.appointments set organization_id = tests.org_id('beta') where id = tests.row_id('alpha_appt') $$,
  '42501', null, 'an appointment never moves to another clinic');

-- cancelled and no-show free the slot; both are final
select lives_ok($$ update public.appointments set status = 'no_show' where clinician_id = tests.user_id('alpha_nurse') and starts_at = date_trunc('day', now()) + interval '2 days 9 hours' $$,
  'a no-show is recorded');
select is(tests.book(tests.user_id('alpha_nurse'), interval '2 days 9 hours', 30), 'ok', 'a no-show frees the slot');
select throws_ok($$ update public.appointments set status = 'booked' where status = 'no_show' $$,
  '23514', 'appointments: a no-show appointment cannot be changed', 'a no-show is final');
select lives_ok($$ update public.appointments set status = 'cancelled', cancel_reason = 'Patient unwell' where clinician_id = tests.user_id('alpha_nurse') and starts_at = date_trunc('day', now()) + interval '1 day 9 hours' $$,
  'cancelled with a reason');
select is(tests.book(tests.user_id('alpha_nurse'), interval '1 day 9 hours', 30), 'ok', 'a cancelled appointment frees the slot');
select throws_ok($$ update public.appointments set status = 'arrived' where status = 'cancelled' $$,
  '23514', 'appointments: a cancelled appointment cannot be changed', 'a cancelled appointment is final');

-- From appointment to visit ---------------------------------------------------------------------------
select tests.act_as('alpha_reception');
select throws_ok($$ select public.create_visit(tests.row_id('alpha_patient2'), null, '', appointment_id => tests.row_id('alpha_appt')) $$,
  '23514', 'visits: the appointment is for another patient', 'a visit starts only for the appointment''s patient');
select lives_ok($$ select public.create_visit(tests.row_id('alpha_patient'), now(), '', appointment_id => tests.row_id('alpha_appt')) $$,
  'the receptionist starts the visit of the appointment');
select results_eq(
  $$ select v.clinician_id, v.appointment_id, v.status::text, v.scheduled_at = a.starts_at, v.reason, v.started_at is not null, v.created_by
       from public.visits v join public.appointments a on a.id = v.appointment_id
      where v.appointment_id = tests.row_id('alpha_appt') $$,
  $$ values (tests.user_id('alpha_doctor'), tests.row_id('alpha_appt'), 'in_progress', true, 'Consultation', true, tests.user_id('alpha_reception')) $$,
  'the visit records the appointment, its clinician (never the clicker) and time, and is in progress');
select is((select status::text from public.appointments where id = tests.row_id('alpha_appt')), 'in_progress',
  'the appointment is in progress with its visit');
select throws_ok($$ select public.create_visit(tests.row_id('alpha_patient'), now(), '', appointment_id => tests.row_id('alpha_appt')) $$,
  '23514', 'visits: a visit cannot start from a in-progress appointment', 'one visit per appointment');
select throws_ok($$ update public.appointments set status = 'completed' where id = tests.row_id('alpha_appt') $$,
  '23514', null, 'the API cannot complete an appointment (the visit does)');
select tests.act_as('alpha_doctor');
select lives_ok($$ update public.visits set status = 'completed' where appointment_id = tests.row_id('alpha_appt') $$,
  'the doctor completes the visit');
select is((select status::text from public.appointments where id = tests.row_id('alpha_appt')), 'completed',
  'the appointment is completed with its visit');
select throws_ok($$ update public.appointments set status = 'cancelled', cancel_reason = 'x' where id = tests.row_id('alpha_appt') $$,
  '23514', 'appointments: a completed appointment cannot be changed', 'a completed appointment is final');

-- create_visit's clinician: the chosen one, else the caller if a clinician, else nobody
select tests.clear_authentication();
create or replace function tests.new_visit_clinician(p_clinician uuid default null)
returns uuid language plpgsql as $$
declare
  v_id uuid := public.create_visit(tests.row_id('alpha_patient2'), now(), 'walk-in', clinician_id => p_clinician);
begin
  return (select v.clinician_id from public.visits v where v.id = v_id);
end;
$$;
grant execute on function tests.new_visit_clinician(uuid) to authenticated;
select tests.act_as('alpha_reception');
select is(tests.new_visit_clinician(), null::uuid, 'a visit booked by a receptionist has no clinician (not the receptionist)');
select is(tests.new_visit_clinician(tests.user_id('alpha_nurse')), tests.user_id('alpha_nurse'),
  'a receptionist chooses the clinician');
select tests.act_as('alpha_doctor');
select is(tests.new_visit_clinician(), tests.user_id('alpha_doctor'), 'a doctor''s own visit is theirs');

-- Audit: every write of an appointment is in the clinic's trail
select tests.clear_authentication();
select ok((select count(*) from public.audit_log where table_name = 'appointments' and row_id = tests.row_id('alpha_appt') and action = 'update') >= 4,
  'appointment changes are audited');
select is((select actor_id from public.audit_log where table_name = 'appointments' and action = 'insert'
            and organization_id = tests.org_id('alpha') and (changes -> 'new' ->> 'clinician_id')::uuid = tests.user_id('alpha_nurse')
          order by id limit 1),
  tests.user_id('alpha_reception'), 'the booking is audited under the receptionist');

-- Support session: reads the diary, writes nothing
select tests.act_as('platform');
select lives_ok(format($$ select public.start_support_access(%L, 'looking into a diary ticket', 30) $$, tests.org_id('alpha')),
  'a platform admin starts support access to clinic A');
select isnt_empty($$ select 1 from public.appointments where id = tests.row_id('alpha_appt') $$, 'a support session reads the diary');
select is(tests.try('platform', format(st.sql, 'alpha')), 'denied', format('a support session cannot %s appointments', st.op))
  from tests.statements st where st.op in ('insert', 'update') order by st.op;

-- The clinic's time zone -----------------------------------------------------------------------------------
select tests.clear_authentication();
select is((select time_zone from public.organizations where id = tests.org_id('alpha')), 'UTC', 'a clinic''s time zone defaults to UTC');
select throws_ok($$ insert into public.organizations (slug, name, time_zone) values ('tests-gamma', 'Gamma', 'Mars/Olympus_Mons') $$,
  '23514', null, 'an unknown zone is refused');
select throws_ok($$ insert into public.organizations (slug, name, time_zone) values ('tests-gamma', 'Gamma', 'EST5EDT') $$,
  '23514', null, 'a POSIX zone string is refused (IANA names only)');
select throws_ok($$ insert into public.organizations (slug, name, time_zone) values ('tests-gamma', 'Gamma', 'AEST') $$,
  '23514', null, 'an abbreviation is refused (it does not follow daylight saving time)');
select tests.act_as('alpha_admin');
select is(tests.rows_affected($$ update public.organizations set time_zone = 'America/Argentina/Buenos_Aires' where id = tests.org_id('alpha') $$), 1,
  'the clinic admin sets the time zone');
select throws_ok($$ update public.organizations set time_zone = 'Nowhere/Special' where id = tests.org_id('alpha') $$,
  '23514', null, 'the admin cannot set an unknown zone');
select tests.act_as('alpha_doctor');
select is(tests.rows_affected($$ update public.organizations set time_zone = 'Europe/Paris' where id = tests.org_id('alpha') $$), 0,
  'a doctor cannot change it');
select tests.act_as('beta_admin');
select is(tests.rows_affected($$ update public.organizations set time_zone = 'Europe/Paris' where id = tests.org_id('alpha') $$), 0,
  'another clinic''s admin cannot change it');
select tests.clear_authentication();
select results_eq(
  $$ select actor_id, action::text, table_name, row_id, changes from public.audit_log
      where organization_id = tests.org_id('alpha') and table_name = 'organizations' $$,
  $$ values (tests.user_id('alpha_admin'), 'update', 'organizations', tests.org_id('alpha'),
             '{"old": {"time_zone": "UTC"}, "new": {"time_zone": "America/Argentina/Buenos_Aires"}}'::jsonb) $$,
  'the change is in the clinic''s audit trail (who, old and new zone)');
select is((select time_zone from public.organizations where id = tests.org_id('alpha')), 'America/Argentina/Buenos_Aires',
  'and the zone is stored');

select * from finish();

rollback;
