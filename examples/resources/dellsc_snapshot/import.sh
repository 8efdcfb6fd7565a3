# By replay instance ID:
terraform import dellsc_snapshot.before_upgrade 64702.101.1

# By volume instance ID and snapshot name (the name must match one live snapshot):
terraform import dellsc_snapshot.before_upgrade 64702.101/name:before-upgrade
