-- public.audit_trail: the clinic's trail for its admins in one call, with names that come only
-- from the clinic's own data (its members' profiles, its patients, its field labels, and the
-- platform admin's name as the clinic's trail recorded it when support access was granted);
-- filters by patient (its records included), person, action and time; refused to everyone but the
-- clinic's admins; another clinic's patient is "not found", exactly like one that does not exist.
begin;
\ir ../helpers.psql

select plan(29);
select tests.create_tenancy_fixture();

create table tests.ids (key text primary key, id uuid not null);
grant select, insert on tests.ids to authenticated;
create table tests.answers (key text primary key, answer jsonb not null);
grant select, insert on tests.answers to authenticated;
create function tests.entry(p_answer text, p_path jsonpath) returns jsonb language sql stable as $$
  select jsonb_path_query_first(a.answer, p_path) from tests.answers a where a.key = p_answer;
$$;
grant execute on function tests.entry(text, jsonpath) to authenticated;

-- what happens at clinic A
select tests.act_as('alpha_admin');
insert into public.patient_field_definitions (key, label) values ('blood_type', 'Blood type');
select tests.act_as('alpha_doctor');
insert into public.patients (given_name, family_name, custom_fields)
values ('Eleanor', 'Whitfield', '{"blood_type": "A+"}');
insert into tests.ids select 'patient', id from public.patients where family_name = 'Whitfield';
update public.patients set phone = '+44 20 7946 0001', custom_fields = '{"blood_type": "B+"}'
 where family_name = 'Whitfield';
select public.log_chart_view((select id from tests.ids where key = 'patient')) is not null as viewed;
insert into public.visits (patient_id, reason) select id, 'Review' from tests.ids where key = 'patient';
insert into tests.ids select 'visit', id from public.visits where reason = 'Review';
insert into public.lab_orders (patient_id, test_code, test_name)
  select id, 'CBC', 'Full blood count' from tests.ids where key = 'patient';
update public.visits set status = 'in_progress', started_at = now() where reason = 'Review';
insert into public.patients (given_name, family_name) values ('Other', 'Person');

-- a platform admin opens support access and a chart, then is renamed: the trail keeps the name
-- they had when the access was granted
select tests.act_as('platform');
select public.start_support_access(tests.org_id('alpha'), 'Ticket 4711: lab results missing', 30) is not null as started;
select public.log_chart_view((select id from tests.ids where key = 'patient')) is not null as viewed;
select tests.clear_authentication();
update public.profiles set full_name = 'Renamed Later' where id = tests.user_id('platform');

-- the clinic's admin reads it ---------------------------------------------------------------------------
select tests.act_as('alpha_admin');
insert into tests.answers values ('all', public.audit_trail(page_size => 100, with_chain => true));
select is((tests.entry('all', '$.chain.intact'))::boolean, true, 'the chain check comes with the page');
select is((tests.entry('all', '$.total'))::int,
  (select count(*)::int from public.audit_log), 'the total counts every entry the admin may read');
select is((select count(*)::int from jsonb_array_elements(tests.entry('all', '$.entries')) e where e ->> 'action' = 'view'),
  2, 'both chart views are there');
select results_eq(
  $$ select e ->> 'actor_name', e ->> 'patient_name', e ->> 'patient_mrn'
       from jsonb_array_elements(tests.entry('all', '$.entries')) e
      where e ->> 'action' = 'view' and e ->> 'actor_kind' = 'staff' $$,
  $$ select 'Alpha Doctor', 'Eleanor Whitfield', mrn from public.patients where family_name = 'Whitfield' $$,
  'a chart view names the member who opened it and the patient, with the MRN');
select results_eq(
  $$ select e ->> 'actor_name', e -> 'support' ->> 'reason'
       from jsonb_array_elements(tests.entry('all', '$.entries')) e
      where e ->> 'action' = 'view' and e ->> 'actor_kind' = 'platform' $$,
  $$ values ('Platform', 'Ticket 4711: lab results missing') $$,
  'a chart view during support access names the platform admin as granted, with the reason');
select results_eq(
  $$ select e ->> 'actor_name', e -> 'changes' -> 'new' ->> 'reason', e ->> 'actor_kind'
       from jsonb_array_elements(tests.entry('all', '$.entries')) e
      where e ->> 'table_name' = 'support_access_grants' $$,
  $$ values ('Platform', 'Ticket 4711: lab results missing', 'platform') $$,
  'the support grant shows the person and the reason');
select is(tests.entry('all', '$.field_labels.blood_type'), '"Blood type"'::jsonb,
  'custom fields come with their labels');
select results_eq(
  $$ select e -> 'changes' -> 'old' -> 'custom_fields' ->> 'blood_type', e -> 'changes' -> 'new' ->> 'phone'
       from jsonb_array_elements(tests.entry('all', '$.entries')) e
      where e ->> 'table_name' = 'patients' and e ->> 'action' = 'update' $$,
  $$ values ('A+', '+44 20 7946 0001') $$, 'the raw changes are kept, nulls included');
select is(
  (select count(*)::int from jsonb_array_elements(tests.entry('all', '$.entries')) e
    where e -> 'changes' -> 'old' ? 'phone' and e -> 'changes' -> 'old' -> 'phone' = 'null'::jsonb),
  1, 'a value that was empty stays in the raw changes as null');
