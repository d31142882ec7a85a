-- audit_log: every write on the audited tables and every chart view is recorded, in the caller's
-- name, append-only, readable by the clinic's admins only, and hash-chained per clinic so that
-- tampering (even by a superuser with triggers disabled) is detected by verify_audit_chain().
begin;
\ir ../helpers.psql

select plan(27);

select tests.create_tenancy_fixture();

select tests.act_as('alpha_doctor');
select lives_ok($$ insert into public.patients (given_name, family_name) values ('Ada', 'Audit') $$, 'a doctor registers a patient');
select lives_ok($$ update public.patients set phone = '+44 20 7946 0000' where family_name = 'Audit' $$, 'and updates it');
select lives_ok($$ select public.log_chart_view((select id from public.patients where family_name = 'Audit')) $$, 'and opens the chart');
select lives_ok($$ insert into public.visits (patient_id, reason) select id, 'review' from public.patients where family_name = 'Audit' $$, 'and books a visit');

-- what was recorded (as the owner)
select tests.clear_authentication();
select results_eq(
  $$ select action::text, table_name, actor_id from public.audit_log
      where organization_id = tests.org_id('alpha') and table_name in ('patients', 'visits') order by id $$,
  $$ values ('insert', 'patients', tests.user_id('alpha_doctor')), ('update', 'patients', tests.user_id('alpha_doctor')),
            ('view', 'patients', tests.user_id('alpha_doctor')), ('insert', 'visits', tests.user_id('alpha_doctor')) $$,
  'insert, update, view and the visit insert are logged in the caller''s name'
);
select is(
  (select changes from public.audit_log where organization_id = tests.org_id('alpha') and table_name = 'patients' and action = 'update'),
  jsonb_build_object('old', jsonb_build_object('phone', null), 'new', jsonb_build_object('phone', '+44 20 7946 0000')),
  'an update records only the changed columns, old and new'
);
select is(
  (select changes -> 'new' ->> 'family_name' from public.audit_log where organization_id = tests.org_id('alpha') and table_name = 'patients' and action = 'insert'),
  'Audit', 'an insert records the new row'
);
select ok(
  (select count(*) from public.audit_log where table_name = 'memberships' and organization_id = tests.org_id('alpha')) = 3,
  'membership writes are audited too'
);
select is(
  (select count(*)::int from public.audit_log a join public.audit_log b on b.organization_id = a.organization_id and b.prev_hash = a.hash
    where a.organization_id = tests.org_id('alpha')),
  (select count(*)::int - 1 from public.audit_log where organization_id = tests.org_id('alpha')),
  'each row of a clinic chains to the previous one'
);
select is((select count(*)::int from public.audit_log where organization_id = tests.org_id('alpha') and prev_hash is null), 1,
  'the chain of a clinic has one start');

-- who can read
select tests.act_as('alpha_admin');
select ok((select count(*) from public.audit_log) > 0 and not exists (select 1 from public.audit_log where organization_id <> tests.org_id('alpha')),
  'a clinic admin reads their own clinic''s trail only');
select tests.act_as('alpha_doctor');
select is_empty($$ select id from public.audit_log $$, 'staff who are not admins read nothing');
select tests.act_as('beta_admin');
select is_empty($$ select id from public.audit_log where organization_id = tests.org_id('alpha') $$, 'another clinic''s admin reads nothing of A');

-- nobody writes it directly
select tests.act_as('alpha_admin');
select throws_ok($$ insert into public.audit_log (organization_id, action, table_name, hash) values (tests.org_id('alpha'), 'view', 'patients', repeat('0', 64)) $$,
  '42501', null, 'an admin cannot insert audit rows');
select throws_ok($$ update public.audit_log set actor_id = null $$, '42501', null, 'an admin cannot update audit rows');
select throws_ok($$ delete from public.audit_log $$, '42501', null, 'an admin cannot delete audit rows');
select throws_ok($$ truncate public.audit_log $$, '42501', null, 'an admin cannot truncate the trail');
select throws_ok($$ select private.write_audit(tests.org_id('alpha'), 'view', 'patients', null, '{}') $$, '42501', null,
  'the internal writer is not callable by API roles');
select tests.act_as('beta_admin');
select throws_ok($$ select public.log_chart_view((select id from public.patients where family_name = 'Audit')) $$, 'PT404', null,
  'a chart view of another clinic''s patient is refused (nothing is logged)');
select tests.act_as('nobody');
select throws_ok($$ select public.log_chart_view(gen_random_uuid()) $$, '42501', null, 'no clinic, no chart views');

-- even the owner cannot change it while the guard trigger is on
select tests.clear_authentication();
select throws_ok($$ update public.audit_log set table_name = 'x' $$, '42501', 'audit_log is append-only', 'the owner cannot update audit rows');
select throws_ok($$ delete from public.audit_log where organization_id = tests.org_id('alpha') $$, '42501', 'audit_log is append-only', 'the owner cannot delete audit rows');

-- verification
select tests.act_as('alpha_admin');
select results_eq($$ select intact, first_broken_id from public.verify_audit_chain() $$, $$ values (true, null::bigint) $$, 'the intact chain verifies');
select tests.act_as('alpha_doctor');
select throws_ok($$ select * from public.verify_audit_chain() $$, '42501', null, 'only admins verify the chain');

-- a superuser rewrites a row with the guard disabled: detected
select tests.clear_authentication();
set local session_replication_role = replica;
update public.audit_log set changes = '{"new": {"phone": "forged"}}'
 where id = (select id from public.audit_log where organization_id = tests.org_id('alpha') and table_name = 'patients' and action = 'update');
set local session_replication_role = origin;
select tests.act_as('alpha_admin');
select results_eq(
  $$ select intact, first_broken_id from public.verify_audit_chain() $$,
  $$ select false, id from public.audit_log where organization_id = tests.org_id('alpha') and table_name = 'patients' and action = 'update' $$,
  'an altered row is detected and named'
);

-- a superuser deletes the newest row: detected
select tests.clear_authentication();
set local session_replication_role = replica;
update public.audit_log set changes = '{"old": {"phone": null}, "new": {"phone": "+44 20 7946 0000"}}'
 where organization_id = tests.org_id('alpha') and table_name = 'patients' and action = 'update';
delete from public.audit_log where id = (select max(id) from public.audit_log where organization_id = tests.org_id('alpha'));
set local session_replication_role = origin;
select tests.act_as('alpha_admin');
select is((select intact from public.verify_audit_chain()), false, 'removing the newest row is detected');
select tests.clear_authentication();
select is((select count(*)::int from public.audit_log where organization_id = tests.org_id('beta')) > 0, true, 'clinic B has its own chain');

select * from finish();

rollback;
