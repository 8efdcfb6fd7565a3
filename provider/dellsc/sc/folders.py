"""Volume and server folders (§4.2).

Paths are given as `a/b`. A folder reports the path of its parent as `folderPath`, in the style
of the API version: `a/` (legacy, API < 4) or `/a/` (API >= 4); `""` or `/` at the root.
"""

from __future__ import annotations

import threading
from typing import TypeVar

from .base import ClientCore
from .errors import ScApiError, ScValidationError
from .models import ScFolder, ScServerFolder, ScVolumeFolder
from .notes import DEFAULT_NOTES
from .validation import check_name

F = TypeVar("F", bound=ScFolder)
_ENSURE_LOCK = threading.Lock()


def split_path(path: str) -> list[str]:
    """`"/a//b/"` -> `["a", "b"]`."""
    return [part for part in path.strip().split("/") if part]


class FoldersMixin(ClientCore):
    def find_volume_folder(self, path: str) -> ScVolumeFolder | None:
        """The volume folder at `a/b`, or None if any level is missing."""
        return self._find_folder(ScVolumeFolder, path)

    def root_volume_folder(self) -> ScVolumeFolder:
        """The root volume folder of this SC (the one marked `root`)."""
        for folder in self._query(ScVolumeFolder, "ScVolumeFolder", scSerialNumber=self.ssn):
            if folder.root:
                return folder
        raise ScValidationError(f"Storage Center {self.ssn} reports no root volume folder")

    def ensure_volume_folder(self, path: str) -> ScVolumeFolder:
        """The volume folder at `a/b`, creating missing levels from the root down."""
        return self._ensure_folder(ScVolumeFolder, path)

    def find_server_folder(self, path: str) -> ScServerFolder | None:
        """The server folder at `a/b`, or None if any level is missing."""
        return self._find_folder(ScServerFolder, path)

    def ensure_server_folder(self, path: str) -> ScServerFolder:
        """The server folder at `a/b`, creating missing levels from the root down."""
        return self._ensure_folder(ScServerFolder, path)

    def _parent_path(self, parts: list[str]) -> str:
        """The `folderPath` the array reports for a folder whose ancestors are `parts`."""
        inner = "".join(f"{p}/" for p in parts)
        return inner if self.session.legacy_folder_paths else f"/{inner}"

    def _find_level(self, model: type[F], parents: list[str], name: str) -> F | None:
        wanted = self._parent_path(parents)
        found = self._query(
            model, model.__name__, scSerialNumber=self.ssn, Name=name, folderPath=wanted
        )
        for folder in found:
            # exact parent path; tolerate the other slash style as well
            if folder.name == name and folder.folder_path.strip("/") == wanted.strip("/"):
                return folder
        return None

    def _find_folder(self, model: type[F], path: str) -> F | None:
        parts = split_path(path)
        if not parts:
            return None
        return self._find_level(model, parts[:-1], parts[-1])

    def _ensure_folder(self, model: type[F], path: str) -> F:
        parts = split_path(path)
        if not parts:
            raise ScValidationError(f"folder path {path!r} names no folder")
        for part in parts:
            check_name(part, "folder name")
        # one at a time per process: volumes planned together often share a new folder
        with _ENSURE_LOCK:
            folder: F | None = None
            creating = False  # below a created level nothing can exist yet
            for depth, name in enumerate(parts):
                found = None if creating else self._find_level(model, parts[:depth], name)
                if found is None:
                    creating = True
                    found = self._create_level(model, parts[:depth], name, folder)
                folder = found
            assert folder is not None
            return folder

    def _create_level(self, model: type[F], parents: list[str], name: str, parent: F | None) -> F:
        """Create one level; if someone else made it meanwhile, use theirs."""
        try:
            return self._create_folder(model, name, parent)
        except ScApiError:
            found = self._find_level(model, parents, name)
            if found is None:
                raise
            return found

    def _create_folder(self, model: type[F], name: str, parent: F | None) -> F:
        body: dict[str, object] = {"Name": name, "StorageCenter": self.ssn, "Notes": DEFAULT_NOTES}
        if parent is not None:
            body["Parent"] = parent.instance_id
        return self._create(model, f"StorageCenter/{model.__name__}", body)
