/**
 * Clinic staff and invitations, for the clinic admin console. Every call runs with the signed-in
 * admin's own client: RLS (live membership, admin role, the active clinic) decides what is visible
 * and writable, and database triggers enforce seats, the last admin and no self-changes. These
 * functions only shape the data and turn database refusals into messages.
 */
import type { Db, WithDb } from '../db';
import type { Role } from '$lib/roles';
import { throwawayClient } from '../supabase';
import { DONE, oneRow, updateById, refusalOf, refuse, type Result } from '../refusals';
import { readOrThrow } from '../reads';

export interface StaffMember {
	membershipId: string;
	userId: string;
	name: string;
	email: string;
	role: Role;
	status: string;
	isSelf: boolean;
	/**
	 * Whether the person has set up two-factor sign-in: the computed field `two_factor` of
	 * memberships (migration 20261124900000_require_two_factor.sql, section 4: an admin of the
	 * clinic reads it; false for anyone else), carried by the same select.
	 */
	twoFactor: boolean;
}

export interface Invitation {
	id: string;
	email: string;
	fullName: string;
	role: Role;
	status: 'pending' | 'accepted' | 'revoked' | 'expired';
	expiresAt: string;
	lastSentAt: string;
	sendCount: number;
	createdAt: string;
}

/** A membership of another clinic (a forged id) matches no row under RLS: reported, not ignored. */
const NO_SUCH_MEMBER = 'No such staff member at this clinic.';

const MEMBER_COLUMNS = 'id, user_id, role, status, two_factor, profiles(full_name, email)';

function toStaffMember(
	m: {
		id: string;
		user_id: string;
		role: Role;
		status: string;
		two_factor: boolean | null;
		profiles: { full_name: string | null; email: string | null } | null;
	},
	selfId: string
): StaffMember {
	return {
		membershipId: m.id,
		userId: m.user_id,
		name: m.profiles?.full_name ?? '',
		email: m.profiles?.email ?? '',
		role: m.role,
		status: m.status,
		isSelf: m.user_id === selfId,
		twoFactor: m.two_factor ?? false
	};
}

export async function getMember({
	supabase,
	membershipId,
	selfId
}: {
	supabase: Db;
	membershipId: string;
	selfId: string;
}): Promise<StaffMember | null> {
	const data = await readOrThrow(
		'memberships',
		supabase.from('memberships').select(MEMBER_COLUMNS).eq('id', membershipId).maybeSingle()
	);
	return data ? toStaffMember(data, selfId) : null;
}

/**
 * Changes a member's role. A membership of another clinic (a forged id) matches no row under RLS,
 * which is reported as not found rather than silently succeeding.
 */
export async function changeRole({
	supabase,
	membershipId,
	role
}: WithDb<{ membershipId: string; role: Role }>): Promise<Result> {
	return updateById(
		supabase,
		'memberships',
		membershipId,
		{ role },
		{
			otherwise: 'role',
			none: NO_SUCH_MEMBER
		}
	);
}

/** Removes a membership; the person's very next request is refused by RLS's live check. */
export async function removeMember({
	supabase,
	membershipId
}: {
	supabase: Db;
	membershipId: string;
}): Promise<Result> {
	return oneRow(supabase.from('memberships').delete().eq('id', membershipId).select('id'), {
		otherwise: 'membershipId',
		none: NO_SUCH_MEMBER
	});
}

export interface SeatUsage {
	planName: string;
	limit: number | null;
	active: number;
	pending: number;
}

const INVITATION_COLUMNS =
	'id, email, full_name, role, status, expires_at, last_sent_at, send_count, created_at';

/**
 * Everything the staff page shows, in ONE embedded select from the clinic's row (RLS decides each
 * embedded table as for a direct read): the plan's seat limit, every membership with the person's
 * name and e-mail (oldest first), the 200 latest invitations, and the ids of the pending ones not
 * yet expired (the seats they hold).
 */