select results_eq(
  $$ select e ->> 'patient_name', e -> 'record' ->> 'test_name'
       from jsonb_array_elements(tests.entry('all', '$.entries')) e where e ->> 'table_name' = 'lab_orders' $$,
  $$ values ('Eleanor Whitfield', 'Full blood count') $$, 'a lab order names its patient and its test');
select results_eq(
  $$ select e ->> 'patient_name' from jsonb_array_elements(tests.entry('all', '$.entries')) e
      where e ->> 'table_name' = 'visits' and e ->> 'action' = 'update' $$,
  $$ values ('Eleanor Whitfield') $$, 'an update of a visit (no patient in its changes) still names the patient');
select is(
  (select array_agg(p ->> 'name' order by p ->> 'name') from jsonb_array_elements(tests.entry('all', '$.people')) p),
  array['Alpha Admin', 'Alpha Doctor', 'Both'], 'the person filter lists the clinic''s own staff only');
select is_empty(
  $$ select 1 from jsonb_array_elements(tests.entry('all', '$.entries')) e
      where e::text like any (array['%Renamed Later%', '%Beta Admin%', '%Beta Nurse%']) $$,
  'no name from outside the clinic appears (not even the platform admin''s current name)');

-- filters
insert into tests.answers
select 'patient', public.audit_trail(patient => (select mrn from public.patients where family_name = 'Whitfield'));
select is((tests.entry('patient', '$.total'))::int, 7,
  'a patient''s trail: registration, update, two chart views, the visit and its update, the lab order (and nothing of another patient)');
select is(tests.entry('patient', '$.patient.name'), '"Eleanor Whitfield"'::jsonb, 'and the patient it names');
select is((public.audit_trail(patient => 'MRN-999999') ->> 'patient_not_found')::boolean, true,
  'an unknown MRN is not found');
select is((public.audit_trail(actor => tests.user_id('alpha_doctor'), action => 'view') ->> 'total')::int, 1,
  'by person and action');
select is((public.audit_trail(from_at => now() + interval '1 day') ->> 'total')::int, 0, 'by time');
select is(jsonb_array_length(public.audit_trail(page_size => 2, page_offset => 1) -> 'entries'), 2, 'paged');

-- a member who leaves: the trail still names what they did, as the clinic knew them when they left
select tests.add_member('alpha_leaver', 'alpha', 'doctor');
select tests.act_as('alpha_leaver');
select public.log_chart_view((select id from tests.ids where key = 'patient')) is not null as viewed;
select tests.act_as('alpha_admin');
select is(tests.rows_affected($$ delete from public.memberships where user_id = tests.user_id('alpha_leaver') $$),
  1, 'the admin removes the member');
select tests.clear_authentication();
update public.profiles set full_name = 'Renamed After Leaving', email = 'elsewhere@tests.local'
 where id = tests.user_id('alpha_leaver');
select tests.act_as('alpha_admin');
insert into tests.answers
select 'leaver', public.audit_trail(actor => tests.user_id('alpha_leaver'), action => 'view');
select results_eq(
  $$ select e ->> 'actor_name', e ->> 'actor_kind' from jsonb_array_elements(tests.entry('leaver', '$.entries')) e $$,
  $$ values ('Alpha Leaver', 'former') $$,
  'a former member''s chart view names them by the name they had when they left (not a later one)');
select results_eq(
  $$ select p ->> 'name', p ->> 'role' from jsonb_array_elements(tests.entry('leaver', '$.people')) p
      where p ->> 'status' = 'former' $$,
  $$ values ('Alpha Leaver', 'doctor') $$,
  'the person filter lists former staff, marked as such, with the role they had');
select tests.clear_authentication();
select tests.add_member('alpha_leaver', 'alpha', 'nurse');
select tests.act_as('alpha_admin');
select results_eq(
  $$ select e ->> 'actor_name', e ->> 'actor_kind'
       from jsonb_array_elements(public.audit_trail(actor => tests.user_id('alpha_leaver'), action => 'view') -> 'entries') e $$,
  $$ values ('Renamed After Leaving', 'staff') $$,
  'once they are back, their own profile names them, and they are listed once, as staff');
select is((select count(*)::int from jsonb_array_elements(public.audit_trail() -> 'people') p
            where p ->> 'id' = tests.user_id('alpha_leaver')::text), 1, 'listed once');

-- who may read it -----------------------------------------------------------------------------------
select tests.act_as('beta_admin');
select is((public.audit_trail(patient => (select id::text from tests.ids where key = 'patient')) ->> 'patient_not_found')::boolean,
  true, 'another clinic''s patient is "not found" for an admin of B, like a patient that does not exist');
select is_empty(
  $$ select 1 from jsonb_array_elements(public.audit_trail(page_size => 1000) -> 'entries') e
      where e::text like '%Whitfield%' or e::text like '%Alpha Doctor%' or e::text like '%Leav%' $$,
  'an admin of B reads nothing of A');
select tests.act_as('alpha_doctor');
select throws_ok($$ select public.audit_trail() $$, '42501', 'Only clinic admins can read the audit trail',
  'staff who are not admins are refused');
select tests.act_as('nobody');
select throws_ok($$ select public.audit_trail() $$, '42501', 'Only clinic admins can read the audit trail',
  'a signed-in person without a clinic is refused');
select tests.as_anon();
select throws_ok($$ select public.audit_trail() $$, '42501', null, 'anon cannot call it');

select * from finish();
rollback;
