-- Accepting an invitation needs possession, not resemblance: the single-use secret that only the
-- invitation e-mail carries, together with the session's Auth-verified address. Without the right
-- secret (wrong, reused, replaced, revoked, expired, another clinic's, another address's) the
-- refusal is the same as for an invitation or clinic that does not exist.
begin;
\ir ../helpers.psql

select plan(39);
select tests.create_tenancy_fixture();
update public.organizations set plan_id = 'hospital' where id in (tests.org_id('alpha'), tests.org_id('beta'));

create temporary table proof (name text primary key, value text) on commit drop;
grant all on proof to anon, authenticated;

select tests.add_person(p) from unnest(array['invitee', 'stranger']) p;
-- someone who signed up with an invited address but never confirmed it
select tests.add_person('unconfirmed', 'late@tests.local');
update auth.users set email_confirmed_at = null where id = tests.user_id('unconfirmed');

-- The generic refusal, and a helper that expects exactly it.
create function pg_temp.refused(statement text, description text) returns text
language sql as $$
  select throws_ok(
    statement, 'PT404',
    'This invitation link is not valid for your account: it may have expired, been used or replaced, or be meant for another address',
    description);
$$;

-- CREATING: the database makes the secret and keeps only its hash ------------------------------------
select tests.act_as('alpha_admin');
insert into proof
select 'invitee', secret from public.create_invitation(tests.org_id('alpha'), 'Invitee@Tests.local', 'nurse', ' Ida Invitee ');
select matches((select value from proof where name = 'invitee'), '^[0-9a-f]{64}$',
  'create_invitation returns a 256-bit secret once');
select results_eq(
  $$ select email, full_name, role::text, status::text from public.invitations $$,
  $$ values ('invitee@tests.local', 'Ida Invitee', 'nurse', 'pending') $$,
  'the invitation is stored (address normalised, the admin''s name for the invitee trimmed)'
);
select is(
  (select token_hash from public.invitations where email = 'invitee@tests.local'),
  encode(sha256(convert_to((select value from proof where name = 'invitee'), 'UTF8')), 'hex'),
  'only the SHA-256 of the secret is stored (what the clinic''s admins can read)'
);
insert into proof select 'invitee-hash', token_hash from public.invitations where email = 'invitee@tests.local';

select tests.act_as('alpha_doctor');
select throws_ok(
  $$ select * from public.create_invitation(tests.org_id('alpha'), 'z@tests.local', 'admin') $$,
  '42501', null, 'staff who are not admins cannot create invitations');
select tests.act_as('beta_admin');
select throws_ok(
  $$ select * from public.create_invitation(tests.org_id('alpha'), 'z@tests.local', 'admin') $$,
  '42501', null, 'another clinic''s admin cannot create invitations here');
select tests.as_anon();
select throws_ok(
  $$ select * from public.create_invitation(tests.org_id('alpha'), 'z@tests.local', 'admin') $$,
  '42501', null, 'anon cannot create invitations');

-- E-MAIL LIMITS (RFC 5321): refused before anything is saved, so no seat is held ----------------------
select tests.act_as('alpha_admin');
select throws_ok(
  format($$ select * from public.create_invitation(tests.org_id('alpha'), '%s@tests.local', 'nurse') $$, repeat('a', 65)),
  '23514', null, 'a local part over 64 characters is refused');
select throws_ok(
  format($$ select * from public.create_invitation(tests.org_id('alpha'), 'a@%s.test', 'nurse') $$, repeat('b', 248)),
  '23514', null, 'an address over 254 characters is refused');
select lives_ok(
  format($$ select * from public.create_invitation(tests.org_id('alpha'), '%s@%s.test', 'nurse') $$, repeat('c', 64), repeat('d', 184)),
  'an address of exactly 64 + 1 + 189 = 254 characters is accepted');
select is((select count(*)::int from public.invitations where char_length(email) > 254 or email like repeat('a', 65) || '%'), 0,
  'refused addresses left no invitation (and so hold no seat)');

