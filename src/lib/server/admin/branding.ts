/**
 * The clinic's public branding (name, theme colour, sign-in message, logo), edited by its admins
 * at /admin/branding. Writes go through the admin's own client: the organizations column grant
 * and RLS allow exactly these columns of their own clinic, and Storage policies allow only
 * `<clinic slug>/…` objects of the branding bucket (never the clinic's id: the logo's public URL
 * appears on the sign-in page) (2 MiB, raster image types as declared by
 * the uploader). What a file declares proves nothing, so before the clinic points at an object
 * the portal reads its bytes: only a PNG, JPEG, WebP or GIF becomes a logo (`file-type` reads the
 * magic bytes); anything else is deleted again and refused.
 */
import type { Db, WithDb } from '../db';
import { fileTypeFromBlob } from 'file-type';
import { LOGO_EXTENSIONS, LOGO_TYPES, type LogoType } from '$lib/schemas/admin';
import { DONE, updateById, refuse, type Result } from '../refusals';
import { readOrThrow } from '../reads';

const ONLY_ADMINS = 'Only this clinic’s admins can change its branding.';
export const NOT_AN_IMAGE = 'This file is not a PNG, JPEG, WebP or GIF image.';

export async function getBranding({
	supabase,
	organizationId
}: {
	supabase: Db;
	organizationId: string;
}) {
	const data = await readOrThrow(
		'organizations',
		supabase
			.from('organizations')
			.select('name, theme_color, sign_in_message, logo_path')
			.eq('id', organizationId)
			.maybeSingle()
	);
	return data;
}

export function saveBranding({
	supabase,
	organizationId,
	name,
	themeColor,
	signInMessage
}: WithDb<{
	organizationId: string;
	name: string;
	themeColor: string;
	signInMessage: string;
}>): Promise<Result> {
	return updateById(
		supabase,
		'organizations',
		organizationId,
		{ name, theme_color: themeColor.toLowerCase(), sign_in_message: signInMessage || null },
		{
			fields: { name: 'name', theme_color: 'themeColor', sign_in_message: 'signInMessage' },
			otherwise: 'themeColor',
			none: refuse(ONLY_ADMINS, { field: 'themeColor', status: 403 })
		}
	);
}

/** The image type the bytes are (by their magic numbers), when it is one a logo may be. */
export async function logoTypeOf(bytes: Blob): Promise<LogoType | null> {
	const found = await fileTypeFromBlob(bytes);
	const mime = found?.mime as LogoType | undefined;
	return mime && LOGO_TYPES.includes(mime) ? mime : null;
}

/**
 * Reads a stored object back and keeps it only if its bytes are an allowed image: otherwise it is
 * deleted, so a file that is not a logo never stays in the clinic's public folder through us.
 */
async function checkStoredLogo(supabase: Db, path: string, field: string): Promise<Result> {
	const { data, error } = await supabase.storage.from('branding').download(path);
	if (error || !data) return refuse('That file is not in this clinic’s storage.', { field });
	if (await logoTypeOf(data)) return DONE;
	const { error: removeError } = await supabase.storage.from('branding').remove([path]);
	if (removeError) throw new Error(`removing a refused logo failed: ${removeError.message}`);
	return refuse(NOT_AN_IMAGE, { field });
}

/**
 * Points the clinic at a logo already stored in its folder once its bytes are checked, and
 * deletes the previous one. `field` is the form field a refusal is shown next to.
 */
export async function setLogo({
	supabase,
	organizationId,
	folder,
	logoPath,
	field
}: {
	supabase: Db;
	organizationId: string;
	/** The clinic's folder in the branding bucket: its slug. */
	folder: string;
	logoPath: string | null;
	field: string;
}): Promise<Result> {
	if (logoPath && !logoPath.startsWith(`${folder}/`))
		return refuse('That file does not belong to this clinic.', { field, status: 403 });
	if (logoPath) {
		const checked = await checkStoredLogo(supabase, logoPath, field);
		if (!checked.ok) return checked;
	}
	const before = await getBranding({ supabase, organizationId });
	const set = await updateById(
		supabase,
		'organizations',
		organizationId,
		{ logo_path: logoPath },
		{
			otherwise: field,
			none: refuse('Only this clinic’s admins can change its logo.', { field, status: 403 })
		}
	);
	if (!set.ok) return set;
	if (before?.logo_path && before.logo_path !== logoPath) {
		// best effort: an orphaned old logo is harmless, the clinic no longer points at it
		await supabase.storage.from('branding').remove([before.logo_path]);
	}
	return DONE;
}

/** Server-side upload (the form without JavaScript): streams the file to Storage as the admin. */
export async function uploadLogo({
	supabase,
	folder,
	file
}: {
	supabase: Db;
	/** The clinic's folder in the branding bucket: its slug. */
	folder: string;
	file: File;
}): Promise<Result<{ path: string }>> {
	const type = file.type as LogoType;
	if (!LOGO_TYPES.includes(type))
		return refuse('Use a PNG, JPEG, WebP or GIF image.', { field: 'logo' });
	const path = `${folder}/logo-${Date.now()}.${LOGO_EXTENSIONS[type]}`;
	const { error } = await supabase.storage
		.from('branding')
		.upload(path, file, { contentType: type, upsert: false });
	if (error) return refuse(`Upload refused: ${error.message}`, { field: 'logo' });
	return { ok: true, path };
}
