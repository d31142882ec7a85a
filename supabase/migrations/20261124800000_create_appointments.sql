-- The clinic's diary: appointments of a patient with a clinician (issue 15).
--
-- * An appointment belongs to a clinic, a patient of that clinic (composite reference, like every
--   clinical table) and a clinician: an ACTIVE member of the clinic with a role in clinician_roles()
--   when booked or moved (trigger; staff who leave keep their past appointments).
-- * Stored as timestamptz (starts_at, ends_at); the portal shows and reads them in the clinic's time
--   zone (organizations.time_zone).
-- * Never double-booked: an exclusion constraint (btree_gist) refuses two live appointments of one
--   clinician whose [starts_at, ends_at) ranges overlap, whoever writes and however concurrently
--   (the second writer waits for the first and then fails with 23P01). Cancelled and no-show
--   appointments free their slot.
-- * Status: booked → arrived → in_progress → completed; booked | arrived → cancelled (with a reason)
--   or no_show; arrived → booked (arrival undone). in_progress and completed follow the visit started
--   from the appointment (visits.appointment_id): the API cannot set them directly.
-- * Who: the care team (care_team_roles(): admin, doctor, nurse, receptionist) reads, books, moves,
--   cancels and marks arrivals of their clinic; a support session reads. No deletes (cancel instead).
-- * Authorization first: appointments_00_authorize (private.authorize_row_write()) fires before every
--   other BEFORE INSERT trigger and refuses callers the INSERT policy does not admit with RLS's own
--   error, so the clinician check, the status rules and the exclusion constraint are reached only by
--   the clinic's care team, and an outsider's error for another clinic equals the error for a clinic
--   that does not exist. Updates only reach rows the UPDATE policy's USING admitted. Clients never
--   choose an appointment's id.
-- Also here: the link from a visit to its appointment, and the audit of a clinic's time zone.

create extension if not exists btree_gist with schema extensions;

create type public.appointment_status as enum (
  'booked', 'arrived', 'in_progress', 'completed', 'cancelled', 'no_show'
);
comment on type public.appointment_status is
  'booked → arrived → in_progress (its visit started) → completed; booked | arrived → cancelled (reason) | no_show; arrived → booked. completed, cancelled and no_show are final.';

-- Appointments ----------------------------------------------------------------------------------------
create table public.appointments (
  id uuid primary key default gen_random_uuid(),
  organization_id uuid not null default private.current_org_id()
    references public.organizations (id) on delete cascade,
  patient_id uuid not null,
  clinician_id uuid not null references public.profiles (id),
  starts_at timestamptz not null,
  ends_at timestamptz not null,
  appointment_type text not null check (char_length(btrim(appointment_type)) between 1 and 80),
  reason text check (char_length(reason) <= 500),
  status public.appointment_status not null default 'booked',
  cancel_reason text check (char_length(cancel_reason) <= 500),
  arrived_at timestamptz,
  created_by uuid default auth.uid() references public.profiles (id),
  created_at timestamptz not null default now(),
  updated_at timestamptz not null default now(),
  constraint appointments_organization_id_id_key unique (organization_id, id),
  constraint appointments_patient_fkey foreign key (organization_id, patient_id)
    references public.patients (organization_id, id) on delete cascade,
  constraint appointments_ends_after_starts check (ends_at > starts_at),
  constraint appointments_at_most_12_hours check (ends_at - starts_at <= interval '12 hours'),
  constraint appointments_starts_at_plausible check (starts_at between '2000-01-01' and '2200-01-01'),
  constraint appointments_cancel_reason_when_cancelled check (
    (status = 'cancelled') = (cancel_reason is not null and btrim(cancel_reason) <> '')
  ),
  -- no two live appointments of one clinician overlap (half-open ranges: back-to-back is fine)
  constraint appointments_no_double_booking exclude using gist (
    organization_id with =,
    clinician_id with =,
    tstzrange(starts_at, ends_at, '[)') with &&
  ) where (status not in ('cancelled', 'no_show'))
);
comment on table public.appointments is
  'The clinic''s diary: a patient booked with a clinician (doctor or nurse of the clinic) from starts_at to ends_at, never overlapping another live appointment of the same clinician (exclusion constraint appointments_no_double_booking). Cancelled or marked no-show rather than deleted.';
