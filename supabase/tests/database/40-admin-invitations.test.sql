-- invitations: who may see, create, resend and revoke them; seat limits from the plan. Accepting
-- (possession of the invitation's secret): 41-invitation-proof.test.sql.
begin;
\ir ../helpers.psql

select plan(31);
select tests.create_tenancy_fixture();

select tests.add_person(p) from unnest(array['invitee', 'stranger']) p;
-- alpha is on a 5-seat plan: 3 active members (alpha_admin, alpha_doctor, both)
update public.organizations set plan_id = 'starter' where id = tests.org_id('alpha');

-- INSERT ----------------------------------------------------------------------------------------------
select tests.act_as('alpha_admin');
select lives_ok(
  $$ insert into public.invitations (organization_id, email, role) values (tests.org_id('alpha'), ' Invitee@Tests.local ', 'nurse') $$,
  'clinic A admin invites someone to clinic A'
);
select results_eq(
  $$ select email, status::text, invited_by from public.invitations where organization_id = tests.org_id('alpha') $$,
  $$ values ('invitee@tests.local', 'pending', tests.user_id('alpha_admin')) $$,
  'the e-mail is stored lower-case and trimmed, pending, invited by the caller'
);
select ok(
  (select expires_at between now() + interval '6 days 23 hours' and now() + interval '7 days 1 minute'
     from public.invitations where email = 'invitee@tests.local'),
  'an invitation expires 7 days after it is sent'
);
-- refusals: who tries, the statement, the error (its message when it names one)
select tests.throws_as(c.persona, c.sql, c.errcode, c.message, c.description)
  from (values
    ('alpha_admin', $$ insert into public.invitations (organization_id, email, role) values (tests.org_id('alpha'), 'invitee@tests.local', 'doctor') $$,
     '23505', 'invitee@tests.local already has a pending invitation', 'a second pending invitation for the same address is refused'),
    ('alpha_admin', $$ insert into public.invitations (organization_id, email, role) values (tests.org_id('alpha'), 'alpha_doctor@tests.local', 'nurse') $$,
     '23505', 'alpha_doctor@tests.local already works at this clinic', 'inviting someone who already works here is refused'),
    ('alpha_admin', $$ insert into public.invitations (organization_id, email, role) values (tests.org_id('beta'), 'x@tests.local', 'nurse') $$,
     '42501', null, 'clinic A admin cannot invite to clinic B'),
    ('alpha_admin', $$ insert into public.invitations (organization_id, email, role, status, expires_at)
                       values (tests.org_id('alpha'), 'y@tests.local', 'nurse', 'accepted', now() + interval '1 year') $$,
     '42501', null, 'API callers cannot choose status or expiry (no column privilege)'),
    ('alpha_doctor', $$ insert into public.invitations (organization_id, email, role) values (tests.org_id('alpha'), 'z@tests.local', 'admin') $$,
     '42501', null, 'clinic A staff (not admin) cannot invite'),
    ('beta_admin', $$ insert into public.invitations (organization_id, email, role) values (tests.org_id('alpha'), 'z@tests.local', 'admin') $$,
     '42501', null, 'clinic B admin cannot invite to clinic A'),
    ('nobody', $$ insert into public.invitations (organization_id, email, role) values (tests.org_id('alpha'), 'z@tests.local', 'admin') $$,
     '42501', null, 'a signed-in person without a clinic cannot invite'),
    ('anon', $$ insert into public.invitations (organization_id, email, role) values (tests.org_id('alpha'), 'z@tests.local', 'admin') $$,
     '42501', null, 'anon cannot invite')
  ) c (persona, sql, errcode, message, description);

-- SELECT ----------------------------------------------------------------------------------------------
select is(coalesce(cardinality(tests.rows_as(c.persona, 'select email from public.invitations')), 0), c.seen, c.description)
  from (values
    ('alpha_admin', 1, 'clinic A admin sees clinic A''s invitation'),
    ('alpha_doctor', 0, 'clinic A staff see no invitations'),
    ('beta_admin', 0, 'clinic B admin sees none of clinic A''s invitations'),
    ('nobody', 0, 'a person without a clinic sees none'),
    ('invitee', 0, 'the invited address alone shows nothing (no proof of the invitation)')
  ) c (persona, seen, description);
select tests.throws_as('anon', $$ select 1 from public.invitations $$, '42501', null, 'anon cannot read invitations');

-- UPDATE: resend and revoke -------------------------------------------------------------------------------
select tests.clear_authentication();
update public.invitations set expires_at = now() + interval '1 day' where email = 'invitee@tests.local';
select tests.affects(c.persona, $$ update public.invitations set status = 'revoked' where email = 'invitee@tests.local' $$, 0, c.description)
  from (values ('beta_admin', 'clinic B admin cannot revoke clinic A''s invitation'), ('alpha_doctor', 'clinic A staff cannot revoke'),
               ('invitee', 'the invitee cannot change the invitation')) c (persona, description);
select tests.act_as('alpha_admin');
select lives_ok(
  $$ update public.invitations set last_sent_at = now(), expires_at = now() + interval '10 years' where email = 'invitee@tests.local' $$,
  'clinic A admin resends'
);
select ok(
  (select expires_at < now() + interval '7 days 1 minute' and send_count = 2 from public.invitations where email = 'invitee@tests.local'),
  'resending gives a fresh week (never more) and counts the e-mail'
);
select throws_ok(
  $$ update public.invitations set status = 'accepted' where email = 'invitee@tests.local' $$,
  '42501', 'Invitations are accepted by the invitee, not changed to accepted',
  'an admin cannot mark an invitation accepted'
);
select throws_ok(
  $$ delete from public.invitations $$, '42501', null, 'nobody deletes invitations through the API'
);

-- SEATS (alpha: starter plan, 5 seats; 3 active + 1 pending) -------------------------------------------------
select lives_ok(
  $$ insert into public.invitations (organization_id, email, role) values (tests.org_id('alpha'), 'fifth@tests.local', 'nurse') $$,
  'the fifth seat can be given to an invitation'
);
select throws_ok(
  $$ insert into public.invitations (organization_id, email, role) values (tests.org_id('alpha'), 'sixth@tests.local', 'nurse') $$,
  '23514', 'All 5 seats of the Starter plan are in use (3 active staff, 2 pending invitations)',
  'a sixth seat is refused with the counts'
);
select throws_ok(
  $$ insert into public.memberships (organization_id, user_id, role) values (tests.org_id('alpha'), tests.user_id('stranger'), 'nurse') $$,
  '42501', 'permission denied for table memberships',
  'an admin cannot bypass invitations (or the seat limit) by adding a membership directly'
);
select tests.clear_authentication();
insert into public.memberships (organization_id, user_id, role, status)
values (tests.org_id('alpha'), tests.user_id('stranger'), 'nurse', 'suspended');
select tests.act_as('alpha_admin');
select throws_ok(
  $$ update public.memberships set status = 'active' where user_id = tests.user_id('stranger') $$,
  '23514', null, 'nor by reactivating a suspended membership while every seat is taken'
);
select lives_ok(
  $$ update public.invitations set status = 'revoked' where email = 'fifth@tests.local' $$,
  'revoking frees a seat'
);
select lives_ok(
  $$ insert into public.invitations (organization_id, email, role) values (tests.org_id('alpha'), 'sixth@tests.local', 'nurse') $$,
  'after revoking, the seat can be used'
);
select throws_ok(
  $$ update public.invitations set status = 'pending' where email = 'fifth@tests.local' $$,
  '42501', 'This invitation is revoked and can no longer change',
  'a revoked invitation stays revoked'
);

select * from finish();

rollback;
