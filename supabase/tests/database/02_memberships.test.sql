-- memberships: visibility, admin-only management of the active clinic, organization hopping on
-- insert and update, no self-promotion or self-change, the last active admin is kept.
begin;
\ir ../helpers.psql

select plan(68);
select tests.create_tenancy_fixture();

-- extra people to add, change and remove
select tests.add_person(p) from unnest(array['newbie', 'alpha_extra', 'beta_extra']) p;
insert into public.memberships (organization_id, user_id, role)
values (tests.org_id('alpha'), tests.user_id('alpha_extra'), 'receptionist'),
       (tests.org_id('beta'), tests.user_id('beta_extra'), 'pharmacist');

-- SELECT --------------------------------------------------------------------------------------------
-- Per reader (a member of both with `active` active): the 4 memberships of their active clinic, and
-- of any other clinic only `others` (their own memberships there, or none).
create table tests.membership_reads (n int, persona text, active text, own text, others text[], own_description text, others_description text);
insert into tests.membership_reads values
  (1, 'alpha_admin', null, 'alpha', null, 'clinic A admin sees clinic A''s 4 memberships', 'clinic A admin sees no membership of clinic B'),
  (2, 'alpha_doctor', null, 'alpha', null, 'clinic A staff see their colleagues'' memberships', 'clinic A staff see no membership of clinic B'),
  (3, 'beta_admin', null, 'beta', null, 'clinic B member sees clinic B''s memberships', 'clinic B member sees no membership of clinic A'),
  (4, 'both', 'alpha', 'alpha', '{both}', 'a member of both with A active sees A''s memberships',
   'a member of both with A active sees only their own membership of B'),
  (5, 'both', 'beta', 'beta', '{both}', 'a member of both with B active sees B''s memberships',
   'a member of both with B active sees only their own membership of A');
create function tests.membership_read(r tests.membership_reads) returns setof text language plpgsql as $$
begin
  if r.active is not null then
    perform tests.set_active_org(r.persona, r.active);
  end if;
  return next is(cardinality(tests.rows_as(r.persona, format('select id::text from public.memberships where organization_id = tests.org_id(%L)', r.own))),
                 4, r.own_description);
  return next is(tests.rows_as(r.persona, format('select tests.persona_of(user_id) from public.memberships where organization_id <> tests.org_id(%L)', r.own)),
                 r.others, r.others_description);
end;
$$;
select tests.membership_read(r) from tests.membership_reads r order by r.n;
select is(tests.rows_as(c.persona, 'select id::text from public.memberships'), null, c.description)
  from (values ('nobody', 'a person with no clinic sees no membership'),
               ('platform', 'a platform admin sees memberships through the service role only')) c (persona, description);
select tests.throws_as('anon', $$ select 1 from public.memberships $$, '42501', null, 'anon cannot read memberships');

-- INSERT --------------------------------------------------------------------------------------------
-- Nobody adds a membership through the Data API: people join by accepting an invitation. Each row:
-- who tries (a member of both clinics with the clinic in `both_active` active), the membership, the
-- error's message when it names one.
select tests.clear_authentication();
create function tests.insert_membership(p_org text, p_user text, p_role text) returns text language sql as $$
  select format($q$ insert into public.memberships (organization_id, user_id, role) values (tests.org_id(%L), tests.user_id(%L), %L) $q$,
                p_org, p_user, p_role);
$$;
create table tests.insert_attempts (n serial, both_active text, persona text, org text, who text, role text, message text, description text);
insert into tests.insert_attempts (both_active, persona, org, who, role, message, description) values
  ('beta', 'alpha_admin', 'alpha', 'newbie', 'receptionist', 'permission denied for table memberships',
   'clinic A admin cannot add a person by user id: people join by accepting an invitation'),
  ('beta', 'alpha_admin', 'beta', 'newbie', 'admin', null, 'clinic A admin cannot add anyone to clinic B (organization hopping on insert)'),
  ('beta', 'alpha_doctor', 'alpha', 'nobody', 'doctor', null, 'clinic A staff cannot add members'),
  ('beta', 'beta_admin', 'alpha', 'nobody', 'admin', null, 'clinic B admin cannot add anyone to clinic A'),
  ('beta', 'beta_admin', 'beta', 'newbie', 'nurse', 'permission denied for table memberships', 'clinic B admin cannot add a person by user id either'),
  ('alpha', 'both', 'beta', 'nobody', 'doctor', null, 'a member of both with A active cannot add to B although admin there'),
  ('alpha', 'both', 'alpha', 'nobody', 'doctor', null, 'a member of both with A active (nurse) cannot add to A'),
  ('beta', 'both', 'alpha', 'nobody', 'doctor', null, 'a member of both with B active cannot add to A'),
  ('beta', 'nobody', 'alpha', 'nobody', 'admin', null, 'a person with no clinic cannot add themselves to a clinic'),
  ('beta', 'platform', 'alpha', 'platform', 'admin', null, 'a platform admin does not add memberships through RLS'),
  ('beta', 'anon', 'alpha', 'newbie', 'admin', null, 'anon cannot add memberships');
