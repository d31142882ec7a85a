-- Chart safety (migrations 20261124200200_create_clinical_records.sql: signing; 20261124810000_create_chart_safety.sql):
-- the signed-note rule, amendments that keep every version, lab result corrections, fills to the
-- last refill, the allergy check when prescribing, "no known allergies", current medications; and
-- for each writer, the caller's right first: an outsider's error equals the error for a record or
-- clinic that does not exist. Table-level allow/deny per role is in 20-clinical-access.
begin;
\ir ../helpers.psql

select plan(95);

select tests.create_tenancy_fixture();
select tests.add_clinical_staff();
select tests.add_member('beta_pharmacist', 'beta', 'pharmacist');

create table tests.k (key text primary key, id uuid not null);
grant select, insert on tests.k to authenticated;
create or replace function tests.k(p_key text) returns uuid language sql stable security definer set search_path = '' as $$
  select k.id from tests.k k where k.key = p_key;
$$;
grant execute on function tests.k(text) to authenticated;

-- The message and SQLSTATE of a statement run as the current role ('ok' when it succeeds).
create or replace function tests.outcome(p_sql text) returns text language plpgsql as $$
begin
  execute p_sql;
  return 'ok';
exception when others then
  return sqlstate || ' ' || sqlerrm;
end;
$$;
grant execute on function tests.outcome(text) to authenticated, anon;

insert into public.patients (organization_id, given_name, family_name) values (tests.org_id('alpha'), 'Ada', 'Alpha');
insert into tests.k select 'patient', id from public.patients where family_name = 'Alpha';
insert into public.patients (organization_id, given_name, family_name) values (tests.org_id('alpha'), 'Nora', 'Noallergy');
insert into tests.k select 'patient2', id from public.patients where family_name = 'Noallergy';
insert into tests.k values ('nowhere', gen_random_uuid());

-- Signing --------------------------------------------------------------------------------------------------
select tests.act_as('alpha_doctor');
insert into tests.k select 'visit', public.create_visit(tests.k('patient'), now(), 'cough');
update public.visits set status = 'in_progress' where id = tests.k('visit');
select lives_ok($$ insert into public.visit_notes (visit_id, notes, vitals) values (tests.k('visit'), 'Cough for 3 days.', '{"temperature_c": 37.9}') $$,
  'a doctor writes the draft during the visit');
select lives_ok($$ update public.visit_notes set notes = 'Cough for 3 days. Chest clear.' where visit_id = tests.k('visit') $$,
  'and edits it while unsigned');
select throws_ok($$ insert into public.visit_notes (visit_id, notes, signed_at) values (tests.k('visit'), 'x', now()) $$,
  '42501', null, 'signed_at is not writable through the API');

select tests.act_as('alpha_reception');
select throws_ok($$ select public.sign_visit_note(tests.k('visit')) $$, '42501',
  'Only doctors and nurses of this clinic sign visit notes', 'a receptionist cannot sign');
select tests.act_as('beta_doctor');
select is(tests.outcome($$ select public.sign_visit_note(tests.k('visit')) $$),
          tests.outcome($$ select public.sign_visit_note(tests.k('nowhere')) $$),
          'another clinic''s doctor signing: the same error as for a visit that does not exist');
select is(tests.outcome($$ select public.sign_visit_note(tests.k('visit')) $$), 'PT404 Visit note not found',
  '... which is "not found"');
select tests.act_as('nobody');
select throws_ok($$ select public.sign_visit_note(tests.k('visit')) $$, '42501', null, 'a user without a clinic cannot sign');
select tests.as_anon();
select throws_ok($$ select public.sign_visit_note(tests.k('visit')) $$, '42501', null, 'anon cannot sign');

select tests.act_as('alpha_nurse');
select isnt(public.sign_visit_note(tests.k('visit')), null, 'a nurse signs the note');
select tests.clear_authentication();
select results_eq($$ select n.signed_by, n.signed_at is not null, v.status::text, v.ended_at is not null
                      from public.visit_notes n join public.visits v on v.id = n.visit_id where n.visit_id = tests.k('visit') $$,
  $$ values (tests.user_id('alpha_nurse'), true, 'completed', true) $$, 'signed by the nurse, now; the visit is completed');

-- the signed-note rule: never updated in place, by anyone
select tests.act_as('alpha_doctor');
select throws_ok($$ update public.visit_notes set notes = 'changed' where visit_id = tests.k('visit') $$, '23514',
  'visit_notes: a signed note is never changed', 'a doctor cannot update a signed note');
