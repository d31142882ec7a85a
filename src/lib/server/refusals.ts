/**
 * One way for the portal to say no. The database decides what a person may write (RLS, column
 * grants, triggers, checks); every server module turns its answer into the same `Refusal` with
 * `refusalOf` (SQLSTATE or PostgREST code → form field + message + HTTP status), using a small
 * per-form field map, and every page answers a refusal the same way with `failForm`
 * (`fail(status, { form })`, the message next to its field or at the top of the form). Writes that
 * must change exactly one row go through `oneRow`: under RLS, "no row changed" is a refusal too.
 */
import type { PostgrestError, SupabaseClient } from '@supabase/supabase-js';
import type { Database } from '$lib/database.types';
import { setError, type SuperValidated } from 'sveltekit-superforms';

export type RefusalStatus = 400 | 401 | 403 | 404 | 409 | 429;

/** A write that was not made, the form field it concerns (null: the form as a whole) and why. */
export interface Refusal<F extends string = string> {
	ok: false;
	field: F | null;
	message: string;
	status: RefusalStatus;
}

/** What a write answers: `{ ok: true, …what it produced }`, or a refusal. */
export type Result<T extends object = object, F extends string = string> =
	({ ok: true } & T) | Refusal<F>;

export const DONE = { ok: true } as const;

/** The parts of a PostgREST / RPC error this module reads. */
export type DbError = Pick<PostgrestError, 'message'> & {
	code?: string | null;
	details?: string | null;
	hint?: string | null;
};

/** How one form reads the database's refusals. */
export interface RefusalRules<F extends string = string> {
	/**
	 * Names the database uses (a column or custom-field key in DETAIL, a field name in HINT, a
	 * constraint quoted in the message) → the form field they belong to.
	 */
	fields?: Readonly<Record<string, F>>;
	/** Words of the message that point at a field when DETAIL and HINT name none (`options`). */
	words?: Readonly<Record<string, F>>;
	/** The field for refusals that name none of `fields` (default: the form as a whole). */
	otherwise?: F;
	/** What the person was doing, for role refusals: "your role may not <action> at this clinic". */
	action?: string;
	/** The whole message for a role refusal (42501), instead of the database's own words. */
	forbidden?: string;
	/** DETAIL values that mean the clinic's state is in the way (a plan limit): answered 409. */
	conflicts?: readonly string[];
}

/** SQLSTATE classes and codes that are answers about the request, not faults of the system. */
function isRefusalCode(code: string): boolean {
	return (
		/^(22|23|40)/.test(code) || ['42501', 'P0001', 'P0002', 'PT404', 'PGRST116'].includes(code)
	);
}

/** A HINT that is a field name (e.g. `slug`) rather than advice for people. */
const FIELD_POINTER = /^[a-z_][a-z0-9_]*$/;
/** Postgres's own wording, never shown as it is. */
const RAW_CONSTRAINT =
	/violates (check|foreign key|unique|not-null) constraint|row-level security/i;
/** A technical prefix such as `lab_orders: `, `visits.clinician_id: ` or `custom field "x": `. */
const PREFIX = /^[a-z_]+( [a-z_]+)?(\.[a-z_]+)?( "[^"]*")?: /;

/** A refusal the portal makes itself (no database error behind it). */
export function refuse<F extends string = string>(
	message: string,
	opts: { field?: F | null; status?: RefusalStatus } = {}
): Refusal<F> {
	return { ok: false, field: opts.field ?? null, message, status: opts.status ?? 400 };
}

/** The database's message as a sentence: without technical prefix, capitalised, with its advice. */
export function sentence(error: DbError): string {
	const text = error.message.replace(PREFIX, '').trim();
	let out = text.charAt(0).toUpperCase() + text.slice(1);
	if (!/[.!?]$/.test(out)) out += '.';
	const hint = (error.hint ?? '').trim();
	if (hint && !FIELD_POINTER.test(hint) && !out.includes(hint)) {
		out += ` ${hint}${/[.!?]$/.test(hint) ? '' : '.'}`;
	}
	return out;
}

function fieldOf<F extends string>(error: DbError, rules: RefusalRules<F>): F | null {
	const fields = rules.fields ?? {};
	const has = (name: string) => name !== '' && Object.hasOwn(fields, name);
	const detail = (error.details ?? '').trim();
	const hint = (error.hint ?? '').trim();
	const named =
		[detail, FIELD_POINTER.test(hint) ? hint : ''].find(has) ??
		Object.keys(fields).find((name) => error.message.includes(`"${name}"`));
	if (named) return fields[named];
	const word = Object.entries(rules.words ?? {}).find(([w]) =>
		new RegExp(`\\b${w}\\b`).test(error.message)
	);
	return word ? word[1] : (rules.otherwise ?? null);
}

