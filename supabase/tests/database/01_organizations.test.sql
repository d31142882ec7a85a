-- organizations: who sees and edits which clinic, which columns are platform-only, slug and colour
-- validation, reserved names, suspended clinics.
begin;
\ir ../helpers.psql

select plan(62);
select tests.create_tenancy_fixture();

-- Validation (as the owner: constraints hold for everyone) ------------------------------------------
select throws_ok($$ insert into public.organizations (slug, name) values ('www', 'X') $$, '23514', null, 'reserved slug www is refused');
select throws_ok($$ insert into public.organizations (slug, name) values ('admin', 'X') $$, '23514', null, 'reserved slug admin is refused');
select throws_ok($$ insert into public.organizations (slug, name) values ('api', 'X') $$, '23514', null, 'reserved slug api is refused');
select throws_ok($$ insert into public.organizations (slug, name) values ('platform', 'X') $$, '23514', null, 'reserved slug platform is refused');
select throws_ok($$ insert into public.organizations (slug, name) values ('ab', 'X') $$, '23514', null, 'a 2-character slug is refused');
select throws_ok($$ insert into public.organizations (slug, name) values (repeat('a', 64), 'X') $$, '23514', null, 'a 64-character slug is refused');
select throws_ok($$ insert into public.organizations (slug, name) values ('-abc', 'X') $$, '23514', null, 'a leading hyphen is refused');
select throws_ok($$ insert into public.organizations (slug, name) values ('abc-', 'X') $$, '23514', null, 'a trailing hyphen is refused');
select throws_ok($$ insert into public.organizations (slug, name) values ('Clinic-B', 'X') $$, '23514', null, 'upper-case letters are refused');
select throws_ok($$ insert into public.organizations (slug, name) values ('clinic_b', 'X') $$, '23514', null, 'underscores are refused');
select throws_ok($$ insert into public.organizations (slug, name) values ('clinic.b', 'X') $$, '23514', null, 'dots are refused');
select throws_ok($$ insert into public.organizations (slug, name) values ('tests-alpha', 'X') $$, '23505', null, 'slugs are unique');
select lives_ok($$ insert into public.organizations (slug, name) values ('abc', 'X'), (repeat('a', 63), 'Y'), ('st-mary-2', 'Z') $$, '3 and 63 characters, digits and inner hyphens are fine');

select throws_ok($$ insert into public.organizations (slug, name, theme_color) values ('colour-1', 'X', 'red') $$, '23514', null, 'a colour name is refused');
select throws_ok($$ insert into public.organizations (slug, name, theme_color) values ('colour-2', 'X', '#fff') $$, '23514', null, 'a 3-digit colour is refused');
select throws_ok($$ insert into public.organizations (slug, name, theme_color) values ('colour-3', 'X', '#12345g') $$, '23514', null, 'a non-hex colour is refused');
select throws_ok($$ insert into public.organizations (slug, name, theme_color) values ('colour-4', 'X', '#0f766e;background:url(x)') $$, '23514', null, 'CSS after a colour is refused');
select lives_ok($$ insert into public.organizations (slug, name, theme_color) values ('colour-5', 'X', '#0F766E') $$, '#rrggbb is accepted');

select throws_ok($$ insert into public.organizations (slug, name, sign_in_message) values ('msg-long', 'X', repeat('x', 281)) $$, '23514', null, 'a sign-in message over 280 characters is refused');
select throws_ok($$ insert into public.organizations (slug, name, suspended_reason) values ('reason-1', 'X', 'late payment') $$, '23514', null, 'a suspension reason needs a suspended status');
select throws_ok(
  $$ update public.organizations set logo_path = 'tests-beta/logo.png' where id = tests.org_id('alpha') $$,
  '23514', null, 'logo_path must be inside the organization''s own folder (its slug)'
);
select throws_ok(
  $$ update public.organizations set logo_path = 'tests-alpha/../x.png' where id = tests.org_id('alpha') $$,
  '23514', null, 'logo_path cannot climb out of its folder'
);
select throws_ok(
  $$ update public.organizations set logo_path = 'tests-alpha/a/b.png' where id = tests.org_id('alpha') $$,
  '23514', null, 'logo_path has exactly one folder'
);

