-- profiles: created and kept in step with auth.users, visible to oneself and to colleagues of the
-- live active clinic only, editable by their owner only (and never the active organization).
begin;
\ir ../helpers.psql

select plan(45);
select tests.create_tenancy_fixture();

-- Lifecycle -----------------------------------------------------------------------------------------
select results_eq(
  $$ select email, full_name from public.profiles where id = tests.user_id('alpha_doctor') $$,
  $$ values ('alpha_doctor@tests.local', 'Alpha Doctor') $$,
  'a profile is created with the auth user (email, display name)'
);
update auth.users set email = 'renamed@tests.local' where id = tests.user_id('nobody');
select is((select email from public.profiles where id = tests.user_id('nobody')), 'renamed@tests.local', 'profiles.email follows auth.users');
select throws_ok($$ update public.profiles set phone = 'call me' where id = tests.user_id('nobody') $$, '23514', null, 'phone numbers are validated');
select lives_ok($$ update public.profiles set phone = '+44 20 7946 0000' where id = tests.user_id('nobody') $$, 'a real phone number is accepted');

-- SELECT --------------------------------------------------------------------------------------------
select is(tests.rows_as(c.persona, 'select tests.persona_of(id) from public.profiles'), c.seen, c.description)
  from (values
    ('alpha_admin', '{alpha_admin,alpha_doctor,both}'::text[], 'clinic A admin sees self and clinic A colleagues only'),
    ('alpha_doctor', '{alpha_admin,alpha_doctor,both}', 'clinic A staff see self and clinic A colleagues only'),
    ('beta_admin', '{beta_admin,beta_nurse,both}', 'clinic B member sees self and clinic B colleagues only'),
    ('both', '{alpha_admin,alpha_doctor,both}', 'a member of both with A active sees clinic A people only'),
    ('nobody', '{nobody}', 'a person with no clinic sees only their own profile'),
    ('platform', '{platform}', 'a platform admin sees only their own profile through RLS')
  ) c (persona, seen, description);
select tests.set_active_org('both', 'beta');
select is(tests.rows_as('both', 'select tests.persona_of(id) from public.profiles'), '{beta_admin,beta_nurse,both}',
  'a member of both with B active sees clinic B people only');
select tests.throws_as('anon', $$ select 1 from public.profiles $$, '42501', null, 'anon cannot read profiles');

-- INSERT: only the auth.users trigger creates profiles ---------------------------------------------
select tests.throws_as(c.persona, $$ insert into public.profiles (id, full_name) values (gen_random_uuid(), 'Ghost') $$, '42501', null,
                       c.who || ' cannot insert profiles')
  from (values ('alpha_admin', 'clinic A admin'), ('alpha_doctor', 'clinic A staff'), ('beta_admin', 'clinic B member'),
               ('both', 'a member of both'), ('nobody', 'a person with no clinic'), ('anon', 'anon')) c (persona, who);

-- UPDATE: owners only; the owner's own columns only ---------------------------------------------------
select tests.affects(c.persona, c.sql, c.rows, c.description)
  from (values
    ('alpha_admin', $$ update public.profiles set full_name = 'Admin A', phone = '+1 555 0100', avatar_path = 'a.png' where id = tests.user_id('alpha_admin') $$,
     1, 'clinic A admin edits their own profile'),
    ('alpha_admin', $$ update public.profiles set full_name = 'Renamed by admin' where id = tests.user_id('alpha_doctor') $$, 0, 'clinic A admin cannot edit a colleague''s profile'),
    ('alpha_admin', $$ update public.profiles set full_name = 'X' where id = tests.user_id('beta_admin') $$, 0, 'clinic A admin cannot edit clinic B profiles'),
    ('alpha_doctor', $$ update public.profiles set full_name = 'Dr A' where id = tests.user_id('alpha_doctor') $$, 1, 'clinic A staff edit their own profile'),
    ('alpha_doctor', $$ update public.profiles set full_name = 'X' where id = tests.user_id('alpha_admin') $$, 0, 'clinic A staff cannot edit colleagues'),
    ('beta_admin', $$ update public.profiles set full_name = 'X' where id in (tests.user_id('alpha_admin'), tests.user_id('alpha_doctor')) $$,
     0, 'clinic B member cannot edit clinic A profiles'),
    ('both', $$ update public.profiles set full_name = 'X' where id in (tests.user_id('alpha_admin'), tests.user_id('beta_admin')) $$,
     0, 'a member of both cannot edit anyone else'),
    ('both', $$ update public.profiles set full_name = 'Both' where id = tests.user_id('both') $$, 1, 'a member of both edits their own profile'),
    ('nobody', $$ update public.profiles set full_name = 'X' where id <> tests.user_id('nobody') $$, 0, 'a person with no clinic cannot edit others'),
    ('nobody', $$ update public.profiles set full_name = 'Nobody' where id = tests.user_id('nobody') $$, 1, 'a person with no clinic edits their own profile')
  ) c (persona, sql, rows, description);
