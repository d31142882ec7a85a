-- Clinical records: the role permission matrix (docs/permissions.md) and cross-clinic isolation.
-- Every cell is tried for real: each role × table × operation (select, insert, update, delete) runs
-- the statement as that person (claims from the real hook) inside a subtransaction that is always
-- rolled back, and reports 'allowed' (rows seen/affected), 'denied' (no rows, or 42501 from a
-- privilege, policy or guard) or the unexpected error.
begin;
\ir ../helpers.psql

select plan(379);

select tests.create_tenancy_fixture();

-- More staff of clinic A (one per role) and a doctor of clinic B.
insert into tests.personas
select persona, tests.create_user(persona || '@tests.local', persona)
  from unnest(array['alpha_nurse', 'alpha_reception', 'alpha_lab', 'alpha_pharmacist', 'beta_doctor']) persona;
insert into public.memberships (organization_id, user_id, role)
values
  (tests.org_id('alpha'), tests.user_id('alpha_nurse'), 'nurse'),
  (tests.org_id('alpha'), tests.user_id('alpha_reception'), 'receptionist'),
  (tests.org_id('alpha'), tests.user_id('alpha_lab'), 'lab_technician'),
  (tests.org_id('alpha'), tests.user_id('alpha_pharmacist'), 'pharmacist'),
  (tests.org_id('beta'), tests.user_id('beta_doctor'), 'doctor');
select tests.set_active_org(p, 'alpha') from unnest(array['alpha_nurse', 'alpha_reception', 'alpha_lab', 'alpha_pharmacist']) p;
select tests.set_active_org('beta_doctor', 'beta');

-- Clinical fixture (as the owner): in each clinic one patient with a visit that has notes, a second
-- visit without notes, a lab order, a prescription and a custom field definition.
create table tests.rows (key text primary key, id uuid not null);
grant select on tests.rows to anon, authenticated;

create or replace function tests.row_id(p_key text) returns uuid language sql stable security definer set search_path = '' as $$
  select r.id from tests.rows r where r.key = p_key;
$$;
grant execute on function tests.row_id(text) to anon, authenticated;

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
    insert into public.patients (organization_id, given_name, family_name, date_of_birth)
    values (tests.org_id(v_org), 'Pat', initcap(v_org), '1980-01-01') returning id into v_patient;
    insert into tests.rows values (v_org || '_patient', v_patient);
    insert into public.visits (organization_id, patient_id, clinician_id, reason)
    values (tests.org_id(v_org), v_patient, v_doctor, 'check-up') returning id into v_visit;
    insert into tests.rows values (v_org || '_visit', v_visit);
    insert into public.visit_notes (organization_id, visit_id, author_id, notes, vitals)
    values (tests.org_id(v_org), v_visit, v_doctor, 'secret notes', '{"heart_rate": 70}');
    insert into public.visits (organization_id, patient_id, clinician_id, reason)
    values (tests.org_id(v_org), v_patient, v_doctor, 'follow-up') returning id into v_visit;
    insert into tests.rows values (v_org || '_visit2', v_visit);
    insert into public.lab_orders (organization_id, patient_id, ordered_by, test_code, test_name)
    values (tests.org_id(v_org), v_patient, v_doctor, 'HBA1C', 'HbA1c') returning id into v_id;
    insert into tests.rows values (v_org || '_lab', v_id);
    insert into public.prescriptions (organization_id, patient_id, prescriber_id, medication, dose, frequency, duration_days)
    values (tests.org_id(v_org), v_patient, v_doctor, 'Amoxicillin', '500 mg', 'tid', 7) returning id into v_id;
    insert into tests.rows values (v_org || '_rx', v_id);
    insert into public.patient_field_definitions (organization_id, key, label)
    values (tests.org_id(v_org), 'nickname', 'Nickname') returning id into v_id;
    insert into tests.rows values (v_org || '_field', v_id);
  end loop;
end;
$$;

-- Runs one statement as a persona ('anon' = no session); always rolled back.
create or replace function tests.try(p_persona text, p_statement text)
returns text
language plpgsql
as $$
declare
  v_rows integer;
