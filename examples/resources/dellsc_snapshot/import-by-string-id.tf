import {
  to = dellsc_snapshot.before_upgrade
  id = "64702.101/name:before-upgrade"
}
