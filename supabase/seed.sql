-- Demo data for local development and tests: two clinics with distinct branding, staff of every
-- role in each, one person working at both, and a platform admin. Every login uses the password
-- `Demo-password-1` (see docs/demo-logins.md). Safe to run more than once.

-- Clinics -------------------------------------------------------------------------------------------
insert into public.organizations (id, slug, name, type, theme_color, sign_in_message, plan_id, time_zone)
values
  ('a0a0a0a0-0000-4000-8000-000000000001', 'clinic-a', 'Riverside Family Clinic', 'clinic',
   '#0f766e', 'Welcome to Riverside Family Clinic. Staff sign in with their clinic email.', 'clinic',
   'America/New_York'),
  ('b0b0b0b0-0000-4000-8000-000000000002', 'city-hospital', 'City General Hospital', 'hospital',
   '#4338ca', 'City General Hospital staff portal. Authorised personnel only.', 'hospital',
   'Europe/Berlin')
on conflict (id) do update
  set slug = excluded.slug,
      name = excluded.name,
      type = excluded.type,
      theme_color = excluded.theme_color,
      sign_in_message = excluded.sign_in_message,
      plan_id = excluded.plan_id,
      time_zone = excluded.time_zone;

-- People --------------------------------------------------------------------------------------------
create temporary table demo_people (
  id uuid primary key,
  email text not null,
  full_name text not null,
  active_organization_id uuid
);

insert into demo_people (id, email, full_name, active_organization_id)
values
  ('00000000-0000-4000-8000-00000000a001', 'admin@clinic-a.test', 'Amira Haddad', 'a0a0a0a0-0000-4000-8000-000000000001'),
  ('00000000-0000-4000-8000-00000000a002', 'doctor@clinic-a.test', 'Dr. Maya Chen', 'a0a0a0a0-0000-4000-8000-000000000001'),
  ('00000000-0000-4000-8000-00000000a003', 'nurse@clinic-a.test', 'Tom Okafor', 'a0a0a0a0-0000-4000-8000-000000000001'),
  ('00000000-0000-4000-8000-00000000a004', 'reception@clinic-a.test', 'Lucia Romero', 'a0a0a0a0-0000-4000-8000-000000000001'),
  ('00000000-0000-4000-8000-00000000a005', 'lab@clinic-a.test', 'Ken Watanabe', 'a0a0a0a0-0000-4000-8000-000000000001'),
  ('00000000-0000-4000-8000-00000000a006', 'pharmacist@clinic-a.test', 'Priya Nair', 'a0a0a0a0-0000-4000-8000-000000000001'),
  ('00000000-0000-4000-8000-00000000b001', 'admin@city-hospital.test', 'Daniel Mensah', 'b0b0b0b0-0000-4000-8000-000000000002'),
  ('00000000-0000-4000-8000-00000000b002', 'doctor@city-hospital.test', 'Dr. Sofia Rossi', 'b0b0b0b0-0000-4000-8000-000000000002'),
  ('00000000-0000-4000-8000-00000000b003', 'nurse@city-hospital.test', 'Aisha Bello', 'b0b0b0b0-0000-4000-8000-000000000002'),
  ('00000000-0000-4000-8000-00000000b004', 'reception@city-hospital.test', 'Marco Silva', 'b0b0b0b0-0000-4000-8000-000000000002'),
  ('00000000-0000-4000-8000-00000000b005', 'lab@city-hospital.test', 'Hana Kim', 'b0b0b0b0-0000-4000-8000-000000000002'),
  ('00000000-0000-4000-8000-00000000b006', 'pharmacist@city-hospital.test', 'Omar Farouk', 'b0b0b0b0-0000-4000-8000-000000000002'),
  ('00000000-0000-4000-8000-00000000c001', 'both@demo.test', 'Dr. Jordan Lee', 'a0a0a0a0-0000-4000-8000-000000000001'),
  ('00000000-0000-4000-8000-00000000d001', 'platform@demo.test', 'Pat Morgan', null);

-- Auth users as GoTrue stores them (the profile is created by the on_auth_user_created trigger)
insert into auth.users (
  id, instance_id, aud, role, email, encrypted_password, email_confirmed_at,
  raw_app_meta_data, raw_user_meta_data, created_at, updated_at,
  confirmation_token, recovery_token, email_change_token_new, email_change
)
select
  p.id, '00000000-0000-0000-0000-000000000000', 'authenticated', 'authenticated', p.email,
  extensions.crypt('Demo-password-1', extensions.gen_salt('bf')), now(),
  '{"provider":"email","providers":["email"]}'::jsonb, '{}'::jsonb, now(), now(),
  '', '', '', ''
