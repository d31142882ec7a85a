-- Clinical records behaviour: MRN numbering, custom field validation, search, status transitions,
-- vitals checks, composite-reference attacks and column guards.
begin;
\ir ../helpers.psql

select plan(69);

select is_empty(
  $$ select t || ' ' || p
       from unnest(array['patients', 'patient_field_definitions', 'visits', 'visit_notes', 'lab_orders',
                         'prescriptions', 'audit_log']) t,
            unnest(array['select', 'insert', 'update', 'delete', 'truncate', 'references', 'trigger']) p
      where has_table_privilege('anon', 'public.' || t, p) $$,
  'anon holds no privilege on any clinical table'
);
select is_empty(
  $$ select t || ' ' || p
       from unnest(array['patients', 'patient_field_definitions', 'visits', 'visit_notes', 'lab_orders',
                         'prescriptions', 'audit_log']) t,
            unnest(array['delete', 'truncate', 'references', 'trigger']) p
      where has_table_privilege('authenticated', 'public.' || t, p)
        and not (t = 'patient_field_definitions' and p = 'delete') $$,
  'authenticated cannot delete (except field definitions), truncate, reference or trigger clinical tables'
);

select tests.create_tenancy_fixture();
select tests.add_member(m.persona, 'alpha', m.role::public.member_role)
  from (values ('alpha_reception', 'receptionist'), ('alpha_lab', 'lab_technician'), ('alpha_pharmacist', 'pharmacist')) m (persona, role);

create or replace function tests.error_detail(p_sql text) returns text language plpgsql as $$
begin
  execute p_sql;
  return null;
exception when others then
  declare v_detail text;
  begin
    get stacked diagnostics v_detail = pg_exception_detail;
    return v_detail;
  end;
end;
$$;
grant execute on function tests.error_detail(text) to authenticated;

-- Custom fields of clinic A (as its admin)
select tests.act_as('alpha_admin');
select lives_ok($$
  insert into public.patient_field_definitions (key, label, field_type, required, format_kind, format_mask, unique_within_clinic, options)
  values
    ('nhi_number', 'National health insurance number', 'text', true, 'mask', 'AAA9999', true, null),
    ('blood_group', 'Blood group', 'select', false, 'any', null, false, array['A+', 'A-', 'B+', 'B-', 'AB+', 'AB-', 'O+', 'O-']),
    ('weight_at_intake', 'Weight at intake (kg)', 'number', false, 'any', null, false, null),
    ('consent_date', 'Consent date', 'date', false, 'any', null, false, null),
    ('organ_donor', 'Organ donor', 'boolean', false, 'any', null, false, null)
$$, 'an admin defines custom fields (organization_id defaults to the active clinic)');
select throws_ok($$ insert into public.patient_field_definitions (key, label, format_kind, format_mask) values ('bad_mask', 'Bad', 'mask', 'ÄÄ99') $$,
  '23514', 'custom field "bad_mask": a mask has at most 40 characters: letters A-Z and a-z, digits, punctuation and inner spaces',
  'a mask the database cannot describe is refused');
select throws_ok($$ insert into public.patient_field_definitions (key, label) values ('Bad Key', 'Bad') $$,
  '23514', null, 'keys must be snake_case');

-- MRN numbering (as the receptionist)
select tests.act_as('alpha_reception');
select lives_ok($$
  insert into public.patients (given_name, family_name, date_of_birth, custom_fields)
  values ('Zoë', 'Müller-Smith', '1990-05-04', '{"nhi_number": "ABC1234", "blood_group": "O+"}')
$$, 'a receptionist registers a patient with valid custom fields');
select throws_ok($$ insert into public.patients (given_name, family_name, custom_fields, mrn) values ('A', 'B', '{"nhi_number": "QQQ0009"}', 'MRN-999999') $$,
  '42501', null, 'a client cannot choose the MRN');
select results_eq($$ select mrn, search_name collate "default", created_by from public.patients $$,
  $$ values ('MRN-000001', 'muller smith zoe', tests.user_id('alpha_reception')) $$,
  'the MRN comes from the clinic counter, search_name is normalized, created_by is the caller');
select lives_ok($$ insert into public.patients (given_name, family_name, date_of_birth, custom_fields)
  values ('John', 'Smith', '1975-01-02', '{"nhi_number": "XYZ0001"}'), ('Ann', 'Smithers', '1975-01-02', '{"nhi_number": "XYZ0002"}') $$,
  'two more patients');
