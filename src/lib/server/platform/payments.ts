/**
 * The seam for a payment provider. The platform issues invoices (generate_invoice) but takes no
 * payments itself; a provider (Stripe, bank transfer reconciliation…) implements this interface
 * and reports back, which marks invoices paid. Today only the manual provider exists: a platform
 * admin records a payment received outside the platform.
 */
import type { SupabaseClient } from '@supabase/supabase-js';
import type { Database } from '$lib/database.types';
import { setInvoiceStatus } from './billing';

export interface PaymentProvider {
	readonly name: string;
	/** Asks the provider to collect an open invoice; returns whether it is settled now. */
	collect(invoice: {
		id: string;
		amountCents: number;
		currency: string;
	}): Promise<{ settled: boolean }>;
}

/** No provider: nothing is collected automatically; an admin marks invoices paid by hand. */
export const manualPayments: PaymentProvider = {
	name: 'manual',
	async collect() {
		return { settled: false };
	}
};

/** Records a payment reported by a provider (or by an admin for the manual provider). */
export async function recordPayment(opts: {
	supabase: SupabaseClient<Database>;
	invoiceId: string;
}) {
	await setInvoiceStatus({ supabase: opts.supabase, invoiceId: opts.invoiceId, status: 'paid' });
}
