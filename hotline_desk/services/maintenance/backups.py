"""Where backups go and how many are kept, from the settings; making one for the app and the CLI."""

from __future__ import annotations

import contextlib
import os
from dataclasses import dataclass, replace
from datetime import datetime, timedelta
from pathlib import Path

from sqlalchemy.orm import Session

from hotline_desk.errors import DatabaseError, PermissionDenied
from hotline_desk.services.accounts import anchors
from hotline_desk.services.accounts.permissions import Actor
from hotline_desk.services.files import size_words
from hotline_desk.services.maintenance import backup
from hotline_desk.services.office.settings import Settings
from hotline_desk.vocabulary import Permission

# A station makes a backup every day it is used (at the day's first start, each day it stays open, and on closing):
# none for this long means the automatic ones have been failing (a backup drive not plugged in, a full disk).
STALE_AFTER = timedelta(days=2)


def backup_location(session: Session, db_path: Path, chosen: str | None = None) -> tuple[Path, int]:
    """The folder backups go to and how many are kept. ``chosen`` (a command's ``--dir``) is used as given; the
    folder in the settings gets a folder per database file inside it, as the default folder beside the file has,
    since two databases may well be given the same one."""
    current = Settings(session)
    setting = current.str("backup.dir")
    folder = Path(chosen) if chosen else (Path(setting) / db_path.stem if setting else
                                          backup.default_backup_dir(db_path))
    # At least one: the newest backup is never removed, whatever an older file stored.
    return folder, max(1, current.int("backup.keep"))


def make_backup(session: Session, db_path: Path, now: datetime, chosen: str | None = None, *,
                actor: Actor | None = None, for_good: bool = False) -> backup.BackupInfo:
    """A backup into the office's folder (anyone), or into ``chosen`` (a full copy anywhere: the administrator's);
    ``for_good``: kept for good, whatever retention removes (the administrator's, as a year-end copy)."""
    if (for_good or chosen) and (actor is None or not actor.can(Permission.MANAGE_SETTINGS)):
        who = f"{actor.display_name}（{actor.role_label}）" if actor else "未登录的用户"
        raise PermissionDenied(f"{who}不能做长期保存的备份（它不随保留份数清理，需管理员）。未备份。" if for_good
                               else f"{who}只能备份到办公室设置的备份目录，不能用 --dir 另选位置（需管理员）。未备份。")
    folder, keep = ready_location(session, db_path, chosen)
    setting = Settings(session).str("backup.dir")
    if not chosen and not setting:  # an earlier version's backups, beside the file: kept by the same rule
        backup.gather_earlier_layout(db_path)
    info = backup.backup(db_path, folder, keep=keep, now=now, for_good=for_good)
    if not chosen and setting and _same_disk(info.path, db_path):
        info = replace(info, same_disk=True)
    return info


def set_on_its_own_disk(session: Session, db_path: Path) -> bool:
    """Whether the backup folder set in the settings is on the database's own disk (a second drive meant, not
    mounted: its empty folder is on the first); False with none set (the default is beside the file, as said)."""
    setting = Settings(session).str("backup.dir")
    if not setting:
        return False
    folder, _keep = backup_location(session, db_path)
    there = folder if folder.exists() else Path(setting)
    return _same_disk(there, db_path)


def _same_disk(one: Path, other: Path) -> bool:
    try:
        return os.stat(one).st_dev == os.stat(other).st_dev
    except OSError:
        return False


def ready_location(session: Session, db_path: Path, chosen: str | None = None,
                   refused: str = "备份失败：") -> tuple[Path, int]:
    """``backup_location``, refused when the folder set in the settings is not there: it was when it was chosen, so
    its disk or share is not connected now (the empty folder a drive is mounted on stays). Made anew, it would be on
    this computer's own disk, hidden under the drive once it is back."""
    setting = Settings(session).str("backup.dir")
    if chosen and Path(chosen).exists() and not Path(chosen).is_dir():
        raise DatabaseError(f"{refused}{chosen} 是一个文件，不是文件夹。请给出备份要放进的文件夹。")
    if chosen and not Path(chosen).is_dir():  # a drive not plugged in: the folder is not made on this computer's disk
        raise DatabaseError(f"{refused}目录 {chosen} 不存在（另一块硬盘、U 盘或网络盘没有接上？）。"
                            "请接上后再试；要备份到新的文件夹，请先建好它。")
    if not chosen and setting and not Path(setting).is_dir():
        raise DatabaseError(f"{refused}设置的备份目录 {setting} 不存在"
                            "（另一块硬盘、U 盘或网络盘没有接上？）。请接上后再试，或在设置中改选备份目录。")
    return backup_location(session, db_path, chosen)


