-- Session handoffs (clinic switcher): a one-time code carries a member's session to a clinic where
-- they are an active member, is redeemable once, only at that clinic, within its lifetime, and is
-- never readable through the API.
begin;
\ir ../helpers.psql

select plan(12);
select tests.create_tenancy_fixture();

create table tests.codes (name text primary key, code text);
grant all on tests.codes to anon, authenticated;

-- Creating ---------------------------------------------------------------------------------------------
select tests.act_as('both');
select lives_ok(
  $$ insert into tests.codes select 'to_beta', public.create_session_handoff('tests-beta', 'refresh-token-both') $$,
  'a member of both clinics gets a code for the other clinic'
);
select tests.act_as('alpha_doctor');
select throws_ok(
  $$ select public.create_session_handoff('tests-beta', 'refresh-token-doctor') $$,
  '42501', 'You are not an active member of that clinic',
  'a member of one clinic gets no code for another'
);
select tests.act_as('nobody');
select throws_ok(
  $$ select public.create_session_handoff('tests-alpha', 'refresh-token-nobody') $$,
  '42501', null, 'a person with no clinic gets no code'
);
select tests.as_anon();
select throws_ok(
  $$ select public.create_session_handoff('tests-alpha', 'x') $$,
  '42501', null, 'anon cannot create codes'
);

-- Nobody reads the table through the API ----------------------------------------------------------------
select tests.act_as('both');
select throws_ok($$ select * from private.session_handoffs $$, '42501', null,
  'a signed-in person cannot read handoffs');
select tests.as_anon();
select throws_ok($$ select * from private.session_handoffs $$, '42501', null,
  'anon cannot read handoffs');
select tests.clear_authentication();
select is(
  (select count(*)::int from private.session_handoffs where refresh_token = 'refresh-token-both'
      and code_hash <> (select code from tests.codes where name = 'to_beta')),
  1, 'only a hash of the code is stored'
);

-- Redeeming ---------------------------------------------------------------------------------------------
select tests.as_anon();
select throws_ok(
  $$ select public.redeem_session_handoff((select code from tests.codes where name = 'to_beta'), 'tests-alpha') $$,
  '22023', 'This link has expired or was already used',
  'the code does not open another clinic'
);
select is(
  public.redeem_session_handoff((select code from tests.codes where name = 'to_beta'), 'tests-beta'),
  'refresh-token-both', 'the code opens its clinic once (anon: the new address has no session yet)'
);
select throws_ok(
  $$ select public.redeem_session_handoff((select code from tests.codes where name = 'to_beta'), 'tests-beta') $$,
  '22023', null, 'a code cannot be used twice'
);
select throws_ok(
  $$ select public.redeem_session_handoff('not-a-code', 'tests-beta') $$,
  '22023', null, 'a guessed code opens nothing'
);

select tests.act_as('both');
insert into tests.codes select 'late', public.create_session_handoff('tests-beta', 'refresh-token-late');
select tests.clear_authentication();
update private.session_handoffs set expires_at = now() - interval '1 second'
 where refresh_token = 'refresh-token-late';
select tests.as_anon();
select throws_ok(
  $$ select public.redeem_session_handoff((select code from tests.codes where name = 'late'), 'tests-beta') $$,
  '22023', null, 'an expired code opens nothing'
);

select * from finish();

rollback;
