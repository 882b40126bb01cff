from functools import partial

from django.core.management.base import CommandError

from fupin.areas import services as area_services
from fupin.assistance.importing import assistance_import
from fupin.cooperation.importing import cooperation_import
from fupin.core.cli import FupinCommand, emit_report
from fupin.core.errors import ServiceError
from fupin.core.files.workbooks import write_error_workbook
from fupin.funds.importing import funds_import
from fupin.personnel.importing import personnel_import
from fupin.projects.importing import projects_import
from fupin.registry.importing import households_import


class Command(FupinCommand):
    help = "Import a workbook or CSV file. All or nothing unless --skip-invalid; --dry-run validates only."
    has_subcommands = True
    # Django's system checks (every URLconf and view module loaded: seconds under load) judge the site's
    # configuration, which an import does not use; `fupin check` and the server run them (as for `fupin audit`).
    requires_system_checks = []

    IMPORTERS = {
        "population": (area_services.population_import,
                       "Rural registered population per area and year (行政区划代码, 年度, 乡村人口, 户数)."),
        "ethnic-population": (area_services.ethnic_population_import,
                              "An ethnic group's rural population per area and year "
                              "(行政区划代码, 年度, 民族, 乡村人口)."),
        "agreements": (partial(cooperation_import, kind="agreement"),
                       "Cooperation agreements (协议名称, 协议文号, 行政区划代码, 签订日期, 有效期至 …)."),
        "pairings": (partial(cooperation_import, kind="pairing"),
                     "Pairings (帮扶类别, 帮扶方, 受扶方, 开始日期 …)."),
        "funds": (partial(cooperation_import, kind="fund"),
                  "Fiscal aid and donations (资金类别, 资金来源, 行政区划代码, 用途, 承诺/到位金额与日期)."),
        "workshops": (partial(cooperation_import, kind="workshop"), "Poverty workshops (车间名称, 行政区划代码 …)."),
        "talent": (partial(cooperation_import, kind="talent"), "Talent exchange (姓名, 人才类型, 行政区划代码 …)."),
        "labour": (partial(cooperation_import, kind="labour"), "Labour transfers (证件号码, 用工单位 …)."),
        "purchases": (partial(cooperation_import, kind="purchase"), "Consumption purchases (采购方, 产品 …)."),
        "visits": (partial(cooperation_import, kind="visit"), "Leaders' visits (姓名, 领导层级, 互访日期 …)."),
        "plans": (partial(assistance_import, kind="plans"),
                  "Household plans, 一户一策 (户编号, 年度, 致贫原因, 帮扶成效, 备注)."),
        "planned-measures": (partial(assistance_import, kind="planned"),
                             "Planned measures of the plans (户编号, 年度, 帮扶措施, 证件号码, 计划金额)."),
        "measures": (partial(assistance_import, kind="measures"),
                     "Delivered assistance measures (户编号, 帮扶措施, 证件号码, 落实日期, 金额)."),
        "responsibilities": (partial(assistance_import, kind="responsibilities"),
                             "Responsible cadres (户编号, 帮扶人证件号码, 帮扶人层级, 开始日期)."),
        "household-visits": (partial(assistance_import, kind="visits"),
                             "Cadres' household visits (户编号, 帮扶人证件号码, 走访日期, 走访记录, 经纬度)."),
        "loans": (partial(assistance_import, kind="loans"),
                  "Poverty microloans (户编号, 贷款银行, 贷款金额, 放贷日期, 到期日期, 年利率 …)."),
        "relocations": (partial(assistance_import, kind="relocations"),
                        "Relocated households (户编号, 安置点, 搬迁日期, 搬迁人数)."),
        "origin-villages": (partial(assistance_import, kind="origin_villages"),
                            "Natural villages moved out (行政区划代码, 自然村, 深度贫困, 户数, 人数)."),
        "relocation-sites": (partial(assistance_import, kind="sites"),
                             "Relocation sites (安置点名称, 行政区划代码, 安置方式, 计划安置户数)."),
        "origin-steps": (partial(assistance_import, kind="origin_actions"),
                         "Natural villages' steps (行政区划代码, 自然村, 搬迁进度, 日期, 复垦面积（亩）)."),
        "relending": (partial(assistance_import, kind="relending"),
                      "Re-lending (贷款银行, 借款企业, 行政区划代码, 贷款金额, 放贷日期, 带动贫困户数)."),
        "fund-documents": (partial(funds_import, kind="documents"),
                           "Fund documents (文号, 标题, 资金来源, 年度, 下达单位代码, 金额, 下达日期)."),
        "fund-entries": (partial(funds_import, kind="entries"),
                         "Fund ledger entries (文号, 年度, 类型, 行政区划代码, 项目编号, 户编号, 金额, 日期)."),
        "projects": (partial(projects_import, kind="projects"),
                     "Projects (项目名称, 项目类型, 行政区划代码, 年度, 计划开工/完工日期, 建设规模, 帮扶单位)."),
        "project-beneficiaries": (
            partial(projects_import, kind="beneficiaries"),
            "Project beneficiaries (项目编号, 户编号, 证件号码, 利益联结机制, 受益金额, 受益人数)."),
        "project-fundings": (partial(projects_import, kind="fundings"),
                             "Project funds by source (项目编号, 资金来源, 计划投资, 实际投资)."),
        "project-assets": (partial(projects_import, kind="assets"),
                           "Assets formed (项目编号, 资产类型, 资产名称, 资产价值, 所有者类型, 所有者, 移交日期)."),
        "asset-incomes": (partial(projects_import, kind="asset_incomes"),
                          "Asset income (资产编号, 年度, 收益金额, 分配到户金额)."),
        "training-programmes": (partial(personnel_import, kind="programmes"),
                                "Training programmes (培训名称, 年度, 行政区划代码, 培训类别, 培训经费, 组织单位)."),
        "check-ins": (partial(personnel_import, kind="check_ins"),
                      "Work-team check-ins (驻村代码, 证件号码, 日期, 纬度, 经度)."),
        "cadres": (partial(personnel_import, kind="cadres"),
                   "Cadres (姓名, 证件号码, 性别, 管理区划代码, 所在单位, 职务, 中共党员)."),
        "work-teams": (partial(personnel_import, kind="teams"),
                       "Village work teams (驻村代码, 派出单位, 选派层级, 开始日期, 结束日期)."),
        "team-members": (partial(personnel_import, kind="members"),
                         "Work-team members (驻村代码, 证件号码, 驻村职务, 选派层级, 开始日期, 结束日期)."),
        "contact-leaders": (partial(personnel_import, kind="contacts"),
                            "Leaders' contact areas (证件号码, 联系领导层级, 行政区划代码, 开始日期, 结束日期)."),
        "trainees": (partial(personnel_import, kind="trainees"),
                     "Trainees (培训名称, 年度, 证件号码, 是否结业, 是否就业, 就业日期)."),
        "appraisal-schemes": (partial(personnel_import, kind="appraisal_schemes"),
                              "Appraisal schemes, one row per indicator (考核办法代码, 考核办法名称, 年度, 考核对象, "
                              "行政区划代码, 指标代码, 指标名称, 指标英文名称, 权重); the weights of a scheme add up "
                              "to 100."),
        "appraisal-scores": (partial(personnel_import, kind="appraisal_scores"),
                             "Appraisal scores under one scheme, one row per subject (驻村代码 and 在岗日期, 证件号码 "
                             "and 姓名, or 帮扶单位) and one column per indicator of the scheme (its name or code)."),
    }
    # Options of a kind besides the file: the scheme whose indicators are a wide layout's columns.
    EXTRA_OPTIONS = {
        "appraisal-scores": {"scheme": {"required": True, "metavar": "CODE",
                                        "help": "The code of the appraisal scheme being scored."}},
    }

    def add_arguments(self, parser):
        super().add_arguments(parser)
        households = self.add_subcommand(
            "households", "The 建档立卡 workbook: one row per member (xlsx, xls, ods or csv in any Chinese encoding).")
        households.add_argument("file")
        households.add_argument("--year", type=int, help="The year of the records when the file has no 年度 column.")
        households.add_argument("--errors", metavar="OUT.xlsx", help="Write the rejected rows with their reasons.")
        for sub in [households]:
            self._common(sub)
        for name, (_importer, help_text) in self.IMPORTERS.items():
            sub = self.add_subcommand(name, help_text)
            sub.add_argument("file")
            for option, argument in self.EXTRA_OPTIONS.get(name, {}).items():
                sub.add_argument(f"--{option}", **argument)
            self._common(sub)

    @staticmethod
    def _common(sub):
        sub.add_argument("--dry-run", action="store_true", help="Validate only; write nothing.")
        sub.add_argument("--skip-invalid", action="store_true", help="Write the valid rows, report the rest.")

    def handle(self, *args, **options):
        if options["subcommand"] == "households":
            return self.handle_households(**options)
        importer, _help = self.IMPORTERS[options["subcommand"]]
        extra = {option: options[option] for option in self.EXTRA_OPTIONS.get(options["subcommand"], {})}
        try:
            report = importer(actor=self.actor, path=options["file"], dry_run=options["dry_run"],
                              skip_invalid=options["skip_invalid"], **extra)
        except ServiceError as exc:
            raise CommandError(str(exc)) from exc
        emit_report(self, report)

    def handle_households(self, **options):
        try:
            with self.progress("members") as advance:
                report = households_import(actor=self.actor, path=options["file"], year=options["year"],
                                           dry_run=options["dry_run"], skip_invalid=options["skip_invalid"],
                                           on_progress=advance)
        except ServiceError as exc:
            raise CommandError(str(exc)) from exc
        if options["errors"] and report.errors:
            write_error_workbook(options["errors"], report.headers, report.rejected_cells, report.errors)
        summary = report.as_dict()
        if self.output_format == "json":
            self.emit(summary)
        else:
            self.emit({**{k: v for k, v in summary.items() if k != "errors"},
                       "households_with_warnings": report.warned}, title="import")
            if summary["errors"]:
                self.emit(summary["errors"][:200], columns=["row", "column", "message"], title="errors")
        if report.errors and not report.written and not options["dry_run"]:
            raise CommandError(f"{report.rejected} row(s) rejected; nothing was written.")
