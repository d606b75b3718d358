"""Commands that set the office up: init, users, backups, the calendar, settings."""

from __future__ import annotations

import argparse
import os
import sys
from datetime import date
from pathlib import Path
from typing import Any

from hotline_desk.cli.common import (
    ENV_NEW_PASSWORD,
    Context,
    SubParsers,
    ask_new_password,
    ask_secret,
    fmt,
    output_path,
    parse_day,
    sentence,
    to_json,
    write_output,
)
from hotline_desk.cli.parsing import parse_time
from hotline_desk.cli.terminal import unfiltered
from hotline_desk.db import (
    DamagedDatabase,
    is_sqlite_file,
    open_database,
    path_too_long,
    recovery_words,
    resolve_db_url,
    sqlite_file_whole,
    sqlite_path,
    sqlite_tables,
)
from hotline_desk.errors import DatabaseError, HotlineError, PermissionDenied, ValidationError, cannot_write, os_reason
from hotline_desk.services.accounts import accounts, anchors, audit_reading, users
from hotline_desk.services.accounts.audit_reading import SUBJECTS
from hotline_desk.services.accounts.permissions import require
from hotline_desk.services.clock import office_now
from hotline_desk.services.maintenance import backup, backups, erasures, half_imports, integrity, transfer
from hotline_desk.services.maintenance.opening import open_office_database
from hotline_desk.services.office import admin, calendar, reference, settings
from hotline_desk.vocabulary import Permission, Role

ENV_ADMIN_PASSWORD = "HOTLINE_DESK_ADMIN_PASSWORD"


