-- No validation before authorization (private.authorize_row_write): an outsider's answer for a real
-- clinic equals the answer for a clinic that does not exist, whatever the payload trips in the real
-- clinic (custom fields, limits, seats, staff e-mails, counters). Those allowed to write still get
-- the specific messages. tests/api/outsider-answers.test.ts checks the same through the Data API for
-- every writable table and RPC, enumerated from the catalog.
begin;
\ir ../helpers.psql

select plan(33);
select tests.create_tenancy_fixture();

-- Clinic A (alpha) at its limits, with every kind of custom field -------------------------------------
insert into public.plans (id, name, seat_limit, patient_limit) values ('tests_tiny', 'Tiny', 4, 1);
update public.organizations set plan_id = 'tests_tiny' where id = tests.org_id('alpha');
insert into public.patient_field_definitions (organization_id, key, label, field_type, options, required, format_kind, format_mask, unique_within_clinic)
values (tests.org_id('alpha'), 'blood_type', 'Blood type', 'select', array['A+', 'O-'], true, 'any', null, false),
       (tests.org_id('alpha'), 'insurance_no', 'Insurance number', 'text', null, false, 'mask', 'INS-9999', true);
insert into public.patients (organization_id, mrn, given_name, family_name, custom_fields)
values (tests.org_id('alpha'), 'MRN-000001', 'Ada', 'Alpha', '{"blood_type": "A+", "insurance_no": "INS-0001"}');
insert into public.invitations (organization_id, email, role) values (tests.org_id('alpha'), 'pending@tests.local', 'nurse');
insert into public.visits (organization_id, patient_id, clinician_id, reason)
select tests.org_id('alpha'), p.id, tests.user_id('alpha_doctor'), 'check-up' from public.patients p where p.family_name = 'Alpha';
insert into public.visit_notes (organization_id, visit_id, notes)
select tests.org_id('alpha'), v.id, 'seen' from public.visits v where v.organization_id = tests.org_id('alpha');

create table tests.ids (name text primary key, id uuid not null);
insert into tests.ids
select 'alpha_patient', id from public.patients where family_name = 'Alpha'
union all select 'alpha_visit', id from public.visits where organization_id = tests.org_id('alpha')
union all select 'nowhere', gen_random_uuid();
grant select on tests.ids to authenticated;

create function tests.id(name text) returns uuid language sql stable as $$
  select i.id from tests.ids i where i.name = id.name;
$$;
grant execute on function tests.id(text) to authenticated;

-- What a statement answers: 'ok', or "sqlstate | message | detail | hint" with the literals the
-- caller sent replaced. The statement's effects are always undone.
create function tests.answer(statement text, sent text[] default '{}')
returns text
language plpgsql
as $$
declare
  v_state text;
  v_message text;
  v_detail text;
  v_hint text;
  v_out text;
  v_literal text;
begin
  begin
    execute statement;
    raise exception 'undo' using errcode = 'TSTOK';
  exception
    when sqlstate 'TSTOK' then
      return 'ok';
    when others then
      get stacked diagnostics v_state = returned_sqlstate, v_message = message_text,
                              v_detail = pg_exception_detail, v_hint = pg_exception_hint;
  end;
  v_out := concat_ws(' | ', v_state, v_message, coalesce(v_detail, ''), coalesce(v_hint, ''));
  foreach v_literal in array sent loop
    v_out := replace(v_out, v_literal, '<sent>');
  end loop;
  return v_out;
end;
$$;
grant execute on function tests.answer(text, text[]) to authenticated;

-- the same statement aimed at clinic A and at a clinic that does not exist
create function tests.same_for_a_and_nowhere(template text, description text)
returns text
language plpgsql
as $$
declare
  v_a text := tests.answer(format(template, tests.org_id('alpha')), array[tests.org_id('alpha')::text]);
  v_nowhere text := tests.answer(format(template, tests.id('nowhere')), array[tests.id('nowhere')::text]);
begin
  return is(v_a, v_nowhere, description || ' (answer: ' || v_nowhere || ')');
end;
$$;
grant execute on function tests.same_for_a_and_nowhere(text, text) to authenticated;

create function tests.rls_refusal(tbl text) returns text language sql immutable as $$
  select '42501 | new row violates row-level security policy for table "' || tbl || '" |  | ';
$$;
grant execute on function tests.rls_refusal(text) to authenticated;

-- An outsider: clinic B's admin ---------------------------------------------------------------------
select tests.act_as('beta_admin');

select tests.same_for_a_and_nowhere(
  $$ insert into public.patients (organization_id, given_name, family_name, custom_fields) values (%L, 'X', 'Y', '{"blood_type": "B+"}') $$,
  'a select option outside clinic A''s list: no options in the hint');
