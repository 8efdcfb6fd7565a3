"""Quirks parsed at the edge: sizes, SSNs, key case, versions, filters; config and error reprs."""

from __future__ import annotations

import pytest
from pydantic import ValidationError

from dellsc.sc import RetryPolicy, ScConfig, errors, models
from dellsc.sc.filters import filter_body
from dellsc.sc.tasks import poll_path
from dellsc.sc.units import format_gb, parse_bytes, parse_ssn, parse_version, ssn_of


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        pytest.param("1.073741824E9 Bytes", 1073741824, id="scientific"),
        pytest.param("1.3302310633472E13 Bytes", 13302310633472, id="large-exact"),
        pytest.param("131072.0 Bytes", 131072, id="plain"),
        pytest.param("0.0 Bytes", 0, id="zero"),
        pytest.param("0 Bytes", 0, id="int-text"),
        pytest.param("10 GB", 10 * 1024**3, id="gb"),
        pytest.param(42, 42, id="int"),
        pytest.param("9.223372036854775807E18 Bytes", 9223372036854775807, id="no-float-rounding"),
    ],
)
def test_parse_bytes(text: object, expected: int) -> None:
    assert parse_bytes(text) == expected


@pytest.mark.parametrize("bad", ["", "x Bytes", "1 parsecs", None, True, "NaN Bytes"])
def test_parse_bytes_rejects(bad: object) -> None:
    with pytest.raises(ValueError):
        parse_bytes(bad)


def test_small_helpers() -> None:
    assert format_gb(10) == "10 GB"
    assert parse_ssn("64702") == 64702 == parse_ssn(64702)
    assert ssn_of("64702.3494") == 64702
    assert parse_version("10.0") > parse_version("4.1") > parse_version("2.2")


def test_volume_model_quirks() -> None:
    vol = models.ScVolume.model_validate(
        {
            "objectType": "ScVolume",
            "instanceId": "64702.3494",
            "Name": "v1",  # key case does not matter
            "scSerialNumber": "64702",  # SSN as string
            "configuredSize": "1.073741824E9 Bytes",
            "deviceId": "6000d31000fcbe000000000000000da8",
            "volumeFolder": {"instanceId": "64702.17", "instanceName": "fcvm", "objectType": "X"},
            "volumeFolderPath": "devstackvol/fcvm/",
            "somethingNew": {"a": 1},
        }
    )
    assert vol.name == "v1" and vol.sc_serial_number == 64702
    assert vol.configured_size_bytes == 1024**3 and vol.size_gb == 1
    assert vol.volume_folder == models.ScRef(
        instance_id="64702.17", instance_name="fcvm", object_type="X"
    )
    assert vol.device_id == vol.wwn
    with pytest.raises(ValidationError):  # frozen
        vol.name = "x"  # type: ignore[misc]


def test_null_description_and_user_preference_refs() -> None:
    replay = models.ScReplay.model_validate({"instanceId": "1.2.3", "description": None})
    assert replay.description == ""
    prefs = models.UserPreferences.model_validate(
        {"storageProfile": {"instanceId": "1.1", "name": "Recommended"}, "groupQosProfile": None}
    )
    assert prefs.storage_profile is not None
    assert prefs.storage_profile.instance_name == "Recommended"
    assert prefs.group_qos_profile is None and prefs.replay_profile_list == []


def test_storage_usage_used_defaults_to_total_minus_free() -> None:
    usage = models.StorageUsage.model_validate(
        {"availableSpace": "100.0 Bytes", "freeSpace": "30.0 Bytes"}
    )
    assert (usage.total_bytes, usage.free_bytes, usage.used_bytes) == (100, 30, 70)


def test_filter_formats() -> None:
    current = filter_body({"scSerialNumber": 1, "Name": None, "folderPath": ""}, legacy=False)
    assert current == {
        "filter": {
            "filterType": "AND",
            "filters": [
                {"attributeName": "scSerialNumber", "attributeValue": 1, "filterType": "Equals"},
                {"attributeName": "folderPath", "attributeValue": "", "filterType": "Equals"},
            ],
        }
    }
    assert filter_body({"a": True}, legacy=True)["filterType"] == "AND"


@pytest.mark.parametrize(
    ("return_value", "expected"),
    [
        (
            "https://dsm:3033/api/rest/ApiConnection/AsyncTask/7",
            "api/rest/ApiConnection/AsyncTask/7",
        ),
        ("", "ApiConnection/AsyncTask/7"),
        ("api/rest/ApiConnection/AsyncTask/", "api/rest/ApiConnection/AsyncTask/7"),
    ],
)
def test_poll_path(return_value: str, expected: str) -> None:
    task = models.AsyncTask(instance_id="7", return_value=return_value)
    assert poll_path(task) == expected


def test_poll_path_rejects_xml() -> None:
    with pytest.raises(errors.ScApiError, match="malformed"):
        poll_path(models.AsyncTask(instance_id="7", return_value="<html>"))


@pytest.mark.parametrize(
    ("endpoint", "base"),
    [
        ("https://127.0.0.1:3033", "https://127.0.0.1:3033/api/rest/"),
        ("https://dsm.example", "https://dsm.example:3033/api/rest/"),
        ("dsm.example:4000/api/rest/", "https://dsm.example:4000/api/rest/"),
        ("https://[::1]:3033", "https://[::1]:3033/api/rest/"),
    ],
)
def test_endpoint_normalisation(endpoint: str, base: str) -> None:
    assert ScConfig(endpoint=endpoint, username="u", password="p").api_base == base


@pytest.mark.parametrize("endpoint", ["ftp://x", "https://u:pw@host", "https://"])
def test_bad_endpoints(endpoint: str) -> None:
    with pytest.raises(ValueError):
        ScConfig(endpoint=endpoint, username="u", password="p")


def test_config_never_shows_password() -> None:
    cfg = ScConfig(endpoint="https://h", username="Admin", password="canary-pw-123")
    assert "canary-pw-123" not in repr(cfg) and "canary-pw-123" not in str(cfg)
    assert "canary-pw-123" not in str(cfg.model_dump())
    assert cfg.password.get_secret_value() == "canary-pw-123"


def test_error_tree_and_text() -> None:
    err = errors.ScNotFound(404, "no such volume", "GET", "StorageCenter/ScVolume/1.2")
    assert isinstance(err, errors.ScApiError) and isinstance(err, errors.ScError)
    assert str(err) == "GET StorageCenter/ScVolume/1.2 -> 404: no such volume"
    assert "ScNotFound(status=404" in repr(err)
    assert issubclass(errors.ScTlsError, errors.ScConnectError)
    assert issubclass(errors.ScConnectError, errors.ScTransportError)
    assert issubclass(errors.ScReadTimeout, errors.ScTimeout)
    assert issubclass(errors.ScValidationError, ValueError)
    for cls in (errors.ScConflict, errors.ScBadRequest, errors.ScAuthError):
        assert issubclass(cls, errors.ScApiError)
    assert issubclass(errors.ScApiVersionError, errors.ScApiError)
    assert issubclass(errors.ScTaskFailed, errors.ScApiError)


def test_retry_policy_delay_is_bounded() -> None:
    policy = RetryPolicy(base_delay=0.1, max_delay=0.3)
    assert all(0 <= policy.delay(n) <= 0.3 for n in range(1, 20))
