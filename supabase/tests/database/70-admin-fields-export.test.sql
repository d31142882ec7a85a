-- Clinic admin console: custom patient field definitions are checked against the patients'
-- existing values (format / options / unique / type; required needs no backfill), formats are kinds
-- or example masks whose pattern the database derives, only the clinic's admins write
-- definitions (staff read them), and log_export writes an 'export' row into the hash chain.
begin;
\ir ../helpers.psql

select plan(53);

select tests.create_tenancy_fixture();

-- three alpha patients, one archived
select tests.act_as('alpha_admin');
insert into public.patient_field_definitions (key, label, field_type) values ('badge', 'Badge', 'text');
insert into public.patient_field_definitions (key, label, field_type, options) values ('blood', 'Blood group', 'select', array['A', 'B', 'O']);
insert into public.patients (given_name, family_name, custom_fields) values
  ('Ann', 'One', '{"badge": "AB-1", "blood": "A"}'),
  ('Bob', 'Two', '{"badge": "ab-2", "blood": "B"}'),
  ('Cat', 'Three', '{}');
update public.patients set archived_at = now() where family_name = 'Three';

-- RLS on definitions ------------------------------------------------------------------------------
select tests.act_as('alpha_doctor');
select is((select count(*)::int from public.patient_field_definitions), 2, 'staff read their clinic''s field definitions');
select throws_ok($$ insert into public.patient_field_definitions (key, label) values ('doc_field', 'Doc') $$,
  '42501', null, 'staff cannot create a definition');
select is(tests.rows_affected($$ update public.patient_field_definitions set label = 'X' $$), 0, 'staff cannot change a definition');
select is(tests.rows_affected($$ delete from public.patient_field_definitions $$), 0, 'staff cannot delete a definition');

select tests.act_as('beta_admin');
select is((select count(*)::int from public.patient_field_definitions), 0, 'another clinic''s admin sees none of them');
select is(tests.rows_affected($$ update public.patient_field_definitions set label = 'X' $$), 0, 'and changes none of them');
select throws_ok(
  format($$ insert into public.patient_field_definitions (organization_id, key, label) values (%L, 'x', 'X') $$, tests.org_id('alpha')),
  '42501', null, 'and cannot create one in it');

select tests.act_as('nobody');
select is((select count(*)::int from public.patient_field_definitions), 0, 'a signed-in person without a clinic reads none');
select tests.as_anon();
select throws_ok($$ select count(*) from public.patient_field_definitions $$, '42501', null, 'anon reads nothing');

-- required ----------------------------------------------------------------------------------------------
select tests.act_as('alpha_admin');
update public.patients set custom_fields = '{"blood": "O"}' where family_name = 'Two';
select lives_ok($$ update public.patient_field_definitions set required = true where key = 'badge' $$,
  'a field becomes required while active patients have no value (no backfill needed)');
select lives_ok($$ insert into public.patient_field_definitions (key, label, required) values ('ward', 'Ward', true) $$,
  'a new required field is accepted while patients exist without it');
select throws_ok($$ insert into public.patients (given_name, family_name, custom_fields) values ('Dan', 'Four', '{"ward": "3"}') $$,
  '23514', 'custom field "badge": is required', 'new patients must fill it in');
select throws_ok($$ update public.patients set custom_fields = '{"blood": "B", "ward": "3"}' where family_name = 'Two' $$,
  '23514', 'custom field "badge": is required', 'an edit of an existing patient''s fields must fill it in');
select is(tests.rows_affected($$ update public.patients set phone = '+64 21 000' where family_name = 'Two' $$), 1,
  'an existing patient without the value can still be changed otherwise (archived, phone …)');
select is((select custom_fields from public.patients where family_name = 'Two'), '{"blood": "O"}'::jsonb,
  'and keeps its values as they were: the patient is incomplete, not rewritten');
