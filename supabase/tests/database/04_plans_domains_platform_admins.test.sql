-- plans (catalogue, read-only), organization_domains (custom domains, platform-managed) and
-- platform_admins (service role only).
begin;
\ir ../helpers.psql

select plan(60);
select tests.create_tenancy_fixture();

insert into public.organization_domains (organization_id, domain)
values (tests.org_id('alpha'), ' Portal.Alpha-Clinic.TEST. '),
       (tests.org_id('beta'), 'beta-hospital.test');

-- organization_domains: normalisation and validation ---------------------------------------------
select is(
  (select domain from public.organization_domains where organization_id = tests.org_id('alpha')),
  'portal.alpha-clinic.test',
  'custom domains are stored trimmed, lower-case, without the trailing dot'
);
select throws_ok($$ insert into public.organization_domains (organization_id, domain) values (tests.org_id('beta'), 'PORTAL.alpha-clinic.test') $$, '23505', null, 'a domain maps to one clinic only, whatever its case');
select throws_ok($$ insert into public.organization_domains (organization_id, domain) values (tests.org_id('beta'), 'localhost') $$, '23514', null, 'a single label is not a custom domain');
select throws_ok($$ insert into public.organization_domains (organization_id, domain) values (tests.org_id('beta'), 'a..b.test') $$, '23514', null, 'empty labels are refused');
select throws_ok($$ insert into public.organization_domains (organization_id, domain) values (tests.org_id('beta'), 'evil.test/path') $$, '23514', null, 'paths are refused');
select throws_ok($$ insert into public.organization_domains (organization_id, domain) values (tests.org_id('beta'), '-x.test') $$, '23514', null, 'labels cannot start with a hyphen');
select throws_like(
  $$ update public.organization_domains set organization_id = tests.org_id('beta') where domain = 'portal.alpha-clinic.test' $$,
  'organization_domains.organization_id cannot be changed', 'a domain is never moved to another clinic'
);

-- organization_domains: SELECT --------------------------------------------------------------------
select tests.act_as('alpha_admin');
select results_eq($$ select domain from public.organization_domains $$, array['portal.alpha-clinic.test'], 'clinic A admin sees clinic A''s domain only');
select tests.act_as('alpha_doctor');
select results_eq($$ select domain from public.organization_domains $$, array['portal.alpha-clinic.test'], 'clinic A staff see clinic A''s domain only');
select tests.act_as('beta_admin');
select results_eq($$ select domain from public.organization_domains $$, array['beta-hospital.test'], 'clinic B member sees clinic B''s domain only');
select tests.act_as('both');
select results_eq($$ select domain from public.organization_domains $$, array['portal.alpha-clinic.test'], 'a member of both with A active sees A''s domain only');
select tests.set_active_org('both', 'beta');
select tests.act_as('both');
select results_eq($$ select domain from public.organization_domains $$, array['beta-hospital.test'], 'a member of both with B active sees B''s domain only');
select tests.act_as('nobody');
select is_empty($$ select 1 from public.organization_domains $$, 'a person with no clinic sees no domain');
select tests.act_as('platform');
select results_eq(
  $$ select domain from public.organization_domains where domain in ('portal.alpha-clinic.test', 'beta-hospital.test') order by domain $$,
  array['beta-hospital.test', 'portal.alpha-clinic.test'], 'a platform admin sees every domain'
);
select tests.as_anon();
select throws_ok($$ select 1 from public.organization_domains $$, '42501', null, 'anon cannot read domains');

-- organization_domains: writes belong to the platform (service role) ---------------------------
select tests.act_as('alpha_admin');
select throws_ok($$ insert into public.organization_domains (organization_id, domain) values (tests.org_id('alpha'), 'alpha2.test') $$, '42501', null, 'clinic A admin cannot add domains');
select throws_ok($$ update public.organization_domains set domain = 'stolen.test' $$, '42501', null, 'clinic A admin cannot change domains');
select throws_ok($$ delete from public.organization_domains $$, '42501', null, 'clinic A admin cannot delete domains');
select tests.act_as('alpha_doctor');
select throws_ok($$ insert into public.organization_domains (organization_id, domain) values (tests.org_id('alpha'), 'alpha2.test') $$, '42501', null, 'clinic A staff cannot add domains');
select throws_ok($$ update public.organization_domains set domain = 'stolen.test' $$, '42501', null, 'clinic A staff cannot change domains');
select throws_ok($$ delete from public.organization_domains $$, '42501', null, 'clinic A staff cannot delete domains');
select tests.act_as('beta_admin');
select throws_ok($$ insert into public.organization_domains (organization_id, domain) values (tests.org_id('alpha'), 'alpha2.test') $$, '42501', null, 'clinic B member cannot add domains');
select throws_ok($$ update public.organization_domains set domain = 'stolen.test' $$, '42501', null, 'clinic B member cannot change domains');
select throws_ok($$ delete from public.organization_domains $$, '42501', null, 'clinic B member cannot delete domains');
select tests.act_as('both');
select throws_ok($$ insert into public.organization_domains (organization_id, domain) values (tests.org_id('beta'), 'beta2.test') $$, '42501', null, 'a member of both cannot add domains');
select throws_ok($$ update public.organization_domains set domain = 'stolen.test' $$, '42501', null, 'a member of both cannot change domains');
select throws_ok($$ delete from public.organization_domains $$, '42501', null, 'a member of both cannot delete domains');
select tests.act_as('nobody');
select throws_ok($$ insert into public.organization_domains (organization_id, domain) values (tests.org_id('alpha'), 'alpha2.test') $$, '42501', null, 'a person with no clinic cannot add domains');
select throws_ok($$ update public.organization_domains set domain = 'stolen.test' $$, '42501', null, 'a person with no clinic cannot change domains');
select throws_ok($$ delete from public.organization_domains $$, '42501', null, 'a person with no clinic cannot delete domains');
select tests.as_anon();
select throws_ok($$ insert into public.organization_domains (organization_id, domain) values (tests.org_id('alpha'), 'alpha2.test') $$, '42501', null, 'anon cannot add domains');
select throws_ok($$ update public.organization_domains set domain = 'stolen.test' $$, '42501', null, 'anon cannot change domains');
select throws_ok($$ delete from public.organization_domains $$, '42501', null, 'anon cannot delete domains');

