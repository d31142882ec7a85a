
export type Json = string | number | boolean | null | { [key: string]: Json | undefined } | Json[]

export type Database = {
  
  "public": {
          Tables: {
            "allergies": {
                  Row: {
                    "created_at": string,"id": string,"kind": Database["public"]['Enums']["allergy_kind"],"organization_id": string,"patient_id": string,"reaction": string | null,"recorded_by": string | null,"severity": Database["public"]['Enums']["allergy_severity"],"status": Database["public"]['Enums']["allergy_status"],"substance": string,"updated_at": string
                  }
                  ComputedFields: never
                  Insert: {
                    "created_at"?: string,"id"?: string,"kind"?: Database["public"]['Enums']["allergy_kind"],"organization_id"?: string,"patient_id": string,"reaction"?: string | null,"recorded_by"?: string | null,"severity"?: Database["public"]['Enums']["allergy_severity"],"status"?: Database["public"]['Enums']["allergy_status"],"substance": string,"updated_at"?: string
                  }
                  Update: {
                    "created_at"?: string,"id"?: string,"kind"?: Database["public"]['Enums']["allergy_kind"],"organization_id"?: string,"patient_id"?: string,"reaction"?: string | null,"recorded_by"?: string | null,"severity"?: Database["public"]['Enums']["allergy_severity"],"status"?: Database["public"]['Enums']["allergy_status"],"substance"?: string,"updated_at"?: string
                  }
                  Relationships: [
                    {
      foreignKeyName: "allergies_organization_id_fkey"
      columns: ["organization_id"]
isOneToOne: false
      referencedRelation: "organizations"
      referencedColumns: ["id"]
    },{
      foreignKeyName: "allergies_patient_fkey"
      columns: ["organization_id","patient_id"]
isOneToOne: false
      referencedRelation: "patients"
      referencedColumns: ["organization_id","id"]
    },{
      foreignKeyName: "allergies_recorded_by_fkey"
      columns: ["recorded_by"]
isOneToOne: false
      referencedRelation: "profiles"
      referencedColumns: ["id"]
    }
                  ]
                },"appointments": {
                  Row: {
                    "appointment_type": string,"arrived_at": string | null,"cancel_reason": string | null,"clinician_id": string,"created_at": string,"created_by": string | null,"ends_at": string,"id": string,"organization_id": string,"patient_id": string,"reason": string | null,"starts_at": string,"status": Database["public"]['Enums']["appointment_status"],"updated_at": string
                  }
                  ComputedFields: never
                  Insert: {
                    "appointment_type": string,"arrived_at"?: string | null,"cancel_reason"?: string | null,"clinician_id": string,"created_at"?: string,"created_by"?: string | null,"ends_at": string,"id"?: string,"organization_id"?: string,"patient_id": string,"reason"?: string | null,"starts_at": string,"status"?: Database["public"]['Enums']["appointment_status"],"updated_at"?: string
                  }
                  Update: {
                    "appointment_type"?: string,"arrived_at"?: string | null,"cancel_reason"?: string | null,"clinician_id"?: string,"created_at"?: string,"created_by"?: string | null,"ends_at"?: string,"id"?: string,"organization_id"?: string,"patient_id"?: string,"reason"?: string | null,"starts_at"?: string,"status"?: Database["public"]['Enums']["appointment_status"],"updated_at"?: string
                  }
                  Relationships: [
                    {
      foreignKeyName: "appointments_clinician_id_fkey"
      columns: ["clinician_id"]
isOneToOne: false
      referencedRelation: "profiles"
      referencedColumns: ["id"]
    },{
      foreignKeyName: "appointments_created_by_fkey"
      columns: ["created_by"]
isOneToOne: false
      referencedRelation: "profiles"
      referencedColumns: ["id"]
    },{
      foreignKeyName: "appointments_organization_id_fkey"
      columns: ["organization_id"]
isOneToOne: false
      referencedRelation: "organizations"
      referencedColumns: ["id"]
    },{
      foreignKeyName: "appointments_patient_fkey"
      columns: ["organization_id","patient_id"]
isOneToOne: false
      referencedRelation: "patients"
      referencedColumns: ["organization_id","id"]
    }
                  ]
                },"audit_log": {
                  Row: {
                    "action": Database["public"]['Enums']["audit_action"],"actor_id": string | null,"changes": NonNullable<Json>,"created_at": string,"hash": string,"id": number,"organization_id": string,"prev_hash": string | null,"row_id": string | null,"table_name": string
                  }
                  ComputedFields: never
                  Insert: {
                    "action": Database["public"]['Enums']["audit_action"],"actor_id"?: string | null,"changes"?: NonNullable<Json>,"created_at"?: string,"hash": string,"id"?: number,"organization_id": string,"prev_hash"?: string | null,"row_id"?: string | null,"table_name": string
                  }
                  Update: {
                    "action"?: Database["public"]['Enums']["audit_action"],"actor_id"?: string | null,"changes"?: NonNullable<Json>,"created_at"?: string,"hash"?: string,"id"?: number,"organization_id"?: string,"prev_hash"?: string | null,"row_id"?: string | null,"table_name"?: string
                  }
                  Relationships: [
                    {
      foreignKeyName: "audit_log_organization_id_fkey"
      columns: ["organization_id"]
isOneToOne: false
      referencedRelation: "organizations"
      referencedColumns: ["id"]
    }
                  ]
                },"invitations": {
                  Row: {
                    "accepted_at": string | null,"accepted_by": string | null,"created_at": string,"email": string,"expires_at": string,"full_name": string,"id": string,"invited_by": string | null,"last_sent_at": string,"organization_id": string,"role": Database["public"]['Enums']["member_role"],"send_count": number,"status": Database["public"]['Enums']["invitation_status"],"token_hash": string | null,"updated_at": string
                  }
                  ComputedFields: never
                  Insert: {
                    "accepted_at"?: string | null,"accepted_by"?: string | null,"created_at"?: string,"email": string,"expires_at"?: string,"full_name"?: string,"id"?: string,"invited_by"?: string | null,"last_sent_at"?: string,"organization_id": string,"role": Database["public"]['Enums']["member_role"],"send_count"?: number,"status"?: Database["public"]['Enums']["invitation_status"],"token_hash"?: string | null,"updated_at"?: string
                  }
                  Update: {
                    "accepted_at"?: string | null,"accepted_by"?: string | null,"created_at"?: string,"email"?: string,"expires_at"?: string,"full_name"?: string,"id"?: string,"invited_by"?: string | null,"last_sent_at"?: string,"organization_id"?: string,"role"?: Database["public"]['Enums']["member_role"],"send_count"?: number,"status"?: Database["public"]['Enums']["invitation_status"],"token_hash"?: string | null,"updated_at"?: string
                  }
                  Relationships: [
                    {
      foreignKeyName: "invitations_accepted_by_fkey"
      columns: ["accepted_by"]
isOneToOne: false
      referencedRelation: "profiles"
      referencedColumns: ["id"]
    },{
      foreignKeyName: "invitations_invited_by_fkey"
      columns: ["invited_by"]
isOneToOne: false
      referencedRelation: "profiles"
      referencedColumns: ["id"]
    },{
      foreignKeyName: "invitations_organization_id_fkey"
      columns: ["organization_id"]
isOneToOne: false
      referencedRelation: "organizations"
      referencedColumns: ["id"]
    }
                  ]
                },"invoices": {
                  Row: {
                    "amount_cents": number,"created_at": string,"currency": string,"id": string,"organization_id": string,"period_end": string,"period_start": string,"plan_id": string,"status": Database["public"]['Enums']["invoice_status"],"subscription_id": string,"updated_at": string
                  }
                  ComputedFields: never
                  Insert: {
                    "amount_cents": number,"created_at"?: string,"currency": string,"id"?: string,"organization_id": string,"period_end": string,"period_start": string,"plan_id": string,"status"?: Database["public"]['Enums']["invoice_status"],"subscription_id": string,"updated_at"?: string
                  }
                  Update: {
                    "amount_cents"?: number,"created_at"?: string,"currency"?: string,"id"?: string,"organization_id"?: string,"period_end"?: string,"period_start"?: string,"plan_id"?: string,"status"?: Database["public"]['Enums']["invoice_status"],"subscription_id"?: string,"updated_at"?: string
                  }
                  Relationships: [
                    {
      foreignKeyName: "invoices_organization_id_fkey"
      columns: ["organization_id"]
isOneToOne: false
      referencedRelation: "organizations"
      referencedColumns: ["id"]
    },{
      foreignKeyName: "invoices_plan_id_fkey"
      columns: ["plan_id"]
isOneToOne: false
      referencedRelation: "plans"
      referencedColumns: ["id"]
    },{
      foreignKeyName: "invoices_subscription_id_fkey"
      columns: ["subscription_id"]
isOneToOne: false
      referencedRelation: "subscriptions"
      referencedColumns: ["id"]
    }
                  ]
                },"lab_orders": {
                  Row: {
                    "cancel_reason": string | null,"clinical_notes": string | null,"collected_at": string | null,"collected_by": string | null,"created_at": string,"id": string,"ordered_by": string | null,"organization_id": string,"patient_id": string,"priority": Database["public"]['Enums']["lab_order_priority"],"reference_range": string | null,"result_flag": Database["public"]['Enums']["lab_result_flag"] | null,"result_notes": string | null,"result_unit": string | null,"result_value": string | null,"resulted_at": string | null,"resulted_by": string | null,"status": Database["public"]['Enums']["lab_order_status"],"test_code": string,"test_name": string,"updated_at": string,"visit_id": string | null
                  }
                  ComputedFields: never
                  Insert: {
                    "cancel_reason"?: string | null,"clinical_notes"?: string | null,"collected_at"?: string | null,"collected_by"?: string | null,"created_at"?: string,"id"?: string,"ordered_by"?: string | null,"organization_id"?: string,"patient_id": string,"priority"?: Database["public"]['Enums']["lab_order_priority"],"reference_range"?: string | null,"result_flag"?: Database["public"]['Enums']["lab_result_flag"] | null,"result_notes"?: string | null,"result_unit"?: string | null,"result_value"?: string | null,"resulted_at"?: string | null,"resulted_by"?: string | null,"status"?: Database["public"]['Enums']["lab_order_status"],"test_code": string,"test_name": string,"updated_at"?: string,"visit_id"?: string | null
                  }
                  Update: {
                    "cancel_reason"?: string | null,"clinical_notes"?: string | null,"collected_at"?: string | null,"collected_by"?: string | null,"created_at"?: string,"id"?: string,"ordered_by"?: string | null,"organization_id"?: string,"patient_id"?: string,"priority"?: Database["public"]['Enums']["lab_order_priority"],"reference_range"?: string | null,"result_flag"?: Database["public"]['Enums']["lab_result_flag"] | null,"result_notes"?: string | null,"result_unit"?: string | null,"result_value"?: string | null,"resulted_at"?: string | null,"resulted_by"?: string | null,"status"?: Database["public"]['Enums']["lab_order_status"],"test_code"?: string,"test_name"?: string,"updated_at"?: string,"visit_id"?: string | null
                  }
                  Relationships: [
                    {
      foreignKeyName: "lab_orders_collected_by_fkey"
      columns: ["collected_by"]
isOneToOne: false
      referencedRelation: "profiles"
      referencedColumns: ["id"]
    },{
      foreignKeyName: "lab_orders_ordered_by_fkey"
      columns: ["ordered_by"]
isOneToOne: false
      referencedRelation: "profiles"
      referencedColumns: ["id"]
    },{
      foreignKeyName: "lab_orders_organization_id_fkey"
      columns: ["organization_id"]
isOneToOne: false
      referencedRelation: "organizations"
      referencedColumns: ["id"]
    },{
      foreignKeyName: "lab_orders_patient_fkey"
      columns: ["organization_id","patient_id"]
isOneToOne: false
      referencedRelation: "patients"
      referencedColumns: ["organization_id","id"]
    },{
      foreignKeyName: "lab_orders_resulted_by_fkey"
      columns: ["resulted_by"]
isOneToOne: false
      referencedRelation: "profiles"
      referencedColumns: ["id"]
    },{
      foreignKeyName: "lab_orders_visit_fkey"
      columns: ["organization_id","visit_id"]
isOneToOne: false
      referencedRelation: "visits"
      referencedColumns: ["organization_id","id"]
    }
                  ]
                },"lab_result_amendments": {
                  Row: {
                    "amended_by": string | null,"changed_fields": (string)[],"created_at": string,"id": string,"lab_order_id": string,"organization_id": string,"reason": string,"reference_range": string | null,"result_flag": Database["public"]['Enums']["lab_result_flag"] | null,"result_notes": string | null,"result_unit": string | null,"result_value": string,"updated_at": string,"version": number
                  }
                  ComputedFields: never
                  Insert: {
                    "amended_by"?: string | null,"changed_fields": (string)[],"created_at"?: string,"id"?: string,"lab_order_id": string,"organization_id": string,"reason": string,"reference_range"?: string | null,"result_flag"?: Database["public"]['Enums']["lab_result_flag"] | null,"result_notes"?: string | null,"result_unit"?: string | null,"result_value": string,"updated_at"?: string,"version": number
                  }
                  Update: {
                    "amended_by"?: string | null,"changed_fields"?: (string)[],"created_at"?: string,"id"?: string,"lab_order_id"?: string,"organization_id"?: string,"reason"?: string,"reference_range"?: string | null,"result_flag"?: Database["public"]['Enums']["lab_result_flag"] | null,"result_notes"?: string | null,"result_unit"?: string | null,"result_value"?: string,"updated_at"?: string,"version"?: number
                  }
                  Relationships: [
                    {
      foreignKeyName: "lab_result_amendments_amended_by_fkey"
      columns: ["amended_by"]
isOneToOne: false
      referencedRelation: "profiles"
      referencedColumns: ["id"]
    },{
      foreignKeyName: "lab_result_amendments_lab_order_fkey"
      columns: ["organization_id","lab_order_id"]
isOneToOne: false
      referencedRelation: "lab_orders"
      referencedColumns: ["organization_id","id"]
    },{
      foreignKeyName: "lab_result_amendments_organization_id_fkey"
      columns: ["organization_id"]
isOneToOne: false
      referencedRelation: "organizations"
      referencedColumns: ["id"]
    }
                  ]
                },"memberships": {
                  Row: {
                    "created_at": string,"id": string,"organization_id": string,"role": Database["public"]['Enums']["member_role"],"status": Database["public"]['Enums']["membership_status"],"updated_at": string,"user_id": string,"two_factor": boolean | null
                  }
                  ComputedFields: "two_factor"
                  Insert: {
                    "created_at"?: string,"id"?: string,"organization_id": string,"role": Database["public"]['Enums']["member_role"],"status"?: Database["public"]['Enums']["membership_status"],"updated_at"?: string,"user_id": string
                  }
                  Update: {
                    "created_at"?: string,"id"?: string,"organization_id"?: string,"role"?: Database["public"]['Enums']["member_role"],"status"?: Database["public"]['Enums']["membership_status"],"updated_at"?: string,"user_id"?: string
                  }
                  Relationships: [
                    {
      foreignKeyName: "memberships_organization_id_fkey"
      columns: ["organization_id"]
isOneToOne: false
      referencedRelation: "organizations"
      referencedColumns: ["id"]
    },{
      foreignKeyName: "memberships_user_id_fkey"
      columns: ["user_id"]
isOneToOne: false
      referencedRelation: "profiles"
      referencedColumns: ["id"]
    }
                  ]
                },"no_known_allergies": {
                  Row: {
                    "created_at": string,"organization_id": string,"patient_id": string,"recorded_by": string | null,"updated_at": string
                  }
                  ComputedFields: never
                  Insert: {
                    "created_at"?: string,"organization_id"?: string,"patient_id": string,"recorded_by"?: string | null,"updated_at"?: string
                  }
                  Update: {
                    "created_at"?: string,"organization_id"?: string,"patient_id"?: string,"recorded_by"?: string | null,"updated_at"?: string
                  }
                  Relationships: [
                    {
      foreignKeyName: "no_known_allergies_organization_id_fkey"
      columns: ["organization_id"]
isOneToOne: false
      referencedRelation: "organizations"
      referencedColumns: ["id"]
    },{
      foreignKeyName: "no_known_allergies_patient_fkey"
      columns: ["organization_id","patient_id"]
isOneToOne: true
      referencedRelation: "patients"
      referencedColumns: ["organization_id","id"]
    },{
      foreignKeyName: "no_known_allergies_recorded_by_fkey"
      columns: ["recorded_by"]
isOneToOne: false
      referencedRelation: "profiles"
      referencedColumns: ["id"]
    }
                  ]
                },"note_templates": {
                  Row: {
                    "active": boolean,"body": string,"created_at": string,"created_by": string | null,"id": string,"name": string,"organization_id": string,"updated_at": string
                  }
                  ComputedFields: never
                  Insert: {
                    "active"?: boolean,"body": string,"created_at"?: string,"created_by"?: string | null,"id"?: string,"name": string,"organization_id"?: string,"updated_at"?: string
                  }
                  Update: {
                    "active"?: boolean,"body"?: string,"created_at"?: string,"created_by"?: string | null,"id"?: string,"name"?: string,"organization_id"?: string,"updated_at"?: string
                  }
                  Relationships: [
                    {
      foreignKeyName: "note_templates_created_by_fkey"
      columns: ["created_by"]
isOneToOne: false
      referencedRelation: "profiles"
      referencedColumns: ["id"]
    },{
      foreignKeyName: "note_templates_organization_id_fkey"
      columns: ["organization_id"]
isOneToOne: false
      referencedRelation: "organizations"
      referencedColumns: ["id"]
    }
                  ]
                },"organization_domains": {
                  Row: {
                    "created_at": string,"domain": string,"id": string,"organization_id": string,"updated_at": string
                  }
                  ComputedFields: never
                  Insert: {
                    "created_at"?: string,"domain": string,"id"?: string,"organization_id": string,"updated_at"?: string
                  }
                  Update: {
                    "created_at"?: string,"domain"?: string,"id"?: string,"organization_id"?: string,"updated_at"?: string
                  }
                  Relationships: [
                    {
      foreignKeyName: "organization_domains_organization_id_fkey"
      columns: ["organization_id"]
isOneToOne: false
      referencedRelation: "organizations"
      referencedColumns: ["id"]
    }
                  ]
                },"organizations": {
                  Row: {
                    "created_at": string,"id": string,"logo_path": string | null,"name": string,"plan_id": string,"require_two_factor": boolean,"sign_in_message": string | null,"slug": string,"status": Database["public"]['Enums']["organization_status"],"suspended_reason": string | null,"theme_color": string,"time_zone": string,"type": Database["public"]['Enums']["organization_type"],"updated_at": string
                  }
                  ComputedFields: never
                  Insert: {
                    "created_at"?: string,"id"?: string,"logo_path"?: string | null,"name": string,"plan_id"?: string,"require_two_factor"?: boolean,"sign_in_message"?: string | null,"slug": string,"status"?: Database["public"]['Enums']["organization_status"],"suspended_reason"?: string | null,"theme_color"?: string,"time_zone"?: string,"type"?: Database["public"]['Enums']["organization_type"],"updated_at"?: string
                  }
                  Update: {
                    "created_at"?: string,"id"?: string,"logo_path"?: string | null,"name"?: string,"plan_id"?: string,"require_two_factor"?: boolean,"sign_in_message"?: string | null,"slug"?: string,"status"?: Database["public"]['Enums']["organization_status"],"suspended_reason"?: string | null,"theme_color"?: string,"time_zone"?: string,"type"?: Database["public"]['Enums']["organization_type"],"updated_at"?: string
                  }
                  Relationships: [
                    {
      foreignKeyName: "organizations_plan_id_fkey"
      columns: ["plan_id"]
isOneToOne: false
      referencedRelation: "plans"
      referencedColumns: ["id"]
    }
                  ]
                },"patient_field_definitions": {
                  Row: {
                    "active": boolean,"created_at": string,"field_type": Database["public"]['Enums']["custom_field_type"],"format_hint": string | null,"format_kind": Database["public"]['Enums']["custom_field_format"],"format_mask": string | null,"id": string,"key": string,"label": string,"options": (string)[] | null,"organization_id": string,"pattern": string | null,"required": boolean,"sort_order": number,"unique_within_clinic": boolean,"updated_at": string
                  }
                  ComputedFields: never
                  Insert: {
                    "active"?: boolean,"created_at"?: string,"field_type"?: Database["public"]['Enums']["custom_field_type"],"format_hint"?: string | null,"format_kind"?: Database["public"]['Enums']["custom_field_format"],"format_mask"?: string | null,"id"?: string,"key": string,"label": string,"options"?: (string)[] | null,"organization_id"?: string,"pattern"?: string | null,"required"?: boolean,"sort_order"?: number,"unique_within_clinic"?: boolean,"updated_at"?: string
                  }
                  Update: {
                    "active"?: boolean,"created_at"?: string,"field_type"?: Database["public"]['Enums']["custom_field_type"],"format_hint"?: string | null,"format_kind"?: Database["public"]['Enums']["custom_field_format"],"format_mask"?: string | null,"id"?: string,"key"?: string,"label"?: string,"options"?: (string)[] | null,"organization_id"?: string,"pattern"?: string | null,"required"?: boolean,"sort_order"?: number,"unique_within_clinic"?: boolean,"updated_at"?: string
                  }
                  Relationships: [
                    {
      foreignKeyName: "patient_field_definitions_organization_id_fkey"
      columns: ["organization_id"]
isOneToOne: false
      referencedRelation: "organizations"
      referencedColumns: ["id"]
    }
                  ]
                },"patients": {
                  Row: {
                    "address": string | null,"archived_at": string | null,"created_at": string,"created_by": string | null,"custom_fields": NonNullable<Json>,"date_of_birth": string | null,"email": string | null,"family_name": string,"given_name": string,"id": string,"mrn": string,"organization_id": string,"phone": string | null,"search_given_name": string,"search_name": string,"sex": Database["public"]['Enums']["patient_sex"],"updated_at": string,"active_medications": {
              "allergy_override_reason": string | null,
"allergy_warning": string | null,
"completed_at": string | null,
"completed_by": string | null,
"created_at": string,
"dose": string,
"duration_days": number | null,
"fills_dispensed": number,
"frequency": string,
"id": string,
"instructions": string | null,
"last_dispensed_at": string | null,
"medication": string,
"organization_id": string,
"patient_id": string,
"prescriber_id": string | null,
"quantity": number,
"quantity_unit": string,
"refills": number,
"route": string,
"status": Database["public"]['Enums']["prescription_status"],
"stop_reason": string | null,
"stopped_at": string | null,
"stopped_by": string | null,
"updated_at": string,
"visit_id": string | null
            } | null
                  }
                  ComputedFields: "active_medications"
                  Insert: {
                    "address"?: string | null,"archived_at"?: string | null,"created_at"?: string,"created_by"?: string | null,"custom_fields"?: NonNullable<Json>,"date_of_birth"?: string | null,"email"?: string | null,"family_name": string,"given_name": string,"id"?: string,"mrn": string,"organization_id"?: string,"phone"?: string | null,"search_given_name"?: string,"search_name"?: string,"sex"?: Database["public"]['Enums']["patient_sex"],"updated_at"?: string
                  }
                  Update: {
                    "address"?: string | null,"archived_at"?: string | null,"created_at"?: string,"created_by"?: string | null,"custom_fields"?: NonNullable<Json>,"date_of_birth"?: string | null,"email"?: string | null,"family_name"?: string,"given_name"?: string,"id"?: string,"mrn"?: string,"organization_id"?: string,"phone"?: string | null,"search_given_name"?: string,"search_name"?: string,"sex"?: Database["public"]['Enums']["patient_sex"],"updated_at"?: string
                  }
                  Relationships: [
                    {
      foreignKeyName: "patients_created_by_fkey"
      columns: ["created_by"]
isOneToOne: false
      referencedRelation: "profiles"
      referencedColumns: ["id"]
    },{
      foreignKeyName: "patients_organization_id_fkey"
      columns: ["organization_id"]
isOneToOne: false
      referencedRelation: "organizations"
      referencedColumns: ["id"]
    }
                  ]
                },"plans": {
                  Row: {
                    "created_at": string,"currency": string,"id": string,"monthly_price_cents": number,"name": string,"patient_limit": number | null,"seat_limit": number | null,"updated_at": string
                  }
                  ComputedFields: never
                  Insert: {
                    "created_at"?: string,"currency"?: string,"id": string,"monthly_price_cents"?: number,"name": string,"patient_limit"?: number | null,"seat_limit"?: number | null,"updated_at"?: string
                  }
                  Update: {
                    "created_at"?: string,"currency"?: string,"id"?: string,"monthly_price_cents"?: number,"name"?: string,"patient_limit"?: number | null,"seat_limit"?: number | null,"updated_at"?: string
                  }
                  Relationships: [
                    
                  ]
                },"platform_admins": {
                  Row: {
                    "created_at": string,"updated_at": string,"user_id": string
                  }
                  ComputedFields: never
                  Insert: {
                    "created_at"?: string,"updated_at"?: string,"user_id": string
                  }
                  Update: {
                    "created_at"?: string,"updated_at"?: string,"user_id"?: string
                  }
                  Relationships: [
                    
                  ]
                },"platform_audit_log": {
                  Row: {
                    "action": string,"actor_id": string | null,"created_at": string,"details": NonNullable<Json>,"id": number,"organization_id": string | null
                  }
                  ComputedFields: never
                  Insert: {
                    "action": string,"actor_id"?: string | null,"created_at"?: string,"details"?: NonNullable<Json>,"id"?: never,"organization_id"?: string | null
                  }
                  Update: {
                    "action"?: string,"actor_id"?: string | null,"created_at"?: string,"details"?: NonNullable<Json>,"id"?: never,"organization_id"?: string | null
                  }
                  Relationships: [
                    
                  ]
                },"platform_settings": {
                  Row: {
                    "created_at": string,"id": boolean,"maintenance_banner": string | null,"session_idle_timeout_minutes": number,"updated_at": string
                  }
                  ComputedFields: never
                  Insert: {
                    "created_at"?: string,"id"?: boolean,"maintenance_banner"?: string | null,"session_idle_timeout_minutes"?: number,"updated_at"?: string
                  }
                  Update: {
                    "created_at"?: string,"id"?: boolean,"maintenance_banner"?: string | null,"session_idle_timeout_minutes"?: number,"updated_at"?: string
                  }
                  Relationships: [
                    
                  ]
                },"prescription_dispenses": {
                  Row: {
                    "created_at": string,"dispensed_by": string | null,"fill_number": number,"id": string,"organization_id": string,"prescription_id": string,"quantity": number,"updated_at": string
                  }
                  ComputedFields: never
                  Insert: {
                    "created_at"?: string,"dispensed_by"?: string | null,"fill_number": number,"id"?: string,"organization_id": string,"prescription_id": string,"quantity": number,"updated_at"?: string
                  }
                  Update: {
                    "created_at"?: string,"dispensed_by"?: string | null,"fill_number"?: number,"id"?: string,"organization_id"?: string,"prescription_id"?: string,"quantity"?: number,"updated_at"?: string
                  }
                  Relationships: [
                    {
      foreignKeyName: "prescription_dispenses_dispensed_by_fkey"
      columns: ["dispensed_by"]
isOneToOne: false
      referencedRelation: "profiles"
      referencedColumns: ["id"]
    },{
      foreignKeyName: "prescription_dispenses_organization_id_fkey"
      columns: ["organization_id"]
isOneToOne: false
      referencedRelation: "organizations"
      referencedColumns: ["id"]
    },{
      foreignKeyName: "prescription_dispenses_prescription_fkey"
      columns: ["organization_id","prescription_id"]
isOneToOne: false
      referencedRelation: "prescriptions"
      referencedColumns: ["organization_id","id"]
    }
                  ]
                },"prescriptions": {
                  Row: {
                    "allergy_override_reason": string | null,"allergy_warning": string | null,"completed_at": string | null,"completed_by": string | null,"created_at": string,"dose": string,"duration_days": number | null,"fills_dispensed": number,"frequency": string,"id": string,"instructions": string | null,"last_dispensed_at": string | null,"medication": string,"organization_id": string,"patient_id": string,"prescriber_id": string | null,"quantity": number,"quantity_unit": string,"refills": number,"route": string,"status": Database["public"]['Enums']["prescription_status"],"stop_reason": string | null,"stopped_at": string | null,"stopped_by": string | null,"updated_at": string,"visit_id": string | null
                  }
                  ComputedFields: never
                  Insert: {
                    "allergy_override_reason"?: string | null,"allergy_warning"?: string | null,"completed_at"?: string | null,"completed_by"?: string | null,"created_at"?: string,"dose": string,"duration_days"?: number | null,"fills_dispensed"?: number,"frequency": string,"id"?: string,"instructions"?: string | null,"last_dispensed_at"?: string | null,"medication": string,"organization_id"?: string,"patient_id": string,"prescriber_id"?: string | null,"quantity": number,"quantity_unit"?: string,"refills"?: number,"route"?: string,"status"?: Database["public"]['Enums']["prescription_status"],"stop_reason"?: string | null,"stopped_at"?: string | null,"stopped_by"?: string | null,"updated_at"?: string,"visit_id"?: string | null
                  }
                  Update: {
                    "allergy_override_reason"?: string | null,"allergy_warning"?: string | null,"completed_at"?: string | null,"completed_by"?: string | null,"created_at"?: string,"dose"?: string,"duration_days"?: number | null,"fills_dispensed"?: number,"frequency"?: string,"id"?: string,"instructions"?: string | null,"last_dispensed_at"?: string | null,"medication"?: string,"organization_id"?: string,"patient_id"?: string,"prescriber_id"?: string | null,"quantity"?: number,"quantity_unit"?: string,"refills"?: number,"route"?: string,"status"?: Database["public"]['Enums']["prescription_status"],"stop_reason"?: string | null,"stopped_at"?: string | null,"stopped_by"?: string | null,"updated_at"?: string,"visit_id"?: string | null
                  }
                  Relationships: [
                    {
      foreignKeyName: "prescriptions_completed_by_fkey"
      columns: ["completed_by"]
isOneToOne: false
      referencedRelation: "profiles"
      referencedColumns: ["id"]
    },{
      foreignKeyName: "prescriptions_organization_id_fkey"
      columns: ["organization_id"]
isOneToOne: false
      referencedRelation: "organizations"
      referencedColumns: ["id"]
    },{
      foreignKeyName: "prescriptions_patient_fkey"
      columns: ["organization_id","patient_id"]
isOneToOne: false
      referencedRelation: "patients"
      referencedColumns: ["organization_id","id"]
    },{
      foreignKeyName: "prescriptions_prescriber_id_fkey"
      columns: ["prescriber_id"]
isOneToOne: false
      referencedRelation: "profiles"
      referencedColumns: ["id"]
    },{
      foreignKeyName: "prescriptions_stopped_by_fkey"
      columns: ["stopped_by"]
isOneToOne: false
      referencedRelation: "profiles"
      referencedColumns: ["id"]
    },{
      foreignKeyName: "prescriptions_visit_fkey"
      columns: ["organization_id","visit_id"]
isOneToOne: false
      referencedRelation: "visits"
      referencedColumns: ["organization_id","id"]
    }
                  ]
                },"problems": {
                  Row: {
                    "code": string | null,"created_at": string,"description": string,"id": string,"onset_date": string | null,"organization_id": string,"patient_id": string,"recorded_by": string | null,"resolved_at": string | null,"status": Database["public"]['Enums']["problem_status"],"updated_at": string
                  }
                  ComputedFields: never
                  Insert: {
                    "code"?: string | null,"created_at"?: string,"description": string,"id"?: string,"onset_date"?: string | null,"organization_id"?: string,"patient_id": string,"recorded_by"?: string | null,"resolved_at"?: string | null,"status"?: Database["public"]['Enums']["problem_status"],"updated_at"?: string
                  }
                  Update: {
                    "code"?: string | null,"created_at"?: string,"description"?: string,"id"?: string,"onset_date"?: string | null,"organization_id"?: string,"patient_id"?: string,"recorded_by"?: string | null,"resolved_at"?: string | null,"status"?: Database["public"]['Enums']["problem_status"],"updated_at"?: string
                  }
                  Relationships: [
                    {
      foreignKeyName: "problems_organization_id_fkey"
      columns: ["organization_id"]
isOneToOne: false
      referencedRelation: "organizations"
      referencedColumns: ["id"]
    },{
      foreignKeyName: "problems_patient_fkey"
      columns: ["organization_id","patient_id"]
isOneToOne: false
      referencedRelation: "patients"
      referencedColumns: ["organization_id","id"]
    },{
      foreignKeyName: "problems_recorded_by_fkey"
      columns: ["recorded_by"]
isOneToOne: false
      referencedRelation: "profiles"
      referencedColumns: ["id"]
    }
                  ]
                },"profiles": {
                  Row: {
                    "active_organization_id": string | null,"avatar_path": string | null,"created_at": string,"email": string | null,"full_name": string,"id": string,"phone": string | null,"updated_at": string
                  }
                  ComputedFields: never
                  Insert: {
                    "active_organization_id"?: string | null,"avatar_path"?: string | null,"created_at"?: string,"email"?: string | null,"full_name"?: string,"id": string,"phone"?: string | null,"updated_at"?: string
                  }
                  Update: {
                    "active_organization_id"?: string | null,"avatar_path"?: string | null,"created_at"?: string,"email"?: string | null,"full_name"?: string,"id"?: string,"phone"?: string | null,"updated_at"?: string
                  }
                  Relationships: [
                    {
      foreignKeyName: "profiles_active_organization_id_fkey"
      columns: ["active_organization_id"]
isOneToOne: false
      referencedRelation: "organizations"
      referencedColumns: ["id"]
    }
                  ]
                },"subscriptions": {
                  Row: {
                    "created_at": string,"current_period_end": string,"current_period_start": string,"id": string,"organization_id": string,"plan_id": string,"status": Database["public"]['Enums']["subscription_status"],"updated_at": string
                  }
                  ComputedFields: never
                  Insert: {
                    "created_at"?: string,"current_period_end"?: string,"current_period_start"?: string,"id"?: string,"organization_id": string,"plan_id": string,"status"?: Database["public"]['Enums']["subscription_status"],"updated_at"?: string
                  }
                  Update: {
                    "created_at"?: string,"current_period_end"?: string,"current_period_start"?: string,"id"?: string,"organization_id"?: string,"plan_id"?: string,"status"?: Database["public"]['Enums']["subscription_status"],"updated_at"?: string
                  }
                  Relationships: [
                    {
      foreignKeyName: "subscriptions_organization_id_fkey"
      columns: ["organization_id"]
isOneToOne: true
      referencedRelation: "organizations"
      referencedColumns: ["id"]
    },{
      foreignKeyName: "subscriptions_plan_id_fkey"
      columns: ["plan_id"]
isOneToOne: false
      referencedRelation: "plans"
      referencedColumns: ["id"]
    }
                  ]
                },"support_access_grants": {
                  Row: {
                    "created_at": string,"ended_at": string | null,"expires_at": string,"id": string,"organization_id": string,"platform_admin_id": string,"reason": string,"starts_at": string,"updated_at": string
                  }
                  ComputedFields: never
                  Insert: {
                    "created_at"?: string,"ended_at"?: string | null,"expires_at": string,"id"?: string,"organization_id": string,"platform_admin_id": string,"reason": string,"starts_at"?: string,"updated_at"?: string
                  }
                  Update: {
                    "created_at"?: string,"ended_at"?: string | null,"expires_at"?: string,"id"?: string,"organization_id"?: string,"platform_admin_id"?: string,"reason"?: string,"starts_at"?: string,"updated_at"?: string
                  }
                  Relationships: [
                    {
      foreignKeyName: "support_access_grants_organization_id_fkey"
      columns: ["organization_id"]
isOneToOne: false
      referencedRelation: "organizations"
      referencedColumns: ["id"]
    }
                  ]
                },"visit_note_amendments": {
                  Row: {
                    "author_id": string | null,"changed_fields": (string)[],"created_at": string,"id": string,"notes": string | null,"organization_id": string,"reason": string,"updated_at": string,"version": number,"visit_id": string,"vitals": NonNullable<Json>
                  }
                  ComputedFields: never
                  Insert: {
                    "author_id"?: string | null,"changed_fields": (string)[],"created_at"?: string,"id"?: string,"notes"?: string | null,"organization_id": string,"reason": string,"updated_at"?: string,"version": number,"visit_id": string,"vitals"?: NonNullable<Json>
                  }
                  Update: {
                    "author_id"?: string | null,"changed_fields"?: (string)[],"created_at"?: string,"id"?: string,"notes"?: string | null,"organization_id"?: string,"reason"?: string,"updated_at"?: string,"version"?: number,"visit_id"?: string,"vitals"?: NonNullable<Json>
                  }
                  Relationships: [
                    {
      foreignKeyName: "visit_note_amendments_author_id_fkey"
      columns: ["author_id"]
isOneToOne: false
      referencedRelation: "profiles"
      referencedColumns: ["id"]
    },{
      foreignKeyName: "visit_note_amendments_note_fkey"
      columns: ["organization_id","visit_id"]
isOneToOne: false
      referencedRelation: "visit_notes"
      referencedColumns: ["organization_id","visit_id"]
    },{
      foreignKeyName: "visit_note_amendments_organization_id_fkey"
      columns: ["organization_id"]
isOneToOne: false
      referencedRelation: "organizations"
      referencedColumns: ["id"]
    }
                  ]
                },"visit_notes": {
                  Row: {
                    "author_id": string | null,"created_at": string,"notes": string | null,"organization_id": string,"signed_at": string | null,"signed_by": string | null,"updated_at": string,"visit_id": string,"vitals": NonNullable<Json>
                  }
                  ComputedFields: never
                  Insert: {
                    "author_id"?: string | null,"created_at"?: string,"notes"?: string | null,"organization_id"?: string,"signed_at"?: string | null,"signed_by"?: string | null,"updated_at"?: string,"visit_id": string,"vitals"?: NonNullable<Json>
                  }
                  Update: {
                    "author_id"?: string | null,"created_at"?: string,"notes"?: string | null,"organization_id"?: string,"signed_at"?: string | null,"signed_by"?: string | null,"updated_at"?: string,"visit_id"?: string,"vitals"?: NonNullable<Json>
                  }
                  Relationships: [
                    {
      foreignKeyName: "visit_notes_author_id_fkey"
      columns: ["author_id"]
isOneToOne: false
      referencedRelation: "profiles"
      referencedColumns: ["id"]
    },{
      foreignKeyName: "visit_notes_organization_id_fkey"
      columns: ["organization_id"]
isOneToOne: false
      referencedRelation: "organizations"
      referencedColumns: ["id"]
    },{
      foreignKeyName: "visit_notes_signed_by_fkey"
      columns: ["signed_by"]
isOneToOne: false
      referencedRelation: "profiles"
      referencedColumns: ["id"]
    },{
      foreignKeyName: "visit_notes_visit_fkey"
      columns: ["organization_id","visit_id"]
isOneToOne: false
      referencedRelation: "visits"
      referencedColumns: ["organization_id","id"]
    }
                  ]
                },"visits": {
                  Row: {
                    "appointment_id": string | null,"cancel_reason": string | null,"clinician_id": string | null,"created_at": string,"created_by": string | null,"ended_at": string | null,"id": string,"organization_id": string,"patient_id": string,"reason": string | null,"scheduled_at": string,"started_at": string | null,"status": Database["public"]['Enums']["visit_status"],"updated_at": string
                  }
                  ComputedFields: never
                  Insert: {
                    "appointment_id"?: string | null,"cancel_reason"?: string | null,"clinician_id"?: string | null,"created_at"?: string,"created_by"?: string | null,"ended_at"?: string | null,"id"?: string,"organization_id"?: string,"patient_id": string,"reason"?: string | null,"scheduled_at"?: string,"started_at"?: string | null,"status"?: Database["public"]['Enums']["visit_status"],"updated_at"?: string
                  }
                  Update: {
                    "appointment_id"?: string | null,"cancel_reason"?: string | null,"clinician_id"?: string | null,"created_at"?: string,"created_by"?: string | null,"ended_at"?: string | null,"id"?: string,"organization_id"?: string,"patient_id"?: string,"reason"?: string | null,"scheduled_at"?: string,"started_at"?: string | null,"status"?: Database["public"]['Enums']["visit_status"],"updated_at"?: string
                  }
                  Relationships: [
                    {
      foreignKeyName: "visits_appointment_fkey"
      columns: ["organization_id","appointment_id"]
isOneToOne: true
      referencedRelation: "appointments"
      referencedColumns: ["organization_id","id"]
    },{
      foreignKeyName: "visits_clinician_id_fkey"
      columns: ["clinician_id"]
isOneToOne: false
      referencedRelation: "profiles"
      referencedColumns: ["id"]
    },{
      foreignKeyName: "visits_created_by_fkey"
      columns: ["created_by"]
isOneToOne: false
      referencedRelation: "profiles"
      referencedColumns: ["id"]
    },{
      foreignKeyName: "visits_organization_id_fkey"
      columns: ["organization_id"]
isOneToOne: false
      referencedRelation: "organizations"
      referencedColumns: ["id"]
    },{
      foreignKeyName: "visits_patient_fkey"
      columns: ["organization_id","patient_id"]
isOneToOne: false
      referencedRelation: "patients"
      referencedColumns: ["organization_id","id"]
    }
                  ]
                }
          }
          Views: {
            [_ in never]: never
          }
          Functions: {
            "accept_invitation":
{ Args: { "full_name"?: string,"org_slug": string,"secret": string }; Returns: {
              "organization_id": string,"role": Database["public"]['Enums']["member_role"]
            }[]
                           },
"active_medications":
{ Args: { "": Database["public"]['Tables']["patients"]['Row'] }; Returns: { error: true } & "the function public.active_medications with parameter or with a single unnamed json/jsonb parameter, but no matches were found in the schema cache"
                          SetofOptions: {
        from: "patients"
        to: "prescriptions"
        isOneToOne: false
        isSetofReturn: true
      } },
"active_prescriptions":
{ Args: { "lim"?: number }; Returns: {
              "allergy_override_reason": string | null,
"allergy_warning": string | null,
"completed_at": string | null,
"completed_by": string | null,
"created_at": string,
"dose": string,
"duration_days": number | null,
"fills_dispensed": number,
"frequency": string,
"id": string,
"instructions": string | null,
"last_dispensed_at": string | null,
"medication": string,
"organization_id": string,
"patient_id": string,
"prescriber_id": string | null,
"quantity": number,
"quantity_unit": string,
"refills": number,
"route": string,
"status": Database["public"]['Enums']["prescription_status"],
"stop_reason": string | null,
"stopped_at": string | null,
"stopped_by": string | null,
"updated_at": string,
"visit_id": string | null
            }[]
                          SetofOptions: {
        from: "*"
        to: "prescriptions"
        isOneToOne: false
        isSetofReturn: true
      } },
"amend_lab_result":
{ Args: { "lab_order_id": string,"reason": string,"reference_range": string,"result_flag": Database["public"]['Enums']["lab_result_flag"],"result_notes": string,"result_unit": string,"result_value": string }; Returns: number
                           },
"amend_visit_note":
{ Args: { "notes": string,"reason": string,"visit_id": string,"vitals": Json }; Returns: number
                           },
"audit_trail":
{ Args: { "action"?: Database["public"]['Enums']["audit_action"],"actor"?: string,"from_at"?: string,"page_offset"?: number,"page_size"?: number,"patient"?: string,"to_at"?: string,"with_chain"?: boolean,"with_total"?: boolean }; Returns: Json
                           },
"count_lab_orders":
{ Args: { "statuses"?: (Database["public"]['Enums']["lab_order_status"])[] }; Returns: number
                           },
"count_prescriptions":
{ Args: { "statuses"?: (Database["public"]['Enums']["prescription_status"])[] }; Returns: number
                           },
"create_invitation":
{ Args: { "email": string,"full_name"?: string,"organization_id": string,"role": Database["public"]['Enums']["member_role"] }; Returns: {
              "invitation_id": string,"secret": string
            }[]
                           },
"create_session_handoff":
{ Args: { "refresh_token": string,"slug": string }; Returns: string
                           },
"create_visit":
{ Args: { "appointment_id"?: string,"clinician_id"?: string,"notes"?: string,"patient_id": string,"reason": string,"scheduled_at": string,"vitals"?: Json }; Returns: string
                           },
"current_medications":
{ Args: { "patient_id": string }; Returns: {
              "allergy_override_reason": string | null,
"allergy_warning": string | null,
"completed_at": string | null,
"completed_by": string | null,
"created_at": string,
"dose": string,
"duration_days": number | null,
"fills_dispensed": number,
"frequency": string,
"id": string,
"instructions": string | null,
"last_dispensed_at": string | null,
"medication": string,
"organization_id": string,
"patient_id": string,
"prescriber_id": string | null,
"quantity": number,
"quantity_unit": string,
"refills": number,
"route": string,
"status": Database["public"]['Enums']["prescription_status"],
"stop_reason": string | null,
"stopped_at": string | null,
"stopped_by": string | null,
"updated_at": string,
"visit_id": string | null
            }[]
                          SetofOptions: {
        from: "*"
        to: "prescriptions"
        isOneToOne: false
        isSetofReturn: true
      } },
"custom_access_token_hook":
{ Args: { "event": Json }; Returns: Json
                           },
"dashboard_page":
{ Args: { "clinician_id"?: string,"list_limit"?: number,"recent_limit"?: number,"sections"?: (string)[],"today_end": string,"today_start": string }; Returns: Json
                           },
"diary_appointments":
{ Args: { "appointment_id"?: string,"clinician_id"?: string,"lim"?: number,"range_end": string,"range_start": string }; Returns: Json
                           },
"diary_page":
{ Args: { "appointment_id"?: string,"clinician_id"?: string,"organization_id": string,"patient_id"?: string,"range_end"?: string,"range_start"?: string }; Returns: Json
                           },
"dispense_prescription":
{ Args: { "prescription_id": string,"quantity"?: number }; Returns: number
                           },
"end_support_access":
{ Args: Record<PropertyKey, never>; Returns: number
                           },
"field_overview":
{ Args: { "field_id"?: string }; Returns: Json
                           },
"find_patient_duplicates":
{ Args: { "p_custom_fields"?: Json,"p_date_of_birth"?: string,"p_exclude"?: string,"p_family_name": string,"p_given_name": string }; Returns: {
              "archived": boolean,"date_of_birth": string,"family_name": string,"given_name": string,"id": string,"matched_on": string,"mrn": string
            }[]
                           },
"generate_invoice":
{ Args: { "org": string }; Returns: string
                           },
"get_branding":
{ Args: { "clinic_slug"?: string,"custom_domain"?: string }; Returns: {
              "logo_path": string,"name": string,"sign_in_message": string,"slug": string,"status": Database["public"]['Enums']["organization_status"],"theme_color": string,"type": Database["public"]['Enums']["organization_type"]
            }[]
                           },
"get_public_settings":
{ Args: Record<PropertyKey, never>; Returns: {
              "maintenance_banner": string,"session_idle_timeout_minutes": number
            }[]
                           },
"invitation_by_secret":
{ Args: { "secret": string }; Returns: {
              "email": string,"expires_at": string,"full_name": string,"inviter_name": string,"logo_path": string,"organization_name": string,"organization_slug": string,"role": Database["public"]['Enums']["member_role"],"theme_color": string
            }[]
                           },
"log_chart_view":
{ Args: { "patient_id": string }; Returns: number
                           },
"log_export":
{ Args: { "kind": string,"row_count": number }; Returns: number
                           },
"my_organizations":
{ Args: Record<PropertyKey, never>; Returns: {
              "is_active": boolean,"logo_path": string,"name": string,"organization_id": string,"require_two_factor": boolean,"role": Database["public"]['Enums']["member_role"],"slug": string,"theme_color": string,"time_zone": string,"type": Database["public"]['Enums']["organization_type"]
            }[]
                           },
"my_support_access":
{ Args: Record<PropertyKey, never>; Returns: {
              "expires_at": string,"grant_id": string,"name": string,"organization_id": string,"platform_admin_email": string,"platform_admin_name": string,"reason": string,"slug": string,"starts_at": string,"time_zone": string
            }[]
                           },
"open_chart":
{ Args: { "log_view"?: boolean,"patient_id": string }; Returns: {
              "address": string | null,
"archived_at": string | null,
"created_at": string,
"created_by": string | null,
"custom_fields": NonNullable<Json>,
"date_of_birth": string | null,
"email": string | null,
"family_name": string,
"given_name": string,
"id": string,
"mrn": string,
"organization_id": string,
"phone": string | null,
"search_given_name": string,
"search_name": string,
"sex": Database["public"]['Enums']["patient_sex"],
"updated_at": string
            }
                          SetofOptions: {
        from: "*"
        to: "patients"
        isOneToOne: true
        isSetofReturn: true
      } },
"open_lab_orders":
{ Args: { "lim"?: number }; Returns: {
              "cancel_reason": string | null,
"clinical_notes": string | null,
"collected_at": string | null,
"collected_by": string | null,
"created_at": string,
"id": string,
"ordered_by": string | null,
"organization_id": string,
"patient_id": string,
"priority": Database["public"]['Enums']["lab_order_priority"],
"reference_range": string | null,
"result_flag": Database["public"]['Enums']["lab_result_flag"] | null,
"result_notes": string | null,
"result_unit": string | null,
"result_value": string | null,
"resulted_at": string | null,
"resulted_by": string | null,
"status": Database["public"]['Enums']["lab_order_status"],
"test_code": string,
"test_name": string,
"updated_at": string,
"visit_id": string | null
            }[]
                          SetofOptions: {
        from: "*"
        to: "lab_orders"
        isOneToOne: false
        isSetofReturn: true
      } },
"platform_attach_first_admin":
{ Args: { "organization_id": string,"user_id": string }; Returns: undefined
                           },
"platform_change_plan":
{ Args: { "organization_id": string,"override_reason"?: string,"plan_id": string }; Returns: undefined
                           },
"platform_clinic_activity":
{ Args: { "max_rows"?: number,"organization_id": string }; Returns: {
              "action": Database["public"]['Enums']["audit_action"],"actor_email": string,"created_at": string,"id": number,"platform_action": string,"row_id": string,"table_name": string
            }[]
                           },
"platform_clinic_admins":
{ Args: { "organization_id": string }; Returns: {
              "email": string,"full_name": string,"status": Database["public"]['Enums']["membership_status"],"two_factor": boolean,"user_id": string
            }[]
                           },
"platform_clinics":
{ Args: { "organization_id"?: string,"page_offset"?: number,"page_size"?: number,"search"?: string }; Returns: {
              "created_at": string,"id": string,"name": string,"patient_count": number,"plan_id": string,"plan_name": string,"slug": string,"staff_count": number,"status": Database["public"]['Enums']["organization_status"],"storage_bytes": number,"suspended_reason": string,"total_count": number,"type": Database["public"]['Enums']["organization_type"]
            }[]
                           },
"platform_create_clinic":
{ Args: { "admin_email": string,"domain": string,"name": string,"plan_id": string,"slug": string,"time_zone"?: string,"type": Database["public"]['Enums']["organization_type"] }; Returns: {
              "admin_user_id": string,"organization_id": string
            }[]
                           },
"platform_delete_plan":
{ Args: { "id": string }; Returns: undefined
                           },
"platform_discard_clinic":
{ Args: { "organization_id": string,"reason": string }; Returns: undefined
                           },
"platform_reset_two_factor":
{ Args: { "organization_id": string,"user_id": string }; Returns: number
                           },
"platform_save_plan":
{ Args: { "currency": string,"id": string,"monthly_price_cents": number,"name": string,"patient_limit": number,"seat_limit": number }; Returns: undefined
                           },
"platform_set_clinic_status":
{ Args: { "organization_id": string,"reason": string,"status": Database["public"]['Enums']["organization_status"] }; Returns: undefined
                           },
"platform_set_invoice_status":
{ Args: { "invoice_id": string,"status": Database["public"]['Enums']["invoice_status"] }; Returns: undefined
                           },
"platform_update_settings":
{ Args: { "maintenance_banner": string,"session_idle_timeout_minutes": number }; Returns: undefined
                           },
"redeem_session_handoff":
{ Args: { "code": string,"slug": string }; Returns: string
                           },
"request_context":
{ Args: { "clinic_slug"?: string,"custom_domain"?: string }; Returns: Json
                           },
"resend_invitation":
{ Args: { "invitation_id": string }; Returns: {
              "email": string,"full_name": string,"secret": string
            }[]
                           },
"reset_member_two_factor":
{ Args: { "membership_id": string }; Returns: number
                           },
"search_patients":
{ Args: { "include_archived"?: boolean,"lim"?: number,"off"?: number,"q": string }; Returns: {
              "address": string | null,
"archived_at": string | null,
"created_at": string,
"created_by": string | null,
"custom_fields": NonNullable<Json>,
"date_of_birth": string | null,
"email": string | null,
"family_name": string,
"given_name": string,
"id": string,
"mrn": string,
"organization_id": string,
"phone": string | null,
"search_given_name": string,
"search_name": string,
"sex": Database["public"]['Enums']["patient_sex"],
"updated_at": string
            }[]
                          SetofOptions: {
        from: "*"
        to: "patients"
        isOneToOne: false
        isSetofReturn: true
      } },
"set_two_factor_requirement":
{ Args: { "required": boolean }; Returns: boolean
                           },
"sign_in_attempt":
{ Args: { "client_address": string,"email": string }; Returns: {
              "allowed": boolean,"retry_after_seconds": number
            }[]
                           },
"sign_in_succeeded":
{ Args: Record<PropertyKey, never>; Returns: undefined
                           },
"sign_visit_note":
{ Args: { "visit_id": string }; Returns: string
                           },
"start_support_access":
{ Args: { "minutes": number,"organization_id": string,"reason": string }; Returns: string
                           },
"switch_organization":
{ Args: { "org_id": string }; Returns: undefined
                           },
"two_factor":
{ Args: { "": Database["public"]['Tables']["memberships"]['Row'] }; Returns: { error: true } & "the function public.two_factor with parameter or with a single unnamed json/jsonb parameter, but no matches were found in the schema cache"
                           },
"verify_audit_chain":
{ Args: Record<PropertyKey, never>; Returns: {
              "first_broken_id": number,"intact": boolean,"problem": string,"rows_checked": number
            }[]
                           }
          }
          Enums: {
            "allergy_kind": "allergy"|"intolerance","allergy_severity": "mild"|"moderate"|"severe"|"unknown","allergy_status": "active"|"inactive"|"entered_in_error","appointment_status": "booked"|"arrived"|"in_progress"|"completed"|"cancelled"|"no_show","audit_action": "insert"|"update"|"delete"|"view"|"export","custom_field_format": "any"|"digits"|"letters"|"mask","custom_field_type": "text"|"number"|"date"|"boolean"|"select","invitation_status": "pending"|"accepted"|"revoked"|"expired","invoice_status": "open"|"paid"|"void","lab_order_priority": "routine"|"urgent"|"stat","lab_order_status": "ordered"|"collected"|"resulted"|"cancelled","lab_result_flag": "normal"|"low"|"high"|"critically_low"|"critically_high"|"abnormal","member_role": "admin"|"doctor"|"nurse"|"receptionist"|"lab_technician"|"pharmacist","membership_status": "invited"|"active"|"suspended"|"removed","organization_status": "active"|"suspended","organization_type": "clinic"|"hospital"|"laboratory"|"pharmacy"|"other","patient_sex": "female"|"male"|"other"|"unknown","prescription_status": "active"|"completed"|"stopped","problem_status": "active"|"resolved"|"entered_in_error","subscription_status": "active"|"past_due"|"canceled","visit_status": "scheduled"|"in_progress"|"completed"|"cancelled"
          }
          CompositeTypes: {
            [_ in never]: never
          }
        }
}

