/**
 * MFA factors in GoTrue's `auth.mfa_factors`: the rows, and the factor object GoTrue returns
 * (models/factor.go JSON) in the user object's `factors` and from the admin factor endpoints.
 */
import type pg from 'pg';
import { iso } from './users.ts';

export interface FactorRow {
	id: string;
	user_id: string;
	friendly_name: string | null;
	factor_type: 'totp' | 'phone' | 'webauthn';
	status: 'verified' | 'unverified';
	secret: string | null;
	phone: string | null;
	created_at: string;
	updated_at: string;
	last_challenged_at: string | null;
}

const FACTOR_COLUMNS = `id, user_id, friendly_name, factor_type::text, status::text, secret, phone,
	created_at, updated_at, last_challenged_at`;

/** A user's factors, oldest first (GoTrue's has_many load). */
export async function userFactors(db: pg.ClientBase, userId: string): Promise<FactorRow[]> {
	const { rows } = await db.query<FactorRow>(
		`select ${FACTOR_COLUMNS} from auth.mfa_factors where user_id = $1 order by created_at, id`,
		[userId]
	);
	return rows;
}

/** The user's factor with this id (GoTrue FindOwnedFactorByID), locked for the request. */
export async function ownedFactor(
	db: pg.ClientBase,
	userId: string,
	factorId: string
): Promise<FactorRow | null> {
	const { rows } = await db.query<FactorRow>(
		`select ${FACTOR_COLUMNS} from auth.mfa_factors where id = $1 and user_id = $2 for update`,
		[factorId, userId]
	);
	return rows[0] ?? null;
}

/** GoTrue's factor JSON: `friendly_name` omitted when empty, `phone` `""` when none. */
export function factorJson(f: FactorRow): Record<string, unknown> {
	const out: Record<string, unknown> = {
		id: f.id,
		created_at: iso(f.created_at),
		updated_at: iso(f.updated_at),
		status: f.status,
		friendly_name: f.friendly_name || undefined,
		factor_type: f.factor_type,
		phone: f.phone ?? '',
		last_challenged_at: iso(f.last_challenged_at) ?? null
	};
	if (out.friendly_name === undefined) delete out.friendly_name;
	return out;
}
