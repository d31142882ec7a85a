-- public.count_lab_orders(statuses) and public.open_lab_orders(lim): the dashboard's lab-order count
-- and list (migration 20261124700000_create_dashboard_rpcs.sql: public invoker wrappers over
-- private security definer bodies).
-- It runs as the owner and applies the clinic scope itself, so it must count exactly what RLS lets
-- the caller read: admin, doctor, nurse and lab technician of the active clinic see their clinic's
-- count; receptionists and pharmacists (no lab_orders select in docs/permissions.md), people of no
-- clinic, a claim naming a clinic the caller is not an active member of, get 0; anon may not call it.
begin;
\ir ../helpers.psql

select plan(44);

select tests.create_tenancy_fixture();

select tests.add_clinical_staff();

-- Clinic A: 3 orders (2 ordered, 1 collected); clinic B: 1 ordered. Different counts, so a count of
-- the wrong clinic cannot pass.
insert into public.lab_orders (organization_id, patient_id, ordered_by, test_code, test_name)
select tests.org_id(c.org), tests.patient_of(c.org), tests.user_id(c.orderer), 'CBC', 'Full blood count'
  from (values ('alpha', 3, 'alpha_doctor'), ('beta', 1, 'beta_admin')) c (org, orders, orderer)
  cross join generate_series(1, c.orders);
-- the last of A's orders is collected by A's lab technician (through the real guard)
select tests.act_as('alpha_lab');
update public.lab_orders set status = 'collected'
 where id = (select id from public.lab_orders order by created_at desc, id limit 1);
select tests.clear_authentication();

-- Counts as one persona: the RPC (open = default, only ordered, only resulted) and the same counts
-- read through RLS, as the current caller (tests.read_scope acts as each persona).
create or replace function tests.lab_counts()
returns text
language sql
as $$
  select format('rpc %s/%s/%s rls %s/%s/%s list %s %s',
                public.count_lab_orders(),
                public.count_lab_orders('{ordered}'),
                public.count_lab_orders('{resulted}'),
                (select count(*) from public.lab_orders where status in ('ordered', 'collected')),
                (select count(*) from public.lab_orders where status = 'ordered'),
                (select count(*) from public.lab_orders where status = 'resulted'),
                (select count(*) from public.open_lab_orders(10)),
                case when (select array_agg(o.id order by o.created_at, o.id) from public.open_lab_orders(10) o)
                          is not distinct from
                          (select array_agg(x.id order by x.created_at, x.id)
                             from (select l.id, l.created_at from public.lab_orders l
                                    where l.status in ('ordered', 'collected')
                                    order by l.created_at, l.id limit 10) x)
                     then 'same' else 'DIFFERENT' end);
$$;

select is((select count(*) from public.lab_orders where organization_id = tests.org_id('alpha') and status = 'collected'),
          1::bigint, 'fixture: one of A''s orders is collected');

-- every persona (tests.read_scope): readers of the active clinic get its counts, equal to what RLS
-- shows them; receptionists and pharmacists (no lab_orders read access), no clinic, a finished
-- support grant, forged or stale claims, suspended members and clinics get 0, as RLS
select tests.read_scope('tests.lab_counts', array['alpha_admin', 'alpha_doctor', 'alpha_nurse', 'alpha_lab'],
  'rpc 3/2/0 rls 3/2/0 list 3 same', 'rpc 1/1/0 rls 1/1/0 list 1 same', 'rpc 0/0/0 rls 0/0/0 list 0 same');

-- null statuses: 0, not an error
select tests.act_as('alpha_doctor');
select is(public.count_lab_orders(null), 0::bigint, 'null statuses: 0');
select is(public.count_lab_orders('{}'), 0::bigint, 'no statuses: 0');
select is(public.count_lab_orders('{ordered,collected,resulted,cancelled}'), 3::bigint, 'every status: all of A''s orders');
select is((select count(*) from public.open_lab_orders(2)), 2::bigint, 'open_lab_orders(2): at most 2 rows');
select is((select count(*) from public.open_lab_orders(null)), 3::bigint, 'open_lab_orders(null): default limit');
select tests.clear_authentication();

-- shape (private.add_rpc): security invoker doors over security definer bodies with an empty
-- search_path, executable by authenticated only; and the scope of lab_orders' select policy, which
-- the bodies apply themselves (if the policy changes, so must the RPCs)
select tests.count_and_list_shape('public.count_lab_orders(public.lab_order_status[])', 'public.open_lab_orders(integer)',
                                  'public.lab_orders', 'lab_reader');

select * from finish();

rollback;
