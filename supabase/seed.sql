-- Demo data for local development and tests: two clinics with distinct branding, staff of every
-- role in each, one person working at both, and a platform admin. Every login uses the password
-- `Demo-password-1` (see docs/demo-logins.md). Safe to run more than once.

-- Clinics -------------------------------------------------------------------------------------------
insert into public.organizations (id, slug, name, type, theme_color, sign_in_message, plan_id)
values
  ('a0a0a0a0-0000-4000-8000-000000000001', 'clinic-a', 'Riverside Family Clinic', 'clinic',
   '#0f766e', 'Welcome to Riverside Family Clinic. Staff sign in with their clinic email.', 'clinic'),
  ('b0b0b0b0-0000-4000-8000-000000000002', 'city-hospital', 'City General Hospital', 'hospital',
   '#4338ca', 'City General Hospital staff portal. Authorised personnel only.', 'hospital')
on conflict (id) do update
  set slug = excluded.slug,
      name = excluded.name,
      type = excluded.type,
      theme_color = excluded.theme_color,
      sign_in_message = excluded.sign_in_message,
      plan_id = excluded.plan_id;

-- People --------------------------------------------------------------------------------------------
create temporary table demo_people (
  id uuid primary key,
  email text not null,
  full_name text not null,
  active_organization_id uuid
);

insert into demo_people (id, email, full_name, active_organization_id)
values
  ('00000000-0000-4000-8000-00000000a001', 'admin@clinic-a.test', 'Amira Haddad', 'a0a0a0a0-0000-4000-8000-000000000001'),
  ('00000000-0000-4000-8000-00000000a002', 'doctor@clinic-a.test', 'Dr. Maya Chen', 'a0a0a0a0-0000-4000-8000-000000000001'),
  ('00000000-0000-4000-8000-00000000a003', 'nurse@clinic-a.test', 'Tom Okafor', 'a0a0a0a0-0000-4000-8000-000000000001'),
  ('00000000-0000-4000-8000-00000000a004', 'reception@clinic-a.test', 'Lucia Romero', 'a0a0a0a0-0000-4000-8000-000000000001'),
  ('00000000-0000-4000-8000-00000000a005', 'lab@clinic-a.test', 'Ken Watanabe', 'a0a0a0a0-0000-4000-8000-000000000001'),
  ('00000000-0000-4000-8000-00000000a006', 'pharmacist@clinic-a.test', 'Priya Nair', 'a0a0a0a0-0000-4000-8000-000000000001'),
  ('00000000-0000-4000-8000-00000000b001', 'admin@city-hospital.test', 'Daniel Mensah', 'b0b0b0b0-0000-4000-8000-000000000002'),
  ('00000000-0000-4000-8000-00000000b002', 'doctor@city-hospital.test', 'Dr. Sofia Rossi', 'b0b0b0b0-0000-4000-8000-000000000002'),
  ('00000000-0000-4000-8000-00000000b003', 'nurse@city-hospital.test', 'Aisha Bello', 'b0b0b0b0-0000-4000-8000-000000000002'),
  ('00000000-0000-4000-8000-00000000b004', 'reception@city-hospital.test', 'Marco Silva', 'b0b0b0b0-0000-4000-8000-000000000002'),
  ('00000000-0000-4000-8000-00000000b005', 'lab@city-hospital.test', 'Hana Kim', 'b0b0b0b0-0000-4000-8000-000000000002'),
  ('00000000-0000-4000-8000-00000000b006', 'pharmacist@city-hospital.test', 'Omar Farouk', 'b0b0b0b0-0000-4000-8000-000000000002'),
  ('00000000-0000-4000-8000-00000000c001', 'both@demo.test', 'Dr. Jordan Lee', 'a0a0a0a0-0000-4000-8000-000000000001'),
  ('00000000-0000-4000-8000-00000000d001', 'platform@demo.test', 'Pat Morgan', null);

-- Auth users as GoTrue stores them (the profile is created by the on_auth_user_created trigger)
insert into auth.users (
  id, instance_id, aud, role, email, encrypted_password, email_confirmed_at,
  raw_app_meta_data, raw_user_meta_data, created_at, updated_at,
  confirmation_token, recovery_token, email_change_token_new, email_change
)
select
  p.id, '00000000-0000-0000-0000-000000000000', 'authenticated', 'authenticated', p.email,
  extensions.crypt('Demo-password-1', extensions.gen_salt('bf')), now(),
  '{"provider":"email","providers":["email"]}'::jsonb, '{}'::jsonb, now(), now(),
  '', '', '', ''
from demo_people p
on conflict (id) do nothing;

insert into auth.identities (provider_id, user_id, identity_data, provider, last_sign_in_at, created_at, updated_at)
select
  p.id::text, p.id,
  jsonb_build_object('sub', p.id::text, 'email', p.email, 'email_verified', true),
  'email', now(), now(), now()
from demo_people p
on conflict (provider_id, provider) do nothing;

update public.profiles pr
   set full_name = p.full_name,
       active_organization_id = p.active_organization_id
  from demo_people p
 where pr.id = p.id;

-- Memberships ---------------------------------------------------------------------------------------
insert into public.memberships (organization_id, user_id, role, status)
values
  ('a0a0a0a0-0000-4000-8000-000000000001', '00000000-0000-4000-8000-00000000a001', 'admin', 'active'),
  ('a0a0a0a0-0000-4000-8000-000000000001', '00000000-0000-4000-8000-00000000a002', 'doctor', 'active'),
  ('a0a0a0a0-0000-4000-8000-000000000001', '00000000-0000-4000-8000-00000000a003', 'nurse', 'active'),
  ('a0a0a0a0-0000-4000-8000-000000000001', '00000000-0000-4000-8000-00000000a004', 'receptionist', 'active'),
  ('a0a0a0a0-0000-4000-8000-000000000001', '00000000-0000-4000-8000-00000000a005', 'lab_technician', 'active'),
  ('a0a0a0a0-0000-4000-8000-000000000001', '00000000-0000-4000-8000-00000000a006', 'pharmacist', 'active'),
  ('b0b0b0b0-0000-4000-8000-000000000002', '00000000-0000-4000-8000-00000000b001', 'admin', 'active'),
  ('b0b0b0b0-0000-4000-8000-000000000002', '00000000-0000-4000-8000-00000000b002', 'doctor', 'active'),
  ('b0b0b0b0-0000-4000-8000-000000000002', '00000000-0000-4000-8000-00000000b003', 'nurse', 'active'),
  ('b0b0b0b0-0000-4000-8000-000000000002', '00000000-0000-4000-8000-00000000b004', 'receptionist', 'active'),
  ('b0b0b0b0-0000-4000-8000-000000000002', '00000000-0000-4000-8000-00000000b005', 'lab_technician', 'active'),
  ('b0b0b0b0-0000-4000-8000-000000000002', '00000000-0000-4000-8000-00000000b006', 'pharmacist', 'active'),
  -- Jordan Lee: doctor at Riverside, admin at City General (switch clinics to see both roles)
  ('a0a0a0a0-0000-4000-8000-000000000001', '00000000-0000-4000-8000-00000000c001', 'doctor', 'active'),
  ('b0b0b0b0-0000-4000-8000-000000000002', '00000000-0000-4000-8000-00000000c001', 'admin', 'active')
on conflict (organization_id, user_id) do nothing;

-- Platform admin ------------------------------------------------------------------------------------
insert into public.platform_admins (user_id)
values ('00000000-0000-4000-8000-00000000d001')
on conflict (user_id) do nothing;

drop table demo_people;
