"""The Alembic-free chain reader gives what Alembic's own reader gives, and steps aside when unsure."""

from __future__ import annotations

import random
import subprocess
import sys
from pathlib import Path

import pytest

from pgwarden.migrate import alembic_fastchain
from pgwarden.migrate.alembic_scripts import load_chain

pytest.importorskip("alembic")

EXAMPLE = Path(__file__).resolve().parents[2] / "examples" / "alembic_bot"


def _same(where: Path) -> None:
    fast = alembic_fastchain.read(where)
    assert fast is not None
    slow = load_chain(where)
    assert fast.revisions == slow.revisions
    assert fast.heads == slow.heads
    for rev in slow.revisions:
        assert fast.applied((rev.id,)) == slow.applied((rev.id,))
    if len(slow.heads) == 1 or not any(
        h in slow.applied((o,)) for h in slow.heads for o in slow.heads if o != h
    ):
        assert fast.applied(slow.heads) == slow.applied(slow.heads)


def _write(
    folder: Path, name: str, rev: str, down: object, *, labels: object = None, deps: object = None
) -> None:
    folder.mkdir(parents=True, exist_ok=True)
    (folder / f"{name}.py").write_text(
        f'"""Revision {rev}\n\nlonger text."""\n'
        f"revision: str = {rev!r}\n"
        f"down_revision = {down!r}\n"
        f"branch_labels = {labels!r}\n"
        f"depends_on = {deps!r}\n\n"
        "def upgrade() -> None:\n    pass\n\n\ndef downgrade() -> None:\n    pass\n",
        encoding="utf-8",
    )


def _env(tmp_path: Path, locations: int) -> tuple[Path, list[Path]]:
    (tmp_path / "mig").mkdir()
    (tmp_path / "mig" / "env.py").write_text("", encoding="utf-8")
    folders = [tmp_path / "mig" / "versions"] + [tmp_path / f"more{i}" for i in range(1, locations)]
    for f in folders:
        f.mkdir(parents=True, exist_ok=True)
    extra = ""
    if locations > 1:
        extra = (
            "version_locations = " + " ".join(f"%(here)s/{f.relative_to(tmp_path)}" for f in folders) + "\n"
        )
        extra += "path_separator = space\n"
    (tmp_path / "alembic.ini").write_text(
        f"[alembic]\nscript_location = %(here)s/mig\n{extra}", encoding="utf-8"
    )
    return tmp_path / "alembic.ini", folders


def test_the_example_reads_the_same() -> None:
    _same(EXAMPLE / "alembic.ini")
    _same(EXAMPLE / "migrations")


@pytest.mark.parametrize("seed", range(60))
def test_generated_chains_read_the_same(tmp_path: Path, seed: int) -> None:
    rng = random.Random(seed)
    ini, folders = _env(tmp_path, rng.choice([1, 1, 2, 3]))
    ids: list[str] = []
    tips: list[str] = []
    labelled: list[str] = []
    for n in range(rng.randint(1, 14)):
        rev = f"{rng.getrandbits(48):012x}"
        roll = rng.random()
        if not ids or roll < 0.1:
            down: object = None
        elif roll < 0.3 and len(tips) > 1:
            down = tuple(rng.sample(tips, 2))  # a merge
        else:
            down = rng.choice(ids if roll < 0.5 else tips)  # a branch point or a plain step
        downs = () if down is None else (down,) if isinstance(down, str) else down
        tips = [t for t in tips if t not in downs] + [rev]
        label = f"line{n}" if rng.random() < 0.15 else None
        deps = None
        if ids and rng.random() < 0.25:
            pick = rng.choice(ids + labelled)
            deps = pick if rng.random() < 0.5 else (pick,)
        name = f"{n:03d}_{rev}" if rng.random() < 0.7 else f"{rev}_x"
        _write(rng.choice(folders), name, rev, down, labels=label, deps=deps)
        ids.append(rev)
        if label:
            labelled.append(label)
    _same(ini)


def test_a_computed_value_falls_back_to_alembic(tmp_path: Path) -> None:
    ini, folders = _env(tmp_path, 1)
    _write(folders[0], "001_a", "aaa", None)
    assert alembic_fastchain.read(ini) is not None
    (folders[0] / "002_b.py").write_text('revision = "bbb"\ndown_revision = "a" * 3\n', encoding="utf-8")
    assert alembic_fastchain.read(ini) is None
    assert [r.id for r in load_chain(ini).revisions] == ["aaa", "bbb"]


@pytest.mark.parametrize(
    "setting", ["revision_environment = true", "script_location = mypkg:migrations", "sourceless = true"]
)
def test_settings_it_does_not_handle_fall_back(tmp_path: Path, setting: str) -> None:
    ini, folders = _env(tmp_path, 1)
    _write(folders[0], "001_a", "aaa", None)
    text = ini.read_text(encoding="utf-8")
    if setting.startswith("script_location"):
        text = text.replace("script_location = %(here)s/mig", setting)
    else:
        text += setting + "\n"
    ini.write_text(text, encoding="utf-8")
    assert alembic_fastchain.read(ini) is None


def test_a_read_only_source_imports_neither_alembic_nor_sqlalchemy() -> None:
    code = (
        "import sys\n"
        "from pathlib import Path\n"
        "from pgwarden.migrate.sources import open_source\n"
        f"source = open_source(Path({str(EXAMPLE / 'alembic.ini')!r}), read_only=True)\n"
        "assert len(source.migrations()) == 5\n"
        "print(sorted(n for n in sys.modules if n.split('.')[0] in ('alembic', 'sqlalchemy')))\n"
        "source.chain\n"
        "print('alembic' in sys.modules)\n"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert out.splitlines() == ["[]", "True"]