def register(sub: SubParsers[Any]) -> None:
    p = sub.add_parser("init", help="创建（或升级）数据库并装入单位、分类等基础数据",
                       description="创建（或升级）数据库，装入汝州市的21个乡镇街道、22个市直单位、诉求类型、"
                                   "上级渠道和问题分类（每一类只在还是空的时候装入，已改名或停用的不会被加回）；"
                                   "数据库中还没有用户时创建管理员 admin 并设置其密码：取自 --admin-password-file "
                                   f"指定的文件（第一行）或环境变量 {ENV_ADMIN_PASSWORD}，都没有则在终端中询问。"
                                   "已有用户的数据库须以管理员身份登录后运行。")
    p.add_argument("--admin-name", default="管理员", help="首次创建的管理员显示名")
    p.add_argument("--admin-password-file", metavar="文件",
                   help=f"首次创建的管理员密码所在的文件（第一行；也可用环境变量 {ENV_ADMIN_PASSWORD}）")
    p.set_defaults(run=cmd_init)

    p = sub.add_parser("passwd", help="修改自己的密码，或重置他人密码（需管理员）",
                       description="登录后修改自己的密码（新密码取自环境变量 HOTLINE_DESK_NEW_PASSWORD，没有则在终端中"
                                   "询问）；或由管理员重置他人密码并解除锁定：重置的是一次性密码，与添加用户时一样取自 "
                                   "--password-file 指定的文件（第一行），否则自动生成并只显示这一次（不取自 "
                                   "HOTLINE_DESK_NEW_PASSWORD：那是自己的新密码），该用户下次登录时须改为自己的密码。")
    p.add_argument("username", nargs="?", help="用户（默认为当前用户）")
    p.add_argument("--password-file", metavar="文件",
                   help="重置他人密码时，一次性密码所在的文件（第一行；不写则自动生成）")
    p.set_defaults(run=cmd_passwd)

    p = sub.add_parser("backup", help="备份数据库", description="用 SQLite 在线备份复制数据库（其他工作站可继续使用），"
                                                         "只保留最近若干份。")
    p.add_argument("--dir", help="备份目录（默认为设置中的目录，或数据库旁的 backups；另选目录需管理员）")
    p.add_argument("--keep-for-good", action="store_true",
                   help="长期保存（如年终留存）：这份备份不随“保留最近若干份”清理（需管理员）")
    p.set_defaults(run=cmd_backup)

    p = sub.add_parser("restore", help="从备份恢复（需管理员）",
                       description="完整检查备份文件（数据库版本须与本软件一致、完整性检查、审计核验）后恢复；"
                                   "任何一项不通过都不改动当前数据库。恢复前自动备份当前数据库。"
                                   "备份的审计记录不是当前数据库审计记录的前一段、锚点记录文件中也没有它"
                                   "（另一个数据库的备份）时拒绝恢复，除非加 --other-database；"
                                   "备份之后被删改过（与清单记下的锚点不符）时拒绝恢复。"
                                   "有其他窗口或工作站打开着数据库时拒绝恢复，请先关闭所有工作站上的本软件。")
    p.add_argument("file", help="备份文件")
    p.add_argument("--other-database", action="store_true",
                   help="明确要用另一个数据库的备份替换当前数据库（例如用培训库的备份）")
    p.set_defaults(run=cmd_restore)

    p = sub.add_parser("migrate-db", help="把全部数据迁移到另一个数据库（需管理员）",
                       description="把一个数据库的全部数据（工单及办理记录、单位、用户、设置、简报、审计记录）复制到"
                                   "一个新建的空数据库，例如从单机的 SQLite 文件迁到办公室的 PostgreSQL 服务器；"
                                   "也可反过来把服务器数据复制成一个 SQLite 文件留存。复制在一个事务中完成，"
                                   "完成后逐表核对行数并核验审计记录链。迁移前请关闭所有工作站上的本软件。")
    p.add_argument("--from", dest="source", required=True, metavar="源数据库",
                   help="SQLite 文件路径或 postgresql://用户:密码@主机/库名")
    p.add_argument("--to", dest="target", required=True, metavar="目标数据库",
                   help="新建的空数据库：postgresql://… 或一个还不存在的 SQLite 文件路径")
    p.set_defaults(run=cmd_migrate_db)

    p = sub.add_parser("carry-numbers", help="服务器数据库从备份恢复后，续接原来的工单编号（需管理员）",
                       description="服务器数据库用 pg_restore 从备份恢复到新库之后、各工作站连上新库之前运行：把原来的"
                                   "数据库（或恢复前用 migrate-db 复制出的 SQLite 文件）用过的工单编号带到恢复的库中，"
                                   "备份之后已经分出去的编号不会再分给新工单；并列出恢复的库中没有的工单（备份之后登记"
                                   "的）和备份之后又有办理的工单，需要时据此补录。--db 是恢复的库，"
                                   "须是原来那个库的备份。")
    p.add_argument("--from", dest="source", required=True, metavar="原来的数据库",
                   help="恢复前的数据库：postgresql://用户:密码@主机/库名，或用 migrate-db 复制出的 SQLite 文件")
    p.set_defaults(run=cmd_carry_numbers)

    p = sub.add_parser("verify", help="核验审计记录链",
                       description="逐条核验审计记录的哈希链，并与工单历史、工单登记内容、交办和回访记录、单位、分类、"
                                   "用户、设置、附加分、导入批次比对，报告绕过本软件被改动、删除或插入的记录。"
                                   "并核对数据库旁锚点记录文件中的锚点；加 --anchor 时还核对库外另存的锚点（备份清单、"
                                   "定稿简报 PDF、导出的 Excel、锚点记录文件或抄下的锚点码），可发现整条链被重算哈希或"
                                   "最新记录被删除。"
                                   "发现问题时退出码为 1。")
    p.add_argument("--anchor", action="append", default=[], metavar="文件或锚点码",
                   help="备份清单（.manifest.json）、定稿简报 PDF、导出的 .xlsx、锚点记录文件（数据库旁的 "
                        ".anchors.txt），或形如 1234-0123456789abcdef-0013 的锚点码；可重复")
    p.set_defaults(run=cmd_verify)

    p = sub.add_parser("audit", help="查看审计记录（管理员、督查员）",
                       description="列出最近的审计记录：何时、谁、做了什么、对象，以及单位、分类、用户、设置、附加分等"
                                   "改了哪些项（由什么改为什么）。最新的在前。核验记录链是否被改动请用 verify。")
    p.add_argument("--what", choices=sorted(SUBJECTS), metavar="对象",
                   help="只列一类对象：" + "、".join(f"{key}（{label}）" for key, label in SUBJECTS.items()))
    p.add_argument("--case", metavar="工单编号", help="只列这件工单的（各步、登记内容的修改）")
    p.add_argument("--by", metavar="登录名", help="只列此人所做的（登录名，或只有一个账户用的姓名）")
    p.add_argument("--since", metavar="日期", help="录入时间从这一天（或时刻）起，如 2022-07-01（补录的步骤按录入的"
                                                 "时间列出，“记为”写的是它算作的时间）")
    p.add_argument("--until", metavar="日期", help="录入时间到这一天（或时刻）之前，如 2022-08-01")
    p.add_argument("--limit", type=int, default=50, help="最多列出几条（默认 50）")
    p.add_argument("--out", metavar="文件.xlsx", help="写成 Excel 工作簿（各列同屏幕上的，不在屏幕上列出）")
    p.set_defaults(run=cmd_audit)

    p = sub.add_parser("user", help="用户：列出、添加或修改", description="列出、添加或修改用户（须登录）。")
    usub = p.add_subparsers(dest="action", metavar="操作", required=True)
    q = usub.add_parser("list", help="列出用户", description="列出在用用户（须登录）；--all 连同已停用的，并写明状态。")
    q.add_argument("--all", action="store_true", help="连同已停用的用户")
    q.set_defaults(run=cmd_user_list)
    q = usub.add_parser("set", help="修改姓名、角色，停用或重新启用（需管理员）",
                        description="修改用户的姓名或角色，停用（不能再登录，已在工作的也不能再保存）或重新启用"
                                    "（需管理员）。登录名不能修改。")
    q.add_argument("username", help="登录名")
    q.add_argument("--name", help="新的姓名")
    q.add_argument("--role", help="新的角色：话务员、审核员、管理员、督查员（或 operator/supervisor/admin/inspector）")
    state = q.add_mutually_exclusive_group()
    state.add_argument("--disable", action="store_true", help="停用")
    state.add_argument("--enable", action="store_true", help="重新启用")
    q.set_defaults(run=cmd_user_set)
    q = usub.add_parser("add", help="添加用户（需管理员）",
                        description="添加用户（需管理员）。新用户得到一个一次性密码：取自 --password-file 指定的文件"
                                    "（第一行），否则自动生成并只显示这一次；该用户首次登录时须改为自己的密码。")
    q.add_argument("username", help="登录名")
    q.add_argument("--name", default="", help="显示名（如 张丽）")
    q.add_argument("--role", required=True,
                   help="角色：话务员、审核员、管理员、督查员（或 operator/supervisor/admin/inspector）")
    q.add_argument("--password-file", metavar="文件", help="一次性密码所在的文件（第一行；不写则自动生成）")
    q.set_defaults(run=cmd_user_add)

    p = sub.add_parser("calendar", help="工作日历：节假日与调休", description="设置节假日和调休工作日。")
    usub = p.add_subparsers(dest="action", metavar="操作", required=True)
    q = usub.add_parser("set", help="设置某天", description="把某天设为节假日、调休工作日，或恢复默认。")
    q.add_argument("day", help="日期，如 2022-10-01")
    kind = q.add_mutually_exclusive_group(required=True)
    kind.add_argument("--holiday", action="store_true", help="节假日（不上班）")
    kind.add_argument("--workday", action="store_true", help="调休工作日")
    kind.add_argument("--clear", action="store_true", help="恢复默认（周一至周五上班）")
    q.add_argument("--note", default="", help="说明，如 国庆节")
    q.add_argument("--far-year", action="store_true", help=FAR_YEAR_HELP)
    q.set_defaults(run=cmd_calendar_set)
    q = usub.add_parser("list", help="列出节假日和调休", description="列出某年录入的节假日和调休工作日。")
    q.add_argument("--year", type=int, help="年份（默认今年；今年年底时也说明明年是否已录入）")
    q.set_defaults(run=cmd_calendar_list)
    q = usub.add_parser("import", help="从文本文件录入一年的放假安排",
                        description="每行一个日期或一段日期，再写“节假日”或“调休”和说明，如“2027-01-01 至 "
                                    "2027-01-03 节假日 元旦”“2027-02-07 调休 春节”。有一行看不懂就一天也不录入。")
    q.add_argument("file", help="文本文件（UTF-8 或 GBK 编码）")
    q.add_argument("--far-year", action="store_true", help=FAR_YEAR_HELP)
    q.set_defaults(run=cmd_calendar_import)

    p = sub.add_parser("settings", help="设置：查看或修改", description="查看或修改设置（时限、编号前缀等）。")
    usub = p.add_subparsers(dest="action", metavar="操作", required=True)
    q = usub.add_parser("show", help="列出全部设置", description="列出全部设置及当前值。")
    q.add_argument("--json", action="store_true", help="以 JSON 输出")
    q.set_defaults(run=cmd_settings_show)
    q = usub.add_parser("set", help="修改一项设置（需管理员）", description="修改一项设置（需管理员）。")
    q.add_argument("key", help="设置名，如 limits.sign_hours")
    q.add_argument("value", help="新值")
    q.set_defaults(run=cmd_settings_set)


