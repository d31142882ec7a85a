-- Plans cap a clinic's active patients (plans.patient_limit), enforced by the database.
begin;
\ir ../helpers.psql

select plan(12);
select tests.create_tenancy_fixture();

insert into public.plans (id, name, seat_limit, patient_limit) values ('tiny_test', 'Tiny', null, 2);
update public.organizations set plan_id = 'tiny_test' where id = tests.org_id('alpha');

select tests.act_as('alpha_admin');
select lives_ok($$ insert into public.patients (given_name, family_name) values ('One', 'Limit') $$,
  'the first patient fits the plan');
select lives_ok($$ insert into public.patients (given_name, family_name) values ('Two', 'Limit') $$,
  'the second patient fits the plan');
select throws_ok($$ insert into public.patients (given_name, family_name) values ('Three', 'Limit') $$,
  '23514', 'The Tiny plan allows 2 active patients; archive a patient or change the plan first',
  'a third active patient is refused with the plan''s limit');
select lives_ok($$ update public.patients set archived_at = now() where given_name = 'One' and family_name = 'Limit' $$,
  'archiving a patient frees a place');
select lives_ok($$ insert into public.patients (given_name, family_name) values ('Three', 'Limit') $$,
  'the freed place can be used');
select throws_ok($$ update public.patients set archived_at = null where given_name = 'One' and family_name = 'Limit' $$,
  '23514', null, 'restoring a patient needs a free place too');
select lives_ok($$ update public.patients set phone = '+1 555 0100' where given_name = 'Two' and family_name = 'Limit' $$,
  'editing an active patient is not limited');

select tests.act_as('beta_admin');
select lives_ok($$ insert into public.patients (given_name, family_name) values ('Other', 'Clinic') $$,
  'another clinic is not affected by this clinic''s plan');

select tests.clear_authentication();
select is(
  (select value from private.organization_counters
    where organization_id = tests.org_id('alpha') and counter = 'active_patients'),
  2::bigint, 'the counter holds the active patients only'
);
update public.plans set patient_limit = 3 where id = 'tiny_test';

select tests.act_as('alpha_admin');
select lives_ok($$ update public.patients set archived_at = null where given_name = 'One' and family_name = 'Limit' $$,
  'a larger plan takes effect at once');
select throws_ok($$ insert into public.patients (given_name, family_name) values ('Four', 'Limit') $$,
  '23514', null, 'and is enforced at its new size');

select tests.clear_authentication();
delete from public.patients where given_name = 'Three' and family_name = 'Limit';
select is(
  (select value from private.organization_counters
    where organization_id = tests.org_id('alpha') and counter = 'active_patients'),
  2::bigint, 'deleting an active patient frees its place'
);

select * from finish();

rollback;