def removed_words(info: backup.BackupInfo) -> str:
    """The older backups retention deleted as this one was made, by name ("" when none)."""
    if not info.removed:
        return ""
    names = "、".join(path.name for path in info.removed)
    return f"按保留规则删除了 {len(info.removed)} 份较早的备份：{names}。"


FOR_GOOD_WORDS = "长期保存：不随保留份数清理，以后的备份也不会删除它；不再需要时请手动删除这个文件和它旁边的清单"


def retention_words(keep: int) -> str:
    """What retention keeps, as the settings page and the backup command say it (see ``backup._kept``)."""
    return (f"保留最近 {keep} 份，另外最近 {keep} 个有备份的日子各留当天最新的一份，"
            f"最近 {backup.KEEP_MONTHS} 个有备份的月份各留该月最新的一份")


def unchanged_since(session: Session, db_path: Path) -> backup.BackupInfo | None:
    """The newest backup, when nothing has been recorded since it was made (its manifest's anchor is the audit
    chain's head now): another would copy the same data again (four gigabytes for ten years of cases)."""
    last = last_backup(session, db_path)
    if last is None:
        return None
    recorded = backup.manifest_anchor(last.path)
    return last if recorded is not None and recorded == anchors.tag(anchors.current(session)) else None


def room_words(session: Session, db_path: Path) -> str:
    """How many backups of this database the office's folder keeps and the disk room they take (a database of ten
    years is four gigabytes: kept 14 + 14 days, its backups can take sixty)."""
    folder, _keep = backup_location(session, db_path)
    sizes, for_good = [], 0
    for info in backup.list_backups(folder, db_path):
        with contextlib.suppress(OSError):  # removed meanwhile
            sizes.append(info.path.stat().st_size)
            for_good += backup.kept_for_good(info.path)
    total = sum(sizes)
    lasting = f"（其中 {for_good} 份长期保存，不随保留份数清理）" if for_good else ""
    return f"现有 {len(sizes)} 份备份{lasting}，共占 {size_words(max(total, 1))}" if sizes else ""


def last_backup(session: Session, db_path: Path) -> backup.BackupInfo | None:
    folder, _keep = backup_location(session, db_path)
    found = backup.list_backups(folder, db_path)
    return found[0] if found else None


@dataclass(frozen=True)
class BackupAge:
    """How old the newest backup of a database is, at ``now``, in the words of the window's status bar."""

    last: datetime | None
    folder: Path
    now: datetime
    missing: bool = False  # the folder is not there (its drive not plugged in): ``last`` is from the anchor log

    @property
    def stale(self) -> bool:
        return self.last is None or self.now - self.last >= STALE_AFTER

    @property
    def short_words(self) -> str:
        """For the status bar while it lasts; "" when a backup is recent (or dated after now: a clock set back)."""
        if not self.stale or (self.last is None and self.missing):  # no folder and no record: nothing to say
            return ""
        return "还没有备份" if self.last is None else f"已 {(self.now - self.last).days} 天没有备份"

    @property
    def words(self) -> str:
        if not self.stale:
            return ""
        if self.missing:
            since = f"现在找不到设置的备份目录 {self.folder.parent}" + (
                f"；据数据库旁的锚点记录，最近一份备份是 {self.last:%Y-%m-%d %H:%M} 做的" if self.last else "")
        elif self.last is None:
            since = f"备份目录 {self.folder} 中还没有这个数据库的备份"
        else:
            since = f"最近一份备份是 {self.last:%Y-%m-%d %H:%M} 做的（备份目录 {self.folder}）"
        return (f"{since}。程序开着时每天自动备份一次，所以自动备份多半一直没有做成（备份目录所在的硬盘、U 盘或网络盘"
                "没有接上，或磁盘已满）。请到“设置 → 数据库与备份”点“立即备份”，按提示的原因处理；电脑坏了时，"
                "没有备份就找不回这些天的工单。")


def backup_age(session: Session, db_path: Path, now: datetime) -> BackupAge:
    """How old the newest backup is. With the folder not there (a drive not plugged in: the backups are on it), the
    newest one the database's anchor log names: there were backups, and how long ago matters all the more."""
    folder, _keep = backup_location(session, db_path)
    setting = Settings(session).str("backup.dir")
    if setting and not Path(setting).is_dir():  # (the folder beside the file, or the set one's own: none made yet)
        logged = [made for name in anchors.logged_backups(db_path) if (made := backup.made_at_of(name)) is not None]
        return BackupAge(max((m for m in logged if m <= now), default=None), folder, now, missing=True)
    dated = [b for b in backup.list_backups(folder, db_path) if b.made_at <= now]
    return BackupAge(dated[0].made_at if dated else None, folder, now)
