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

select plan(44);

select tests.create_tenancy_fixture();

select tests.add_clinical_staff();

-- Clinic A: 4 prescriptions (2 stay active, 1 completed, 1 stopped); clinic B: 1 active.
-- Different counts, so the wrong clinic's count cannot pass.
insert into public.prescriptions (organization_id, patient_id, prescriber_id, medication, dose, frequency, duration_days, quantity)
select tests.org_id(c.org), tests.patient_of(c.org), tests.user_id(c.prescriber), 'Amoxicillin ' || i, '500 mg', 'tid', 7, 21
  from (values ('alpha', 4, 'alpha_doctor'), ('beta', 1, 'beta_admin')) c (org, prescriptions, prescriber)
  cross join generate_series(1, c.prescriptions) i;
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

-- shape (private.add_rpc): security invoker doors over security definer bodies with an empty
-- search_path, executable by authenticated only; and the scope of prescriptions' select policy,
-- which the bodies apply themselves (if the policy changes, so must the RPCs)
select tests.count_and_list_shape('public.count_prescriptions(public.prescription_status[])', 'public.active_prescriptions(integer)',
                                  'public.prescriptions', 'prescription_reader');

select * from finish();

rollback;
