# Mock defaults for `mock_provider "dellsc"` in `terraform test` (Terraform 1.7+): every
# resource and data source of the provider, with IDs in the forms its own validators accept,
# so a module's tests run with no array and no emulator. Without them Terraform makes up
# random strings, and the first ID that reaches another resource fails validation
# (`volume_id must match '\d+\.\d+', got '5ayj48fu'`).
#
# Use it from a test file (see docs/guides/testing-modules.md):
#
#   mock_provider "dellsc" {
#     source = "./tests/mocks"    # the directory holding this file
#   }
#
# Every computed attribute has a value: with `override_during = plan`, one left to Terraform
# would be invented twice (at plan and at apply) and the apply would fail. Every object of one
# type gets the same values (all volumes are 64702.101); a run that needs distinct ones sets
# them with `override_resource`. Values come from the emulator's Storage Center 64702.
# Attributes you configure keep your values; only computed ones are mocked.

# -- resources --------------------------------------------------------------------------

mock_resource "dellsc_volume" {
  defaults = {
    id                     = "64702.101"
    ssn                    = 64702
    wwn                    = "6000d31000fcbe000000000000000067"
    size_bytes             = null # follows size_gb on the array; set it with override_resource
    folder                 = "/"
    folder_path            = "/"
    storage_profile        = "Recommended"
    replay_profiles        = ["Daily"]
    volume_qos_profile     = "Default"
    group_qos_profile      = null
    data_reduction_profile = "None"
    deletion_policy        = "DELETE"
    migration_policy       = "never"
    notes                  = "Created by terraform-provider-dellsc"
    source_snapshot_id     = null
    source_volume_id       = null
  }
}

mock_resource "dellsc_snapshot" {
  defaults = {
    id              = "64702.101.1"
    created_at      = "2026-01-01T00:00:00Z"
    expires_at      = null
    expire_minutes  = 0
    deletion_policy = "DELETE"
  }
}

mock_resource "dellsc_consistency_group" {
  defaults = {
    id              = "64702.11"
    deletion_policy = "DELETE"
  }
}

mock_resource "dellsc_consistency_group_snapshot" {
  defaults = {
    id              = "64702.64702.11.1"
    snapshots       = {}
    created_at      = "2026-01-01T00:00:00Z"
    expires_at      = null
    expire_minutes  = 0
    deletion_policy = "DELETE"
  }
}

mock_resource "dellsc_replication_plan" {
  defaults = {
    id                   = "64702:64703:dr"
    type                 = "async"
    sync_mode            = null
    active_site          = "primary"
    active_replay        = false
    live_volume          = false
    qos_node             = "cinderqos"
    pairs                = {}
    created_qos_node_ids = []
    parallelism          = 8
    deletion_policy      = "DELETE"
  }
}

mock_resource "dellsc_server" {
  defaults = {
    id               = "64702.47"
    ssn              = 64702
    folder           = "/"
    notes            = "Created by terraform-provider-dellsc"
    operating_system = "Red Hat Linux 6.x"
  }
}

mock_resource "dellsc_server_cluster" {
  defaults = {
    id               = "64702.48"
    ssn              = 64702
    folder           = "/"
    notes            = "Created by terraform-provider-dellsc"
    operating_system = "Red Hat Linux 6.x"
    server_ids       = []
    iscsi_initiators = []
    fc_wwpns         = []
  }
}

mock_resource "dellsc_volume_mapping" {
  defaults = {
    id                      = "64702.2001"
    lun                     = 1
    transport               = ["Iscsi"]
    iscsi_target_iqns       = ["iqn.2002-03.com.compellent:5000d31000fcbe01"]
    iscsi_target_portals    = ["10.10.1.10:3260"]
    fc_target_wwns          = []
    fc_initiator_target_map = {}
  }
}

# -- data sources -----------------------------------------------------------------------

mock_data "dellsc_storage_center" {
  defaults = {
    ssn                        = 64702
    name                       = "Storage Center 64702"
    version                    = "7.4.21.7"
    api_version                = "4.1"
    connected                  = true
    total_capacity_gb          = 10240
    free_capacity_gb           = 10000
    total_capacity_bytes       = 10995116277760
    free_capacity_bytes        = 10737418240000
    allocated_capacity_bytes   = 257698037760
    used_capacity_bytes        = 257698037760
    provisioned_capacity_bytes = 1099511627776
    provisioning_ratio         = 0.1
    storage_profiles           = ["Recommended", "High Priority", "Medium Priority", "Low Priority"]
    replay_profiles            = ["Daily", "Weekly"]
    volume_qos_profiles        = ["Default", "Premium"]
    group_qos_profiles         = ["Group Default", "Group Limited"]
    data_reduction_profiles    = ["None", "Compression", "Deduplication with Compression"]
  }
}

mock_data "dellsc_volume" {
  defaults = {
    id                     = "64702.101"
    name                   = "data"
    ssn                    = 64702
    wwn                    = "6000d31000fcbe000000000000000067"
    size_gb                = 10
    size_bytes             = 10737418240
    folder_path            = "/"
    mapped                 = false
    storage_profile        = "Recommended"
    replay_profiles        = ["Daily"]
    volume_qos_profile     = "Default"
    group_qos_profile      = null
    data_reduction_profile = "None"
  }
}

mock_data "dellsc_volumes" {
  defaults = {
    ids     = []
    volumes = []
  }
}

mock_data "dellsc_server" {
  defaults = {
    id               = "64702.47"
    name             = "esx01"
    ssn              = 64702
    type             = "Physical"
    status           = "Up"
    folder           = ""
    notes            = ""
    operating_system = "Red Hat Linux 6.x"
    iscsi_initiators = []
    fc_wwpns         = []
  }
}

mock_data "dellsc_server_cluster" {
  defaults = {
    id               = "64702.48"
    name             = "esx-prod"
    ssn              = 64702
    status           = "Up"
    folder           = ""
    notes            = ""
    operating_system = "Red Hat Linux 6.x"
    server_ids       = []
    iscsi_initiators = []
    fc_wwpns         = []
  }
}

mock_data "dellsc_snapshot" {
  defaults = {
    id         = "64702.101.1"
    name       = "nightly"
    volume_id  = "64702.101"
    created_at = "2026-01-01T00:00:00Z"
    expires_at = null
  }
}

mock_data "dellsc_snapshots" {
  defaults = {
    snapshots = []
  }
}

mock_data "dellsc_storage_profiles" {
  defaults = {
    names    = ["Recommended", "High Priority", "Medium Priority", "Low Priority"]
    profiles = []
  }
}

mock_data "dellsc_snapshot_profiles" {
  defaults = {
    names    = ["Daily", "Weekly"]
    profiles = []
  }
}

mock_data "dellsc_qos_profiles" {
  defaults = {
    names    = ["Default", "Premium", "Group Default", "Group Limited"]
    profiles = []
  }
}

mock_data "dellsc_data_reduction_profiles" {
  defaults = {
    names    = ["None", "Compression", "Deduplication with Compression"]
    profiles = []
  }
}