select throws_ok($$ update public.visit_notes set vitals = '{"spo2": 99}' where visit_id = tests.k('visit') $$, '23514',
  'visit_notes: a signed note is never changed', 'nor its vitals');
select throws_ok($$ select public.sign_visit_note(tests.k('visit')) $$, '23514', 'visit_notes: this note is already signed',
  'a note is signed once');
select tests.clear_authentication();
select throws_ok($$ update public.visit_notes set notes = 'owner edit' where visit_id = tests.k('visit') $$, '23514',
  'visit_notes: a signed note is never changed', 'not even the table owner updates a signed note');

-- an empty note is not signed; a visit without a note has nothing to sign
select tests.act_as('alpha_doctor');
insert into tests.k select 'visit2', public.create_visit(tests.k('patient'), now(), 'review');
insert into public.visit_notes (visit_id, notes) values (tests.k('visit2'), '   ');
select throws_ok($$ select public.sign_visit_note(tests.k('visit2')) $$, '23514', 'visit_notes: an empty note cannot be signed',
  'an empty note cannot be signed');
insert into tests.k select 'visit3', public.create_visit(tests.k('patient'), now(), 'no note');
select throws_ok($$ select public.sign_visit_note(tests.k('visit3')) $$, 'PT404', 'Visit note not found',
  'a visit without a note has nothing to sign');

-- Amendments --------------------------------------------------------------------------------------------------
update public.visit_notes set notes = 'Draft only' where visit_id = tests.k('visit2');
select throws_ok($$ select public.amend_visit_note(tests.k('visit2'), 'x', '{}', 'why') $$, '23514',
  'visit_notes: the note is not signed yet', 'an unsigned note is edited, not amended');
select throws_ok($$ select public.amend_visit_note(tests.k('visit'), 'Cough for 3 days. Chest clear. Wheeze on exertion.', '{"temperature_c": 37.9}', '  ') $$,
  '23514', 'visit_notes: an amendment needs a reason (at most 500 characters)', 'an amendment needs a reason');
select throws_ok($$ select public.amend_visit_note(tests.k('visit'), 'Cough for 3 days. Chest clear.', '{"temperature_c": 37.9}', 'no change') $$,
  '23514', 'visit_notes: the amendment changes nothing', 'an amendment must change something');
select throws_ok($$ select public.amend_visit_note(tests.k('visit'), 'x', '{"temperature_c": 47}', 'fever') $$,
  '23514', 'vitals "temperature_c": 47 is outside the plausible range 30 to 45', 'amended vitals are checked');
select is(public.amend_visit_note(tests.k('visit'), 'Cough for 3 days. Chest clear. Wheeze on exertion.', '{"temperature_c": 37.9}', 'Missed finding'),
  2, 'the first amendment is version 2');
select tests.act_as('alpha_nurse');
select is(public.amend_visit_note(tests.k('visit'), 'Cough for 3 days. Chest clear. Wheeze on exertion.', '{"temperature_c": 37.9, "spo2": 96}', 'SpO2 recorded late'),
  3, 'a nurse adds version 3');
select results_eq($$ select version, changed_fields, reason, author_id from public.visit_note_amendments where visit_id = tests.k('visit') order by version $$,
  $$ values (2, '{notes}'::text[], 'Missed finding', tests.user_id('alpha_doctor')), (3, '{spo2}'::text[], 'SpO2 recorded late', tests.user_id('alpha_nurse')) $$,
  'every version is kept with what changed, why and who');
select results_eq($$ select notes, vitals from public.visit_notes where visit_id = tests.k('visit') $$,
  $$ values ('Cough for 3 days. Chest clear.', '{"temperature_c": 37.9}'::jsonb) $$, 'the signed original (version 1) is unchanged');
select throws_ok($$ update public.visit_note_amendments set reason = 'rewritten' $$, '42501', null, 'amendments are not updatable through the API');
select throws_ok($$ insert into public.visit_note_amendments (organization_id, visit_id, version, notes, reason, changed_fields) values (tests.org_id('alpha'), tests.k('visit'), 9, 'x', 'y', '{notes}') $$,
  '42501', null, 'amendments are written only by amend_visit_note');
select tests.clear_authentication();
select throws_ok($$ update public.visit_note_amendments set reason = 'rewritten' where visit_id = tests.k('visit') $$, '42501',
  'visit_note_amendments: the history is never changed', 'not even the owner rewrites an amendment');