select results_eq($$ select mrn from public.patients order by mrn $$,
  array['MRN-000001', 'MRN-000002', 'MRN-000003'], 'MRNs are sequential within the clinic');

-- custom field validation: message names the field, DETAIL carries its key
select throws_ok(format($$ insert into public.patients (given_name, family_name, custom_fields) values ('A', 'B', %L) $$, c.custom_fields),
                 c.errcode, c.message, c.description)
  from (values
    ('{"nhi_number": "abc123"}', '23514', 'custom field "nhi_number": does not match the required format',
     'the format (mask AAA9999) is enforced'),
    ('{}', '23514', 'custom field "nhi_number": is required',
     'required enforced'),
    ('{"nhi_number": "QQQ0001", "shoe_size": 9}', '23514', 'custom field "shoe_size": is not a field of this clinic',
     'unknown keys refused'),
    ('{"nhi_number": "QQQ0001", "blood_group": "C"}', '23514', 'custom field "blood_group": must be one of the listed options',
     'select options enforced'),
    ('{"nhi_number": "QQQ0001", "weight_at_intake": "heavy"}', '23514', 'custom field "weight_at_intake": must be a number',
     'number type enforced'),
    ('{"nhi_number": "QQQ0001", "consent_date": "2024-02-30"}', '23514', 'custom field "consent_date": must be a date (YYYY-MM-DD)',
     'date type enforced'),
    ('{"nhi_number": "QQQ0001", "organ_donor": "yes"}', '23514', 'custom field "organ_donor": must be true or false',
     'boolean type enforced'),
    ('{"nhi_number": 1234}', '23514', 'custom field "nhi_number": must be text',
     'text type enforced'),
    ('{"nhi_number": "ABC1234"}', '23505', 'custom field "nhi_number": this value is already used by another patient of the clinic',
     'unique_within_clinic enforced')
  ) c (custom_fields, errcode, message, description);
select is(tests.error_detail($$ insert into public.patients (given_name, family_name, custom_fields) values ('A', 'B', '{"nhi_number": "bad"}') $$),
  'nhi_number', 'the error DETAIL is the field key (for the form)');
select lives_ok($$ insert into public.patients (given_name, family_name, custom_fields)
  values ('Kim', 'Lee', '{"nhi_number": "KLM0001", "weight_at_intake": 71.5, "consent_date": "2024-02-29", "organ_donor": true, "blood_group": ""}') $$,
  'all types accepted when valid (empty optional select dropped)');
select is((select custom_fields from public.patients where family_name = 'Lee'),
  '{"nhi_number": "KLM0001", "weight_at_intake": 71.5, "consent_date": "2024-02-29", "organ_donor": true}'::jsonb,
  'custom_fields stored as given, empty optional value removed');
select results_eq($$ select mrn from public.patients where family_name = 'Lee' $$, array['MRN-000004'],
  'failed inserts consumed no MRN (gapless)');
-- the unique value is freed by changing it, and the same value may exist in another clinic
select lives_ok($$ update public.patients set custom_fields = '{"nhi_number": "XYZ0009"}' where family_name = 'Smith' $$, 'unique value changed');
select lives_ok($$ insert into public.patients (given_name, family_name, custom_fields) values ('Jo', 'Smith', '{"nhi_number": "XYZ0001"}') $$,
  'a freed unique value can be reused');

-- deactivated definitions: stored values stay, new values are refused
select tests.act_as('alpha_admin');
update public.patient_field_definitions set active = false where key = 'organ_donor';
select tests.act_as('alpha_reception');
select lives_ok($$ update public.patients set custom_fields = custom_fields || '{"weight_at_intake": 72}' where family_name = 'Lee' $$,
  'a value of a deactivated field is kept on update');
select throws_ok($$ update public.patients set custom_fields = custom_fields || '{"organ_donor": false}' where family_name = 'Lee' $$,
  '23514', 'custom field "organ_donor": is not a field of this clinic', 'a deactivated field takes no new value');

-- Search
select results_eq($$ select family_name from public.search_patients('mul') $$,
  array['Müller-Smith'], 'name prefix on the family name, accent-insensitive');