type DatabaseWithoutInternals = Omit<Database, '__InternalSupabase'>

type DefaultSchema = DatabaseWithoutInternals[Extract<keyof Database, "public">]

export type Tables<
  DefaultSchemaTableNameOrOptions extends
    | keyof (DefaultSchema["Tables"] & DefaultSchema["Views"])
    | { schema: keyof DatabaseWithoutInternals },
  TableName extends DefaultSchemaTableNameOrOptions extends {
    schema: keyof DatabaseWithoutInternals
  }
    ? keyof (DatabaseWithoutInternals[DefaultSchemaTableNameOrOptions["schema"]]["Tables"] &
        DatabaseWithoutInternals[DefaultSchemaTableNameOrOptions["schema"]]["Views"])
    : never = never
> = DefaultSchemaTableNameOrOptions extends { schema: keyof DatabaseWithoutInternals }
  ? (DatabaseWithoutInternals[DefaultSchemaTableNameOrOptions["schema"]]["Tables"] &
      DatabaseWithoutInternals[DefaultSchemaTableNameOrOptions["schema"]]["Views"])[TableName] extends {
      Row: infer R
    }
    ? R
    : never
  : DefaultSchemaTableNameOrOptions extends keyof (DefaultSchema["Tables"] & DefaultSchema["Views"])
  ? (DefaultSchema["Tables"] & DefaultSchema["Views"])[DefaultSchemaTableNameOrOptions] extends {
      Row: infer R
    }
    ? R
    : never
  : never

