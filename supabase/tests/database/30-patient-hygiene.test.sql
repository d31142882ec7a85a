-- Patient data hygiene (issue 17, point 3): the date of birth is not before 1900 (CHECK) and not in
-- the future (trigger, against the latest date anywhere); search treats every character as a
-- literal, finds given names, family names, MRN and date of birth, refuses over-long queries and
-- serves a live support session its granted clinic; find_patient_duplicates finds the same
-- normalized names and date of birth, or the same unique custom field value, in the caller's own
-- clinic only: another clinic's member, a person without a clinic and anon learn nothing.
begin;
\ir ../helpers.psql

select plan(28);
select tests.create_tenancy_fixture();

do $$
begin
  insert into public.patient_field_definitions (organization_id, key, label, unique_within_clinic)
  values (tests.org_id('alpha'), 'national_id', 'National ID', true);
  insert into public.patients (organization_id, given_name, family_name, date_of_birth, custom_fields)
  values
    (tests.org_id('alpha'), 'Éléanor', 'O''Whitfield', '1950-03-04', '{"national_id": "AB123"}'),
    (tests.org_id('alpha'), 'Peter', 'Percent', '1961-01-01', '{}'),
    (tests.org_id('beta'), 'Eleanor', 'O''Whitfield', '1950-03-04', '{}');
end;
$$;

-- Date of birth ----------------------------------------------------------------------------------------
select tests.act_as('alpha_admin');
select throws_ok($$ insert into public.patients (given_name, family_name, date_of_birth) values ('Fu', 'Ture', '2099-01-01') $$,
  '23514', 'date_of_birth: the date of birth cannot be in the future', 'a date of birth in 2099 is refused');
select throws_ok($$ insert into public.patients (given_name, family_name, date_of_birth)
                    values ('Fu', 'Ture', ((now() at time zone 'Pacific/Kiritimati')::date + 1)) $$,
  '23514', null, 'tomorrow everywhere on Earth is refused');
select lives_ok($$ insert into public.patients (given_name, family_name, date_of_birth)
                   values ('New', 'Born', (now() at time zone 'Pacific/Kiritimati')::date) $$,
  'today (in the earliest time zone) is accepted');
select throws_ok($$ insert into public.patients (given_name, family_name, date_of_birth) values ('Old', 'Timer', '1899-12-31') $$,
  '23514', null, 'a date of birth before 1900 is refused');
select lives_ok($$ insert into public.patients (given_name, family_name, date_of_birth) values ('Old', 'Timer', '1900-01-01') $$,
  '1900-01-01 is accepted');
select throws_ok($$ update public.patients set date_of_birth = '2099-01-01' where family_name = 'Percent' $$,
  '23514', null, 'an edit to a future date of birth is refused');
select is((select tgname::text from pg_trigger
            where tgrelid = 'public.patients'::regclass and not tgisinternal and tgtype & 2 = 2
            order by tgname limit 1),
  'patients_00_authorize', 'the authorization trigger still fires first');

-- Search -----------------------------------------------------------------------------------------------
select is_empty($$ select 1 from public.search_patients('''') $$, 'a lone quote matches nobody');
select is_empty($$ select 1 from public.search_patients('%') $$, 'a lone % matches nobody');
select is_empty($$ select 1 from public.search_patients('_') $$, 'a lone _ matches nobody');
select is_empty($$ select 1 from public.search_patients('%eter') $$, '% is no wildcard');
select results_eq($$ select family_name from public.search_patients('o''whit') $$, $$ values ('O''Whitfield') $$,
  'an apostrophe in a name is a literal');
select results_eq($$ select family_name from public.search_patients('eleanor') $$, $$ values ('O''Whitfield') $$,
  'a given name alone finds the patient (accent-insensitive)');
select results_eq($$ select family_name from public.search_patients('peter perc') $$, $$ values ('Percent') $$,
  'given then family name finds the patient');
select results_eq($$ select family_name from public.search_patients('o whitfield') $$, $$ values ('O''Whitfield') $$,
  'a family name finds the patient, only in the caller''s clinic');
select results_eq($$ select family_name from public.search_patients('1950-03-04') $$, $$ values ('O''Whitfield') $$,
  'a date of birth finds the patient');
select results_eq($$ select family_name from public.search_patients((select mrn from public.patients where family_name = 'Percent')) $$,
  $$ values ('Percent') $$, 'an MRN finds the patient');
select throws_ok($$ select 1 from public.search_patients(repeat('a', 101)) $$,
  '22001', 'q: the search is too long (at most 100 characters)', 'a query over 100 characters is refused, not ignored');

-- Support sessions search the clinic they were granted
select tests.act_as('platform');
select lives_ok(format($$ select public.start_support_access(%L, 'Ticket 17: patient search', 30) $$, tests.org_id('alpha')),
  'a platform admin starts support access to alpha');
select results_eq($$ select family_name from public.search_patients('o''whit') $$, $$ values ('O''Whitfield') $$,
  'a support session searches its granted clinic (and only it)');
select lives_ok($$ select public.end_support_access() $$, 'the support session ends');

-- Likely duplicates ----------------------------------------------------------------------------------------
select tests.act_as('alpha_doctor');
select results_eq(
  $$ select family_name, matched_on from public.find_patient_duplicates('  eleanor ', 'o whitfield', '1950-03-04') $$,
  $$ values ('O''Whitfield'::text, 'name_and_date_of_birth'::text) $$,
  'same normalized names and date of birth: the clinic''s patient');
select is_empty($$ select 1 from public.find_patient_duplicates('Eleanor', 'O''Whitfield', '1950-03-05') $$,
  'another date of birth is no duplicate');
select results_eq(
  $$ select matched_on from public.find_patient_duplicates('Someone', 'Else', null, '{"national_id": "AB123"}') $$,
  $$ values ('custom_field:national_id'::text) $$, 'the same unique custom field value is a duplicate');
select is_empty($$ select 1 from public.find_patient_duplicates('Eleanor', 'O''Whitfield', '1950-03-04', '{}',
                   (select id from public.patients where family_name = 'O''Whitfield')) $$,
  'the patient being edited is not its own duplicate');

select tests.act_as('beta_nurse');
select results_eq($$ select count(*)::int from public.find_patient_duplicates('Someone', 'Else', null, '{"national_id": "AB123"}') $$,
  $$ values (0) $$, 'another clinic''s member learns nothing of alpha''s custom field values');
select tests.act_as('nobody');
select is_empty($$ select 1 from public.find_patient_duplicates('Eleanor', 'O''Whitfield', '1950-03-04') $$,
  'a signed-in person without a clinic gets no rows');
select tests.as_anon();
select throws_ok($$ select 1 from public.find_patient_duplicates('Eleanor', 'O''Whitfield', '1950-03-04') $$,
  '42501', null, 'anon may not call it');

select * from finish();
rollback;
