-- Clinical records: the role permission matrix (docs/permissions.md) and cross-clinic isolation.
-- Every cell is tried for real: each role × table × operation (select, insert, update, delete) runs
-- the statement as that person (claims from the real hook) inside a subtransaction that is always
-- rolled back, and reports 'allowed' (rows seen/affected), 'denied' (no rows, or 42501 from a
-- privilege, policy or guard) or the unexpected error.
begin;
\ir ../helpers.psql

select plan(750);

select tests.create_tenancy_fixture();

-- More staff of clinic A (one per role) and a doctor of clinic B.
select tests.add_clinical_staff();

-- Clinical fixture (as the owner): in each clinic one patient with a visit that has a signed note and
-- an amendment, a second visit without notes, a third in progress with a draft note, an open and a
-- resulted lab order (with a correction), a prescription with a dispensed fill and one without, an
-- allergy, a problem, a custom field definition and a note template; a second patient with "no
-- known allergies" and a third with nothing recorded.
do $$
declare
  v_org text;
  v_doctor uuid;
  v_patient uuid;
  v_visit uuid;
  v_id uuid;
begin
  foreach v_org in array array['alpha', 'beta'] loop
    v_doctor := tests.user_id(v_org || '_doctor');
    v_patient := tests.remember(v_org || '_patient', tests.create_patient(v_org, 'Pat', initcap(v_org)));
    insert into public.visits (organization_id, patient_id, clinician_id, reason)
    values (tests.org_id(v_org), v_patient, v_doctor, 'check-up') returning id into v_visit;
    perform tests.remember(v_org || '_visit', v_visit);
    insert into public.visit_notes (organization_id, visit_id, author_id, notes, vitals, signed_at, signed_by)
    values (tests.org_id(v_org), v_visit, v_doctor, 'secret notes', '{"heart_rate": 70}', now(), v_doctor);
    insert into public.visit_note_amendments (organization_id, visit_id, version, notes, vitals, reason, changed_fields, author_id)
    values (tests.org_id(v_org), v_visit, 2, 'secret notes, amended', '{"heart_rate": 70}', 'typo', '{notes}', v_doctor);
    insert into public.visits (organization_id, patient_id, clinician_id, reason)
    values (tests.org_id(v_org), v_patient, v_doctor, 'follow-up') returning id into v_visit;
    perform tests.remember(v_org || '_visit2', v_visit);
    insert into public.visits (organization_id, patient_id, clinician_id, reason, status)
    values (tests.org_id(v_org), v_patient, v_doctor, 'in progress', 'in_progress') returning id into v_visit;
    perform tests.remember(v_org || '_visit3', v_visit);
    insert into public.visit_notes (organization_id, visit_id, author_id, notes)
    values (tests.org_id(v_org), v_visit, v_doctor, 'draft');
    insert into public.lab_orders (organization_id, patient_id, ordered_by, test_code, test_name)
    values (tests.org_id(v_org), v_patient, v_doctor, 'HBA1C', 'HbA1c') returning id into v_id;
    perform tests.remember(v_org || '_lab', v_id);
    insert into public.lab_orders (organization_id, patient_id, ordered_by, test_code, test_name)
    values (tests.org_id(v_org), v_patient, v_doctor, 'TSH', 'TSH') returning id into v_id;
    update public.lab_orders set status = 'resulted', result_value = '2.1', resulted_by = v_doctor where id = v_id;
    insert into public.lab_result_amendments (organization_id, lab_order_id, version, result_value, reason, changed_fields, amended_by)
    values (tests.org_id(v_org), v_id, 2, '2.2', 'transcription error', '{result_value}', v_doctor);
    perform tests.remember(v_org || '_lab_resulted', v_id);
    insert into public.prescriptions (organization_id, patient_id, prescriber_id, medication, dose, frequency, duration_days, quantity, refills)
    values (tests.org_id(v_org), v_patient, v_doctor, 'Amoxicillin', '500 mg', 'tid', 7, 21, 1) returning id into v_id;
    perform tests.remember(v_org || '_rx', v_id);
    insert into public.prescription_dispenses (organization_id, prescription_id, fill_number, quantity, dispensed_by)
    values (tests.org_id(v_org), v_id, 1, 21, v_doctor);
    update public.prescriptions set fills_dispensed = 1 where id = v_id;
    insert into public.prescriptions (organization_id, patient_id, prescriber_id, medication, dose, frequency, quantity)
    values (tests.org_id(v_org), v_patient, v_doctor, 'Metformin', '500 mg', 'bd', 60) returning id into v_id;
    perform tests.remember(v_org || '_rx2', v_id);
    insert into public.allergies (organization_id, patient_id, substance, severity, recorded_by)
    values (tests.org_id(v_org), v_patient, 'Penicillin', 'severe', v_doctor) returning id into v_id;
    perform tests.remember(v_org || '_allergy', v_id);
    insert into public.problems (organization_id, patient_id, description, code, recorded_by)
    values (tests.org_id(v_org), v_patient, 'Hypertension', 'I10', v_doctor) returning id into v_id;
    perform tests.remember(v_org || '_problem', v_id);
    insert into public.note_templates (organization_id, name, body)
    values (tests.org_id(v_org), 'SOAP', 'S: O: A: P:') returning id into v_id;
    perform tests.remember(v_org || '_template', v_id);
    insert into public.patients (organization_id, given_name, family_name) values (tests.org_id(v_org), 'Nka', initcap(v_org))
    returning id into v_id;
    perform tests.remember(v_org || '_patient2', v_id);
    insert into public.no_known_allergies (organization_id, patient_id, recorded_by) values (tests.org_id(v_org), v_id, v_doctor);
    insert into public.patients (organization_id, given_name, family_name) values (tests.org_id(v_org), 'Blank', initcap(v_org))
    returning id into v_id;
    perform tests.remember(v_org || '_patient3', v_id);
    insert into public.patient_field_definitions (organization_id, key, label)
    values (tests.org_id(v_org), 'nickname', 'Nickname') returning id into v_id;
    perform tests.remember(v_org || '_field', v_id);
  end loop;
