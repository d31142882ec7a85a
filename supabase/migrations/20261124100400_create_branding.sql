-- Pre-login branding: the sign-in page of `<slug>.<root domain>` or of a mapped custom domain shows
-- the clinic's name, logo and colours before anyone signs in. anon may not read organizations, so
-- this returns only public fields (never id, plan, or the suspension reason), and nothing that is an
-- internal identifier: logos live under the clinic's slug, which its address already shows. The
-- portal decides which hosts are clinic addresses (it knows the configured root domain): it asks by
-- slug for `<slug>.<root domain>` and by domain for any other host, which finds only a domain
-- recorded for a clinic. No other host reading exists here (`<slug>.<anything>` is not a clinic).

create function private.branding_for(p_slug text, p_domain text)
returns table (
  slug text,
  name text,
  type public.organization_type,
  logo_path text,
  theme_color text,
  sign_in_message text,
  status public.organization_status
)
language plpgsql stable security definer set search_path = ''
as $$
declare
  v_slug text := lower(btrim(coalesce(p_slug, '')));
  -- Host header form: case-insensitive, optional :port, optional trailing dot
  v_domain text := rtrim(
    regexp_replace(lower(btrim(coalesce(p_domain, ''))), ':[0-9]*$', ''),
    '.'
  );
begin
  if v_slug <> '' then
    return query
      select o.slug, o.name, o.type, o.logo_path, o.theme_color, o.sign_in_message, o.status
        from public.organizations o
       where o.slug = v_slug;
  elsif v_domain <> '' and char_length(v_domain) <= 253 then
    return query
      select o.slug, o.name, o.type, o.logo_path, o.theme_color, o.sign_in_message, o.status
        from public.organization_domains d
        join public.organizations o on o.id = d.organization_id
       where d.domain = v_domain;
  end if;
end;
$$;
comment on function private.branding_for(text, text) is
  'Public branding fields of the clinic with this slug, or of the clinic that recorded this custom domain.';

create function public.get_branding(clinic_slug text default null, custom_domain text default null)
returns table (
  slug text,
  name text,
  type public.organization_type,
  logo_path text,
  theme_color text,
  sign_in_message text,
  status public.organization_status
)
language sql stable security invoker set search_path = ''
as $$
  select * from private.branding_for(clinic_slug, custom_domain);
$$;
comment on function public.get_branding(text, text) is
  'RPC for sign-in pages (anon allowed): slug, name, type, logo_path (<slug>/<file> in the public branding bucket), theme_color, sign_in_message and status of the clinic with this slug, or of the clinic that recorded this custom domain; no row when none.';

select private.grant_execute('{anon,authenticated,service_role}',
  'private.branding_for(text, text)',
  'public.get_branding(text, text)');

-- The slug of the caller's live active clinic: the folder its admins manage in the branding bucket.
create function private.current_org_slug()
returns text
language plpgsql stable security definer set search_path = ''
as $$
begin
  return (select o.slug from public.organizations o where o.id = private.current_org_id());
end;
$$;
comment on function private.current_org_slug() is
  'Slug of the caller''s live active organization (null without one): the branding folder its admins manage.';
select private.grant_execute('{authenticated,service_role}', 'private.current_org_slug()');

-- Storage for clinic logos. The bucket is public: sign-in pages show logos before login through
-- public URLs, which bypass RLS. Objects live at `<clinic slug>/<file name>` (never under the clinic's
-- id, which pre-login pages must not reveal); only admins of that clinic (live check) may list,
-- upload, replace or delete them. Raster images only:
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
    and (storage.foldername(name))[1] = (select private.current_org_slug())
    and (select private.is_org_admin())
  );

-- Admins of the live active organization upload to `<their clinic's slug>/<file>` only: exactly
-- one folder named by the slug, a plain file name, no `..`, no empty segments.
create policy objects_insert_branding_admin on storage.objects
  for insert to authenticated
  with check (
    bucket_id = 'branding'
    and (storage.foldername(name))[1] = (select private.current_org_slug())
    and name ~ '^[a-z0-9-]{3,63}/[A-Za-z0-9_-][A-Za-z0-9._-]{0,127}$'
    and position('..' in name) = 0
    and (select private.is_org_admin())
  );

-- Admins of the live active organization replace or rename objects within their folder only.
create policy objects_update_branding_admin on storage.objects
  for update to authenticated
  using (
    bucket_id = 'branding'
    and (storage.foldername(name))[1] = (select private.current_org_slug())
    and (select private.is_org_admin())
  )
  with check (
    bucket_id = 'branding'
    and (storage.foldername(name))[1] = (select private.current_org_slug())
    and name ~ '^[a-z0-9-]{3,63}/[A-Za-z0-9_-][A-Za-z0-9._-]{0,127}$'
    and position('..' in name) = 0
    and (select private.is_org_admin())
  );

-- Admins of the live active organization delete objects in their folder only.
create policy objects_delete_branding_admin on storage.objects
  for delete to authenticated
  using (
    bucket_id = 'branding'
    and (storage.foldername(name))[1] = (select private.current_org_slug())
    and (select private.is_org_admin())
  );