begin
  begin
    if p_persona = 'anon' then
      perform tests.as_anon();
    else
      perform tests.act_as(p_persona);
    end if;
    execute p_statement;
    get diagnostics v_rows = row_count;
    raise exception '%', v_rows using errcode = 'TT001';
  exception
    when sqlstate 'TT001' then
      return case when sqlerrm::integer > 0 then 'allowed' else 'denied' end;
    when insufficient_privilege then
      return 'denied';
    when others then
      return 'error ' || sqlstate || ': ' || sqlerrm;
  end;
end;
$$;

-- The statements each cell runs, against clinic <org>'s rows (%1$s = org key).
create table tests.statements (tbl text, op text, sql text, primary key (tbl, op));
insert into tests.statements values
  ('patients', 'select', $s$select 1 from public.patients where id = tests.row_id('%1$s_patient')$s$),
  ('patients', 'insert', $s$insert into public.patients (organization_id, given_name, family_name) values (tests.org_id('%1$s'), 'New', 'Person')$s$),
  ('patients', 'update', $s$update public.patients set phone = '+1 555 0100' where id = tests.row_id('%1$s_patient')$s$),
  ('patients', 'delete', $s$delete from public.patients where id = tests.row_id('%1$s_patient')$s$),
  ('patient_field_definitions', 'select', $s$select 1 from public.patient_field_definitions where id = tests.row_id('%1$s_field')$s$),
  ('patient_field_definitions', 'insert', $s$insert into public.patient_field_definitions (organization_id, key, label) values (tests.org_id('%1$s'), 'new_field', 'New')$s$),
  ('patient_field_definitions', 'update', $s$update public.patient_field_definitions set label = 'Renamed' where id = tests.row_id('%1$s_field')$s$),
  ('patient_field_definitions', 'delete', $s$delete from public.patient_field_definitions where id = tests.row_id('%1$s_field')$s$),
  ('visits', 'select', $s$select 1 from public.visits where id = tests.row_id('%1$s_visit')$s$),
  ('visits', 'insert', $s$insert into public.visits (organization_id, patient_id, clinician_id, scheduled_at) values (tests.org_id('%1$s'), tests.row_id('%1$s_patient'), tests.user_id('%1$s_doctor'), now() + interval '1 day')$s$),
  ('visits', 'update', $s$update public.visits set scheduled_at = now() + interval '2 days' where id = tests.row_id('%1$s_visit')$s$),
  ('visits', 'delete', $s$delete from public.visits where id = tests.row_id('%1$s_visit')$s$),
  ('visit_notes', 'select', $s$select 1 from public.visit_notes where visit_id = tests.row_id('%1$s_visit')$s$),
  ('visit_notes', 'insert', $s$insert into public.visit_notes (organization_id, visit_id, notes, vitals) values (tests.org_id('%1$s'), tests.row_id('%1$s_visit2'), 'seen', '{"spo2": 98}')$s$),
  ('visit_notes', 'update', $s$update public.visit_notes set notes = 'amended' where visit_id = tests.row_id('%1$s_visit')$s$),
  ('visit_notes', 'delete', $s$delete from public.visit_notes where visit_id = tests.row_id('%1$s_visit')$s$),
  ('lab_orders', 'select', $s$select 1 from public.lab_orders where id = tests.row_id('%1$s_lab')$s$),
  ('lab_orders', 'insert', $s$insert into public.lab_orders (organization_id, patient_id, test_code, test_name) values (tests.org_id('%1$s'), tests.row_id('%1$s_patient'), 'CBC', 'Full blood count')$s$),
  ('lab_orders', 'update', $s$update public.lab_orders set status = 'collected' where id = tests.row_id('%1$s_lab')$s$),
  ('lab_orders', 'delete', $s$delete from public.lab_orders where id = tests.row_id('%1$s_lab')$s$),
  ('prescriptions', 'select', $s$select 1 from public.prescriptions where id = tests.row_id('%1$s_rx')$s$),
  ('prescriptions', 'insert', $s$insert into public.prescriptions (organization_id, patient_id, medication, dose, frequency, quantity) values (tests.org_id('%1$s'), tests.row_id('%1$s_patient'), 'Ibuprofen', '400 mg', 'prn', '20 tablets')$s$),
  ('prescriptions', 'update', $s$update public.prescriptions set status = 'completed' where id = tests.row_id('%1$s_rx')$s$),
  ('prescriptions', 'delete', $s$delete from public.prescriptions where id = tests.row_id('%1$s_rx')$s$),
  ('audit_log', 'select', $s$select 1 from public.audit_log where organization_id = tests.org_id('%1$s')$s$),
  ('audit_log', 'insert', $s$insert into public.audit_log (organization_id, action, table_name, hash) values (tests.org_id('%1$s'), 'view', 'patients', repeat('0', 64))$s$),
  ('audit_log', 'update', $s$update public.audit_log set table_name = 'x' where organization_id = tests.org_id('%1$s')$s$),
  ('audit_log', 'delete', $s$delete from public.audit_log where organization_id = tests.org_id('%1$s')$s$);

