-- Tenancy schema: plans, organizations (clinics), their custom domains, profiles, memberships and
-- platform admins. Every table gets RLS in this migration; the API roles get no privileges here:
-- 20261124100400_create_tenancy_policies.sql grants exactly what each role may do, with policies.
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

create trigger plans_set_timestamps
  before insert or update on public.plans
  for each row execute function private.set_timestamps();

-- Reference data every environment needs (organizations default to 'starter').
insert into public.plans (id, name, seat_limit, patient_limit, monthly_price_cents)
values
  ('starter', 'Starter', 5, 1000, 0),
  ('clinic', 'Clinic', 25, 20000, 4900),
  ('hospital', 'Hospital', null, null, 29900)
on conflict (id) do nothing;

-- Organizations ------------------------------------------------------------------------------------
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
  created_at timestamptz not null default now(),
  updated_at timestamptz not null default now(),
  constraint organizations_slug_key unique (slug),
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
  -- logos live in the branding bucket under the organization's own folder
  constraint organizations_logo_path_format check (
    logo_path is null
    or (logo_path ~ '^[0-9a-f-]{36}/[A-Za-z0-9_-][A-Za-z0-9._-]{0,127}$'
        and split_part(logo_path, '/', 1) = id::text
        and logo_path !~ '\.\.')
  ),
  constraint organizations_suspended_reason_only_when_suspended check (
    status = 'suspended' or suspended_reason is null
  )
);
comment on table public.organizations is
  'Tenants: one clinic or hospital each. slug is its subdomain. Clinic admins edit name, theme_color, logo_path and sign_in_message; slug, type, status and plan are platform-only.';
alter table public.organizations enable row level security;

create unique index organizations_plan_id_id_key on public.organizations (plan_id, id);

create trigger organizations_set_timestamps
  before insert or update on public.organizations
  for each row execute function private.set_timestamps();

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

create or replace function private.normalize_organization_domain()
returns trigger
language plpgsql
set search_path = ''
as $$
begin
  -- hosts are case-insensitive; a trailing dot names the same host
  new.domain := rtrim(lower(btrim(new.domain)), '.');
  return new;
end;
$$;
comment on function private.normalize_organization_domain() is
  'Trigger: stores custom domains trimmed, lower-case and without a trailing dot.';
revoke execute on function private.normalize_organization_domain() from public, anon, authenticated;

create trigger organization_domains_normalize
  before insert or update of domain on public.organization_domains
  for each row execute function private.normalize_organization_domain();

create trigger organization_domains_set_timestamps
  before insert or update on public.organization_domains
  for each row execute function private.set_timestamps();

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

create trigger profiles_set_timestamps
  before insert or update on public.profiles
  for each row execute function private.set_timestamps();

-- Profile rows follow auth.users. raw_user_meta_data is user-editable: it may seed the display
-- name and nothing else (never a role, an organization or any permission).
create or replace function private.handle_new_auth_user()
returns trigger
language plpgsql
security definer
set search_path = ''
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
revoke execute on function private.handle_new_auth_user() from public, anon, authenticated;

create or replace function private.sync_auth_user_email()
returns trigger
language plpgsql
security definer
set search_path = ''
as $$
begin
  update public.profiles set email = new.email where id = new.id;
  return new;
end;
$$;
comment on function private.sync_auth_user_email() is
  'Trigger on auth.users email change: mirrors the confirmed email into profiles.email.';
revoke execute on function private.sync_auth_user_email() from public, anon, authenticated;

create trigger on_auth_user_created
  after insert on auth.users
  for each row execute function private.handle_new_auth_user();

create trigger on_auth_user_email_changed
  after update of email on auth.users
  for each row when (old.email is distinct from new.email)
  execute function private.sync_auth_user_email();

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

create trigger memberships_set_timestamps
  before insert or update on public.memberships
  for each row execute function private.set_timestamps();

-- Platform admins -----------------------------------------------------------------------------------
create table public.platform_admins (
  user_id uuid primary key references auth.users (id) on delete cascade,
  created_at timestamptz not null default now(),
  updated_at timestamptz not null default now()
);
comment on table public.platform_admins is
  'People who operate the platform (create and suspend clinics, change plans). Managed with the service role only.';
alter table public.platform_admins enable row level security;

create trigger platform_admins_set_timestamps
  before insert or update on public.platform_admins
  for each row execute function private.set_timestamps();

-- No API role gets anything until the policies migration grants it explicitly.
revoke all on table
  public.plans, public.organizations, public.organization_domains, public.profiles,
  public.memberships, public.platform_admins
from anon, authenticated;