function messageOf(error: DbError, code: string, rules: RefusalRules): string {
	const raw = RAW_CONSTRAINT.test(error.message);
	if (code === '42501') {
		if (rules.forbidden) return rules.forbidden;
		if (!rules.action) return raw ? 'Your role may not do this at this clinic.' : sentence(error);
		const reason = raw ? '' : ` (${sentence(error).replace(/\.$/, '')})`;
		return `The database refused: your role may not ${rules.action} at this clinic${reason}.`;
	}
	if (code.startsWith('40')) return 'Someone changed the same records at this moment. Try again.';
	if (raw) {
		if (code === '23505') return 'This value is already used.';
		if (code === '23503') return 'That patient or record is not in this clinic.';
		if (code === '23502') return 'This value is required.';
		return 'This value is not accepted.';
	}
	return sentence(error);
}

function statusOf(error: DbError, code: string, rules: RefusalRules): RefusalStatus {
	if (code === '42501') return 403;
	if (code === 'P0002' || code === 'PT404' || code === 'PGRST116') return 404;
	if (code === '23505' || code.startsWith('40')) return 409;
	if (rules.conflicts?.includes((error.details ?? '').trim())) return 409;
	return 400;
}

/**
 * Maps a database error to a refusal of the form `rules` describe. Errors that are not answers
 * about the request (a connection lost, a programming error) are thrown instead: the portal's
 * `handleError` logs them with an id, and nothing pretends they were the person's fault.
 */
export function refusalOf<F extends string>(
	error: DbError,
	rules: RefusalRules<F> = {}
): Refusal<F> {
	const code = error.code ?? '';
	if (!isRefusalCode(code)) {
		throw new Error(`database error ${code || '(no code)'}: ${error.message}`);
	}
	return {
		ok: false,
		field: fieldOf(error, rules),
		message: messageOf(error, code, rules),
		status: statusOf(error, code, rules)
	};
}

/**
 * A write whose answer is only "done" or "refused" (an insert, an RPC returning nothing the page
 * needs): `DONE`, or the database's refusal mapped by `rules`.
 */
export async function written<F extends string = string>(
	request: PromiseLike<{ error: DbError | null }>,
	rules: RefusalRules<F> = {}
): Promise<Result<object, F>> {
	const { error } = await request;
	return error ? refusalOf(error, rules) : DONE;
}

/**
 * A write that must change exactly one row (`update(…)`/`delete()` … `.select(…)`, optionally
 * `.maybeSingle()`): the row; the database's refusal, mapped by `rules`; or `none` when no row
 * matched, because RLS hides the rows a person may not change (another clinic's, or not theirs to
 * change) and a write that changes nothing must not look like success.
 */
export async function oneRow<R, F extends string = string>(
	request: PromiseLike<{ data: R[] | R | null; error: DbError | null }>,
	rules: RefusalRules<F> & { none: string | Refusal<F> }
): Promise<Result<{ row: R }, F>> {
	const { data, error } = await request;
	if (error) return refusalOf(error, rules);
	const row = Array.isArray(data) ? data[0] : data;
	if (row === undefined || row === null) {
		return typeof rules.none === 'string'
			? refuse(rules.none, { field: rules.otherwise ?? null })
			: rules.none;
	}
	return { ok: true, row };
}

type Tables = Database['public']['Tables'];

/**
 * The portal's usual one-row write: `values` on the row `id` of `table`, through `oneRow` (the
 * database's refusal mapped by `rules`; no row changed answered with `rules.none`).
 */
export function updateById<T extends keyof Tables & string, F extends string = string>(
	supabase: SupabaseClient<Database>,
	table: T,
	id: string,
	values: Tables[T]['Update'],
	rules: RefusalRules<F> & { none: string | Refusal<F> }
): Promise<Result<{ row: { id: string } }, F>> {
	// One generic table: supabase-js cannot type `update`/`eq` for a union of tables.
	const rows = supabase.from(table as 'organizations');
	return oneRow(
		rows
			.update(values as never)
			.eq('id', id)
			.select('id'),
		rules
	);
}

/**
 * Every page's answer to a refusal: `fail(status, { form })` with the message next to its field,
 * or on the form as a whole (superforms' `_errors`, shown at the top of the form).
 */
export function failForm<T extends Record<string, unknown>, M, In extends Record<string, unknown>>(
	form: SuperValidated<T, M, In>,
	refusal: Pick<Refusal, 'field' | 'message' | 'status'>
) {
	// Field names come from the form's own rules, which name fields of its schema; '' = the form.
	return setError(form, (refusal.field ?? '') as '', refusal.message, { status: refusal.status });
}