-- The matrix: who may do what in their own clinic (A = allowed).
create table tests.matrix (persona text, role text, tbl text, s text, i text, u text, d text);
insert into tests.matrix
select p.persona, p.role, cells.tbl, m.s, m.i, m.u, m.d
  from (values ('alpha_admin', 'admin', 1), ('alpha_doctor', 'doctor', 2), ('alpha_nurse', 'nurse', 3),
               ('alpha_reception', 'receptionist', 4), ('alpha_lab', 'lab_technician', 5),
               ('alpha_pharmacist', 'pharmacist', 6)) p (persona, role, n)
  join (values
    --                                  admin  doctor nurse  recep  lab    pharm   (select/insert/update/delete)
    ('patients',                  array['AAA-','AAA-','AAA-','AAA-','A---','A---']),
    ('patient_field_definitions', array['AAAA','A---','A---','A---','A---','A---']),
    ('visits',                    array['AAA-','AAA-','AAA-','AAA-','----','----']),
    ('visit_notes',               array['A---','AAA-','AAA-','----','----','----']),
    ('lab_orders',                array['A---','AAA-','AAA-','----','A-A-','----']),
    ('prescriptions',             array['A---','AAA-','A---','----','----','A-A-']),
    ('audit_log',                 array['A---','----','----','----','----','----'])
  ) cells (tbl, codes) on true
  cross join lateral (select substr(cells.codes[p.n], 1, 1) s, substr(cells.codes[p.n], 2, 1) i,
                             substr(cells.codes[p.n], 3, 1) u, substr(cells.codes[p.n], 4, 1) d) m;

select is(
  tests.try(m.persona, format(st.sql, 'alpha')),
  case when substr(m.s || m.i || m.u || m.d, o.n, 1) = 'A' then 'allowed' else 'denied' end,
  format('matrix: %s (%s) %s %s in own clinic', m.role, m.persona, st.op, st.tbl)
)
  from tests.matrix m
  cross join (values ('select', 1), ('insert', 2), ('update', 3), ('delete', 4)) o (op, n)
  join tests.statements st on st.tbl = m.tbl and st.op = o.op
 order by m.persona, m.tbl, o.n;

-- Isolation: nobody outside clinic A can do anything with A's rows, whatever their role elsewhere.
select tests.set_active_org('both', 'alpha');
select is(
  tests.try(x.persona, format(st.sql, 'alpha')),
  'denied',
  format('isolation: %s cannot %s %s of clinic A', x.persona, st.op, st.tbl)
)
  from (values ('beta_admin'), ('beta_doctor'), ('beta_nurse'), ('nobody'), ('platform'), ('anon')) x (persona)
  cross join tests.statements st
 order by x.persona, st.tbl, st.op;

-- The person in both clinics, active in B (admin there): A's rows are out of reach, B's are theirs.
select tests.set_active_org('both', 'beta');
select is(
  tests.try('both', format(st.sql, 'alpha')),
  'denied',
  format('isolation: member of both clinics, active in B, cannot %s %s of clinic A', st.op, st.tbl)
)
  from tests.statements st
 order by st.tbl, st.op;
select is(tests.try('both', format(st.sql, 'beta')), 'allowed',
          format('member of both clinics, active in B (admin), may %s %s of clinic B', st.op, st.tbl))
  from tests.statements st
 where st.op = 'select'
 order by st.tbl;

-- Active in A again (nurse there): nurse rights in A.
select tests.set_active_org('both', 'alpha');
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
