-- public.count_prescriptions(statuses) and public.active_prescriptions(lim): the dashboard's
-- prescription count and list (migration 20261124700000_create_dashboard_rpcs.sql: public invoker
-- wrappers over private security definer bodies, the design of count_lab_orders/open_lab_orders,
-- file 90).
-- The bodies run as the owner and apply the clinic scope themselves, so they must return exactly
-- what RLS lets the caller read: admin, doctor, nurse and pharmacist of the active clinic see their
-- clinic; receptionists and lab technicians (no prescriptions select in docs/permissions.md),
-- people of no clinic, forged or stale claims, suspended members or clinics get nothing; a platform
-- admin with a live support grant reads the granted clinic; anon may not call them.
begin;
\ir ../helpers.psql

select plan(42);

select tests.create_tenancy_fixture();

select tests.add_clinical_staff();

-- Clinic A: 4 prescriptions (2 stay active, 1 completed, 1 stopped); clinic B: 1 active.
-- Different counts, so the wrong clinic's count cannot pass.
with clinic (org, prescriptions, prescriber, patient) as materialized (
  select c.org, c.prescriptions, c.prescriber, tests.create_patient(c.org, 'Pat', initcap(c.org))
    from (values ('alpha', 4, 'alpha_doctor'), ('beta', 1, 'beta_admin')) c (org, prescriptions, prescriber)
)
insert into public.prescriptions (organization_id, patient_id, prescriber_id, medication, dose, frequency, duration_days, quantity)
select tests.org_id(c.org), c.patient, tests.user_id(c.prescriber), 'Amoxicillin ' || i, '500 mg', 'tid', 7, 21
  from clinic c cross join generate_series(1, c.prescriptions) i;
-- through the real guards: A's pharmacist dispenses one's only fill (completing it), A's doctor stops another
select tests.act_as('alpha_pharmacist');
select public.dispense_prescription(id) from public.prescriptions where medication = 'Amoxicillin 3';
select tests.act_as('alpha_doctor');
update public.prescriptions set status = 'stopped', stop_reason = 'Rash' where medication = 'Amoxicillin 4';
select tests.clear_authentication();

-- What one persona sees: the RPCs (default = active, only completed, every status) and the same
-- counts and list read through RLS.
create or replace function tests.rx_counts()
returns text
language sql
as $$
  select format('rpc %s/%s/%s rls %s/%s/%s list %s %s',
                public.count_prescriptions(),
                public.count_prescriptions('{completed}'),
                public.count_prescriptions('{active,completed,stopped}'),
                (select count(*) from public.prescriptions where status = 'active'),
                (select count(*) from public.prescriptions where status = 'completed'),
                (select count(*) from public.prescriptions),
                (select count(*) from public.active_prescriptions(10)),
                case when (select array_agg(p.id order by p.created_at, p.id) from public.active_prescriptions(10) p)
                          is not distinct from
                          (select array_agg(x.id order by x.created_at, x.id)
                             from (select p.id, p.created_at from public.prescriptions p
                                    where p.status = 'active'
                                    order by p.created_at, p.id limit 10) x)
                     then 'same' else 'DIFFERENT' end);
$$;

select is((select string_agg(status::text, ',' order by medication) from public.prescriptions where organization_id = tests.org_id('alpha')),
          'active,active,completed,stopped', 'fixture: A has 2 active, 1 completed, 1 stopped');

-- every persona (tests.read_scope): readers of the active clinic get its prescriptions, equal to
-- what RLS shows them; receptionists and lab technicians (no prescriptions read access), no clinic,
-- a finished support grant, forged or stale claims, suspended members and clinics get nothing, as RLS
select tests.read_scope('tests.rx_counts', array['alpha_admin', 'alpha_doctor', 'alpha_nurse', 'alpha_pharmacist'],
  'rpc 2/1/4 rls 2/1/4 list 2 same', 'rpc 1/0/1 rls 1/0/1 list 1 same', 'rpc 0/0/0 rls 0/0/0 list 0 same');

