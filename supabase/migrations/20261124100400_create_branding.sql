-- Pre-login branding: the sign-in page of `<slug>.<root domain>` or of a mapped custom domain shows
-- the clinic's name, logo and colours before anyone signs in. anon may not read organizations, so
-- this returns only public fields (never id, plan, or the suspension reason), and nothing that is an
-- internal identifier: logos live under the clinic's slug, which its address already shows. The
-- portal decides which hosts are clinic addresses (it knows the configured root domain): it asks by
-- slug for `<slug>.<root domain>` and by domain for any other host, which finds only a domain
-- recorded for a clinic. No other host reading exists here (`<slug>.<anything>` is not a clinic).

create function private.get_branding(p_clinic_slug text default null, p_custom_domain text default null)
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
  v_slug text := lower(btrim(coalesce(p_clinic_slug, '')));
  -- Host header form: case-insensitive, optional :port, optional trailing dot
  v_domain text := rtrim(
    regexp_replace(lower(btrim(coalesce(p_custom_domain, ''))), ':[0-9]*$', ''),
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
comment on function private.get_branding(text, text) is
  'Body of public.get_branding: public branding fields of the clinic with this slug, or of the clinic that recorded this custom domain.';
select private.grant_execute('{anon,authenticated,service_role}', 'private.get_branding(text, text)');

select private.add_rpc('private.get_branding(text, text)',
  'RPC for sign-in pages (anon allowed): slug, name, type, logo_path (<slug>/<file> in the public branding bucket), theme_color, sign_in_message and status of the clinic with this slug, or of the clinic that recorded this custom domain; no row when none.',
  '{anon,authenticated,service_role}');

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

-- Policies: admins of the live active organization manage their clinic's folder and nothing else.
-- One definition of "their folder" (the bucket, the first folder named by their clinic's slug, a
-- live admin) and one of an acceptable object name (exactly one folder named by the slug, a plain
-- file name, no `..`, no empty segments), used by every policy that needs them:
--   select  list and read their folder (upsert needs it)     using: own folder
--   insert  upload to `<their clinic's slug>/<file>` only     check: own folder, acceptable name
--   update  replace or rename objects within their folder     using: own folder; check: both
--   delete  delete objects in their folder                    using: own folder
do $$
declare
  v_own constant text := $sql$bucket_id = 'branding'
    and (storage.foldername(name))[1] = (select private.current_org_slug())
    and (select private.is_org_admin())$sql$;
  v_valid constant text := v_own || $sql$
    and name ~ '^[a-z0-9-]{3,63}/[A-Za-z0-9_-][A-Za-z0-9._-]{0,127}$'
    and position('..' in name) = 0$sql$;
  v_policy record;
begin
  for v_policy in
    select * from (values
      ('select', v_own, null, 'Admins of the live active organization list and read their clinic''s branding folder (<slug>/…).'),
      ('insert', null, v_valid, 'Admins of the live active organization upload to <their clinic''s slug>/<plain file name> only.'),
      ('update', v_own, v_valid, 'Admins of the live active organization replace or rename objects within their clinic''s branding folder only.'),
      ('delete', v_own, null, 'Admins of the live active organization delete objects in their clinic''s branding folder only.')
    ) as p (cmd, using_expr, check_expr, purpose)
  loop
    execute format('create policy %I on storage.objects for %s to authenticated%s%s',
      'objects_' || v_policy.cmd || '_branding_admin', v_policy.cmd,
      ' using (' || v_policy.using_expr || ')', ' with check (' || v_policy.check_expr || ')');
    execute format('comment on policy %I on storage.objects is %L',
      'objects_' || v_policy.cmd || '_branding_admin', v_policy.purpose);
  end loop;
end;
$$;
