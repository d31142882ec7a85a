-- Visit status rule, restated with a required cancel reason (issue 6 follow-up).
--
-- guard_visit already moves status forward only: scheduled → in_progress → completed,
-- scheduled → completed (recording a visit after the fact), scheduled | in_progress → cancelled;
-- completed and cancelled are final. What it did not enforce: a cancelled visit says why. Now
-- cancelling needs a non-blank cancel_reason (23514, DETAIL cancel_reason, as lab orders), and
-- the reason of a visit that is not cancelled stays empty. started_at / ended_at follow the status.

create or replace function private.guard_visit()
returns trigger
language plpgsql
set search_path = ''
as $$
begin
  if tg_op = 'INSERT' then
    new.created_by := coalesce(auth.uid(), new.created_by);
    if new.status not in ('scheduled', 'in_progress') then
      raise exception 'visits: a new visit must be scheduled or in progress' using errcode = '23514', detail = 'status';
    end if;
  elsif new.status is distinct from old.status then
    if not (
      (old.status = 'scheduled' and new.status in ('in_progress', 'completed', 'cancelled'))
      or (old.status = 'in_progress' and new.status in ('completed', 'cancelled'))
    ) then
      raise exception 'visits: status cannot change from % to %', old.status, new.status
        using errcode = '23514', detail = 'status';
    end if;
  elsif old.status in ('completed', 'cancelled') and (
    new.scheduled_at is distinct from old.scheduled_at or new.clinician_id is distinct from old.clinician_id
  ) then
    raise exception 'visits: a % visit cannot be rescheduled', old.status using errcode = '23514', detail = 'status';
  end if;
  if new.status = 'cancelled' then
    if new.cancel_reason is null or btrim(new.cancel_reason) = '' then
      raise exception 'visits: a cancel reason is required' using errcode = '23514', detail = 'cancel_reason';
    end if;
  elsif new.cancel_reason is not null then
    raise exception 'visits: only a cancelled visit has a cancel reason' using errcode = '23514', detail = 'cancel_reason';
  end if;
  if new.status = 'in_progress' and new.started_at is null then
    new.started_at := now();
  elsif new.status = 'completed' then
    new.started_at := coalesce(new.started_at, now());
    new.ended_at := coalesce(new.ended_at, now());
  end if;
  return new;
end;
$$;
comment on function private.guard_visit() is
  'Trigger: visit status only moves scheduled → in_progress → completed (or scheduled → completed), or to cancelled with a cancel_reason; completed and cancelled are final; sets started_at/ended_at; created_by = caller.';
revoke execute on function private.guard_visit() from public, anon, authenticated;
