-- Platform console RPCs and tables: only live platform admins may call them (clinic admins,
-- staff, signed-in people without a clinic and anon are refused), onboarding is one transaction,
-- suspension cuts members off, plan changes reach organizations.plan_id, invoices are generated
-- once per period, settings are public only through get_public_settings, and every action lands
-- in the append-only platform_audit_log (and the clinic's own audit_log).
begin;
\ir ../helpers.psql

select plan(30);
select tests.create_tenancy_fixture();

-- Refusals -------------------------------------------------------------------------------------------
select tests.act_as('alpha_admin');
select throws_ok($$ select * from public.platform_clinics() $$, '42501', 'Only platform admins may do this',
  'a clinic admin cannot list clinics');
select throws_ok(format($$ select public.platform_set_clinic_status(%L, 'suspended', 'x') $$, tests.org_id('beta')),
  '42501', null, 'a clinic admin cannot suspend a clinic');
select throws_ok($$ select * from public.platform_create_clinic('X', 'clinic', 'tests-sneaky', null, 'starter', 'a@b.test') $$,
  '42501', null, 'a clinic admin cannot onboard a clinic');
select throws_ok(format($$ select public.generate_invoice(%L) $$, tests.org_id('alpha')), '42501', null,
  'a clinic admin cannot generate invoices');
select throws_ok($$ select public.platform_update_settings('x', 10) $$, '42501', null,
  'a clinic admin cannot change global settings');
select is_empty($$ select 1 from public.platform_audit_log $$, 'a clinic admin reads no platform audit entries');
select is_empty($$ select 1 from public.platform_settings $$, 'a clinic admin cannot read the settings table');

select tests.act_as('alpha_doctor');
select throws_ok(format($$ select public.platform_change_plan(%L, 'hospital') $$, tests.org_id('alpha')),
  '42501', null, 'staff cannot change their clinic''s plan');
select tests.act_as('nobody');
select throws_ok($$ select public.platform_save_plan('sneaky', 'Sneaky', null, null, 0, 'USD') $$, '42501', null,
  'a signed-in person without a clinic cannot create plans');
select tests.as_anon();
select throws_ok($$ select * from public.platform_clinics() $$, '42501', null,
  'anon cannot call platform RPCs (no execute privilege)');
select ok((select session_idle_timeout_minutes from public.get_public_settings()) between 5 and 1440,
  'anon reads the public settings through get_public_settings()');

-- a forged is_platform_admin claim is not enough: the check is live
select tests.authenticate_with_claims(jsonb_build_object(
  'sub', tests.user_id('nobody'), 'role', 'authenticated', 'is_platform_admin', true));
select throws_ok($$ select * from public.platform_clinics() $$, '42501', null,
  'a token claiming is_platform_admin without a platform_admins row is refused');

-- Platform admin -------------------------------------------------------------------------------------
select tests.act_as('platform');
select ok((select count(*) from public.platform_clinics('tests-', null, 100, 0)) = 2,
  'a platform admin lists clinics, searchable by slug');
select is((select staff_count from public.platform_clinics('', tests.org_id('alpha'), 1, 0)), 3::bigint,
  'staff count per clinic');

-- onboarding: one transaction
select throws_ok($$ select * from public.platform_create_clinic('Taken', 'clinic', 'tests-alpha', null, 'starter', 'x@tests.local') $$,
  '23505', 'The address "tests-alpha" is already taken by another clinic.', 'a taken slug is refused with its field');
select throws_ok($$ select * from public.platform_create_clinic('Reserved', 'clinic', 'admin', null, 'starter', 'x@tests.local') $$,
  '23514', 'The address "admin" is reserved for the platform. Choose another.', 'a reserved slug is refused');
select tests.clear_authentication();
insert into public.organization_domains (organization_id, domain) values (tests.org_id('alpha'), 'taken.example.com');
select tests.act_as('platform');
select throws_ok($$ select * from public.platform_create_clinic('Gamma', 'clinic', 'tests-gamma', 'taken.example.com', 'starter', 'g@tests.local') $$,
  '23505', null, 'a taken custom domain is refused');
select is_empty($$ select 1 from public.organizations where slug = 'tests-gamma' $$,
  'and the organization created before the domain failed is rolled back with it');

create temporary table onboarded on commit drop as
  select * from public.platform_create_clinic('Gamma', 'hospital', 'tests-gamma', 'gamma.example.com', 'clinic', 'beta_admin@tests.local');
grant select on onboarded to authenticated;
select is((select admin_user_id from onboarded), tests.user_id('beta_admin'),
  'an existing person is found by email');
select tests.clear_authentication();
select results_eq($$ select m.role::text, m.status::text from public.memberships m join onboarded o on o.organization_id = m.organization_id $$,
  $$ values ('admin', 'active') $$, 'and becomes the active admin of the new clinic');
select tests.act_as('platform');
select results_eq($$ select o.plan_id, s.plan_id, d.domain from public.organizations o
                      join public.subscriptions s on s.organization_id = o.id
                      join public.organization_domains d on d.organization_id = o.id
                     where o.slug = 'tests-gamma' $$,
  $$ values ('clinic', 'clinic', 'gamma.example.com') $$, 'with its plan, subscription and domain');
select throws_ok(format($$ select public.platform_attach_first_admin(%L, %L) $$, (select organization_id from onboarded), tests.user_id('nobody')),
  '42501', null, 'nobody can be slipped in as "first" admin of a clinic that has members');
-- possession, not resemblance: an account whose address is unconfirmed (anyone may have signed up
-- with it) is not made admin; that person gets the invitation e-mail instead
select tests.clear_authentication();
select tests.add_person('squatter', 'future-admin@tests.local');
update auth.users set email_confirmed_at = null where id = tests.user_id('squatter');
select tests.act_as('platform');
select is(
  (select admin_user_id from public.platform_create_clinic('Delta', 'clinic', 'tests-delta', null, 'starter', 'future-admin@tests.local')),
  null::uuid, 'an unconfirmed account with the address is not taken as the first admin (they are invited)');

-- suspension cuts members off, even with their current token
select public.platform_set_clinic_status(tests.org_id('alpha'), 'suspended', 'Unpaid');
select tests.authenticate_with_claims(jsonb_build_object(
  'sub', tests.user_id('alpha_doctor'), 'role', 'authenticated', 'organization_id', tests.org_id('alpha'), 'org_role', 'doctor'));
select is_empty($$ select 1 from public.organizations $$, 'a member of a suspended clinic reads nothing of it');
select tests.clear_authentication();
select results_eq($$ select a.actor_id, a.changes ->> 'reason' from public.audit_log a
                     where a.organization_id = tests.org_id('alpha') and a.changes ->> 'platform_action' = 'clinic.suspend' $$,
  format($$ values (%L::uuid, 'Unpaid') $$, tests.user_id('platform')),
  'the suspension is in the clinic''s audit trail under the platform admin''s identity');
select tests.act_as('platform');

-- plans and billing
select public.platform_change_plan(tests.org_id('beta'), 'hospital');
select is((select plan_id from public.organizations where id = tests.org_id('beta')), 'hospital',
  'changing the plan updates organizations.plan_id');
select is(public.generate_invoice(tests.org_id('beta')), public.generate_invoice(tests.org_id('beta')),
  'generate_invoice is idempotent within a period');
select results_eq($$ select amount_cents, currency from public.invoices where organization_id = tests.org_id('beta') $$,
  $$ values (29900, 'USD') $$, 'the invoice is at the plan''s price');
select throws_ok($$ select public.platform_delete_plan('starter') $$, '23503', null, 'the default plan cannot be deleted');

-- append-only trail
select tests.clear_authentication();
select throws_ok($$ delete from public.platform_audit_log $$, '42501', 'platform_audit_log is append-only',
  'the platform audit log is append-only, even for its owner');

select * from finish();

rollback;