create function tests.insert_attempt(p_n integer) returns text language plpgsql as $$
declare
  a tests.insert_attempts;
begin
  select * into a from tests.insert_attempts where n = p_n;
  perform tests.set_active_org('both', a.both_active);
  return tests.throws_as(a.persona, tests.insert_membership(a.org, a.who, a.role), '42501', a.message, a.description);
end;
$$;
select tests.insert_attempt(n) from tests.insert_attempts order by n;
select tests.set_active_org('both', 'beta');
select tests.throws_as('both',
  $$ insert into public.memberships (organization_id, user_id, role, status) values (tests.org_id('beta'), tests.user_id('nobody'), 'doctor', 'invited') $$,
  '42501', 'permission denied for table memberships', 'a member of both with B active (admin) cannot add to B by user id');
-- the people the rest of this file changes and removes (as accepting invitations would add them)
select tests.clear_authentication();
insert into public.memberships (organization_id, user_id, role, status)
values (tests.org_id('alpha'), tests.user_id('newbie'), 'receptionist', 'active'),
       (tests.org_id('beta'), tests.user_id('newbie'), 'nurse', 'active'),
       (tests.org_id('beta'), tests.user_id('nobody'), 'doctor', 'invited');

-- UPDATE --------------------------------------------------------------------------------------------
select tests.act_as('alpha_admin');
select is(tests.rows_affected($$ update public.memberships set role = 'lab_technician' where user_id = tests.user_id('alpha_extra') $$), 1, 'clinic A admin changes a clinic A role');
select is(tests.rows_affected($$ update public.memberships set status = 'suspended' where user_id = tests.user_id('beta_extra') $$), 0, 'clinic A admin cannot change clinic B memberships');
select throws_ok(
  $$ update public.memberships set organization_id = tests.org_id('beta') where user_id = tests.user_id('alpha_extra') $$,
  '42501', null, 'clinic A admin cannot move a membership to clinic B (organization hopping on update)'
);
select throws_ok(
  $$ update public.memberships set user_id = tests.user_id('nobody') where user_id = tests.user_id('alpha_extra') $$,
  '42501', null, 'clinic A admin cannot hand a membership to someone else'
);
select throws_like(
  $$ update public.memberships set role = 'doctor' where user_id = tests.user_id('alpha_admin') $$,
  'You cannot change your own role%', 'clinic A admin cannot change their own role'
);
select throws_like(
  $$ update public.memberships set status = 'suspended' where user_id = tests.user_id('alpha_admin') $$,
  'You cannot change your own role%', 'clinic A admin cannot change their own status'
);

select tests.affects(c.persona, c.sql, c.rows, c.description, c.active_org)
  from (values
    ('alpha_doctor', $$ update public.memberships set role = 'admin' where user_id = tests.user_id('alpha_doctor') $$,
     0, 'clinic A staff cannot raise their own role', null),
    ('alpha_doctor', $$ update public.memberships set role = 'nurse' where user_id = tests.user_id('alpha_extra') $$,
     0, 'clinic A staff cannot change colleagues', null),
    ('beta_admin', $$ update public.memberships set role = 'nurse' where organization_id = tests.org_id('alpha') $$,
     0, 'clinic B admin cannot change clinic A memberships', null),
    ('beta_admin', $$ update public.memberships set role = 'lab_technician' where user_id = tests.user_id('beta_extra') $$,
     1, 'clinic B admin changes a clinic B role', null),
    ('both', $$ update public.memberships set role = 'admin' where user_id = tests.user_id('both') and organization_id = tests.org_id('alpha') $$,
     0, 'a member of both with A active cannot raise their A role', 'alpha'),
    ('both', $$ update public.memberships set role = 'nurse' where user_id = tests.user_id('beta_extra') $$,
     0, 'a member of both with A active cannot change B memberships', 'alpha'),
    ('both', $$ update public.memberships set role = 'doctor' where user_id = tests.user_id('beta_extra') $$,
     1, 'a member of both with B active changes B memberships', 'beta'),
    ('both', $$ update public.memberships set role = 'admin' where user_id = tests.user_id('both') and organization_id = tests.org_id('alpha') $$,
     0, 'a member of both with B active cannot raise their A role', 'beta')
  ) c (persona, sql, rows, description, active_org);
select throws_like(
  $$ update public.memberships set role = 'nurse' where user_id = tests.user_id('both') and organization_id = tests.org_id('beta') $$,
  'You cannot change your own role%', 'a member of both with B active cannot change their own B role'
);

select tests.act_as('nobody');
select is(tests.rows_affected($$ update public.memberships set role = 'admin' $$), 0, 'a person with no clinic changes no membership');
select tests.act_as('platform');
select is(tests.rows_affected($$ update public.memberships set role = 'admin' $$), 0, 'a platform admin changes no membership through RLS');
select tests.as_anon();
select throws_ok($$ update public.memberships set role = 'admin' $$, '42501', null, 'anon cannot change memberships');