from demo_people p
on conflict (id) do nothing;

insert into auth.identities (provider_id, user_id, identity_data, provider, last_sign_in_at, created_at, updated_at)
select
  p.id::text, p.id,
  jsonb_build_object('sub', p.id::text, 'email', p.email, 'email_verified', true),
  'email', now(), now(), now()
from demo_people p
on conflict (provider_id, provider) do nothing;

update public.profiles pr
   set full_name = p.full_name,
       active_organization_id = p.active_organization_id
  from demo_people p
 where pr.id = p.id;

-- Memberships ---------------------------------------------------------------------------------------
insert into public.memberships (organization_id, user_id, role, status)
values
  ('a0a0a0a0-0000-4000-8000-000000000001', '00000000-0000-4000-8000-00000000a001', 'admin', 'active'),
  ('a0a0a0a0-0000-4000-8000-000000000001', '00000000-0000-4000-8000-00000000a002', 'doctor', 'active'),
  ('a0a0a0a0-0000-4000-8000-000000000001', '00000000-0000-4000-8000-00000000a003', 'nurse', 'active'),
  ('a0a0a0a0-0000-4000-8000-000000000001', '00000000-0000-4000-8000-00000000a004', 'receptionist', 'active'),
  ('a0a0a0a0-0000-4000-8000-000000000001', '00000000-0000-4000-8000-00000000a005', 'lab_technician', 'active'),
  ('a0a0a0a0-0000-4000-8000-000000000001', '00000000-0000-4000-8000-00000000a006', 'pharmacist', 'active'),
  ('b0b0b0b0-0000-4000-8000-000000000002', '00000000-0000-4000-8000-00000000b001', 'admin', 'active'),
  ('b0b0b0b0-0000-4000-8000-000000000002', '00000000-0000-4000-8000-00000000b002', 'doctor', 'active'),
  ('b0b0b0b0-0000-4000-8000-000000000002', '00000000-0000-4000-8000-00000000b003', 'nurse', 'active'),
  ('b0b0b0b0-0000-4000-8000-000000000002', '00000000-0000-4000-8000-00000000b004', 'receptionist', 'active'),
  ('b0b0b0b0-0000-4000-8000-000000000002', '00000000-0000-4000-8000-00000000b005', 'lab_technician', 'active'),
  ('b0b0b0b0-0000-4000-8000-000000000002', '00000000-0000-4000-8000-00000000b006', 'pharmacist', 'active'),
  -- Jordan Lee: doctor at Riverside, admin at City General (switch clinics to see both roles)
  ('a0a0a0a0-0000-4000-8000-000000000001', '00000000-0000-4000-8000-00000000c001', 'doctor', 'active'),
  ('b0b0b0b0-0000-4000-8000-000000000002', '00000000-0000-4000-8000-00000000c001', 'admin', 'active')
on conflict (organization_id, user_id) do nothing;

-- Platform admin ------------------------------------------------------------------------------------
insert into public.platform_admins (user_id)
values ('00000000-0000-4000-8000-00000000d001')
on conflict (user_id) do nothing;

drop table demo_people;

-- =====================================================================================================
-- Clinical demo data (issue 5: clinical records). Patients, visits with notes and vitals, lab orders
-- and prescriptions for both clinics, plus custom patient fields (Riverside requires nothing but
-- checks the format of its national health insurance number: mask AAA9999, e.g. ABC1234). Runs only while a clinic has no
-- patients, so re-running the seed neither duplicates rows nor burns medical record numbers.
-- =====================================================================================================
insert into public.patient_field_definitions (organization_id, key, label, field_type, options, required, format_kind, format_mask, unique_within_clinic, sort_order)
values
  ('a0a0a0a0-0000-4000-8000-000000000001', 'nhi_number', 'National health insurance number', 'text', null, false, 'mask', 'AAA9999', true, 10),
  ('a0a0a0a0-0000-4000-8000-000000000001', 'blood_group', 'Blood group', 'select', array['A+', 'A-', 'B+', 'B-', 'AB+', 'AB-', 'O+', 'O-'], false, 'any', null, false, 20),
  ('b0b0b0b0-0000-4000-8000-000000000002', 'insurer', 'Insurer', 'select', array['Public', 'MediCare Plus', 'Self-pay'], true, 'any', null, false, 10),
  ('b0b0b0b0-0000-4000-8000-000000000002', 'organ_donor', 'Organ donor', 'boolean', null, false, 'any', null, false, 20)
