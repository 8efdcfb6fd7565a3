import {
  to = dellsc_volume.db
  id = "64702.101"
}
