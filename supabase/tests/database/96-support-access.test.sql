-- Support access: a platform admin enters ONE clinic read-only, with a reason and a time limit.
-- Only live platform admins may start it; it reads that clinic (not another one, not audit_log);
-- every write during it is refused; it ends by time, by end_support_access() or when the person
-- stops being a platform admin; start, end and chart views land in the clinic's own audit_log
-- under the platform admin's id (and in platform_audit_log); the handoff to the clinic's address
-- accepts it; members keep reading exactly as before.
begin;
\ir ../helpers.psql

select plan(53);
select tests.create_tenancy_fixture();

-- Runs one write as the current role; 'refused' when it raises or touches no row.
create or replace function tests.write_outcome(p_statement text)
returns text
language plpgsql
as $$
declare
  v_rows integer;
begin
  execute p_statement;
  get diagnostics v_rows = row_count;
  return case when v_rows = 0 then 'refused' else 'WRITTEN ' || v_rows end;
exception when others then
  return 'refused';
end;
$$;
grant execute on function tests.write_outcome(text) to authenticated;

select tests.create_chart('alpha', 'Sam', 'Support');
insert into public.patients (organization_id, given_name, family_name, date_of_birth)
values (tests.org_id('beta'), 'Bea', 'Elsewhere', '1990-01-01')
returning tests.remember('beta_patient', id);

-- Who may start it ---------------------------------------------------------------------------------------
select tests.act_as('alpha_admin');
select throws_ok(format($$ select public.start_support_access(%L, 'looking into a ticket', 30) $$, tests.org_id('beta')),
  '42501', null, 'a clinic admin cannot start support access');
select tests.act_as('nobody');
select throws_ok(format($$ select public.start_support_access(%L, 'looking into a ticket', 30) $$, tests.org_id('alpha')),
  '42501', null, 'a signed-in person without a clinic cannot start support access');
select tests.authenticate_with_claims(jsonb_build_object(
  'sub', tests.user_id('nobody'), 'role', 'authenticated', 'is_platform_admin', true));
select throws_ok(format($$ select public.start_support_access(%L, 'looking into a ticket', 30) $$, tests.org_id('alpha')),
  '42501', null, 'a forged is_platform_admin claim is not enough');
select tests.as_anon();
select throws_ok(format($$ select public.start_support_access(%L, 'looking into a ticket', 30) $$, tests.org_id('alpha')),
  '42501', null, 'anon cannot start support access');
select tests.act_as('platform');
select throws_ok(format($$ select public.start_support_access(%L, 'short', 30) $$, tests.org_id('alpha')),
  '23514', 'State the reason for the access (10 to 500 characters).', 'a reason is required (at least 10 characters)');
select throws_ok(format($$ select public.start_support_access(%L, 'looking into a ticket', 121) $$, tests.org_id('alpha')),
  '23514', 'Choose between 15 and 120 minutes.', 'at most 120 minutes');
select throws_ok(format($$ select public.start_support_access(%L, 'looking into a ticket', 5) $$, tests.org_id('alpha')),
  '23514', 'Choose between 15 and 120 minutes.', 'at least 15 minutes');
select throws_ok($$ select public.start_support_access(gen_random_uuid(), 'looking into a ticket', 30) $$,
  'PT404', null, 'an unknown clinic is refused');

-- Before a grant, a platform admin reads no clinical data
select is_empty($$ select 1 from public.patients $$, 'without a grant a platform admin reads no patients');
select is(public.end_support_access(), 0, 'ending without an open grant ends nothing');

-- Start ------------------------------------------------------------------------------------------------------
select lives_ok(format($$ select public.start_support_access(%L, 'Ticket 42: chart does not load', 30) $$, tests.org_id('alpha')),
  'a platform admin starts support access with a reason and 30 minutes');
select results_eq(
  $$ select slug, reason, expires_at - starts_at, platform_admin_email from public.my_support_access() $$,
  $$ values ('tests-alpha'::text, 'Ticket 42: chart does not load'::text, interval '30 minutes', 'platform@tests.local'::text) $$,
  'my_support_access names the clinic, the reason, the time limit and who');

-- Reads: that clinic only ----------------------------------------------------------------------------------
select results_eq($$ select id from public.patients $$, $$ select tests.row_id('patient') $$,
  'support reads the clinic''s patients, and only that clinic''s');
select is((select count(*)::int from public.visits), 1, 'support reads visits');
select is((select count(*)::int from public.visit_notes), 1, 'support reads visit notes');
select is((select count(*)::int from public.lab_orders), 1, 'support reads lab orders');
select is((select count(*)::int from public.prescriptions), 1, 'support reads prescriptions');
select is((select count(*)::int from public.patient_field_definitions), 1, 'support reads field definitions');
select is((select count(*)::int from public.memberships), 3, 'support reads the clinic''s memberships');
select ok((select count(*) from public.profiles where id = tests.user_id('alpha_doctor')) = 1
      and (select count(*) from public.profiles where id = tests.user_id('beta_nurse')) = 0,
  'support reads the clinic''s staff profiles, not other clinics''');
select is_empty($$ select 1 from public.audit_log $$, 'support does not read the clinic''s audit trail');
select is_empty($$ select 1 from public.invitations $$, 'support does not read invitations');
select is_empty(format($$ select 1 from public.patients where id = %L $$, tests.row_id('beta_patient')),
  'support does not read another clinic''s patient');