on conflict (organization_id, key) do nothing;

do $$
declare
  v_a uuid := 'a0a0a0a0-0000-4000-8000-000000000001';
  v_b uuid := 'b0b0b0b0-0000-4000-8000-000000000002';
  v_a_doctor uuid := '00000000-0000-4000-8000-00000000a002';
  v_a_nurse uuid := '00000000-0000-4000-8000-00000000a003';
  v_a_reception uuid := '00000000-0000-4000-8000-00000000a004';
  v_a_lab uuid := '00000000-0000-4000-8000-00000000a005';
  v_a_pharmacist uuid := '00000000-0000-4000-8000-00000000a006';
  v_b_doctor uuid := '00000000-0000-4000-8000-00000000b002';
  v_b_nurse uuid := '00000000-0000-4000-8000-00000000b003';
  v_b_reception uuid := '00000000-0000-4000-8000-00000000b004';
  v_patient uuid;
  v_visit uuid;
  v_order uuid;
  v_rx uuid;
begin
  if not exists (select 1 from public.patients where organization_id = v_a) then
    insert into public.patients (organization_id, given_name, family_name, date_of_birth, sex, phone, email, address, custom_fields, created_by)
    values
      (v_a, 'Eleanor', 'Whitfield', '1948-03-12', 'female', '+1 555 0101', 'eleanor.w@example.test', '12 Mill Lane, Riverside', '{"nhi_number": "WHE4821", "blood_group": "A+"}', v_a_reception),
      (v_a, 'Samuel', 'Okonkwo', '1985-07-30', 'male', '+1 555 0102', null, '4 River Road, Riverside', '{"nhi_number": "OKS1930"}', v_a_reception),
      (v_a, 'Zoë', 'Müller', '1992-11-02', 'female', null, 'zoe.muller@example.test', null, '{"blood_group": "O-"}', v_a_reception),
      (v_a, 'Liam', 'Smith', '2016-05-21', 'male', '+1 555 0104', null, '9 Oak Street, Riverside', '{}', v_a_reception),
      (v_a, 'Grace', 'Smithson', '1970-01-15', 'female', '+1 555 0105', null, null, '{"nhi_number": "SMG7001"}', v_a_reception),
      (v_a, 'Hiro', 'Tanaka', '1959-09-09', 'male', null, null, null, '{}', v_a_reception);

    select id into v_patient from public.patients where organization_id = v_a and family_name = 'Whitfield';
    insert into public.visits (organization_id, patient_id, clinician_id, scheduled_at, reason, status, created_by)
    values (v_a, v_patient, v_a_doctor, now() - interval '7 days', 'Blood pressure review', 'in_progress', v_a_reception)
    returning id into v_visit;
    update public.visits set status = 'completed' where id = v_visit;
    insert into public.visit_notes (organization_id, visit_id, author_id, notes, vitals)
    values (v_a, v_visit, v_a_doctor, 'BP improving on current regimen. Continue amlodipine; recheck HbA1c.',
            '{"heart_rate": 72, "bp_systolic": 138, "bp_diastolic": 86, "temperature_c": 36.7, "spo2": 97}');
    -- signed at the end of the visit, then amended once (the original stays as version 1)
    update public.visit_notes set signed_at = now() - interval '7 days' + interval '25 minutes', signed_by = v_a_doctor
     where visit_id = v_visit;
    insert into public.visit_note_amendments (organization_id, visit_id, version, notes, vitals, reason, changed_fields, author_id)
    values (v_a, v_visit, 2, 'BP improving on current regimen. Continue amlodipine; recheck HbA1c. Weight measured after the consultation.',
            '{"heart_rate": 72, "bp_systolic": 138, "bp_diastolic": 86, "temperature_c": 36.7, "spo2": 97, "weight_kg": 68.5}',
            'Weight was measured by the nurse after signing', array['notes', 'weight_kg'], v_a_doctor);
    insert into public.lab_orders (organization_id, patient_id, visit_id, ordered_by, test_code, test_name, priority)
    values (v_a, v_patient, v_visit, v_a_doctor, 'HBA1C', 'Haemoglobin A1c', 'routine') returning id into v_order;
    update public.lab_orders set status = 'collected', collected_by = v_a_nurse where id = v_order;
    update public.lab_orders
       set status = 'resulted', result_value = '6.1', result_unit = '%', reference_range = '4.0-5.6',
           result_flag = 'high', result_notes = 'Above target; consistent with prediabetes range.', resulted_by = v_a_lab
     where id = v_order;
    insert into public.lab_orders (organization_id, patient_id, visit_id, ordered_by, test_code, test_name, priority)
    values (v_a, v_patient, v_visit, v_a_doctor, 'LIPID', 'Lipid panel', 'routine');
    insert into public.prescriptions (organization_id, patient_id, visit_id, prescriber_id, medication, dose, route, frequency, duration_days, quantity, quantity_unit, refills, instructions)
    values (v_a, v_patient, v_visit, v_a_doctor, 'Amlodipine', '5 mg', 'oral', 'once daily', 30, 30, 'tablets', 2, 'Take in the morning.')
    returning id into v_rx;
    -- first fill dispensed, two refills left
    insert into public.prescription_dispenses (organization_id, prescription_id, fill_number, quantity, dispensed_by)
    values (v_a, v_rx, 1, 30, v_a_pharmacist);
    update public.prescriptions set fills_dispensed = 1, last_dispensed_at = now() where id = v_rx;
    insert into public.prescriptions (organization_id, patient_id, visit_id, prescriber_id, medication, dose, route, frequency, quantity, quantity_unit)
    values (v_a, v_patient, v_visit, v_a_doctor, 'Paracetamol', '1 g', 'oral', 'up to four times daily', 32, 'tablets')
    returning id into v_rx;
    insert into public.prescription_dispenses (organization_id, prescription_id, fill_number, quantity, dispensed_by)
    values (v_a, v_rx, 1, 32, v_a_pharmacist);
    update public.prescriptions set fills_dispensed = 1, last_dispensed_at = now(), status = 'completed', completed_by = v_a_pharmacist
     where id = v_rx;
    insert into public.allergies (organization_id, patient_id, kind, substance, reaction, severity, recorded_by, created_at)
    values
      (v_a, v_patient, 'allergy', 'Penicillin', 'Anaphylaxis (1998)', 'severe', v_a_doctor, now() - interval '2 years'),
      (v_a, v_patient, 'allergy', 'Latex', 'Contact dermatitis', 'moderate', v_a_nurse, now() - interval '1 year'),
      (v_a, v_patient, 'intolerance', 'Codeine', 'Nausea and vomiting', 'mild', v_a_pharmacist, now() - interval '6 months');
    insert into public.problems (organization_id, patient_id, description, code, onset_date, status, recorded_by)
    values
      (v_a, v_patient, 'Essential hypertension', 'I10', '2015-06-01', 'active', v_a_doctor),
      (v_a, v_patient, 'Type 2 diabetes mellitus, diet-controlled', 'E11.9', '2021-03-15', 'active', v_a_doctor),
      (v_a, v_patient, 'Acute appendicitis (appendicectomy)', 'K35.80', '1962-08-01', 'resolved', v_a_doctor);

    select id into v_patient from public.patients where organization_id = v_a and family_name = 'Smith';
    insert into public.allergies (organization_id, patient_id, kind, substance, reaction, severity, recorded_by)
    values (v_a, v_patient, 'allergy', 'Peanut', 'Urticaria and wheeze', 'severe', v_a_nurse);
    insert into public.problems (organization_id, patient_id, description, code, onset_date, recorded_by)
    values (v_a, v_patient, 'Asthma, mild intermittent', 'J45.20', '2020-02-01', v_a_doctor);
    insert into public.visits (organization_id, patient_id, clinician_id, scheduled_at, reason, created_by)
    values (v_a, v_patient, v_a_doctor, date_trunc('day', now()) + interval '1 day 9 hours', 'Childhood vaccination', v_a_reception);
    select id into v_patient from public.patients where organization_id = v_a and family_name = 'Okonkwo';
    insert into public.no_known_allergies (organization_id, patient_id, recorded_by) values (v_a, v_patient, v_a_nurse);
    insert into public.visits (organization_id, patient_id, clinician_id, scheduled_at, reason, created_by)
    values (v_a, v_patient, v_a_nurse, date_trunc('day', now()) + interval '1 day 10 hours 30 minutes', 'Wound dressing', v_a_reception);
    insert into public.lab_orders (organization_id, patient_id, ordered_by, test_code, test_name, priority)
    values (v_a, v_patient, v_a_doctor, 'CBC', 'Full blood count', 'urgent');
  end if;

  if not exists (select 1 from public.patients where organization_id = v_b) then
    insert into public.patients (organization_id, given_name, family_name, date_of_birth, sex, phone, custom_fields, created_by)
    values
      (v_b, 'Amara', 'Nwosu', '1979-04-18', 'female', '+1 555 0201', '{"insurer": "Public", "organ_donor": true}', v_b_reception),
      (v_b, 'Carlos', 'Mendes', '1963-12-01', 'male', '+1 555 0202', '{"insurer": "MediCare Plus"}', v_b_reception),
      (v_b, 'Eleanor', 'Whitfield', '1990-06-06', 'female', null, '{"insurer": "Self-pay"}', v_b_reception);

    select id into v_patient from public.patients where organization_id = v_b and family_name = 'Nwosu';
    insert into public.no_known_allergies (organization_id, patient_id, recorded_by) values (v_b, v_patient, v_b_nurse);
    select id into v_patient from public.patients where organization_id = v_b and family_name = 'Mendes';
    insert into public.allergies (organization_id, patient_id, kind, substance, reaction, severity, recorded_by)
    values (v_b, v_patient, 'allergy', 'Iodinated contrast media', 'Hives', 'moderate', v_b_nurse);
    insert into public.problems (organization_id, patient_id, description, code, onset_date, recorded_by)
    values
      (v_b, v_patient, 'Acute chest pain, under investigation', 'R07.9', current_date, v_b_doctor),
      (v_b, v_patient, 'Hyperlipidaemia', 'E78.5', '2018-01-01', v_b_doctor);
    insert into public.visits (organization_id, patient_id, clinician_id, scheduled_at, reason, status, created_by)
    values (v_b, v_patient, v_b_doctor, now() - interval '1 hour', 'Chest pain, admitted via ED', 'in_progress', v_b_reception)
    returning id into v_visit;
    insert into public.visit_notes (organization_id, visit_id, author_id, notes, vitals)
    values (v_b, v_visit, v_b_nurse, 'Triage: central chest pain for 2 hours.',
            '{"heart_rate": 104, "bp_systolic": 152, "bp_diastolic": 94, "resp_rate": 20, "spo2": 95}');
    insert into public.lab_orders (organization_id, patient_id, visit_id, ordered_by, test_code, test_name, priority)
    values (v_b, v_patient, v_visit, v_b_doctor, 'TROP', 'High-sensitivity troponin', 'stat');
    insert into public.prescriptions (organization_id, patient_id, visit_id, prescriber_id, medication, dose, route, frequency, quantity, quantity_unit)
    values (v_b, v_patient, v_visit, v_b_doctor, 'Aspirin', '300 mg', 'oral', 'once', 1, 'tablet');
  end if;
