-- public.custom_access_token_hook, answering as it answers Supabase Auth (tests.access_token_hook), for
-- every case: active, suspended clinic, non-active membership, no membership, two clinics, stale
-- active organization, platform admin, forged incoming claims.
begin;
\ir ../helpers.psql

select plan(35);
select tests.create_tenancy_fixture();

-- the event Supabase Auth sends on a refresh, with optional extra claims already in the token
create function tests.hook(persona text, extra_claims jsonb default '{}'::jsonb)
returns jsonb
language plpgsql
as $$
declare
  v_user_id uuid := tests.user_id(persona);
  v_event jsonb;
  v_out jsonb;
begin
  v_event := jsonb_build_object(
    'user_id', v_user_id,
    'authentication_method', 'token_refresh',
    'claims', jsonb_build_object(
      'aud', 'authenticated', 'exp', 2000000000, 'iat', 1900000000, 'sub', v_user_id,
      'email', persona || '@tests.local', 'phone', '', 'role', 'authenticated', 'aal', 'aal1',
      'session_id', '5d1b0d4e-3e0c-4b8e-9d53-0b0b7e1c2a11', 'is_anonymous', false,
      'app_metadata', '{"provider":"email"}'::jsonb, 'user_metadata', '{}'::jsonb
    ) || extra_claims
  );
  v_out := tests.access_token_hook(v_event);
  return v_out;
end;
$$;

-- Active membership in an active clinic --------------------------------------------------------------
select is(tests.hook('alpha_admin') -> 'claims' ->> 'organization_id', tests.org_id('alpha')::text, 'active admin: organization_id is the active clinic');
select is(tests.hook('alpha_admin') -> 'claims' ->> 'org_role', 'admin', 'active admin: org_role admin');
select is(tests.hook('alpha_doctor') -> 'claims' ->> 'org_role', 'doctor', 'active doctor: org_role doctor');
select is(tests.hook('beta_nurse') -> 'claims' ->> 'organization_id', tests.org_id('beta')::text, 'clinic B member: organization_id is clinic B');
select ok(not (tests.hook('alpha_admin') -> 'claims' ? 'is_platform_admin'), 'clinic staff get no is_platform_admin claim');

-- Claims Supabase Auth requires are passed through untouched
select is(
  (tests.hook('alpha_doctor') -> 'claims') - 'organization_id' - 'org_role',
  jsonb_build_object(
    'aud', 'authenticated', 'exp', 2000000000, 'iat', 1900000000, 'sub', tests.user_id('alpha_doctor'),
    'email', 'alpha_doctor@tests.local', 'phone', '', 'role', 'authenticated', 'aal', 'aal1',
    'session_id', '5d1b0d4e-3e0c-4b8e-9d53-0b0b7e1c2a11', 'is_anonymous', false,
    'app_metadata', '{"provider":"email"}'::jsonb, 'user_metadata', '{}'::jsonb
  ),
  'every standard claim is kept as it was'
);
select is(tests.hook('alpha_doctor') ->> 'user_id', tests.user_id('alpha_doctor')::text, 'the rest of the event is returned too');
select ok(
  (select p.provolatile = 's' and not p.prosecdef from pg_catalog.pg_proc p where p.oid = 'public.custom_access_token_hook(jsonb)'::regprocedure),
  'the hook is stable and security invoker (it reads through its own grants and policies)'
);

-- Two clinics -----------------------------------------------------------------------------------------
select is(tests.hook('both') -> 'claims' ->> 'organization_id', tests.org_id('alpha')::text, 'member of both with A active: organization_id A');
select is(tests.hook('both') -> 'claims' ->> 'org_role', 'nurse', 'member of both with A active: their role at A');
select tests.set_active_org('both', 'beta');
select is(tests.hook('both') -> 'claims' ->> 'organization_id', tests.org_id('beta')::text, 'member of both with B active: organization_id B');
select is(tests.hook('both') -> 'claims' ->> 'org_role', 'admin', 'member of both with B active: their role at B');

-- No membership ---------------------------------------------------------------------------------------
select ok(not (tests.hook('nobody') -> 'claims' ? 'organization_id'), 'no membership: no organization_id');
select ok(not (tests.hook('nobody') -> 'claims' ? 'org_role'), 'no membership: no org_role');

