"""The fitted numbers that turn features into a 0-100 score.

``calibration.json`` next to this module is written by
``scripts/eval_scoring.py --fit`` (least squares on the scenario exemplars
plus the training part of the dev set) and read once per scorer.  Defaults
here keep the scorer usable when the file is missing.
"""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass, field, fields
from pathlib import Path

CALIBRATION_FILE = Path(__file__).with_name("calibration.json")


def _default_caps() -> dict[str, int]:
    # Upper bounds on the final score; band 1 ends at 20, band 2 at 40, band 3 at 60.
    return {
        "grader_instruction": 10,
        "keyword_list": 25,
        "echo": 30,
        "off_topic": 20,
        "playbook": 35,
        "attack_rival": 20,
        "cornering": 20,
        "blind_promise": 20,
        "pressure": 35,
        "must_not": 38,
        "missing_must": 70,
    }


@dataclass
class Calibration:
    """Coefficients of the blend and thresholds of the semantic gates."""

    bias: float = 0.2
    w_rules: float = 3.0
    w_band: float = 0.45
    w_margin: float = 4.0
    tau: float = 0.02
    stretch: float = 1.0
    rel_lo: float = 0.78
    rel_hi: float = 0.88
    offtopic_customer: float = 0.79
    offtopic_exemplar: float = 0.81
    caps: dict[str, int] = field(default_factory=_default_caps)

    def grade(self, rules: float, expected_band: float, margin: float) -> float:
        """Continuous grade 1-5 from the rubric-weighted rule score (0-1) and the semantic features."""
        raw = self.bias + self.w_rules * rules + self.w_band * expected_band + self.w_margin * margin
        # Least squares pulls predictions towards the middle; stretching around grade 3 keeps the ranking
        # and puts clear cases back into their band.
        return 3.0 + self.stretch * (raw - 3.0)

    @staticmethod
    def to_score(grade: float) -> int:
        """Grade 1-5 → 0-100 so that band boundaries sit half-way between grades."""
        return int(round(max(0.0, min(100.0, (grade - 0.5) * 20.0))))

    @classmethod
    def load(cls, path: Path = CALIBRATION_FILE) -> Calibration:
        """Read the committed calibration, or the defaults when there is none."""
        if not path.exists():
            return cls()
        data = json.loads(path.read_text(encoding="utf-8"))
        known = {f.name for f in fields(cls)}
        cal = cls(**{k: v for k, v in data.items() if k in known})
        cal.caps = {**_default_caps(), **cal.caps}
        return cal

    def save(self, path: Path = CALIBRATION_FILE) -> None:
        """Write the calibration as readable JSON."""
        path.write_text(json.dumps(asdict(self), indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
