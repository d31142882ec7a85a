-- Two-factor sign-in (20261124900000_require_two_factor.sql, docs/security.md "Assurance levels"):
-- aal1 vs aal2 tokens on every clinic table (every table in public with an organization_id, found
-- in the catalog), with the clinic's requirement off and on; admin operations (always aal2);
-- platform admins; the definer RPCs that apply the policies' scope themselves; the branding bucket;
-- the requirement setting, the recovery RPCs (clinic admin, platform admin) and the hook's claim.
begin;
\ir ../helpers.psql

select plan(119);
select tests.create_tenancy_fixture();

-- Another admin and a receptionist of clinic A (on a plan with seats for them and an invitation).
update public.organizations set plan_id = 'hospital' where id = tests.org_id('alpha');
select tests.add_member(p, 'alpha', r::public.member_role)
  from (values ('alpha_admin2', 'admin'), ('alpha_reception', 'receptionist')) x (p, r);

-- Rows in every clinic table of clinic A (as the owner; the audit trail fills itself).
select tests.create_chart('alpha', 'Ada', 'Factor');
do $$
declare
  v_org uuid := tests.org_id('alpha');
  v_doctor uuid := tests.user_id('alpha_doctor');
  v_id uuid;
begin
  insert into public.invitations (organization_id, email, role)
  values (v_org, 'invitee@tests.local', 'nurse') returning id into v_id;
  insert into tests.rows values ('invitation', v_id);
  insert into public.organization_domains (organization_id, domain) values (v_org, 'portal.alpha-factor.test');
  insert into public.subscriptions (organization_id, plan_id) values (v_org, 'starter');
  select m.id into v_id from public.memberships m where m.user_id = v_doctor and m.organization_id = v_org;
  insert into tests.rows values ('doctor_membership', v_id);
  select m.id into v_id from public.memberships m where m.user_id = tests.user_id('alpha_reception') and m.organization_id = v_org;
  insert into tests.rows values ('reception_membership', v_id);
  select m.id into v_id from public.memberships m where m.user_id = tests.user_id('alpha_admin2') and m.organization_id = v_org;
  insert into tests.rows values ('admin2_membership', v_id);
  select m.id into v_id from public.memberships m where m.user_id = tests.user_id('both') and m.organization_id = v_org;
  insert into tests.rows values ('both_membership', v_id);
  select m.id into v_id from public.memberships m where m.user_id = tests.user_id('beta_nurse');
  insert into tests.rows values ('beta_nurse_membership', v_id);
end;
$$;

-- The clinic tables: every table in public with an organization_id column that authenticated may read.
create or replace function tests.clinic_tables()
returns setof text
language sql
stable
as $$
  select c.relname::text
    from pg_catalog.pg_class c
    join pg_catalog.pg_namespace n on n.oid = c.relnamespace
   where n.nspname = 'public'
     and c.relkind in ('r', 'p')
     and exists (select 1 from pg_catalog.pg_attribute a
                  where a.attrelid = c.oid and a.attname = 'organization_id' and not a.attisdropped)
   order by 1;
$$;

-- Rows of clinic A a persona sees in each clinic table with a token of the given level.
create or replace function tests.clinic_rows(p_persona text, p_aal text)
returns table (tbl text, n bigint)
language plpgsql
as $$
declare
  v_org uuid := tests.org_id('alpha');
begin
  for tbl in select t from tests.clinic_tables() t
              where has_table_privilege('authenticated', to_regclass('public.' || quote_ident(t)), 'select') loop
    perform tests.act_as(p_persona, p_aal);
    execute format('select count(*) from public.%I where organization_id = $1', tbl) into n using v_org;
    perform tests.clear_authentication();
    return next;
  end loop;
end;
$$;

