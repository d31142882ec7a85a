-- The portal's own sign-in throttle.
--
-- The portal signs staff in from its server, so to Supabase Auth (whose rate limits are per client
-- address) a whole clinic comes from one address, and one attacker guessing passwords through the
-- portal looks like the clinic's ordinary traffic. The portal therefore asks the database before
-- every password sign-in, with the address the request came from and the e-mail typed:
--
--   public.sign_in_attempt(client_address, email) -> (allowed, retry_after_seconds)
--
-- which refuses (without recording anything) while any of three sliding 15-minute windows is full,
-- and otherwise records the attempt:
--   the same address AND account   5 attempts   one person guessing one account from one place;
--   the same account, any address  20 attempts  one account guessed from many places;
--   the same address, any account  50 attempts  one place trying many accounts (password spraying).
-- A colleague signing in through the same portal, from another address or for another account, is
-- not slowed by someone else's attempts. A successful sign-in calls
--
--   public.sign_in_succeeded()  (as the person now signed in)
--
-- which forgets that account's attempts, so only failures count. The stored keys are SHA-256
-- digests of the address and of the lower-cased e-mail; Auth's tables are never read, so the answers
-- are the same for an e-mail that has an account and one that has not. State lives here, not in a
-- portal process, because the portal is stateless across instances. Rows older than the window are
-- deleted by every call.

create table private.sign_in_attempts (
  id bigint generated always as identity primary key,
  address_key text not null check (address_key ~ '^[0-9a-f]{64}$'),
  account_key text not null check (account_key ~ '^[0-9a-f]{64}$'),
  created_at timestamptz not null default now()
);
comment on table private.sign_in_attempts is
  'Recent password sign-in attempts through the portal (SHA-256 of client address and e-mail), for its throttle. Written only by sign_in_attempt()/sign_in_succeeded(); rows older than 15 minutes are deleted.';
-- no RLS: private is not exposed and the API roles hold no privilege on it (only definer code writes it)
revoke all on table private.sign_in_attempts from public, anon, authenticated;
create index sign_in_attempts_account_key_created_at_idx on private.sign_in_attempts (account_key, created_at);
create index sign_in_attempts_address_key_created_at_idx on private.sign_in_attempts (address_key, created_at);
-- (no index on created_at alone: the table only ever holds the last 15 minutes, which the cleanup in
-- sign_in_attempt() reads in one pass)

create function private.sign_in_key(p_text text)
returns text
language sql immutable set search_path = ''
as $$
  select encode(pg_catalog.sha256(convert_to(lower(btrim(coalesce(p_text, ''))), 'UTF8')), 'hex');
$$;
comment on function private.sign_in_key(text) is
  'The throttle''s key for an address or e-mail: SHA-256 (hex) of the trimmed, lower-cased text.';
revoke execute on function private.sign_in_key(text) from public, anon, authenticated;

create function private.sign_in_attempt(p_client_address text, p_email text)
returns table (allowed boolean, retry_after_seconds integer)
language plpgsql volatile security definer set search_path = ''
as $$
declare
  v_window constant interval := interval '15 minutes';
  v_pair_limit constant integer := 5;
  v_account_limit constant integer := 20;
  v_address_limit constant integer := 50;
  v_address text := private.sign_in_key(left(p_client_address, 100));
  v_account text := private.sign_in_key(left(p_email, 320));
  v_since timestamptz := now() - v_window;
  v_free_at timestamptz;
begin
  -- one decision at a time per account, then per address (always in this order: no deadlock)
  perform pg_catalog.pg_advisory_xact_lock(pg_catalog.hashtextextended('sign_in:account:' || v_account, 0));
  perform pg_catalog.pg_advisory_xact_lock(pg_catalog.hashtextextended('sign_in:address:' || v_address, 0));
  delete from private.sign_in_attempts a where a.created_at <= v_since;

  -- when each full window frees a place: the (n - limit + 1)-th oldest attempt leaves it
  select max(w.free_at) into v_free_at
    from (
      select (select a.created_at from private.sign_in_attempts a
               where a.address_key = v_address and a.account_key = v_account and a.created_at > v_since
               order by a.created_at desc offset v_pair_limit - 1 limit 1) + v_window
      union all
      select (select a.created_at from private.sign_in_attempts a
               where a.account_key = v_account and a.created_at > v_since
               order by a.created_at desc offset v_account_limit - 1 limit 1) + v_window
      union all
      select (select a.created_at from private.sign_in_attempts a
               where a.address_key = v_address and a.created_at > v_since
               order by a.created_at desc offset v_address_limit - 1 limit 1) + v_window
    ) as w (free_at);

  if v_free_at is not null and v_free_at > now() then
    return query select false, greatest(1, ceil(extract(epoch from v_free_at - now()))::integer);
    return;
  end if;
  insert into private.sign_in_attempts (address_key, account_key) values (v_address, v_account);
  return query select true, 0;
end;
$$;
comment on function private.sign_in_attempt(text, text) is
  'The portal''s sign-in throttle: refuses (allowed false, seconds to wait) while 5 attempts for this address and account, 20 for this account or 50 from this address fall within 15 minutes; else records the attempt.';

create function private.sign_in_succeeded()
returns void
language plpgsql volatile security definer set search_path = ''
as $$
declare
  v_email text;
begin
  select u.email into v_email from auth.users u where u.id = auth.uid();
  if v_email is null then
    raise exception 'Sign in first' using errcode = '42501';
  end if;
  delete from private.sign_in_attempts a where a.account_key = private.sign_in_key(v_email);
end;
$$;
comment on function private.sign_in_succeeded() is
  'After a successful sign-in, as the signed-in person: forgets the attempts recorded for their e-mail address.';

select private.add_rpc('private.sign_in_attempt(text, text)',
  'RPC (the portal, before each password sign-in; anon allowed): whether this client address may try this e-mail now, and if not, in how many seconds. Records the attempt when allowed. Says nothing about whether an account exists.', '{anon,authenticated}');

select private.add_rpc('private.sign_in_succeeded()',
  'RPC (the portal, right after a successful password sign-in, as that person): clears the throttle''s attempts for their e-mail.');

revoke execute on function
  private.sign_in_attempt(text, text),
  private.sign_in_succeeded()
from public;
grant execute on function private.sign_in_attempt(text, text)
  to anon, authenticated;
grant execute on function private.sign_in_succeeded() to authenticated;