select tests.throws_as('alpha_admin', c.sql, '42501', null, c.description)
  from (values
    ($$ update public.profiles set active_organization_id = tests.org_id('beta') where id = tests.user_id('alpha_admin') $$,
     'nobody sets active_organization_id directly (switch_organization does)'),
    ($$ update public.profiles set email = 'spoof@tests.local' where id = tests.user_id('alpha_admin') $$, 'profiles.email is read-only'),
    ($$ update public.profiles set id = gen_random_uuid() where id = tests.user_id('alpha_admin') $$, 'profiles.id is read-only')
  ) c (sql, description);
select tests.throws_as('anon', $$ update public.profiles set full_name = 'X' $$, '42501', null, 'anon cannot edit profiles');

select tests.clear_authentication();
select results_eq(
  $$ select full_name from public.profiles where id in (tests.user_id('alpha_admin'), tests.user_id('alpha_doctor'), tests.user_id('beta_admin')) order by full_name $$,
  array['Admin A', 'Beta Admin', 'Dr A'],
  'only owners'' edits were stored'
);
select is(
  (select active_organization_id from public.profiles where id = tests.user_id('alpha_admin')),
  tests.org_id('alpha'),
  'the active organization was not changed by the refused update'
);

-- DELETE: profiles go with their auth user only -------------------------------------------------------
select tests.act_as('alpha_admin');
select throws_ok($$ delete from public.profiles where id = tests.user_id('alpha_doctor') $$, '42501', null, 'clinic A admin cannot delete profiles');
select throws_ok($$ delete from public.profiles where id = tests.user_id('alpha_admin') $$, '42501', null, 'clinic A admin cannot delete their own profile');
select tests.act_as('alpha_doctor');
select throws_ok($$ delete from public.profiles $$, '42501', null, 'clinic A staff cannot delete profiles');
select tests.act_as('beta_admin');
select throws_ok($$ delete from public.profiles $$, '42501', null, 'clinic B member cannot delete profiles');
select tests.act_as('both');
select throws_ok($$ delete from public.profiles $$, '42501', null, 'a member of both cannot delete profiles');
select tests.act_as('nobody');
select throws_ok($$ delete from public.profiles $$, '42501', null, 'a person with no clinic cannot delete profiles');
select tests.as_anon();
select throws_ok($$ delete from public.profiles $$, '42501', null, 'anon cannot delete profiles');

select tests.clear_authentication();
delete from auth.users where id = tests.user_id('nobody');
select is_empty($$ select 1 from public.profiles where id = tests.user_id('nobody') $$, 'deleting the auth user deletes the profile');

-- Removal from the clinic hides colleagues at once ----------------------------------------------------
delete from public.memberships where user_id = tests.user_id('alpha_doctor');
select tests.act_as('alpha_admin');
select is_empty($$ select 1 from public.profiles where id = tests.user_id('alpha_doctor') $$, 'a removed colleague''s profile is no longer visible');
select tests.authenticate_with_claims(jsonb_build_object(
  'sub', tests.user_id('alpha_doctor'), 'organization_id', tests.org_id('alpha'), 'org_role', 'doctor'));
select results_eq($$ select id from public.profiles $$, $$ values (tests.user_id('alpha_doctor')) $$, 'a removed person''s old token shows only their own profile');

-- user_metadata feeds the display name and nothing else
select tests.clear_authentication();
select tests.add_person('mallory', full_name => 'Mallory');
update auth.users
   set raw_user_meta_data = jsonb_build_object('full_name', 'Mallory', 'organization_id', tests.org_id('alpha'), 'role', 'admin')
 where id = tests.user_id('mallory');
select tests.act_as('mallory');
select results_eq($$ select id from public.profiles $$, $$ values (tests.user_id('mallory')) $$, 'user_metadata naming a clinic opens nothing');

select * from finish();

rollback;
