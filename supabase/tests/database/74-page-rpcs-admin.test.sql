-- public.two_factor(memberships) (migration 20261124900000_require_two_factor.sql, section 4): the
-- computed field that carries each member's two-factor status in the staff and settings pages' one
-- select. Proves its scope per persona directly: asked about every membership of both clinics (not
-- only the rows the caller's RLS shows), it answers whether the person has a verified factor to an
-- admin at aal2 of the membership's clinic while it is the active one, and null to everyone else
-- (the same admin at aal1, the clinic's other staff, an admin of the other clinic, someone of two
-- clinics active where they are not an admin, a person of no clinic, a platform admin); anon may
-- not call it.
begin;
\ir ../helpers.psql

select plan(8);

select tests.create_tenancy_fixture();
select tests.add_verified_factor(tests.user_id('alpha_doctor'));
select tests.add_verified_factor(tests.user_id('beta_nurse'));

select ok(not has_function_privilege('anon', 'public.two_factor(public.memberships)', 'execute'), 'anon may not call two_factor');
select ok(not (select p.prosecdef from pg_proc p where p.oid = 'public.two_factor(public.memberships)'::regprocedure),
  'two_factor is security invoker');

-- every membership of both clinics with the truth about its person, read as the test owner
create table tests.membership_facts as
  select m.id, m.organization_id, to_jsonb(m) as row,
         exists (select 1 from auth.mfa_factors f where f.user_id = m.user_id and f.status = 'verified') as has_factor
    from public.memberships m
   where m.organization_id in (tests.org_id('alpha'), tests.org_id('beta'));
grant select on tests.membership_facts to authenticated;

-- (persona, aal, active clinic) → the clinic whose memberships it is told about (null: none)
create table tests.two_factor_scope (persona text, aal text, active text, told text);
insert into tests.two_factor_scope values
  ('alpha_admin', 'aal2', 'alpha', 'alpha'), ('alpha_admin', 'aal1', 'alpha', null),
  ('alpha_doctor', 'aal2', 'alpha', null),   ('alpha_doctor', 'aal1', 'alpha', null),
  ('beta_admin', 'aal2', 'beta', 'beta'),    ('beta_admin', 'aal1', 'beta', null),
  ('beta_nurse', 'aal2', 'beta', null),
  ('both', 'aal2', 'alpha', null),           ('both', 'aal2', 'beta', 'beta'),
  ('both', 'aal1', 'beta', null),
  ('nobody', 'aal2', null, null),            ('platform', 'aal2', null, null);

-- the field's answer for each membership, asked as each persona; rows where it differs from the truth
create function tests.two_factor_mismatches() returns setof text language plpgsql as $$
declare
  s record;
  r record;
begin
  for s in select * from tests.two_factor_scope loop
    perform tests.clear_authentication();
    if s.active is not null then
      perform tests.set_active_org(s.persona, s.active);
    end if;
    perform tests.act_as(s.persona, s.aal);
    for r in
      select f.id, public.two_factor(jsonb_populate_record(null::public.memberships, f.row)) as field,
             case when f.organization_id = tests.org_id(s.told) then f.has_factor end as expected
        from tests.membership_facts f
    loop
      if r.field is distinct from r.expected then
        return next format('%s (%s, active %s): membership %s says %s, expected %s',
                           s.persona, s.aal, s.active, r.id, r.field, r.expected);
      end if;
    end loop;
  end loop;
  perform tests.clear_authentication();
  perform tests.set_active_org('both', 'alpha');
end;
$$;

select is((select count(*)::int from tests.membership_facts where has_factor), 2, 'the fixture: two people with a factor');
select is_empty($$ select * from tests.two_factor_mismatches() $$,
  'for every persona at aal2 and aal1: the status of exactly the active clinic''s memberships, to its admins at aal2; null otherwise');

-- who in a clinic has a factor, through the embedded field, as the caller
create function tests.factors_of(p_org text) returns table (full_name text, two_factor boolean) language sql as $$
  select p.full_name, public.two_factor(m) from public.memberships m join public.profiles p on p.id = m.user_id
   where m.organization_id = tests.org_id(p_org) order by p.full_name;
$$;
select tests.act_as('alpha_admin');
select results_eq(
  $$ select * from tests.factors_of('alpha') $$,
  $$ values ('Alpha Admin', false), ('Alpha Doctor', true), ('Both', false) $$,
  'A''s admin (aal2) reads who in A has a factor through the embedded field');
select is((select count(*)::int from public.memberships m where public.two_factor(m) is not null), 3,
  'and only A''s');
select tests.act_as('beta_admin');
select results_eq(
  $$ select * from tests.factors_of('beta') $$,
  $$ values ('Beta Admin', false), ('Beta Nurse', true), ('Both', false) $$,
  'B''s admin (aal2) reads who in B has a factor');

select tests.as_anon();
select throws_ok($$ select public.two_factor(null::public.memberships) $$, '42501', null, 'anon cannot call it');

select * from finish();
rollback;