delete from public.patient_field_definitions where key = 'ward';
update public.patient_field_definitions set required = false, active = false where key = 'badge';
update public.patients set custom_fields = '{"blood": "A"}' where family_name = 'One';
select lives_ok($$ update public.patient_field_definitions set active = true, required = true where key = 'badge' $$,
  'reactivating a required field needs no backfill either');
update public.patient_field_definitions set required = false where key = 'badge';
update public.patients set custom_fields = '{"badge": "AB-2", "blood": "O"}' where family_name = 'Two';

-- format: a kind or an example mask; the database derives the pattern --------------------------------
-- What a statement answers: "sqlstate | message | detail | hint" (the statement is undone).
select tests.clear_authentication();
create function tests.refusal_of(statement text)
returns text
language plpgsql
as $$
declare
  v_state text; v_message text; v_detail text; v_hint text;
begin
  begin
    execute statement;
    raise exception 'undo' using errcode = 'TSTOK';
  exception
    when sqlstate 'TSTOK' then return 'ok';
    when others then
      get stacked diagnostics v_state = returned_sqlstate, v_message = message_text,
                              v_detail = pg_exception_detail, v_hint = pg_exception_hint;
  end;
  return concat_ws(' | ', v_state, v_message, coalesce(v_detail, ''), coalesce(v_hint, ''));
end;
$$;
grant execute on function tests.refusal_of(text) to authenticated;

select is(
  array[private.custom_field_format_pattern('any', null), private.custom_field_format_pattern('digits', null),
        private.custom_field_format_pattern('letters', null), private.custom_field_format_pattern('mask', 'AAA9999'),
        private.custom_field_format_pattern('mask', 'AB-9*.x 9')],
  array[null, '^[0-9]+$', '^[A-Za-z]+$', '^[A-Z][A-Z][A-Z][0-9][0-9][0-9][0-9]$', '^[A-Z]B\-[0-9][A-Z0-9]\.x\ [0-9]$'],
  'the pattern of each format: A a capital letter, 9 a digit, * either, other characters themselves (punctuation escaped)');
select is(
  array[private.custom_field_mask_example('AAA9999'), private.custom_field_mask_example('AA-999999'),
        private.custom_field_mask_example('**-9 A')],
  array['ABC1234', 'AB-123456', 'A1-2 B'],
  'the example of a mask: letters A, B, C…, digits 1, 2, 3…, * a letter then a digit');
