/**
 * What every diary action needs first: the person acting at this host's clinic (their live
 * membership, the token's clinic being this one), and the clinic's time zone, in which the forms'
 * times are read. Form actions run before any layout load, so they ask for themselves.
 */
import { error } from '@sveltejs/kit';
import { inRoleSet } from '$lib/roles';
import { actingMember } from './active-organization';
import { clinicTimeZone } from './clinic-time';

export interface DiaryActor {
	userId: string;
	role: string;
	organizationId: string;
	timeZone: string;
}

export async function diaryActor(locals: App.Locals): Promise<DiaryActor> {
	const acting = await actingMember(locals);
	if (!acting.ok) error(acting.status, acting.message);
	if (!inRoleSet(acting.member.role, 'care_team_roles')) {
		error(
			403,
			'The diary is kept by the care team: administrators, doctors, nurses and receptionists.'
		);
	}
	const timeZone = clinicTimeZone(locals, acting.member.slug);
	return {
		userId: acting.userId,
		role: acting.member.role,
		organizationId: acting.member.organization_id,
		timeZone
	};
}

/** Where to go after an action: a diary or dashboard address the form carried, else the diary. */
export function backTo(value: FormDataEntryValue | null, fallback = '/diary'): string {
	const v = typeof value === 'string' ? value : '';
	return /^\/(diary|dashboard)(\/|\?|$)/.test(v) && !v.startsWith('//') ? v : fallback;
}
