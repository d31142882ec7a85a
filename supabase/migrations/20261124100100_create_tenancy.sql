-- Tenancy: plans, organizations (clinics), their custom domains, profiles, memberships, platform
-- admins and the support access grants of platform admins; the RLS helpers every policy uses (the
-- caller's live membership, the read scope that admits a live support grant); the tenancy tables'
-- privileges and policies; and the membership rules policies cannot express. Every table gets RLS
-- here; the API roles get no privileges until the policies section grants them explicitly.
--
-- Index note: foreign keys are served by composite UNIQUE indexes such as (plan_id, id) where the
-- plain index would not be unique. They are honestly unique (they contain the primary key) and
-- serve the same lookups; `supabase db advisors` reports every never-scanned non-unique index as
-- "unused", which on a freshly reset database is all of them.

-- Types -------------------------------------------------------------------------------------------
create type public.organization_type as enum ('clinic', 'hospital', 'laboratory', 'pharmacy', 'other');
comment on type public.organization_type is 'What kind of care provider an organization is.';

create type public.organization_status as enum ('active', 'suspended');
comment on type public.organization_status is
  'active: in service. suspended: by the platform; its members get no access and no org claims.';

create type public.member_role as enum (
  'admin', 'doctor', 'nurse', 'receptionist', 'lab_technician', 'pharmacist'
);
comment on type public.member_role is
  'Role of a person in one organization. admin manages the clinic''s staff and settings.';

create type public.membership_status as enum ('invited', 'active', 'suspended', 'removed');
comment on type public.membership_status is
  'Only active memberships grant access. invited: not yet accepted; suspended/removed: no access.';

-- Plans ---------------------------------------------------------------------------------------------
create table public.plans (
  id text primary key check (id ~ '^[a-z][a-z0-9_]{1,31}$'),
  name text not null check (char_length(btrim(name)) between 1 and 80),
  seat_limit integer check (seat_limit > 0),
  patient_limit integer check (patient_limit > 0),
  monthly_price_cents integer not null default 0 check (monthly_price_cents >= 0),
  currency text not null default 'USD' check (currency ~ '^[A-Z]{3}$'),
  created_at timestamptz not null default now(),
  updated_at timestamptz not null default now()
);
comment on table public.plans is
  'Subscription plans. seat_limit / patient_limit null = unlimited. Managed by the platform only.';
alter table public.plans enable row level security;

select private.add_row_triggers('public.plans');

-- Reference data every environment needs (organizations default to 'starter').
insert into public.plans (id, name, seat_limit, patient_limit, monthly_price_cents)
values
  ('starter', 'Starter', 5, 1000, 0),
  ('clinic', 'Clinic', 25, 20000, 4900),
  ('hospital', 'Hospital', null, null, 29900)
on conflict (id) do nothing;

-- Organizations ------------------------------------------------------------------------------------
-- A clinic's time zone is an IANA name (Region/City, or UTC) that Postgres knows, as every browser's
-- Intl does; never an offset or an abbreviation (those do not follow daylight saving time). Names
-- with a slash resolve only through the zone files, so a name Postgres accepts is a real zone.
-- Immutable in practice (the zone database ships with the server), as a CHECK constraint needs;
-- executable by the roles that write organizations.
create function private.is_time_zone(p_name text)
returns boolean
language plpgsql immutable set search_path = ''
as $$
begin
  if p_name is null or not (
    p_name = 'UTC'
    or p_name ~ '^(Africa|America|Antarctica|Arctic|Asia|Atlantic|Australia|Europe|Indian|Pacific|Etc)(/[A-Za-z0-9_+-]+){1,2}$'
  ) then
    return false;
  end if;
  perform '2000-01-01 00:00:00+00'::timestamptz at time zone p_name;
  return true;
exception
  when invalid_parameter_value then
    return false;
end;
$$;
comment on function private.is_time_zone(text) is
  'Whether p_name is an IANA time zone name (e.g. Europe/Berlin, or UTC) that Postgres knows.';
select private.grant_execute('{authenticated,service_role}', 'private.is_time_zone(text)');

create table public.organizations (
  id uuid primary key default gen_random_uuid(),
  slug text not null,
  name text not null check (char_length(btrim(name)) between 1 and 120),
  type public.organization_type not null default 'clinic',
  theme_color text not null default '#0f766e',
  logo_path text,
  sign_in_message text check (char_length(sign_in_message) <= 280),
  status public.organization_status not null default 'active',
  suspended_reason text check (char_length(suspended_reason) <= 500),
  plan_id text not null default 'starter' references public.plans (id) on update cascade,
  -- two-factor sign-in for all staff (set by the clinic's admins through set_two_factor_requirement)
  require_two_factor boolean not null default false,
  time_zone text not null default 'UTC',
  created_at timestamptz not null default now(),
  updated_at timestamptz not null default now(),
  constraint organizations_slug_key unique (slug),
  constraint organizations_time_zone_valid check (private.is_time_zone(time_zone)),
  -- a DNS label: lowercase letters, digits and single hyphens, 3-63 chars, no hyphen at either end
  constraint organizations_slug_format check (
    slug ~ '^[a-z0-9][a-z0-9-]{1,61}[a-z0-9]$' and slug !~ '--'
  ),
  constraint organizations_slug_not_reserved check (
    slug <> all (array[
      'www', 'app', 'api', 'admin', 'platform', 'auth', 'mail', 'static', 'assets', 'cdn',
      'status', 'docs', 'help', 'support', 'login', 'signin', 'sign-in', 'signup', 'sign-up',
      'logout', 'account', 'accounts', 'dashboard', 'console', 'billing', 'blog', 'dev',
      'staging', 'test', 'ftp', 'smtp', 'imap', 'pop', 'webmail', 'email', 'root', 'system',
      'internal', 'localhost', 'storage', 'rest', 'graphql', 'realtime', 'functions', 'supabase',
      'public', 'private', 'security', 'portal', 'files', 'media', 'images', 'health', 'metrics',
      'ns1', 'ns2', 'mx'
    ])
  ),
  constraint organizations_theme_color_format check (theme_color ~ '^#[0-9a-fA-F]{6}$'),
  -- logos live in the branding bucket under the clinic's slug (public, like its address), never
  -- under its id: sign-in pages show the logo's URL before anyone signs in
  constraint organizations_logo_path_format check (
    logo_path is null
    or (logo_path ~ '^[a-z0-9-]{3,63}/[A-Za-z0-9_-][A-Za-z0-9._-]{0,127}$'
        and split_part(logo_path, '/', 1) = slug
        and logo_path !~ '\.\.')
  ),
  constraint organizations_suspended_reason_only_when_suspended check (
    status = 'suspended' or suspended_reason is null
  )
);
comment on table public.organizations is
  'Tenants: one clinic or hospital each. slug is its subdomain. Clinic admins edit name, theme_color, logo_path, sign_in_message and time_zone (and require_two_factor through set_two_factor_requirement); slug, type, status and plan are platform-only.';
comment on column public.organizations.time_zone is
  'The clinic''s IANA time zone: the portal shows and reads every date and time of the clinic in it, and "today" is its day there. Set at onboarding, edited by the clinic admin (audited).';
alter table public.organizations enable row level security;

create unique index organizations_plan_id_id_key on public.organizations (plan_id, id);

select private.add_row_triggers('public.organizations');

-- Custom domains ------------------------------------------------------------------------------------
create table public.organization_domains (
  id uuid primary key default gen_random_uuid(),
  organization_id uuid not null references public.organizations (id) on delete cascade,
  domain text not null,
  created_at timestamptz not null default now(),
  updated_at timestamptz not null default now(),
  constraint organization_domains_domain_key unique (domain),
  constraint organization_domains_domain_format check (
    char_length(domain) <= 253
    and domain ~ '^([a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?\.)+[a-z]([a-z0-9-]{0,61}[a-z0-9])?$'
  )
);
comment on table public.organization_domains is
  'Custom domains mapped to an organization (besides <slug>.<root domain>). Stored lower-case. Managed by the platform.';
alter table public.organization_domains enable row level security;

create unique index organization_domains_organization_id_domain_key
  on public.organization_domains (organization_id, domain);

create function private.normalize_organization_domain()
returns trigger
language plpgsql set search_path = ''
as $$
begin
  -- hosts are case-insensitive; a trailing dot names the same host
  new.domain := rtrim(lower(btrim(new.domain)), '.');
  return new;
end;
$$;
comment on function private.normalize_organization_domain() is
  'Trigger: stores custom domains trimmed, lower-case and without a trailing dot.';
select private.add_trigger('organization_domains_normalize', 'before insert or update of domain', 'public.organization_domains', 'private.normalize_organization_domain()');

select private.add_row_triggers('public.organization_domains', frozen => '{organization_id}');

-- Profiles ------------------------------------------------------------------------------------------
create table public.profiles (
  id uuid primary key references auth.users (id) on delete cascade,
  email text,
  full_name text not null default '' check (char_length(full_name) <= 200),
  phone text check (phone ~ '^\+?[0-9][0-9 ().-]{2,30}$'),
  avatar_path text check (char_length(avatar_path) <= 300),
  active_organization_id uuid references public.organizations (id) on delete set null,
  created_at timestamptz not null default now(),
  updated_at timestamptz not null default now()
);
comment on table public.profiles is
  'One per auth user, created by a trigger on auth.users. email mirrors auth.users (read-only). active_organization_id is set only by switch_organization() and drives the JWT organization claims.';
alter table public.profiles enable row level security;

create unique index profiles_active_organization_id_id_key
  on public.profiles (active_organization_id, id);

select private.add_row_triggers('public.profiles');

-- Profile rows follow auth.users. raw_user_meta_data is user-editable: it may seed the display
-- name and nothing else (never a role, an organization or any permission).
create function private.handle_new_auth_user()
returns trigger
language plpgsql security definer set search_path = ''
as $$
begin
  insert into public.profiles (id, email, full_name)
  values (
    new.id,
    new.email,
    left(coalesce(btrim(new.raw_user_meta_data ->> 'full_name'), ''), 200)
  )
  on conflict (id) do nothing;
  return new;
end;
$$;
comment on function private.handle_new_auth_user() is
  'Trigger on auth.users insert: creates the profile (display name from user metadata only).';

create function private.sync_auth_user_email()
returns trigger
language plpgsql security definer set search_path = ''
as $$
begin
  update public.profiles set email = new.email where id = new.id;
  return new;
end;
$$;
comment on function private.sync_auth_user_email() is
  'Trigger on auth.users email change: mirrors the confirmed email into profiles.email.';

select private.add_trigger('on_auth_user_created', 'after insert', 'auth.users', 'private.handle_new_auth_user()');

select private.add_trigger('on_auth_user_email_changed', 'after update of email', 'auth.users', 'private.sync_auth_user_email()', condition => $$old.email is distinct from new.email$$);

-- users that existed before this migration (hosted projects) get their profile too
insert into public.profiles (id, email)
select u.id, u.email from auth.users u
on conflict (id) do nothing;

-- Memberships ---------------------------------------------------------------------------------------
create table public.memberships (
  id uuid primary key default gen_random_uuid(),
  organization_id uuid not null references public.organizations (id) on delete cascade,
  user_id uuid not null references public.profiles (id) on delete cascade,
  role public.member_role not null,
  status public.membership_status not null default 'active',
  created_at timestamptz not null default now(),
  updated_at timestamptz not null default now(),
  constraint memberships_organization_id_user_id_key unique (organization_id, user_id)
);
comment on table public.memberships is
  'Who works where, with which role. Only active memberships in active organizations grant access. organization_id and user_id never change after insert.';
alter table public.memberships enable row level security;

-- serves the per-user lookups (token hook, live membership check, user_id foreign key)
create unique index memberships_user_id_organization_id_key
  on public.memberships (user_id, organization_id);

-- a row never moves to another organization or person (rule 1 below)
select private.add_row_triggers('public.memberships', frozen => '{organization_id,user_id}');

-- Platform admins -----------------------------------------------------------------------------------
create table public.platform_admins (
  user_id uuid primary key references auth.users (id) on delete cascade,
  created_at timestamptz not null default now(),
  updated_at timestamptz not null default now()
);
comment on table public.platform_admins is
  'People who operate the platform (create and suspend clinics, change plans). Managed with the service role only.';
alter table public.platform_admins enable row level security;

select private.add_row_triggers('public.platform_admins');

-- Support access grants -------------------------------------------------------------------------------
-- A platform admin may enter ONE clinic READ-ONLY, for a stated reason and a limited time (15-120
-- minutes): one row per access (who, which clinic, why, until when, ended), written only by the
-- support RPCs (20261124600000_create_support_access.sql). The read scope below admits the live grant.
create table public.support_access_grants (
  id uuid primary key default gen_random_uuid(),
  platform_admin_id uuid not null references auth.users (id) on delete cascade,
  organization_id uuid not null references public.organizations (id) on delete cascade,
  reason text not null check (char_length(btrim(reason)) between 10 and 500),
  starts_at timestamptz not null default now(),
  expires_at timestamptz not null,
  ended_at timestamptz,
  created_at timestamptz not null default now(),
  updated_at timestamptz not null default now(),
  constraint support_access_grants_duration_check
    check (expires_at > starts_at and expires_at <= starts_at + interval '2 hours'),
  constraint support_access_grants_ended_at_check check (ended_at is null or ended_at >= starts_at)
);
comment on table public.support_access_grants is
  'Read-only support access of a platform admin to one clinic: reason, time limit (max 2 h), early end. Written only by start_support_access/end_support_access; readable by platform admins.';
alter table public.support_access_grants enable row level security;

-- unique because they contain the primary key; serve the foreign keys and the live grant lookup
create unique index support_access_grants_platform_admin_id_id_key
  on public.support_access_grants (platform_admin_id, id);
create unique index support_access_grants_organization_id_id_key
  on public.support_access_grants (organization_id, id);

select private.add_row_triggers('public.support_access_grants');

create function private.guard_support_access_grant_update()
returns trigger
language plpgsql set search_path = ''
as $$
begin
  if tg_op = 'DELETE' then
    -- the clinic or the person is being deleted (cascade): the grant goes with them
    if not exists (select 1 from public.organizations o where o.id = old.organization_id)
       or not exists (select 1 from auth.users u where u.id = old.platform_admin_id) then
      return old;
    end if;
    raise exception 'Support access grants are kept; end them instead' using errcode = '42501';
  end if;
  if old.ended_at is not null
     or new.ended_at is null
     or (to_jsonb(new) - 'ended_at' - 'updated_at') is distinct from (to_jsonb(old) - 'ended_at' - 'updated_at') then
    raise exception 'A support access grant can only be ended, once' using errcode = '42501';
  end if;
  return new;
end;
$$;
comment on function private.guard_support_access_grant_update() is
  'Trigger: support grants are immutable except for setting ended_at once; no deletes (except cascades).';
select private.add_trigger('support_access_grants_guard', 'before update or delete', 'public.support_access_grants', 'private.guard_support_access_grant_update()');

-- No API role gets anything until the policies below grant it explicitly.
revoke all on table
  public.plans, public.organizations, public.organization_domains, public.profiles,
  public.memberships, public.platform_admins
from anon, authenticated;

-- RLS helpers -------------------------------------------------------------------------------------
-- Private schema, not exposed. Policies call them wrapped as `(select private.fn(…))` so each runs
-- once per statement as an InitPlan and the org predicate stays an index condition (docs/benchmark.md).
--
-- The JWT names the active organization, but claims stay valid until the token expires. The helpers
-- therefore confirm the LIVE membership on every statement (one lookup on the unique
-- (user_id, organization_id) index plus the organization's primary key): removing someone,
-- suspending a clinic or changing a role takes effect on the very next request. The claim is read,
-- and the membership looked up, in exactly one place: private.current_membership(); every other
-- helper asks it. plpgsql security definer: measured fastest (cached plan), and RLS on
-- memberships/organizations must not apply to the check itself.
--
-- Two-factor sign-in (docs/security.md, "Assurance levels"): Auth puts `aal` in the JWT (`aal2`
-- once the session verified a TOTP code). A person NEEDS aal2 when they have a verified factor, are
-- a platform admin, administer a clinic, or work at a clinic that requires two-factor sign-in
-- (organizations.require_two_factor); below it they act in no clinic: current_membership() finds
-- nothing and is_platform_admin() is false, so every policy and definer function that asks them
-- refuses, and the restrictive policies of 20261124900000_require_two_factor.sql hide every row
-- of every table with an organization_id. private.two_factor_satisfied() is that rule for the
-- caller, private.aal2_required(user) the part that does not depend on the token.

create function private.has_aal2()
returns boolean
language plpgsql stable set search_path = ''
as $$
begin
  return coalesce(auth.jwt() ->> 'aal', '') = 'aal2';
end;
$$;
comment on function private.has_aal2() is
  'True when the caller''s JWT says aal = aal2 (Auth: the session verified a second factor).';

create function private.aal2_required(p_user_id uuid)
returns boolean
language plpgsql stable security definer set search_path = ''
as $$
begin
  if p_user_id is null then
    return false;
  end if;
  return exists (
      select 1 from auth.mfa_factors f where f.user_id = p_user_id and f.status = 'verified')
    or exists (select 1 from public.platform_admins pa where pa.user_id = p_user_id)
    or exists (
      select 1
        from public.memberships m
        join public.organizations o on o.id = m.organization_id
       where m.user_id = p_user_id
         and m.status = 'active'
         and o.status = 'active'
         and (m.role = any (private.admin_roles()) or o.require_two_factor));
end;
$$;
comment on function private.aal2_required(uuid) is
  'True when the person must sign in with a second factor (aal2): a verified factor, a platform admin, an active admin membership, or an active membership of a clinic that requires two-factor sign-in. The access token hook reports it as the two_factor_required claim.';

create function private.two_factor_satisfied()
returns boolean
language plpgsql stable security definer set search_path = ''
as $$
begin
  return private.has_aal2() or not private.aal2_required(auth.uid());
end;
$$;
comment on function private.two_factor_satisfied() is
  'True when the caller''s token has the assurance level the caller needs (aal2, or aal1 for a person who needs no second factor). Restrictive policies call it wrapped, (select private.two_factor_satisfied()), once per statement.';

-- Sessions end at once. Auth's access tokens stay valid until they expire (an hour), even after
-- sign-out or after the database ended the session (private.end_sessions_without_clinic). Every
-- helper that says who the caller is therefore also asks whether the token's Auth session still
-- exists: one primary-key lookup in auth.sessions per statement. A token without a session_id claim
-- was not issued by Auth for a session (tests and servers that hold the signing key mint such
-- tokens) and is taken as it is.
create function private.session_is_live()
returns boolean
language plpgsql stable security definer set search_path = ''
as $$
declare
  v_session text := auth.jwt() ->> 'session_id';
begin
  if v_session is null then
    return true;
  end if;
  if v_session !~ '^[0-9a-fA-F]{8}-([0-9a-fA-F]{4}-){3}[0-9a-fA-F]{12}$' then
    return false;
  end if;
  return exists (
    select 1 from auth.sessions s
     where s.id = v_session::uuid
       and (s.not_after is null or s.not_after > now())
  );
end;
$$;
comment on function private.session_is_live() is
  'False when the JWT''s session_id names an Auth session that no longer exists (signed out, ended by the database) or has expired; true without a session_id claim.';

create function private.current_membership(out organization_id uuid, out role public.member_role)
language plpgsql stable security definer set search_path = ''
as $$
declare
  v_claim text := auth.jwt() ->> 'organization_id';
begin
  -- a missing or malformed claim names no organization (and must not raise: every policy asks);
  -- a token whose Auth session has ended (signed out, revoked) names none either
  if v_claim is null
     or v_claim !~ '^[0-9a-fA-F]{8}-([0-9a-fA-F]{4}-){3}[0-9a-fA-F]{12}$'
     or not private.session_is_live() then
    return;
  end if;
  -- below the assurance level the person needs, they act in no clinic (two-factor sign-in, above)
  if not private.two_factor_satisfied() then
    return;
  end if;
  -- the live role, never the org_role claim (which may be stale)
  select m.organization_id, m.role
    into organization_id, role
    from public.memberships m
    join public.organizations o on o.id = m.organization_id
   where m.user_id = auth.uid()
     and m.organization_id = v_claim::uuid
     and m.status = 'active'
     and o.status = 'active';
end;
$$;
comment on function private.current_membership() is
  'The caller''s live membership in the JWT''s organization_id claim: (organization_id, role) when the caller still has an active membership in that active organization and the token has the assurance level the caller needs (two_factor_satisfied), else nulls. The one place the claim is read.';

create function private.current_org_id()
returns uuid
language plpgsql stable security definer set search_path = ''
as $$
begin
  return (private.current_membership()).organization_id;
end;
$$;
comment on function private.current_org_id() is
  'The JWT organization_id claim, if the caller still has an active membership in that active organization; else null.';

create function private.current_org_role()
returns public.member_role
language plpgsql stable security definer set search_path = ''
as $$
begin
  return (private.current_membership()).role;
end;
$$;
comment on function private.current_org_role() is
  'The caller''s live role in the JWT''s organization (null without an active membership in an active org).';

-- Role-restricted policies scope rows with ONE statement-level value:
-- `organization_id = (select private.current_org_id_for(private.<set>_roles()))` is the org id when
-- the caller's live membership has one of the roles, else null (no rows). One InitPlan, one index
-- condition, no per-row role filter (which the planner estimates like any `= ANY` filter and which
-- flipped ordered index scans into sort-everything plans), one membership lookup.
create function private.current_org_id_for(p_roles public.member_role[])
returns uuid
language plpgsql stable security definer set search_path = ''
as $$
declare
  v_membership record := private.current_membership();
begin
  return case when v_membership.role = any (p_roles) then v_membership.organization_id end;
end;
$$;
comment on function private.current_org_id_for(public.member_role[]) is
  'The JWT organization_id claim if the caller still has an active membership with one of p_roles in that active organization; else null. Policies compare organization_id with it (wrapped in select) so the role check is part of the one index condition.';

-- The authorization step every write RPC starts with: the clinic current_org_id_for(p_roles) admits,
-- or the refusal (42501, the message given) before the RPC looks at anything else.
create function private.require_org_for(p_roles public.member_role[], p_refusal text)
returns uuid
language plpgsql stable set search_path = ''
as $$
declare
  v_org uuid := private.current_org_id_for(p_roles);
begin
  if v_org is null then
    raise exception '%', p_refusal using errcode = '42501';
  end if;
  return v_org;
end;
$$;
comment on function private.require_org_for(public.member_role[], text) is
  'current_org_id_for(p_roles), or 42501 with the message p_refusal when the caller has none of the roles in a live active clinic. The first step of write RPCs.';

create function private.is_platform_admin()
returns boolean
language plpgsql stable security definer set search_path = ''
as $$
begin
  -- platform admins always need a second factor (two-factor sign-in, above)
  return private.has_aal2()
    and exists (select 1 from public.platform_admins pa where pa.user_id = auth.uid())
    and private.session_is_live();
end;
$$;
comment on function private.is_platform_admin() is
  'True when the caller is in platform_admins (checked live, not from the is_platform_admin claim), the token has aal2 and their Auth session is live.';

-- Role sets ---------------------------------------------------------------------------------------
-- Who may do what, named once. Every policy, trigger and definer function that depends on a role
-- asks one of these sets (never a role list of its own); src/lib/roles.ts mirrors them as ROLE_SETS
-- and tests/db/role-sets.test.ts fails when the two differ. docs/permissions.md is the matrix they
-- produce. Convention: private.<name>_roles(), no arguments, returning public.member_role[]; plpgsql
-- (a cached constant: a fraction of the cost of an SQL function with a pinned search_path). The
-- functions are created from this one list (name, roles, what the set may do: its comment).
do $$
declare
  v_set record;
begin
  for v_set in select * from (values
    ('admin',               '{admin}',                                        'run the clinic (staff, invitations, settings, branding, custom fields, audit trail, exports, billing). is_org_admin() asks it.'),
    ('care_team',           '{admin,doctor,nurse,receptionist}',              'register and edit patients; read, book, reschedule, start, complete and cancel visits and appointments (the diary).'),
    ('clinical_reader',     '{admin,doctor,nurse}',                           'read visit notes and vitals.'),
    ('clinician',           '{doctor,nurse}',                                 'write visit notes and vitals, order lab tests and change what was ordered.'),
    ('lab_reader',          '{admin,doctor,nurse,lab_technician}',            'read lab orders and results.'),
    ('lab_worker',          '{doctor,nurse,lab_technician}',                  'work lab orders (collect samples, cancel; those outside clinician_roles() cannot change what was ordered).'),
    ('lab_result',          '{doctor,lab_technician}',                        'record lab results.'),
    ('prescription_reader', '{admin,doctor,nurse,pharmacist}',                'read prescriptions.'),
    ('prescriber',          '{doctor}',                                       'prescribe, amend and stop prescriptions.'),
    ('dispenser',           '{pharmacist}',                                   'dispense prescriptions (record each fill: who, when, quantity).'),
    ('safety_reader',       '{admin,doctor,nurse,lab_technician,pharmacist}', 'read allergies and intolerances (and a recorded "no known allergies").'),
    ('allergy_writer',      '{doctor,nurse,pharmacist}',                      'record, correct and retire allergies; record or retract "no known allergies".'),
    ('problem_reader',      '{admin,doctor,nurse,pharmacist}',                'read the problem list (diagnoses).')
  ) as s (name, roles, purpose) loop
    execute format(
      E'create function private.%I()\nreturns public.member_role[]\nlanguage plpgsql\nstable\nset search_path = %L\nas $set$\nbegin\n  return %L::public.member_role[];\nend;\n$set$',
      v_set.name || '_roles', '', v_set.roles);
    execute format('comment on function private.%I() is %L', v_set.name || '_roles', 'Role set: ' || v_set.purpose);
  end loop;
end;
$$;

create function private.is_org_admin()
returns boolean
language plpgsql stable security definer set search_path = ''
as $$
begin
  return coalesce(private.current_org_role() = any (private.admin_roles()), false);
end;
$$;
comment on function private.is_org_admin() is
  'True when the caller''s live role in the JWT''s active organization is in admin_roles().';

revoke execute on function private.aal2_required(uuid) from public, anon, authenticated, service_role;
-- the custom access token hook reports it as a claim (20261124100200_create_access_token_hook.sql)
grant execute on function private.aal2_required(uuid) to supabase_auth_admin;
select private.grant_execute('{authenticated,service_role}', 'private.session_is_live()');

select private.grant_execute('{authenticated,service_role}',
  'private.has_aal2()',
  'private.two_factor_satisfied()',
  'private.current_membership()',
  'private.current_org_id()',
  'private.current_org_role()',
  'private.current_org_id_for(public.member_role[])',
  'private.require_org_for(public.member_role[], text)',
  'private.is_platform_admin()',
  'private.admin_roles()',
  'private.care_team_roles()',
  'private.clinical_reader_roles()',
  'private.clinician_roles()',
  'private.lab_reader_roles()',
  'private.lab_worker_roles()',
  'private.lab_result_roles()',
  'private.prescription_reader_roles()',
  'private.prescriber_roles()',
  'private.dispenser_roles()',
  'private.safety_reader_roles()',
  'private.allergy_writer_roles()',
  'private.problem_reader_roles()',
  'private.is_org_admin()');

-- The read scope: SELECT policies of the clinic tables compare organization_id with ONE scalar,
-- (select private.current_read_org_id()) or (select private.current_read_org_id_for(<set>)): the
-- caller's live membership org exactly as current_org_id()/current_org_id_for() compute it, and ONLY
-- for a caller without a live membership in the token's clinic, the org of their live support grant.
-- Writes never use it: INSERT/UPDATE/DELETE policies, RPCs and definer functions keep using
-- current_org_id()/current_org_id_for()/is_org_admin(), which ignore grants, so a support session
-- can write nothing.
create function private.active_support_grant()
returns public.support_access_grants
language plpgsql stable security definer set search_path = ''
as $$
declare
  v_grant public.support_access_grants;
begin
  if auth.uid() is null then
    return null;
  end if;
  select g.* into v_grant
    from public.support_access_grants g
    join public.organizations o on o.id = g.organization_id
   where g.platform_admin_id = auth.uid()
     and g.ended_at is null
     and g.starts_at <= now()
     and g.expires_at > now()
     and o.status = 'active'
     and private.is_platform_admin()
   order by g.starts_at desc
   limit 1;
  return v_grant;
end;
$$;
comment on function private.active_support_grant() is
  'The caller''s live support grant (not ended, not expired, active clinic, caller still a platform admin with an aal2 token), or a row of nulls.';

create function private.current_read_org_id_for(p_roles public.member_role[])
returns uuid
language plpgsql stable security definer set search_path = ''
as $$
declare
  v_membership record := private.current_membership();
begin
  if v_membership.organization_id is not null then
    -- a member reads as a member, never through a grant
    return case when p_roles is null or v_membership.role = any (p_roles) then v_membership.organization_id end;
  end if;
  return (private.active_support_grant()).organization_id;
end;
$$;
comment on function private.current_read_org_id_for(public.member_role[]) is
  'READ scope for SELECT policies: the live membership org when its role is in p_roles (null = any role), else, for a caller without a live membership in the token''s clinic, the org of their live support grant. Never used by write policies.';

create function private.current_read_org_id()
returns uuid
language plpgsql stable security definer set search_path = ''
as $$
begin
  return private.current_read_org_id_for(null);
end;
$$;
comment on function private.current_read_org_id() is
  'READ scope for SELECT policies: current_org_id(), or the live support grant''s org for a caller without a membership there.';

-- The standard access to a clinic table through the Data API, in one place. Migrations call it after
-- creating the table (RLS enabled) instead of writing grants and policies table by table. The table
-- is closed to anon and authenticated first (the platform's default privileges grant everything on
-- new public tables); then, for each operation given a role set <set> (private.<set>_roles()), the
-- operation is granted to authenticated (insert and update on the listed columns only) and one
-- permissive policy <table>_<operation>_<set> admits the rows of the clinic where the caller's live
-- role is in the set, by comparing organization_id with ONE wrapped helper value (an InitPlan: the
-- organization stays an index condition):
--   select   (select private.current_read_org_id_for(private.<set>_roles()))   the read scope
--   insert, update (using and with check), delete
--            (select private.current_org_id_for(private.<set>_roles()))        never a support grant
-- Operations without a role set get neither a grant nor a policy. Policies of any other shape
-- (own rows, platform admins) are written out where their table is created.
create function private.add_clinic_access(
  p_table regclass,
  select_by text default null,
  insert_by text default null,
  insert_columns text[] default null,
  update_by text default null,
  update_columns text[] default null,
  delete_by text default null
)
returns void
language plpgsql set search_path = ''
as $$
declare
  v_table text;
  v_op text;
  v_set text;
  v_columns text[];
  v_scope text;
  v_name text;
begin
  select c.relname into strict v_table from pg_catalog.pg_class c where c.oid = p_table;
  execute format('revoke all on table %s from anon, authenticated', p_table);
  foreach v_op in array array['select', 'insert', 'update', 'delete'] loop
    v_set := case v_op when 'select' then select_by when 'insert' then insert_by
                       when 'update' then update_by else delete_by end;
    continue when v_set is null;
    if to_regprocedure(format('private.%I()', v_set || '_roles')) is null then
      raise exception 'add_clinic_access(%): no role set private.%_roles()', v_table, v_set;
    end if;
    v_columns := case v_op when 'insert' then insert_columns when 'update' then update_columns end;
    execute format('grant %s %s on table %s to authenticated', v_op,
                   (select '(' || string_agg(quote_ident(c), ', ') || ')' from unnest(v_columns) c), p_table);
    v_scope := format('(organization_id = (select private.%s(private.%I())))',
                      case v_op when 'select' then 'current_read_org_id_for' else 'current_org_id_for' end,
                      v_set || '_roles');
    v_name := format('%s_%s_%s', v_table, v_op, v_set);
    execute format('create policy %I on %s for %s to authenticated %s', v_name, p_table, v_op,
                   case v_op when 'insert' then 'with check ' || v_scope
                             when 'update' then 'using ' || v_scope || ' with check ' || v_scope
                             else 'using ' || v_scope end);
    execute format('comment on policy %I on %s is %L', v_name, p_table,
                   case v_op
                     when 'select' then format('Rows of the clinic the caller reads (live membership with a role in private.%s_roles(), or a live support grant).', v_set)
                     else format('Rows of the caller''s active clinic, %s by its members with a role in private.%s_roles().',
                                 case v_op when 'insert' then 'inserted' when 'update' then 'updated' else 'deleted' end, v_set)
                   end);
  end loop;
end;
$$;
comment on function private.add_clinic_access(regclass, text, text, text[], text, text[], text) is
  'Migrations only: revokes a clinic table from the API roles, then grants each operation given a role set to authenticated with its policy <table>_<operation>_<set> (organization_id compared with one wrapped current_(read_)org_id_for value).';
revoke execute on function private.add_clinic_access(regclass, text, text, text[], text, text[], text) from public, anon, authenticated, service_role;

create function private.current_read_org_member_ids()
returns uuid[]
language plpgsql stable security definer set search_path = ''
as $$
declare
  v_org_id uuid := private.current_read_org_id();
begin
  if v_org_id is null then
    return '{}'::uuid[];
  end if;
  return array(select m.user_id from public.memberships m where m.organization_id = v_org_id);
end;
$$;
comment on function private.current_read_org_member_ids() is
  'User ids of everyone with a membership in the caller''s READ org (membership or support grant): profiles a support session may see.';

select private.grant_execute('{authenticated,service_role}',
  'private.active_support_grant()',
  'private.current_read_org_id_for(public.member_role[])',
  'private.current_read_org_id()',
  'private.current_read_org_member_ids()');

-- Privileges and policies -------------------------------------------------------------------------
-- Who may do what on the tenancy tables. Privileges first (what a role can touch at all, column by
-- column where a column must never change), then one policy per operation and role.
-- anon gets nothing: pre-login branding goes through public.get_branding().
-- Platform operations (create/suspend clinics, plans, domains, platform admins) use the service
-- role from the server after it has verified the caller is a platform admin.

-- plans ---------------------------------------------------------------------------------------------
grant select on table public.plans to authenticated;

-- Any signed-in person may read the plan catalogue (names, limits, prices); nobody writes via the API.
create policy plans_select on public.plans
  for select to authenticated
  using (true);

-- organizations -------------------------------------------------------------------------------------
grant select on table public.organizations to authenticated;
-- clinic admins edit their branding and time zone; slug, type, status, suspended_reason and plan_id are platform-only
grant update (name, theme_color, logo_path, sign_in_message, time_zone) on table public.organizations to authenticated;

-- Members see their live active organization; platform admins see every organization.
create policy organizations_select on public.organizations
  for select to authenticated
  using (
    id = (select private.current_org_id())
    or (select private.is_platform_admin())
  );

-- Admins of the live active organization update its settings (columns limited by the grant above).
create policy organizations_update_admin on public.organizations
  for update to authenticated
  using (id = (select private.current_org_id()) and (select private.is_org_admin()))
  with check (id = (select private.current_org_id()) and (select private.is_org_admin()));

-- organization_domains ------------------------------------------------------------------------------
grant select on table public.organization_domains to authenticated;

-- Members see their organization's custom domains; platform admins see all. Writes: service role.
create policy organization_domains_select on public.organization_domains
  for select to authenticated
  using (
    organization_id = (select private.current_org_id())
    or (select private.is_platform_admin())
  );

-- profiles ------------------------------------------------------------------------------------------
grant select on table public.profiles to authenticated;
-- email mirrors auth.users; active_organization_id changes only through switch_organization()
grant update (full_name, phone, avatar_path) on table public.profiles to authenticated;

-- Everyone sees their own profile and the profiles of colleagues in their live active organization
-- (a support session: the members of the clinic it reads).
create policy profiles_select on public.profiles
  for select to authenticated
  using (id = (select auth.uid()) or id = any ((select private.current_read_org_member_ids())::uuid[]));

-- People edit only their own profile (name, phone, avatar).
create policy profiles_update_own on public.profiles
  for update to authenticated
  using (id = (select auth.uid()))
  with check (id = (select auth.uid()));

-- memberships ---------------------------------------------------------------------------------------
-- No insert: people join a clinic only by accepting an invitation sent to them (possession of the
-- e-mail), never because an admin named their user id (that would also let any admin read anyone's
-- profile, and tell which user ids exist).
grant select, delete on table public.memberships to authenticated;
-- organization_id and user_id never change (also enforced for every role by a trigger)
grant update (role, status) on table public.memberships to authenticated;

-- Members see the memberships of their live active organization (a support session: of the clinic
-- it reads); everyone sees their own memberships in any organization.
create policy memberships_select on public.memberships
  for select to authenticated
  using (organization_id = (select private.current_read_org_id()) or user_id = (select auth.uid()));

-- Admins of the live active organization change roles and statuses in that organization only
-- (never their own: see the membership guards).
create policy memberships_update_admin on public.memberships
  for update to authenticated
  using (organization_id = (select private.current_org_id()) and (select private.is_org_admin()))
  with check (organization_id = (select private.current_org_id()) and (select private.is_org_admin()));

-- Admins of the live active organization delete memberships of that organization only.
create policy memberships_delete_admin on public.memberships
  for delete to authenticated
  using (organization_id = (select private.current_org_id()) and (select private.is_org_admin()));

-- platform_admins -----------------------------------------------------------------------------------
grant select on table public.platform_admins to authenticated;

-- Platform admins (live, with a live session) see the whole list, their own row included; nobody
-- else sees any row.
create policy platform_admins_select on public.platform_admins
  for select to authenticated
  using ((select private.is_platform_admin()));

-- The custom access token hook runs as supabase_auth_admin ----------------------------------------
grant usage on schema public to supabase_auth_admin;
grant select on table
  public.organizations, public.memberships, public.profiles, public.platform_admins
to supabase_auth_admin;

-- Auth reads organizations to omit claims for suspended clinics.
create policy organizations_select_auth_admin on public.organizations
  for select to supabase_auth_admin
  using (true);

-- Auth reads memberships to put the active membership's org and role in the token.
create policy memberships_select_auth_admin on public.memberships
  for select to supabase_auth_admin
  using (true);

-- Auth reads profiles for the person's active organization.
create policy profiles_select_auth_admin on public.profiles
  for select to supabase_auth_admin
  using (true);

-- Auth reads platform_admins to add the is_platform_admin claim.
create policy platform_admins_select_auth_admin on public.platform_admins
  for select to supabase_auth_admin
  using (true);

revoke all on table public.support_access_grants from anon, authenticated;
grant select on table public.support_access_grants to authenticated;

-- Platform admins see every support access (oversight); nobody writes through the API.
create policy support_access_grants_select_platform on public.support_access_grants
  for select to authenticated
  using ((select private.is_platform_admin()));

-- Membership rules -----------------------------------------------------------------------------------
-- Rules on memberships that policies cannot express:
--   1. a row never moves to another organization or person (for every role, service role included);
--   2. nobody changes, suspends or deletes their own membership through the API (so nobody can raise
--      their own role, and an admin cannot lock a clinic out by accident);
--   3. an organization that has an active admin always keeps at least one.

-- 1. a row never moves to another organization or person: memberships_forbid_moves (with the table)

-- 2. Not security definer on purpose: current_user is the API role for direct requests, while
--    trusted security definer functions (which check the caller themselves, e.g. accepting an
--    invitation) run as their owner and are not blocked.
create function private.guard_own_membership()
returns trigger
language plpgsql set search_path = ''
as $$
begin
  if current_user in ('anon', 'authenticated') and old.user_id = (select auth.uid()) then
    if tg_op = 'DELETE' then
      raise exception 'You cannot remove your own membership'
        using errcode = '42501', hint = 'Ask another admin of the organization.';
    elsif new.role is distinct from old.role or new.status is distinct from old.status then
      raise exception 'You cannot change your own role or membership status'
        using errcode = '42501', hint = 'Ask another admin of the organization.';
    end if;
  end if;
  if tg_op = 'DELETE' then
    return old;
  end if;
  return new;
end;
$$;
comment on function private.guard_own_membership() is
  'Trigger: API callers cannot update or delete their own membership (no self-promotion, no self-lockout).';
select private.add_trigger('memberships_guard_own', 'before update or delete', 'public.memberships', 'private.guard_own_membership()');

-- 3. Security definer so the count is never narrowed by the caller's RLS view. Deferrable: a
--    transaction may swap admins with `set constraints memberships_keep_one_admin deferred`.
create function private.ensure_organization_keeps_admin()
returns trigger
language plpgsql security definer set search_path = ''
as $$
begin
  if old.role = any (private.admin_roles()) and old.status = 'active'
     and (tg_op = 'DELETE' or not (new.role = any (private.admin_roles())) or new.status <> 'active')
     -- the organization itself being deleted takes its memberships with it
     and exists (select 1 from public.organizations o where o.id = old.organization_id)
     and not exists (
       select 1 from public.memberships m
        where m.organization_id = old.organization_id
          and m.role = any (private.admin_roles())
          and m.status = 'active'
     ) then
    raise exception 'An organization must keep at least one active admin'
      using errcode = '23514',
            hint = 'Make someone else an admin first.';
  end if;
  return null;
end;
$$;
comment on function private.ensure_organization_keeps_admin() is
  'Constraint trigger: refuses removing, demoting or deactivating the last active admin (a role in admin_roles()) of an organization.';
revoke execute on function private.ensure_organization_keeps_admin() from public, anon, authenticated;

create constraint trigger memberships_keep_one_admin
  after update or delete on public.memberships
  deferrable initially immediate
  for each row execute function private.ensure_organization_keeps_admin();

-- 4. People left without a clinic are signed out everywhere at once. Access through the API already
--    ends with the membership (policies check it live), but Auth would keep refreshing their tokens.
--    So when a membership stops being active (removed, suspended, deleted) or a clinic is suspended,
--    everyone affected who has no other active membership in an active clinic (and is not a
--    platform admin) loses their Auth sessions: their rows in auth.sessions are deleted (refresh
--    tokens go with them through Auth's foreign key), as Auth's own admin sign-out does, and the
--    access tokens already issued stop opening anything (private.session_is_live). Someone still
--    working at another clinic keeps the session; the removed clinic's pages send them away.
--    Hosted Supabase lets `postgres`, which owns this definer function, delete from auth.sessions
--    (docs/local-runtime.md, "What postgres may do in auth and storage").
create function private.end_sessions_without_clinic(p_user_ids uuid[])
returns void
language plpgsql volatile security definer set search_path = ''
as $$
begin
  delete from auth.sessions s
   where s.user_id = any (p_user_ids)
     and not exists (
       select 1 from public.memberships m
         join public.organizations o on o.id = m.organization_id
        where m.user_id = s.user_id and m.status = 'active' and o.status = 'active'
     )
     and not exists (select 1 from public.platform_admins pa where pa.user_id = s.user_id);
end;
$$;
comment on function private.end_sessions_without_clinic(uuid[]) is
  'Deletes the Auth sessions (and so the refresh tokens) of those of these people who have no active membership in an active clinic and are not platform admins.';
revoke execute on function private.end_sessions_without_clinic(uuid[]) from public, anon, authenticated;

create function private.end_sessions_after_membership_change()
returns trigger
language plpgsql security definer set search_path = ''
as $$
begin
  perform private.end_sessions_without_clinic(array[old.user_id]);
  return null;
end;
$$;
comment on function private.end_sessions_after_membership_change() is
  'Trigger (after a membership stops being active or is deleted): ends the person''s Auth sessions when no other clinic is left.';
select private.add_trigger('memberships_end_sessions_on_leave', 'after update of status', 'public.memberships', 'private.end_sessions_after_membership_change()', condition =>$$old.status = 'active' and new.status <> 'active'$$);
select private.add_trigger('memberships_end_sessions_on_delete', 'after delete', 'public.memberships', 'private.end_sessions_after_membership_change()', condition => $$old.status = 'active'$$);

create function private.end_sessions_after_suspension()
returns trigger
language plpgsql security definer set search_path = ''
as $$
begin
  perform private.end_sessions_without_clinic(array(
    select m.user_id from public.memberships m
     where m.organization_id = new.id and m.status = 'active'
  ));
  return null;
end;
$$;
comment on function private.end_sessions_after_suspension() is
  'Trigger (after a clinic stops being active): ends the Auth sessions of its members who have no other active clinic.';
select private.add_trigger('organizations_end_sessions_on_suspension', 'after update of status', 'public.organizations', 'private.end_sessions_after_suspension()', condition =>$$old.status = 'active' and new.status <> 'active'$$);