-- WHAT THE SECRET SHOWS (for the e-mail hook and the accept page) ------------------------------------
select tests.as_anon();
select results_eq(
  $$ select email, full_name, role::text, organization_slug, organization_name, inviter_name
       from public.invitation_by_secret((select value from proof where name = 'invitee')) $$,
  $$ values ('invitee@tests.local', 'Ida Invitee', 'nurse', 'tests-alpha', 'Alpha Test Clinic', 'Alpha Admin') $$,
  'the secret shows its invitation, clinic and inviter'
);
select is_empty($$ select * from public.invitation_by_secret(repeat('0', 64)) $$,
  'a wrong secret shows nothing');
select is_empty($$ select * from public.invitation_by_secret('') $$, 'an empty secret shows nothing');

-- ACCEPTING WITHOUT THE PROOF: one and the same refusal ----------------------------------------------
select tests.act_as('invitee');
select pg_temp.refused($$ select * from public.accept_invitation('tests-alpha', null, 'Ida') $$,
  'the invited address without the secret is refused');
select pg_temp.refused($$ select * from public.accept_invitation('tests-alpha', repeat('0', 64), 'Ida') $$,
  'a wrong secret is refused');
select pg_temp.refused($$ select * from public.accept_invitation('tests-alpha', (select value from proof where name = 'invitee-hash'), 'Ida') $$,
  'the stored hash (readable by the clinic''s admins) is not the secret');
select pg_temp.refused($$ select * from public.accept_invitation('tests-beta', (select value from proof where name = 'invitee'), 'Ida') $$,
  'the right secret at another clinic is refused');
select pg_temp.refused($$ select * from public.accept_invitation('no-such-clinic', (select value from proof where name = 'invitee'), 'Ida') $$,
  'the right secret at a clinic that does not exist is refused the same way');
select tests.act_as('stranger');
select pg_temp.refused($$ select * from public.accept_invitation('tests-alpha', (select value from proof where name = 'invitee'), 'Eve') $$,
  'the secret in someone else''s hands (another verified address) is refused');
select tests.authenticate_with_claims(jsonb_build_object('sub', tests.user_id('stranger'), 'email', 'invitee@tests.local'));
select pg_temp.refused($$ select * from public.accept_invitation('tests-alpha', (select value from proof where name = 'invitee'), 'Eve') $$,
  'a forged e-mail claim does not help: the address comes from auth.users');
select tests.clear_authentication();
update public.invitations set expires_at = now() - interval '1 minute' where email = 'invitee@tests.local';
select tests.act_as('invitee');
select pg_temp.refused($$ select * from public.accept_invitation('tests-alpha', (select value from proof where name = 'invitee'), 'Ida') $$,
  'an expired invitation is refused the same way');
select tests.clear_authentication();
update public.invitations set expires_at = now() + interval '1 day' where email = 'invitee@tests.local';
select tests.as_anon();
select throws_ok($$ select * from public.accept_invitation('tests-alpha', (select value from proof where name = 'invitee'), 'Ida') $$,
  '42501', null, 'anon cannot accept');

-- a name is needed (after the proof, so outsiders never learn anything from it)
select tests.act_as('invitee');
select throws_ok($$ select * from public.accept_invitation('tests-alpha', (select value from proof where name = 'invitee'), '  ') $$,
  '23514', 'Enter your name (at most 200 characters)', 'the invitee gives their name');

-- ACCEPTING WITH THE PROOF ------------------------------------------------------------------------------
select results_eq(
  $$ select organization_id, role::text from public.accept_invitation('tests-alpha', (select value from proof where name = 'invitee'), ' Ida Invitee-Smith ') $$,
  $$ values (tests.org_id('alpha'), 'nurse') $$,
  'the invited address with the secret accepts at its clinic'
);
select tests.clear_authentication();
select results_eq(
  $$ select m.role::text, m.status::text, i.status::text, i.accepted_by, i.token_hash, p.full_name, p.active_organization_id
       from public.memberships m
       join public.invitations i on i.email = 'invitee@tests.local' and i.organization_id = m.organization_id
       join public.profiles p on p.id = m.user_id
      where m.user_id = tests.user_id('invitee') $$,
  $$ values ('nurse', 'active', 'accepted', tests.user_id('invitee'), null::text, 'Ida Invitee-Smith', tests.org_id('alpha')) $$,
  'membership with the invited role, the invitation accepted and its secret voided, the name recorded, the clinic active'
);
select tests.act_as('invitee');
select pg_temp.refused($$ select * from public.accept_invitation('tests-alpha', (select value from proof where name = 'invitee'), 'Ida') $$,
  'a secret works once');
