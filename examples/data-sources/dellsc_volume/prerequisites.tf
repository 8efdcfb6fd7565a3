# Not part of the example: what it reads, made outside its configuration (the tests apply this
# first, in a working directory of its own).
resource "dellsc_volume" "golden" {
  name    = "golden-image"
  size_gb = 20
}
