-- Books a visit together with its notes and vitals in one statement (issue 6 follow-up).
--
-- The chart used to insert the visit and then its visit_notes as two requests: when the notes were
-- refused (a receptionist, out-of-range vitals) the visit stayed behind. create_visit does both in
-- one call, so one transaction: any refusal rolls the visit back too. It runs as the caller
-- (security invoker): the policies of visits and visit_notes, their column privileges and triggers
-- (guard_visit, check_visit_vitals, staff membership checks, audit) apply exactly as for direct
-- inserts, so it grants nothing a caller could not already do, and nothing a caller could not do
-- together.

create or replace function public.create_visit(
  patient_id uuid,
  scheduled_at timestamptz,
  reason text,
  notes text default null,
  vitals jsonb default null
)
returns uuid
language plpgsql
volatile
security invoker
set search_path = ''
as $$
declare
  v_visit_id uuid;
begin
  insert into public.visits (patient_id, scheduled_at, reason)
  values (create_visit.patient_id, coalesce(create_visit.scheduled_at, now()), create_visit.reason)
  returning id into v_visit_id;

  if create_visit.notes is not null
     or (create_visit.vitals is not null and create_visit.vitals <> '{}'::jsonb) then
    insert into public.visit_notes (visit_id, notes, vitals)
    values (v_visit_id, create_visit.notes, coalesce(create_visit.vitals, '{}'::jsonb));
  end if;

  return v_visit_id;
end;
$$;
comment on function public.create_visit(uuid, timestamptz, text, text, jsonb) is
  'RPC: books a visit of the caller''s active clinic and, when notes or vitals are given, records them, all or nothing. Runs as the caller (RLS, column privileges and triggers apply); returns the visit id.';
revoke execute on function public.create_visit(uuid, timestamptz, text, text, jsonb) from public, anon;
grant execute on function public.create_visit(uuid, timestamptz, text, text, jsonb) to authenticated;
