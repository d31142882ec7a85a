-- plans (catalogue, read-only), organization_domains (custom domains, platform-managed) and
-- platform_admins (service role only).
begin;
\ir ../helpers.psql

select plan(60);
select tests.create_tenancy_fixture();

select tests.add_domain('alpha', ' Portal.Alpha-Clinic.TEST. '), tests.add_domain('beta', 'beta-hospital.test');

-- organization_domains: normalisation and validation ---------------------------------------------
select is(
  (select domain from public.organization_domains where organization_id = tests.org_id('alpha')),
  'portal.alpha-clinic.test',
  'custom domains are stored trimmed, lower-case, without the trailing dot'
);
select throws_ok(format($$ insert into public.organization_domains (organization_id, domain) values (tests.org_id('beta'), %L) $$, c.domain),
                 c.errcode, null, c.description)
  from (values ('PORTAL.alpha-clinic.test', '23505', 'a domain maps to one clinic only, whatever its case'),
               ('localhost', '23514', 'a single label is not a custom domain'),
               ('a..b.test', '23514', 'empty labels are refused'),
               ('evil.test/path', '23514', 'paths are refused'),
               ('-x.test', '23514', 'labels cannot start with a hyphen')) c (domain, errcode, description);
select throws_like(
  $$ update public.organization_domains set organization_id = tests.org_id('beta') where domain = 'portal.alpha-clinic.test' $$,
  'organization_domains.organization_id cannot be changed', 'a domain is never moved to another clinic'
);

-- organization_domains: SELECT --------------------------------------------------------------------
select is(tests.rows_as(c.persona, 'select domain from public.organization_domains'), c.seen, c.description)
  from (values ('alpha_admin', '{portal.alpha-clinic.test}'::text[], 'clinic A admin sees clinic A''s domain only'),
               ('alpha_doctor', '{portal.alpha-clinic.test}', 'clinic A staff see clinic A''s domain only'),
               ('beta_admin', '{beta-hospital.test}', 'clinic B member sees clinic B''s domain only'),
               ('both', '{portal.alpha-clinic.test}', 'a member of both with A active sees A''s domain only'),
               ('nobody', null, 'a person with no clinic sees no domain')) c (persona, seen, description);
select tests.set_active_org('both', 'beta');
select is(tests.rows_as('both', 'select domain from public.organization_domains'), '{beta-hospital.test}',
  'a member of both with B active sees B''s domain only');
select is(tests.rows_as('platform', $$ select domain from public.organization_domains where domain in ('portal.alpha-clinic.test', 'beta-hospital.test') $$),
  '{beta-hospital.test,portal.alpha-clinic.test}', 'a platform admin sees every domain');
select tests.throws_as('anon', $$ select 1 from public.organization_domains $$, '42501', null, 'anon cannot read domains');

-- organization_domains: writes belong to the platform (service role) ---------------------------
select tests.throws_as(w.persona, format(op.sql, w.org, w.org || '2.test'), '42501', null, format('%s cannot %s domains', w.who, op.verb))
  from (values (1, 'alpha_admin', 'clinic A admin', 'alpha'), (2, 'alpha_doctor', 'clinic A staff', 'alpha'),
               (3, 'beta_admin', 'clinic B member', 'alpha'), (4, 'both', 'a member of both', 'beta'),
               (5, 'nobody', 'a person with no clinic', 'alpha'), (6, 'anon', 'anon', 'alpha')) w (n, persona, who, org)
 cross join (values (1, 'add', $$ insert into public.organization_domains (organization_id, domain) values (tests.org_id(%1$L), %2$L) $$),
                    (2, 'change', $$ update public.organization_domains set domain = 'stolen.test' $$),
                    (3, 'delete', $$ delete from public.organization_domains $$)) op (n, verb, sql)
 order by w.n, op.n;

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
