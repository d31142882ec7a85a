/**
 * Patient registration: one set of rules shared by the create/edit actions, the form in the
 * browser and tests. The static demographics mirror the `patients` check constraints; the custom
 * fields are built from the clinic's ACTIVE `patient_field_definitions` and mirror
 * `private.validate_patient_custom_fields()` (type, required, format, options, unknown keys), so
 * the form shows an error next to a field before the database sees it. The database stays the
 * authority: its errors are mapped back to the same fields by `$lib/server/patients`.
 */
import { z } from 'zod';
import { INVALID_TEXT_MESSAGE, isStorableText, text } from '$lib/schemas/text';

export const PATIENT_SEXES = ['female', 'male', 'other', 'unknown'] as const;
export type PatientSex = (typeof PATIENT_SEXES)[number];
export const SEX_LABELS: Record<PatientSex, string> = {
	female: 'Female',
	male: 'Male',
	other: 'Other',
	unknown: 'Unknown'
};

/** Rows per page in the patients list. */
export const PATIENT_PAGE_SIZE = 25;

/** Roles the `patients_insert_registration` / `patients_update_registration` policies allow. */
export const PATIENT_EDITOR_ROLES = ['admin', 'doctor', 'nurse', 'receptionist'] as const;

/** Whether a role may register, edit and archive patients (the UI's view of the RLS policies). */
export function canEditPatients(role: string | null | undefined): boolean {
	return (PATIENT_EDITOR_ROLES as readonly string[]).includes(role ?? '');
}

export const CUSTOM_FIELD_TYPES = ['text', 'number', 'date', 'boolean', 'select'] as const;
export type CustomFieldType = (typeof CUSTOM_FIELD_TYPES)[number];

/** The columns of `patient_field_definitions` the form and the validators need. */
export interface FieldDefinition {
	key: string;
	label: string;
	field_type: CustomFieldType;
	options: string[] | null;
	required: boolean;
	/**
	 * The regular expression the database derived from the field's format (a kind or an example
	 * mask): used to check a value, never shown to people.
	 */
	pattern: string | null;
	/** The format in words, derived by the database: "must look like ABC1234"; null for any text. */
	format_hint: string | null;
	unique_within_clinic?: boolean;
	sort_order?: number;
}

/** Stored custom field values: what `patients.custom_fields` holds (JSON types matter). */
export type CustomFieldValue = string | number | boolean;
export type CustomFields = Record<string, CustomFieldValue>;

/** Whether a stored custom value counts as given: absent, null and '' do not (as the database's check). */
export function hasCustomValue(value: unknown): boolean {
	return value !== undefined && value !== null && value !== '';
}

/**
 * Labels of the clinic's active required fields a patient has no value for: a field made required
 * after the patient was registered needs no backfill, so the list and the chart flag the record as
 * incomplete instead.
 */
type RequiredRule = Pick<FieldDefinition, 'key' | 'label' | 'required'> & { active?: boolean };

/** Whether this (active, required) field has no value in `values`: the record is incomplete. */
export function isMissing(def: RequiredRule, values: Record<string, unknown> | null | undefined) {
	return def.active !== false && def.required && !hasCustomValue((values ?? {})[def.key]);
}

export function missingRequired(
	definitions: readonly RequiredRule[],
	values: Record<string, unknown> | null | undefined
): string[] {
	return definitions.filter((d) => isMissing(d, values)).map((d) => d.label);
}

const PHONE = /^\+?[0-9][0-9 ().-]{2,30}$/;
const EMAIL = /^[^@\s]+@[^@\s]+\.[^@\s]+$/;

/** `YYYY-MM-DD` naming a real calendar day (what `private.is_iso_date` accepts). */
export function isIsoDate(value: string): boolean {
	if (!/^\d{4}-\d{2}-\d{2}$/.test(value)) return false;
	const d = new Date(`${value}T00:00:00Z`);
	return !Number.isNaN(d.getTime()) && d.toISOString().slice(0, 10) === value;
}

/**
 * A definition's derived pattern as a JavaScript RegExp, or null when there is none or JavaScript
 * cannot compile it (then only the database checks). The database derives anchored patterns of
 * ASCII classes and escaped punctuation, which mean the same in both.
 */
export function compilePattern(pattern: string | null): RegExp | null {
	if (!pattern) return null;
	try {
		return new RegExp(pattern);
	} catch {
		return null;
	}
}

/** The earliest date of birth the clinic records (the `patients_date_of_birth_check` constraint). */
export const EARLIEST_BIRTH_DATE = '1900-01-01';

/**
 * The latest date of birth accepted now: today in the earliest time zone on Earth (UTC+14), as the
 * database's `private.check_patient_birth_date` trigger checks it, so a baby born today anywhere can
 * be registered and nothing later can.
 */