-- arguments
select tests.act_as('alpha_doctor');
select is(public.count_prescriptions(null), 0::bigint, 'null statuses: 0');
select is(public.count_prescriptions('{}'), 0::bigint, 'no statuses: 0');
select is((select count(*) from public.active_prescriptions(1)), 1::bigint, 'active_prescriptions(1): at most 1 row');
select is((select count(*) from public.active_prescriptions(null)), 2::bigint, 'active_prescriptions(null): default limit');
select is((select count(*) from public.active_prescriptions(0)), 1::bigint, 'active_prescriptions(0): at least 1 row');
select tests.clear_authentication();

-- anon may not call them
select tests.as_anon();
select throws_ok($$select public.count_prescriptions()$$, '42501', null, 'anon cannot call count_prescriptions');
select throws_ok($$select * from public.active_prescriptions()$$, '42501', null, 'anon cannot call active_prescriptions');
select tests.clear_authentication();

-- shape: public security invoker wrappers over private security definer bodies with an empty
-- search_path, executable by authenticated only
select is((select prosecdef from pg_proc where oid = 'public.count_prescriptions(public.prescription_status[])'::regprocedure), false, 'public.count_prescriptions is security invoker');
select is((select array[prosecdef::text] || proconfig from pg_proc where oid = 'private.count_prescriptions(public.prescription_status[])'::regprocedure), array['true', 'search_path=""'], 'private.count_prescriptions: security definer, empty search_path');
select is(has_function_privilege('authenticated', 'public.count_prescriptions(public.prescription_status[])', 'execute'), true, 'count_prescriptions: authenticated may execute');
select is(has_function_privilege('anon', 'public.count_prescriptions(public.prescription_status[])', 'execute'), false, 'count_prescriptions: anon may not execute');
select is(has_function_privilege('public', 'public.count_prescriptions(public.prescription_status[])', 'execute'), false, 'count_prescriptions: public may not execute');
select is((select prosecdef from pg_proc where oid = 'public.active_prescriptions(integer)'::regprocedure), false, 'public.active_prescriptions is security invoker');
select is((select array[prosecdef::text] || proconfig from pg_proc where oid = 'private.active_prescriptions(integer)'::regprocedure), array['true', 'search_path=""'], 'private.active_prescriptions: security definer, empty search_path');
select is(has_function_privilege('authenticated', 'public.active_prescriptions(integer)', 'execute'), true, 'active_prescriptions: authenticated may execute');
select is(has_function_privilege('anon', 'public.active_prescriptions(integer)', 'execute'), false, 'active_prescriptions: anon may not execute');
select is(has_function_privilege('anon', 'private.active_prescriptions(integer)', 'execute'), false, 'private.active_prescriptions: anon may not execute');

-- drift: the role set and helper must be those of prescriptions_select_prescription_reader (if the policy
-- changes, so must the RPCs)
select matches(
  (select pg_get_expr(polqual, polrelid) from pg_policy where polname = 'prescriptions_select_prescription_reader'),
  $re$^\(organization_id = \( SELECT private\.current_read_org_id_for\(private\.prescription_reader_roles\(\)\) AS current_read_org_id_for\)\)$$re$,
  'prescriptions_select_prescription_reader is still exactly the read scope for prescription_reader_roles()'
);
select matches(
  (select prosrc from pg_proc where oid = 'private.count_prescriptions(public.prescription_status[])'::regprocedure),
  $re$current_read_org_id_for\(private\.prescription_reader_roles\(\)\)$re$,
  'count_prescriptions scopes to prescription_reader_roles()'
);
select matches(
  (select prosrc from pg_proc where oid = 'private.active_prescriptions(integer)'::regprocedure),
  $re$current_read_org_id_for\(private\.prescription_reader_roles\(\)\)$re$,
  'active_prescriptions scopes to prescription_reader_roles()'
);
select is((select count(*) from pg_policy where polrelid = 'public.prescriptions'::regclass and polpermissive and polcmd in ('r', '*')), 1::bigint,
          'prescriptions has exactly one permissive select policy (the one the RPCs mirror)');

select * from finish();

rollback;
