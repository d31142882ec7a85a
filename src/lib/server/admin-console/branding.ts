/**
 * The clinic's public branding (name, theme colour, sign-in message, logo), edited by its admins.
 * Writes go through the admin's own client: the organizations column grant and RLS allow exactly
 * these columns of their own clinic, and Storage policies allow only `<organization_id>/…` objects
 * of the branding bucket (2 MiB, raster images, enforced by Storage).
 */
import type { SupabaseClient } from '@supabase/supabase-js';
import type { Database } from '$lib/database.types';
import { LOGO_EXTENSIONS, LOGO_TYPES } from '$lib/schemas/admin';

type Db = SupabaseClient<Database>;
type Outcome = { ok: true } | { ok: false; message: string };

export async function getBranding({
	supabase,
	organizationId
}: {
	supabase: Db;
	organizationId: string;
}) {
	const { data, error } = await supabase
		.from('organizations')
		.select('name, theme_color, sign_in_message, logo_path')
		.eq('id', organizationId)
		.maybeSingle();
	if (error) throw new Error(`organizations: ${error.message}`);
	return data;
}

export async function saveBranding({
	supabase,
	organizationId,
	name,
	themeColor,
	signInMessage
}: {
	supabase: Db;
	organizationId: string;
	name: string;
	themeColor: string;
	signInMessage: string;
}): Promise<Outcome> {
	const { data, error } = await supabase
		.from('organizations')
		.update({ name, theme_color: themeColor.toLowerCase(), sign_in_message: signInMessage || null })
		.eq('id', organizationId)
		.select('id');
	if (error) return { ok: false, message: error.message };
	if (!data?.length)
		return { ok: false, message: 'Only this clinic’s admins can change its branding.' };
	return { ok: true };
}

/** Points the clinic at a logo already stored in its folder, and deletes the previous one. */
export async function setLogo({
	supabase,
	organizationId,
	logoPath
}: {
	supabase: Db;
	organizationId: string;
	logoPath: string | null;
}): Promise<Outcome> {
	if (logoPath && !logoPath.startsWith(`${organizationId}/`))
		return { ok: false, message: 'That file does not belong to this clinic.' };
	const before = await getBranding({ supabase, organizationId });
	const { data, error } = await supabase
		.from('organizations')
		.update({ logo_path: logoPath })
		.eq('id', organizationId)
		.select('id');
	if (error) return { ok: false, message: error.message };
	if (!data?.length)
		return { ok: false, message: 'Only this clinic’s admins can change its logo.' };
	if (before?.logo_path && before.logo_path !== logoPath) {
		// best effort: an orphaned old logo is harmless, the clinic no longer points at it
		await supabase.storage.from('branding').remove([before.logo_path]);
	}
	return { ok: true };
}

/** Server-side upload (the form without JavaScript): streams the file to Storage as the admin. */
export async function uploadLogo({
	supabase,
	organizationId,
	file
}: {
	supabase: Db;
	organizationId: string;
	file: File;
}): Promise<Outcome & { path?: string }> {
	const type = file.type as (typeof LOGO_TYPES)[number];
	if (!LOGO_TYPES.includes(type))
		return { ok: false, message: 'Use a PNG, JPEG, WebP or GIF image.' };
	const path = `${organizationId}/logo-${Date.now()}.${LOGO_EXTENSIONS[type]}`;
	const { error } = await supabase.storage
		.from('branding')
		.upload(path, file, { contentType: type, upsert: false });
	if (error) return { ok: false, message: `Upload refused: ${error.message}` };
	return { ok: true, path };
}