export type TablesInsert<
  DefaultSchemaTableNameOrOptions extends
    | keyof DefaultSchema["Tables"]
    | { schema: keyof DatabaseWithoutInternals },
  TableName extends DefaultSchemaTableNameOrOptions extends {
    schema: keyof DatabaseWithoutInternals
  }
    ? keyof DatabaseWithoutInternals[DefaultSchemaTableNameOrOptions["schema"]]["Tables"]
    : never = never
> = DefaultSchemaTableNameOrOptions extends { schema: keyof DatabaseWithoutInternals }
  ? DatabaseWithoutInternals[DefaultSchemaTableNameOrOptions["schema"]]["Tables"][TableName] extends {
      Insert: infer I
    }
    ? I
    : never
  : DefaultSchemaTableNameOrOptions extends keyof DefaultSchema["Tables"]
  ? DefaultSchema["Tables"][DefaultSchemaTableNameOrOptions] extends {
      Insert: infer I
    }
    ? I
    : never
  : never

export type TablesUpdate<
  DefaultSchemaTableNameOrOptions extends
    | keyof DefaultSchema["Tables"]
    | { schema: keyof DatabaseWithoutInternals },
  TableName extends DefaultSchemaTableNameOrOptions extends {
    schema: keyof DatabaseWithoutInternals
  }
    ? keyof DatabaseWithoutInternals[DefaultSchemaTableNameOrOptions["schema"]]["Tables"]
    : never = never