-- Non-active memberships ------------------------------------------------------------------------------
update public.memberships set status = 'invited' where user_id = tests.user_id('alpha_doctor');
select ok(not (tests.hook('alpha_doctor') -> 'claims' ? 'organization_id'), 'invited membership: no organization_id');
update public.memberships set status = 'suspended' where user_id = tests.user_id('alpha_doctor');
select ok(not (tests.hook('alpha_doctor') -> 'claims' ? 'organization_id'), 'suspended membership: no organization_id');
select ok(not (tests.hook('alpha_doctor') -> 'claims' ? 'org_role'), 'suspended membership: no org_role');
update public.memberships set status = 'removed' where user_id = tests.user_id('alpha_doctor');
select ok(not (tests.hook('alpha_doctor') -> 'claims' ? 'organization_id'), 'removed membership: no organization_id');
update public.memberships set status = 'active' where user_id = tests.user_id('alpha_doctor');
select is(tests.hook('alpha_doctor') -> 'claims' ->> 'organization_id', tests.org_id('alpha')::text, 'reactivated membership: claims are back');

-- Stale active organization: the membership is gone -----------------------------------------------------
delete from public.memberships where user_id = tests.user_id('alpha_doctor');
select ok(not (tests.hook('alpha_doctor') -> 'claims' ? 'organization_id'), 'active_organization_id without a membership falls back to none');
select is(
  tests.hook('alpha_doctor', jsonb_build_object('organization_id', tests.org_id('alpha'), 'org_role', 'doctor')) -> 'claims',
  tests.hook('alpha_doctor') -> 'claims',
  'a refresh drops the organization claims of the previous token'
);

-- Suspended clinic ------------------------------------------------------------------------------------
update public.organizations set status = 'suspended' where id = tests.org_id('alpha');
select ok(not (tests.hook('alpha_admin') -> 'claims' ? 'organization_id'), 'suspended clinic: its admin gets no organization_id');
select ok(not (tests.hook('alpha_admin') -> 'claims' ? 'org_role'), 'suspended clinic: no org_role');
select tests.set_active_org('both', 'alpha');
select ok(not (tests.hook('both') -> 'claims' ? 'organization_id'), 'suspended clinic active for a member of both: no organization claims (no silent switch)');
select is(tests.hook('beta_admin') -> 'claims' ->> 'organization_id', tests.org_id('beta')::text, 'other clinics keep their claims');
update public.organizations set status = 'active' where id = tests.org_id('alpha');
select is(tests.hook('alpha_admin') -> 'claims' ->> 'organization_id', tests.org_id('alpha')::text, 'a reactivated clinic gets its claims back');

-- Platform admins -----------------------------------------------------------------------------------------
select is(tests.hook('platform') -> 'claims' -> 'is_platform_admin', 'true'::jsonb, 'platform admin: is_platform_admin true');
select ok(not (tests.hook('platform') -> 'claims' ? 'organization_id'), 'platform admin without a clinic: no organization_id');
delete from public.platform_admins where user_id = tests.user_id('platform');
select ok(not (tests.hook('platform', '{"is_platform_admin": true}') -> 'claims' ? 'is_platform_admin'), 'a former platform admin loses the claim at the next refresh');

-- Forged or stale incoming claims and user_metadata are never trusted ----------------------------------
select ok(
  not (tests.hook('nobody', jsonb_build_object('organization_id', tests.org_id('alpha'), 'org_role', 'admin', 'is_platform_admin', true)) -> 'claims' ?| array['organization_id', 'org_role', 'is_platform_admin']),
  'organization and platform claims already in the token are removed when not earned'
);
update auth.users set raw_user_meta_data = jsonb_build_object('organization_id', tests.org_id('alpha'), 'org_role', 'admin') where id = tests.user_id('nobody');
select ok(
  not (tests.hook('nobody', jsonb_build_object('user_metadata', jsonb_build_object('organization_id', tests.org_id('alpha'), 'org_role', 'admin'))) -> 'claims' ? 'organization_id'),
  'user_metadata naming a clinic earns nothing'
);
select is(
  tests.hook('alpha_admin', '{"org_role": "doctor"}') -> 'claims' ->> 'org_role', 'admin',
  'org_role always reflects the live membership'
);

-- Who may call it ------------------------------------------------------------------------------------------
select tests.act_as('alpha_admin');
select throws_ok($$ select public.custom_access_token_hook('{}'::jsonb) $$, '42501', null, 'authenticated cannot call the hook');
select tests.as_anon();
select throws_ok($$ select public.custom_access_token_hook('{}'::jsonb) $$, '42501', null, 'anon cannot call the hook');
select tests.clear_authentication();
set local role service_role;
select throws_ok($$ select public.custom_access_token_hook('{}'::jsonb) $$, '42501', null, 'service_role cannot call the hook');
reset role;

select * from finish();

rollback;