select throws_ok($$ delete from public.visit_note_amendments where visit_id = tests.k('visit') $$, '42501',
  'visit_note_amendments: the history is never changed', 'nor deletes it');
select tests.act_as('alpha_reception');
select throws_ok($$ select public.amend_visit_note(tests.k('visit'), 'x', '{}', 'y') $$, '42501', null, 'a receptionist cannot amend');
select is_empty($$ select 1 from public.visit_note_amendments $$, 'a receptionist reads no amendment');
select tests.act_as('alpha_admin');
select is((select count(*)::int from public.visit_note_amendments), 2, 'an admin reads the version history');
select tests.act_as('beta_doctor');
select is(tests.outcome($$ select public.amend_visit_note(tests.k('visit'), 'x', '{}', 'y') $$),
          tests.outcome($$ select public.amend_visit_note(tests.k('nowhere'), 'x', '{}', 'y') $$),
          'another clinic''s doctor amending: the same error as for a note that does not exist');
select is_empty($$ select 1 from public.visit_note_amendments $$, 'another clinic reads no amendment');

-- Lab results: bounded, corrected by amendment ----------------------------------------------------------------
select tests.act_as('alpha_doctor');
insert into public.lab_orders (patient_id, test_code, test_name) values (tests.k('patient'), 'K', 'Potassium');
insert into tests.k select 'lab', id from public.lab_orders where test_code = 'K';
select tests.act_as('alpha_lab');
select throws_ok($$ select public.amend_lab_result(tests.k('lab'), '4.1', 'mmol/L', '3.5-5.1', 'normal', null, 'x') $$, '23514',
  'lab_orders: only a resulted order can be corrected', 'an order without a result cannot be corrected');
select throws_ok($$ update public.lab_orders set status = 'resulted', result_value = repeat('9', 61) where id = tests.k('lab') $$, '23514',
  'lab_orders: a result value is one line of at most 60 characters, without markup', 'a long result value is refused');
select throws_ok($$ update public.lab_orders set status = 'resulted', result_value = '<b>5.9</b>' where id = tests.k('lab') $$, '23514',
  'lab_orders: a result value is one line of at most 60 characters, without markup', 'markup in a result value is refused');
select throws_ok($$ update public.lab_orders set status = 'resulted', result_value = E'5.9\nsee note' where id = tests.k('lab') $$, '23514',
  'lab_orders: a result value is one line of at most 60 characters, without markup', 'a line break in a result value is refused');
select lives_ok($$ update public.lab_orders set status = 'resulted', result_value = '< 5.9', result_unit = 'mmol/L', reference_range = '3.5-5.1', result_flag = 'high', result_notes = 'Haemolysed?' where id = tests.k('lab') $$,
  'a structured result is recorded (value, unit, range, flag, comment; "<" as a comparison is fine)');
select throws_ok($$ update public.lab_orders set result_value = '4.1' where id = tests.k('lab') $$, '23514',
  'lab_orders: a resulted order cannot be changed', 'a recorded result is never updated in place');
select throws_ok($$ select public.amend_lab_result(tests.k('lab'), '4.1', 'mmol/L', '3.5-5.1', 'normal', null, '') $$, '23514',
  'lab_orders: a correction needs a reason (at most 500 characters)', 'a correction needs a reason');
select throws_ok($$ select public.amend_lab_result(tests.k('lab'), repeat('x', 70), 'mmol/L', '3.5-5.1', 'normal', null, 'typo') $$, '23514',
  'lab_orders: a result value is one line of at most 60 characters, without markup', 'a correction is bounded like a result');
select is(public.amend_lab_result(tests.k('lab'), '4.1', 'mmol/L', '3.5-5.1', 'normal', 'Repeat sample, not haemolysed.', 'Sample was haemolysed'),
  2, 'a lab technician corrects the result (version 2)');
select results_eq($$ select version, changed_fields, amended_by from public.lab_result_amendments where lab_order_id = tests.k('lab') $$,
  $$ values (2, '{result_value,result_flag,result_notes}'::text[], tests.user_id('alpha_lab')) $$, 'the correction says what changed and who');
select results_eq($$ select result_value, result_flag::text from public.lab_orders where id = tests.k('lab') $$,
  $$ values ('< 5.9', 'high') $$, 'the original result stays on the order');
select throws_ok($$ select public.amend_lab_result(tests.k('lab'), '4.1', 'mmol/L', '3.5-5.1', 'normal', 'Repeat sample, not haemolysed.', 'again') $$, '23514',
  'lab_orders: the correction changes nothing', 'a correction must change something');
