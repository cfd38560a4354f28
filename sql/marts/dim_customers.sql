-- Golden customers as BI tools see them: one row per customer_key with the survived
-- attributes (see mdm.dim_customer_golden), the source IDs behind each, and its place in its
-- group: parent, ultimate parent, depth (0 at the top) and path from the top.
-- @column customer_key: Golden customer identifier (mdm.crosswalk): the stable key every fact
--     and segment uses.
-- @column customer_name: Company name: the oldest ERP record's, else the oldest CRM account's,
--     else the billing account's.
-- @column tax_id: VAT or tax number, without spaces, in capitals: finance first, then ERP, then
--     CRM (the first non-null).
-- @column street: Street address (ERP first, as customer_name).
-- @column city: City (ERP first, as customer_name).
-- @column postcode: Postal code (ERP first, as customer_name).
-- @column country: Country code (ERP first, as customer_name).
-- @column phone: Phone number of the most recently created CRM account that has one.
-- @column email_domain: E-mail domain of the most recently created CRM account that has one.
-- @column industry: Industry of the most recently created CRM account that has one.
-- @column payment_terms_days: Agreed payment terms in days (ERP first, as customer_name).
-- @column customer_since: Earliest creation date of any of the customer's source records.
-- @column erp_customer_ids: ERP customer IDs merged into this customer, comma separated.
-- @column crm_account_ids: CRM account IDs merged into this customer, comma separated.
-- @column billing_account_ids: Finance billing account IDs of this customer, comma separated.
-- @column source_records: Source records (ERP, CRM and finance) merged into the customer.
-- @column parent_key: customer_key of the direct parent company; null at the top of a group.
-- @column parent_evidence: What links the customer to its parent: 'steward' (a steward's
--     set_parent), 'erp_parent_id' or 'crm_parent_name'; null without a parent.
-- @column ultimate_parent_key: customer_key at the top of the customer's group (itself when
--     it has no parent).
-- @column hierarchy_depth: Levels below the top of the group (0 at the top).
-- @column hierarchy_path: customer_keys from the top of the group down to this customer,
--     joined by ' > '.
with

golden as (
    select * from mdm.dim_customer_golden
),

hierarchy as (
    select * from mdm.customer_hierarchy
),

final as (
    select
        golden.*,
        hierarchy.parent_key,
        hierarchy.parent_evidence,
        hierarchy.ultimate_parent_key,
        hierarchy.depth as hierarchy_depth,
        hierarchy.hierarchy_path,
    from golden
    left join hierarchy
        on golden.customer_key = hierarchy.customer_key
)

select * from final