-- The rule itself, as each persona (the caller's own token).
create or replace function tests.satisfied(p_persona text, p_aal text)
returns boolean
language plpgsql
as $$
declare
  v boolean;
begin
  perform tests.act_as(p_persona, p_aal);
  v := private.two_factor_satisfied();
  perform tests.clear_authentication();
  return v;
end;
$$;

-- A session row, as Auth keeps one per signed-in device.
create or replace function tests.add_session(p_user_id uuid)
returns uuid
language sql
security definer
set search_path = ''
as $$
  insert into auth.sessions (id, user_id, created_at, updated_at, aal)
  values (gen_random_uuid(), p_user_id, now(), now(), 'aal2')
  returning id;
$$;

-- The restrictive qual, as the catalog prints it (whitespace folded): the helper, wrapped.
create or replace function tests.two_factor_qual()
returns text
language sql
immutable
as $$
  select '( CASE WHEN ( SELECT private.two_factor_satisfied() AS two_factor_satisfied) THEN (organization_id IS NULL) ELSE NULL::boolean END IS NOT NULL)';
$$;

-- Catalog: every clinic table is covered ------------------------------------------------------------------
-- A table in public with an organization_id is covered when either
--   (a) it has the four restrictive two-factor policies (private.add_two_factor_policies), or
--   (b) row level security is on and every permissive policy that applies to authenticated is
--       "gated": its expression cannot be true while the gated helpers answer nothing (null, false,
--       no rows), which is what they answer below the assurance level the caller needs.
-- The gated helpers are found in the catalog too: current_membership, is_platform_admin and
-- two_factor_satisfied, and every function of schema private whose body calls one of them
-- (transitively). An expression is gated when it is an OR of gated parts, an AND with at least one
-- gated part, or a single term that calls a gated helper without negating it or testing it for
-- null (NOT, IS NULL, IS DISTINCT, COALESCE and CASE make a term ungated: conservative). A new
-- table with an own-row policy (user_id = auth.uid(), an e-mail match) therefore needs (a).
create or replace function tests.gated_helpers()
returns setof text
language sql
stable
as $$
  with recursive gated(name) as (
    select unnest(array['current_membership', 'is_platform_admin', 'two_factor_satisfied'])
    union
    select p.proname::text collate "default"
      from pg_catalog.pg_proc p
      join pg_catalog.pg_namespace n on n.oid = p.pronamespace, gated g
     where n.nspname = 'private'
       and position('private.' || g.name || '(' in p.prosrc) > 0
  )
  select name from gated;
$$;

-- Splits a deparsed expression at its top level: ('OR' | 'AND' | 'TERM', parts).
create or replace function tests.split_expression(p_expr text, out op text, out parts text[])
language plpgsql
immutable
as $$
declare
  v text := btrim(p_expr);
  v_depth int;
  v_quoted boolean;
  v_start int;
  i int;
  c text;
  v_wrapped boolean;
begin
  -- strip parentheses that enclose the whole expression
  loop
    exit when left(v, 1) <> '(' or right(v, 1) <> ')';
    v_depth := 0; v_quoted := false; v_wrapped := true;
    for i in 1 .. length(v) loop
      c := substr(v, i, 1);
      if c = '''' then v_quoted := not v_quoted; end if;
      continue when v_quoted;
      if c = '(' then v_depth := v_depth + 1; elsif c = ')' then v_depth := v_depth - 1; end if;
      if v_depth = 0 and i < length(v) then v_wrapped := false; exit; end if;
    end loop;
    exit when not v_wrapped;
    v := btrim(substr(v, 2, length(v) - 2));
  end loop;
  foreach op in array array['OR', 'AND'] loop
    parts := '{}';
    v_depth := 0; v_quoted := false; v_start := 1; i := 1;
    while i <= length(v) loop
      c := substr(v, i, 1);
      if c = '''' then v_quoted := not v_quoted; end if;
      if not v_quoted then
        if c = '(' then v_depth := v_depth + 1; elsif c = ')' then v_depth := v_depth - 1; end if;
        if v_depth = 0 and substr(v, i, length(op) + 2) = ' ' || op || ' ' then
          parts := parts || substr(v, v_start, i - v_start);
          i := i + length(op) + 2;
          v_start := i;
          continue;
        end if;
      end if;
      i := i + 1;
    end loop;
    if cardinality(parts) > 0 then
      parts := parts || substr(v, v_start);
      return;
    end if;
  end loop;
  op := 'TERM';
  parts := array[v];
end;
$$;

create or replace function tests.is_gated(p_expr text, p_helpers text[])
returns boolean
language plpgsql
immutable
as $$
declare
  v record;
begin
  if p_expr is null then
    return false;
  end if;
  select * into v from tests.split_expression(p_expr);
  if v.op = 'OR' then
    return (select bool_and(tests.is_gated(x, p_helpers)) from unnest(v.parts) x);
  elsif v.op = 'AND' then
    return (select bool_or(tests.is_gated(x, p_helpers)) from unnest(v.parts) x);
  end if;
  return v.parts[1] !~* '(\mNOT\M|\mIS\s+NULL\M|\mIS\s+(NOT\s+)?DISTINCT\M|\mCOALESCE\M|\mCASE\M)'
     and exists (select 1 from unnest(p_helpers) h where position('private.' || h || '(' in v.parts[1]) > 0);
end;
$$;

-- Clinic tables that are not covered, with the reason.
create or replace function tests.uncovered_clinic_tables()
returns table (tbl text, reason text)
language sql
stable
as $$
  with helpers as (select array_agg(h) as names from tests.gated_helpers() h),
  restricted as (
    select t
      from tests.clinic_tables() t
     where (select count(*) from pg_catalog.pg_policies p, unnest(array['SELECT', 'INSERT', 'UPDATE', 'DELETE']) op(cmd)
             where p.schemaname = 'public' and p.tablename = t and p.cmd = op.cmd
               and p.permissive = 'RESTRICTIVE'
               and p.roles = array['authenticated']::name[]
               and p.policyname = t || '_' || lower(op.cmd) || '_two_factor'
               and (op.cmd = 'INSERT' or regexp_replace(p.qual, '\s+', ' ', 'g') = tests.two_factor_qual())
               and (op.cmd in ('SELECT', 'DELETE') or regexp_replace(p.with_check, '\s+', ' ', 'g') = tests.two_factor_qual())) = 4
  )
  select t, 'row level security is off'
    from tests.clinic_tables() t
   where not (select c.relrowsecurity from pg_catalog.pg_class c where c.oid = to_regclass('public.' || quote_ident(t)))
  union all
  select p.tablename::text, 'policy ' || p.policyname || ' does not go through the gated helpers'
    from pg_catalog.pg_policies p, helpers
   where p.schemaname = 'public'
     and p.tablename in (select t from tests.clinic_tables() t except select t from restricted)
     and p.permissive = 'PERMISSIVE'
     and p.roles && array['authenticated', 'public']::name[]
     and not (tests.is_gated(p.qual, helpers.names) or tests.is_gated(p.with_check, helpers.names));
$$;

grant execute on all functions in schema tests to anon, authenticated;

select ok((select count(*) from tests.clinic_tables()) >= 13, 'the catalog finds the clinic tables (at least the 13 of today)');
select ok(
  (select count(*) from tests.gated_helpers() h
    where h in ('current_membership', 'current_org_id', 'current_org_id_for', 'current_read_org_id',
                'current_read_org_id_for', 'is_org_admin', 'is_platform_admin')) = 7,
  'the gated helpers found in the catalog include those every clinic policy calls'
);
-- The check itself catches a table without coverage: probes, dropped again before anything else.
create table public.tests_probe_own_rows (id uuid primary key default gen_random_uuid(), organization_id uuid not null, user_id uuid);
alter table public.tests_probe_own_rows enable row level security;
create policy tests_probe_own_rows_select on public.tests_probe_own_rows for select to authenticated
  using (organization_id = (select private.current_org_id()) or user_id = (select auth.uid()));
create table public.tests_probe_negated (id uuid primary key default gen_random_uuid(), organization_id uuid not null);
alter table public.tests_probe_negated enable row level security;
create policy tests_probe_negated_select on public.tests_probe_negated for select to authenticated
  using (not (select private.is_platform_admin()));
create table public.tests_probe_no_rls (id uuid primary key default gen_random_uuid(), organization_id uuid not null);
create table public.tests_probe_gated (id uuid primary key default gen_random_uuid(), organization_id uuid not null);
alter table public.tests_probe_gated enable row level security;
create policy tests_probe_gated_select on public.tests_probe_gated for select to authenticated
  using ((organization_id = (select private.current_read_org_id_for(private.care_team_roles())))
         or ((select private.is_platform_admin()) and organization_id is not null));
create policy tests_probe_gated_insert on public.tests_probe_gated for insert to authenticated
  with check (organization_id = (select private.current_org_id()) and (select private.is_org_admin()));
grant select, insert on public.tests_probe_gated to authenticated;
insert into public.tests_probe_gated (organization_id) values (tests.org_id('alpha'));
select results_eq(
  $$ select tbl from tests.uncovered_clinic_tables() where tbl like 'tests\_probe\_%' order by 1 $$,
  $$ values ('tests_probe_negated'), ('tests_probe_no_rls'), ('tests_probe_own_rows') $$,
  'the coverage check reports a new table with an own-row policy, a negated helper or no RLS, and accepts one whose policies all go through the gated helpers'
);
select tests.act_as('alpha_admin', 'aal1');
select is_empty($$ select 1 from public.tests_probe_gated $$, 'such a table (no restrictive policies) shows an aal1 admin nothing: the rule is in the helpers');
select tests.act_as('alpha_admin', 'aal2');
select isnt_empty($$ select 1 from public.tests_probe_gated $$, 'and shows the same admin its rows with aal2');
select tests.clear_authentication();
drop table public.tests_probe_own_rows, public.tests_probe_negated, public.tests_probe_no_rls, public.tests_probe_gated;

select is_empty(
  $$ select tbl || ': ' || reason from tests.uncovered_clinic_tables() $$,
  'every table in public with an organization_id is covered: the four restrictive two-factor policies (private.add_two_factor_policies), or row level security with every policy going through the gated helpers'
);
select is_empty(
  $$ select t from tests.clinic_tables() t
      where t in ('audit_log', 'invitations', 'lab_orders', 'memberships', 'organization_domains',
                  'patient_field_definitions', 'patients', 'prescriptions', 'subscriptions',
                  'visit_notes', 'visits', 'invoices', 'support_access_grants', 'platform_audit_log')
        and not exists (select 1 from pg_catalog.pg_policies p
                         where p.schemaname = 'public' and p.tablename = t
                           and p.policyname = t || '_select_two_factor') $$,
  'today''s clinic tables all carry the restrictive policies (own-row policies on memberships and invitations need them)'
);
select is(
  (select count(*)::int from pg_catalog.pg_policies
    where schemaname = 'storage' and tablename = 'objects' and permissive = 'RESTRICTIVE'
      and policyname like 'objects\_%\_branding\_two\_factor'
      and coalesce(qual, with_check) like '%private.has_aal2()%'),
  4,
  'the branding bucket has restrictive aal2 policies for select, insert, update and delete'
);
select ok(
  not has_function_privilege('authenticated', 'private.add_two_factor_policies(regclass)', 'execute')
  and not has_function_privilege('authenticated', 'private.aal2_required(uuid)', 'execute')
  and not has_function_privilege('authenticated', 'private.clear_two_factor(uuid)', 'execute')
  and has_function_privilege('supabase_auth_admin', 'private.aal2_required(uuid)', 'execute'),
  'only migrations add policies, only Auth''s hook asks about another person, nobody clears factors directly'
);

-- The rule ----------------------------------------------------------------------------------------------
select is(tests.satisfied('alpha_doctor', 'aal1'), true, 'a doctor without a factor at a clinic without the requirement: aal1 is enough');
select is(tests.satisfied('alpha_admin', 'aal1'), false, 'an admin needs aal2');
select is(tests.satisfied('alpha_admin', 'aal2'), true, 'an admin with aal2 is satisfied');
select is(tests.satisfied('both', 'aal1'), false, 'a nurse of A who administers B needs aal2 at A too (the factor is the person''s)');
select is(tests.satisfied('platform', 'aal1'), false, 'a platform admin needs aal2');
select is(tests.satisfied('nobody', 'aal1'), true, 'a person without a clinic needs nothing more');
select tests.add_verified_factor(tests.user_id('beta_nurse'));
select is(tests.satisfied('beta_nurse', 'aal1'), false, 'a person with a verified factor needs aal2 (a password alone is not them)');
select is(tests.satisfied('beta_nurse', 'aal2'), true, 'and is satisfied with it');
select is(
  (tests.authenticate_as(tests.user_id('alpha_admin'), 'aal1')) -> 'two_factor_required', 'true'::jsonb,
  'the hook tells the portal that an admin must present a second factor'
);
select tests.clear_authentication();
select ok(
  not (tests.authenticate_as(tests.user_id('alpha_doctor'), 'aal1')) ? 'two_factor_required',
  'and says nothing for a doctor who needs none'
);
select tests.clear_authentication();
select results_eq(
  $$ select c ->> 'aal', jsonb_path_query_array(c, '$.amr[*].method') from (select tests.authenticate_as(tests.user_id('alpha_admin'), 'aal2') c) x $$,
  $$ values ('aal2', '["totp", "password"]'::jsonb) $$,
  'the hook keeps Auth''s aal and amr claims'
);
select tests.clear_authentication();

-- Every clinic table, requirement off ---------------------------------------------------------------------
select is_empty(
  $$ select t from unnest(array['audit_log', 'invitations', 'lab_orders', 'memberships', 'organization_domains',
                               'patient_field_definitions', 'patients', 'prescriptions', 'subscriptions',
                               'visit_notes', 'visits']) t
     except select tbl from tests.clinic_rows('alpha_admin', 'aal2') where n > 0 $$,
  'with aal2 the admin sees the fixture''s rows in the clinic tables (the checks below are not vacuous)'
);
-- one TAP line: the persona with this aal sees no row of any clinic table (tests.clinic_rows)
create function tests.sees_nothing(p_persona text, p_aal text, p_description text) returns text language sql as $$
  select is_empty(format($q$ select tbl || ': ' || n from tests.clinic_rows(%L, %L) where n > 0 $q$, p_persona, p_aal), p_description);
$$;
select results_eq(
  $$ select * from tests.clinic_rows('alpha_doctor', 'aal1') $$,
  $$ select * from tests.clinic_rows('alpha_doctor', 'aal2') $$,
  'requirement off: a doctor without a factor sees the same rows in every clinic table with aal1 as with aal2'
);
select tests.sees_nothing('alpha_admin', 'aal1', 'an admin with aal1 sees nothing in any clinic table');
select tests.sees_nothing('both', 'aal1', 'a nurse of A who administers B sees nothing at A with aal1');
select ok(
  (select n from tests.clinic_rows('both', 'aal2') where tbl = 'patients') > 0,
  'and sees A''s patients with aal2'
);

-- Every clinic table, requirement on ----------------------------------------------------------------------
create table tests.doctor_aal2 as select * from tests.clinic_rows('alpha_doctor', 'aal2');
grant select on tests.doctor_aal2 to authenticated;
update public.organizations set require_two_factor = true where id = tests.org_id('alpha');
select is(tests.satisfied('alpha_doctor', 'aal1'), false, 'requirement on: the doctor needs aal2');
select is(tests.satisfied('beta_admin', 'aal2'), true, 'another clinic''s admin is unaffected');
select tests.sees_nothing('alpha_doctor', 'aal1', 'requirement on: a doctor with aal1 sees nothing in any clinic table');
select tests.sees_nothing('alpha_reception', 'aal1', 'requirement on: a receptionist with aal1 sees nothing in any clinic table');
select results_eq(
  $$ select * from tests.clinic_rows('alpha_doctor', 'aal2') $$,
  $$ select * from tests.doctor_aal2 $$,
  'requirement on: with aal2 the doctor sees exactly what they saw before'
);
select tests.act_as('alpha_doctor', 'aal1');
select is_empty($$ select 1 from public.memberships where user_id = auth.uid() $$, 'not even their own membership rows (own-row policies are restricted too)');
select is_empty($$ select 1 from public.organizations $$, 'nor the clinic (current_membership answers nothing)');
select is_empty($$ select 1 from public.profiles where id <> auth.uid() $$, 'nor colleagues'' profiles');
select isnt_empty($$ select 1 from public.profiles where id = auth.uid() $$, 'their own profile stays readable (it is not clinic data)');
select results_eq($$ select slug, require_two_factor from public.my_organizations() $$, $$ values ('tests-alpha', true) $$,
  'my_organizations still names the clinic and its requirement, so the portal can explain');

-- Writes at aal1 with the requirement on: refused on every clinical table -------------------------------
select is(tests.try('alpha_doctor', 'aal1', $$insert into public.patients (organization_id, given_name, family_name) values (tests.org_id('alpha'), 'New', 'Person')$$), 'denied', 'aal1 doctor cannot register a patient');
select is(tests.try('alpha_doctor', 'aal2', $$insert into public.patients (organization_id, given_name, family_name) values (tests.org_id('alpha'), 'New', 'Person')$$), 'allowed', 'aal2 doctor can');
select is(tests.try('alpha_doctor', 'aal1', $$update public.patients set phone = '+1 555 0100' where id = tests.row_id('patient')$$), 'denied', 'aal1 doctor cannot edit a patient');
select is(tests.try('alpha_doctor', 'aal2', $$update public.patients set phone = '+1 555 0100' where id = tests.row_id('patient')$$), 'allowed', 'aal2 doctor can');
select is(tests.try('alpha_doctor', 'aal1', $$insert into public.visits (organization_id, patient_id, clinician_id, scheduled_at) values (tests.org_id('alpha'), tests.row_id('patient'), tests.user_id('alpha_doctor'), now() + interval '1 day')$$), 'denied', 'aal1 doctor cannot book a visit');
select is(tests.try('alpha_doctor', 'aal2', $$insert into public.visits (organization_id, patient_id, clinician_id, scheduled_at) values (tests.org_id('alpha'), tests.row_id('patient'), tests.user_id('alpha_doctor'), now() + interval '1 day')$$), 'allowed', 'aal2 doctor can');
select is(tests.try('alpha_doctor', 'aal1', $$update public.visits set scheduled_at = now() + interval '2 days' where id = tests.row_id('visit')$$), 'denied', 'aal1 doctor cannot reschedule');
select is(tests.try('alpha_doctor', 'aal1', $$update public.visit_notes set notes = 'amended' where visit_id = tests.row_id('visit')$$), 'denied', 'aal1 doctor cannot amend notes');
select is(tests.try('alpha_doctor', 'aal2', $$update public.visit_notes set notes = 'amended' where visit_id = tests.row_id('visit')$$), 'allowed', 'aal2 doctor can');
select is(tests.try('alpha_doctor', 'aal1', $$insert into public.lab_orders (organization_id, patient_id, test_code, test_name) values (tests.org_id('alpha'), tests.row_id('patient'), 'CBC', 'Full blood count')$$), 'denied', 'aal1 doctor cannot order a lab test');
select is(tests.try('alpha_doctor', 'aal2', $$insert into public.lab_orders (organization_id, patient_id, test_code, test_name) values (tests.org_id('alpha'), tests.row_id('patient'), 'CBC', 'Full blood count')$$), 'allowed', 'aal2 doctor can');
select is(tests.try('alpha_doctor', 'aal1', $$insert into public.prescriptions (organization_id, patient_id, medication, dose, frequency, quantity) values (tests.org_id('alpha'), tests.row_id('patient'), 'Ibuprofen', '400 mg', 'prn', 20)$$), 'denied', 'aal1 doctor cannot prescribe');
select is(tests.try('alpha_doctor', 'aal2', $$insert into public.prescriptions (organization_id, patient_id, medication, dose, frequency, quantity) values (tests.org_id('alpha'), tests.row_id('patient'), 'Ibuprofen', '400 mg', 'prn', 20)$$), 'allowed', 'aal2 doctor can');
select is(tests.try('alpha_doctor', 'aal1', $$update public.prescriptions set dose = '250 mg' where id = tests.row_id('rx')$$), 'denied', 'aal1 doctor cannot amend a prescription');

-- The definer RPCs that apply the policies' scope themselves follow the same rule
select tests.act_as('alpha_doctor', 'aal1');
select is(public.count_lab_orders(), 0::bigint, 'aal1: the dashboard''s lab count is 0');
select is_empty($$ select 1 from public.open_lab_orders(10) $$, 'aal1: no open lab orders');
select is(public.count_prescriptions(), 0::bigint, 'aal1: the dashboard''s prescription count is 0');
select is_empty($$ select 1 from public.search_patients('Factor') $$, 'aal1: patient search finds nothing');
select throws_ok(format($$ select public.create_visit(%L, now(), 'walk-in') $$, tests.row_id('patient')), '42501', null, 'aal1: create_visit is refused');
select throws_ok(format($$ select public.log_chart_view(%L) $$, tests.row_id('patient')), '42501', 'Sign in to a clinic to open patient charts', 'aal1: no chart is opened (its view is not logged either)');
select tests.act_as('alpha_doctor', 'aal2');
select is(public.count_lab_orders(), 1::bigint, 'aal2: the lab count is back');
select isnt_empty($$ select 1 from public.search_patients('Factor') $$, 'aal2: patient search finds the patient');

-- Requirement off again: a doctor writes with aal1 as before
select tests.clear_authentication();
update public.organizations set require_two_factor = false where id = tests.org_id('alpha');
select is(tests.try('alpha_doctor', 'aal1', $$insert into public.patients (organization_id, given_name, family_name) values (tests.org_id('alpha'), 'Other', 'Person')$$), 'allowed', 'requirement off: aal1 doctor registers a patient');

-- Admin operations need aal2 whatever the clinic's setting -------------------------------------------------
select is(tests.try('alpha_admin', 'aal1', $$update public.organizations set name = 'Renamed' where id = tests.org_id('alpha')$$), 'denied', 'aal1 admin cannot rename the clinic');
select is(tests.try('alpha_admin', 'aal2', $$update public.organizations set name = 'Renamed' where id = tests.org_id('alpha')$$), 'allowed', 'aal2 admin can');
select is(tests.try('alpha_admin', 'aal1', $$update public.memberships set role = 'nurse' where id = tests.row_id('doctor_membership')$$), 'denied', 'aal1 admin cannot change a role');
select is(tests.try('alpha_admin', 'aal2', $$update public.memberships set role = 'nurse' where id = tests.row_id('doctor_membership')$$), 'allowed', 'aal2 admin can');
select is(tests.try('alpha_admin', 'aal1', $$delete from public.memberships where id = tests.row_id('reception_membership')$$), 'denied', 'aal1 admin cannot remove staff');
select is(tests.try('alpha_admin', 'aal2', $$delete from public.memberships where id = tests.row_id('reception_membership')$$), 'allowed', 'aal2 admin can');
select is(tests.try('alpha_admin', 'aal1', $$insert into public.memberships (organization_id, user_id, role) values (tests.org_id('alpha'), tests.user_id('nobody'), 'nurse')$$), 'denied', 'aal1 admin cannot add a membership');
select is(tests.try('alpha_admin', 'aal1', $$insert into public.invitations (organization_id, email, role) values (tests.org_id('alpha'), 'new@tests.local', 'nurse')$$), 'denied', 'aal1 admin cannot invite');
select is(tests.try('alpha_admin', 'aal2', $$insert into public.invitations (organization_id, email, role) values (tests.org_id('alpha'), 'new@tests.local', 'nurse')$$), 'allowed', 'aal2 admin can');
select is(tests.try('alpha_admin', 'aal1', $$update public.invitations set status = 'revoked' where id = tests.row_id('invitation')$$), 'denied', 'aal1 admin cannot revoke an invitation');
select is(tests.try('alpha_admin', 'aal1', $$insert into public.patient_field_definitions (organization_id, key, label) values (tests.org_id('alpha'), 'new_field', 'New')$$), 'denied', 'aal1 admin cannot add a custom field');
select is(tests.try('alpha_admin', 'aal2', $$insert into public.patient_field_definitions (organization_id, key, label) values (tests.org_id('alpha'), 'new_field', 'New')$$), 'allowed', 'aal2 admin can');
select is(tests.try('alpha_admin', 'aal1', $$delete from public.patient_field_definitions where id = tests.row_id('field')$$), 'denied', 'aal1 admin cannot delete a custom field');
select is(tests.try('alpha_admin', 'aal1', $$insert into storage.objects (bucket_id, name) values ('branding', 'tests-alpha/logo.png')$$), 'denied', 'aal1 admin cannot upload a logo');
select is(tests.try('alpha_admin', 'aal2', $$insert into storage.objects (bucket_id, name) values ('branding', 'tests-alpha/logo.png')$$), 'allowed', 'aal2 admin can');
select tests.act_as('alpha_admin', 'aal1');
select throws_ok($$ select public.log_export('patients', 1) $$, '42501', 'Only clinic admins can export clinic data', 'aal1 admin cannot record (or make) an export');
select throws_ok($$ select public.verify_audit_chain() $$, '42501', 'Only clinic admins can verify the audit trail', 'aal1 admin cannot check the audit trail');
select throws_ok($$ select public.set_two_factor_requirement(true) $$, '42501', 'Only the clinic''s administrators can change its two-factor requirement', 'aal1 admin cannot change the requirement');
select is(private.member_two_factor(tests.row_id('doctor_membership')), null, 'aal1 admin sees nobody''s two-factor status (the computed field two_factor: pgTAP 74 for every persona)');

-- The requirement setting ----------------------------------------------------------------------------------
select tests.act_as('alpha_admin', 'aal2');
select is(public.set_two_factor_requirement(true), true, 'an aal2 admin turns the requirement on');
select tests.clear_authentication();
select is((select require_two_factor from public.organizations where id = tests.org_id('alpha')), true, 'it is recorded on the clinic');
select results_eq(
  $$ select action::text, table_name, row_id, changes from public.audit_log
      where organization_id = tests.org_id('alpha') and table_name = 'organizations' order by id desc limit 1 $$,
  format($$ values ('update', 'organizations', %L::uuid, '{"old": {"require_two_factor": false}, "new": {"require_two_factor": true}}'::jsonb) $$, tests.org_id('alpha')),
  'and audited in the clinic''s trail under the admin'
);
select is((select actor_id from public.audit_log where organization_id = tests.org_id('alpha') and table_name = 'organizations' order by id desc limit 1), tests.user_id('alpha_admin'), 'the admin is the actor');
select tests.act_as('alpha_admin', 'aal2');
select lives_ok($$ select public.set_two_factor_requirement(true) $$, 'setting it again is harmless');
select tests.clear_authentication();
select is((select count(*)::int from public.audit_log where organization_id = tests.org_id('alpha') and table_name = 'organizations' and changes -> 'new' ? 'require_two_factor'), 1, 'and records nothing new');
select tests.act_as('alpha_admin', 'aal2');
select throws_ok($$ select public.set_two_factor_requirement(null) $$, '22004', null, 'on or off, nothing else');
select throws_ok($$ update public.organizations set require_two_factor = false where id = tests.org_id('alpha') $$, '42501', null, 'the column is not writable directly (only through the audited RPC)');
select tests.act_as('alpha_doctor', 'aal2');
select throws_ok($$ select public.set_two_factor_requirement(false) $$, '42501', 'Only the clinic''s administrators can change its two-factor requirement', 'a doctor cannot change it');
select tests.act_as('beta_admin', 'aal2');
select lives_ok($$ select public.set_two_factor_requirement(true) $$, 'another clinic''s admin changes only their own clinic');
select tests.clear_authentication();
select is((select array_agg(require_two_factor order by slug) from public.organizations where id in (tests.org_id('alpha'), tests.org_id('beta'))), array[true, true], 'each clinic keeps its own setting');
update public.organizations set require_two_factor = false where id = tests.org_id('beta');
select tests.as_anon();
select throws_ok($$ select public.set_two_factor_requirement(false) $$, '42501', null, 'anon cannot call it');

-- Recovery by a clinic admin ----------------------------------------------------------------------------
select tests.clear_authentication();
select tests.add_verified_factor(tests.user_id('alpha_doctor'));
select tests.add_session(tests.user_id('alpha_doctor'));
select tests.add_session(tests.user_id('alpha_doctor'));
select tests.act_as('alpha_admin', 'aal2');
select results_eq($$ select public.two_factor(m) from public.memberships m where m.id = tests.row_id('doctor_membership') $$, array[true], 'the admin sees that the doctor has two-factor sign-in');
select is((select count(*)::int from public.memberships m where public.two_factor(m) is not null), (select count(*)::int from public.memberships where organization_id = tests.org_id('alpha')), 'one answer per member of the clinic');

select tests.act_as('beta_admin', 'aal2');
select throws_ok(format($$ select public.reset_member_two_factor(%L) $$, tests.row_id('doctor_membership')), 'PT404', 'No such staff member at this clinic', 'another clinic''s admin: the same answer as for an unknown id');
select tests.act_as('alpha_reception', 'aal2');
select throws_ok(format($$ select public.reset_member_two_factor(%L) $$, tests.row_id('doctor_membership')), 'PT404', 'No such staff member at this clinic', 'a receptionist of the clinic: the same answer');
select tests.act_as('alpha_admin', 'aal1');
select throws_ok(format($$ select public.reset_member_two_factor(%L) $$, tests.row_id('doctor_membership')), 'PT404', 'No such staff member at this clinic', 'the clinic''s admin with aal1: the same answer');
select tests.act_as('alpha_admin', 'aal2');
select throws_ok($$ select public.reset_member_two_factor(gen_random_uuid()) $$, 'PT404', 'No such staff member at this clinic', 'an unknown id');
select throws_ok(format($$ select public.reset_member_two_factor(%L) $$, tests.row_id('beta_nurse_membership')), 'PT404', 'No such staff member at this clinic', 'a membership of another clinic: the same answer');
select throws_ok(format($$ select public.reset_member_two_factor(%L) $$, tests.row_id('admin2_membership')), '42501', 'Only the platform administrator can reset this person''s two-factor sign-in', 'another admin''s factors are the platform''s to reset');
select throws_ok(format($$ select public.reset_member_two_factor(%L) $$, tests.row_id('both_membership')), '42501', 'Only the platform administrator can reset this person''s two-factor sign-in', 'so are those of someone who also works at another clinic');
select throws_ok(format($$ select public.reset_member_two_factor((select id from public.memberships where user_id = auth.uid())) $$), '42501', 'Manage your own two-factor sign-in from your account page', 'not one''s own');
select tests.clear_authentication();
select is((select count(*)::int from auth.mfa_factors where user_id = tests.user_id('alpha_doctor')), 1, 'refusals removed nothing');

create table tests.doctor_sessions as
  select count(*)::int as n from auth.sessions where user_id = tests.user_id('alpha_doctor');
select tests.act_as('alpha_admin', 'aal2');
select is(public.reset_member_two_factor(tests.row_id('doctor_membership')), 1, 'the admin resets the doctor''s two-factor sign-in');
select tests.clear_authentication();
select is((select count(*)::int from auth.mfa_factors where user_id = tests.user_id('alpha_doctor')), 0, 'the factor is gone');
select is((select count(*)::int from auth.sessions where user_id = tests.user_id('alpha_doctor')), 0, 'every session of the doctor ended');
select results_eq(
  $$ select action::text, row_id, actor_id, changes -> 'old' ->> 'user_id', changes -> 'old' ->> 'email',
            jsonb_array_length(changes -> 'old' -> 'factors'), (changes ->> 'sessions_ended')::int
       from public.audit_log where organization_id = tests.org_id('alpha') and table_name = 'mfa_factors' $$,
  $$ values ('delete', tests.row_id('doctor_membership'), tests.user_id('alpha_admin'),
             tests.user_id('alpha_doctor')::text, 'alpha_doctor@tests.local', 1,
             (select n from tests.doctor_sessions)) $$,
  'audited in the clinic''s trail: who reset whose factors, and how many sessions ended'
);
select tests.as_anon();
select throws_ok(format($$ select public.reset_member_two_factor(%L) $$, tests.row_id('doctor_membership')), '42501', null, 'anon cannot call it');

-- Recovery by a platform admin ---------------------------------------------------------------------------
select tests.clear_authentication();
select tests.add_verified_factor(tests.user_id('alpha_admin'));
select tests.add_session(tests.user_id('alpha_admin'));
select tests.act_as('platform', 'aal1');
select throws_ok(format($$ select * from public.platform_clinic_admins(%L) $$, tests.org_id('alpha')), '42501', null, 'a platform admin with aal1 cannot list a clinic''s admins');
select throws_ok(format($$ select public.platform_reset_two_factor(%L, %L) $$, tests.org_id('alpha'), tests.user_id('alpha_admin')), '42501', null, 'nor reset them');
select throws_ok(format($$ select public.start_support_access(%L, 'Checking the two-factor setup of the clinic', 30) $$, tests.org_id('alpha')), '42501', null, 'nor start support access');
select tests.act_as('alpha_admin', 'aal2');
select throws_ok(format($$ select public.platform_reset_two_factor(%L, %L) $$, tests.org_id('alpha'), tests.user_id('alpha_admin2')), '42501', null, 'a clinic admin is not a platform admin');
select tests.act_as('platform', 'aal2');
select results_eq(
  format($$ select email, two_factor from public.platform_clinic_admins(%L) $$, tests.org_id('alpha')),
  $$ values ('alpha_admin@tests.local', true), ('alpha_admin2@tests.local', false) $$,
  'a platform admin with aal2 lists the clinic''s admins and who has two-factor sign-in'
);
select throws_ok(format($$ select public.platform_reset_two_factor(%L, %L) $$, tests.org_id('alpha'), tests.user_id('alpha_doctor')), 'PT404', 'No such administrator at this clinic', 'only a clinic''s admins are reset from the console');
select throws_ok(format($$ select public.platform_reset_two_factor(%L, %L) $$, tests.org_id('beta'), tests.user_id('alpha_admin')), 'PT404', 'No such administrator at this clinic', 'of that clinic');
select is(public.platform_reset_two_factor(tests.org_id('alpha'), tests.user_id('alpha_admin')), 1, 'the platform admin resets the clinic admin''s two-factor sign-in');
select tests.clear_authentication();
select is((select count(*)::int from auth.mfa_factors where user_id = tests.user_id('alpha_admin')) + (select count(*)::int from auth.sessions where user_id = tests.user_id('alpha_admin')), 0, 'their factor and sessions are gone');
select results_eq(
  $$ select action, actor_id, details -> 'old' ->> 'email' from public.platform_audit_log
      where action = 'clinic.two_factor_reset' and organization_id = tests.org_id('alpha') $$,
  $$ values ('clinic.two_factor_reset', tests.user_id('platform'), 'alpha_admin@tests.local') $$,
  'recorded in the platform trail'
);
select results_eq(
  $$ select action::text, actor_id, changes ->> 'platform_action' from public.audit_log
      where organization_id = tests.org_id('alpha') and table_name = 'mfa_factors' order by id desc limit 1 $$,
  $$ values ('delete', tests.user_id('platform'), 'clinic.two_factor_reset') $$,
  'and in the clinic''s own trail'
);

-- Support access: the platform admin reads the clinic only with aal2
select tests.act_as('platform', 'aal2');
select lives_ok(format($$ select public.start_support_access(%L, 'Checking the two-factor setup of the clinic', 30) $$, tests.org_id('alpha')), 'with aal2 support access starts');
select ok((select n from tests.clinic_rows('platform', 'aal2') where tbl = 'patients') > 0, 'and reads the clinic''s patients');
select is_empty($$ select tbl || ': ' || n from tests.clinic_rows('platform', 'aal1') where n > 0 $$, 'the same grant with an aal1 token reads nothing in any clinic table');

select * from finish();

rollback;
