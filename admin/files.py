"""The export's file on the operator's machine (R-PRIV-3, R-ADM-1): created before the export is
made and audited, so that a name already taken or a folder that cannot be written refuses the
command with nothing exported; removed again when the export fails; readable by its owner only,
since it holds a person's data."""

from __future__ import annotations

import json
import os
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from admin.operations import Refused

NOTHING_EXPORTED = "No se exportó nada."


@contextmanager
def new_file(path: Path) -> Iterator[Callable[[dict[str, Any]], None]]:
    """Yields the function that writes the document into `path`, a file this call creates."""
    try:
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError:
        raise Refused(
            f"Ya existe el archivo {path} y no se reemplaza: muévalo o indique otro nombre con "
            f"--output. {NOTHING_EXPORTED}"
        ) from None
    except OSError as problem:
        raise Refused(
            f"No se puede crear el archivo {path} ({problem.strerror}). {NOTHING_EXPORTED}"
        ) from None
    with os.fdopen(fd, "w", encoding="utf-8") as out:

        def write(document: dict[str, Any]) -> None:
            try:
                out.write(json.dumps(document, ensure_ascii=False, indent=2) + "\n")
                out.flush()
            except OSError as problem:
                raise Refused(
                    f"No se pudo escribir el archivo {path} ({problem.strerror}); la exportación "
                    "ya quedó en el historial de la cuenta. Repita el comando con --output en "
                    "otra carpeta."
                ) from None

        try:
            yield write
        except BaseException:
            path.unlink()
            raise
