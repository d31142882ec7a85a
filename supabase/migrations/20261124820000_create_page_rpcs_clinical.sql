-- Page RPCs over the diary, the dashboard and the chart (issue 18, second round): like 20261124710000_create_page_rpcs
-- (request_context, field_overview), one Data API call for a page's data, but over objects created
-- after that migration (appointments: 20261124800000), so they live here.
--
-- Security invoker, no definer body of their own: each part is either an existing public RPC (with
-- its own, tested scope) or a read of the tables under their RLS policies, so the caller never reads
-- more than they could read with the separate requests the page made before (pgTAP
-- 73-page-rpcs-clinical compares them per role, outsiders and anon included).

-- The diary's appointments -----------------------------------------------------------------------------
-- The appointments starting in [range_start, range_end) (or the one appointment_id) under the
-- appointments policies, only clinician_id's when given, in time order (at most lim, 1..1000), each
-- as the diary shows it: its patient, clinician {full_name} and visit {id, status}, each read under
-- its own policies (what the Data API's embedded select gave: null when not readable), and the
-- count of all that match. Used by dashboard_page (today) and diary_page.
create function public.diary_appointments(
  range_start timestamptz,
  range_end timestamptz,
  clinician_id uuid default null,
  lim integer default 1000,
  appointment_id uuid default null
)
returns jsonb
language sql stable security invoker set search_path = ''
as $$
  with matching as (
    select a.*
      from public.appointments a
     where (diary_appointments.appointment_id is not null and a.id = diary_appointments.appointment_id)
        or (diary_appointments.appointment_id is null
            and a.starts_at >= range_start and a.starts_at < range_end
            and (diary_appointments.clinician_id is null or a.clinician_id = diary_appointments.clinician_id))
  ), shown as (
    select m.* from matching m order by m.starts_at, m.id
     limit least(greatest(coalesce(lim, 1000), 1), 1000)
  )
  select jsonb_build_object(
    'total', (select count(*) from matching),
    'rows', coalesce((
      select jsonb_agg(jsonb_build_object(
               'id', s.id, 'starts_at', s.starts_at, 'ends_at', s.ends_at, 'status', s.status,
               'appointment_type', s.appointment_type, 'reason', s.reason,
               'cancel_reason', s.cancel_reason, 'clinician_id', s.clinician_id,
               'arrived_at', s.arrived_at,
               'patients', (select jsonb_build_object('id', p.id, 'mrn', p.mrn, 'given_name', p.given_name,
                                                      'family_name', p.family_name, 'date_of_birth', p.date_of_birth)
                              from public.patients p where p.id = s.patient_id),
               'clinician', (select jsonb_build_object('full_name', c.full_name)
                               from public.profiles c where c.id = s.clinician_id),
               'visit', (select jsonb_build_object('id', v.id, 'status', v.status)
                           from public.visits v where v.appointment_id = s.id limit 1)
             ) order by s.starts_at, s.id)
        from shown s), '[]'::jsonb));
$$;
comment on function public.diary_appointments(timestamptz, timestamptz, uuid, integer, uuid) is
  'RPC for the diary and the dashboard: {total, rows} of the appointments starting in [range_start, range_end) (or the one appointment_id), clinician_id''s only when given, in time order, at most lim (1..1000), each with patients {id, mrn, given_name, family_name, date_of_birth}, clinician {full_name} and visit {id, status} as the caller reads them. Security invoker: the tables'' policies decide every row.';
select private.grant_execute('{authenticated}', 'public.diary_appointments(timestamptz, timestamptz, uuid, integer, uuid)');

-- The diary pages (the day or week, one appointment, booking) --------------------------------------------
-- Before: the clinicians (memberships with profiles) and the appointments (or the appointment, or the
-- chosen patient) in two requests. Now one:
-- * clinicians: the active doctors and nurses (private.clinician_roles()) of organization_id, as the
--   memberships and profiles policies let the caller read them;
-- * appointments: diary_appointments(range_start, range_end, clinician_id) when a range is given;
-- * appointment: the one appointment_id (diary_appointments' row) or null;
-- * patient: the booking form's chosen patient_id {id, mrn, given_name, family_name, date_of_birth}
--   or null.
create function public.diary_page(
  organization_id uuid,
  range_start timestamptz default null,
  range_end timestamptz default null,
  clinician_id uuid default null,
  appointment_id uuid default null,
  patient_id uuid default null
)
returns jsonb
language sql stable security invoker set search_path = ''
as $$
  select jsonb_build_object(
    'clinicians', coalesce((
      select jsonb_agg(jsonb_build_object(
               'user_id', m.user_id, 'role', m.role,
               'profiles', (select jsonb_build_object('full_name', p.full_name, 'email', p.email)
                              from public.profiles p where p.id = m.user_id))
             order by m.user_id)
        from public.memberships m
       where m.organization_id = diary_page.organization_id
         and m.status = 'active'
         and m.role = any (private.clinician_roles())), '[]'::jsonb),
    'appointments', case when range_start is not null and range_end is not null
      then public.diary_appointments(range_start, range_end, diary_page.clinician_id) end,
    'appointment', case when diary_page.appointment_id is not null
      then public.diary_appointments(null, null, appointment_id => diary_page.appointment_id) -> 'rows' -> 0 end,
    'patient', case when diary_page.patient_id is not null
      then (select jsonb_build_object('id', p.id, 'mrn', p.mrn, 'given_name', p.given_name,
                                      'family_name', p.family_name, 'date_of_birth', p.date_of_birth)
              from public.patients p where p.id = diary_page.patient_id) end);
$$;
comment on function public.diary_page(uuid, timestamptz, timestamptz, uuid, uuid, uuid) is
  'RPC for the diary pages, one call: {clinicians: the active doctors and nurses of organization_id [{user_id, role, profiles {full_name, email}}], appointments: diary_appointments(range_start, range_end, clinician_id) or null without a range, appointment: the appointment_id''s row of diary_appointments or null, patient: the patient_id {id, mrn, given_name, family_name, date_of_birth} or null}. Security invoker: the memberships, profiles, appointments, patients and visits policies decide every row.';
select private.grant_execute('{authenticated}', 'public.diary_page(uuid, timestamptz, timestamptz, uuid, uuid, uuid)');

-- The clinic dashboard -------------------------------------------------------------------------------
-- Before: up to seven requests per load (today's appointments, open_lab_orders + count_lab_orders,
-- active_prescriptions + count_prescriptions, recent patients with a count). Now one statement with
-- one snapshot, so every list's total is at least its rows:
-- * today: diary_appointments(today_start, today_end, clinician_id), the diary's own read;
-- * lab_orders: open_lab_orders(list_limit) with the patient, and count_lab_orders() (open ones);
-- * prescriptions: active_prescriptions(list_limit) with the patient, and count_prescriptions();
-- * patients: the recent_limit most recently updated active patients, and their count.
-- `sections` names the parts the page shows for the caller's role (the rest are null and not read:
-- RLS would give them nothing anyway, skipping them only saves the work).
create function public.dashboard_page(
  today_start timestamptz,
  today_end timestamptz,
  clinician_id uuid default null,
  list_limit integer default 20,
  recent_limit integer default 8,
  sections text[] default '{today,lab_orders,prescriptions,patients}'
)
returns jsonb
language plpgsql stable security invoker set search_path = ''
as $$
declare
  v_lim integer := least(greatest(coalesce(list_limit, 20), 1), 200);
  v_recent integer := least(greatest(coalesce(recent_limit, 8), 1), 100);
  v_sections text[] := coalesce(sections, '{}');
  v_result jsonb := jsonb_build_object('today', null, 'lab_orders', null, 'prescriptions', null, 'patients', null);
begin
  if 'today' = any (v_sections) then
    v_result := v_result || jsonb_build_object('today',
      public.diary_appointments(today_start, today_end, dashboard_page.clinician_id));
  end if;

  if 'lab_orders' = any (v_sections) then
    v_result := v_result || jsonb_build_object('lab_orders', jsonb_build_object(
      'rows', coalesce((
        select jsonb_agg(jsonb_build_object(
                 'id', l.id, 'test_code', l.test_code, 'test_name', l.test_name, 'priority', l.priority,
                 'status', l.status, 'created_at', l.created_at,
                 'patients', (select jsonb_build_object('id', p.id, 'mrn', p.mrn, 'given_name', p.given_name,
                                                        'family_name', p.family_name)
                                from public.patients p where p.id = l.patient_id)
               ) order by l.created_at, l.id)
          from public.open_lab_orders(v_lim) l), '[]'::jsonb),
      'total', public.count_lab_orders()));
  end if;

  if 'prescriptions' = any (v_sections) then
    v_result := v_result || jsonb_build_object('prescriptions', jsonb_build_object(
      'rows', coalesce((
        select jsonb_agg(jsonb_build_object(
                 'id', r.id, 'medication', r.medication, 'dose', r.dose, 'frequency', r.frequency,
                 'created_at', r.created_at,
                 'patients', (select jsonb_build_object('id', p.id, 'mrn', p.mrn, 'given_name', p.given_name,
                                                        'family_name', p.family_name)
                                from public.patients p where p.id = r.patient_id)
               ) order by r.created_at, r.id)
          from public.active_prescriptions(v_lim) r), '[]'::jsonb),
      'total', public.count_prescriptions()));
  end if;

  if 'patients' = any (v_sections) then
    v_result := v_result || jsonb_build_object('patients', jsonb_build_object(
      'rows', coalesce((
        select jsonb_agg(to_jsonb(r) order by r.updated_at desc, r.id)
          from (select p.id, p.mrn, p.given_name, p.family_name, p.date_of_birth, p.updated_at
                  from public.patients p
                 where p.archived_at is null
                 order by p.updated_at desc, p.id
                 limit v_recent) r), '[]'::jsonb),
      'total', (select count(*) from public.patients p where p.archived_at is null)));
  end if;
  return v_result;
end;
$$;
comment on function public.dashboard_page(timestamptz, timestamptz, uuid, integer, integer, text[]) is
  'RPC for the clinic dashboard, one call: {today: diary_appointments(today_start, today_end, clinician_id), lab_orders: {rows: open_lab_orders(list_limit) with patients, total: count_lab_orders()}, prescriptions: {rows: active_prescriptions(list_limit) with patients, total: count_prescriptions()}, patients: {rows: the recent_limit most recently updated active patients, total}}; parts not in sections are null. Security invoker over those RPCs and the tables'' policies: the same scope as the separate reads.';
select private.grant_execute('{authenticated}', 'public.dashboard_page(timestamptz, timestamptz, uuid, integer, integer, text[])');

-- The patient chart ------------------------------------------------------------------------------------
-- Before: the chart's embedded select, log_chart_view and current_medications, three requests per
-- opening. Now one: the portal calls open_chart (a POST, as it writes the 'view' audit row) and
-- embeds the chart on its result, current medications included through the computed relationship
-- active_medications, so the record, its safety header and the audit of the opening are one request
-- and one transaction: a chart is never returned unaudited (log_view false only for the chart's own
-- reloads after its actions, which their tables' triggers audit).

-- The patient's active prescriptions as a computed relationship of patients (PostgREST embeds a
-- function of the table's row type: `patients?select=…,active_medications(…)`): exactly
-- current_medications(id), the same scope as the prescriptions SELECT policy (pgTAP 81).
create function public.active_medications(public.patients)
returns setof public.prescriptions
language sql stable security invoker set search_path = ''
rows 10
as $$
  select * from public.current_medications($1.id);
$$;
comment on function public.active_medications(public.patients) is
  'Computed relationship of patients for the chart''s safety header: current_medications(patient id) (active prescriptions, newest first, at most 100; the same rows RLS lets the caller read).';
select private.grant_execute('{authenticated}', 'public.active_medications(public.patients)');

-- Opens a chart: records the view (log_chart_view: 42501 without a clinic, PT404 for a patient the
-- caller cannot see, another clinic's or none) unless log_view is false, then returns the patient
-- row under the patients policies, for the Data API to embed the chart on.
create function public.open_chart(patient_id uuid, log_view boolean default true)
returns setof public.patients
language plpgsql volatile security invoker set search_path = ''
rows 1
as $$
begin
  if coalesce(log_view, true) then
    perform public.log_chart_view(open_chart.patient_id);
  end if;
  return query select p.* from public.patients p where p.id = open_chart.patient_id;
end;
$$;
comment on function public.open_chart(uuid, boolean) is
  'RPC (POST) for the patient chart: log_chart_view(patient_id) unless log_view is false (the chart''s own reloads), then the patient row as the caller reads it, to embed the chart on. Errors as log_chart_view: 42501 without a clinic, PT404 for a patient the caller cannot see. Security invoker: the same scope as log_chart_view and the patients policies.';
select private.grant_execute('{authenticated}', 'public.open_chart(uuid, boolean)');