-- plans ---------------------------------------------------------------------------------------------
select tests.act_as('alpha_admin');
select ok((select count(*) from public.plans where id in ('starter', 'clinic', 'hospital')) = 3, 'clinic A admin reads the plan catalogue');
select throws_ok($$ insert into public.plans (id, name) values ('free_forever', 'Free') $$, '42501', null, 'clinic A admin cannot create plans');
select throws_ok($$ update public.plans set seat_limit = 1000 $$, '42501', null, 'clinic A admin cannot change plans');
select throws_ok($$ delete from public.plans $$, '42501', null, 'clinic A admin cannot delete plans');
select tests.act_as('alpha_doctor');
select ok((select count(*) from public.plans where id in ('starter', 'clinic', 'hospital')) = 3, 'clinic A staff read the plan catalogue');
select throws_ok($$ update public.plans set seat_limit = 1000 $$, '42501', null, 'clinic A staff cannot change plans');
select tests.act_as('beta_admin');
select ok((select count(*) from public.plans where id in ('starter', 'clinic', 'hospital')) = 3, 'clinic B member reads the plan catalogue');
select throws_ok($$ insert into public.plans (id, name) values ('free_forever', 'Free') $$, '42501', null, 'clinic B member cannot create plans');
select tests.act_as('nobody');
select ok((select count(*) from public.plans where id in ('starter', 'clinic', 'hospital')) = 3, 'a person with no clinic reads the plan catalogue (to choose one)');
select throws_ok($$ delete from public.plans $$, '42501', null, 'a person with no clinic cannot delete plans');
select tests.act_as('platform');
select throws_ok($$ update public.plans set monthly_price_cents = 0 $$, '42501', null, 'a platform admin changes plans with the service role, not through RLS');
select tests.as_anon();
select throws_ok($$ select 1 from public.plans $$, '42501', null, 'anon cannot read plans');
select throws_ok($$ insert into public.plans (id, name) values ('free_forever', 'Free') $$, '42501', null, 'anon cannot create plans');
select throws_ok($$ update public.plans set seat_limit = 1 $$, '42501', null, 'anon cannot change plans');
select throws_ok($$ delete from public.plans $$, '42501', null, 'anon cannot delete plans');

-- platform_admins -----------------------------------------------------------------------------------
select tests.act_as('platform');
select results_eq($$ select user_id from public.platform_admins where user_id = tests.user_id('platform') $$, $$ values (tests.user_id('platform')) $$, 'a platform admin sees their own row');
select throws_ok($$ insert into public.platform_admins (user_id) values (tests.user_id('nobody')) $$, '42501', null, 'a platform admin cannot appoint others through the API');
select throws_ok($$ delete from public.platform_admins $$, '42501', null, 'a platform admin cannot remove anyone through the API');
select tests.act_as('alpha_admin');
select is_empty($$ select 1 from public.platform_admins $$, 'clinic A admin sees no platform admin');
select throws_ok($$ insert into public.platform_admins (user_id) values (tests.user_id('alpha_admin')) $$, '42501', null, 'clinic A admin cannot make themselves platform admin');
select throws_ok($$ update public.platform_admins set user_id = tests.user_id('alpha_admin') $$, '42501', null, 'clinic A admin cannot take over a platform admin row');
select tests.act_as('alpha_doctor');
select is_empty($$ select 1 from public.platform_admins $$, 'clinic A staff see no platform admin');
select tests.act_as('beta_admin');
select is_empty($$ select 1 from public.platform_admins $$, 'clinic B member sees no platform admin');
select tests.act_as('both');
select is_empty($$ select 1 from public.platform_admins $$, 'a member of both sees no platform admin');
select tests.act_as('nobody');
select is_empty($$ select 1 from public.platform_admins $$, 'a person with no clinic sees no platform admin');
select throws_ok($$ insert into public.platform_admins (user_id) values (tests.user_id('nobody')) $$, '42501', null, 'a person with no clinic cannot make themselves platform admin');
select tests.as_anon();
select throws_ok($$ select 1 from public.platform_admins $$, '42501', null, 'anon cannot read platform admins');

select * from finish();

rollback;