select tests.same_for_a_and_nowhere(
  $$ insert into public.patients (organization_id, given_name, family_name, custom_fields) values (%L, 'X', 'Y', '{"blood_type": "A+", "insurance_no": "nope"}') $$,
  'a value not matching clinic A''s format: no label or example');
select tests.same_for_a_and_nowhere(
  $$ insert into public.patients (organization_id, given_name, family_name) values (%L, 'X', 'Y') $$,
  'a missing required field of clinic A, and its patient limit: nothing about either');
select tests.same_for_a_and_nowhere(
  $$ insert into public.patients (organization_id, given_name, family_name, custom_fields) values (%L, 'X', 'Y', '{"shoe_size": 9}') $$,
  'an unknown key: not told whether clinic A has it');
select tests.same_for_a_and_nowhere(
  $$ insert into public.patients (organization_id, given_name, family_name, custom_fields) values (%L, 'X', 'Y', '{"blood_type": "A+", "insurance_no": "INS-0001"}') $$,
  'a value clinic A already uses in a unique field');
select is(
  tests.answer(format($$ insert into public.patients (organization_id, given_name, family_name) values (%L, 'X', 'Y') $$, tests.id('nowhere'))),
  tests.rls_refusal('patients'),
  'a patient for a clinic that does not exist fails like RLS, not on the counters'' foreign key'
);
select tests.same_for_a_and_nowhere(
  $$ insert into public.patient_field_definitions (organization_id, key, label, required) values (%L, 'allergies', 'Allergies', true) $$,
  'a required field in clinic A: no count of its patients');
select tests.same_for_a_and_nowhere(
  $$ insert into public.patient_field_definitions (organization_id, key, label, field_type, format_kind, format_mask) values (%L, 'insurance_no', 'Insurance', 'text', 'mask', 'Z9') $$,
  'a format or a taken key in clinic A');
select tests.same_for_a_and_nowhere(
  $$ insert into public.patient_field_definitions (organization_id, key, label, field_type, format_kind, format_mask) values (%L, 'bad', 'Bad', 'text', 'mask', 'no placeholder') $$,
  'an unusable mask is refused by authorization first, too');
select tests.same_for_a_and_nowhere(
  $$ insert into public.patient_field_definitions (organization_id, key, label, field_type, format_kind) values (%L, 'bad', 'Bad', 'number', 'digits') $$,
  'a format on a field that is not text: authorization first, too');
select tests.same_for_a_and_nowhere(
  $$ insert into public.invitations (organization_id, email, role) values (%L, 'alpha_doctor@tests.local', 'nurse') $$,
  'the e-mail of someone who works at clinic A: not a staff directory');
select tests.same_for_a_and_nowhere(
  $$ insert into public.invitations (organization_id, email, role) values (%L, 'pending@tests.local', 'nurse') $$,
  'an e-mail clinic A already invited: not an invitation oracle');
select tests.same_for_a_and_nowhere(
  $$ insert into public.invitations (organization_id, email, role) values (%L, 'someone-new@tests.local', 'nurse') $$,
  'a new e-mail while clinic A''s seats are full: no seat counts');
select tests.same_for_a_and_nowhere(
  $$ insert into public.visits (organization_id, patient_id, clinician_id, reason) values (%L, gen_random_uuid(), tests.user_id('alpha_doctor'), 'x') $$,
  'a visit with clinic A''s doctor as clinician: not told who works there');
select tests.same_for_a_and_nowhere(
  $$ insert into public.visit_notes (organization_id, visit_id, vitals) values (%L, gen_random_uuid(), '{"spo2": 500}') $$,
  'visit notes with out-of-range vitals');
select tests.same_for_a_and_nowhere(
  $$ insert into public.lab_orders (organization_id, patient_id, test_code, test_name, status) values (%L, gen_random_uuid(), 'CBC', 'Blood count', 'resulted') $$,
  'a lab order in a state no order starts in');
select tests.same_for_a_and_nowhere(
  $$ insert into public.prescriptions (organization_id, patient_id, medication, dose, frequency, quantity, status) values (%L, gen_random_uuid(), 'X', '1', 'daily', '1', 'stopped') $$,
  'a prescription in a state no prescription starts in');
select is(
  tests.answer(format($$ insert into public.invitations (organization_id, email, role) values (%L, 'pending@tests.local', 'nurse') $$, tests.org_id('alpha'))),
  tests.rls_refusal('invitations'),
  'and what clinic A answers is RLS''s own refusal'
);

-- nothing was booked for clinic A on the outsider's behalf
select tests.clear_authentication();
select is(
  (select value from private.organization_counters where organization_id = tests.org_id('alpha') and counter = 'active_patients'),
  1::bigint, 'clinic A''s active-patient counter was not touched by refused inserts'
);
select is(
  (select status::text from public.invitations where email = 'pending@tests.local'),
  'pending', 'clinic A''s invitations were not touched'
);

