-- The plan new organizations get by default (organizations.plan_id's column default) can never be
-- deleted from the console: every onboarding without an explicit plan, and every seed, needs it.

create or replace function private.platform_delete_plan(p_id text)
returns void
language plpgsql
volatile
security definer
set search_path = ''
as $$
begin
  perform private.require_platform_admin();
  if exists (
    select 1 from information_schema.columns c
     where c.table_schema = 'public' and c.table_name = 'organizations' and c.column_name = 'plan_id'
       and c.column_default = pg_catalog.quote_literal(p_id) || '::text'
  ) then
    raise exception 'This is the default plan of new clinics; it cannot be deleted.'
      using errcode = '23503', hint = 'id';
  end if;
  if exists (select 1 from public.organizations o where o.plan_id = p_id)
     or exists (select 1 from public.subscriptions s where s.plan_id = p_id)
     or exists (select 1 from public.invoices i where i.plan_id = p_id) then
    raise exception 'This plan is in use by clinics or invoices; move them to another plan first.'
      using errcode = '23503', hint = 'id';
  end if;
  delete from public.plans where id = p_id;
  perform private.platform_log('plan.delete', null, jsonb_build_object('plan_id', p_id));
end;
$$;
comment on function private.platform_delete_plan(text) is
  'Platform admins: deletes a plan that is not the default and that no clinic, subscription or invoice uses.';
