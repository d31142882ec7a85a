/** Public branding of a clinic, as shown before sign-in (safe to send to browsers). */
export interface Branding {
	slug: string;
	name: string;
	type: string;
	logoUrl: string | null;
	themeColor: string;
	textColor: string;
	signInMessage: string | null;
	suspended: boolean;
}