select results_eq($$ select family_name || ' ' || given_name from public.search_patients('SMITH') $$,
  array['Smith Jo', 'Smith John', 'Smithers Ann'], 'name prefix is case-insensitive, ordered by name');
select results_eq($$ select family_name from public.search_patients('muller-sm') $$, array['Müller-Smith'], 'accents and punctuation normalized');
select results_eq($$ select family_name from public.search_patients('smith jo', 1, 1) $$, array['Smith'], 'limit/offset paging');
select results_eq($$ select family_name from public.search_patients('mrn-000003') $$, array['Smithers'], 'search by MRN');
select results_eq($$ select family_name from public.search_patients('2') $$, array['Smith'], 'search by MRN number alone');
select results_eq($$ select family_name from public.search_patients('1975-01-02') $$, array['Smith', 'Smithers'], 'search by date of birth');

-- Archive (update), never delete
select is(tests.rows_affected($$ update public.patients set archived_at = now() where family_name = 'Smithers' $$), 1, 'a receptionist archives a patient');
select results_eq($$ select count(*)::int from public.search_patients('smithers') $$, array[0], 'archived patients are left out of search');
select results_eq($$ select count(*)::int from public.search_patients('smithers', 25, 0, true) $$, array[1], '...unless asked for');
select throws_ok($$ update public.patients set mrn = 'MRN-000100' $$, '42501', null, 'mrn is not writable');
select throws_ok($$ update public.patients set organization_id = tests.org_id('beta') $$, '42501', null, 'organization_id is not writable');

-- Clinic B numbers its own patients from 1
select tests.act_as('beta_admin');
select lives_ok($$ insert into public.patients (given_name, family_name) values ('Bea', 'Beta') $$, 'clinic B registers a patient');
select results_eq($$ select mrn from public.patients $$, array['MRN-000001'], 'clinic B has its own MRN sequence (and A''s custom fields do not apply)');

-- Composite references: no row can point at another clinic's patient, even for the owner
select tests.clear_authentication();
create temporary table ids as
select (select id from public.patients where organization_id = tests.org_id('alpha') and family_name = 'Smith' and given_name = 'John') as alpha_patient,
       (select id from public.patients where organization_id = tests.org_id('beta')) as beta_patient;
grant select on ids to authenticated;

select tests.act_as('alpha_admin');
select throws_ok($$ insert into public.visits (patient_id) select beta_patient from ids $$, '23503', null,
  'A''s admin cannot book a visit in A for B''s patient');
select throws_ok($$ insert into public.visits (organization_id, patient_id) select tests.org_id('beta'), beta_patient from ids $$, '42501', null,
  'A''s admin cannot write a visit into clinic B');
select tests.act_as('alpha_doctor');
select throws_ok($$ insert into public.lab_orders (patient_id, test_code, test_name) select beta_patient, 'CBC', 'CBC' from ids $$, '23503', null,
  'a lab order cannot point at another clinic''s patient');
select throws_ok($$ insert into public.prescriptions (patient_id, medication, dose, frequency, quantity) select beta_patient, 'X', '1', 'od', '1' from ids $$, '23503', null,
  'a prescription cannot point at another clinic''s patient');
select tests.clear_authentication();
select throws_ok($$ insert into public.visits (organization_id, patient_id) select tests.org_id('alpha'), beta_patient from ids $$, '23503', null,
  'even the table owner cannot store a visit whose patient belongs to another clinic');
select throws_ok($$ insert into public.visits (organization_id, patient_id, clinician_id) select tests.org_id('alpha'), alpha_patient, tests.user_id('beta_admin') from ids $$,
  '23503', null, 'the clinician must be an active member of the same clinic');

-- Visits, notes and vitals
select tests.act_as('alpha_doctor');
create temporary table v as select null::uuid as id;
grant all on v to authenticated;
select lives_ok($$ with x as (insert into public.visits (patient_id, reason) select alpha_patient, 'cough' from ids returning id) update v set id = (select id from x) $$,
  'a doctor books a visit (clinician defaults to the caller)');
select throws_ok($$ update public.visits set organization_id = tests.org_id('beta') where id = (select id from v) $$, '42501', null,
  'a visit cannot move to another clinic');
select throws_ok($$ insert into public.visit_notes (visit_id, vitals) select id, '{"heart_rate": 400}' from v $$, '23514',
  'vitals "heart_rate": 400 is outside the plausible range 20 to 250', 'vitals ranges are checked');
