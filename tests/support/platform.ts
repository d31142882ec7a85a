/** What the platform console's tests read back from the database. */
import { sql } from './stack.ts';

/** A clinic's plan as the organization row and its subscription each record it (they must agree). */
export async function clinicPlan(orgId: string): Promise<{ plan_id: string; sub_plan: string }> {
	const [row] = await sql<{ plan_id: string; sub_plan: string }>(
		`select o.plan_id, s.plan_id as sub_plan from public.organizations o
		   join public.subscriptions s on s.organization_id = o.id where o.id = $1`,
		[orgId]
	);
	return row;
}
