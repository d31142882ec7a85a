/**
 * The invitee's side of an invitation at /accept-invite?key=<secret> (the person accepting, signed
 * in through the invitation e-mail's link). The secret in the link is the proof: the database
 * shows and accepts only the invitation it belongs to, and only for the address it was sent to.
 */
import type { Db } from './db';
import type { Role } from '$lib/roles';
import { myOrganizations } from './active-organization';
import { refusalOf, refuse, type Result } from './refusals';
import { readOrThrow } from './reads';

export interface InvitationPreview {
	email: string;
	role: Role;
	expiresAt: string;
	clinicSlug: string;
	clinicName: string;
	inviterName: string | null;
	/** What the admin typed for the invitee's name ('' when nothing). */
	fullName: string;
}

/** The invitation this secret belongs to, if it is pending and unexpired; null otherwise. */
export async function invitationByKey({
	supabase,
	key
}: {
	supabase: Db;
	key: string;
}): Promise<InvitationPreview | null> {
	if (!key) return null;
	const data = await readOrThrow(
		'invitation_by_secret',
		supabase.rpc('invitation_by_secret', { secret: key }).maybeSingle()
	);
	if (!data) return null;
	return {
		email: data.email,
		role: data.role,
		expiresAt: data.expires_at,
		clinicSlug: data.organization_slug,
		clinicName: data.organization_name,
		inviterName: data.inviter_name,
		fullName: data.full_name
	};
}

/** The signed-in person's own name, to prefill the form (profiles: everyone reads their own). */
export async function ownName({ supabase, userId }: { supabase: Db; userId: string }) {
	const { data } = await supabase
		.from('profiles')
		.select('full_name')
		.eq('id', userId)
		.maybeSingle();
	return data?.full_name ?? '';
}

/**
 * Accepts the invitation whose secret the person holds at the clinic `slug`, under their name (the
 * database checks the secret, the verified e-mail, the clinic, pending and unexpired, and a free
 * seat), then refreshes the session so the token names this clinic.
 */
export async function acceptInvitation({
	supabase,
	slug,
	key,
	fullName
}: {
	supabase: Db;
	slug: string;
	key: string;
	fullName: string;
}): Promise<Result<{ hasOtherClinics: boolean }, 'fullName' | 'accept'>> {
	const { error } = await supabase.rpc('accept_invitation', {
		org_slug: slug,
		secret: key,
		full_name: fullName
	});
	if (error) return refusalOf(error, { fields: { full_name: 'fullName' }, otherwise: 'accept' });
	const { error: refreshError } = await supabase.auth.refreshSession();
	if (refreshError) return refuse(refreshError.message, { field: 'accept' });
	const orgs = await myOrganizations(supabase);
	return { ok: true, hasOtherClinics: orgs.length > 1 };
}