end;
$$;

-- The statements each cell runs, against clinic <org>'s rows (%1$s = org key).
select tests.add_statements(t.tbl, t.find, t.insert_tail, t.update_set, t.update_find)
  from (values
    ('patients', $s$id = tests.row_id('%1$s_patient')$s$, $s$(organization_id, given_name, family_name) values (tests.org_id('%1$s'), 'New', 'Person')$s$, $s$phone = '+1 555 0100'$s$, null),
    ('patient_field_definitions', $s$id = tests.row_id('%1$s_field')$s$, $s$(organization_id, key, label) values (tests.org_id('%1$s'), 'new_field', 'New')$s$, $s$label = 'Renamed'$s$, null),
    ('visits', $s$id = tests.row_id('%1$s_visit')$s$, $s$(organization_id, patient_id, clinician_id, scheduled_at) values (tests.org_id('%1$s'), tests.row_id('%1$s_patient'), tests.user_id('%1$s_doctor'), now() + interval '1 day')$s$, $s$scheduled_at = now() + interval '2 days'$s$, null),
    ('visit_notes', $s$visit_id = tests.row_id('%1$s_visit')$s$, $s$(organization_id, visit_id, notes, vitals) values (tests.org_id('%1$s'), tests.row_id('%1$s_visit2'), 'seen', '{"spo2": 98}')$s$, $s$notes = 'edited draft'$s$, $s$visit_id = tests.row_id('%1$s_visit3')$s$),
    ('lab_orders', $s$id = tests.row_id('%1$s_lab')$s$, $s$(organization_id, patient_id, test_code, test_name) values (tests.org_id('%1$s'), tests.row_id('%1$s_patient'), 'CBC', 'Full blood count')$s$, $s$status = 'collected'$s$, null),
    ('prescriptions', $s$id = tests.row_id('%1$s_rx')$s$, $s$(organization_id, patient_id, medication, dose, frequency, quantity) values (tests.org_id('%1$s'), tests.row_id('%1$s_patient'), 'Ibuprofen', '400 mg', 'prn', 20)$s$, $s$instructions = 'with food'$s$, $s$id = tests.row_id('%1$s_rx2')$s$),
    ('allergies', $s$id = tests.row_id('%1$s_allergy')$s$, $s$(organization_id, patient_id, substance) values (tests.org_id('%1$s'), tests.row_id('%1$s_patient'), 'Latex')$s$, $s$status = 'inactive'$s$, null),
    ('no_known_allergies', $s$patient_id = tests.row_id('%1$s_patient2')$s$, $s$(organization_id, patient_id) values (tests.org_id('%1$s'), tests.row_id('%1$s_patient3'))$s$, $s$recorded_by = recorded_by$s$, null),
    ('problems', $s$id = tests.row_id('%1$s_problem')$s$, $s$(organization_id, patient_id, description) values (tests.org_id('%1$s'), tests.row_id('%1$s_patient'), 'Asthma')$s$, $s$status = 'resolved'$s$, null),
    ('note_templates', $s$id = tests.row_id('%1$s_template')$s$, $s$(organization_id, name, body) values (tests.org_id('%1$s'), 'Follow-up', 'Progress:')$s$, $s$body = 'S/O/A/P'$s$, null),
    ('visit_note_amendments', $s$visit_id = tests.row_id('%1$s_visit')$s$, $s$(organization_id, visit_id, version, notes, reason, changed_fields) values (tests.org_id('%1$s'), tests.row_id('%1$s_visit'), 3, 'x', 'y', '{notes}')$s$, $s$reason = 'z'$s$, null),
    ('lab_result_amendments', $s$lab_order_id = tests.row_id('%1$s_lab_resulted')$s$, $s$(organization_id, lab_order_id, version, result_value, reason, changed_fields) values (tests.org_id('%1$s'), tests.row_id('%1$s_lab_resulted'), 3, '9', 'y', '{result_value}')$s$, $s$reason = 'z'$s$, null),
    ('prescription_dispenses', $s$prescription_id = tests.row_id('%1$s_rx')$s$, $s$(organization_id, prescription_id, fill_number, quantity) values (tests.org_id('%1$s'), tests.row_id('%1$s_rx'), 2, 21)$s$, $s$quantity = 1$s$, null),
    ('audit_log', $s$organization_id = tests.org_id('%1$s')$s$, $s$(organization_id, action, table_name, hash) values (tests.org_id('%1$s'), 'view', 'patients', repeat('0', 64))$s$, $s$table_name = 'x'$s$, null)
  ) t (tbl, find, insert_tail, update_set, update_find);

