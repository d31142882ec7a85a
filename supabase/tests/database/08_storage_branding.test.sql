-- The branding bucket: raster images only, 2 MiB, public reads by URL, and writes only by admins of
-- the live active clinic, only under `<their clinic's slug>/<file name>` (never the clinic's id, which
-- the public logo URL would show before sign-in).
begin;
\ir ../helpers.psql

select plan(62);
select tests.create_tenancy_fixture();

insert into storage.buckets (id, name, public) values ('tests-other', 'tests-other', false);
insert into storage.objects (bucket_id, name)
values ('branding', 'tests-alpha/logo.png'),
       ('branding', 'tests-beta/logo.png'),
       ('tests-other', 'tests-alpha/logo.png');

-- upload as the current role; rows written are counted by the policies, not by us
create function tests.upload(object_name text, bucket text default 'branding')
returns void
language plpgsql
as $$
begin
  insert into storage.objects (bucket_id, name) values (bucket, object_name);
end;
$$;
grant execute on function tests.upload(text, text) to anon, authenticated;

-- The bucket -----------------------------------------------------------------------------------------
select results_eq(
  $$ select public, file_size_limit from storage.buckets where id = 'branding' $$,
  $$ values (true, 2097152::bigint) $$,
  'branding is a public bucket limited to 2 MiB'
);
select is(
  (select array_agg(m order by m) from storage.buckets b, unnest(b.allowed_mime_types) m where b.id = 'branding'),
  array['image/gif', 'image/jpeg', 'image/png', 'image/webp'],
  'only raster images are allowed (no SVG, no HTML)'
);

-- INSERT ----------------------------------------------------------------------------------------------
select tests.act_as('alpha_admin');
select lives_ok(format($$ select tests.upload(%L) $$, 'tests-alpha/new-logo_v2.png'), 'clinic A admin uploads into clinic A''s folder');
select throws_ok(format($$ select tests.upload(%L) $$, 'tests-beta/x.png'), '42501', null, 'clinic A admin cannot upload into clinic B''s folder');
select throws_ok(format($$ select tests.upload(%L) $$, 'TESTS-ALPHA/x.png'), '42501', null, 'the folder must be the slug in lower case');
select throws_ok(format($$ select tests.upload(%L) $$, 'tests-alph/x.png'), '42501', null, 'a prefix of the slug is not the folder');
select throws_ok(format($$ select tests.upload(%L) $$, 'tests-alpha0/x.png'), '42501', null, 'a longer folder starting with the slug is refused');
select throws_ok(format($$ select tests.upload(%L) $$, tests.org_id('alpha') || '/x.png'), '42501', null, 'the clinic''s id is not its folder');
select throws_ok(format($$ select tests.upload(%L) $$, 'tests-alpha/../' || 'tests-beta/x.png'), '42501', null, '.. cannot climb to another clinic');
select throws_ok(format($$ select tests.upload(%L) $$, 'tests-alpha/..'), '42501', null, 'a file called .. is refused');
select throws_ok(format($$ select tests.upload(%L) $$, 'tests-alpha/a..png'), '42501', null, 'no .. anywhere in the name');
select throws_ok(format($$ select tests.upload(%L) $$, 'tests-alpha//x.png'), '42501', null, 'empty path segments are refused');
select throws_ok(format($$ select tests.upload(%L) $$, 'tests-alpha/sub/x.png'), '42501', null, 'sub-folders are refused');
select throws_ok(format($$ select tests.upload(%L) $$, '/' || 'tests-alpha/x.png'), '42501', null, 'a leading slash is refused');
select throws_ok(format($$ select tests.upload(%L) $$, 'tests-alpha/'), '42501', null, 'a folder without a file name is refused');
select throws_ok(format($$ select tests.upload(%L) $$, 'tests-alpha/.hidden'), '42501', null, 'hidden file names are refused');
select throws_ok(format($$ select tests.upload(%L) $$, 'tests-alpha/logo 2.png'), '42501', null, 'spaces and other characters are refused');
select throws_ok(format($$ select tests.upload(%L) $$, 'tests-alpha/x.png?.svg'), '42501', null, 'query-like names are refused');
select throws_ok(format($$ select tests.upload(%L, 'tests-other') $$, 'tests-alpha/x.png'), '42501', null, 'the policies cover the branding bucket only');

