import { z } from 'zod';
import { text } from '$lib/schemas/text';
import { emailSchema } from './email';

/** Forms of the platform console: shared by its actions, pages and tests. */

export const organizationTypes = ['clinic', 'hospital', 'laboratory', 'pharmacy', 'other'] as const;

const optionalLimit = z
	.union([z.literal('').transform(() => null), z.coerce.number().int().positive()])
	.nullable()
	.default(null);

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

export const changePlanSchema = z.object({
	plan_id: text().min(1, { error: 'Choose a plan.' })
});

export const planSchema = z.object({
	id: text()
		.trim()
		.regex(/^[a-z][a-z0-9_]{1,31}$/, {
			error: 'Use 2-32 lowercase letters, digits or underscores, starting with a letter.'
		}),
	name: text().trim().min(1, { error: 'Enter a name.' }).max(80),
	seat_limit: optionalLimit,
	patient_limit: optionalLimit,
	monthly_price_cents: z.coerce
		.number({ error: 'Enter a price in cents.' })
		.int()
		.min(0, { error: 'A price cannot be negative.' }),
	currency: text()
		.trim()
		.toUpperCase()
		.regex(/^[A-Z]{3}$/, { error: 'Use a three-letter currency code such as USD.' })
		.default('USD')
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