select throws_ok($$ insert into public.visit_notes (visit_id, vitals) select id, '{"pulse": 80}' from v $$, '23514',
  'vitals "pulse": unknown measurement', 'unknown vitals are refused');
select lives_ok($$ insert into public.visit_notes (visit_id, notes, vitals) select id, 'Viral URTI', '{"heart_rate": 88, "bp_systolic": 120, "bp_diastolic": 80, "temperature_c": 37.8, "spo2": 97}' from v $$,
  'notes and vitals recorded');
select lives_ok($$ update public.visits set status = 'completed' where id = (select id from v) $$, 'visit completed');
select throws_ok($$ update public.visits set status = 'scheduled' where id = (select id from v) $$, '23514',
  'visits: status cannot change from completed to scheduled', 'visit status never moves back');

-- Lab order transitions
select lives_ok($$ insert into public.lab_orders (patient_id, test_code, test_name, priority) select alpha_patient, 'CRP', 'C-reactive protein', 'urgent' from ids $$, 'a doctor orders a test');
select tests.act_as('alpha_lab');
select throws_ok($$ update public.lab_orders set result_value = '12' $$, '23514',
  'lab_orders: results are recorded together with status resulted', 'results only with status resulted');
select results_eq($$ update public.lab_orders set status = 'collected' returning status::text, collected_by $$,
  $$ values ('collected', tests.user_id('alpha_lab')) $$, 'the lab technician collects (collected_by = caller)');
select results_eq($$ update public.lab_orders set status = 'resulted', result_value = '12', result_unit = 'mg/L', reference_range = '< 5' returning status::text, resulted_by, resulted_at is not null $$,
  $$ values ('resulted', tests.user_id('alpha_lab'), true) $$, 'the lab technician records the result (resulted_by/at set)');
select throws_ok($$ update public.lab_orders set status = 'cancelled', cancel_reason = 'x' $$, '23514',
  'lab_orders: a resulted order cannot be changed', 'a resulted order is final');

-- Prescriptions
select tests.act_as('alpha_doctor');
select throws_ok($$ insert into public.prescriptions (patient_id, medication, dose, frequency, quantity, status) select alpha_patient, 'X', '1', 'od', 1, 'stopped' from ids $$, '42501', null,
  'a prescription starts active (status is not insertable)');
select lives_ok($$ insert into public.prescriptions (patient_id, medication, dose, frequency, quantity, quantity_unit, refills) select alpha_patient, 'Paracetamol', '1 g', 'qid', 20, 'tablets', 1 from ids $$, 'a doctor prescribes 20 tablets per fill with one refill');
select throws_ok($$ update public.prescriptions set status = 'stopped' $$, '23514', null, 'stopping needs a stop_reason');
select throws_ok($$ update public.prescriptions set status = 'completed' $$, '23514',
  'prescriptions: a prescription is completed by dispensing its last fill', 'a doctor cannot mark a prescription completed');
select tests.act_as('alpha_pharmacist');
select is(tests.rows_affected($$ update public.prescriptions set dose = '2 g' $$), 0, 'a pharmacist cannot change a prescription (RLS: prescribers only)');
select is(public.dispense_prescription((select id from public.prescriptions where medication = 'Paracetamol'), 20), 1, 'a pharmacist dispenses the first fill');
select results_eq($$ select status::text, fills_dispensed from public.prescriptions where medication = 'Paracetamol' $$,
  $$ values ('active', 1) $$, 'after the first of two fills the prescription stays active');
select tests.act_as('alpha_doctor');
select throws_ok($$ update public.prescriptions set dose = '500 mg' where medication = 'Paracetamol' $$, '23514',
  'prescriptions: a dispensed prescription cannot be changed', 'a dispensed prescription is not amended');
select tests.act_as('alpha_pharmacist');
select is(public.dispense_prescription((select id from public.prescriptions where medication = 'Paracetamol'), 20), 2, 'the refill is dispensed');
select results_eq($$ select status::text, fills_dispensed, completed_by from public.prescriptions where medication = 'Paracetamol' $$,
  $$ values ('completed', 2, tests.user_id('alpha_pharmacist')) $$, 'the last fill completes the prescription (completed_by = the pharmacist)');

select * from finish();

rollback;