export function latestBirthDate(now = new Date()): string {
	return new Date(now.getTime() + 14 * 3600_000).toISOString().slice(0, 10);
}

/** Demographics (the `patients` columns staff edit); '' means "not recorded". */
export const demographicsSchema = z.object({
	given_name: text()
		.trim()
		.min(1, { error: 'Enter the given name.' })
		.max(100, { error: 'Use at most 100 characters.' }),
	family_name: text()
		.trim()
		.min(1, { error: 'Enter the family name.' })
		.max(100, { error: 'Use at most 100 characters.' }),
	date_of_birth: text()
		.trim()
		.refine((v) => v === '' || isIsoDate(v), { error: 'Enter a date as YYYY-MM-DD.' })
		.refine((v) => v === '' || !isIsoDate(v) || v >= EARLIEST_BIRTH_DATE, {
			error: 'Enter a date of birth from 1900 onwards.'
		})
		.refine((v) => v === '' || !isIsoDate(v) || v <= latestBirthDate(), {
			error: 'A date of birth cannot be in the future.'
		}),
	sex: z.enum(PATIENT_SEXES, { error: 'Choose one of the listed options.' }).default('unknown'),
	phone: text()
		.trim()
		.refine((v) => v === '' || PHONE.test(v), {
			error: 'Enter a phone number of digits, spaces, ( ) . - and an optional leading +.'
		}),
	email: text()
		.trim()
		.max(254, { error: 'Use at most 254 characters.' })
		.refine((v) => v === '' || EMAIL.test(v), { error: 'Enter a valid email address.' }),
	address: text().trim().max(500, { error: 'Use at most 500 characters.' })
});
export type Demographics = z.infer<typeof demographicsSchema>;

function requiredMessage(def: FieldDefinition) {
	return `${def.label} is required.`;
}

/** "Insurance number must look like ABC1234.": the label and the format in words, never the pattern. */
export function formatMessage(def: Pick<FieldDefinition, 'label' | 'format_hint'>) {
	return `${def.label} ${def.format_hint ?? 'does not have the required format'}.`;
}

/**
 * The schema of one stored value (JSON types as the database checks them). Optional fields accept
 * absent, null and '' (the database stores those as absent).
 */
export function customFieldValueSchema(
	def: FieldDefinition
): z.ZodType<CustomFieldValue | null | undefined> {
	const re = compilePattern(def.pattern);
	let value: z.ZodType<CustomFieldValue>;
	switch (def.field_type) {
		case 'text':
			value = text({ error: `${def.label} must be text.` })
				.max(1000, { error: 'Use at most 1000 characters.' })
				.refine((v) => v === '' || !re || re.test(v), { error: formatMessage(def) });
			break;
		case 'number':
			value = z.number({ error: `${def.label} must be a number.` }).finite();
			break;
		case 'date':
			value = text({ error: `${def.label} must be a date (YYYY-MM-DD).` }).refine(
				(v) => v === '' || isIsoDate(v),
				{
					error: `${def.label} must be a date (YYYY-MM-DD).`
				}
			);
			break;
		case 'boolean':
			value = z.boolean({ error: `${def.label} must be true or false.` });
			break;
		case 'select': {
			const options = def.options ?? [];
			value = text({ error: `Choose one of: ${options.join(', ')}.` }).refine(
				(v) => v === '' || options.includes(v),
				{
					error: `Choose one of: ${options.join(', ')}.`
				}
			);
			break;
		}
	}
	// Required-ness is checked by `customFieldsSchema` on the object: zod skips the schema of an
	// optional key that is absent, so a required check here would never see a missing key.
	return value.nullable().optional();
}

/**
 * The `custom_fields` object for a clinic's active definitions: each value typed and checked,
 * required ones present, and no keys the clinic does not define (strict, like the trigger).
 */
export function customFieldsSchema(definitions: readonly FieldDefinition[]) {
	return z
		.strictObject(Object.fromEntries(definitions.map((d) => [d.key, customFieldValueSchema(d)])), {
			error: (issue) =>
				issue.code === 'unrecognized_keys' ? 'Not a field of this clinic.' : undefined
		})
		.superRefine((values, ctx) => {
			for (const def of definitions) {
				const v = (values as Record<string, unknown>)[def.key];
				if (def.required && !hasCustomValue(v)) {
					ctx.addIssue({ code: 'custom', path: [def.key], message: requiredMessage(def) });
				}
			}
		});
}

/** A patient of the clinic that looks like the one being registered (`find_patient_duplicates`). */
export interface LikelyDuplicate {
	id: string;
	mrn: string;
	given_name: string;
	family_name: string;
	date_of_birth: string | null;
	archived: boolean;
	/** Why, in words: "same name and date of birth", "same National ID". */
	reason: string;
}

/** Form input name of a custom field (prefixed so a key can never shadow a demographic column). */
export function customFieldName(key: string): `cf_${string}` {
	return `cf_${key}`;
}

