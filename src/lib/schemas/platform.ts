import { z } from 'zod';
import { isCurrency, parseAmount } from '$lib/money';
import { text } from '$lib/schemas/text';
import { emailSchema } from './email';
import { timeZoneSchema } from './time-zone';

/** Forms of the platform console: shared by its actions, pages and tests. */

export const organizationTypes = ['clinic', 'hospital', 'laboratory', 'pharmacy', 'other'] as const;

export const onboardClinicSchema = z.object({
	name: text()
		.trim()
		.min(1, { error: 'Enter the clinic’s name.' })
		.max(120, { error: 'Use at most 120 characters.' }),
	type: z.enum(organizationTypes, { error: 'Choose a type.' }).default('clinic'),
	slug: text()
		.trim()
		.toLowerCase()
		.regex(/^[a-z0-9][a-z0-9-]{1,61}[a-z0-9]$/, {
			error: 'Use 3-63 lowercase letters, digits and hyphens, not at either end.'
		})
		.refine((s) => !s.includes('--'), { error: 'Do not use two hyphens in a row.' }),
	domain: text()
		.trim()
		.toLowerCase()
		.max(253)
		.regex(/^$|^([a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?\.)+[a-z]([a-z0-9-]{0,61}[a-z0-9])?$/, {
			error: 'Enter a domain name such as clinic.example.com, or leave it empty.'
		})
		.default(''),
	plan_id: text().min(1, { error: 'Choose a plan.' }),
	/** The clinic's time zone: its diary, "today" and every time its staff see. */
	time_zone: timeZoneSchema,
	admin_email: emailSchema
});
export type OnboardClinicInput = z.infer<typeof onboardClinicSchema>;

export const clinicSearchSchema = z.object({
	q: text().trim().max(100).default(''),
	page: z.coerce.number().int().min(1).default(1)
});

export const suspendClinicSchema = z.object({
	reason: text()
		.trim()
		.min(3, { error: 'Say why (at least 3 characters); the clinic’s trail records it.' })
		.max(500, { error: 'Use at most 500 characters.' })
});

export const reactivateClinicSchema = suspendClinicSchema;

/**
 * Moving a clinic to another plan. A plan whose seat or patient limit the clinic already exceeds
 * is refused by the database with the numbers; `override` with a reason moves it anyway, and both
 * audit trails record the override.
 */
export const changePlanSchema = z
	.object({
		plan_id: text().min(1, { error: 'Choose a plan.' }),
		override: z.boolean().default(false),
		override_reason: text().trim().max(500, { error: 'Use at most 500 characters.' }).default('')
	})
	.superRefine((v, ctx) => {
		if (v.override && v.override_reason.length < 10) {
			ctx.addIssue({
				code: 'custom',
				path: ['override_reason'],
				message: 'Say why the clinic may go over the plan’s limits (at least 10 characters).'
			});
		}
	});
export type ChangePlanInput = z.infer<typeof changePlanSchema>;

/** The largest limit the database holds (Postgres `integer`). */
const MAX_LIMIT = 2_147_483_647;

/**
 * A plan limit as typed: empty for unlimited, else a whole number of at least 1. Kept as text in
 * the form (a number input would turn "abc" into an empty value, i.e. unlimited, silently);
 * `limitValue` turns it into the number or null.
 */
function limitField(unit: string) {
	return text()
		.trim()
		.default('')
		.superRefine((value, ctx) => {
			if (value === '') return;
			const fail = (message: string) => ctx.addIssue({ code: 'custom', message });
			if (/^-\s*\d/.test(value))
				return fail(
					`A limit cannot be negative: enter 1 or more ${unit}, or leave it empty for unlimited.`
				);
			if (/^\d+[.,]\d+$/.test(value)) return fail(`Enter a whole number of ${unit}.`);
			if (!/^\d+$/.test(value))
				return fail(`Enter a whole number of ${unit}, or leave it empty for unlimited.`);
			const n = Number(value);
			if (n < 1) return fail(`A limit must be at least 1 (leave it empty for unlimited).`);
			if (n > MAX_LIMIT) return fail(`Enter at most ${MAX_LIMIT.toLocaleString('en')}.`);
		});
}

/** A validated limit field's value: null = unlimited. */
export function limitValue(text: string): number | null {
	return text.trim() === '' ? null : Number(text);
}

export const planSchema = z
	.object({
		id: text()
			.trim()
			.regex(/^[a-z][a-z0-9_]{1,31}$/, {
				error: 'Use 2-32 lowercase letters, digits or underscores, starting with a letter.'
			}),
		name: text()
			.trim()
			.min(1, { error: 'Enter a name.' })
			.max(80, { error: 'Use at most 80 characters.' }),
		seat_limit: limitField('seats'),
		patient_limit: limitField('patients'),
		/** In the plan's currency as people write it ("49.00"); stored in its minor unit. */
		monthly_price: text().trim().default(''),
		currency: text()
			.trim()
			.toUpperCase()
			.refine(isCurrency, { error: 'Choose a currency from the list (ISO 4217, e.g. USD).' })
			.default('USD')
	})
	.superRefine((v, ctx) => {
		if (!isCurrency(v.currency)) return;
		const price = parseAmount(v.monthly_price, v.currency);
		if (!price.ok)
			ctx.addIssue({ code: 'custom', path: ['monthly_price'], message: price.message });
	});
export type PlanInput = z.infer<typeof planSchema>;

export const deletePlanSchema = z.object({ id: text().min(1) });

export const invoiceStatusSchema = z.object({
	invoice_id: z.uuid(),
	status: z.enum(['paid', 'void'])
});

export const settingsSchema = z.object({
	maintenance_banner: text().trim().max(500, { error: 'Use at most 500 characters.' }).default(''),
	session_idle_timeout_minutes: z.coerce
		.number({ error: 'Enter a number of minutes.' })
		.int()
		.min(5, { error: 'At least 5 minutes.' })
		.max(1440, { error: 'At most 1440 minutes (a day).' })
		.default(60)
});
