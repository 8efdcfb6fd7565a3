# By instance ID
terraform import dellsc_volume.db 64702.101

# By name (must match exactly one volume)
terraform import dellsc_volume.db name:db01-data