def cmd_init(ctx: Context, args: argparse.Namespace) -> int:
    ctx.creates = True  # the one command that may make a new database
    # For a new file the password comes first: without one (or on Ctrl-D) no empty database is left behind.
    early = _first_admin_password(args) if _no_file_yet(ctx.db_arg) else None
    with ctx.db.reader() as session:
        live = users.has_users(session)
        first_admin = accounts.admin_without_password(session)
    if live and first_admin is None:  # an office at work: only its admin may run init, and it adds only what is missing
        require(ctx.actor(), "manage_settings", "对在用的数据库运行 init")
    password = (early or _first_admin_password(args)) if not live or first_admin else None
    with ctx.db.session() as session:
        summary = reference.load_defaults(session)
        created = users.ensure_first_admin(session, args.admin_name, password)
        if created is None and first_admin and password is not None:
            accounts.set_password(session, None, first_admin, password)
    print(f"数据库已就绪：{ctx.db.display_name}")
    print(f"新增单位 {summary.units} 个、问题分类 {summary.categories} 个、"
          f"诉求类型 {summary.appeal_types} 个、渠道 {summary.channels} 个。")
    if created:
        print(f"已创建管理员：{created.username}（{created.display_name}），密码已设置。")
    elif first_admin:
        print(f"已设置管理员 {first_admin} 的密码。")
    elif password is not None:  # two stations ran init at once: the other made the admin between our look and save
        print("注意：另一工作站刚刚初始化了这个数据库并创建了管理员：这里给出的管理员密码没有设置。请用另一工作站"
              "设置的密码登录，或请那里的管理员为您添加账户、重设密码。", file=sys.stderr)
        return 1
    return 0


def _no_file_yet(db_arg: str | None) -> bool:
    """Whether ``init`` is about to make a new SQLite file (none there, or an empty one)."""
    url = resolve_db_url(db_arg)
    if not url.startswith("sqlite:///"):
        return False
    path = sqlite_path(url)
    if path_too_long(path):  # no password asked for a path that cannot be used: opening it says why
        return False
    # An empty file, or a SQLite file with no table at all (made by another tool, or a version mark alone): the
    # password is asked before anything is written into it, as for a new one.
    return not path.exists() or (path.is_file() and (path.stat().st_size == 0 or sqlite_tables(path) == []))