select tests.act_as('alpha_nurse');
select throws_ok($$ select public.amend_lab_result(tests.k('lab'), '4.2', null, null, null, null, 'x') $$, '42501', null,
  'a nurse does not correct lab results');
select is((select count(*)::int from public.lab_result_amendments), 1, 'but reads the correction');
select tests.act_as('beta_doctor');
select is(tests.outcome($$ select public.amend_lab_result(tests.k('lab'), '4.2', null, null, null, null, 'x') $$),
          tests.outcome($$ select public.amend_lab_result(tests.k('nowhere'), '4.2', null, null, null, null, 'x') $$),
          'another clinic''s doctor correcting: the same error as for an order that does not exist');

-- Allergies, "no known allergies" and the check when prescribing --------------------------------------------
select tests.act_as('alpha_nurse');
select lives_ok($$ insert into public.no_known_allergies (patient_id) values (tests.k('patient')) $$, 'a nurse records "no known allergies"');
select lives_ok($$ insert into public.allergies (patient_id, kind, substance, reaction, severity) values (tests.k('patient'), 'allergy', ' Penicillin ', 'Anaphylaxis', 'severe') $$,
  'then records an allergy');
select is_empty($$ select 1 from public.no_known_allergies where patient_id = tests.k('patient') $$,
  'an active allergy retracts "no known allergies"');
select throws_ok($$ insert into public.no_known_allergies (patient_id) values (tests.k('patient')) $$, '23514',
  'no_known_allergies: this patient has active allergies', '"no known allergies" is refused while an allergy is active');
select results_eq($$ select substance, recorded_by from public.allergies where patient_id = tests.k('patient') $$,
  $$ values ('Penicillin', tests.user_id('alpha_nurse')) $$, 'the substance is trimmed; recorded_by is the caller');
select tests.act_as('alpha_pharmacist');
select lives_ok($$ insert into public.allergies (patient_id, kind, substance, reaction, severity) values (tests.k('patient'), 'intolerance', 'Sulfa drugs', 'Rash', 'mild') $$,
  'a pharmacist records an intolerance');

select tests.act_as('alpha_doctor');
select throws_ok($$ insert into public.prescriptions (patient_id, medication, dose, frequency, quantity) values (tests.k('patient'), 'Penicillin V', '500 mg', 'qid', 28) $$,
  '23514', 'prescriptions: Penicillin V matches a recorded allergy: Penicillin (severe, Anaphylaxis)',
  'prescribing a medication that matches an allergy is refused without a reason');
select throws_ok($$ insert into public.prescriptions (patient_id, medication, dose, frequency, quantity) values (tests.k('patient'), 'Sulfamethoxazole', '800 mg', 'bd', 10) $$,
  '23514', 'prescriptions: Sulfamethoxazole matches a recorded allergy: Sulfa drugs (mild, Rash)', 'a word of the substance that begins the medication matches');
select lives_ok($$ insert into public.prescriptions (patient_id, medication, dose, frequency, quantity, allergy_override_reason) values (tests.k('patient'), 'Penicillin V', '500 mg', 'qid', 28, 'Tolerated under supervision after allergist review') $$,
  'with an override reason it is prescribed');
select results_eq($$ select allergy_warning, allergy_override_reason from public.prescriptions where medication = 'Penicillin V' $$,
  $$ values ('Penicillin (severe, Anaphylaxis)', 'Tolerated under supervision after allergist review') $$,
  'the warning and the reason for overriding it are recorded');
select lives_ok($$ insert into public.prescriptions (patient_id, medication, dose, frequency, quantity, refills, allergy_override_reason) values (tests.k('patient'), 'Salbutamol inhaler', '100 mcg', 'as needed', 1, 2, 'not needed') $$,
  'a medication without a match is prescribed');
select results_eq($$ select allergy_warning, allergy_override_reason from public.prescriptions where medication = 'Salbutamol inhaler' $$,
  $$ values (null::text, null::text) $$, 'without a match no warning or override is kept');
select tests.act_as('alpha_nurse');
update public.allergies set status = 'inactive' where substance = 'Sulfa drugs';
select tests.act_as('alpha_doctor');
select lives_ok($$ insert into public.prescriptions (patient_id, medication, dose, frequency, quantity) values (tests.k('patient'), 'Sulfamethoxazole', '800 mg', 'bd', 10) $$,
  'an inactive allergy no longer blocks');