-- Record identifiers of clinic A in the outsider's own clinic ------------------------------------------------
select tests.act_as('beta_nurse');
select is(
  tests.answer(format($$ insert into public.visit_notes (visit_id, notes) values (%L, 'x') $$, tests.id('alpha_visit')), array[tests.id('alpha_visit')::text, tests.org_id('beta')::text]),
  tests.answer(format($$ insert into public.visit_notes (visit_id, notes) values (%L, 'x') $$, tests.id('nowhere')), array[tests.id('nowhere')::text, tests.org_id('beta')::text]),
  'notes for clinic A''s visit (which has notes) answer like notes for no visit: notes are keyed within the clinic'
);
select is(
  tests.answer(format($$ select public.log_chart_view(%L) $$, tests.id('alpha_patient')), array[tests.id('alpha_patient')::text]),
  tests.answer(format($$ select public.log_chart_view(%L) $$, tests.id('nowhere')), array[tests.id('nowhere')::text]),
  'opening clinic A''s patient answers like opening no patient'
);
select is(
  tests.answer(format($$ select public.log_chart_view(%L) $$, tests.id('nowhere'))),
  'PT404 | Patient not found |  | ', 'and that answer is a 404 (PT404), never a 500'
);
select throws_ok(
  $$ insert into public.patients (id, given_name, family_name) values (gen_random_uuid(), 'X', 'Y') $$,
  '42501', 'permission denied for table patients', 'nobody chooses a row''s id (so nobody collides with another clinic''s)'
);
select is(
  tests.answer(format($$ select public.switch_organization(%L) $$, tests.org_id('alpha')), array[tests.org_id('alpha')::text]),
  tests.answer(format($$ select public.switch_organization(%L) $$, tests.id('nowhere')), array[tests.id('nowhere')::text]),
  'switching to clinic A answers like switching to no clinic'
);

-- Inside clinic A: the table's own rule, not just membership --------------------------------------------------
select tests.act_as('alpha_doctor');
select is(
  tests.answer($$ insert into public.patient_field_definitions (key, label, required) values ('allergies', 'Allergies', true) $$),
  tests.rls_refusal('patient_field_definitions'),
  'a doctor of clinic A (not an admin) gets the refusal, not the count of patients'
);
select is(
  tests.answer($$ insert into public.invitations (organization_id, email, role) values (tests.org_id('alpha'), 'pending@tests.local', 'nurse') $$),
  tests.rls_refusal('invitations'),
  'a doctor of clinic A does not learn who is invited'
);

-- Those the policy admits still get every specific message ------------------------------------------------------
select tests.act_as('alpha_admin');
select throws_ok(
  $$ insert into public.patient_field_definitions (key, label, format_kind, format_mask) values ('allergies', 'Allergies', 'mask', 'no placeholder') $$,
  '23514', null,
  'clinic A''s admin is told what is wrong with the definition'
);
select throws_ok(
  $$ insert into public.invitations (organization_id, email, role) values (tests.org_id('alpha'), 'pending@tests.local', 'nurse') $$,
  '23505', 'pending@tests.local already has a pending invitation', 'clinic A''s admin is told about the pending invitation'
);
select throws_ok(
  $$ update public.patients set custom_fields = '{"blood_type": "B+"}' where family_name = 'Alpha' $$,
  '23514', 'custom field "blood_type": must be one of the listed options', 'clinic A''s staff are told the options'
);
select throws_ok(
  $$ insert into public.patients (given_name, family_name, custom_fields) values ('X', 'Y', '{"blood_type": "A+"}') $$,
  '23514', 'The Tiny plan allows 1 active patients; archive a patient or change the plan first',
  'clinic A''s staff are told about the plan limit'
);

-- The service role and definer code are not API callers: they pass to the checks ---------------------------------
select tests.clear_authentication();
grant usage on schema tests to service_role;
grant execute on all functions in schema tests to service_role;
grant select on all tables in schema tests to service_role;
set local role service_role;
select throws_ok(
  format($$ insert into public.patients (organization_id, given_name, family_name, custom_fields) values (%L, 'X', 'Y', '{"blood_type": "B+"}') $$, tests.org_id('alpha')),
  '23514', 'The Tiny plan allows 1 active patients; archive a patient or change the plan first',
  'the service role reaches the checks'
);
reset role;
select throws_ok(
  format($$ insert into public.patients (organization_id, given_name, family_name) values (%L, 'X', 'Y') $$, tests.id('nowhere')),
  '23503', null, 'the table owner (migrations, seed) gets the real foreign-key error'
);

select * from finish();

rollback;