-- The matrix (tests.access_matrix): who may do what in their own clinic, per role (A = allowed;
-- select, insert, update, delete), and nothing for anyone outside clinic A, whatever their role
-- elsewhere, nor for the member of both clinics while active in B.
select tests.access_matrix(tbl, codes)
  from (values
    --                                  admin  doctor nurse  recep  lab    pharm
    ('patients',                  array['AAA-','AAA-','AAA-','AAA-','A---','A---']),
    ('patient_field_definitions', array['AAAA','A---','A---','A---','A---','A---']),
    ('visits',                    array['AAA-','AAA-','AAA-','AAA-','----','----']),
    ('visit_notes',               array['A---','AAA-','AAA-','----','----','----']),
    ('lab_orders',                array['A---','AAA-','AAA-','----','A-A-','----']),
    ('prescriptions',             array['A---','AAA-','A---','----','----','A---']),
    ('allergies',                 array['A---','AAA-','AAA-','----','A---','AAA-']),
    ('no_known_allergies',        array['A---','AA-A','AA-A','----','A---','AA-A']),
    ('problems',                  array['A---','AAA-','AAA-','----','----','A---']),
    ('note_templates',            array['AAAA','A---','A---','----','----','----']),
    ('visit_note_amendments',     array['A---','A---','A---','----','----','----']),
    ('lab_result_amendments',     array['A---','A---','A---','----','A---','----']),
    ('prescription_dispenses',    array['A---','A---','A---','----','----','A---']),
    ('audit_log',                 array['A---','----','----','----','----','----'])
  ) cells (tbl, codes);

-- Active in A (nurse there): nurse rights in A.
select is(tests.try('both', format(st.sql, 'alpha')), 'allowed',
          format('member of both clinics, active in A (nurse), may %s %s of clinic A', st.op, st.tbl))
  from tests.statements st
 where (st.tbl, st.op) in (('patients', 'select'), ('visit_notes', 'select'), ('visit_notes', 'update'),
                           ('lab_orders', 'insert'))
 order by st.tbl, st.op;
select is(tests.try('both', format(st.sql, 'alpha')), 'denied',
          format('member of both clinics, active in A (nurse), may not %s %s of clinic A', st.op, st.tbl))
  from tests.statements st
 where (st.tbl, st.op) in (('audit_log', 'select'), ('prescriptions', 'insert'), ('patient_field_definitions', 'insert'))
 order by st.tbl, st.op;

-- A forged organization_id claim (B's admin claiming clinic A) grants nothing.
select tests.authenticate_with_claims(jsonb_build_object(
  'sub', tests.user_id('beta_admin'), 'organization_id', tests.org_id('alpha'), 'org_role', 'admin'));
select is_empty($$ select id from public.patients $$, 'a forged organization_id claim sees no patients');
select tests.clear_authentication();

select * from finish();

rollback;