def _first_admin_password(args: argparse.Namespace) -> str:
    """The first admin's password: from a file, the environment (read once), or typed twice at a prompt."""
    if args.admin_password_file:
        return _password_from_file(args.admin_password_file)
    given = os.environ.get(ENV_ADMIN_PASSWORD)
    if given:  # an empty variable gives no password
        return given
    if sys.stdin.isatty():
        return _ask_new_password("管理员")
    empty = f"环境变量 {ENV_ADMIN_PASSWORD} 是空的，没有给出密码。" if given == "" else ""
    raise ValidationError(f"{empty}请为管理员设置密码：用 --admin-password-file 指定密码文件，或设置环境变量 "
                          f"{ENV_ADMIN_PASSWORD}，或在终端中运行。数据库未作改动。")


def _password_from_file(name: str) -> str:
    try:
        lines = Path(name).read_text(encoding="utf-8-sig").splitlines()  # Notepad and PowerShell 5.1 write a BOM
    except (OSError, UnicodeDecodeError) as exc:
        raise ValidationError(f"无法读取密码文件 {name}：{_unreadable(exc)}。") from exc
    if not lines or not lines[0].strip():
        raise ValidationError(f"密码文件 {name} 的第一行是空的。")
    return lines[0].strip()


def _unreadable(exc: OSError | UnicodeDecodeError) -> str:
    """Why a file could not be read, in the office's words (the system's own are English)."""
    if isinstance(exc, UnicodeDecodeError):
        return "不是 UTF-8 编码的文本文件"
    return "文件不存在" if isinstance(exc, FileNotFoundError) else os_reason(exc)


def _ask_new_password(who: str) -> str:
    first = ask_secret(f"请为{who}设置密码（{accounts.PASSWORD_RULE}）：")
    if first != ask_secret("再输入一次："):
        raise ValidationError("两次输入的密码不一致。")
    return first


def cmd_passwd(ctx: Context, args: argparse.Namespace) -> int:
    actor = ctx.actor()
    target = args.username or actor.username
    if target == actor.username:
        if args.password_file:
            raise ValidationError("--password-file 只用于重置他人的一次性密码；修改自己的密码请在终端中输入，"
                                  f"或用环境变量 {ENV_NEW_PASSWORD}。密码未作改动。")
        if ctx.password_just_set:  # the first login has just asked for it: not twice
            return 0
        password = ask_new_password("修改密码", target)
        with ctx.db.session() as session:
            accounts.set_password(session, actor, target, password)
        print(f"已设置 {target} 的密码。")
        return 0
    require(actor, "manage_users")
    # Not HOTLINE_DESK_NEW_PASSWORD: a script's own new password must never become someone else's by a slip.
    given = _password_from_file(args.password_file) if args.password_file else None
    password = given if given is not None else accounts.generate_password()
    with ctx.db.session() as session:
        accounts.set_password(session, actor, target, password)
    shown = (f"一次性密码取自 {args.password_file}。" if given is not None
             else f"一次性密码：{password}（只显示这一次，请当面告知）。")
    print(f"已重置 {target} 的密码并解除锁定。{shown}")
    if os.environ.get(ENV_NEW_PASSWORD):
        print(f"（环境变量 {ENV_NEW_PASSWORD} 未被使用：它只用于修改自己的密码。）")
    print(f"{target} 下次登录时须把一次性密码改为自己的密码。")
    return 0


def _db_file(ctx: Context, restoring: bool = False) -> Path:
    if ctx.db.path is None and restoring:
        raise HotlineError("restore 只适用于 SQLite 数据库文件；服务器数据库从服务器的备份恢复（pg_restore 到新建的库，"
                          "见说明书“多个工作站共用一个数据库”第 5 步），再把各工作站的连接改到新库。")
    if ctx.db.path is None:
        raise HotlineError("备份命令只适用于 SQLite 数据库文件；服务器数据库由服务器统一备份（pg_dump，见说明书），"
                          "也可用 migrate-db 复制成一个 SQLite 文件留存。")
    return ctx.db.path


def cmd_backup(ctx: Context, args: argparse.Namespace) -> int:
    path = _db_file(ctx)
    actor = ctx.actor()  # a backup is a copy of everything, callers' phone numbers included
    with ctx.db.reader() as session:
        info = backups.make_backup(session, path, office_now(), args.dir, actor=actor, for_good=args.keep_for_good)
        _folder, keep = backups.backup_location(session, path, args.dir)
    kept = f"{backups.FOR_GOOD_WORDS}；其余备份{backups.retention_words(keep)}" if args.keep_for_good \
        else backups.retention_words(keep)
    print(f"已备份到 {info.path}（{kept}）。")
    if info.removed:
        print(backups.removed_words(info))
    if info.anchor is not None:
        where = " 和锚点记录文件" if info.anchor_logged else "；数据库所在的文件夹不可写，未写入锚点记录文件"
        print(f"审计锚点：{info.anchor.code}（已写入备份清单 {info.manifest.name}{where}）")
    for caught in info.half_imports:
        print(half_imports.caught_words(caught))
    if info.not_removed:
        print(f"提示：{backup.not_removed_words(info)}", file=sys.stderr)
    if info.same_disk:
        print(backup.same_disk_words(info), file=sys.stderr)
    return 0


