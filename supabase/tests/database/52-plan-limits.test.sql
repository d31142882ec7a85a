-- Plans: limits and prices are checked in the database with the form field named (HINT), and
-- the plans table's CHECKs refuse what the RPC would; a clinic cannot be moved to a plan whose
-- seat or patient limit it exceeds (refused with the numbers) unless a platform admin gives a
-- reason, which both trails record; a plan's limits cannot be lowered below what a clinic on it
-- uses; a plan in use cannot be deleted (the clinics are named), an unknown one is "not found".
begin;
\ir ../helpers.psql

select plan(31);
select tests.create_tenancy_fixture();

-- The table refuses what the RPC refuses, for every writer ------------------------------------------
select throws_ok($$ insert into public.plans (id, name, seat_limit) values ('neg_seats', 'Negative', -3) $$,
  '23514', null, 'plans: a seat limit of -3 violates a CHECK');
select throws_ok($$ insert into public.plans (id, name, patient_limit) values ('zero_patients', 'Zero', 0) $$,
  '23514', null, 'plans: a patient limit of 0 violates a CHECK');
select throws_ok($$ insert into public.plans (id, name, monthly_price_cents) values ('neg_price', 'Negative', -1) $$,
  '23514', null, 'plans: a negative price violates a CHECK');

-- Saving a plan: each refusal names its field -----------------------------------------------------------
-- SQLSTATE, HINT (the form field) and message of a call, or 'saved'
create function tests.refusal_of(p_call text) returns text language plpgsql as $$
declare v_hint text;
begin
  execute p_call;
  return 'saved';
exception when others then
  get stacked diagnostics v_hint = pg_exception_hint;
  return sqlstate || ' ' || coalesce(v_hint, '') || ' ' || sqlerrm;
end;
$$;
grant execute on function tests.refusal_of(text) to authenticated;
select tests.act_as('platform');
select is(tests.refusal_of($$ select public.platform_save_plan('tiny', 'Tiny', -3, null, 0, 'USD') $$),
  '23514 seat_limit A seat limit must be at least 1 (leave it empty for unlimited).',
  'a seat limit of -3 is refused next to the seat limit, in words');
select is(tests.refusal_of($$ select public.platform_save_plan('tiny', 'Tiny', null, 0, 0, 'USD') $$),
  '23514 patient_limit A patient limit must be at least 1 (leave it empty for unlimited).',
  'a patient limit of 0 is refused next to the patient limit');
select is(tests.refusal_of($$ select public.platform_save_plan('tiny', 'Tiny', null, null, -1, 'USD') $$),
  '23514 monthly_price A price cannot be negative.', 'a negative price is refused next to the price');
select is(tests.refusal_of($$ select public.platform_save_plan('tiny', 'Tiny', null, null, 0, 'dollars') $$),
  '23514 currency Use a three-letter currency code such as USD.', 'a malformed currency is refused next to it');
select is(tests.refusal_of($$ select public.platform_save_plan('Tiny!', 'Tiny', null, null, 0, 'USD') $$),
  '23514 id Use 2-32 lowercase letters, digits or underscores, starting with a letter.', 'a malformed id is refused next to it');
select is_empty($$ select 1 from public.plans where id = 'tiny' $$, 'nothing was saved by the refused attempts');

select lives_ok($$ select public.platform_save_plan('tiny', 'Tiny', 2, 1, 1250, 'eur') $$,
  'a valid plan is saved');
select results_eq($$ select seat_limit, patient_limit, monthly_price_cents, currency from public.plans where id = 'tiny' $$,
  $$ values (2, 1, 1250, 'EUR') $$, 'with its limits, its price in minor units and its currency');
select lives_ok($$ select public.platform_save_plan('small', 'Small', 10, 100, 0, 'JPY') $$, 'a second plan');

-- Moving a clinic over a plan's limits ------------------------------------------------------------------
-- alpha: 3 active staff (alpha_admin, alpha_doctor, both) + 1 pending invitation, 2 active patients
select tests.clear_authentication();
insert into public.invitations (organization_id, email, role) values (tests.org_id('alpha'), 'new.nurse@tests.local', 'nurse');
insert into public.patients (organization_id, given_name, family_name) values
  (tests.org_id('alpha'), 'Una', 'One'), (tests.org_id('alpha'), 'Tom', 'Two');
select tests.act_as('platform');
select throws_ok(format($$ select public.platform_change_plan(%L, 'tiny') $$, tests.org_id('alpha')),
  '23514',
  'Alpha Test Clinic is over the limits of the Tiny plan: 4 staff, plan allows 2 (3 active, 1 pending invitation); 2 active patients, plan allows 1. Remove staff, revoke invitations or archive patients first, or change the plan anyway with a reason.',
  'moving a clinic to a plan it exceeds is refused with the numbers');
