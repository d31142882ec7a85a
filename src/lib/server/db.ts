/** The portal's database client, and the argument every data function takes: who asks, and what. */
import type { SupabaseClient } from '@supabase/supabase-js';
import type { Database } from '$lib/database.types';

export type Db = SupabaseClient<Database>;

/** A data function's argument: the signed-in person's client (`supabase`) with `T`. */
export type WithDb<T> = { supabase: Db } & T;