def cmd_restore(ctx: Context, args: argparse.Namespace) -> int:
    ctx.replaces_file = True  # what was opened before is not the file after: nothing noted from it at the end
    url = resolve_db_url(ctx.db_arg)
    place = sqlite_path(url) if url.startswith("sqlite:///") else None
    if place is not None and not place.is_dir() and (found := backup.vacant(place)) is not None:
        return _restore_where_there_is_none(place, Path(args.file), found, args.other_database)
    path = _db_file(ctx, restoring=True)
    actor = ctx.actor()
    if not actor.can(Permission.MANAGE_SETTINGS):  # the right restore rests on, named for what was asked
        raise PermissionDenied(f"{actor.display_name}（{actor.role_label}）无权从备份恢复数据库：恢复会替换全部数据，"
                               "须由管理员进行。")
    source = Path(args.file)
    if source.is_dir():
        raise ValidationError(_folder_not_backup(source))
    with ctx.db.reader() as session:
        # the current database is backed up there first: not into a folder made anew where its drive is missing
        folder, keep = backups.ready_location(session, path,
                                              refused="未恢复，当前数据库没有改动：恢复前要先备份当前数据库，但")
        erased = backup.Erasures(erasures.recorded(session), actor.username)  # kept erased in what replaces it
    ctx.close()  # restore checks the file fully before anything is replaced
    try:
        restored = backup.restore(path, source, keep=keep, now=office_now(), other_database=args.other_database,
                                  folder=folder, erased=erased, trust_older=args.other_database)
    except backup.OlderTrail as exc:
        raise HotlineError(f"{exc.message}确要用它恢复时，请加 --other-database（恢复前仍会先备份当前数据库；"
                           "恢复后请核对重要的工单和分数）。") from exc
    except backup.OtherDatabaseBackup as exc:
        raise HotlineError(f"{exc.message}确要用它替换当前数据库时，请加 --other-database"
                           "（恢复前仍会先备份当前数据库）。") from exc
    print(f"已从 {source.name} 恢复。恢复前的数据库已备份为 {restored.safety.path}。")
    if restored.left_behind is not None and (gone := restored.left_behind.words(restored.safety.path)):
        print(gone)
    if restored.safety.removed:
        print(backups.removed_words(restored.safety))
    if restored.safety.not_removed:
        print(f"提示：{backup.not_removed_words(restored.safety)}", file=sys.stderr)
    _print_what_the_restore_did(restored)
    return 0


def _print_what_the_restore_did(restored: backup.Restored) -> None:
    if restored.upgraded_from:
        print(f"备份由较旧版本的本软件做成（数据库版本 {restored.upgraded_from}），恢复的数据库已升级到本版本的格式；"
              "备份文件本身未改动。")
    for undone in restored.undone:
        print(half_imports.undone_words(undone))
    if restored.erased_again.numbers:
        print(erasures.again_words(restored.erased_again))


def _restore_where_there_is_none(place: Path, source: Path, found: backup.Vacant, other_database: bool) -> int:
    """A new computer, a first start left unfinished, a file damaged beyond reading: see ``backup.vacant``."""
    if source.is_dir():
        raise ValidationError(_folder_not_backup(source))
    try:
        restored, kept = backup.restore_into_vacant(place, source, found, keep=settings.BACKUP_KEEP.default,
                                                    now=office_now(), other_database=other_database)
    except backup.UnknownForDamaged as exc:
        raise HotlineError(f"{exc.message}确是这个数据库的备份时，请加 --other-database 再恢复"
                           "（损坏的文件会改名保留）。") from exc
    except backup.OlderTrail as exc:
        raise HotlineError(f"{exc.message}确要用它恢复时，请加 --other-database（恢复后请核对重要的工单和分数）。"
                           ) from exc
    aside = f"（{kept}）" if kept else ""
    print(f"{place} 处{found.words}{aside}：已从 {source.name} 恢复到这里。请用备份中的账户登录。")
    left = restored.left_behind
    if restored.kept_aside is not None and (left is None or left.unread):  # the damage hides what came after
        numbers = ("其间用过的工单编号已从损坏的文件中续接，不会再分给新工单。" if left is not None and left.carried
                   else "" if restored.gap is not None and restored.gap.first_numbers  # skipped: said below
                   else "这期间告诉来电人的工单编号，可能会再分给别的工单。")
        print(f"注意：损坏的文件中读不出备份之后登记、办理的工单：恢复后的数据库中没有它们，请核对并补录；{numbers}")
    elif restored.kept_aside is not None and restored.left_behind is not None and (
            gone := restored.left_behind.words(restored.kept_aside, damaged=True)):
        print(gone)  # saved on the damaged file after the backup: named, and their numbers never given again
    if restored.gap is not None and (gap := restored.gap.words()):
        print(gap)  # a new computer: what came after the backup is not known, its numbers are skipped
    _print_what_the_restore_did(restored)
    return 0


