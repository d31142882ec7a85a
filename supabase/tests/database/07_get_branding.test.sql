-- public.get_branding(clinic_slug, custom_domain): the pre-login branding of a clinic address, public
-- fields only, and no internal identifier. The portal asks by slug for `<slug>.<root domain>` and by
-- domain for any other host; only domains recorded for a clinic answer (no `<slug>.<anything>`).
begin;
\ir ../helpers.psql

select plan(27);
select tests.create_tenancy_fixture();
select tests.add_domain('alpha', 'portal.alpha-clinic.test'), tests.add_domain('alpha', 'tests-beta.example.org');
update public.organizations set logo_path = 'tests-alpha/logo.png' where id = tests.org_id('alpha');

select tests.as_anon();

select results_eq(
  $$ select slug, name, type::text, logo_path, theme_color, sign_in_message, status::text from public.get_branding(clinic_slug => 'tests-alpha') $$,
  $$ values ('tests-alpha', 'Alpha Test Clinic', 'clinic', 'tests-alpha/logo.png', '#0f766e', 'Alpha staff only', 'active') $$,
  'anon gets clinic A''s branding by its slug'
);
select is(
  (select array_agg(k order by k) from public.get_branding(clinic_slug => 'tests-alpha') b, jsonb_object_keys(to_jsonb(b)) k),
  array['logo_path', 'name', 'sign_in_message', 'slug', 'status', 'theme_color', 'type'],
  'only public fields are returned (no id, plan or suspension reason)'
);
select ok(
  not exists (
    select 1 from public.get_branding(clinic_slug => 'tests-alpha') b
     where to_jsonb(b)::text like '%' || tests.org_id('alpha')::text || '%'
        or to_jsonb(b)::text ~ '[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}'
  ),
  'nothing returned contains the clinic''s id or any other uuid (the logo lives under the slug)'
);
select results_eq($$ select slug from public.get_branding(clinic_slug => 'TESTS-ALPHA ') $$, array['tests-alpha'], 'slugs are case-insensitive');
select results_eq($$ select slug from public.get_branding(clinic_slug => 'tests-beta') $$, array['tests-beta'], 'clinic B''s slug selects clinic B');
select results_eq($$ select slug from public.get_branding(custom_domain => 'portal.alpha-clinic.test') $$, array['tests-alpha'], 'a recorded custom domain selects its clinic');
select results_eq($$ select slug from public.get_branding(custom_domain => 'Portal.Alpha-Clinic.test.:443') $$, array['tests-alpha'], 'custom domains ignore case, trailing dot and port');
select results_eq($$ select slug from public.get_branding(custom_domain => 'tests-beta.example.org') $$, array['tests-alpha'], 'a recorded domain means its own clinic, whatever its first label says');

select is_empty($$ select 1 from public.get_branding(custom_domain => 'tests-alpha.localhost') $$, '<slug>.<anything> is not a clinic address unless recorded');
select is_empty($$ select 1 from public.get_branding(custom_domain => 'tests-alpha.evil.example') $$, 'a foreign domain pointed at the portal shows no clinic');
select is_empty($$ select 1 from public.get_branding(clinic_slug => 'unknown-clinic') $$, 'an unknown slug returns nothing');
select is_empty($$ select 1 from public.get_branding(custom_domain => 'localhost') $$, 'the bare root domain returns nothing');
select is_empty($$ select 1 from public.get_branding(clinic_slug => '') $$, 'an empty slug returns nothing');
select is_empty($$ select 1 from public.get_branding() $$, 'no argument returns nothing');
select is_empty($$ select 1 from public.get_branding(null, null) $$, 'nulls return nothing');
select is_empty($$ select 1 from public.get_branding(clinic_slug => 'www') $$, 'reserved names never resolve');
select is_empty($$ select 1 from public.get_branding(clinic_slug => $h$tests-alpha' or '1'='1$h$) $$, 'odd input is just an unknown slug');
select is_empty($$ select 1 from public.get_branding(custom_domain => 'evil.test.portal.alpha-clinic.test.evil') $$, 'custom domains match exactly');
select is_empty($$ select 1 from public.get_branding(custom_domain => repeat('a', 250) || '.test') $$, 'an over-long host is no domain');

-- signed-in callers get the same answer
select tests.act_as('beta_admin');
select results_eq($$ select slug from public.get_branding(clinic_slug => 'tests-alpha') $$, array['tests-alpha'], 'authenticated callers may read any clinic''s public branding');

-- a suspended clinic still has a sign-in page that can say so
select tests.clear_authentication();
update public.organizations set status = 'suspended', suspended_reason = 'unpaid invoices' where id = tests.org_id('beta');
select tests.as_anon();
select results_eq($$ select slug, status::text from public.get_branding(clinic_slug => 'tests-beta') $$, $$ values ('tests-beta', 'suspended') $$, 'a suspended clinic reports its status');
select ok(
  not exists (select 1 from public.get_branding(clinic_slug => 'tests-beta') b where to_jsonb(b)::text like '%unpaid%'),
  'the suspension reason is not disclosed'
);

-- anon reads nothing else
select throws_ok($$ select 1 from public.organizations $$, '42501', null, 'anon cannot select organizations');
select throws_ok($$ select 1 from public.organization_domains $$, '42501', null, 'anon cannot select organization domains');
select throws_ok($$ select 1 from public.memberships $$, '42501', null, 'anon cannot select memberships');

-- logos: under the clinic's own slug only
select tests.clear_authentication();
select throws_ok(
  $$ update public.organizations set logo_path = tests.org_id('alpha') || '/logo.png' where id = tests.org_id('alpha') $$,
  '23514', null, 'a logo under the clinic''s id is refused (the id must not reach sign-in pages)'
);
select throws_ok(
  $$ update public.organizations set logo_path = 'tests-beta/logo.png' where id = tests.org_id('alpha') $$,
  '23514', null, 'a logo under another clinic''s slug is refused'
);

select * from finish();

rollback;
