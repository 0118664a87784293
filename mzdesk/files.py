"""Writing files for the user: whole or not at all (DESIGN §6).

The content goes to a temporary file in the target's own folder (so the
final rename stays on one device) and is renamed into place only once it is
complete; a full or pulled-out drive leaves no half file under the final name.
"""
from __future__ import annotations

import contextlib
import errno
import os
import tempfile
from pathlib import Path
from typing import Iterator

from .errors import DomainError

_REASONS = {
    errno.ENOSPC: "磁盘空间已满",
    errno.EACCES: "没有写入权限",
    errno.EROFS: "磁盘为只读",
    errno.ENOENT: "文件夹不存在",
    errno.EIO: "读写错误（U盘是否已拔出？）",
}


def os_reason(exc: OSError) -> str:
    return _REASONS.get(exc.errno, exc.strerror or type(exc).__name__)


@contextlib.contextmanager
def atomic_path(target: Path | str) -> Iterator[Path]:
    """Yield a temporary path to write; it becomes `target` when the block ends cleanly."""
    target = Path(target)
    if not target.parent.is_dir():
        raise DomainError(f"无法保存“{target.name}”：文件夹不存在")
    try:
        fd, tmp = tempfile.mkstemp(prefix=f".{target.stem}-", suffix=target.suffix + ".part",
                                   dir=target.parent)
        os.close(fd)
    except OSError as exc:
        raise DomainError(f"无法保存“{target.name}”：{os_reason(exc)}") from None
    tmp_path = Path(tmp)
    try:
        yield tmp_path
        with open(tmp_path, "rb+") as fh:  # make sure the bytes are on the device
            os.fsync(fh.fileno())
        os.replace(tmp_path, target)
    except OSError as exc:
        raise DomainError(f"无法保存“{target.name}”：{os_reason(exc)}") from None
    finally:
        with contextlib.suppress(OSError):
            tmp_path.unlink()
