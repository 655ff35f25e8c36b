"""`coach calibrate`: refit the scorer on this deployment's trainer reviews, when that helps.

The work is in :mod:`app.services.calibration`; this module only words it.  Output is
Chinese by default (``--lang en`` for English), errors included, because the people who run
it are the team's own trainers and admins.  Exit codes: 0 it ran (adopted or not), 2 bad
input (no reviewed replies, a bad option).
"""

from __future__ import annotations

import math
import sys
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, NoReturn

import typer

from app.cli.common import print_json, settings_from_cli

if TYPE_CHECKING:
    from app.coach.metrics import Agreement
    from app.services.calibration import Calibration

WORDS: dict[str, dict[str, str]] = {
    "zh": {
        "error": "错误",
        "no_reviews": "还没有可用于校准的复盘：需要培训师在“对话复盘”里给单句回复打分（0-100）。",
        "no_usable": "复盘过的回复所属的场景都已不存在，无法重新评分。",
        "bad_lang": "--lang 只能是 zh 或 en",
        "bad_min": "--min-reviews 至少为 1",
        "header": "已复盘的回复 {n} 条，来自 {s} 次练习；{k} 折交叉验证（按练习分组）。",
        "header_one": "已复盘的回复 {n} 条，只来自 1 次练习，无法交叉验证。",
        "skipped": "跳过 {n} 条（场景已删除）。",
        "before": "之前（{model}）",
        "after": "之后（交叉验证重新拟合）",
        "shipped": "出厂模型",
        "calibrated": "已校准模型",
        "line": "{label}：n={n}  Spearman {sp}  等级一致 {ex}  相差一档内 {w1}  成对一致 {pw}",
        "adopted": "一致性提高，已采用新模型，写入 {path}（重启服务后生效）。",
        "dry_run": "一致性提高；--dry-run，未写入任何文件。",
        "not_improved": "一致性没有提高，保留当前模型。",
        "too_few": "一致性提高，但复盘只有 {n} 条（少于 {m} 条），暂不采用；多复盘一些再运行。",
        "one_session": "至少需要两次练习的复盘才能交叉验证，保留当前模型。",
    },
    "en": {
        "error": "error",
        "no_reviews": "nothing to calibrate on yet: trainers need to score single replies (0-100) in Transcript review.",
        "no_usable": "the scenarios of every reviewed reply have been deleted; they cannot be re-scored.",
        "bad_lang": "--lang must be zh or en",
        "bad_min": "--min-reviews must be at least 1",
        "header": "{n} reviewed replies from {s} sessions; {k}-fold cross-validation grouped by session.",
        "header_one": "{n} reviewed replies, all from one session: no cross-validation possible.",
        "skipped": "{n} skipped (scenario deleted).",
        "before": "before ({model})",
        "after": "after (cross-validated refit)",
        "shipped": "shipped model",
        "calibrated": "calibrated model",
        "line": "{label}: n={n}  Spearman {sp}  band exact {ex}  within one {w1}  pairwise {pw}",
        "adopted": "agreement improved: adopted the refit, written to {path} (restart the service to use it).",
        "dry_run": "agreement improved; --dry-run, nothing written.",
        "not_improved": "agreement did not improve: keeping the current model.",
        "too_few": "agreement improved, but only {n} reviewed replies (fewer than {m}): not adopted; review more and run again.",
        "one_session": "cross-validation needs reviews from at least two sessions: keeping the current model.",
    },
}


def _fail(lang: str, key: str) -> NoReturn:
    w = WORDS[lang]
    print(f"{w['error']}: {w.get(key, key)}", file=sys.stderr)
    raise typer.Exit(2)


def _fmt(x: float, pct: bool = False) -> str:
    if math.isnan(x):
        return "—"
    return f"{100 * x:.0f}%" if pct else f"{x:.3f}"


def _line(w: dict[str, str], label: str, a: Agreement) -> str:
    return w["line"].format(
        label=label, n=a.n, sp=_fmt(a.spearman), ex=_fmt(a.exact, True), w1=_fmt(a.within_one, True), pw=_fmt(a.pairwise, True)
    )


def report(result: Calibration, lang: str) -> str:
    """The readable report: counts, before, after, decision."""
    w = WORDS[lang]
    out = [
        w["header"].format(n=result.reviews, s=result.sessions, k=result.folds)
        if result.folds
        else w["header_one"].format(n=result.reviews)
    ]
    if result.skipped:
        out.append(w["skipped"].format(n=result.skipped))
    out.append(_line(w, w["before"].format(model=w[result.model]), result.before))
    if result.after is not None:
        out.append(_line(w, w["after"], result.after))
    out.append(w[result.decision].format(path=result.path, n=result.reviews, m=result.min_reviews))
    return "\n".join(out)


def calibrate(
    min_reviews: Annotated[
        int, typer.Option("--min-reviews", help="Adopt a refit only with at least this many reviewed replies.")
    ] = 30,
    dry_run: Annotated[bool, typer.Option("--dry-run", help="Compare only; never write the model.")] = False,
    json_output: Annotated[bool, typer.Option("--json", help="Print a machine-readable summary.")] = False,
    lang: Annotated[str, typer.Option("--lang", help="Language of the report: zh or en.")] = "zh",
    boot: Annotated[int, typer.Option("--boot", help="Bootstrap resamples for the 95% intervals.", min=0)] = 1000,
    data_dir: Annotated[Path | None, typer.Option("--data-dir", help="Data directory (COACH_DATA_DIR).")] = None,
) -> None:
    """Refit the scorer on the trainers' reviews (用培训师复盘校准评分); adopt it only when it agrees better."""
    if lang not in WORDS:
        _fail("zh", "bad_lang")
    if min_reviews < 1:
        _fail(lang, "bad_min")
    from app.db.engine import Database
    from app.db.repository import Repository
    from app.services.calibration import CalibrationError
    from app.services.calibration import calibrate as run_calibration
    from app.services.container import Services

    settings = settings_from_cli(data_dir=data_dir)
    services = Services(settings)
    database = Database.from_settings(settings)
    try:
        database.migrate()
        with database.session() as db:
            result = run_calibration(services, Repository(db), min_reviews=min_reviews, dry_run=dry_run, boot=boot)
    except CalibrationError as exc:
        _fail(lang, exc.key)
    finally:
        database.dispose()
    if json_output:
        print_json(result.summary(), pretty=True)
    else:
        print(report(result, lang))


def register(app: typer.Typer) -> None:
    """Add this module's commands to the CLI."""
    app.command("calibrate")(calibrate)
