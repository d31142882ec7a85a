-- One Data API round trip per purpose (issue 18): the per-request context of every page, and the
-- data of pages that needed several requests. docs/benchmark.md "Portal" describes the pattern:
-- each clinic page makes at most two Data API requests per load, the context (this file's
-- request_context) and its own data (one RPC or one embedded select designed for the page).
--
-- Both functions are security INVOKER and run as the caller: request_context composes the existing
-- public RPCs (each with its own, tested scope), field_overview reads the tables under their RLS
-- policies. Neither adds a security definer body, so neither can read more than the caller may
-- read already (pgTAP 72-page-rpcs compares them with the underlying RPCs and tables per role).

-- The per-request context ------------------------------------------------------------------------
-- What the portal needs on every request at a host, in one call:
-- * branding: public.get_branding(clinic_slug, custom_domain) (anon allowed; public fields only);
-- * settings: public.get_public_settings() (maintenance banner, idle timeout; anon allowed);
-- * clinics:  public.my_organizations() (the caller's own active memberships, with role; [] for
--   anon, where that RPC is not executable);
-- * support:  public.my_support_access() (the caller's own live support grant, or null);
-- * profile:  the caller's own profile row's full_name (profiles RLS: everyone reads their own).
-- Nothing here says anything about the host's clinic beyond get_branding's public fields: the
-- caller's memberships are the caller's own, whatever host asks.
create function public.request_context(clinic_slug text default null, custom_domain text default null)
returns jsonb
language plpgsql stable security invoker set search_path = ''
as $$
declare
  v_context jsonb := jsonb_build_object(
    'branding', (select to_jsonb(b) from public.get_branding(clinic_slug, custom_domain) b limit 1),
    'settings', (select to_jsonb(s) from public.get_public_settings() s limit 1)
  );
begin
  -- no session (anon): my_organizations and my_support_access are not executable, and would list
  -- nothing; plpgsql plans each statement when it first runs, so they are not reached
  if auth.uid() is null then
    return v_context || jsonb_build_object('clinics', '[]'::jsonb, 'support', null, 'profile', null);
  end if;
  return v_context || jsonb_build_object(
    'clinics', coalesce(
      (select jsonb_agg(to_jsonb(m) order by m.name, m.slug) from public.my_organizations() m),
      '[]'::jsonb),
    'support', (select to_jsonb(s) from public.my_support_access() s limit 1),
    'profile', (select jsonb_build_object('full_name', p.full_name)
                  from public.profiles p where p.id = auth.uid())
  );
end;
$$;
comment on function public.request_context(text, text) is
  'RPC (anon allowed): everything a page needs per request, in one call: {branding: get_branding(clinic_slug, custom_domain) or null, settings: get_public_settings(), clinics: my_organizations() ([] without a session), support: my_support_access() or null, profile: {full_name} of the caller''s own profile or null}. Security invoker over those RPCs: the same scope as each of them.';
select private.grant_execute('{anon,authenticated,service_role}', 'public.request_context(text, text)');

-- The patient fields admin pages -----------------------------------------------------------------
-- The clinic's field definitions with, for each, how many active (non-archived) patients have no
-- value (absent, null or ''): what making a field required would need. One statement under RLS
-- instead of reading every patient's custom_fields through the Data API page by page.
create function public.field_overview(field_id uuid default null)
returns jsonb
language sql stable security invoker set search_path = ''
as $$
  with defs as (
    select d.id, d.key, d.label, d.field_type, d.options, d.required, d.format_kind, d.format_mask, d.format_hint,
           d.unique_within_clinic, d.sort_order, d.active
      from public.patient_field_definitions d
     where field_id is null or d.id = field_id
  ), active_patients as (
    select p.custom_fields from public.patients p where p.archived_at is null
  )
  select jsonb_build_object(
    'fields', coalesce(
      (select jsonb_agg(to_jsonb(d) order by d.sort_order, d.key) from defs d), '[]'::jsonb),
    'active_patients', (select count(*) from active_patients),
    'missing', coalesce(
      (select jsonb_object_agg(d.key, (
                select count(*) from active_patients a
                 where coalesce(a.custom_fields ->> d.key, '') = ''))
         from defs d),
      '{}'::jsonb)
  );
$$;
comment on function public.field_overview(uuid) is
  'RPC for the admin field pages: {fields: the patient_field_definitions the caller reads (all, or the one field_id) in form order, active_patients: non-archived patients the caller reads, missing: {key: how many of them have no value for it}}. Security invoker: RLS decides every row.';
select private.grant_execute('{authenticated}', 'public.field_overview(uuid)');
