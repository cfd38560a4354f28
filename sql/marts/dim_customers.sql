-- Golden customers as BI tools see them: one row per customer_key with the survived
-- attributes (see mdm.dim_customer_golden), the source IDs behind each, and its place in its
-- group: parent, ultimate parent, depth (0 at the top) and path from the top.
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