def _folder_not_backup(folder: Path) -> str:
    """What to say when a folder is named where a backup file belongs: the newest whole backups in it, if any, and
    how many of its files are cut short (not offered: a restore would refuse them)."""
    files = sorted((p for p in folder.iterdir() if p.is_file() and is_sqlite_file(p)), key=lambda p: p.name)
    whole = [p for p in files if sqlite_file_whole(p)]
    cut = [p for p in files if p not in whole]
    inside = (f"其中最新的备份有：{'、'.join(p.name for p in reversed(whole[-3:]))}" if whole
              else "其中没有完整的备份文件")
    if cut:
        inside += f"；另有 {len(cut)} 个文件不完整（如 {cut[-1].name}），不能用于恢复"
    return f"{folder} 是一个文件夹，不是备份文件；请给出要恢复的那一个备份文件（{inside}）。数据库未作改动。"


def cmd_migrate_db(ctx: Context, args: argparse.Namespace) -> int:
    transfer.check_addresses(resolve_db_url(args.source), resolve_db_url(args.target))
    source = Context(args.source, ctx.username)
    try:
        actor = source.actor()
        require(actor, "move_data")  # before the target is opened: a refused move leaves no empty database behind
        target = open_office_database(args.target)
        try:
            print(f"从 {source.db.display_name} 迁移到 {target.display_name} ……")
            report = transfer.copy_database(source.db, target, actor, progress=_show_progress)
        finally:
            target.dispose()
    finally:
        source.close()
    for name, count in report.counts.items():
        print(f"  {transfer.table_label(name)}：{count} 行")
    print(f"迁移完成，各表行数一致；审计记录链核验通过（{report.audit_records} 条记录，{report.events} 个办理步骤）。")
    if report.left_open:
        print(f"注意：{report.left_open}。")
    return 0


def cmd_carry_numbers(ctx: Context, args: argparse.Namespace) -> int:
    from hotline_desk.services.maintenance.numbering import carry_numbers

    actor = ctx.actor()
    require(actor, "move_data", "续接工单编号")  # before the other database is opened
    try:
        source_url = resolve_db_url(args.source)
    except DatabaseError as exc:  # its words are --db's (a file made where there is none): not this option's
        raise ValidationError(f"参数 --from：“{args.source}”不是数据库的写法，请写恢复之前的那个数据库："
                              "postgresql://用户:密码@主机/库名，或用 migrate-db 复制出的 SQLite 文件路径。") from exc
    if source_url == ctx.db.url:
        raise ValidationError("参数 --from：这就是 --db 的数据库。请写恢复之前的那个数据库（或它的副本）。")
    source = open_database(source_url, upgrade=False, create=False)  # read only: the database replaced, as it is
    try:
        with source.reader() as old, ctx.db.session() as session:
            carried = carry_numbers(session, old, actor, source.display_name)
    finally:
        source.dispose()
    for line in carried.words(source.display_name):
        print(line)
    return 0


def _show_progress(table: str, done: int, total: int) -> None:
    finished = done >= total
    if sys.stdout.isatty():  # one line per table, counting up
        print(f"\r  正在复制{transfer.table_label(table)}：{done}/{total}", end="\n" if finished else "", flush=True,
              file=unfiltered(sys.stdout))
    elif finished:
        print(f"  已复制{transfer.table_label(table)}：{done}/{total}", flush=True)


def cmd_verify(ctx: Context, args: argparse.Namespace) -> int:
    # The file as it is: verifying a copy kept as evidence neither upgrades it nor undoes an import left in it.
    ctx.changes_nothing = True
    integrity.refuse_other_format(ctx.db)
    given = [anchor for source in args.anchor for anchor in anchors.read(source)]
    with ctx.db.reader() as session:
        given += anchors.own_log_anchors(session, args.anchor)
    if damage := _file_damage(ctx):  # first: the records can only be checked in a file SQLite can read whole
        print(f"发现问题：{damage}审计记录和办理历史须在完好的文件上核验，未核验。")
        print(recovery_words(ctx.db.display_name))
        return 1
    with ctx.db.reader() as session:
        hints = anchors.origin_hints(session, given)
        # Ten years of records take minutes: said first, so that the wait is not taken for a hang.
        print(f"正在核验审计记录（{anchors.current(session).record_id:,} 条）和每件工单的办理历史"
              "（每 10 万件工单约需半分钟）……", file=sys.stderr, flush=True)
        report = integrity.verify_all(session, given)
    print(f"已核验审计记录 {report.records} 条、工单办理步骤 {report.events} 条"
          + (f"，并核对了 {report.anchors} 个库外锚点。" if report.anchors else "。"))
    if report.ok:
        print("未发现问题：所有记录与审计链一致。")
    else:
        print(f"发现 {len(report.problems)} 处问题：")
        for problem in report.problems:
            print(f"  {problem}")
    if hints:
        print("请确认 --db 和所给的文件：")
        for line in hints:
            print(f"  {line}")
    return 0 if report.ok else 1


def _file_damage(ctx: Context) -> str:
    """What SQLite's check of the file's pages found, in words ("" when the file is sound, and on a server)."""
    try:
        with ctx.db.reader() as session:
            found = integrity.file_problems(session)
    except DamagedDatabase:  # too damaged even to be checked
        return "数据库文件已损坏，SQLite 无法读完它。"
    return f"数据库文件已损坏（{found[0]}）。" if found else ""