select tests.as_anon();
select is_empty($$ select * from public.invitation_by_secret((select value from proof where name = 'invitee')) $$,
  'a used secret shows nothing any more');

-- RESEND AND REVOKE VOID THE SECRET ------------------------------------------------------------------
select tests.act_as('alpha_admin');
insert into proof select 'late', secret from public.create_invitation(tests.org_id('alpha'), 'late@tests.local', 'doctor');
insert into proof select 'late2', secret from public.resend_invitation((select id from public.invitations where email = 'late@tests.local'));
select isnt((select value from proof where name = 'late2'), (select value from proof where name = 'late'),
  'resending issues a new secret');
select tests.act_as('beta_admin');
select is_empty($$ select * from public.resend_invitation((select id from public.invitations where email = 'late@tests.local' limit 1)) $$,
  'another clinic''s admin cannot resend (no row)');
select tests.act_as('unconfirmed');
select pg_temp.refused($$ select * from public.accept_invitation('tests-alpha', (select value from proof where name = 'late2'), 'Lee') $$,
  'an account whose address Auth has not confirmed is refused even with the secret');
select tests.clear_authentication();
update auth.users set email_confirmed_at = now() where id = tests.user_id('unconfirmed');
select tests.act_as('unconfirmed');
select pg_temp.refused($$ select * from public.accept_invitation('tests-alpha', (select value from proof where name = 'late'), 'Lee') $$,
  'the secret of the replaced e-mail no longer works');
select tests.act_as('alpha_admin');
update public.invitations set status = 'revoked' where email = 'late@tests.local';
select tests.act_as('unconfirmed');
select pg_temp.refused($$ select * from public.accept_invitation('tests-alpha', (select value from proof where name = 'late2'), 'Lee') $$,
  'a revoked invitation''s secret no longer works');

-- A PERSON WITH AN ACCOUNT ELSEWHERE joins with it -----------------------------------------------------
select tests.act_as('beta_admin');
insert into proof select 'doctor', secret from public.create_invitation(tests.org_id('beta'), 'alpha_doctor@tests.local', 'doctor');
select tests.act_as('alpha_doctor');
select lives_ok($$ select * from public.accept_invitation('tests-beta', (select value from proof where name = 'doctor')) $$,
  'they accept with their existing account, keeping the name they have');
select tests.clear_authentication();
select results_eq(
  $$ select count(*)::int, min(p.full_name) from public.memberships m join public.profiles p on p.id = m.user_id
      where m.user_id = tests.user_id('alpha_doctor') and m.status = 'active' $$,
  $$ values (2, 'Alpha Doctor') $$,
  'and now work at both clinics under their own name'
);

-- someone invited in their own right is not hurt by having been refused before
select tests.act_as('alpha_admin');
insert into proof select 'seat', secret from public.create_invitation(tests.org_id('alpha'), 'stranger@tests.local', 'nurse');
select tests.act_as('stranger');
select lives_ok($$ select * from public.accept_invitation('tests-alpha', (select value from proof where name = 'seat'), 'Sam') $$,
  'a person refused with another''s secret accepts their own invitation');
select tests.clear_authentication();
select is((select count(*)::int from public.audit_log where table_name = 'invitations' and changes::text like '%' || (select value from proof where name = 'seat') || '%'), 0,
  'the secret itself never reaches the audit trail');

-- an inviter's account can be deleted: their invitations stay, without the inviter
select lives_ok($$ delete from public.profiles where id = tests.user_id('beta_admin') $$,
  'deleting the profile of an admin who invited people works');
select is((select invited_by from public.invitations where email = 'alpha_doctor@tests.local'), null::uuid,
  'their invitations remain, with no inviter');
select tests.act_as('alpha_admin');
select throws_ok(
  $$ update public.invitations set invited_by = tests.user_id('alpha_admin') where email = 'late@tests.local' $$,
  '42501', null, 'the inviter of an invitation cannot be changed');

select * from finish();

rollback;