> = DefaultSchemaTableNameOrOptions extends { schema: keyof DatabaseWithoutInternals }
  ? DatabaseWithoutInternals[DefaultSchemaTableNameOrOptions["schema"]]["Tables"][TableName] extends {
      Update: infer U
    }
    ? U
    : never
  : DefaultSchemaTableNameOrOptions extends keyof DefaultSchema["Tables"]
  ? DefaultSchema["Tables"][DefaultSchemaTableNameOrOptions] extends {
      Update: infer U
    }
    ? U
    : never
  : never

export type Enums<
  DefaultSchemaEnumNameOrOptions extends
    | keyof DefaultSchema["Enums"]
    | { schema: keyof DatabaseWithoutInternals },
  EnumName extends DefaultSchemaEnumNameOrOptions extends {
    schema: keyof DatabaseWithoutInternals
  }
    ? keyof DatabaseWithoutInternals[DefaultSchemaEnumNameOrOptions["schema"]]["Enums"]
    : never = never
> = DefaultSchemaEnumNameOrOptions extends { schema: keyof DatabaseWithoutInternals }
  ? DatabaseWithoutInternals[DefaultSchemaEnumNameOrOptions["schema"]]["Enums"][EnumName]
  : DefaultSchemaEnumNameOrOptions extends keyof DefaultSchema["Enums"]
  ? DefaultSchema["Enums"][DefaultSchemaEnumNameOrOptions]
  : never

