-- public.two_factor(memberships) (migration 20261124910000_create_page_rpcs_admin.sql): the computed
-- field that carries each member's two-factor status in the staff and settings pages' one select.
-- Proves, per persona (admins of either clinic at aal2 and at aal1, a doctor, someone of two
-- clinics, a person of no clinic, a platform admin, anon), that it says exactly what
-- staff_two_factor() says to the same caller, and nothing (null) where that says nothing.
begin;
\ir ../helpers.psql

select plan(7);

select tests.create_tenancy_fixture();
select tests.add_verified_factor(tests.user_id('alpha_doctor'));
select tests.add_verified_factor(tests.user_id('beta_nurse'));

select ok(not has_function_privilege('anon', 'public.two_factor(public.memberships)', 'execute'), 'anon may not call two_factor');
select ok(not (select p.prosecdef from pg_proc p where p.oid = 'public.two_factor(public.memberships)'::regprocedure),
  'two_factor is security invoker');

-- for each membership the caller reads: the computed field, and what staff_two_factor() says of it
create function tests.two_factor_mismatches() returns setof text language plpgsql as $$
declare
  v_persona text;
  v_aal text;
  r record;
begin
  foreach v_persona in array array['alpha_admin', 'alpha_doctor', 'beta_admin', 'beta_nurse', 'both', 'nobody', 'platform'] loop
    foreach v_aal in array array['aal2', 'aal1'] loop
      perform tests.act_as(v_persona, v_aal);
      for r in
        select m.id, public.two_factor(m) as field, s.two_factor as rpc
          from public.memberships m
          left join public.staff_two_factor() s on s.membership_id = m.id
      loop
        if r.field is distinct from r.rpc then
          return next format('%s (%s): membership %s field %s rpc %s', v_persona, v_aal, r.id, r.field, r.rpc);
        end if;
      end loop;
    end loop;
  end loop;
  perform tests.clear_authentication();
end;
$$;
select is_empty($$ select * from tests.two_factor_mismatches() $$,
  'for every persona at aal2 and aal1: the computed field equals staff_two_factor() (null where it says nothing)');

select tests.act_as('alpha_admin');
select results_eq(
  $$ select p.full_name, public.two_factor(m) from public.memberships m join public.profiles p on p.id = m.user_id
      where m.organization_id = tests.org_id('alpha') order by p.full_name $$,
  $$ values ('Alpha Admin', false), ('Alpha Doctor', true), ('Both', false) $$,
  'A''s admin (aal2) sees who in A has a factor');
select tests.act_as('alpha_admin', 'aal1');
select is((select count(*) from public.memberships m where public.two_factor(m) is not null), 0::bigint,
  'at aal1 the admin sees nobody''s status');
select tests.act_as('alpha_doctor');
select is((select count(*) from public.memberships m where public.two_factor(m) is not null), 0::bigint,
  'a doctor sees nobody''s status (not even their own)');
select tests.act_as('both');
select is((select count(*) from public.memberships m where m.organization_id = tests.org_id('beta') and public.two_factor(m) is not null), 0::bigint,
  'an admin of B active at A (where they are a nurse) sees none of B''s');

select * from finish();
rollback;
