-- public.request_context(clinic_slug, custom_domain) and public.field_overview(field_id)
-- (migration 20261124710000_create_page_rpcs.sql): one Data API call for what a page needs.
-- Both are security invoker; this proves, per role (anon, member, admin, someone of two clinics,
-- another clinic's member, a signed-in person of no clinic, a platform admin with and without a
-- support grant, a removed member), that they return exactly what the underlying RPCs and the
-- tables' policies give the same caller, and that an outsider learns nothing about a clinic beyond
-- get_branding's public fields.
begin;
\ir ../helpers.psql

select plan(41);

select tests.create_tenancy_fixture();
insert into public.organization_domains (organization_id, domain)
values (tests.org_id('beta'), 'portal.beta-hospital.test');

select tests.add_person('alpha_removed', full_name => 'Removed');
insert into public.memberships (organization_id, user_id, role)
values (tests.org_id('alpha'), tests.user_id('alpha_removed'), 'doctor');
select tests.set_active_org('alpha_removed', 'alpha');

-- The same parts, each from its own RPC, as the current caller ([] / null without a session).
create function tests.context_parts(p_slug text, p_domain text)
returns jsonb
language plpgsql
as $$
declare
  v_public jsonb := jsonb_build_object(
    'branding', (select to_jsonb(b) from public.get_branding(p_slug, p_domain) b),
    'settings', (select to_jsonb(s) from public.get_public_settings() s));
begin
  if auth.uid() is null then
    return v_public || '{"clinics": [], "support": null, "profile": null}'::jsonb;
  end if;
  return v_public || jsonb_build_object(
    'clinics', coalesce((select jsonb_agg(to_jsonb(m) order by m.name, m.slug) from public.my_organizations() m), '[]'::jsonb),
    'support', (select to_jsonb(s) from public.my_support_access() s),
    'profile', (select jsonb_build_object('full_name', p.full_name) from public.profiles p where p.id = auth.uid()));
end;
$$;
grant execute on function tests.context_parts(text, text) to anon, authenticated;

-- request_context equals its parts for every persona at every kind of host: 'anon' = no session.
create function tests.context_mismatches()
returns setof text
language sql
as $$
  select * from tests.for_each_persona(
    array['anon', 'alpha_admin', 'alpha_doctor', 'beta_nurse', 'both', 'nobody', 'platform', 'alpha_removed'],
    $q$ select format('at %s/%s', h.slug, h.domain)
          from (values ('tests-alpha', null), ('tests-beta', null), (null, 'portal.beta-hospital.test'),
                       ('no-such-clinic', null), (null, 'unknown.example.org'), (null, null)) h (slug, domain)
         where public.request_context(h.slug, h.domain) is distinct from tests.context_parts(h.slug, h.domain) $q$);
$$;

-- Privileges ---------------------------------------------------------------------------------------
select tests.privilege_is('{anon}', 'execute', '{"public.request_context(text, text)"}', true, 'anon may call request_context (sign-in pages)');
select tests.privilege_is('{anon}', 'execute', '{public.field_overview(uuid)}', false, 'anon may not call field_overview');
select tests.security_invoker('{"public.request_context(text, text)", public.field_overview(uuid)}',
  'both are security invoker (the caller''s own rights and policies)');

-- request_context: anon ------------------------------------------------------------------------------
select tests.as_anon();
select is(
  (select array_agg(k order by k) from jsonb_object_keys(public.request_context('tests-alpha')) k),
  array['branding', 'clinics', 'profile', 'settings', 'support'], 'the context has exactly five parts');
select is(public.request_context('tests-alpha') -> 'branding' ->> 'slug', 'tests-alpha', 'anon gets the host''s branding');
select is(public.request_context('tests-alpha') -> 'clinics', '[]'::jsonb, 'anon has no clinics');
select is(public.request_context('tests-alpha') -> 'support', 'null'::jsonb, 'anon has no support access');
select is(public.request_context('tests-alpha') -> 'settings' ->> 'session_idle_timeout_minutes', '60', 'anon gets the public settings');
select ok(
  public.request_context('tests-alpha')::text !~ '[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}',
  'anon''s context contains no identifier (no uuid at all)');
select is(public.request_context('no-such-clinic') -> 'branding', 'null'::jsonb, 'an unknown slug has no branding');
select is(public.request_context(custom_domain => 'portal.beta-hospital.test') -> 'branding' ->> 'slug', 'tests-beta',
  'a recorded custom domain gives its clinic''s branding');
