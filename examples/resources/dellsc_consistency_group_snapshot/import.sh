# By instance ID of the group snapshot (ScReplayConsistencyGroup)
terraform import dellsc_consistency_group_snapshot.before_upgrade 64702.64702.11.1
