-- Plans cap a clinic's patients (plans.patient_limit; null = unlimited), as they cap its seats.
-- The database enforces it, so no client can get around it and a plan change takes effect at once.
--
-- A per-clinic counter of active (non-archived) patients in private.organization_counters, kept
-- by triggers: registering or restoring a patient takes a place (the counter row's lock queues
-- concurrent registrations of the same clinic, so two cannot take the last place), archiving or
-- deleting one frees it. Counting the clinic's patients on every insert would cost a scan per
-- registration; the counter is one indexed row.

create function private.keep_patient_places()
returns trigger
language plpgsql security definer set search_path = ''
as $$
declare
  -- +1 registering or restoring an active patient, -1 archiving or deleting one, else 0
  v_change integer := case when tg_op = 'DELETE' then 0 when new.archived_at is null then 1 else 0 end
                    - case when tg_op = 'INSERT' then 0 when old.archived_at is null then 1 else 0 end;
  v_org uuid := case when tg_op = 'DELETE' then old.organization_id else new.organization_id end;
  v_count bigint;
  v_limit integer;
  v_plan text;
begin
  if v_change > 0 then
    insert into private.organization_counters as c (organization_id, counter, value)
    values (v_org, 'active_patients', 1)
    on conflict (organization_id, counter) do update set value = c.value + 1
    returning c.value into v_count;
    select p.patient_limit, p.name into v_limit, v_plan
      from public.organizations o join public.plans p on p.id = o.plan_id
     where o.id = v_org;
    if v_limit is not null and v_count > v_limit then
      raise exception 'The % plan allows % active patients; archive a patient or change the plan first', v_plan, v_limit
        using errcode = '23514', detail = 'patient_limit';
    end if;
  elsif v_change < 0 then
    update private.organization_counters c set value = greatest(c.value - 1, 0)
     where c.organization_id = v_org and c.counter = 'active_patients';
  end if;
  return case when tg_op = 'DELETE' then old else new end;
end;
$$;
comment on function private.keep_patient_places() is
  'Trigger (before insert or archive/restore, after delete, of patients): keeps the clinic''s active-patient counter and refuses going over plans.patient_limit (23514, detail patient_limit).';

select private.add_trigger('patients_d_patient_limit', 'before insert or update of archived_at', 'public.patients', 'private.keep_patient_places()');
select private.add_trigger('patients_free_patient_place', 'after delete', 'public.patients', 'private.keep_patient_places()');