end;
$$;

-- =====================================================================================================
-- Diary demo data (issue 15): more patients and a believable week of appointments for both clinics,
-- relative to the day the seed runs in each clinic's own time zone (three days back, four ahead;
-- weekends mornings only). Past appointments were seen (their visit started from the appointment and
-- completed) or marked no-show / cancelled; the one running now has arrived; later ones are booked.
-- Runs only while a clinic has no appointments.
-- =====================================================================================================
insert into public.patients (organization_id, given_name, family_name, date_of_birth, sex, phone, custom_fields, created_by)
select v.org::uuid, v.given, v.family, v.dob::date, v.sex::public.patient_sex, v.phone, v.fields::jsonb, v.created_by::uuid
  from (values
    ('a0a0a0a0-0000-4000-8000-000000000001', 'Aisha', 'Rahman', '1988-02-14', 'female', '+1 555 0110', '{}', '00000000-0000-4000-8000-00000000a004'),
    ('a0a0a0a0-0000-4000-8000-000000000001', 'Brendan', 'Kelly', '1974-08-03', 'male', '+1 555 0111', '{}', '00000000-0000-4000-8000-00000000a004'),
    ('a0a0a0a0-0000-4000-8000-000000000001', 'Chloé', 'Dubois', '2001-12-19', 'female', null, '{}', '00000000-0000-4000-8000-00000000a004'),
    ('a0a0a0a0-0000-4000-8000-000000000001', 'Dmitri', 'Volkov', '1966-04-27', 'male', '+1 555 0113', '{}', '00000000-0000-4000-8000-00000000a004'),
    ('a0a0a0a0-0000-4000-8000-000000000001', 'Esperanza', 'Flores', '1953-10-08', 'female', '+1 555 0114', '{}', '00000000-0000-4000-8000-00000000a004'),
    ('a0a0a0a0-0000-4000-8000-000000000001', 'Farid', 'Haddad', '1999-06-11', 'male', null, '{}', '00000000-0000-4000-8000-00000000a004'),
    ('a0a0a0a0-0000-4000-8000-000000000001', 'Greta', 'Lindqvist', '1981-03-05', 'female', '+1 555 0116', '{}', '00000000-0000-4000-8000-00000000a004'),
    ('a0a0a0a0-0000-4000-8000-000000000001', 'Hamish', 'Campbell', '2012-09-23', 'male', '+1 555 0117', '{}', '00000000-0000-4000-8000-00000000a004'),
    ('a0a0a0a0-0000-4000-8000-000000000001', 'Ines', 'Carvalho', '1994-01-30', 'female', '+1 555 0118', '{}', '00000000-0000-4000-8000-00000000a004'),
    ('a0a0a0a0-0000-4000-8000-000000000001', 'Jamal', 'Wright', '1977-11-16', 'male', '+1 555 0119', '{}', '00000000-0000-4000-8000-00000000a004'),
    ('b0b0b0b0-0000-4000-8000-000000000002', 'Katarzyna', 'Nowak', '1968-05-09', 'female', '+1 555 0210', '{"insurer": "Public"}', '00000000-0000-4000-8000-00000000b004'),
    ('b0b0b0b0-0000-4000-8000-000000000002', 'Luca', 'Bianchi', '1983-07-21', 'male', '+1 555 0211', '{"insurer": "MediCare Plus"}', '00000000-0000-4000-8000-00000000b004'),
    ('b0b0b0b0-0000-4000-8000-000000000002', 'Mei', 'Lin', '1990-02-02', 'female', null, '{"insurer": "Public"}', '00000000-0000-4000-8000-00000000b004'),
    ('b0b0b0b0-0000-4000-8000-000000000002', 'Nikolai', 'Petrov', '1957-12-12', 'male', '+1 555 0213', '{"insurer": "Self-pay"}', '00000000-0000-4000-8000-00000000b004'),
    ('b0b0b0b0-0000-4000-8000-000000000002', 'Olga', 'Ivanova', '1972-09-17', 'female', '+1 555 0214', '{"insurer": "Public"}', '00000000-0000-4000-8000-00000000b004'),
    ('b0b0b0b0-0000-4000-8000-000000000002', 'Pedro', 'Alvarez', '1949-03-28', 'male', '+1 555 0215', '{"insurer": "MediCare Plus"}', '00000000-0000-4000-8000-00000000b004'),
    ('b0b0b0b0-0000-4000-8000-000000000002', 'Rania', 'Aziz', '1996-10-04', 'female', '+1 555 0216', '{"insurer": "Public"}', '00000000-0000-4000-8000-00000000b004'),
    ('b0b0b0b0-0000-4000-8000-000000000002', 'Stefan', 'Koch', '1961-06-30', 'male', null, '{"insurer": "Self-pay"}', '00000000-0000-4000-8000-00000000b004')
  ) as v (org, given, family, dob, sex, phone, fields, created_by)
 where not exists (select 1 from public.appointments a where a.organization_id = v.org::uuid)
   and not exists (
     select 1 from public.patients p
      where p.organization_id = v.org::uuid and p.given_name = v.given and p.family_name = v.family
   );