/**
 * A custom field as an HTML form field: text, date and select post strings ('' = empty), numbers
 * are parsed (empty = null), checkboxes are booleans. Same rules as `customFieldValueSchema`.
 */
function customFieldFormSchema(def: FieldDefinition): z.ZodType {
	const required = <T extends z.ZodType>(s: T) =>
		def.required
			? s.refine((v: unknown) => v !== null && v !== undefined && v !== '', {
					error: requiredMessage(def)
				})
			: s;
	switch (def.field_type) {
		case 'number':
			return required(
				z
					.number({ error: `${def.label} must be a number.` })
					.finite()
					.nullable()
			);
		case 'boolean':
			return z.boolean().default(false);
		default: {
			const stored = customFieldValueSchema({ ...def, required: false });
			return required(
				text()
					.trim()
					.superRefine((v, ctx) => {
						const r = stored.safeParse(v);
						if (!r.success)
							for (const i of r.error.issues) ctx.addIssue({ code: 'custom', message: i.message });
					})
			);
		}
	}
}

/**
 * The whole registration form: demographics, `cf_<key>` for each active definition, and
 * `confirm_duplicate`: ticked when the person saw the likely duplicates and saves anyway.
 */
export function patientFormSchema(
	definitions: readonly FieldDefinition[]
): z.ZodObject<PatientFormShape> {
	return demographicsSchema.extend({
		confirm_duplicate: z.boolean().default(false),
		...Object.fromEntries(
			definitions.map((d) => [customFieldName(d.key), customFieldFormSchema(d)])
		)
	}) as z.ZodObject<PatientFormShape>;
}
type PatientFormShape = typeof demographicsSchema.shape & {
	confirm_duplicate: z.ZodDefault<z.ZodBoolean>;
} & { [k: `cf_${string}`]: z.ZodType };
export type PatientForm = z.infer<z.ZodObject<PatientFormShape>>;

/**
 * The `custom_fields` to store from validated form data. Starts from the stored values so keys of
 * inactive definitions keep theirs (the trigger allows unchanged values only); an empty optional
 * field is removed; numbers stay numbers and booleans booleans.
 */
export function customFieldsFromForm(
	form: Record<string, unknown>,
	definitions: readonly FieldDefinition[],
	stored: Record<string, unknown> = {}
): Record<string, unknown> {
	const out: Record<string, unknown> = { ...stored };
	for (const def of definitions) {
		const v = form[customFieldName(def.key)];
		if (!hasCustomValue(v)) delete out[def.key];
		else out[def.key] = v;
	}
	return out;
}

/** The form's initial values for a stored patient (custom values under `cf_<key>`). */
export function formValuesFromPatient(
	patient: {
		given_name: string;
		family_name: string;
		date_of_birth: string | null;
		sex: PatientSex;
		phone: string | null;
		email: string | null;
		address: string | null;
		custom_fields: unknown;
	},
	definitions: readonly FieldDefinition[]
): Record<string, unknown> {
	const stored =
		patient.custom_fields && typeof patient.custom_fields === 'object'
			? (patient.custom_fields as Record<string, unknown>)
			: {};
	const values: Record<string, unknown> = {
		given_name: patient.given_name,
		family_name: patient.family_name,
		date_of_birth: patient.date_of_birth ?? '',
		sex: patient.sex,
		phone: patient.phone ?? '',
		email: patient.email ?? '',
		address: patient.address ?? ''
	};
	for (const def of definitions) {
		const v = stored[def.key];
		values[customFieldName(def.key)] =
			def.field_type === 'boolean'
				? v === true
				: def.field_type === 'number'
					? typeof v === 'number'
						? v
						: null
					: typeof v === 'string'
						? v
						: '';
	}
	return values;
}

/** The longest search `search_patients` accepts; longer ones are refused with a message. */
export const PATIENT_SEARCH_MAX = 100;

/**
 * Patients list query from the URL: `?q=…&page=2&archived=1` (a GET form, so it is shareable). A
 * query that is too long or holds unreadable characters is kept (the box shows it) and refused
 * with a message by the page, never silently dropped.
 */
export const patientListQuerySchema = z.object({
	q: z.string().trim().catch(''),
	page: z.coerce.number().int().min(1).max(100_000).catch(1),
	archived: text()
		.optional()
		.transform((v) => v === '1' || v === 'on' || v === 'true')
});
export type PatientListQuery = z.infer<typeof patientListQuerySchema>;

/** Why a search cannot run (shown next to the search box), or null when it can. */
export function searchProblem(q: string): string | null {
	if (q.length > PATIENT_SEARCH_MAX)
		return `The search is too long (${q.length} characters). Use at most ${PATIENT_SEARCH_MAX}: a name, an MRN or a date of birth.`;
	if (!isStorableText(q)) return INVALID_TEXT_MESSAGE;
	return null;
}