comment on column public.appointments.appointment_type is
  'What the appointment is for, as the clinic names it (e.g. Consultation, Follow-up, Vaccination).';
comment on column public.appointments.arrived_at is 'When the patient was marked arrived (set by trigger).';
alter table public.appointments enable row level security;

-- the diary's day and week: one index range per clinic and period
create index appointments_organization_id_starts_at_idx on public.appointments (organization_id, starts_at);
create index appointments_organization_id_patient_id_starts_at_idx
  on public.appointments (organization_id, patient_id, starts_at desc);
create index appointments_clinician_id_idx on public.appointments (clinician_id);
create index appointments_created_by_idx on public.appointments (created_by);

-- appointments_00_authorize fires first (triggers fire in name order): outsiders get RLS's refusal
-- before any check below; every change lands in the clinic's audit trail (appointments_audit)
select private.add_row_triggers('public.appointments', authorize => true, caller => '{created_by}',
  frozen => '{organization_id,patient_id,created_by}', audit => '{}');

-- Whether p_user may be booked at p_org: an active member with a role in clinician_roles(). Security
-- definer so the lookup is not narrowed by the caller's view of memberships.
create function private.is_bookable_clinician(p_org uuid, p_user uuid)
returns boolean
language plpgsql stable security definer set search_path = ''
as $$
begin
  return exists (
    select 1 from public.memberships m
     where m.organization_id = p_org
       and m.user_id = p_user
       and m.status = 'active'
       and m.role = any (private.clinician_roles())
  );
end;
$$;
comment on function private.is_bookable_clinician(uuid, uuid) is
  'True when p_user is an active member of p_org with a role in clinician_roles() (who can be booked in the diary).';
select private.grant_execute('{authenticated,service_role}', 'private.is_bookable_clinician(uuid, uuid)');

-- Before insert or update, after appointments_00_authorize: on insert only callers the policy admits
-- for this clinic get here; on update only rows the policy's USING admitted. Runs as the caller
-- (current_user tells API callers from the owner and the definer functions below, which move
-- appointments along with their visit).
create function private.guard_appointment()
returns trigger
language plpgsql set search_path = ''
as $$
declare
  v_api boolean := current_user in ('anon', 'authenticated');
begin
  if tg_op = 'INSERT' then
    if new.status <> 'booked' then
      raise exception 'appointments: a new appointment is booked' using errcode = '23514', detail = 'status';
    end if;
  else
    if old.status in ('completed', 'cancelled', 'no_show') then
      raise exception 'appointments: a % appointment cannot be changed', replace(old.status::text, '_', '-')
        using errcode = '23514', detail = 'status', hint = 'Book a new appointment instead.';
    end if;
    if new.status is distinct from old.status and not (
      (old.status = 'booked' and new.status in ('arrived', 'cancelled', 'no_show'))
      or (old.status = 'arrived' and new.status in ('booked', 'cancelled', 'no_show'))
      or (not v_api and old.status in ('booked', 'arrived') and new.status = 'in_progress')
      or (not v_api and old.status = 'in_progress' and new.status in ('completed', 'cancelled'))
    ) then
      raise exception 'appointments: status cannot change from % to %', old.status, new.status
        using errcode = '23514', detail = 'status',
              hint = case when new.status in ('in_progress', 'completed')
                          then 'Start the visit from the appointment; its visit moves it along.' end;
    end if;
    if (new.starts_at, new.ends_at, new.clinician_id) is distinct from (old.starts_at, old.ends_at, old.clinician_id)
       and old.status <> 'booked' then
      raise exception 'appointments: only a booked appointment can be moved' using errcode = '23514', detail = 'starts_at';
    end if;
  end if;

  if new.status = 'cancelled' then
    if new.cancel_reason is null or btrim(new.cancel_reason) = '' then
      raise exception 'appointments: a cancel reason is required' using errcode = '23514', detail = 'cancel_reason';
    end if;
  elsif new.cancel_reason is not null then
    raise exception 'appointments: only a cancelled appointment has a cancel reason'
      using errcode = '23514', detail = 'cancel_reason';
  end if;

  if new.status = 'booked' then
    new.arrived_at := null;
  elsif tg_op = 'UPDATE' and old.arrived_at is not null then
    new.arrived_at := old.arrived_at;
  elsif new.status in ('arrived', 'in_progress', 'completed') then
    new.arrived_at := now();
  else
    new.arrived_at := null;
  end if;

  if (tg_op = 'INSERT' or new.clinician_id is distinct from old.clinician_id)
     and not private.is_bookable_clinician(new.organization_id, new.clinician_id) then
    raise exception 'appointments: the clinician must be a doctor or nurse of this clinic'
      using errcode = '23503', detail = 'clinician_id', hint = 'Choose a clinician of this clinic.';
  end if;

  -- Bookings and moves of one clinician queue here, one transaction at a time, rather than meeting
  -- inside the exclusion constraint: two overlapping inserts in progress at once can each wait for
  -- the other there (deadlock, 40P01, which the Data API answers with a 500). Queued, the second
  -- sees the first's committed row and gets 23P01 (or books, when they do not overlap).
  if tg_op = 'INSERT'
     or (new.starts_at, new.ends_at, new.clinician_id) is distinct from (old.starts_at, old.ends_at, old.clinician_id) then
    perform pg_catalog.pg_advisory_xact_lock(pg_catalog.hashtextextended(
      'appointments:' || new.organization_id::text || ':' || new.clinician_id::text, 0));
  end if;
  return new;