do $$
declare
  v_clinic record;
  v_slot record;
  v_today date;
  v_day date;
  v_offset integer;
  v_patients uuid[];
  v_n integer;
  v_starts timestamptz;
  v_ends timestamptz;
  v_appointment uuid;
  v_visit uuid;
begin
  for v_clinic in
    select o.id, o.time_zone,
           case o.id when 'a0a0a0a0-0000-4000-8000-000000000001' then '00000000-0000-4000-8000-00000000a004'::uuid
                     else '00000000-0000-4000-8000-00000000b004'::uuid end as reception
      from public.organizations o
     where o.id in ('a0a0a0a0-0000-4000-8000-000000000001', 'b0b0b0b0-0000-4000-8000-000000000002')
       and not exists (select 1 from public.appointments a where a.organization_id = o.id)
  loop
    select array_agg(p.id order by p.family_name, p.given_name) into v_patients
      from public.patients p where p.organization_id = v_clinic.id and p.archived_at is null;
    v_n := coalesce(array_length(v_patients, 1), 0);
    continue when v_n = 0;
    v_today := (now() at time zone v_clinic.time_zone)::date;
    for v_offset in -3..4 loop
      v_day := v_today + v_offset;
      for v_slot in
        select t.clinician::uuid as clinician, t.at::time as at, t.minutes, t.kind,
               row_number() over (order by t.at, t.clinician) as n
          from (values
            -- Riverside: Dr. Maya Chen, Tom Okafor (nurse), Dr. Jordan Lee
            ('a0a0a0a0-0000-4000-8000-000000000001', '00000000-0000-4000-8000-00000000a002', '08:30', 20, 'Consultation'),
            ('a0a0a0a0-0000-4000-8000-000000000001', '00000000-0000-4000-8000-00000000a002', '09:00', 30, 'Blood pressure review'),
            ('a0a0a0a0-0000-4000-8000-000000000001', '00000000-0000-4000-8000-00000000a002', '09:40', 20, 'Follow-up'),
            ('a0a0a0a0-0000-4000-8000-000000000001', '00000000-0000-4000-8000-00000000a002', '10:30', 30, 'Consultation'),
            ('a0a0a0a0-0000-4000-8000-000000000001', '00000000-0000-4000-8000-00000000a002', '11:15', 15, 'Prescription review'),
            ('a0a0a0a0-0000-4000-8000-000000000001', '00000000-0000-4000-8000-00000000a002', '13:30', 30, 'New patient consultation'),
            ('a0a0a0a0-0000-4000-8000-000000000001', '00000000-0000-4000-8000-00000000a002', '14:15', 20, 'Follow-up'),
            ('a0a0a0a0-0000-4000-8000-000000000001', '00000000-0000-4000-8000-00000000a002', '15:00', 30, 'Diabetes review'),
            ('a0a0a0a0-0000-4000-8000-000000000001', '00000000-0000-4000-8000-00000000a002', '16:00', 20, 'Consultation'),
            ('a0a0a0a0-0000-4000-8000-000000000001', '00000000-0000-4000-8000-00000000a003', '08:30', 15, 'Vaccination'),
            ('a0a0a0a0-0000-4000-8000-000000000001', '00000000-0000-4000-8000-00000000a003', '09:00', 20, 'Wound dressing'),
            ('a0a0a0a0-0000-4000-8000-000000000001', '00000000-0000-4000-8000-00000000a003', '10:00', 15, 'Blood test'),
            ('a0a0a0a0-0000-4000-8000-000000000001', '00000000-0000-4000-8000-00000000a003', '11:00', 30, 'Health check'),
            ('a0a0a0a0-0000-4000-8000-000000000001', '00000000-0000-4000-8000-00000000a003', '14:00', 20, 'Wound dressing'),
            ('a0a0a0a0-0000-4000-8000-000000000001', '00000000-0000-4000-8000-00000000a003', '15:30', 15, 'Vaccination'),
            ('a0a0a0a0-0000-4000-8000-000000000001', '00000000-0000-4000-8000-00000000c001', '10:00', 30, 'Consultation'),
            ('a0a0a0a0-0000-4000-8000-000000000001', '00000000-0000-4000-8000-00000000c001', '11:00', 20, 'Follow-up'),
            ('a0a0a0a0-0000-4000-8000-000000000001', '00000000-0000-4000-8000-00000000c001', '14:00', 30, 'Minor procedure'),
            ('a0a0a0a0-0000-4000-8000-000000000001', '00000000-0000-4000-8000-00000000c001', '15:00', 20, 'Follow-up'),
            -- City General: Dr. Sofia Rossi, Aisha Bello (nurse)
            ('b0b0b0b0-0000-4000-8000-000000000002', '00000000-0000-4000-8000-00000000b002', '08:00', 30, 'Cardiology review'),
            ('b0b0b0b0-0000-4000-8000-000000000002', '00000000-0000-4000-8000-00000000b002', '09:00', 45, 'New patient consultation'),
            ('b0b0b0b0-0000-4000-8000-000000000002', '00000000-0000-4000-8000-00000000b002', '10:00', 20, 'Follow-up'),
            ('b0b0b0b0-0000-4000-8000-000000000002', '00000000-0000-4000-8000-00000000b002', '11:00', 30, 'Pre-operative assessment'),
            ('b0b0b0b0-0000-4000-8000-000000000002', '00000000-0000-4000-8000-00000000b002', '14:00', 30, 'Cardiology review'),
            ('b0b0b0b0-0000-4000-8000-000000000002', '00000000-0000-4000-8000-00000000b002', '15:00', 20, 'Follow-up'),
            ('b0b0b0b0-0000-4000-8000-000000000002', '00000000-0000-4000-8000-00000000b003', '08:30', 20, 'Blood test'),
            ('b0b0b0b0-0000-4000-8000-000000000002', '00000000-0000-4000-8000-00000000b003', '09:30', 30, 'ECG'),
            ('b0b0b0b0-0000-4000-8000-000000000002', '00000000-0000-4000-8000-00000000b003', '11:00', 20, 'Wound dressing'),
            ('b0b0b0b0-0000-4000-8000-000000000002', '00000000-0000-4000-8000-00000000b003', '13:30', 15, 'Vaccination'),
            ('b0b0b0b0-0000-4000-8000-000000000002', '00000000-0000-4000-8000-00000000b003', '14:30', 30, 'Health check')
          ) as t (org, clinician, at, minutes, kind)
         where t.org::uuid = v_clinic.id
           -- weekends: mornings only
           and (extract(isodow from v_day) < 6 or t.at::time < '12:00')
      loop
        -- the clinic's wall-clock time on that day, as an instant
        v_starts := (v_day + v_slot.at) at time zone v_clinic.time_zone;
        v_ends := v_starts + make_interval(mins => v_slot.minutes);
        insert into public.appointments (organization_id, patient_id, clinician_id, starts_at, ends_at, appointment_type, created_by)
        values (v_clinic.id, v_patients[1 + ((v_slot.n::integer + 5 * (v_offset + 3)) % v_n)], v_slot.clinician,
                v_starts, v_ends, v_slot.kind, v_clinic.reception)
        returning id into v_appointment;
        if v_ends <= now() then
          if (v_slot.n + v_offset) % 9 = 0 then
            update public.appointments set status = 'no_show' where id = v_appointment;
          elsif (v_slot.n + v_offset) % 13 = 0 then
            update public.appointments set status = 'cancelled', cancel_reason = 'Patient called to reschedule'
             where id = v_appointment;
          else
            -- seen: the visit started from the appointment, then completed (the appointment follows)
            update public.appointments set status = 'arrived' where id = v_appointment;
            insert into public.visits (organization_id, patient_id, appointment_id, started_at, created_by)
            select a.organization_id, a.patient_id, a.id, a.starts_at, v_clinic.reception
              from public.appointments a where a.id = v_appointment
            returning id into v_visit;
            update public.visits set status = 'completed', ended_at = v_ends where id = v_visit;
          end if;
        elsif v_starts <= now() then
          update public.appointments set status = 'arrived' where id = v_appointment;
        elsif (v_slot.n + v_offset) % 11 = 0 and v_offset > 0 then
          update public.appointments set status = 'cancelled', cancel_reason = 'Clinician unavailable; patient will rebook'
           where id = v_appointment;
        end if;
      end loop;
    end loop;
  end loop;
end;
$$;

-- Note templates (chart safety): each clinic's starting texts for visit notes.
insert into public.note_templates (organization_id, name, body, created_by)
values
  ('a0a0a0a0-0000-4000-8000-000000000001', 'General consultation',
   E'Presenting complaint:\n\nHistory:\n\nExamination:\n\nAssessment:\n\nPlan:\n', '00000000-0000-4000-8000-00000000a001'),
  ('a0a0a0a0-0000-4000-8000-000000000001', 'Blood pressure review',
   E'Home readings:\nAdherence and side effects:\nLifestyle:\nPlan (target < 140/90):\n', '00000000-0000-4000-8000-00000000a001'),
  ('b0b0b0b0-0000-4000-8000-000000000002', 'Emergency triage',
   E'Triage category:\nPresenting complaint:\nObservations:\nImmediate actions:\n', '00000000-0000-4000-8000-00000000b001')
on conflict (organization_id, name) do nothing;