select is(
  (select count(*)::int from unnest(array['AAA9999', 'AA-999999', '9999 9999', '*****', 'A.A/9(9)[9]{9}', 'x^A$9|*+?\']) m
    where private.custom_field_mask_example(m) !~ private.custom_field_format_pattern('mask', m)
       or private.custom_field_mask_example(m) || 'Z' ~ private.custom_field_format_pattern('mask', m)),
  0, 'every mask''s own example matches its pattern, even with regular-expression characters, and nothing longer does');

update public.patient_field_definitions set active = true where key = 'badge';
update public.patients set custom_fields = '{"badge": "AB-1", "blood": "A"}' where family_name = 'One';
update public.patients set custom_fields = '{"badge": "zz"}' where family_name = 'Three';
select tests.act_as('alpha_admin');
select is(tests.refusal_of($$ update public.patient_field_definitions set format_kind = 'mask', format_mask = 'AB-9' where key = 'badge' $$),
  '23514 | custom field "badge": 1 patient(s) have a value that does not match the new format | format_mask | With this format, Badge must look like AB-1. Correct those values first, or choose a format they match.',
  'a mask that an existing value violates is refused with the count (archived patients included), named by its example, not its pattern');
select is(tests.refusal_of($$ update public.patient_field_definitions set format_kind = 'digits' where key = 'badge' $$),
  '23514 | custom field "badge": 3 patient(s) have a value that does not match the new format | format_kind | With this format, Badge must contain digits only. Correct those values first, or choose a format they match.',
  'so is a kind (digits only), pointing at the kind');
select throws_ok($$ update public.patient_field_definitions set format_kind = 'mask', format_mask = 'no placeholder' where key = 'badge' $$,
  '23514', 'custom field "badge": a mask needs at least one A (a capital letter), 9 (a digit) or * (either)',
  'a mask without A, 9 or * is refused');
select throws_ok($$ update public.patient_field_definitions set format_kind = 'mask' where key = 'badge' $$,
  '23514', 'custom field "badge": enter a mask such as AAA9999', 'the kind "mask" needs a mask');
select throws_ok($$ update public.patient_field_definitions set format_mask = 'AA-9' where key = 'badge' $$,
  '23514', 'custom field "badge": a mask is used only with the format "Mask"', 'a mask needs the kind "mask"');
select throws_ok($$ update public.patient_field_definitions set format_kind = 'letters' where key = 'blood' $$,
  '23514', 'custom field "blood": a format applies to text fields only', 'a format applies to text fields only');

select tests.clear_authentication();
update public.patients set custom_fields = '{"badge": "ZZ-9"}' where family_name = 'Three';
select tests.act_as('alpha_admin');
select lives_ok($$ update public.patient_field_definitions set format_kind = 'mask', format_mask = 'AA-9' where key = 'badge' $$,
  'a mask every value matches is accepted');
select results_eq($$ select pattern, format_hint from public.patient_field_definitions where key = 'badge' $$,
  $$ values ('^[A-Z][A-Z]\-[0-9]$', 'must look like AB-1') $$,
  'the database derived the pattern and the words staff read');
select is(tests.refusal_of($$ insert into public.patients (given_name, family_name, custom_fields) values ('Dan', 'Four', '{"badge": "ab-1"}') $$),
  '23514 | custom field "badge": does not match the required format | badge | Badge must look like AB-1.',
  'a value that does not fit: the label and the example, never the pattern');

-- nobody writes a pattern or the words through the API; the format columns only as RLS allows
select throws_ok($$ update public.patient_field_definitions set pattern = '.*' where key = 'badge' $$,
  '42501', null, 'an admin cannot write a pattern');
select throws_ok($$ insert into public.patient_field_definitions (key, label, pattern) values ('raw', 'Raw', '.*') $$,
  '42501', null, 'nor create a field with one');
select throws_ok($$ update public.patient_field_definitions set format_hint = 'anything goes' where key = 'badge' $$,
  '42501', null, 'nor write the words staff read');
select tests.act_as('alpha_doctor');
select is(tests.rows_affected($$ update public.patient_field_definitions set format_kind = 'any', format_mask = null where key = 'badge' $$), 0,
  'staff of the clinic cannot change a format');
select tests.act_as('beta_admin');
select is(tests.rows_affected($$ update public.patient_field_definitions set format_kind = 'any', format_mask = null $$), 0,
  'another clinic''s admin cannot change a format');
select tests.act_as('nobody');
select is(tests.rows_affected($$ update public.patient_field_definitions set format_kind = 'any', format_mask = null $$), 0,
  'nor can a signed-in person without a clinic');
select tests.as_anon();
select throws_ok($$ update public.patient_field_definitions set format_kind = 'any', format_mask = null $$,
  '42501', null, 'nor anon');
select tests.clear_authentication();
update public.patient_field_definitions set pattern = '.*', format_hint = 'x' where key = 'badge';
select results_eq($$ select pattern, format_hint from public.patient_field_definitions where key = 'badge' $$,
  $$ values ('^[A-Z][A-Z]\-[0-9]$', 'must look like AB-1') $$,
  'even a privileged writer''s pattern is replaced by the one the format derives');
select tests.act_as('alpha_admin');

-- options -----------------------------------------------------------------------------------------------
select throws_ok($$ update public.patient_field_definitions set options = array['A', 'B'] where key = 'blood' $$,
  '23514', 'custom field "blood": 1 patient(s) have a value that is not among the options',
  'removing an option a patient uses is refused with the count');
select lives_ok($$ update public.patient_field_definitions set options = array['A', 'B', 'O', 'AB'] where key = 'blood' $$,
  'adding an option is fine');

-- unique -------------------------------------------------------------------------------------------------
update public.patients set custom_fields = '{"badge": "AB-1", "blood": "B"}' where family_name = 'Two';
select throws_ok($$ update public.patient_field_definitions set unique_within_clinic = true where key = 'badge' $$,
  '23505', 'custom field "badge": 2 patient(s) share a value with another patient',
  'making a field unique is refused while patients share a value');
update public.patients set custom_fields = '{"badge": "AB-2", "blood": "B"}' where family_name = 'Two';
select lives_ok($$ update public.patient_field_definitions set unique_within_clinic = true where key = 'badge' $$,
  'with distinct values the field becomes unique');
select throws_ok($$ update public.patients set custom_fields = '{"badge": "AB-2", "blood": "A"}' where family_name = 'One' $$,
  '23505', null, 'and the existing values are enforced at once (the unique index was filled)');
update public.patient_field_definitions set unique_within_clinic = false where key = 'badge';
select lives_ok($$ update public.patients set custom_fields = '{"badge": "AB-2", "blood": "A"}' where family_name = 'One' $$,
  'turning unique off frees the values');

-- type -----------------------------------------------------------------------------------------------------
select throws_ok($$ update public.patient_field_definitions set field_type = 'number', format_kind = 'any', format_mask = null where key = 'badge' $$,
  '23514', 'custom field "badge": the type cannot change while 3 patient(s) have a value',
  'the type of a field in use cannot change');
select lives_ok($$ update public.patient_field_definitions set active = false where key = 'badge' $$,
  'deactivating is always allowed');

-- log_export ---------------------------------------------------------------------------------------------
select tests.act_as('alpha_admin');
select isnt(public.log_export('patients.csv', 3), null, 'an admin records an export');
select tests.clear_authentication();
select results_eq(
  $$ select action::text, table_name, actor_id, row_id, changes from public.audit_log
      where organization_id = tests.org_id('alpha') order by id desc limit 1 $$,
  $$ values ('export', 'patients', tests.user_id('alpha_admin'), null::uuid,
             '{"kind": "patients.csv", "format": "csv", "row_count": 3}'::jsonb) $$,
  'the export row names the admin, the table, the format and the row count'
);
select tests.act_as('alpha_admin');
select is((select intact from public.verify_audit_chain()), true, 'the export row is part of the intact hash chain');
select tests.clear_authentication();
-- tamper as a superuser with triggers disabled (the append-only trigger would refuse it)
set local session_replication_role = replica;
update public.audit_log set changes = jsonb_set(changes, '{row_count}', '1')
 where id = (select max(id) from public.audit_log where organization_id = tests.org_id('alpha'));
set local session_replication_role = origin;
select tests.act_as('alpha_admin');
select is((select first_broken_id from public.verify_audit_chain()),
  (select max(id) from public.audit_log where organization_id = tests.org_id('alpha')),
  'tampering with an export row breaks the chain at that row');
select throws_ok($$ select public.log_export('memberships.csv', 1) $$, '22023', null, 'an unknown kind is refused');
select throws_ok($$ select public.log_export('visits.json', -1) $$, '22023', null, 'a negative count is refused');
select tests.act_as('alpha_doctor');
select throws_ok($$ select public.log_export('patients.csv', 1) $$, '42501', null, 'staff cannot record exports');
select tests.act_as('nobody');
select throws_ok($$ select public.log_export('patients.csv', 1) $$, '42501', null, 'nor can someone without a clinic');
select tests.as_anon();
select throws_ok($$ select public.log_export('patients.csv', 1) $$, '42501', null, 'anon cannot call log_export');

select * from finish();

rollback;