select tests.clear_authentication();
select results_eq(
  $$ select role::text from public.memberships where user_id in (tests.user_id('alpha_doctor'), tests.user_id('alpha_admin'), tests.user_id('alpha_extra')) order by role::text $$,
  array['admin', 'doctor', 'lab_technician'],
  'only the allowed updates reached clinic A'
);
select throws_like(
  $$ update public.memberships set organization_id = tests.org_id('beta') where user_id = tests.user_id('alpha_extra') $$,
  'memberships.organization_id cannot be changed', 'not even the service role moves a membership to another clinic'
);

-- DELETE --------------------------------------------------------------------------------------------
select tests.act_as('alpha_admin');
select is(tests.rows_affected($$ delete from public.memberships where user_id = tests.user_id('beta_extra') $$), 0, 'clinic A admin cannot remove clinic B members');
select throws_like($$ delete from public.memberships where user_id = tests.user_id('alpha_admin') $$, 'You cannot remove your own membership', 'clinic A admin cannot remove themselves');
select is(tests.rows_affected($$ delete from public.memberships where user_id = tests.user_id('newbie') $$), 1, 'clinic A admin removes a clinic A member (and only there)');
select tests.affects(c.persona, c.sql, c.rows, c.description, c.active_org)
  from (values
    ('alpha_doctor', $$ delete from public.memberships where user_id = tests.user_id('alpha_extra') $$,
     0, 'clinic A staff cannot remove colleagues', null),
    ('beta_admin', $$ delete from public.memberships where organization_id = tests.org_id('alpha') $$,
     0, 'clinic B admin cannot remove clinic A members', null),
    ('both', $$ delete from public.memberships where user_id = tests.user_id('beta_extra') $$,
     0, 'a member of both with A active cannot remove B members', 'alpha'),
    ('both', $$ delete from public.memberships where user_id = tests.user_id('alpha_extra') $$,
     0, 'a member of both with B active cannot remove A members', 'beta'),
    ('both', $$ delete from public.memberships where user_id = tests.user_id('beta_extra') $$,
     1, 'a member of both with B active removes B members', 'beta'),
    ('nobody', $$ delete from public.memberships $$,
     0, 'a person with no clinic removes nothing', null),
    ('platform', $$ delete from public.memberships $$,
     0, 'a platform admin removes nothing through RLS', null)
  ) c (persona, sql, rows, description, active_org);
select tests.as_anon();
select throws_ok($$ delete from public.memberships $$, '42501', null, 'anon cannot remove memberships');

select tests.clear_authentication();
select is(
  (select count(*)::int from public.memberships where user_id = tests.user_id('newbie')), 1,
  'newbie is still at clinic B after leaving clinic A'
);

-- The last active admin stays ------------------------------------------------------------------------
select throws_ok(
  $$ update public.memberships set role = 'doctor' where user_id = tests.user_id('alpha_admin') $$,
  '23514', 'An organization must keep at least one active admin', 'the only admin cannot be demoted, even by the service role'
);
select throws_ok(
  $$ update public.memberships set status = 'suspended' where user_id = tests.user_id('alpha_admin') $$,
  '23514', null, 'the only admin cannot be suspended'
);
select throws_ok(
  $$ delete from public.memberships where user_id = tests.user_id('alpha_admin') $$,
  '23514', null, 'the only admin cannot be removed'
);

-- with a second admin, the first may be demoted by the second
select tests.act_as('alpha_admin');
select is(tests.rows_affected($$ update public.memberships set role = 'admin' where user_id = tests.user_id('alpha_doctor') $$), 1, 'an admin appoints a second admin');
select tests.act_as('alpha_doctor');
select is(tests.rows_affected($$ update public.memberships set role = 'doctor' where user_id = tests.user_id('alpha_admin') $$), 1, 'the new admin (live role, token still says doctor) demotes the first one');
select tests.clear_authentication();
select throws_ok(
  $$ delete from public.memberships where user_id = tests.user_id('alpha_doctor') $$,
  '23514', null, 'now the second admin is the last one and cannot be removed'
);
select lives_ok(
  $$ set constraints memberships_keep_one_admin deferred;
     update public.memberships set role = 'doctor' where user_id = tests.user_id('alpha_doctor');
     update public.memberships set role = 'admin' where user_id = tests.user_id('alpha_admin');
     set constraints memberships_keep_one_admin immediate $$,
  'admins can be swapped within one transaction when the check is deferred'
);
select lives_ok(
  $$ delete from public.organizations where id = tests.org_id('beta') $$,
  'deleting a whole clinic takes its memberships, admins included'
);
select is_empty($$ select 1 from public.memberships where organization_id = tests.org_id('beta') $$, 'no membership of a deleted clinic remains');

select throws_ok(
  $$ insert into public.memberships (organization_id, user_id, role) values (tests.org_id('alpha'), tests.user_id('nobody'), 'surgeon') $$,
  '22P02', null, 'roles are limited to the member_role enum'
);
select throws_ok(
  $$ insert into public.memberships (organization_id, user_id, role) values (tests.org_id('alpha'), tests.user_id('alpha_extra'), 'nurse') $$,
  '23505', null, 'one membership per person and clinic'
);

select * from finish();

rollback;