def cmd_audit(ctx: Context, args: argparse.Namespace) -> int:
    if args.limit < 1:
        raise ValidationError("--limit 应为正整数。")
    out = output_path(args.out, ".xlsx", "审计记录是 Excel 工作簿") if args.out else None
    actor = ctx.actor()
    with ctx.db.reader() as session:
        by = audit_reading.account_id(session, args.by) if args.by else None
        case_id = None
        if args.case:
            from hotline_desk.services.cases.records import find_case

            case_id = find_case(session, args.case).id
        filters = audit_reading.AuditFilter(what=args.what or "", user_id=by, since=parse_time(args.since),
                                            until=parse_time(args.until), limit=args.limit, case_id=case_id)
        entries = audit_reading.list_entries(session, actor, filters)
        data = audit_reading.audit_workbook(session, entries, filters, by=actor, database=ctx.db.display_name,
                                            at=office_now()) if out is not None else b""
    if out is not None:
        try:  # who did what to accounts and settings: for its reader only, as a case list is
            write_output(out, data, personal=True)
        except OSError as exc:
            raise ValidationError(f"参数 --out：{cannot_write(out, exc)}") from exc
        print(f"已把 {len(entries)} 条审计记录写入 {out}" + ("（用 --limit 可写入更多）。" if len(entries) == args.limit
                                                       else "。"))
        return 0
    for e in entries:
        print(f"{e.id}\t{fmt(e.at)}\t{e.who}\t{e.done}\t{e.subject}" + (f"\t{e.change}" if e.change else ""))
    print(f"共列出 {len(entries)} 条" + ("（最新的在前；用 --limit 可列出更多）。" if len(entries) == args.limit
                                      else "（最新的在前）。"))
    return 0


def cmd_user_list(ctx: Context, args: argparse.Namespace) -> int:
    ctx.actor()
    with ctx.db.reader() as session:
        rows = users.user_rows(session)
    now = office_now()
    for row in rows:
        if args.all:
            print(f"{row.username}\t{row.display_name}\t{row.role_label}\t{row.state_label(now)}")
        elif row.active:  # who can work, and who cannot yet (no password: the admin sets one)
            print(f"{row.username}\t{row.display_name}\t{row.role_label}"
                  + ("" if row.has_password else f"\t{row.state_label(now)}"))
    return 0


def cmd_user_set(ctx: Context, args: argparse.Namespace) -> int:
    actor = ctx.actor()
    active = True if args.enable else (False if args.disable else None)
    if args.name is None and args.role is None and active is None:
        raise ValidationError("请给出要修改的内容：--name、--role、--disable 或 --enable。")
    role = users.role_from_label(args.role) if args.role is not None else None
    with ctx.db.session() as session:
        changed = admin.set_user(session, actor, args.username, role=role, active=active, display_name=args.name)
        namesakes = users.namesakes_words(session, args.username) if "display_name" in changed else ""
    done = [f"姓名改为{changed['display_name']}" if "display_name" in changed else "",
            f"角色改为{Role(changed['role']).label}" if "role" in changed else "",
            {True: "已重新启用", False: "已停用（不能再登录）", None: ""}[changed.get("active")]]
    print(f"用户 {args.username}：{'，'.join(d for d in done if d)}。")
    if namesakes:
        print(namesakes, file=sys.stderr)
    return 0


def cmd_user_add(ctx: Context, args: argparse.Namespace) -> int:
    actor = ctx.actor()
    require(actor, "manage_users")
    given = _password_from_file(args.password_file) if args.password_file else None
    with ctx.db.session() as session:
        new = users.add_account(session, actor, args.username, args.name, users.role_from_label(args.role), given)
    added = new.actor
    print(f"已添加用户：{added.username}（{added.display_name}，{added.role_label}）")
    if given is None:
        print(f"一次性密码：{new.one_time_password}（只显示这一次，请当面告知）。")
    print(f"{added.username} 首次登录时须把一次性密码改为自己的密码。")
    if new.same_name_words:
        print(f"{new.same_name_words}改姓名：user set {added.username} --name 新姓名", file=sys.stderr)
    return 0


FAR_YEAR_HELP = "确实要录入两年以后的年份（不加时，这样的年份多半是写错了，会拒绝并说明）"


def _refuse_far_years(days: list[date], given: bool) -> None:
    """A year far ahead is refused unless ``--far-year`` says it is meant."""
    if not given and (said := calendar.far_year_words(days, office_now().date())):
        raise ValidationError(f"{said}没有录入任何一天。确实要录入，请加 --far-year 再运行一次。")


def cmd_calendar_set(ctx: Context, args: argparse.Namespace) -> int:
    actor = ctx.actor()
    day = parse_day(args.day)
    workday = True if args.workday else (False if args.holiday else None)
    if workday is not None:
        _refuse_far_years([day], args.far_year)
    with ctx.db.session() as session:
        made_holiday = admin.set_day(session, actor, day, workday, args.note)
        moved = calendar.short_deadlines(session, [day] if made_holiday else [], office_now())
        too_long = calendar.long_breaks(session, [day] if made_holiday else [])
    state = {True: "调休工作日", False: "节假日", None: "默认"}[workday]
    print(f"{day:%Y-%m-%d} 已设为{state}。")
    if too_long:
        print(f"注意：{too_long}")
    _print_short(moved)
    return 0