-- receptionists and outsiders see none of it
select tests.act_as('alpha_reception');
select is((select count(*)::int from public.allergies) + (select count(*)::int from public.problems)
          + (select count(*)::int from public.no_known_allergies), 0, 'a receptionist sees no allergies, problems or allergy statements');
select tests.act_as('alpha_lab');
select is((select count(*)::int from public.allergies), 2, 'a lab technician sees the allergies');
select is((select count(*)::int from public.problems), 0, 'but not the problem list');
select tests.act_as('beta_doctor');
select is((select count(*)::int from public.allergies), 0, 'another clinic sees no allergies');

-- authorization first: an outsider's insert fails like RLS whatever the clinic id
select tests.act_as('beta_doctor');
select is(tests.outcome(format($$ insert into public.allergies (organization_id, patient_id, substance) values (%L, %L, 'x') $$, tests.org_id('alpha'), tests.k('patient'))),
          tests.outcome(format($$ insert into public.allergies (organization_id, patient_id, substance) values (%L, %L, 'x') $$, tests.k('nowhere'), tests.k('nowhere'))),
          'allergies: an outsider''s error for clinic A equals the error for a clinic that does not exist');
select is(tests.outcome(format($$ insert into public.allergies (organization_id, patient_id, substance) values (%L, %L, 'x') $$, tests.org_id('alpha'), tests.k('patient'))),
          '42501 new row violates row-level security policy for table "allergies"', '... which is RLS''s own error');
select is(tests.outcome(format($$ insert into public.no_known_allergies (organization_id, patient_id) values (%L, %L) $$, tests.org_id('alpha'), tests.k('patient'))),
          tests.outcome(format($$ insert into public.no_known_allergies (organization_id, patient_id) values (%L, %L) $$, tests.k('nowhere'), tests.k('nowhere'))),
          'no_known_allergies: an outsider''s error for a patient with allergies equals the error for nothing');
select is(tests.outcome(format($$ insert into public.problems (organization_id, patient_id, description, onset_date) values (%L, %L, 'x', '2999-01-01') $$, tests.org_id('alpha'), tests.k('patient'))),
          tests.outcome(format($$ insert into public.problems (organization_id, patient_id, description, onset_date) values (%L, %L, 'x', '2999-01-01') $$, tests.k('nowhere'), tests.k('nowhere'))),
          'problems: an outsider''s error (with an invalid onset) equals the error for a clinic that does not exist');
select is(tests.outcome(format($$ insert into public.prescriptions (organization_id, patient_id, medication, dose, frequency, quantity) values (%L, %L, 'Penicillin', '1', 'od', 1) $$, tests.org_id('alpha'), tests.k('patient'))),
          tests.outcome(format($$ insert into public.prescriptions (organization_id, patient_id, medication, dose, frequency, quantity) values (%L, %L, 'Penicillin', '1', 'od', 1) $$, tests.k('nowhere'), tests.k('nowhere'))),
          'prescriptions: an outsider prescribing an allergen gets no allergy warning, only RLS''s error');
select is(tests.outcome(format($$ insert into public.visit_notes (organization_id, visit_id, vitals) values (%L, %L, '{"pulse": 1}') $$, tests.org_id('alpha'), tests.k('visit2'))),
          tests.outcome(format($$ insert into public.visit_notes (organization_id, visit_id, vitals) values (%L, %L, '{"pulse": 1}') $$, tests.k('nowhere'), tests.k('nowhere'))),
          'visit_notes: an outsider''s error (with invalid vitals) equals the error for a clinic that does not exist');
select is(tests.outcome(format($$ insert into public.note_templates (organization_id, name, body) values (%L, 'x', 'y') $$, tests.org_id('alpha'))),
          tests.outcome(format($$ insert into public.note_templates (organization_id, name, body) values (%L, 'x', 'y') $$, tests.k('nowhere'))),
          'note_templates: an outsider''s error equals the error for a clinic that does not exist');

-- Problems
select tests.act_as('alpha_doctor');
select throws_ok($$ insert into public.problems (patient_id, description, onset_date) values (tests.k('patient'), 'Asthma', current_date + 1) $$, '23514',
  'problems: the onset cannot be in the future', 'an onset in the future is refused');
select throws_ok($$ insert into public.problems (patient_id, description, code) values (tests.k('patient'), 'Asthma', 'J45 <b>') $$, '23514', null,
  'a code is letters, digits, dots and dashes');