-- SELECT --------------------------------------------------------------------------------------------
select tests.act_as('alpha_admin');
select results_eq($$ select slug from public.organizations $$, array['tests-alpha'], 'clinic A admin sees only clinic A');
select tests.act_as('alpha_doctor');
select results_eq($$ select slug from public.organizations $$, array['tests-alpha'], 'clinic A staff see only clinic A');
select tests.act_as('beta_admin');
select results_eq($$ select slug from public.organizations $$, array['tests-beta'], 'clinic B member sees only clinic B');
select tests.act_as('both');
select results_eq($$ select slug from public.organizations $$, array['tests-alpha'], 'a member of both with A active sees only A');
select tests.set_active_org('both', 'beta');
select tests.act_as('both');
select results_eq($$ select slug from public.organizations $$, array['tests-beta'], 'a member of both with B active sees only B');
select tests.act_as('nobody');
select is_empty($$ select slug from public.organizations $$, 'a signed-in person with no clinic sees no organization');
select tests.act_as('platform');
select results_eq(
  $$ select slug from public.organizations where slug in ('tests-alpha', 'tests-beta') order by slug $$,
  array['tests-alpha', 'tests-beta'], 'a platform admin sees every organization'
);
select tests.as_anon();
select throws_ok($$ select slug from public.organizations $$, '42501', null, 'anon cannot read organizations');

-- INSERT: nobody through the API (clinics are created by the platform with the service role) -------
select tests.act_as('alpha_admin');
select throws_ok($$ insert into public.organizations (slug, name) values ('new-clinic', 'New') $$, '42501', null, 'a clinic admin cannot create organizations');
select tests.act_as('platform');
select throws_ok($$ insert into public.organizations (slug, name) values ('new-clinic', 'New') $$, '42501', null, 'a platform admin does not create organizations through the API either');
select tests.act_as('nobody');
select throws_ok($$ insert into public.organizations (slug, name) values ('new-clinic', 'New') $$, '42501', null, 'a person with no clinic cannot create organizations');
select tests.as_anon();
select throws_ok($$ insert into public.organizations (slug, name) values ('new-clinic', 'New') $$, '42501', null, 'anon cannot create organizations');

-- UPDATE --------------------------------------------------------------------------------------------
select tests.act_as('alpha_admin');
select is(tests.rows_affected($$ update public.organizations set name = 'Alpha Renamed', theme_color = '#112233', sign_in_message = 'Hi', logo_path = 'tests-alpha/logo.png' where id = tests.org_id('alpha') $$), 1, 'clinic A admin updates clinic A''s settings');
select is(tests.rows_affected($$ update public.organizations set name = 'Hijacked' where id = tests.org_id('beta') $$), 0, 'clinic A admin cannot update clinic B');
select throws_ok($$ update public.organizations set status = 'suspended' where id = tests.org_id('alpha') $$, '42501', null, 'clinic A admin cannot change the status');
select throws_ok($$ update public.organizations set plan_id = 'hospital' where id = tests.org_id('alpha') $$, '42501', null, 'clinic A admin cannot change the plan');
select throws_ok($$ update public.organizations set slug = 'alpha-new' where id = tests.org_id('alpha') $$, '42501', null, 'clinic A admin cannot change the slug');
select throws_ok($$ update public.organizations set id = gen_random_uuid() where id = tests.org_id('alpha') $$, '42501', null, 'clinic A admin cannot change the id');

select tests.affects(c.persona, c.sql, c.rows, c.description, c.active_org)
  from (values
    ('alpha_doctor', $$ update public.organizations set name = 'Doctor was here' where id = tests.org_id('alpha') $$,
     0, 'clinic A staff cannot update clinic A', null),
    ('beta_admin', $$ update public.organizations set name = 'Hijacked' where id = tests.org_id('alpha') $$,
     0, 'clinic B admin cannot update clinic A', null),
    ('beta_admin', $$ update public.organizations set name = 'Beta Renamed' where id = tests.org_id('beta') $$,
     1, 'clinic B admin updates clinic B', null)
  ) c (persona, sql, rows, description, active_org);