def _print_short(short: calendar.ShortDeadlines) -> None:
    """The cases counted short; when the message names only some, every number on the next line."""
    if not short:
        return
    print(f"注意：{short.message('全部编号列在下面')}")
    if len(short.numbers) > calendar.SHORT_NAMED:
        print(f"全部 {len(short.numbers)} 件：{'、'.join(short.numbers)}")


def cmd_calendar_list(ctx: Context, args: argparse.Namespace) -> int:
    now = office_now()
    year = args.year or now.year
    with ctx.db.reader() as session:
        days = [(day, workday, note) for day, workday, note in admin.calendar_days(session) if day.year == year]
        missing = calendar.missing_years_notice(session, now) if args.year is None \
            else calendar.years_notice(session, {year}, "") if len(days) >= calendar.YEAR_ENTERED_DAYS else ""
    for day, workday, note in days:
        print(f"{day:%Y-%m-%d}\t{WEEKDAYS[day.weekday()]}\t{'调休上班' if workday else '节假日'}\t{note}")
    holidays = sum(1 for _d, workday, _n in days if not workday)
    print(f"{year} 年录入了节假日 {holidays} 天、调休上班 {len(days) - holidays} 天。" if days else
          f"{year} 年还没有录入节假日和调休：办理期限只按周一至周五计算。")
    if days and len(days) < calendar.YEAR_ENTERED_DAYS:  # another year's notice reaching into this one
        print(f"注意：这几天不是 {year} 年的全部放假安排（多是跨年的元旦），{year} 年的放假通知还没有录入：办理期限"
              "只按周一至周五计算。")
    if missing:
        print(f"注意：{missing}")
    return 0


WEEKDAYS = "一二三四五六日"


def cmd_calendar_import(ctx: Context, args: argparse.Namespace) -> int:
    actor = ctx.actor()
    require(actor, "manage_settings", "录入节假日和调休上班日")  # before the file: its faults are not theirs to mend
    try:
        raw = Path(args.file).read_bytes()
    except OSError as exc:
        raise ValidationError(f"无法读取文件 {args.file}：{os_reason(exc, reading=True)}。") from exc
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError:
        try:
            text = raw.decode("gb18030")  # saved by Notepad as ANSI on a Chinese Windows
        except UnicodeDecodeError as exc:
            raise ValidationError(f"文件 {args.file} 不是文本文件（既不是 UTF-8 也不是 GBK 编码）。") from exc
    read = calendar.read_day_list(text)
    entries = read.entries
    _refuse_far_years([entry.day for entry in entries], args.far_year)
    with ctx.db.session() as session:
        entered = admin.set_days(session, actor, entries)
        moved = calendar.short_deadlines(session, entered.new_holidays, office_now())
        too_long = calendar.long_breaks(session, entered.new_holidays)
    years = sorted({entry.day.year for entry in entries})
    print(f"已录入 {entered.count} 天（{'、'.join(f'{y} 年' for y in years)}）：节假日 "
          f"{sum(1 for e in entries if not e.workday)} 天、调休上班 {sum(1 for e in entries if e.workday)} 天。"
          f"{read.repeated_words()}")
    with ctx.db.reader() as session:  # a notice pasted in part (only 春节): said now, not found out at a deadline
        partly = calendar.years_partly_entered(session, set(years))
    for year, net in partly.items():
        print(f"注意：{calendar.partly_words(year, net)}")
    if too_long:
        print(f"注意：{too_long}")
    _print_short(moved)
    return 0


def cmd_settings_show(ctx: Context, args: argparse.Namespace) -> int:
    with ctx.db.reader() as session:
        current = settings.Settings(session)
        values = {key: current.get(key) for key in settings.SETTING_DEFS}
    if args.json:
        print(to_json(values))
        return 0
    for key, value in values.items():
        definition = settings.SETTING_DEFS[key]
        allowed = definition.allowed()
        print(f"{key}\t{definition.label}\t{settings.shown(definition, value)}" + (f"\t（可选：{allowed}）"
                                                                                   if allowed else "")
              + _unusable_here(definition, value))
    return 0


def _unusable_here(definition: settings.SettingDef[Any], value: Any) -> str:
    """A folder set earlier (by an older version, or on another computer) that this computer cannot use now, said
    beside it with why ("" otherwise): the check ``settings set`` makes of it, made again."""
    if definition.when_set is None or value in ("", None):
        return ""
    try:
        definition.when_set(value)
    except ValidationError as exc:
        return f"\t（在本机现在不可用：{exc.message}）"
    return ""


def cmd_settings_set(ctx: Context, args: argparse.Namespace) -> int:
    actor = ctx.actor()
    with ctx.db.session() as session:
        typed = admin.update_setting(session, actor, args.key, args.value)
    definition = settings.SETTING_DEFS[args.key]
    print(sentence(f"{definition.label} 已设为 {settings.shown(definition, typed)}") + definition.effect)
    return 0
