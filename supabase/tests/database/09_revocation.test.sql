-- Tokens stay valid until they expire, so every request re-checks the live membership: removal,
-- suspension, demotion and platform-admin removal take effect on the very next request even with
-- an unexpired token; forged or malformed claims open nothing. Also: the policies compare with
-- one InitPlan scalar (no per-row SubPlan), as BENCHMARK.md requires.
begin;
\ir ../helpers.psql

select plan(28);
select tests.create_tenancy_fixture();

-- tokens issued now, kept by the test as a browser would keep them
create table tests.tokens (persona text primary key, claims jsonb not null);
insert into tests.tokens
select persona, tests.authenticate_as(tests.user_id(persona))
  from unnest(array['alpha_admin', 'alpha_doctor', 'beta_admin', 'platform']) persona;
select tests.clear_authentication();
grant select on tests.tokens to anon, authenticated;

create function tests.use_token(persona text)
returns void
language plpgsql
as $$
begin
  perform tests.authenticate_with_claims((select t.claims from tests.tokens t where t.persona = use_token.persona));
end;
$$;
grant execute on function tests.use_token(text) to anon, authenticated;

select is((select claims ->> 'org_role' from tests.tokens where persona = 'alpha_doctor'), 'doctor', 'the doctor''s token names clinic A');

-- Removal -----------------------------------------------------------------------------------------------
select tests.use_token('alpha_doctor');
select results_eq($$ select slug from public.organizations $$, array['tests-alpha'], 'before removal the token opens clinic A');
select tests.clear_authentication();
delete from public.memberships where user_id = tests.user_id('alpha_doctor');
select tests.use_token('alpha_doctor');
select is_empty($$ select 1 from public.organizations $$, 'after removal the same token opens no clinic');
select is_empty($$ select 1 from public.memberships $$, 'after removal the same token sees no membership');
select results_eq($$ select id from public.profiles $$, $$ values (tests.user_id('alpha_doctor')) $$, 'after removal the same token sees only its own profile');

-- Suspended membership ------------------------------------------------------------------------------------
select tests.clear_authentication();
insert into public.memberships (organization_id, user_id, role, status)
values (tests.org_id('alpha'), tests.user_id('alpha_doctor'), 'doctor', 'suspended');
select tests.use_token('alpha_doctor');
select is_empty($$ select 1 from public.organizations $$, 'a suspended membership opens nothing');
select is(
  (select count(*)::int from public.memberships), 1,
  'a suspended member sees only their own membership row'
);
select tests.clear_authentication();
update public.memberships set status = 'active' where user_id = tests.user_id('alpha_doctor');
select tests.use_token('alpha_doctor');
select is_empty($$ select 1 from public.organizations $$, 'the old token stays closed after reinstating: removal from the last clinic ended its session');
select tests.clear_authentication();
update tests.tokens set claims = tests.authenticate_as(tests.user_id('alpha_doctor')) where persona = 'alpha_doctor';
select tests.use_token('alpha_doctor');
select results_eq($$ select slug from public.organizations $$, array['tests-alpha'], 'reinstating the membership opens the clinic to a new sign-in');

-- Demotion --------------------------------------------------------------------------------------------------
select tests.clear_authentication();
update public.memberships set role = 'admin' where user_id = tests.user_id('alpha_doctor');
update public.memberships set role = 'receptionist' where user_id = tests.user_id('alpha_admin');
select tests.use_token('alpha_admin');
select is((select private.current_org_role()), 'receptionist'::public.member_role, 'the live role wins over the org_role claim');
select ok(not (select private.is_org_admin()), 'a demoted admin is no longer an admin, token or not');
select is(tests.rows_affected($$ update public.organizations set name = 'Too late' where id = tests.org_id('alpha') $$), 0, 'a demoted admin''s token cannot edit the clinic');
select throws_ok(
  $$ insert into public.memberships (organization_id, user_id, role) values (tests.org_id('alpha'), tests.user_id('nobody'), 'admin') $$,
  '42501', null, 'a demoted admin''s token cannot add members'
);
select is(tests.rows_affected($$ update public.memberships set role = 'nurse' where user_id = tests.user_id('alpha_doctor') $$), 0, 'a demoted admin''s token cannot change roles');
select is(tests.rows_affected($$ delete from public.memberships where user_id = tests.user_id('alpha_doctor') $$), 0, 'a demoted admin''s token cannot remove members');
select results_eq($$ select slug from public.organizations $$, array['tests-alpha'], 'a demoted admin still works at the clinic in the new role');