end;
$$;
comment on function private.guard_appointment() is
  'Trigger (after appointments_00_authorize): a new appointment is booked by the caller; status moves booked → arrived | cancelled | no_show, arrived → booked | cancelled | no_show, in_progress/completed only with the visit; final states frozen; only booked appointments move; cancel reason exactly when cancelled; arrived_at; the clinician is an active doctor or nurse of the clinic; bookings and moves of one clinician are serialized (advisory lock) so concurrent clashes answer 23P01, never a deadlock.';
select private.add_trigger('appointments_guard', 'before insert or update', 'public.appointments', 'private.guard_appointment()');

-- Privileges and policies -----------------------------------------------------------------------------
-- Admins, doctors, nurses and receptionists see their clinic's diary (a support session: read-only),
-- book appointments in their clinic for any clinician, move and cancel them and mark arrivals and
-- no-shows; nobody deletes one (cancelled instead).
select private.add_clinic_access('public.appointments',
  select_by => 'care_team',
  insert_by => 'care_team', insert_columns => '{organization_id,patient_id,clinician_id,starts_at,ends_at,appointment_type,reason}',
  update_by => 'care_team', update_columns => '{clinician_id,starts_at,ends_at,appointment_type,reason,status,cancel_reason}');

-- From appointment to visit ---------------------------------------------------------------------------
-- A visit started from an appointment records it (one visit per appointment). The visit's patient
-- must be the appointment's; its clinician and time are the appointment's (never the person who
-- clicked); it starts in progress, and so does the appointment. The visit's completion or
-- cancellation completes or cancels the appointment.
alter table public.visits
  add column appointment_id uuid,
  add constraint visits_organization_id_appointment_id_key unique (organization_id, appointment_id),
  add constraint visits_appointment_fkey foreign key (organization_id, appointment_id)
    references public.appointments (organization_id, id) on delete set null (appointment_id);
comment on column public.visits.appointment_id is
  'The diary appointment this visit was started from (at most one visit per appointment); set on insert only.';
grant insert (appointment_id) on table public.visits to authenticated;

-- Before insert of a visit with an appointment, after visits_00_authorize (callers the visits
-- policies do not admit got RLS's refusal there). Runs as the caller: the appointment is read (and
-- locked, so two clicks start one visit) under the caller's RLS, in the visit's clinic only, so
-- another clinic's appointment id is "not in this clinic" exactly like a missing one.
create function private.visit_from_appointment()
returns trigger
language plpgsql set search_path = ''
as $$
declare
  v_appointment public.appointments;