select is(tests.refusal_of(format($$ select public.platform_change_plan(%L, 'tiny') $$, tests.org_id('alpha'))),
  '23514 plan_id ' || 'Alpha Test Clinic is over the limits of the Tiny plan: 4 staff, plan allows 2 (3 active, 1 pending invitation); 2 active patients, plan allows 1. Remove staff, revoke invitations or archive patients first, or change the plan anyway with a reason.',
  'next to the plan field');
select is((select plan_id from public.organizations where id = tests.org_id('alpha')), 'starter',
  'and the clinic stays on its plan');
select is(tests.refusal_of(format($$ select public.platform_change_plan(%L, 'tiny', 'because') $$, tests.org_id('alpha'))),
  '23514 override_reason Say why the clinic may go over the plan''s limits (10 to 500 characters).',
  'an override needs a real reason');
select lives_ok(format($$ select public.platform_change_plan(%L, 'small', 'ignored when not needed') $$, tests.org_id('alpha')),
  'a plan the clinic fits needs no override');

select tests.act_as('alpha_admin');
select throws_ok(format($$ select public.platform_change_plan(%L, 'tiny', 'Our own upgrade, please') $$, tests.org_id('alpha')),
  '42501', null, 'a clinic admin cannot override (or change) the plan');

select tests.act_as('platform');
select lives_ok(format($$ select public.platform_change_plan(%L, 'tiny', 'Agreed with the owner until January') $$, tests.org_id('alpha')),
  'with a reason, the platform admin moves the clinic over the limits');
select results_eq($$ select o.plan_id, s.plan_id from public.organizations o join public.subscriptions s on s.organization_id = o.id
                      where o.id = tests.org_id('alpha') $$,
  $$ values ('tiny', 'tiny') $$, 'the clinic and its subscription are on the new plan');
select results_eq(
  $$ select details -> 'limits_override' ->> 'reason', details -> 'limits_override' ->> 'excess'
       from public.platform_audit_log where action = 'clinic.change_plan' and organization_id = tests.org_id('alpha')
      order by id desc limit 1 $$,
  $$ values ('Agreed with the owner until January', '4 staff, plan allows 2 (3 active, 1 pending invitation); 2 active patients, plan allows 1') $$,
  'the platform trail records the override, its reason and the numbers');
select tests.clear_authentication();
select results_eq(
  $$ select a.actor_id, a.changes ->> 'platform_admin_name', a.changes -> 'limits_override' ->> 'reason',
            a.changes -> 'new' ->> 'plan_name'
       from public.audit_log a where a.organization_id = tests.org_id('alpha')
        and a.changes ->> 'platform_action' = 'clinic.change_plan' order by a.id desc limit 1 $$,
  format($$ values (%L::uuid, 'Platform', 'Agreed with the owner until January', 'Tiny') $$, tests.user_id('platform')),
  'so does the clinic''s own trail, naming the platform admin as they were');

-- over the limits, the clinic cannot add staff or patients
select tests.act_as('alpha_admin');
select throws_ok($$ insert into public.invitations (organization_id, email, role) values (tests.org_id('alpha'), 'another@tests.local', 'nurse') $$,
  '23514', null, 'an invitation is refused while the clinic is over its seats');
select throws_ok($$ insert into public.patients (given_name, family_name) values ('Tess', 'Three') $$,
  '23514', null, 'a new patient is refused while the clinic is over its patients');

-- Lowering a plan's limits below what its clinics use ---------------------------------------------------
select tests.act_as('platform');
select public.platform_change_plan(tests.org_id('beta'), 'small');
select is(tests.refusal_of($$ select public.platform_save_plan('small', 'Small', 2, 100, 0, 'JPY') $$),
  '23514 seat_limit 1 clinic on this plan would be over the new limits: Beta Test Hospital (3 staff, the new limit allows 2). Move it to another plan first, or keep the higher limit.',
  'a seat limit below what a clinic on the plan uses is refused, naming the clinic and the numbers');
select is((select seat_limit from public.plans where id = 'small'), 10, 'and the plan keeps its limit');

-- Deleting plans ---------------------------------------------------------------------------------------
select throws_ok($$ select public.platform_delete_plan('small') $$, '23503',
  'This plan is used by 1 clinic (Beta Test Hospital); move it to another plan first.',
  'a plan in use cannot be deleted; the clinics are named');
select throws_ok($$ select public.platform_delete_plan('no_such_plan') $$, 'PT404', 'No such plan',
  'an unknown plan is not found');
select lives_ok($$ select public.platform_save_plan('spare', 'Spare', null, null, 0, 'USD') $$, 'an unused plan');
select lives_ok($$ select public.platform_delete_plan('spare') $$, 'is deleted');
select is_empty($$ select 1 from public.plans where id = 'spare' $$, 'and gone');

select * from finish();
rollback;
