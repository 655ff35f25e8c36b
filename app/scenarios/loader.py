"""Loading scenario YAML with errors a trainer can act on.

A broken file raises :class:`ScenarioError` naming the file, the field and
the problem, e.g. ``my.yaml: states[2].transitions.probe: unknown state 'x'``.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from functools import lru_cache
from pathlib import Path

import yaml
from pydantic import ValidationError

from app.scenarios.schema import Scenario

#: libyaml's safe loader when PyYAML was built with it (ten times faster), else the pure-Python one.
SAFE_LOADER: type[yaml.SafeLoader] = getattr(yaml, "CSafeLoader", yaml.SafeLoader)

#: A scenario is a few pages of YAML (the built-ins are under 20 KiB); anything this big is a
#: mistake or an attack, and parsing and validating it would hold a worker for seconds.
MAX_YAML_BYTES = 256 * 1024
#: The schema nests at most about six levels (states[].transitions, persona.motives[].description);
#: PyYAML builds nested nodes recursively, so thousands of levels crash with RecursionError.
MAX_YAML_DEPTH = 20


class ScenarioError(ValueError):
    """A scenario file that cannot be used, with a message naming file and field."""


class UnknownScenarioError(KeyError):
    """No scenario has this id."""

    def __init__(self, scenario_id: str) -> None:
        super().__init__(scenario_id)
        self.scenario_id = scenario_id

    def __str__(self) -> str:
        return f"unknown scenario '{self.scenario_id}'"


def _loc(loc: Iterable[object]) -> str:
    out = ""
    for part in loc:
        if isinstance(part, int):
            out += f"[{part}]"
        else:
            out += ("." if out else "") + str(part)
    return out or "(top level)"


def _check_limits(text: str, name: str) -> None:
    """Reject over-large or over-deep YAML before PyYAML builds (recursively) its nodes.

    Depth is counted on the parser's event stream, which PyYAML produces with an explicit
    state stack (no Python recursion), so a hostile document cannot exhaust the stack here.
    A syntax error is left for :func:`yaml.safe_load` to report with its position.
    """
    size = len(text) if len(text) > MAX_YAML_BYTES else len(text.encode("utf-8"))
    if size > MAX_YAML_BYTES:
        kib, limit = -(-size // 1024), MAX_YAML_BYTES // 1024
        raise ScenarioError(
            f"{name}: YAML 太大（{kib} KiB），上限是 {limit} KiB，请删减内容"
            f" (the YAML is too large: {kib} KiB, the limit is {limit} KiB)"
        )
    depth = 0
    try:
        for event in yaml.parse(text, Loader=SAFE_LOADER):
            if isinstance(event, yaml.CollectionStartEvent):
                depth += 1
                if depth > MAX_YAML_DEPTH:
                    line = event.start_mark.line + 1 if event.start_mark is not None else 0
                    raise ScenarioError(
                        f"{name}: 第 {line} 行嵌套超过 {MAX_YAML_DEPTH} 层，请检查缩进和括号"
                        f" (line {line}: nested more than {MAX_YAML_DEPTH} levels deep; check the indentation and brackets)"
                    )
            elif isinstance(event, yaml.CollectionEndEvent):
                depth -= 1
    except yaml.YAMLError as exc:
        if "nesting depth" not in str(exc):  # other syntax errors are reported by the parse below
            return
        mark = getattr(exc, "problem_mark", None)  # libyaml stops at its own depth limit first
        line = mark.line + 1 if mark is not None else 0
        raise ScenarioError(
            f"{name}: 第 {line} 行嵌套超过 {MAX_YAML_DEPTH} 层，请检查缩进和括号"
            f" (line {line}: nested more than {MAX_YAML_DEPTH} levels deep; check the indentation and brackets)"
        ) from exc


def parse_scenario(text: str, name: str = "<text>") -> Scenario:
    """Parse and validate one scenario from YAML text (size and nesting limited, see above)."""
    _check_limits(text, name)
    try:
        data = yaml.load(text, Loader=SAFE_LOADER)  # noqa: S506 - a safe loader (libyaml's when built)
    except RecursionError as exc:  # belt and braces: _check_limits should have stopped it
        raise ScenarioError(f"{name}: YAML 嵌套太深 (the YAML is nested too deeply)") from exc
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f" (line {mark.line + 1}, column {mark.column + 1})" if mark is not None else ""
        problem = getattr(exc, "problem", None) or str(exc)
        raise ScenarioError(f"{name}: invalid YAML{where}: {problem}") from exc
    if not isinstance(data, dict):
        raise ScenarioError(f"{name}: (top level): expected a mapping of fields, got {type(data).__name__}")
    try:
        return Scenario.model_validate(data)
    except RecursionError as exc:  # an alias chain can nest deeper than the text does
        raise ScenarioError(f"{name}: YAML 嵌套太深 (the YAML is nested too deeply)") from exc
    except ValidationError as exc:
        problems = "; ".join(f"{_loc(e['loc'])}: {e['msg']}" for e in exc.errors())
        raise ScenarioError(f"{name}: {problems}") from exc


def load_scenario_file(path: Path) -> Scenario:
    """Load one YAML file; its id must match the file name.

    Parsed files are cached by path, size and modification time (a bounded LRU): every
    container (one per test app, one per worker) reads the same built-in files, and parsing
    fifteen scenarios costs a third of a second.
    """
    try:
        stat = path.stat()
    except OSError as exc:
        raise ScenarioError(f"{path}: cannot read: {exc}") from exc
    return _load_file(str(path), stat.st_mtime_ns, stat.st_size)


@lru_cache(maxsize=256)
def _load_file(name: str, _mtime_ns: int, _size: int) -> Scenario:
    path = Path(name)
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise ScenarioError(f"{path}: cannot read: {exc}") from exc
    scenario = parse_scenario(text, str(path))
    if scenario.id != path.stem:
        raise ScenarioError(f"{path}: id: '{scenario.id}' must match the file name '{path.stem}'")
    return scenario


def load_dir_files(dirs: Iterable[Path | None]) -> list[tuple[Scenario, Path]]:
    """Every scenario in the given directories with its file; a broken file or a repeated id raises.

    Missing directories (and ``None``) are skipped, and a directory named twice is read once.
    """
    seen: dict[str, Path] = {}
    done: set[Path] = set()
    out: list[tuple[Scenario, Path]] = []
    for d in dirs:
        if d is None or not d.is_dir() or d.resolve() in done:
            continue
        done.add(d.resolve())
        for path in sorted([*d.glob("*.yaml"), *d.glob("*.yml")]):
            s = load_scenario_file(path)
            if s.id in seen:
                raise ScenarioError(f"{path}: id: '{s.id}' is already defined in {seen[s.id]}")
            seen[s.id] = path
            out.append((s, path))
    return out


class ScenarioRegistry:
    """All scenarios by id: the built-in ones plus a trainer's directory."""

    def __init__(self, scenarios: Iterable[Scenario], dirs: Iterable[Path | None] = ()) -> None:
        self._dirs = tuple(dirs)
        self._by_id: dict[str, Scenario] = {}
        for s in scenarios:
            if s.id in self._by_id:
                raise ScenarioError(f"{s.id}: id: duplicate scenario id '{s.id}'")
            self._by_id[s.id] = s

    @staticmethod
    def _load_dirs(dirs: Iterable[Path | None]) -> list[Scenario]:
        return [s for s, _ in load_dir_files(dirs)]

    @classmethod
    def from_dirs(cls, *dirs: Path | None) -> ScenarioRegistry:
        """Load every ``*.yaml``/``*.yml`` in the given directories (missing ones are skipped).

        Always a plain file registry, also when called on a subclass with another constructor.
        """
        return ScenarioRegistry(ScenarioRegistry._load_dirs(dirs), dirs)

    def reload(self) -> None:
        """Re-read the directories in place (after a trainer saved a scenario).

        On error the registry keeps its previous contents.
        """
        fresh = self._load_dirs(self._dirs)
        self._by_id = {s.id: s for s in fresh}

    def refresh(self) -> None:
        """Directory registries change only through :meth:`reload`; nothing to check per request."""

    def check_new(self, scenario: Scenario, *, replacing: bool = False) -> None:
        """Raise :class:`ScenarioError` if adding ``scenario`` would clash with an existing id."""
        if scenario.id in self._by_id and not replacing:
            raise ScenarioError(f"{scenario.id}: id: a scenario with id '{scenario.id}' already exists")

    def get(self, scenario_id: str) -> Scenario:
        """The scenario, or :class:`UnknownScenarioError`."""
        try:
            return self._by_id[scenario_id]
        except KeyError:
            raise UnknownScenarioError(scenario_id) from None

    def __contains__(self, scenario_id: object) -> bool:
        return scenario_id in self._by_id

    def __iter__(self) -> Iterator[Scenario]:
        return iter(self._by_id.values())

    def __len__(self) -> int:
        return len(self._by_id)

    def ids(self) -> list[str]:
        """Scenario ids in load order."""
        return list(self._by_id)