begin
  select a.* into v_appointment
    from public.appointments a
   where a.organization_id = new.organization_id
     and a.id = new.appointment_id
     for update;
  if not found then
    raise exception 'visits: the appointment is not in this clinic' using errcode = '23503', detail = 'appointment_id';
  end if;
  if v_appointment.patient_id <> new.patient_id then
    raise exception 'visits: the appointment is for another patient' using errcode = '23514', detail = 'patient_id';
  end if;
  if v_appointment.status not in ('booked', 'arrived') then
    raise exception 'visits: a visit cannot start from a % appointment', replace(v_appointment.status::text, '_', '-')
      using errcode = '23514', detail = 'appointment_id',
            hint = case when v_appointment.status in ('in_progress', 'completed')
                        then 'Its visit has already started.' end;
  end if;
  new.clinician_id := v_appointment.clinician_id;
  new.scheduled_at := v_appointment.starts_at;
  new.status := 'in_progress';
  new.reason := coalesce(
    nullif(btrim(new.reason), ''),
    left(v_appointment.appointment_type || coalesce(': ' || nullif(btrim(v_appointment.reason), ''), ''), 500)
  );
  return new;
end;
$$;
comment on function private.visit_from_appointment() is
  'Trigger (before insert of a visit with appointment_id): the appointment must be the same clinic''s, for the same patient, booked or arrived; the visit takes its clinician and start time and starts in progress.';
-- named to run after visits_00_authorize and before visits_guard and visits_staff_members (triggers
-- fire in name order)
select private.add_trigger('visits_appointment', 'before insert', 'public.visits', 'private.visit_from_appointment()', condition => $$new.appointment_id is not null$$);

-- After a visit with an appointment is inserted or changes status: the appointment follows. Security
-- definer: the API cannot set in_progress/completed on appointments itself (guard_appointment); this
-- runs only for visits the caller was allowed to write, whose appointment is in the same clinic.
create function private.appointment_follows_visit()
returns trigger
language plpgsql security definer set search_path = ''
as $$
begin
  if tg_op = 'INSERT' then
    update public.appointments a set status = 'in_progress'
     where a.organization_id = new.organization_id and a.id = new.appointment_id
       and a.status in ('booked', 'arrived');
  elsif new.status in ('completed', 'cancelled') then
    update public.appointments a
       set status = new.status::text::public.appointment_status,
           cancel_reason = case when new.status = 'cancelled' then new.cancel_reason end
     where a.organization_id = new.organization_id and a.id = new.appointment_id
       and a.status = 'in_progress';
  end if;
  return null;
end;
$$;
comment on function private.appointment_follows_visit() is
  'Trigger (after insert / status update of a visit with appointment_id): the appointment moves to in_progress with its visit, then to completed or cancelled with it.';
select private.add_trigger('visits_appointment_started', 'after insert', 'public.visits', 'private.appointment_follows_visit()', condition =>$$new.appointment_id is not null$$);
select private.add_trigger('visits_appointment_status', 'after update of status', 'public.visits', 'private.appointment_follows_visit()', condition => $$new.appointment_id is not null and new.status is distinct from old.status$$);

-- The clinic's time zone: every change is in the clinic's audit trail ----------------------------------
-- organizations has no organization_id column, so the generic audit_row_change() does not apply.
create function private.audit_time_zone_change()
returns trigger
language plpgsql security definer set search_path = ''
as $$
begin
  perform private.write_audit(
    new.id, 'update', 'organizations', new.id,
    jsonb_build_object('old', jsonb_build_object('time_zone', old.time_zone),
                       'new', jsonb_build_object('time_zone', new.time_zone))
  );
  return null;
end;
$$;
comment on function private.audit_time_zone_change() is
  'Trigger (after update of organizations.time_zone): records the old and new zone in the clinic''s audit_log.';
select private.add_trigger('organizations_time_zone_audit', 'after update of time_zone', 'public.organizations', 'private.audit_time_zone_change()', condition =>$$new.time_zone is distinct from old.time_zone$$);
