# By instance ID
terraform import dellsc_server_cluster.prod 64702.5

# By name
terraform import dellsc_server_cluster.prod name:esx-prod
