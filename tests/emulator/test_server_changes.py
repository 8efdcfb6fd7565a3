"""Server modification, initiator removal and preferred LUNs."""

from __future__ import annotations

from .conftest import SSN, Dsm
from .test_servers_faults import IQN, make_server


def test_update_server_and_remove_hba(dsm: Dsm) -> None:
    sid = make_server(dsm, "before")
    dsm.ok("POST", "StorageCenter/ScPhysicalServer", {"Name": "other", "StorageCenter": SSN})
    clash = dsm.call("PUT", f"StorageCenter/ScPhysicalServer/{sid}", {"Name": "OTHER"})
    assert clash.status_code == 400 and "already exists" in clash.json()["result"]
    folder = dsm.ok("POST", "StorageCenter/ScServerFolder", {"Name": "esx", "StorageCenter": SSN})
    body = {"Name": "after", "Notes": "n", "OperatingSystem": f"{SSN}.43",
            "ServerFolder": folder["instanceId"]}  # fmt: skip
    updated = dsm.ok("PUT", f"StorageCenter/ScPhysicalServer/{sid}", body)
    assert updated["name"] == updated["instanceName"] == "after" and updated["notes"] == "n"
    assert updated["operatingSystem"]["instanceName"] == "Windows 2016"
    assert updated["serverFolderPath"].strip("/") == "esx"

    vid = dsm.create_volume("shown")["instanceId"]
    dsm.ok("POST", f"StorageCenter/ScVolume/{vid}/MapToServer", {"server": sid})
    assert dsm.get(f"StorageCenter/ScVolume/{vid}/MappingList")
    [hba] = dsm.get(f"StorageCenter/ScServer/{sid}/HbaList")
    dsm.ok(
        "POST", f"StorageCenter/ScPhysicalServer/{sid}/RemoveHba", {"ServerHba": hba["instanceId"]}
    )
    assert dsm.get(f"StorageCenter/ScServer/{sid}/HbaList") == []
    assert dsm.get(f"StorageCenter/ScVolume/{vid}/MappingList") == [], "paths go with the HBA"
    assert dsm.get(f"StorageCenter/ScVolume/{vid}/MappingProfileList"), "the mapping stays"
    [orphan] = dsm.get_list("ScServerHba", instanceName=IQN)
    assert "server" not in orphan
    again = dsm.call(
        "POST", f"StorageCenter/ScPhysicalServer/{sid}/RemoveHba", {"ServerHba": hba["instanceId"]}
    )
    assert again.status_code == 400


def test_preferred_lun(dsm: Dsm) -> None:
    sid = make_server(dsm)
    v1, v2, v3 = (dsm.create_volume(n)["instanceId"] for n in ("a", "b", "c"))
    advanced = {"MapToDownServerHbas": True, "PreferredLun": 9}
    profile = dsm.ok("POST", f"StorageCenter/ScVolume/{v1}/MapToServer",
                     {"server": sid, "Advanced": advanced})  # fmt: skip
    assert profile["lunUsed"] == [9] and profile["lunRequested"] == "9"
    assert {r["lun"] for r in dsm.get(f"StorageCenter/ScVolume/{v1}/MappingList")} == {9}
    taken = dsm.call("POST", f"StorageCenter/ScVolume/{v2}/MapToServer",
                     {"server": sid, "Advanced": advanced})  # fmt: skip
    assert taken.status_code == 400 and "LUN 9" in taken.json()["result"]
    assert dsm.get(f"StorageCenter/ScVolume/{v2}/MappingProfileList") == []
    assert dsm.ok("POST", f"StorageCenter/ScVolume/{v3}/MapToServer", {"server": sid})[
        "lunUsed"] == [1]  # fmt: skip
