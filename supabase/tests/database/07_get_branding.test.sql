-- public.get_branding(host): the pre-login branding of the clinic serving a host, public fields only.
begin;
\ir ../helpers.psql

select plan(22);
select tests.create_tenancy_fixture();
insert into public.organization_domains (organization_id, domain)
values (tests.org_id('alpha'), 'portal.alpha-clinic.test'),
       (tests.org_id('alpha'), 'tests-beta.example.org');
update public.organizations
   set logo_path = tests.org_id('alpha') || '/logo.png'
 where id = tests.org_id('alpha');

select tests.as_anon();

select results_eq(
  $$ select slug, name, type::text, logo_path, theme_color, sign_in_message, status::text from public.get_branding('tests-alpha.localhost') $$,
  $$ values ('tests-alpha', 'Alpha Test Clinic', 'clinic', tests.org_id('alpha') || '/logo.png', '#0f766e', 'Alpha staff only', 'active') $$,
  'anon gets clinic A''s branding for tests-alpha.localhost'
);
select is(
  (select array_agg(k order by k) from public.get_branding('tests-alpha.localhost') b, jsonb_object_keys(to_jsonb(b)) k),
  array['logo_path', 'name', 'sign_in_message', 'slug', 'status', 'theme_color', 'type'],
  'only public fields are returned (no id, plan or suspension reason)'
);
select results_eq($$ select slug from public.get_branding('TESTS-ALPHA.Localhost:5173') $$, array['tests-alpha'], 'hosts are case-insensitive and may carry a port');
select results_eq($$ select slug from public.get_branding('tests-alpha.clinic-portal.example.com') $$, array['tests-alpha'], '<slug>.<any root domain> selects the clinic');
select results_eq($$ select slug from public.get_branding('tests-beta.localhost') $$, array['tests-beta'], 'clinic B''s subdomain selects clinic B');
select results_eq($$ select slug from public.get_branding('portal.alpha-clinic.test') $$, array['tests-alpha'], 'a mapped custom domain selects its clinic');
select results_eq($$ select slug from public.get_branding('Portal.Alpha-Clinic.test.:443') $$, array['tests-alpha'], 'custom domains ignore case, trailing dot and port');
select results_eq($$ select slug from public.get_branding('tests-beta.example.org') $$, array['tests-alpha'], 'a custom domain wins over a subdomain reading of the same host');

select is_empty($$ select 1 from public.get_branding('unknown-clinic.localhost') $$, 'an unknown subdomain returns nothing');
select is_empty($$ select 1 from public.get_branding('localhost') $$, 'the bare root domain returns nothing');
select is_empty($$ select 1 from public.get_branding('tests-alpha') $$, 'a single label is not read as a slug');
select is_empty($$ select 1 from public.get_branding('') $$, 'an empty host returns nothing');
select is_empty($$ select 1 from public.get_branding(null) $$, 'a null host returns nothing');
select is_empty($$ select 1 from public.get_branding('www.localhost') $$, 'reserved names never resolve');
select is_empty($$ select 1 from public.get_branding($h$tests-alpha' or '1'='1.localhost$h$) $$, 'odd input is just an unknown host');
select is_empty($$ select 1 from public.get_branding('evil.test.portal.alpha-clinic.test.evil') $$, 'custom domains match exactly');

-- signed-in callers get the same answer
select tests.act_as('beta_admin');
select results_eq($$ select slug from public.get_branding('tests-alpha.localhost') $$, array['tests-alpha'], 'authenticated callers may read any clinic''s public branding');

-- a suspended clinic still has a sign-in page that can say so
select tests.clear_authentication();
update public.organizations set status = 'suspended', suspended_reason = 'unpaid invoices' where id = tests.org_id('beta');
select tests.as_anon();
select results_eq($$ select slug, status::text from public.get_branding('tests-beta.localhost') $$, $$ values ('tests-beta', 'suspended') $$, 'a suspended clinic reports its status');
select ok(
  not exists (select 1 from public.get_branding('tests-beta.localhost') b where to_jsonb(b)::text like '%unpaid%'),
  'the suspension reason is not disclosed'
);

-- anon reads nothing else
select throws_ok($$ select 1 from public.organizations $$, '42501', null, 'anon cannot select organizations');
select throws_ok($$ select 1 from public.organization_domains $$, '42501', null, 'anon cannot select organization domains');
select throws_ok($$ select 1 from public.memberships $$, '42501', null, 'anon cannot select memberships');

select * from finish();

rollback;
