/**
 * The platform console's plans and plan changes, through the browser against the real database:
 * prices typed in the plan's currency are stored in its minor unit (12.5 USD = 1250, 4900 JPY =
 * 4900; 12.555 USD refused), limits are refused with plain messages next to the field (-3 seats);
 * deleting a plan asks for confirmation on its own page and is refused while clinics use it; moving
 * a clinic to a plan it exceeds is refused with the numbers, and goes through only with a reason,
 * which both audit trails record.
 */
import { afterAll, beforeAll, describe, expect } from 'vitest';
import type { Page } from 'playwright-core';
import { appUrl, platformTest as it, fillIn, screenshotPath } from '../support/browser.ts';
import { clinicPlan } from '../support/platform.ts';
import { sql } from '../support/stack.ts';

const unique = (prefix: string) =>
	`${prefix}_${Date.now().toString(36)}${Math.random().toString(36).slice(2, 5)}`;

async function fillPlan(page: Page, v: Record<string, string>, currency?: string) {
	await page.goto(appUrl(null, '/platform/plans'));
	await fillIn(page, v, { exact: true });
	if (currency) await page.getByLabel('Currency', { exact: true }).selectOption(currency);
	await page.getByRole('button', { name: 'Save plan' }).click();
}

describe('platform console: plans', () => {
	const plans: string[] = [];
	const orgs: string[] = [];
	afterAll(async () => {
		for (const id of orgs) await sql('delete from public.organizations where id = $1', [id]);
		for (const id of plans) await sql('delete from public.plans where id = $1', [id]);
	});

	it('stores prices in the currency’s minor unit and refuses bad amounts and limits next to the field', async ({
		platformPage: page
	}) => {
		expect.hasAssertions();
		const id = unique('t');
		plans.push(id);

		// -3 seats and 12.555 USD: plain messages next to each field, nothing saved
		await fillPlan(page, {
			Id: id,
			Name: 'Test plan',
			'Seat limit': '-3',
			'Patient limit': '12.5',
			'Monthly price': '12.555'
		});
		await page.locator('#plan-seat_limit-error').waitFor();
		await expect(page.locator('#plan-seat_limit-error').textContent()).resolves.toBe(
			'A limit cannot be negative: enter 1 or more seats, or leave it empty for unlimited.'
		);
		await expect(page.getByLabel('Seat limit').getAttribute('aria-invalid')).resolves.toBe('true');
		await expect(page.locator('#plan-patient_limit-error').textContent()).resolves.toBe(
			'Enter a whole number of patients.'
		);
		await expect(page.locator('#plan-monthly_price-error').textContent()).resolves.toBe(
			'USD has 2 decimal places: 12.555 has more. Enter e.g. 49.00.'
		);
		await page.screenshot({ path: screenshotPath('platform-plan-refused'), fullPage: true });
		expect(await sql('select 1 from public.plans where id = $1', [id])).toHaveLength(0);

		// 12.5 USD is 1250 cents
		await fillPlan(page, {
			Id: id,
			Name: 'Test plan',
			'Seat limit': '3',
			'Patient limit': '',
			'Monthly price': '12.5'
		});
		await page.waitForURL((u) => u.searchParams.get('notice') === 'saved');
		expect(
			await sql(
				`select seat_limit, patient_limit, monthly_price_cents, currency from public.plans where id = $1`,
				[id]
			)
		).toEqual([{ seat_limit: 3, patient_limit: null, monthly_price_cents: 1250, currency: 'USD' }]);
		const row = page.getByRole('row', { name: new RegExp(`^Test plan ${id}`) });
		await expect(row.textContent()).resolves.toContain('$12.50');

		// editing shows the decimal amount; a currency without minor unit takes whole amounts
		await row.getByRole('button', { name: 'Edit Test plan' }).click();
		await expect(page.getByLabel('Monthly price', { exact: true }).inputValue()).resolves.toBe(
			'12.50'
		);
		await page.getByLabel('Currency', { exact: true }).selectOption('JPY');
		await page.getByLabel('Monthly price', { exact: true }).fill('4900.5');
		await page.getByRole('button', { name: 'Save plan' }).click();
		await expect(page.locator('#plan-monthly_price-error').textContent()).resolves.toBe(
			'JPY has no minor unit: enter a whole amount, e.g. 4900.'
		);
		await page.getByLabel('Monthly price', { exact: true }).fill('4900');
		await page.getByRole('button', { name: 'Save plan' }).click();
		// the page is already at ?notice=saved: wait for the saved row instead
		await expect
			.poll(() => sql(`select monthly_price_cents, currency from public.plans where id = $1`, [id]))
			.toEqual([{ monthly_price_cents: 4900, currency: 'JPY' }]);
		await expect
			.poll(() => page.getByRole('row', { name: new RegExp(`^Test plan ${id}`) }).textContent())
			.toContain('¥4,900');
	});

	it('asks for confirmation before deleting a plan, and refuses while clinics use it', async ({
		platformPage: page
	}) => {
		expect.hasAssertions();
		const id = unique('d');
		plans.push(id);
		await fillPlan(page, { Id: id, Name: 'Doomed plan', 'Monthly price': '0' });
		await page.waitForURL((u) => u.searchParams.get('notice') === 'saved');

		// a clinic on it: the confirmation page names it and offers no delete button
		const [{ id: orgId }] = await sql<{ id: string }>(
			`insert into public.organizations (name, slug, plan_id) values ('Plan User Clinic', $1, $2) returning id`,
			[unique('plan').replace(/_/g, '-'), id]
		);
		orgs.push(orgId);
		await page.getByRole('link', { name: 'Delete Doomed plan…' }).click();
		await page.waitForURL((u) => u.pathname === `/platform/plans/${id}/delete`);
		await expect(page.getByTestId('plan-in-use').textContent()).resolves.toContain(
			'1 clinic uses it (Plan User Clinic)'
		);
		await expect(page.getByRole('button', { name: 'Delete Doomed plan' }).count()).resolves.toBe(0);
		await sql('delete from public.organizations where id = $1', [orgId]);

		// the default plan of new clinics: the database refuses, next to the button
		await page.goto(appUrl(null, '/platform/plans/starter/delete'));
		await page.getByRole('button', { name: 'Delete Starter' }).click();
		await expect(page.getByRole('alert').textContent()).resolves.toContain('default plan');

		// unused: cancel keeps it, confirming deletes it
		await page.goto(appUrl(null, `/platform/plans/${id}/delete`));
		await page.getByRole('link', { name: 'Cancel' }).click();
		await page.waitForURL((u) => u.pathname === '/platform/plans');
		expect(await sql('select 1 from public.plans where id = $1', [id])).toHaveLength(1);
		await page.goto(appUrl(null, `/platform/plans/${id}/delete`));
		await page.screenshot({ path: screenshotPath('platform-plan-delete'), fullPage: true });
		await page.getByRole('button', { name: 'Delete Doomed plan' }).click();
		await page.waitForURL((u) => u.searchParams.get('notice') === 'deleted');
		expect(await sql('select 1 from public.plans where id = $1', [id])).toHaveLength(0);
		const trail = await sql<{ action: string }>(
			`select action from public.platform_audit_log where details ->> 'plan_id' = $1 order by id`,
			[id]
		);
		expect(trail.map((r) => r.action)).toEqual(['plan.create', 'plan.delete']);
	});

	describe('moving a clinic over a plan’s limits', () => {
		let orgId: string;
		const small = unique('s');

		beforeAll(async () => {
			plans.push(small);
			await sql(
				`insert into public.plans (id, name, seat_limit, patient_limit) values ($1, 'Five Seats', 5, 1000)`,
				[small]
			);
			[{ id: orgId }] = await sql<{ id: string }>(
				`insert into public.organizations (name, slug, plan_id) values ('Busy Clinic', $1, 'clinic') returning id`,
				[unique('busy').replace(/_/g, '-')]
			);
			orgs.push(orgId);
			await sql(
				`insert into public.subscriptions (organization_id, plan_id) values ($1, 'clinic')`,
				[orgId]
			);
			// 7 staff: demo people given an active membership here
			await sql(
				`insert into public.memberships (organization_id, user_id, role)
				 select $1, id, 'nurse' from auth.users where email like '%@city-hospital.test' or email = 'nurse@clinic-a.test'
				 order by email limit 7`,
				[orgId]
			);
		});

		it('refuses with the numbers, and moves it only with a reason that both trails record', async ({
			platformPage: page
		}) => {
			expect.hasAssertions();
			await page.goto(appUrl(null, `/platform/clinics/${orgId}`));
			await page.getByLabel('Plan', { exact: true }).selectOption(small);
			await page.getByRole('button', { name: 'Change plan' }).click();
			const error = page.locator('#plan_id-error');
			await error.waitFor();
			await expect(error.textContent()).resolves.toBe(
				'Busy Clinic is over the limits of the Five Seats plan: 7 staff, plan allows 5. Remove staff, revoke invitations or archive patients first, or change the plan anyway with a reason.'
			);
			expect(
				(
					await sql<{ plan_id: string }>('select plan_id from public.organizations where id = $1', [
						orgId
					])
				)[0].plan_id
			).toBe('clinic');

			// the override needs a reason
			await page.getByLabel('Move the clinic to this plan although it is over its limits').check();
			await page.getByLabel('Reason', { exact: true }).fill('short');
			await page.getByRole('button', { name: 'Change plan anyway' }).click();
			await expect(page.locator('#override_reason-error').textContent()).resolves.toContain(
				'at least 10 characters'
			);
			await page.screenshot({ path: screenshotPath('platform-plan-over-limits'), fullPage: true });
			await page
				.getByLabel('Reason', { exact: true })
				.fill('Owner is removing two people this week');
			await page.getByRole('button', { name: 'Change plan anyway' }).click();
			await page.waitForURL((u) => u.searchParams.get('notice') === 'plan-changed');

			expect(await clinicPlan(orgId)).toEqual({ plan_id: small, sub_plan: small });
			const [platform] = await sql<{ reason: string; excess: string }>(
				`select details -> 'limits_override' ->> 'reason' as reason, details -> 'limits_override' ->> 'excess' as excess
				   from public.platform_audit_log where organization_id = $1 and action = 'clinic.change_plan'`,
				[orgId]
			);
			expect(platform).toEqual({
				reason: 'Owner is removing two people this week',
				excess: '7 staff, plan allows 5'
			});
			const [clinic] = await sql<{ reason: string; name: string }>(
				`select changes -> 'limits_override' ->> 'reason' as reason, changes ->> 'platform_admin_name' as name
				   from public.audit_log where organization_id = $1 and changes ->> 'platform_action' = 'clinic.change_plan'`,
				[orgId]
			);
			expect(clinic).toEqual({
				reason: 'Owner is removing two people this week',
				name: 'Pat Morgan'
			});
		});
	});
});
