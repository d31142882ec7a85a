/**
 * Staff for the database tests that drive PostgreSQL directly (several connections at once): a
 * confirmed auth user with an active membership, and a transaction run as that person the way
 * PostgREST runs a request (role `authenticated`, the token's claims in `request.jwt.claims`).
 */
import type pg from 'pg';

/** A confirmed auth user (as Auth stores one; its profile comes from the trigger), active in the clinic. */
export async function addStaff(
	db: pg.Client,
	person: { id: string; email: string; organizationId: string; role: string }
): Promise<void> {
	await db.query(
		`insert into auth.users (id, instance_id, aud, role, email, encrypted_password, email_confirmed_at,
		   raw_app_meta_data, raw_user_meta_data, created_at, updated_at, confirmation_token, recovery_token,
		   email_change_token_new, email_change)
		 values ($1, '00000000-0000-0000-0000-000000000000', 'authenticated', 'authenticated', $2, '', now(),
		   '{}', '{}', now(), now(), '', '', '', '')`,
		[person.id, person.email]
	);
	await db.query(
		`insert into public.memberships (organization_id, user_id, role) values ($1, $2, $3)`,
		[person.organizationId, person.id, person.role]
	);
}

/**
 * Opens a transaction on `client` as this member (the claims the access token hook gives them); the
 * caller commits or rolls back.
 */
export async function beginAs(
	client: pg.Client,
	member: { id: string; organizationId: string; role: string }
): Promise<void> {
	await client.query('begin');
	await client.query(`select set_config('request.jwt.claims', $1, true)`, [
		JSON.stringify({
			sub: member.id,
			role: 'authenticated',
			aud: 'authenticated',
			organization_id: member.organizationId,
			org_role: member.role
		})
	]);
	await client.query('set local role authenticated');
}
