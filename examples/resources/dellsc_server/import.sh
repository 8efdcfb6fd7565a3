# By instance ID
terraform import dellsc_server.esx01 64702.2

# By name
terraform import dellsc_server.esx01 name:esx01
