"""What an import's messages tell the user to do next, worded for where they work: the window names its controls,
the command line its options."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class ImportHints:
    map_columns: str  # how to name the columns no header was recognised for
    choose_values: str  # how to decide about values on no list
    only_valid: str  # how to import only the rows without problems
    import_cases: str = "其他来源的工单清单请用“导入工单”。"  # where a case list that is not a dispatch sheet goes
    # how to read another sheet of the workbook
    other_sheet: str = "要导入其中的工单，请回到第一步在“工作表”中选定它，再导入一次（每个工作表导入一次）。"
    # how to take a 序号 column as the register's own number
    serial_as_number: str = "可在“核对列对应”中把它对应为“工单编号”。"
    # how to import a column read as no field, or say it is not wanted
    map_unread: str = "如需导入，请在“核对列对应”中指定；不需要的列选“不导入”，就不再提示。"


WINDOW = ImportHints(
    map_columns="请在列对应中指定这些列。",
    choose_values="请在“核对取值”中逐个选择对应、新建或不导入。",
    only_valid="或选择“只导入无问题的行”。",
)

COMMAND_LINE = ImportHints(
    map_columns="请用 --map “列名=字段”指定这些列。",
    choose_values="请用 --map-value “字段:原值=目标”逐个指定对应到现有项、新建（+）或不导入（-），"
                  "或加 --accept-suggestions 把只有一个最接近项的取值对应过去"
                  "（--unknown-values 列出每个取值和最接近的项）。",
    only_valid="或加 --only-valid 只导入无问题的行。",
    import_cases="其他来源的工单清单或台账请用 hotline-desk import-cases 导入。",
    other_sheet="要导入其中的工单，请加 --sheet 工作表名 再导入一次（每个工作表导入一次）。",
    serial_as_number="可加 --map 序号=工单编号 把它作为台账的编号导入。",
    map_unread="如需导入，请用 --map “列名=字段”指定；不需要的列用 --map “列名=不导入”，就不再提示。",
)
