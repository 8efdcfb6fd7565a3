# By instance ID of the Consistent snapshot profile
terraform import dellsc_consistency_group.orders 64702.11

# By name (must match exactly one Consistent snapshot profile)
terraform import dellsc_consistency_group.orders name:orders-db
