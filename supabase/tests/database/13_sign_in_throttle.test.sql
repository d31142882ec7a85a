-- The portal's sign-in throttle (public.sign_in_attempt / sign_in_succeeded): one address guessing
-- one account is stopped after 5 attempts in 15 minutes, one account after 20 from anywhere, one
-- address after 50 for any accounts; colleagues at another address or with another account are not
-- slowed; success forgets the account's attempts; the answers never depend on whether an account
-- exists. tests/e2e/sign-in-throttle.test.ts drives the same through the portal's sign-in form.
begin;
\ir ../helpers.psql

select plan(20);
select tests.create_tenancy_fixture();
delete from private.sign_in_attempts;

create function tests.attempt(address text, email text) returns text language sql as $$
  select case when t.allowed then 'allowed' else 'wait ' || t.retry_after_seconds end
    from public.sign_in_attempt(address, email) t;
$$;
grant execute on function tests.attempt(text, text) to anon, authenticated;
-- an empty throttle (as the owner), then the publishable key's caller again
create function tests.fresh_throttle() returns void language plpgsql as $$
begin
  perform tests.clear_authentication();
  delete from private.sign_in_attempts;
  perform tests.as_anon();
end;
$$;

select tests.as_anon();
select is(
  (select array_agg(tests.attempt('198.51.100.7', 'alpha_doctor@tests.local')) from generate_series(1, 5)),
  array['allowed', 'allowed', 'allowed', 'allowed', 'allowed'], 'five attempts from one address for one account go through'
);
select matches(tests.attempt('198.51.100.7', 'alpha_doctor@tests.local'), '^wait (8[0-9][0-9]|900)$', 'the sixth waits until the oldest attempt is 15 minutes old');
select matches(tests.attempt('198.51.100.7', ' Alpha_Doctor@Tests.Local '), '^wait ', 'case and spaces do not make another account');
select is(tests.attempt('203.0.113.9', 'alpha_admin@tests.local'), 'allowed', 'a colleague at another address with another account goes through');
select is(tests.attempt('198.51.100.7', 'alpha_admin@tests.local'), 'allowed', 'a colleague at the same address with another account goes through');
select is(tests.attempt('203.0.113.9', 'alpha_doctor@tests.local'), 'allowed', 'the same account from another address goes through');

-- refusals are not recorded: waiting is enough
select tests.clear_authentication();
select is((select count(*)::int from private.sign_in_attempts), 8, 'refused attempts are not recorded');
update private.sign_in_attempts set created_at = created_at - interval '15 minutes 1 second';
select tests.as_anon();
select is(tests.attempt('198.51.100.7', 'alpha_doctor@tests.local'), 'allowed', 'after 15 minutes the address may try the account again');

-- no account oracle: an e-mail without an account gets exactly the same answers
select tests.fresh_throttle();
select is(
  (select array_agg(tests.attempt('192.0.2.1', 'nobody-at-all@tests.local')) from generate_series(1, 6)),
  (select array_agg(tests.attempt('192.0.2.2', 'alpha_doctor@tests.local')) from generate_series(1, 6)),
  'an e-mail without an account is throttled exactly like one with an account'
);
select tests.clear_authentication();
select ok(
  not exists (select 1 from private.sign_in_attempts a where a.account_key ~ '@' or a.address_key ~ '\.'),
  'only digests are stored, never addresses or e-mails'
);

-- one account from many addresses
select tests.fresh_throttle();
select is(
  (select count(*)::int from generate_series(1, 20) i where tests.attempt('10.0.0.' || i, 'beta_admin@tests.local') = 'allowed'),
  20, 'twenty attempts for one account from twenty addresses go through'
);
select matches(tests.attempt('10.0.1.1', 'beta_admin@tests.local'), '^wait ', 'the twenty-first, from a new address, waits');
select is(tests.attempt('10.0.1.1', 'beta_nurse@tests.local'), 'allowed', 'that address may still sign in another account');

-- one address for many accounts
select tests.fresh_throttle();
select is(
  (select count(*)::int from generate_series(1, 50) i where tests.attempt('192.0.2.50', 'spray' || i || '@tests.local') = 'allowed'),
  50, 'fifty accounts from one address go through'
);
select matches(tests.attempt('192.0.2.50', 'spray-more@tests.local'), '^wait ', 'the fifty-first account from that address waits');
select is(tests.attempt('192.0.2.51', 'spray-more@tests.local'), 'allowed', 'another address is not slowed');

-- success forgets the account's failures
select tests.fresh_throttle();
do $$ begin perform tests.attempt('198.51.100.7', 'alpha_doctor@tests.local') from generate_series(1, 5); end $$;
select matches(tests.attempt('198.51.100.7', 'alpha_doctor@tests.local'), '^wait ', 'five failures: waiting');
select tests.act_as('alpha_doctor');
select lives_ok($$ select public.sign_in_succeeded() $$, 'the doctor, signed in, reports success');
select tests.as_anon();
select is(tests.attempt('198.51.100.7', 'alpha_doctor@tests.local'), 'allowed', 'their account is not throttled any more');
select throws_ok($$ select public.sign_in_succeeded() $$, '42501', null, 'anon cannot clear anyone''s attempts');

select * from finish();

rollback;
