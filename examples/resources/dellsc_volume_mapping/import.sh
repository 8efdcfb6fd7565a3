# By <volume_id>/<server_id>
terraform import dellsc_volume_mapping.data_on_esx01 64702.101/64702.2

# By the mapping profile's instance ID
terraform import dellsc_volume_mapping.data_on_esx01 64702.2000
