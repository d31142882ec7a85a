-- Test helpers for supabase/tests/database/*.test.sql (in the style of Basejump's test helpers).
-- tests/db/pgtap.test.ts runs this file first, inside each test file's transaction, which is rolled
-- back: the `tests` schema and everything created here never outlive one file.
--
--   tests.create_user(email, full_name)      -> uuid        an auth.users row (profile via trigger)
--   tests.authenticate_as(user_id)           -> jsonb       claims the REAL hook issues now, as
--                                                           `authenticated` (what PostgREST does)
--   tests.authenticate_with_claims(claims)                  stale or forged tokens
--   tests.as_anon()                                         the publishable key, no session
--   tests.clear_authentication()                            back to the test owner (postgres)
--   tests.rows_affected(sql)                 -> integer     run a statement as the current role
--   tests.create_tenancy_fixture()                          two clinics and the standard personas
--   tests.user_id(persona) / tests.org_id(key) / tests.act_as(persona) / tests.set_active_org(persona, key)
--
-- Role switches use `set local role`, which persists until the transaction ends; the helpers are
-- plpgsql (not security definer, where SET ROLE is refused) and executable by anon/authenticated
-- so a test can switch from one person to another.

create schema if not exists tests;
grant usage on schema tests to anon, authenticated;

create or replace function tests.create_user(email text, full_name text default '')
returns uuid
language plpgsql
security definer
set search_path = ''
as $$
declare
  v_id uuid := gen_random_uuid();
begin
  insert into auth.users (
    id, instance_id, aud, role, email, encrypted_password, email_confirmed_at,
    raw_app_meta_data, raw_user_meta_data, created_at, updated_at,
    confirmation_token, recovery_token, email_change_token_new, email_change
  )
  values (
    v_id, '00000000-0000-0000-0000-000000000000', 'authenticated', 'authenticated', email, '',
    now(), '{"provider":"email","providers":["email"]}'::jsonb,
    jsonb_build_object('full_name', full_name), now(), now(), '', '', '', ''
  );
  return v_id;
end;
$$;

create or replace function tests.clear_authentication()
returns void
language plpgsql
as $$
begin
  execute 'reset role';
  perform set_config('request.jwt.claims', '', true);
end;
$$;

create or replace function tests.as_anon()
returns void
language plpgsql
as $$
begin
  execute 'reset role';
  perform set_config('request.jwt.claims', '{"role":"anon"}', true);
  execute 'set local role anon';
end;
$$;

-- Claims exactly as Supabase Auth would sign them right now: GoTrue's standard claims passed
-- through public.custom_access_token_hook, called as supabase_auth_admin (its real caller), so the
-- hook's grants and policies are exercised too.
create or replace function tests.authenticate_as(user_id uuid)
returns jsonb
language plpgsql
as $$
declare
  v_email text;
  v_now bigint := extract(epoch from now())::bigint;
  v_event jsonb;
  v_claims jsonb;
  v_session uuid := gen_random_uuid();
begin
  execute 'reset role';
  select u.email into v_email from auth.users u where u.id = authenticate_as.user_id;
  if not found then
    raise exception 'tests.authenticate_as: no auth user %', user_id;
  end if;
  -- a live Auth session, as a sign-in creates (policies end with the session: session_is_live)
  insert into auth.sessions (id, user_id, created_at, updated_at, aal)
  values (v_session, user_id, now(), now(), 'aal1');
  v_event := jsonb_build_object(
    'user_id', user_id,
    'authentication_method', 'password',
    'claims', jsonb_build_object(
      'iss', 'http://127.0.0.1:54321/auth/v1',
      'aud', 'authenticated',
      'exp', v_now + 3600,
      'iat', v_now,
      'sub', user_id,
      'email', v_email,
      'phone', '',
      'role', 'authenticated',
      'aal', 'aal1',
      'amr', jsonb_build_array(jsonb_build_object('method', 'password', 'timestamp', v_now)),
      'session_id', v_session,
      'is_anonymous', false,
      'app_metadata', '{"provider":"email","providers":["email"]}'::jsonb,
      'user_metadata', '{}'::jsonb
    )
  );
  execute 'set local role supabase_auth_admin';
  v_claims := public.custom_access_token_hook(v_event) -> 'claims';
  execute 'reset role';
  perform set_config('request.jwt.claims', v_claims::text, true);
  execute 'set local role authenticated';
  return v_claims;
end;
$$;

-- Any claims, e.g. a token issued before a membership was removed, or a forged organization_id.
create or replace function tests.authenticate_with_claims(claims jsonb)
returns void
language plpgsql
as $$
begin
  execute 'reset role';
  perform set_config(
    'request.jwt.claims',
    (jsonb_build_object('aud', 'authenticated', 'role', 'authenticated') || claims)::text,
    true
  );
  execute 'set local role authenticated';
end;
$$;

-- Rows touched by an insert/update/delete run as the current role (RLS silently skips rows).
create or replace function tests.rows_affected(statement text)
returns integer
language plpgsql
as $$
declare
  v_count integer;
begin
  execute statement;
  get diagnostics v_count = row_count;
  return v_count;
end;
$$;

-- The standard cast ----------------------------------------------------------------------------------
create table tests.personas (persona text primary key, user_id uuid not null);
create table tests.orgs (key text primary key, id uuid not null);

create or replace function tests.user_id(persona text)
returns uuid
language sql
stable
security definer
set search_path = ''
as $$
  select p.user_id from tests.personas p where p.persona = user_id.persona;
$$;

create or replace function tests.org_id(key text)
returns uuid
language sql
stable
security definer
set search_path = ''
as $$
  select o.id from tests.orgs o where o.key = org_id.key;
$$;

create or replace function tests.act_as(persona text)
returns void
language plpgsql
as $$
declare
  v_user_id uuid := tests.user_id(persona);
begin
  if v_user_id is null then
    raise exception 'tests.act_as: unknown persona %', persona;
  end if;
  perform tests.authenticate_as(v_user_id);
end;
$$;

-- Clinic A ('alpha', slug tests-alpha) and clinic B ('beta', slug tests-beta) with:
--   alpha_admin  admin of A                      alpha_doctor  doctor of A
--   beta_admin   admin of B                      beta_nurse    nurse of B
--   both         nurse of A and admin of B, A active
--   nobody       signed in, no clinic            platform      platform admin, no clinic
create or replace function tests.create_tenancy_fixture()
returns void
language plpgsql
as $$
declare
  v_alpha uuid;
  v_beta uuid;
begin
  perform tests.clear_authentication();

  insert into public.organizations (slug, name, type, theme_color, sign_in_message)
  values ('tests-alpha', 'Alpha Test Clinic', 'clinic', '#0f766e', 'Alpha staff only')
  returning id into v_alpha;
  insert into public.organizations (slug, name, type, theme_color)
  values ('tests-beta', 'Beta Test Hospital', 'hospital', '#4338ca')
  returning id into v_beta;
  insert into tests.orgs values ('alpha', v_alpha), ('beta', v_beta);

  insert into tests.personas
  select persona, tests.create_user(persona || '@tests.local', initcap(replace(persona, '_', ' ')))
    from unnest(array[
      'alpha_admin', 'alpha_doctor', 'beta_admin', 'beta_nurse', 'both', 'nobody', 'platform'
    ]) as persona;

  insert into public.memberships (organization_id, user_id, role)
  values
    (v_alpha, tests.user_id('alpha_admin'), 'admin'),
    (v_alpha, tests.user_id('alpha_doctor'), 'doctor'),
    (v_beta, tests.user_id('beta_admin'), 'admin'),
    (v_beta, tests.user_id('beta_nurse'), 'nurse'),
    (v_alpha, tests.user_id('both'), 'nurse'),
    (v_beta, tests.user_id('both'), 'admin');

  update public.profiles set active_organization_id = v_alpha
   where id in (tests.user_id('alpha_admin'), tests.user_id('alpha_doctor'), tests.user_id('both'));
  update public.profiles set active_organization_id = v_beta
   where id in (tests.user_id('beta_admin'), tests.user_id('beta_nurse'));

  insert into public.platform_admins (user_id) values (tests.user_id('platform'));
end;
$$;

-- Sets a person's active organization directly (what switch_organization records).
create or replace function tests.set_active_org(persona text, org_key text)
returns void
language plpgsql
security definer
set search_path = ''
as $$
begin
  update public.profiles set active_organization_id = tests.org_id(org_key)
   where id = tests.user_id(persona);
end;
$$;

grant select on all tables in schema tests to anon, authenticated;
grant execute on all functions in schema tests to anon, authenticated;
