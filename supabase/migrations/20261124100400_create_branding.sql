-- Pre-login branding: the sign-in page of `<slug>.<root domain>` or of a mapped custom domain shows
-- the clinic's name, logo and colours before anyone signs in. anon may not read organizations, so
-- this returns only public fields for one host (never id, plan, or the suspension reason).

create function private.branding_for_host(p_host text)
returns table (
  slug text,
  name text,
  type public.organization_type,
  logo_path text,
  theme_color text,
  sign_in_message text,
  status public.organization_status
)
language plpgsql
stable
security definer
set search_path = ''
as $$
declare
  -- Host header form: case-insensitive, optional :port, optional trailing dot
  v_host text := rtrim(
    regexp_replace(lower(btrim(coalesce(p_host, ''))), ':[0-9]*$', ''),
    '.'
  );
begin
  if v_host = '' or char_length(v_host) > 253 then
    return;
  end if;

  -- a mapped custom domain wins
  return query
    select o.slug, o.name, o.type, o.logo_path, o.theme_color, o.sign_in_message, o.status
      from public.organization_domains d
      join public.organizations o on o.id = d.organization_id
     where d.domain = v_host;
  if found then
    return;
  end if;

  -- else `<slug>.<anything>`: the first label of a host with at least two labels
  if position('.' in v_host) > 0 then
    return query
      select o.slug, o.name, o.type, o.logo_path, o.theme_color, o.sign_in_message, o.status
        from public.organizations o
       where o.slug = split_part(v_host, '.', 1);
  end if;
end;
$$;
comment on function private.branding_for_host(text) is
  'Public branding fields of the organization serving a host (custom domain, else <slug>.<anything>).';

create function public.get_branding(host text)
returns table (
  slug text,
  name text,
  type public.organization_type,
  logo_path text,
  theme_color text,
  sign_in_message text,
  status public.organization_status
)
language sql
stable
security invoker
set search_path = ''
as $$
  select * from private.branding_for_host(host);
$$;
comment on function public.get_branding(text) is
  'RPC for sign-in pages (anon allowed): slug, name, type, logo_path, theme_color, sign_in_message and status of the organization serving a host; no row when none.';

revoke execute on function private.branding_for_host(text), public.get_branding(text) from public;
grant execute on function private.branding_for_host(text), public.get_branding(text)
  to anon, authenticated, service_role;

-- Storage for clinic logos. The bucket is public: sign-in pages show logos before login through
-- public URLs, which bypass RLS. Objects live at `<organization_id>/<file name>`; only admins of
-- that organization (live check) may list, upload, replace or delete them. Raster images only:
-- SVG and HTML could carry scripts. Also declared in config.toml [storage.buckets.branding].

insert into storage.buckets (id, name, public, file_size_limit, allowed_mime_types)
values (
  'branding',
  'branding',
  true,
  2097152, -- 2 MiB
  array['image/png', 'image/jpeg', 'image/webp', 'image/gif']
)
on conflict (id) do nothing;

-- Admins of the live active organization list and read their organization's folder (upsert needs it).
create policy objects_select_branding_admin on storage.objects
  for select to authenticated
  using (
    bucket_id = 'branding'
    and (storage.foldername(name))[1] = (select private.current_org_id())::text
    and (select private.is_org_admin())
  );

-- Admins of the live active organization upload to `<their organization id>/<file>` only: exactly
-- one folder named by the lower-case id, a plain file name, no `..`, no empty segments.
create policy objects_insert_branding_admin on storage.objects
  for insert to authenticated
  with check (
    bucket_id = 'branding'
    and (storage.foldername(name))[1] = (select private.current_org_id())::text
    and name ~ '^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}/[A-Za-z0-9_-][A-Za-z0-9._-]{0,127}$'
    and position('..' in name) = 0
    and (select private.is_org_admin())
  );

-- Admins of the live active organization replace or rename objects within their folder only.
create policy objects_update_branding_admin on storage.objects
  for update to authenticated
  using (
    bucket_id = 'branding'
    and (storage.foldername(name))[1] = (select private.current_org_id())::text
    and (select private.is_org_admin())
  )
  with check (
    bucket_id = 'branding'
    and (storage.foldername(name))[1] = (select private.current_org_id())::text
    and name ~ '^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}/[A-Za-z0-9_-][A-Za-z0-9._-]{0,127}$'
    and position('..' in name) = 0
    and (select private.is_org_admin())
  );

-- Admins of the live active organization delete objects in their folder only.
create policy objects_delete_branding_admin on storage.objects
  for delete to authenticated
  using (
    bucket_id = 'branding'
    and (storage.foldername(name))[1] = (select private.current_org_id())::text
    and (select private.is_org_admin())
  );