export async function staffPage({
	supabase,
	organizationId,
	selfId
}: {
	supabase: Db;
	organizationId: string;
	selfId: string;
}): Promise<{ staff: StaffMember[]; invitations: Invitation[]; seats: SeatUsage }> {
	const now = new Date();
	const data = await readOrThrow(
		'staff page',
		supabase
			.from('organizations')
			.select(
				`plans(name, seat_limit), memberships(${MEMBER_COLUMNS}, created_at), invitations(${INVITATION_COLUMNS}), pending:invitations(id)`
			)
			.eq('id', organizationId)
			.order('created_at', { referencedTable: 'memberships', ascending: true })
			.order('created_at', { referencedTable: 'invitations', ascending: false })
			.limit(200, { referencedTable: 'invitations' })
			.eq('pending.status', 'pending')
			.gt('pending.expires_at', now.toISOString())
			.maybeSingle()
	);
	const memberships = data?.memberships ?? [];
	return {
		staff: memberships.map((m) => toStaffMember(m, selfId)),
		invitations: (data?.invitations ?? []).map((i) => ({
			id: i.id,
			email: i.email,
			fullName: i.full_name,
			role: i.role,
			// a pending invitation past its expiry can no longer be accepted: show it as expired
			status:
				i.status === 'pending' && Date.parse(i.expires_at) <= now.getTime() ? 'expired' : i.status,
			expiresAt: i.expires_at,
			lastSentAt: i.last_sent_at,
			sendCount: i.send_count,
			createdAt: i.created_at
		})),
		seats: {
			planName: data?.plans?.name ?? '',
			limit: data?.plans?.seat_limit ?? null,
			active: memberships.filter((m) => m.status === 'active').length,
			pending: data?.pending?.length ?? 0
		}
	};
}

/**
 * Asks Auth to e-mail the invitee a sign-in link (creating their account if they have none) that
 * returns to this clinic's address and then to `/accept-invite?key=<secret>`: the invitation's
 * secret travels only inside that link (Auth hands it to the portal's Send Email hook, which
 * renders the e-mail in the clinic's name). A throwaway client with the publishable key: no
 * service-role key, the request's own session cookie untouched, and no PKCE (the link works in
 * any browser).
 */
export async function sendInvitationEmail({
	email,
	secret,
	clinicOrigin,
	field
}: {
	email: string;
	secret: string;
	clinicOrigin: string;
	/** The form field a failure is shown next to. */
	field: string;
}): Promise<Result> {
	const auth = throwawayClient('implicit').auth;
	const next = `/accept-invite?key=${encodeURIComponent(secret)}`;
	const { error } = await auth.signInWithOtp({
		email,
		options: {
			shouldCreateUser: true,
			emailRedirectTo: `${clinicOrigin}/auth/confirm?next=${encodeURIComponent(next)}`
		}
	});
	if (!error) return DONE;
	return error.code === 'over_email_send_rate_limit' || error.status === 429
		? refuse('Too many e-mails were sent just now. Wait a minute, then resend.', {
				field,
				status: 409
			})
		: refuse(`The e-mail could not be sent (${error.message}).`, { field });
}

/**
 * Records the invitation and its single-use secret (the database checks the address, seats,
 * duplicates and current staff), then mails the link. If the e-mail cannot go out, the invitation
 * is revoked again, so a refused address never holds a seat.
 */
export async function invite({
	supabase,
	organizationId,
	email,
	role,
	fullName,
	clinicOrigin
}: {
	supabase: Db;
	organizationId: string;
	email: string;
	role: Role;
	fullName: string;
	clinicOrigin: string;
}): Promise<Result> {
	const { data, error } = await supabase
		.rpc('create_invitation', {
			organization_id: organizationId,
			email,
			role,
			full_name: fullName
		})
		.single();
	if (error) {
		return refusalOf(error, {
			fields: { role: 'role', full_name: 'fullName', invitations_email_valid: 'email' },
			otherwise: 'email'
		});
	}
	if (!data) throw new Error('create_invitation returned no invitation');
	const sent = await sendInvitationEmail({
		email,
		secret: data.secret,
		clinicOrigin,
		field: 'email'
	});
	if (sent.ok) return sent;
	await revokeInvitation({ supabase, invitationId: data.invitation_id });
	return refuse(`${sent.message} The invitation was withdrawn and holds no seat.`, {
		field: sent.field,
		status: sent.status
	});
}

/** A fresh week, a new secret (the old link stops working) and a new e-mail. */
export async function resendInvitation({
	supabase,
	invitationId,
	clinicOrigin
}: {
	supabase: Db;
	invitationId: string;
	clinicOrigin: string;
}): Promise<Result> {
	const resent = await oneRow(supabase.rpc('resend_invitation', { invitation_id: invitationId }), {
		otherwise: 'invitationId',
		none: 'No pending invitation to resend.'
	});
	if (!resent.ok) return resent;
	const sent = await sendInvitationEmail({
		email: resent.row.email,
		secret: resent.row.secret,
		clinicOrigin,
		field: 'invitationId'
	});
	return sent.ok ? sent : refuse(`${sent.message} Use Resend again.`, { field: 'invitationId' });
}

export async function revokeInvitation({
	supabase,
	invitationId
}: {
	supabase: Db;
	invitationId: string;
}): Promise<Result> {
	return oneRow(
		supabase
			.from('invitations')
			.update({ status: 'revoked' })
			.eq('id', invitationId)
			.eq('status', 'pending')
			.select('id'),
		{ otherwise: 'invitationId', none: 'No pending invitation to revoke.' }
	);
}