-- both: nurse at A, admin at B. Their B admin rights do not apply while A is active, and vice versa.
select tests.affects(c.persona, c.sql, c.rows, c.description, c.active_org)
  from (values
    ('both', $$ update public.organizations set name = 'By both' where id in (tests.org_id('alpha'), tests.org_id('beta')) $$,
     0, 'a member of both with A active (nurse there) updates neither clinic', 'alpha'),
    ('both', $$ update public.organizations set name = 'By both' where id = tests.org_id('alpha') $$,
     0, 'a member of both with B active cannot update A', 'beta'),
    ('both', $$ update public.organizations set name = 'By both' where id = tests.org_id('beta') $$,
     1, 'a member of both with B active (admin there) updates B', 'beta'),
    ('nobody', $$ update public.organizations set name = 'X' where id in (tests.org_id('alpha'), tests.org_id('beta')) $$,
     0, 'a person with no clinic updates nothing', null),
    ('platform', $$ update public.organizations set name = 'X' where id in (tests.org_id('alpha'), tests.org_id('beta')) $$,
     0, 'a platform admin edits clinics with the service role, not through RLS', null)
  ) c (persona, sql, rows, description, active_org);
select tests.as_anon();
select throws_ok($$ update public.organizations set name = 'X' where id = tests.org_id('alpha') $$, '42501', null, 'anon cannot update organizations');

select tests.clear_authentication();
select results_eq(
  $$ select name, theme_color, sign_in_message, logo_path, status::text, plan_id from public.organizations where id = tests.org_id('alpha') $$,
  $$ values ('Alpha Renamed', '#112233', 'Hi', 'tests-alpha/logo.png', 'active', 'starter') $$,
  'only the allowed update reached clinic A'
);

-- DELETE: nobody through the API --------------------------------------------------------------------
select tests.act_as('alpha_admin');
select throws_ok($$ delete from public.organizations where id = tests.org_id('alpha') $$, '42501', null, 'clinic A admin cannot delete clinic A');
select throws_ok($$ delete from public.organizations where id = tests.org_id('beta') $$, '42501', null, 'clinic A admin cannot delete clinic B');
select tests.act_as('alpha_doctor');
select throws_ok($$ delete from public.organizations where id = tests.org_id('alpha') $$, '42501', null, 'clinic A staff cannot delete clinics');
select tests.act_as('nobody');
select throws_ok($$ delete from public.organizations $$, '42501', null, 'a person with no clinic cannot delete clinics');
select tests.as_anon();
select throws_ok($$ delete from public.organizations $$, '42501', null, 'anon cannot delete clinics');

-- Suspended clinic: its members lose access on the next request --------------------------------------
select tests.clear_authentication();
update public.organizations set status = 'suspended', suspended_reason = 'unpaid' where id = tests.org_id('alpha');
select tests.act_as('alpha_admin');
select is_empty($$ select slug from public.organizations $$, 'a suspended clinic is invisible to its own admin');
select is(tests.rows_affected($$ update public.organizations set name = 'Still here' where id = tests.org_id('alpha') $$), 0, 'a suspended clinic''s admin cannot edit it');
select tests.authenticate_with_claims(jsonb_build_object(
  'sub', tests.user_id('alpha_admin'), 'organization_id', tests.org_id('alpha'), 'org_role', 'admin'));
select is_empty($$ select slug from public.organizations $$, 'a token issued before the suspension no longer opens the clinic');
select tests.act_as('beta_admin');
select results_eq($$ select slug from public.organizations $$, array['tests-beta'], 'other clinics are unaffected by a suspension');

-- timestamps come from the shared trigger
select tests.clear_authentication();
select ok(
  (select created_at <= updated_at from public.organizations where id = tests.org_id('alpha')),
  'created_at and updated_at are maintained'
);
select throws_ok(
  $$ insert into public.organizations (slug, name, type) values ('bad-type', 'X', 'spa') $$,
  '22P02', null, 'type is one of the organization types'
);

select * from finish();

rollback;