export type CompositeTypes<
  PublicCompositeTypeNameOrOptions extends
    | keyof DefaultSchema["CompositeTypes"]
    | { schema: keyof DatabaseWithoutInternals },
  CompositeTypeName extends PublicCompositeTypeNameOrOptions extends {
    schema: keyof DatabaseWithoutInternals
  }
    ? keyof DatabaseWithoutInternals[PublicCompositeTypeNameOrOptions["schema"]]["CompositeTypes"]
    : never = never
> = PublicCompositeTypeNameOrOptions extends { schema: keyof DatabaseWithoutInternals }
  ? DatabaseWithoutInternals[PublicCompositeTypeNameOrOptions["schema"]]["CompositeTypes"][CompositeTypeName]
  : PublicCompositeTypeNameOrOptions extends keyof DefaultSchema["CompositeTypes"]
  ? DefaultSchema["CompositeTypes"][PublicCompositeTypeNameOrOptions]
  : never

export const Constants = {
  "public": {
          Enums: {
            "allergy_kind": ["allergy", "intolerance"],"allergy_severity": ["mild", "moderate", "severe", "unknown"],"allergy_status": ["active", "inactive", "entered_in_error"],"appointment_status": ["booked", "arrived", "in_progress", "completed", "cancelled", "no_show"],"audit_action": ["insert", "update", "delete", "view", "export"],"custom_field_format": ["any", "digits", "letters", "mask"],"custom_field_type": ["text", "number", "date", "boolean", "select"],"invitation_status": ["pending", "accepted", "revoked", "expired"],"invoice_status": ["open", "paid", "void"],"lab_order_priority": ["routine", "urgent", "stat"],"lab_order_status": ["ordered", "collected", "resulted", "cancelled"],"lab_result_flag": ["normal", "low", "high", "critically_low", "critically_high", "abnormal"],"member_role": ["admin", "doctor", "nurse", "receptionist", "lab_technician", "pharmacist"],"membership_status": ["invited", "active", "suspended", "removed"],"organization_status": ["active", "suspended"],"organization_type": ["clinic", "hospital", "laboratory", "pharmacy", "other"],"patient_sex": ["female", "male", "other", "unknown"],"prescription_status": ["active", "completed", "stopped"],"problem_status": ["active", "resolved", "entered_in_error"],"subscription_status": ["active", "past_due", "canceled"],"visit_status": ["scheduled", "in_progress", "completed", "cancelled"]
          }
        }
} as const
