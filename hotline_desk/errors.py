"""Expected, user-actionable errors: each carries a Chinese message a user can act on."""

import errno
import sys


class HotlineError(Exception):
    """Base of every expected error; ``str(err)`` is the message shown to the user."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


class ValidationError(HotlineError):
    """Input that does not satisfy a rule; ``field`` names the form field at fault, if any."""

    def __init__(self, message: str, field: str | None = None,
                 errors: list[tuple[str, str]] | None = None) -> None:
        super().__init__(message)
        self.field = field
        self.errors = errors or ([(field, message)] if field else [])


class Cancelled(KeyboardInterrupt):
    """Work stopped because the person asked: 取消 in a progress dialog, or Ctrl-C on the command line.

    Not an error, and like Ctrl-C it passes every ``except Exception`` on its way out (nothing takes it for a failure
    to retry or log), undoing what the work wrote as it goes (see ``import_batches.write_in_batches``). ``message``
    says what became of the work."""

    def __init__(self, message: str = "已取消。") -> None:
        super().__init__(message)
        self.message = message


class TransitionError(HotlineError):
    """A workflow step that is not allowed in the case's current state."""


class PermissionDenied(HotlineError):
    """The acting user's role does not allow the action."""


class ConflictError(HotlineError):
    """Someone else changed the record since it was read: refresh and try again. ``happened`` says what they did
    (工单…已被王芳于09:00签收), for a window that goes on from the record as it now stands."""

    def __init__(self, message: str, happened: str = "") -> None:
        super().__init__(message)
        self.happened = happened or message


class ChangedBehindTheApp(HotlineError):
    """A row differs from what the audit trail last recorded of it: changed in the database file, not by the app.
    A step on it is refused, so that the step's own record does not vouch for the change."""


class NotFound(HotlineError):
    """A case, unit, user or other record that does not exist."""


class DatabaseError(HotlineError):
    """The database file cannot be opened, is locked for too long, or is not ours."""


class DatabaseBusy(DatabaseError):
    """Another station held the database's write lock for longer than we wait: the same work may be tried again."""


# What the system says of a file it refused, in the office's words (its own are English: 'Not a directory').
_OS_REASONS = {
    errno.ENOENT: "文件夹不存在", errno.ENOTDIR: "路径中有一段不是文件夹，而是一个文件", errno.EISDIR: "这是一个文件夹",
    errno.EACCES: "没有权限", errno.EPERM: "没有权限", errno.ENOSPC: "磁盘空间不足", errno.EROFS: "磁盘是只读的",
    errno.ENAMETOOLONG: "文件名或路径太长", errno.EBUSY: "文件正被其他程序使用", errno.EEXIST: "已有同名的文件或文件夹",
}
_SHARING_VIOLATION = 32  # Windows: the file is open in another program (Excel holds what it shows)


# What to do about a name the station's character set cannot hold (see ``unwritable``).
RENAME_OR_UTF8 = "请改用常见的汉字、字母和数字重新命名，或请信息化管理员把本机的区域设置改为 UTF-8"


def beyond_local_encoding(exc: BaseException) -> bool:
    """Whether ``exc`` is a name the station's character set cannot hold, not a bug: a name read from the disk or
    the command line undecodable (held as surrogates), or a station not set up for UTF-8 (a GBK one)."""
    return isinstance(exc, UnicodeEncodeError) and (
        exc.encoding.replace("-", "").lower() != "utf8" or "surrogates" in exc.reason)


def unwritable(where: str) -> str:
    """``where`` holds a character the station's character set cannot hold: a folder copied from a computer set up
    otherwise (UTF-8 names on a GBK station), or a rare character or an emoji in a name on a GBK station."""
    return (f"{where}中有本机的字符编码（{sys.getfilesystemencoding().upper()}）表示不了的字符（多见于从别的电脑拷来的"
            "文件夹或文件，或生僻字）")


def os_reason(exc: OSError, *, reading: bool = False) -> str:
    """Why a file could not be opened, in words; ``reading``: a file to read, which is what is missing when none is
    there (for one to write, it is the folder)."""
    if _held(exc) and not isinstance(exc, PermissionError):
        return "文件正被其他程序使用"
    if reading and exc.errno == errno.ENOENT:
        return "找不到这个文件（请核对文件名和所在的文件夹）"
    return _OS_REASONS.get(exc.errno or 0) or f"系统错误：{exc.strerror or exc}"


def _held(exc: OSError) -> bool:
    """Refused maybe only because another program has the file open (on Windows that reads as no permission)."""
    return (isinstance(exc, PermissionError) or exc.errno == errno.EBUSY
            or getattr(exc, "winerror", None) == _SHARING_VIOLATION)


def cannot_write(path: object, exc: OSError) -> str:
    """无法写入 …：why, and for a file that may be held open what to do about it."""
    hint = "文件可能正在 Excel 或其他程序中打开，请关闭后再试，或换一个位置。" if _held(exc) else ""
    return f"无法写入 {path}：{os_reason(exc)}。{hint}"