select is(public.request_context(custom_domain => 'tests-beta.localhost') -> 'branding', 'null'::jsonb,
  'an unrecorded domain has none, whatever its first label says');

-- request_context: members -------------------------------------------------------------------------
select tests.act_as('alpha_doctor');
select results_eq(
  $$ select c ->> 'slug', c ->> 'role', c ->> 'organization_id' from jsonb_array_elements(public.request_context('tests-alpha') -> 'clinics') c $$,
  format($$ values ('tests-alpha', 'doctor', %L) $$, tests.org_id('alpha')),
  'a doctor of A at A: A with the role doctor');
select is(public.request_context('tests-alpha') -> 'support', 'null'::jsonb, 'and no support access');
select is(public.request_context('tests-alpha') -> 'profile', '{"full_name": "Alpha Doctor"}'::jsonb, 'and their own name');

select tests.act_as('both');
select results_eq(
  $$ select c ->> 'slug', c ->> 'role' from jsonb_array_elements(public.request_context('tests-alpha') -> 'clinics') c $$,
  $$ values ('tests-alpha', 'nurse'), ('tests-beta', 'admin') $$,
  'someone of two clinics gets both, each with its role, whatever the host');

-- request_context: outsiders ------------------------------------------------------------------------
select tests.act_as('alpha_doctor');
select is(public.request_context('tests-beta') -> 'branding', (select to_jsonb(b) from public.get_branding('tests-beta') b),
  'at another clinic''s host an outsider gets exactly get_branding''s public fields');
select results_eq(
  $$ select c ->> 'slug' from jsonb_array_elements(public.request_context('tests-beta') -> 'clinics') c $$,
  $$ values ('tests-alpha') $$,
  'and only their own clinics (nothing of B''s staff or roles)');
select ok(
  position(tests.org_id('beta')::text in public.request_context('tests-beta')::text) = 0
  and position(tests.org_id('beta')::text in public.request_context(custom_domain => 'portal.beta-hospital.test')::text) = 0,
  'nothing in the outsider''s context names B''s id');

select tests.act_as('nobody');
select is(public.request_context('tests-alpha') -> 'clinics', '[]'::jsonb, 'a signed-in person of no clinic has no clinics');
select is(public.request_context('tests-alpha') -> 'support', 'null'::jsonb, 'and no support access');

select tests.act_as('platform');
select is(public.request_context('tests-alpha') -> 'clinics', '[]'::jsonb, 'a platform admin is no clinic member');
select is(public.request_context('tests-alpha') -> 'support', 'null'::jsonb, 'and without a grant has no support access');

-- live, not from the token: a removed member's next context lists nothing
select tests.clear_authentication();
delete from public.memberships where user_id = tests.user_id('alpha_removed');
select tests.act_as('alpha_removed');
select is(public.request_context('tests-alpha') -> 'clinics', '[]'::jsonb, 'a removed member''s context lists no clinic at once');
select tests.authenticate_with_claims(jsonb_build_object(
  'sub', tests.user_id('alpha_doctor'), 'role', 'authenticated', 'organization_id', tests.org_id('beta'), 'org_role', 'admin'));
select results_eq(
  $$ select c ->> 'slug', c ->> 'role' from jsonb_array_elements(public.request_context('tests-beta') -> 'clinics') c $$,
  $$ values ('tests-alpha', 'doctor') $$,
  'forged claims naming B as admin change nothing: memberships are read live');

-- support access: the platform admin's own grant
select tests.act_as('platform');
select lives_ok(format($$ select public.start_support_access(%L, 'Ticket 7: a page does not load', 30) $$, tests.org_id('alpha')),
  'a platform admin starts support access to A');
select is(public.request_context('tests-alpha') -> 'support' ->> 'slug', 'tests-alpha', 'the context names the grant''s clinic');
select is(public.request_context('tests-alpha') -> 'support', (select to_jsonb(s) from public.my_support_access() s),
  'exactly my_support_access()');
select tests.act_as('alpha_admin');
select is(public.request_context('tests-alpha') -> 'support', 'null'::jsonb, 'nobody else sees the grant');

select is_empty($$ select * from tests.context_mismatches() $$,
  'for every persona and host, request_context equals get_branding, get_public_settings, my_organizations, my_support_access and their own profile');