-- Writes: every one refused ------------------------------------------------------------------------------
select is(tests.write_outcome(format($$ insert into public.patients (organization_id, given_name, family_name, date_of_birth) values (%L, 'No', 'Write', '2000-01-01') $$, tests.org_id('alpha'))), 'refused', 'support cannot insert patients');
select is(tests.write_outcome($$ update public.patients set given_name = 'Changed' $$), 'refused', 'support cannot update patients');
select is(tests.write_outcome($$ delete from public.patients $$), 'refused', 'support cannot delete patients');
select is(tests.write_outcome(format($$ insert into public.visits (organization_id, patient_id, reason) values (%L, %L, 'x') $$, tests.org_id('alpha'), tests.row_id('patient'))), 'refused', 'support cannot insert visits');
select is(tests.write_outcome($$ update public.visits set reason = 'changed' $$), 'refused', 'support cannot update visits');
select is(tests.write_outcome($$ delete from public.visits $$), 'refused', 'support cannot delete visits');
select is(tests.write_outcome(format($$ insert into public.visit_notes (organization_id, visit_id, notes) values (%L, %L, 'x') $$, tests.org_id('alpha'), tests.row_id('visit'))), 'refused', 'support cannot insert visit notes');
select is(tests.write_outcome($$ update public.visit_notes set notes = 'changed' $$), 'refused', 'support cannot update visit notes');
select is(tests.write_outcome(format($$ insert into public.lab_orders (organization_id, patient_id, test_code, test_name) values (%L, %L, 'X', 'X') $$, tests.org_id('alpha'), tests.row_id('patient'))), 'refused', 'support cannot order labs');
select is(tests.write_outcome($$ update public.lab_orders set status = 'cancelled' $$), 'refused', 'support cannot update lab orders');
select is(tests.write_outcome(format($$ insert into public.prescriptions (organization_id, patient_id, medication, dose, frequency, duration_days) values (%L, %L, 'X', '1', 'od', 1) $$, tests.org_id('alpha'), tests.row_id('patient'))), 'refused', 'support cannot prescribe');
select is(tests.write_outcome($$ update public.prescriptions set status = 'stopped', stop_reason = 'x' $$), 'refused', 'support cannot update prescriptions');
select is(tests.write_outcome($$ delete from public.patient_field_definitions $$), 'refused', 'support cannot delete field definitions');
select is(tests.write_outcome($$ update public.patient_field_definitions set label = 'changed' $$), 'refused', 'support cannot update field definitions');
select is(tests.write_outcome(format($$ insert into public.memberships (organization_id, user_id, role) values (%L, %L, 'admin') $$, tests.org_id('alpha'), tests.user_id('platform'))), 'refused', 'support cannot make itself a member');
select is(tests.write_outcome($$ update public.memberships set role = 'admin' $$), 'refused', 'support cannot change memberships');
select is(tests.write_outcome($$ delete from public.memberships where user_id <> auth.uid() $$), 'refused', 'support cannot remove members');
select is(tests.write_outcome($$ update public.support_access_grants set expires_at = expires_at + interval '1 day' $$), 'refused', 'support cannot extend its own grant');
select throws_ok(format($$ select public.switch_organization(%L) $$, tests.org_id('alpha')), '42501', null,
  'support cannot make the clinic its active organization');

-- Chart views are audited under the platform admin
select lives_ok(format($$ select public.log_chart_view(%L) $$, tests.row_id('patient')), 'support may open a chart');
select throws_ok(format($$ select public.log_chart_view(%L) $$, tests.row_id('beta_patient')), 'PT404', null,
  'but not another clinic''s');
select lives_ok($$ select public.create_session_handoff('tests-alpha', 'refresh-token') $$,
  'the handoff to the clinic''s address accepts the grant');
select throws_ok($$ select public.create_session_handoff('tests-beta', 'refresh-token') $$, '42501', null,
  'but not to another clinic');

-- Members are unaffected
select tests.act_as('alpha_admin');
select is((select count(*)::int from public.visit_notes), 1, 'a clinic admin still reads notes');
select tests.act_as('beta_admin');
select results_eq($$ select id from public.patients $$, $$ select tests.row_id('beta_patient') $$,
  'another clinic''s admin still reads only their own patients');

-- Ending and expiry ------------------------------------------------------------------------------------------
select tests.act_as('platform');
select is(public.end_support_access(), 1, 'end_support_access ends the open grant');
select is_empty($$ select 1 from public.patients $$, 'after ending, support reads nothing');

select lives_ok(format($$ select public.start_support_access(%L, 'Ticket 43: second look', 15) $$, tests.org_id('alpha')), 'a new access can start');
select tests.clear_authentication();
alter table public.support_access_grants disable trigger support_access_grants_guard;
update public.support_access_grants set starts_at = now() - interval '2 hours', expires_at = now() - interval '1 minute'
 where ended_at is null;
alter table public.support_access_grants enable trigger support_access_grants_guard;
select tests.act_as('platform');
select is_empty($$ select 1 from public.patients $$, 'an expired grant reads nothing');

-- The clinic's own trail ------------------------------------------------------------------------------------
select tests.clear_authentication();
select results_eq(
  $$ select action::text, table_name, changes ->> 'platform_action', actor_id from public.audit_log
      where organization_id = tests.org_id('alpha')
        and (table_name = 'support_access_grants' or changes ? 'support_grant_id') order by id $$,
  $$ values ('insert', 'support_access_grants', 'support.start', tests.user_id('platform')),
            ('view', 'patients', null, tests.user_id('platform')),
            ('update', 'support_access_grants', 'support.end', tests.user_id('platform')),
            ('insert', 'support_access_grants', 'support.start', tests.user_id('platform')) $$,
  'start, chart view and end are in the clinic''s audit_log under the platform admin');

rollback;