select lives_ok($$ insert into public.problems (patient_id, description, code, onset_date) values (tests.k('patient'), 'Asthma', 'J45.20', '2020-01-01') $$, 'a doctor records a problem');
select results_eq($$ update public.problems set status = 'resolved' where description = 'Asthma' returning resolved_at is not null $$,
  $$ values (true) $$, 'resolving it records when');

-- Dispensing to the last refill ------------------------------------------------------------------------------
insert into tests.k select 'rx', id from public.prescriptions where medication = 'Salbutamol inhaler';
select tests.act_as('alpha_doctor');
select throws_ok($$ select public.dispense_prescription(tests.k('rx'), 1) $$, '42501',
  'Only pharmacists of this clinic dispense prescriptions', 'a doctor does not dispense');
select tests.act_as('beta_pharmacist');
select is(tests.outcome($$ select public.dispense_prescription(tests.k('rx'), 1) $$),
          tests.outcome($$ select public.dispense_prescription(tests.k('nowhere'), 1) $$),
          'another clinic''s pharmacist: the same error as for a prescription that does not exist');
select tests.act_as('alpha_pharmacist');
select throws_ok($$ select public.dispense_prescription(tests.k('rx'), 2) $$, '23514',
  'prescription_dispenses: a fill is more than 0 and at most 1.00 tablets', 'a fill is at most the prescribed quantity');
select is(public.dispense_prescription(tests.k('rx'), 1), 1, 'fill 1');
select is(public.dispense_prescription(tests.k('rx'), null), 2, 'fill 2 (refill 1; the quantity defaults to the prescribed one)');
select results_eq($$ select status::text, fills_dispensed from public.prescriptions where id = tests.k('rx') $$,
  $$ values ('active', 2) $$, 'still active with one refill left');
select is(public.dispense_prescription(tests.k('rx'), 1), 3, 'fill 3: the last refill');
select results_eq($$ select status::text, fills_dispensed, completed_by from public.prescriptions where id = tests.k('rx') $$,
  $$ values ('completed', 3, tests.user_id('alpha_pharmacist')) $$, 'the last fill completes it');
select throws_ok($$ select public.dispense_prescription(tests.k('rx'), 1) $$, '23514',
  'prescriptions: a completed prescription cannot be dispensed', 'nothing is dispensed after the last fill');
select results_eq($$ select fill_number, quantity, dispensed_by from public.prescription_dispenses where prescription_id = tests.k('rx') order by fill_number $$,
  $$ values (1, 1.00, tests.user_id('alpha_pharmacist')), (2, 1.00, tests.user_id('alpha_pharmacist')), (3, 1.00, tests.user_id('alpha_pharmacist')) $$,
  'each fill is recorded: number, quantity, who');

-- Current medications: the patient's active prescriptions, exactly what RLS shows ---------------------------
select tests.clear_authentication();
create or replace function tests.meds(p_persona text) returns text language plpgsql as $$
declare
  v text;
begin
  perform tests.act_as(p_persona);
  select format('%s %s',
    (select count(*) from public.current_medications(tests.k('patient'))),
    case when (select array_agg(m.id order by m.id) from public.current_medications(tests.k('patient')) m)
              is not distinct from
              (select array_agg(p.id order by p.id) from public.prescriptions p where p.patient_id = tests.k('patient') and p.status = 'active')
         then 'same' else 'DIFFERENT' end) into v;
  perform tests.clear_authentication();
  return v;
end;
$$;
select is(tests.meds('alpha_doctor'), '2 same', 'doctor: the two active prescriptions, as RLS');
select is(tests.meds('alpha_pharmacist'), '2 same', 'pharmacist: the same');
select is(tests.meds('alpha_admin'), '2 same', 'admin: the same');
select is(tests.meds('alpha_reception'), '0 same', 'receptionist: none, as RLS');
select is(tests.meds('alpha_lab'), '0 same', 'lab technician: none, as RLS');
select is(tests.meds('beta_doctor'), '0 same', 'another clinic: none');
select is(tests.meds('nobody'), '0 same', 'no clinic: none');
select tests.as_anon();
select throws_ok($$ select * from public.current_medications(tests.k('patient')) $$, '42501', null, 'anon may not call current_medications');
select tests.clear_authentication();
select matches(
  (select prosrc from pg_proc where oid = 'private.current_medications(uuid)'::regprocedure),
  $re$current_read_org_id_for\(private\.prescription_reader_roles\(\)\)$re$,
  'current_medications scopes to prescription_reader_roles(), as prescriptions_select_prescription_reader'
);

select * from finish();

rollback;
