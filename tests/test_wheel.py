"""The built wheel works on its own: installed in a fresh virtual environment, outside the source tree."""
from __future__ import annotations

import shutil
import subprocess
import sys
import tomllib
import venv
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def test_wheel_installs_and_runs(tmp_path):
    dist = tmp_path / "dist"
    subprocess.run([sys.executable, "-m", "build", "--wheel", "--no-isolation", "--outdir", str(dist), str(ROOT)],
                   check=True, capture_output=True, cwd=tmp_path)
    wheel = next(dist.glob("rulerun-*.whl"))
    import zipfile
    names = set(zipfile.ZipFile(wheel).namelist())
    static = "rulerun/interpreter/service/workbench/static/"
    for asset in ("index.html", "main.js", "style.css", "vendor/codemirror.js", "vendor/codemirror.LICENSE.txt"):
        assert static + asset in names, f"the wheel lacks the workbench's {asset}"
    for data in ("grammar.lark", "grammar.tables"):  # the tables, so that an installed run builds none
        assert "rulerun/dsl/" + data in names, f"the wheel lacks the parser's {data}"
    env_dir = tmp_path / "venv"
    venv.EnvBuilder(with_pip=True).create(env_dir)
    python = env_dir / "bin" / "python"
    subprocess.run([str(python), "-m", "pip", "install", "--quiet", str(wheel)], check=True, capture_output=True)
    work = tmp_path / "elsewhere"
    shutil.copytree(ROOT / "measures", work / "measures")
    rulerun = env_dir / "bin" / "rulerun"
    checked = subprocess.run([str(rulerun), "check", "measures"], cwd=work, capture_output=True, text=True)
    assert checked.returncode == 0, checked.stdout + checked.stderr
    explained = subprocess.run(
        [str(rulerun), "explain", "kmo-portefeuille", "measures/cases/kmo-portefeuille/r3-klein-opleiding.yaml",
         "--format", "json"], cwd=work, capture_output=True, text=True)
    assert explained.returncode == 0, explained.stderr
    assert '"amount": "337.50"' in explained.stdout
    imported = subprocess.run([str(python), "-c", "import rulerun.dsl, rulerun.interpreter; print(rulerun.dsl.__file__)"],
                              cwd=work, capture_output=True, text=True, check=True)
    assert str(env_dir) in imported.stdout
    shipped = ("from rulerun.dsl import lalr, source; lalr._build = None; "
               "print(lalr.parse_lalr('1 + 2', source.standalone('1 + 2')).op)")
    parsed = subprocess.run([str(python), "-c", shipped], cwd=work, capture_output=True, text=True)
    assert parsed.stdout.strip() == "+", parsed.stderr  # with the shipped tables: nothing built
    front_door = ("import datetime, pathlib, rulerun; m = rulerun.load('measures/kmo-portefeuille.yaml'); "
                  "c = rulerun.read_case('measures/cases/kmo-portefeuille/r3-klein-opleiding.yaml'); "
                  "print(m.decide_case(c).amount, rulerun.__version__, rulerun.__file__, "
                  "(pathlib.Path(rulerun.__file__).parent / 'py.typed').is_file())")
    used = subprocess.run([str(python), "-c", front_door], cwd=work, capture_output=True, text=True)
    assert used.returncode == 0, used.stderr
    amount, version, location, typed = used.stdout.split()
    project = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["project"]
    assert (amount, version, typed) == ("337.50", project["version"], "True") and str(env_dir) in location
