-- public.switch_organization(org_id) and public.my_organizations(): choosing the active clinic.
begin;
\ir ../helpers.psql

select plan(26);
select tests.create_tenancy_fixture();

-- my_organizations ---------------------------------------------------------------------------------------
select tests.act_as('both');
select results_eq(
  $$ select slug, role::text, is_active from public.my_organizations() order by slug $$,
  $$ values ('tests-alpha', 'nurse', true), ('tests-beta', 'admin', false) $$,
  'a member of both lists both clinics, their role in each and which one is active'
);
select tests.act_as('alpha_admin');
select results_eq($$ select slug from public.my_organizations() $$, array['tests-alpha'], 'clinic A admin lists clinic A only');
select tests.act_as('nobody');
select is_empty($$ select 1 from public.my_organizations() $$, 'a person with no clinic lists nothing');
select tests.as_anon();
select throws_ok($$ select 1 from public.my_organizations() $$, '42501', null, 'anon cannot list organizations');

-- Switching ---------------------------------------------------------------------------------------------
select tests.act_as('both');
select lives_ok($$ select public.switch_organization(tests.org_id('beta')) $$, 'a member of both switches to B');
select tests.clear_authentication();
select is((select active_organization_id from public.profiles where id = tests.user_id('both')), tests.org_id('beta'), 'the choice is recorded in profiles.active_organization_id');

-- until the token is refreshed the old claims (A) still work, since that membership is active
select tests.authenticate_with_claims(jsonb_build_object('sub', tests.user_id('both'), 'organization_id', tests.org_id('alpha'), 'org_role', 'nurse'));
select results_eq($$ select slug from public.organizations $$, array['tests-alpha'], 'the switch takes effect at the next token refresh');
select tests.act_as('both');
select results_eq($$ select slug from public.organizations $$, array['tests-beta'], 'after the refresh the active clinic is B');
select results_eq($$ select slug, role::text from public.my_organizations() where is_active $$, $$ values ('tests-beta', 'admin') $$, 'my_organizations marks B active');

select lives_ok($$ select public.switch_organization(null) $$, 'switching to null clears the active clinic');
select tests.act_as('both');
select is_empty($$ select 1 from public.organizations $$, 'with no active clinic nothing is open');
select lives_ok($$ select public.switch_organization(tests.org_id('alpha')) $$, 'and back to A');

-- Refusals ---------------------------------------------------------------------------------------------
select tests.act_as('alpha_admin');
select throws_ok($$ select public.switch_organization(tests.org_id('beta')) $$, '42501', 'You are not a member of this organization', 'clinic A admin cannot switch to clinic B');
select throws_ok($$ select public.switch_organization(gen_random_uuid()) $$, '42501', 'You are not a member of this organization', 'an unknown organization is refused the same way');
select tests.act_as('nobody');
select throws_ok($$ select public.switch_organization(tests.org_id('alpha')) $$, '42501', 'You are not a member of this organization', 'a person with no clinic cannot switch into one');
select tests.act_as('platform');
select throws_ok($$ select public.switch_organization(tests.org_id('alpha')) $$, '42501', 'You are not a member of this organization', 'a platform admin is not a member of clinics');
select tests.as_anon();
select throws_ok($$ select public.switch_organization(tests.org_id('alpha')) $$, '42501', null, 'anon cannot switch');

select tests.clear_authentication();
update public.memberships set status = 'suspended' where user_id = tests.user_id('alpha_doctor');
select tests.act_as('alpha_doctor');
select throws_like($$ select public.switch_organization(tests.org_id('alpha')) $$, 'Your membership of this organization is not active%', 'a suspended membership cannot be made active');
select is_empty($$ select 1 from public.my_organizations() $$, 'a suspended membership is not listed');

select tests.clear_authentication();
update public.memberships set status = 'invited' where user_id = tests.user_id('alpha_doctor');
select tests.act_as('alpha_doctor');
select throws_like($$ select public.switch_organization(tests.org_id('alpha')) $$, 'Your membership of this organization is not active%', 'an invitation must be accepted first');

select tests.clear_authentication();
update public.organizations set status = 'suspended' where id = tests.org_id('beta');
select tests.act_as('both');
select throws_ok($$ select public.switch_organization(tests.org_id('beta')) $$, '42501', 'This organization is suspended', 'a suspended clinic cannot be switched to');
select results_eq($$ select slug from public.my_organizations() $$, array['tests-alpha'], 'a suspended clinic is not listed');

select tests.clear_authentication();
select is((select active_organization_id from public.profiles where id = tests.user_id('both')), tests.org_id('alpha'), 'refused switches change nothing');
select is((select active_organization_id from public.profiles where id = tests.user_id('alpha_admin')), tests.org_id('alpha'), 'clinic A admin is still on clinic A');

-- the wrapper in public is security invoker; the definer part is not exposed
select ok(
  (select not p.prosecdef from pg_catalog.pg_proc p where p.oid = 'public.switch_organization(uuid)'::regprocedure),
  'public.switch_organization is security invoker'
);
select ok(
  (select p.prosecdef and p.proconfig @> array['search_path=""'] from pg_catalog.pg_proc p where p.oid = 'private.switch_organization(uuid)'::regprocedure),
  'private.switch_organization is security definer with an empty search_path'
);

select * from finish();

rollback;