-- Promotion takes effect at once as well
select tests.use_token('alpha_doctor');
select is(tests.rows_affected($$ update public.organizations set name = 'Promoted' where id = tests.org_id('alpha') $$), 1, 'a promoted doctor''s existing token can act as admin');

-- Suspended clinic ------------------------------------------------------------------------------------------
select tests.clear_authentication();
update public.organizations set status = 'suspended' where id = tests.org_id('beta');
select tests.use_token('beta_admin');
select is_empty($$ select 1 from public.organizations $$, 'suspending a clinic closes it for existing tokens');
select is(tests.rows_affected($$ update public.organizations set name = 'X' where id = tests.org_id('beta') $$), 0, 'a suspended clinic''s admin cannot edit it');

-- Platform admin removed ------------------------------------------------------------------------------------
select tests.clear_authentication();
delete from public.platform_admins where user_id = tests.user_id('platform');
select tests.use_token('platform');
select is((select claims -> 'is_platform_admin' from tests.tokens where persona = 'platform'), 'true'::jsonb, 'the old token still says is_platform_admin');
select is_empty($$ select 1 from public.organizations $$, 'but a removed platform admin sees no clinic');

-- Forged and malformed claims -------------------------------------------------------------------------------
select tests.authenticate_with_claims(jsonb_build_object('sub', tests.user_id('nobody'), 'organization_id', tests.org_id('alpha'), 'org_role', 'admin'));
select is_empty($$ select 1 from public.organizations $$, 'an organization_id claim without a membership opens nothing');
select is(tests.rows_affected($$ update public.organizations set name = 'Forged' $$), 0, 'a forged admin claim edits nothing');
select tests.authenticate_with_claims(jsonb_build_object('sub', tests.user_id('beta_admin'), 'organization_id', tests.org_id('alpha'), 'org_role', 'admin'));
select is_empty($$ select 1 from public.memberships where organization_id = tests.org_id('alpha') $$, 'another clinic''s id in the claim opens nothing');
select tests.authenticate_with_claims(jsonb_build_object('sub', tests.user_id('alpha_doctor'), 'organization_id', 'not-a-uuid'));
select is_empty($$ select 1 from public.organizations $$, 'a malformed organization_id is ignored, not an error');
select tests.authenticate_with_claims(jsonb_build_object('sub', tests.user_id('alpha_doctor'), 'app_metadata', jsonb_build_object('organization_id', tests.org_id('alpha')), 'user_metadata', jsonb_build_object('organization_id', tests.org_id('alpha'))));
select is_empty($$ select 1 from public.organizations $$, 'only the hook''s top-level claim counts (not app_metadata, never user_metadata)');

-- Plans: one InitPlan scalar, no per-row SubPlan ----------------------------------------------------------------
select tests.clear_authentication();
create function tests.plan_of(query text)
returns text
language plpgsql
as $$
declare
  v_line text;
  v_plan text := '';
begin
  for v_line in execute 'explain (costs off) ' || query loop
    v_plan := v_plan || v_line || E'\n';
  end loop;
  return v_plan;
end;
$$;
grant execute on function tests.plan_of(text) to authenticated;
select tests.act_as('beta_nurse');
select ok(
  tests.plan_of('select * from public.memberships') ~ 'InitPlan' and tests.plan_of('select * from public.memberships') !~ 'SubPlan',
  'memberships policies run as InitPlans, not per-row SubPlans'
);
select ok(
  tests.plan_of('select * from public.profiles') ~ 'InitPlan' and tests.plan_of('select * from public.profiles') !~ 'SubPlan',
  'profiles policy compares with one array parameter, not a per-row SubPlan'
);

select * from finish();

rollback;
