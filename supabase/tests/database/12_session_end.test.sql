-- Closed doors stay closed: losing one's last active clinic (membership removed, suspended or
-- deleted; the clinic suspended) deletes the person's Auth sessions and with them their refresh
-- tokens (private.end_sessions_without_clinic); someone still active at another clinic, or a platform
-- admin, keeps theirs. A token whose session no longer exists opens nothing (private.session_is_live),
-- even before it expires. tests/api/sessions-end.test.ts proves the refresh failing through Auth.
begin;
\ir ../helpers.psql

select plan(24);
select tests.create_tenancy_fixture();
select tests.add_person('beta_only');
insert into public.memberships (organization_id, user_id, role) values (tests.org_id('beta'), tests.user_id('beta_only'), 'doctor');
insert into public.memberships (organization_id, user_id, role) values (tests.org_id('alpha'), tests.user_id('platform'), 'doctor');

-- everyone signed in on one device, with a refresh token, as Auth records it
insert into auth.sessions (id, user_id, created_at, updated_at, aal)
select gen_random_uuid(), p.user_id, now(), now(), 'aal1' from tests.personas p;
insert into auth.refresh_tokens (instance_id, token, user_id, revoked, created_at, updated_at, session_id)
select '00000000-0000-0000-0000-000000000000', 'rt-' || p.persona, s.user_id::text, false, now(), now(), s.id
  from tests.personas p join auth.sessions s on s.user_id = p.user_id;

create function tests.sessions_of(persona text) returns integer language sql stable security definer set search_path = '' as $$
  select count(*)::int from auth.sessions s where s.user_id = tests.user_id(persona);
$$;
create function tests.refresh_tokens_of(persona text) returns integer language sql stable security definer set search_path = '' as $$
  select count(*)::int from auth.refresh_tokens r where r.user_id = tests.user_id(persona)::text;
$$;
grant execute on function tests.sessions_of(text), tests.refresh_tokens_of(text) to authenticated;

-- claims of the session each person has now (what their browser holds)
create table tests.live_claims (persona text primary key, claims jsonb not null);
grant select on tests.live_claims to authenticated;
create function tests.keep_claims(persona text) returns void language plpgsql as $$
declare
  v_claims jsonb := tests.authenticate_as(tests.user_id(persona));
begin
  perform tests.clear_authentication();
  -- the session created by authenticate_as is replaced by the one recorded above
  delete from auth.sessions where id = (v_claims ->> 'session_id')::uuid;
  insert into tests.live_claims
  values (persona, v_claims || jsonb_build_object('session_id',
    (select s.id from auth.sessions s where s.user_id = tests.user_id(persona) limit 1)));
end;
$$;
select tests.keep_claims(p) from unnest(array['alpha_doctor', 'alpha_admin', 'both', 'beta_admin', 'platform']) p;
create function tests.use_claims(persona text) returns void language plpgsql as $$
begin
  perform tests.authenticate_with_claims((select c.claims from tests.live_claims c where c.persona = use_claims.persona));
end;
$$;
grant execute on function tests.use_claims(text) to authenticated;

select tests.use_claims('alpha_doctor');
select results_eq($$ select slug from public.organizations $$, array['tests-alpha'], 'a live session opens the clinic');

-- An admin removes a doctor through the API ------------------------------------------------------------------
select tests.act_as('alpha_admin');
select is(tests.rows_affected($$ delete from public.memberships where user_id = tests.user_id('alpha_doctor') $$), 1, 'clinic A''s admin removes the doctor');
select is(tests.sessions_of('alpha_doctor'), 0, 'the doctor''s Auth sessions are gone');
select is(tests.refresh_tokens_of('alpha_doctor'), 0, 'and their refresh tokens with them');
select tests.use_claims('alpha_doctor');
select is_empty($$ select 1 from public.organizations $$, 'the doctor''s unexpired token opens nothing');
select is_empty($$ select 1 from public.my_organizations() $$, 'and lists no clinic to switch to');
select is((select private.session_is_live()), false, 'its session is not live');

-- Someone who still works elsewhere keeps the session -----------------------------------------------------------
select tests.clear_authentication();
update public.memberships set status = 'removed' where user_id = tests.user_id('both') and organization_id = tests.org_id('alpha');
select is(tests.sessions_of('both'), 1, 'removed from A but active at B: the session stays');
select tests.use_claims('both');
select is_empty($$ select 1 from public.organizations where id = tests.org_id('alpha') $$, 'yet clinic A is closed to that token at once');
select results_eq($$ select slug from public.my_organizations() $$, array['tests-beta'], 'and only clinic B is offered');

-- A platform admin keeps the console ----------------------------------------------------------------------------
select tests.clear_authentication();
update public.memberships set status = 'suspended' where user_id = tests.user_id('platform');
select is(tests.sessions_of('platform'), 1, 'a platform admin without a clinic keeps their session');
select tests.use_claims('platform');
select ok((select private.is_platform_admin()), 'and the console');

-- Role changes end nothing --------------------------------------------------------------------------------------
select tests.clear_authentication();
set constraints memberships_keep_one_admin deferred;
update public.memberships set role = 'nurse' where user_id = tests.user_id('alpha_admin');
update public.memberships set role = 'admin' where user_id = tests.user_id('alpha_admin');
set constraints memberships_keep_one_admin immediate;
select ok(tests.sessions_of('alpha_admin') > 0, 'changing a role keeps the session');

-- Suspending a clinic -------------------------------------------------------------------------------------------
update public.organizations set status = 'suspended', suspended_reason = 'tests' where id = tests.org_id('beta');
select is(tests.sessions_of('beta_admin'), 0, 'suspending clinic B ends its admin''s sessions');
select is(tests.sessions_of('beta_only'), 0, 'and its doctor''s');
select is(tests.sessions_of('beta_nurse'), 0, 'and its nurse''s');
select is(tests.sessions_of('both'), 0, 'someone whose other clinic membership was already removed loses theirs too');
select ok(tests.sessions_of('alpha_admin') > 0, 'clinic A''s staff are not affected');
select tests.use_claims('beta_admin');
select is((select private.current_org_id()), null, 'the suspended clinic''s tokens name no clinic');

-- Dead sessions open nothing, even for a platform admin -----------------------------------------------------------
select tests.clear_authentication();
delete from auth.sessions where user_id = tests.user_id('platform');
select tests.use_claims('platform');
select ok(not (select private.is_platform_admin()), 'a signed-out platform admin''s token is not a platform admin');
select is_empty($$ select 1 from public.platform_admins $$, 'and reads no platform admin row');

-- Tokens without a session claim (minted by a server holding the key) are judged by membership alone
select tests.authenticate_with_claims(jsonb_build_object('sub', tests.user_id('alpha_admin'), 'organization_id', tests.org_id('alpha')));
select results_eq($$ select slug from public.organizations $$, array['tests-alpha'], 'a token without session_id is judged by its membership');
select tests.authenticate_with_claims(jsonb_build_object('sub', tests.user_id('alpha_admin'), 'organization_id', tests.org_id('alpha'), 'session_id', 'nonsense'));
select is_empty($$ select 1 from public.organizations $$, 'a malformed session_id opens nothing');

-- nobody reaches the session-ending function directly
select ok(
  not has_function_privilege('authenticated', 'private.end_sessions_without_clinic(uuid[])', 'execute')
  and not has_function_privilege('anon', 'private.end_sessions_without_clinic(uuid[])', 'execute'),
  'the API roles cannot end anyone''s sessions directly'
);

select * from finish();

rollback;