select tests.act_as('alpha_doctor');
select throws_ok(format($$ select tests.upload(%L) $$, 'tests-alpha/doctor.png'), '42501', null, 'clinic A staff cannot upload branding');
select tests.act_as('beta_admin');
select throws_ok(format($$ select tests.upload(%L) $$, 'tests-alpha/b.png'), '42501', null, 'clinic B admin cannot upload into clinic A''s folder');
select lives_ok(format($$ select tests.upload(%L) $$, 'tests-beta/b.png'), 'clinic B admin uploads into clinic B''s folder');
select tests.act_as('both');
select throws_ok(format($$ select tests.upload(%L) $$, 'tests-alpha/both.png'), '42501', null, 'a member of both with A active (nurse) cannot upload to A');
select throws_ok(format($$ select tests.upload(%L) $$, 'tests-beta/both.png'), '42501', null, 'a member of both with A active cannot upload to B although admin there');
select tests.set_active_org('both', 'beta');
select tests.act_as('both');
select lives_ok(format($$ select tests.upload(%L) $$, 'tests-beta/both.png'), 'a member of both with B active (admin) uploads to B');
select throws_ok(format($$ select tests.upload(%L) $$, 'tests-alpha/both.png'), '42501', null, 'a member of both with B active cannot upload to A');
select tests.act_as('nobody');
select throws_ok(format($$ select tests.upload(%L) $$, 'tests-alpha/n.png'), '42501', null, 'a person with no clinic cannot upload');
select tests.act_as('platform');
select throws_ok(format($$ select tests.upload(%L) $$, 'tests-alpha/p.png'), '42501', null, 'a platform admin cannot upload through RLS');
select tests.as_anon();
select throws_ok(format($$ select tests.upload(%L) $$, 'tests-alpha/anon.png'), '42501', null, 'anon cannot upload');

-- SELECT (listing; public downloads go through the public bucket URL, not RLS) ------------------
select tests.act_as('alpha_admin');
select results_eq(
  $$ select name from storage.objects order by name $$,
  $$ select name from (values ('tests-alpha/logo.png'), ('tests-alpha/new-logo_v2.png')) v(name) order by name $$,
  'clinic A admin lists clinic A''s branding only'
);
select tests.act_as('alpha_doctor');
select is_empty($$ select 1 from storage.objects $$, 'clinic A staff list nothing');
select tests.act_as('beta_admin');
select is((select count(*)::int from storage.objects where name like 'tests-beta/%'), 3, 'clinic B admin lists clinic B''s branding');
select is_empty($$ select 1 from storage.objects where name not like 'tests-beta/%' $$, 'clinic B admin lists nothing else');
select tests.set_active_org('both', 'alpha');
select tests.act_as('both');
select is_empty($$ select 1 from storage.objects $$, 'a member of both with A active (nurse) lists nothing');
select tests.set_active_org('both', 'beta');
select tests.act_as('both');
select is_empty($$ select 1 from storage.objects where name not like 'tests-beta/%' $$, 'a member of both with B active lists B''s branding only');
select tests.act_as('nobody');
select is_empty($$ select 1 from storage.objects $$, 'a person with no clinic lists nothing');
select tests.act_as('platform');
select is_empty($$ select 1 from storage.objects $$, 'a platform admin lists nothing through RLS');
select tests.as_anon();
select is_empty($$ select 1 from storage.objects $$, 'anon lists nothing');

