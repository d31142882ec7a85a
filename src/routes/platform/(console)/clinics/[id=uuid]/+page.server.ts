import { fail, redirect } from '@sveltejs/kit';
import { superValidate } from 'sveltekit-superforms';
import { zod4 } from 'sveltekit-superforms/adapters';
import { changePlanSchema, invoiceStatusSchema } from '$lib/schemas/platform';
import {
	changePlan,
	generateInvoice,
	listPlans,
	setInvoiceStatus
} from '$lib/server/platform/billing';
import { clinicDetail } from '$lib/server/platform/clinics';
import { requirePlatformAdmin } from '$lib/server/platform/guard';
import { recordPayment } from '$lib/server/platform/payments';
import { failForm } from '$lib/server/refusals';
import type { Actions, PageServerLoad } from './$types';

export const load: PageServerLoad = async ({ locals, url, params }) => {
	await requirePlatformAdmin({ locals, url });
	const detail = await clinicDetail({
		supabase: locals.supabase,
		organizationId: params.id
	});
	return {
		...detail,
		plans: await listPlans({ supabase: locals.supabase }),
		planForm: await superValidate({ plan_id: detail.clinic.plan_id }, zod4(changePlanSchema), {
			errors: false
		}),
		created: url.searchParams.get('created'),
		notice: url.searchParams.get('notice')
	};
};

export const actions: Actions = {
	changePlan: async ({ request, locals, url, params }) => {
		await requirePlatformAdmin({ locals, url });
		const form = await superValidate(request, zod4(changePlanSchema));
		if (!form.valid) return fail(400, { form });
		const changed = await changePlan({
			supabase: locals.supabase,
			organizationId: params.id,
			planId: form.data.plan_id,
			overrideReason: form.data.override ? form.data.override_reason : null
		});
		if (!changed.ok) {
			// over the plan's limits: the page offers to change it anyway, with a reason
			if (changed.status === 409) form.message = 'over-limits';
			return failForm(form, changed);
		}
		redirect(303, `/platform/clinics/${params.id}?notice=plan-changed`);
	},
	generateInvoice: async ({ locals, url, params }) => {
		await requirePlatformAdmin({ locals, url });
		await generateInvoice({ supabase: locals.supabase, organizationId: params.id });
		redirect(303, `/platform/clinics/${params.id}?notice=invoice-generated`);
	},
	invoiceStatus: async ({ request, locals, url, params }) => {
		await requirePlatformAdmin({ locals, url });
		const form = await superValidate(request, zod4(invoiceStatusSchema));
		if (!form.valid) return fail(400, { form });
		if (form.data.status === 'paid') {
			await recordPayment({ supabase: locals.supabase, invoiceId: form.data.invoice_id });
		} else {
			await setInvoiceStatus({
				supabase: locals.supabase,
				invoiceId: form.data.invoice_id,
				status: 'void'
			});
		}
		redirect(303, `/platform/clinics/${params.id}?notice=invoice-${form.data.status}`);
	}
};