-- field_overview --------------------------------------------------------------------------------------
select tests.act_as('alpha_admin');
insert into public.patient_field_definitions (key, label, field_type, sort_order) values ('badge', 'Badge', 'text', 2);
insert into public.patient_field_definitions (key, label, field_type, sort_order) values ('ward', 'Ward', 'text', 1);
insert into public.patients (given_name, family_name, custom_fields) values
  ('Ann', 'One', '{"badge": "AB-1", "ward": "3"}'),
  ('Bob', 'Two', '{"badge": ""}'),
  ('Cat', 'Three', '{}'),
  ('Dan', 'Four', '{}');
update public.patients set archived_at = now() where family_name = 'Four';
select tests.act_as('beta_admin');
insert into public.patient_field_definitions (key, label, field_type) values ('badge', 'Badge B', 'text');
insert into public.patients (given_name, family_name, custom_fields) values ('Eve', 'Five', '{"badge": "B-1"}');

-- the same numbers read directly through RLS by the same caller
select tests.clear_authentication();
create function tests.overview_direct(p_field uuid default null)
returns jsonb
language plpgsql
as $$
declare
  v_missing jsonb := '{}';
  v_def record;
begin
  for v_def in select d.key from public.patient_field_definitions d where p_field is null or d.id = p_field loop
    v_missing := v_missing || jsonb_build_object(v_def.key, (
      select count(*) from public.patients p
       where p.archived_at is null
         and (p.custom_fields ->> v_def.key is null or p.custom_fields ->> v_def.key = '')));
  end loop;
  return jsonb_build_object(
    'fields', coalesce((select jsonb_agg(jsonb_build_object('key', d.key, 'label', d.label) order by d.sort_order, d.key)
                          from public.patient_field_definitions d where p_field is null or d.id = p_field), '[]'),
    'active_patients', (select count(*) from public.patients p where p.archived_at is null),
    'missing', v_missing);
end;
$$;
grant execute on function tests.overview_direct(uuid) to authenticated;

create function tests.overview_rpc(p_field uuid default null)
returns jsonb
language sql
as $$
  select jsonb_build_object(
    'fields', coalesce((select jsonb_agg(jsonb_build_object('key', f ->> 'key', 'label', f ->> 'label'))
                          from jsonb_array_elements(o -> 'fields') f), '[]'),
    'active_patients', o -> 'active_patients',
    'missing', o -> 'missing')
    from public.field_overview(p_field) o;
$$;
grant execute on function tests.overview_rpc(uuid) to authenticated;

create table tests.field_ids as select d.key, d.organization_id, d.id from public.patient_field_definitions d;
grant select on tests.field_ids to authenticated;

select tests.act_as('alpha_admin');
select is(public.field_overview() - 'fields', '{"active_patients": 3, "missing": {"badge": 2, "ward": 2}}'::jsonb,
  'A''s admin: 3 active patients (the archived one does not count); badge missing for 2 (absent or empty), ward for 2');
select is((select array_agg(f ->> 'key') from jsonb_array_elements(public.field_overview() -> 'fields') f), array['ward', 'badge'],
  'fields in form order');
select is(tests.overview_rpc(), tests.overview_direct(), 'A''s admin: equal to the tables read through RLS');
select is(
  tests.overview_rpc((select id from public.patient_field_definitions where key = 'badge')),
  tests.overview_direct((select id from public.patient_field_definitions where key = 'badge')),
  'one field by id: equal as well');
select tests.act_as('alpha_doctor');
select is(tests.overview_rpc(), tests.overview_direct(), 'A''s doctor (reads definitions and patients): equal');
select tests.act_as('beta_admin');
select is(tests.overview_rpc(), tests.overview_direct(), 'B''s admin: equal (B''s own field and patient)');
select is(public.field_overview() -> 'missing', '{"badge": 0}'::jsonb, 'B''s numbers are B''s own');
select is(
  public.field_overview((select f.id from tests.field_ids f where f.organization_id = tests.org_id('alpha') and f.key = 'badge')),
  '{"fields": [], "active_patients": 1, "missing": {}}'::jsonb,
  'B''s admin asking for a field id of A gets no field and no count for it');
select tests.act_as('nobody');
select is(public.field_overview(), '{"fields": [], "active_patients": 0, "missing": {}}'::jsonb, 'a signed-in person of no clinic: nothing');
select tests.act_as('platform');
select is(tests.overview_rpc(), tests.overview_direct(), 'a platform admin with a support grant to A reads what RLS lets support read');
select tests.as_anon();
select throws_ok($$ select public.field_overview() $$, '42501', null, 'anon may not call it');

select * from finish();
rollback;