-- UPDATE (replace / rename) --------------------------------------------------------------------------
select tests.act_as('alpha_admin');
select is(tests.rows_affected(format($$ update storage.objects set name = %L where name = %L $$, 'tests-alpha/logo-2.png', 'tests-alpha/new-logo_v2.png')), 1, 'clinic A admin renames within clinic A''s folder');
select throws_ok(
  format($$ update storage.objects set name = %L where name = %L $$, 'tests-beta/stolen.png', 'tests-alpha/logo-2.png'),
  '42501', null, 'clinic A admin cannot move an object into clinic B''s folder'
);
select throws_ok(
  format($$ update storage.objects set name = %L where name = %L $$, 'tests-alpha/a/../b.png', 'tests-alpha/logo-2.png'),
  '42501', null, 'clinic A admin cannot rename to a path trick'
);
select is(tests.rows_affected(format($$ update storage.objects set metadata = '{}' where name like %L $$, 'tests-beta/%')), 0, 'clinic A admin cannot touch clinic B''s objects');
select tests.act_as('alpha_doctor');
select is(tests.rows_affected($$ update storage.objects set metadata = '{}' $$), 0, 'clinic A staff update nothing');
select tests.act_as('beta_admin');
select is(tests.rows_affected(format($$ update storage.objects set metadata = '{}' where name like %L $$, 'tests-alpha/%')), 0, 'clinic B admin cannot touch clinic A''s objects');
select tests.set_active_org('both', 'alpha');
select tests.act_as('both');
select is(tests.rows_affected($$ update storage.objects set metadata = '{}' $$), 0, 'a member of both with A active updates nothing');
select tests.set_active_org('both', 'beta');
select tests.act_as('both');
select is(tests.rows_affected(format($$ update storage.objects set metadata = '{}' where name like %L $$, 'tests-alpha/%')), 0, 'a member of both with B active cannot touch A''s objects');
select tests.act_as('nobody');
select is(tests.rows_affected($$ update storage.objects set metadata = '{}' $$), 0, 'a person with no clinic updates nothing');
select tests.as_anon();
select is(tests.rows_affected($$ update storage.objects set metadata = '{}' $$), 0, 'anon updates nothing');

-- DELETE ----------------------------------------------------------------------------------------------
-- Storage's protect_delete trigger refuses direct deletes unless the transaction sets
-- storage.allow_delete_query, as the Storage API does for every request: these deletes stand for
-- Storage API calls, and the policies decide.
select set_config('storage.allow_delete_query', 'true', true);
select tests.act_as('alpha_doctor');
select is(tests.rows_affected($$ delete from storage.objects $$), 0, 'clinic A staff delete nothing');
select tests.act_as('beta_admin');
select is(tests.rows_affected(format($$ delete from storage.objects where name like %L $$, 'tests-alpha/%')), 0, 'clinic B admin cannot delete clinic A''s objects');
select tests.set_active_org('both', 'alpha');
select tests.act_as('both');
select is(tests.rows_affected($$ delete from storage.objects $$), 0, 'a member of both with A active (nurse) deletes nothing');
select tests.set_active_org('both', 'beta');
select tests.act_as('both');
select is(tests.rows_affected(format($$ delete from storage.objects where name like %L $$, 'tests-alpha/%')), 0, 'a member of both with B active cannot delete A''s objects');
select tests.act_as('nobody');
select is(tests.rows_affected($$ delete from storage.objects $$), 0, 'a person with no clinic deletes nothing');
select tests.act_as('platform');
select is(tests.rows_affected($$ delete from storage.objects $$), 0, 'a platform admin deletes nothing through RLS');
select tests.as_anon();
select is(tests.rows_affected($$ delete from storage.objects $$), 0, 'anon deletes nothing');
select tests.act_as('alpha_admin');
select is(tests.rows_affected(format($$ delete from storage.objects where name like %L $$, 'tests-beta/%')), 0, 'clinic A admin cannot delete clinic B''s objects');
select is(tests.rows_affected(format($$ delete from storage.objects where name = %L $$, 'tests-alpha/logo-2.png')), 1, 'clinic A admin deletes clinic A''s object');

select tests.clear_authentication();
select is(
  (select count(*)::int from storage.objects where bucket_id = 'branding' and name like 'tests-beta/%'), 3,
  'clinic B''s objects are all still there'
);
select is(
  (select count(*)::int from storage.objects where bucket_id = 'tests-other'), 1,
  'the other bucket is untouched'
);

-- Revocation: a demoted admin's unexpired token no longer writes ---------------------------------------
insert into public.memberships (organization_id, user_id, role) values (tests.org_id('alpha'), tests.user_id('nobody'), 'admin');
update public.memberships set role = 'doctor' where user_id = tests.user_id('alpha_admin');
select tests.authenticate_with_claims(jsonb_build_object('sub', tests.user_id('alpha_admin'), 'organization_id', tests.org_id('alpha'), 'org_role', 'admin'));
select throws_ok(format($$ select tests.upload(%L) $$, 'tests-alpha/late.png'), '42501', null, 'a demoted admin''s old token cannot upload');
select is(tests.rows_affected($$ delete from storage.objects $$), 0, 'a demoted admin''s old token cannot delete');
select is_empty($$ select 1 from storage.objects $$, 'a demoted admin''s old token cannot list');

select * from finish();

rollback;
