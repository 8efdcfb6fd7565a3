"""Volume and server folders (§4.2).

Paths are given as `a/b`. A folder reports the path of its parent as `folderPath`, in the style
of the API version: `a/` (legacy, API < 4) or `/a/` (API >= 4); `""` or `/` at the root.

Folders this provider creates carry `FOLDER_NOTES` in their notes. After a destroy (or a
move) `remove_empty_*_folders` removes such a folder, and then its parents, while it holds
nothing; a folder another tool made, or one a create or move of this process is using, is
never removed. `DELETE Sc<Volume|Server>Folder/{id}` is the call of Dell's puppet module.
"""

from __future__ import annotations

import threading
from typing import TypeVar

from .base import ClientCore
from .errors import ScApiError, ScNotFound, ScValidationError
from .models import ScFolder, ScModel, ScServer, ScServerFolder, ScVolume, ScVolumeFolder
from .notes import DEFAULT_NOTES
from .validation import check_name

F = TypeVar("F", bound=ScFolder)
_ENSURE_LOCK = threading.Lock()
FOLDER_NOTES = "Folder created by terraform-provider-dellsc"
# folders made by earlier releases carry the provider's general notes
_OWN_FOLDER_NOTES = frozenset({FOLDER_NOTES, DEFAULT_NOTES})


def split_path(path: str) -> list[str]:
    """`"/a//b/"` -> `["a", "b"]`."""
    return [part for part in path.strip().split("/") if part]


class FoldersMixin(ClientCore):
    def find_volume_folder(self, path: str) -> ScVolumeFolder | None:
        """The volume folder at `a/b`, or None if any level is missing."""
        return self._find_folder(ScVolumeFolder, path)

    def root_volume_folder(self) -> ScVolumeFolder:
        """The root volume folder of this SC (the one marked `root`)."""
        return self._root(ScVolumeFolder)

    def root_server_folder(self) -> ScServerFolder:
        """The root server folder of this SC (the one marked `root`)."""
        return self._root(ScServerFolder)

    def _root(self, model: type[F]) -> F:
        for folder in self._query(model, model.__name__, scSerialNumber=self.ssn):
            if folder.root:
                return folder
        raise ScValidationError(f"Storage Center {self.ssn} reports no root {model.__name__}")

    def ensure_volume_folder(self, path: str) -> ScVolumeFolder:
        """The volume folder at `a/b`, creating missing levels from the root down."""
        return self._ensure_folder(ScVolumeFolder, path)

    def find_server_folder(self, path: str) -> ScServerFolder | None:
        """The server folder at `a/b`, or None if any level is missing."""
        return self._find_folder(ScServerFolder, path)

    def ensure_server_folder(self, path: str) -> ScServerFolder:
        """The server folder at `a/b`, creating missing levels from the root down."""
        return self._ensure_folder(ScServerFolder, path)

    def remove_empty_volume_folders(self, path: str) -> list[str]:
        """Remove the volume folder at `a/b` and then its parents while each is empty and
        ours (see the module docstring); the paths removed."""
        return self._remove_empty(ScVolumeFolder, ScVolume, "volumeFolderPath", path)

    def remove_empty_server_folders(self, path: str) -> list[str]:
        """`remove_empty_volume_folders` for server folders."""
        return self._remove_empty(ScServerFolder, ScServer, "serverFolderPath", path)

    def _remove_empty(
        self, model: type[F], held: type[ScModel], held_path: str, path: str
    ) -> list[str]:
        parts = split_path(path)
        removed: list[str] = []
        with _ENSURE_LOCK:  # never between an ensure of this process and its use
            while parts:
                folder = self._find_level(model, parts[:-1], parts[-1])
                if (
                    folder is None
                    or folder.root
                    or folder.notes not in _OWN_FOLDER_NOTES
                    or folder.instance_id in self.pinned_folders
                ):
                    break
                inside = self._parent_path(parts)  # the path its contents report
                kind = model.__name__
                if self._query(model, kind, scSerialNumber=self.ssn, folderPath=inside):
                    break  # a folder inside
                if self._query(held, held.__name__, scSerialNumber=self.ssn, **{held_path: inside}):
                    break  # a volume or server inside
                try:
                    self._write_existing("DELETE", f"StorageCenter/{kind}/{folder.instance_id}")
                except ScNotFound:
                    pass  # gone already: confirmed by the next level's lookup
                if self._find_level(model, parts[:-1], parts[-1]) is not None:
                    raise ScApiError(200, f"folder {'/'.join(parts)} is still there after delete")
                removed.append("/".join(parts))
                parts = parts[:-1]
        return removed

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
                # in use by a create or move of this process: no cleanup may remove it
                self.pinned_folders.add(folder.instance_id)
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
        body: dict[str, object] = {"Name": name, "StorageCenter": self.ssn, "Notes": FOLDER_NOTES}
        if parent is not None:
            body["Parent"] = parent.instance_id
        return self._create(model, f"StorageCenter/{model.__name__}", body)
