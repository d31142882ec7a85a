-- Plans cap a clinic's patients (plans.patient_limit; null = unlimited), as they cap its seats.
-- The database enforces it, so no client can get around it and a plan change takes effect at once.
--
-- A per-clinic counter of active (non-archived) patients in private.organization_counters, kept
-- by triggers: registering or restoring a patient takes a place (the counter row's lock queues
-- concurrent registrations of the same clinic, so two cannot take the last place), archiving or
-- deleting one frees it. Counting the clinic's patients on every insert would cost a scan per
-- registration; the counter is one indexed row.

create function private.take_patient_place()
returns trigger
language plpgsql security definer set search_path = ''
as $$
declare
  v_count bigint;
  v_limit integer;
  v_plan text;
begin
  if tg_op = 'INSERT' and new.archived_at is null
     or tg_op = 'UPDATE' and old.archived_at is not null and new.archived_at is null then
    insert into private.organization_counters as c (organization_id, counter, value)
    values (new.organization_id, 'active_patients', 1)
    on conflict (organization_id, counter) do update set value = c.value + 1
    returning c.value into v_count;
    select p.patient_limit, p.name into v_limit, v_plan
      from public.organizations o join public.plans p on p.id = o.plan_id
     where o.id = new.organization_id;
    if v_limit is not null and v_count > v_limit then
      raise exception 'The % plan allows % active patients; archive a patient or change the plan first', v_plan, v_limit
        using errcode = '23514', detail = 'patient_limit';
    end if;
  elsif tg_op = 'UPDATE' and old.archived_at is null and new.archived_at is not null then
    update private.organization_counters c set value = greatest(c.value - 1, 0)
     where c.organization_id = new.organization_id and c.counter = 'active_patients';
  end if;
  return new;
end;
$$;
comment on function private.take_patient_place() is
  'Trigger (before insert, or archive/restore, of patients): keeps the clinic''s active-patient counter and refuses going over plans.patient_limit (23514, detail patient_limit).';

create function private.free_patient_place()
returns trigger
language plpgsql security definer set search_path = ''
as $$
begin
  if old.archived_at is null then
    update private.organization_counters c set value = greatest(c.value - 1, 0)
     where c.organization_id = old.organization_id and c.counter = 'active_patients';
  end if;
  return old;
end;
$$;
comment on function private.free_patient_place() is
  'Trigger (after delete on patients): an active patient''s place is freed.';

select private.add_trigger('patients_d_patient_limit', 'before insert or update of archived_at', 'public.patients', 'private.take_patient_place()');

select private.add_trigger('patients_free_patient_place', 'after delete', 'public.patients', 'private.free_patient_place()');
