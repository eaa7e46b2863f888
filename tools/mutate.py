"""Mutation testing of the code that matters most: ``make mutate``.

For each area (the policy, the gap engine, the assessment service, the
importers) this makes single-point changes of the kind real bugs look like
(the operators of mutmut: a comparison turned (``<`` to ``<=``, ``==`` to
``!=``, ``in`` to ``not in``, ``is`` to ``is not``), ``and`` to ``or``, a
``not`` dropped, a condition negated, ``True`` to ``False``, a number one
higher, ``+`` to ``-``, ``break`` to ``continue``, a ``return`` of ``None``, a
call statement removed) one at a time, and runs the area's own targeted tests
against each (SQLite, and PostgreSQL too with ``--database``; ``-x``): a mutant the tests fail on is *killed*, one
they pass is a *survivor*: a bug that would ship with the suite green. The area's
test files run once under coverage with a context per test, and each mutant then
runs only the tests that execute its statement (none: a survivor without a run). Survivors are printed with their line, and each must be killed by
a test or explained in docs/testing.md.

Why not mutmut itself: mutmut 3 mutates a copy of the whole package and runs
one test command for every mutant of every module (its per-function test
selection needs a full run of the suite first), which on this machine is hours;
here each module is paired with its own test files. The mutants are made by
rewriting the syntax tree (``ast``), so each is valid Python that differs from
the original at exactly one point.

The run works in a copy of the tracked files (under ``$TMPDIR``); the checkout
is never changed. ``python tools/mutate.py --help`` for the options
(``--area``, ``--list``, ``--only``).
"""
from __future__ import annotations

import argparse
import ast
import json
import os
import shutil
import subprocess
import sys
import queue
import tempfile
import threading
import time
import zlib
from concurrent.futures import ThreadPoolExecutor
from dataclasses import asdict, dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent

# How many mutants each area runs (spread evenly; see ``sample``): of the
# policy (its tests need no database: a run takes seconds) 60, of the importers
# (eleven modules, mostly parsing without a database) 60, the others 40.
SAMPLE = {"policy": 60, "gaps": 40, "assessments": 40, "importers": 60}

# area -> (modules to mutate, the test files that exercise them)
AREAS: dict[str, tuple[list[str], list[str]]] = {
    "policy": (
        ["skills_app/policy.py"],
        ["tests/test_policy.py"],
    ),
    "gaps": (
        ["skills_app/services/gaps.py", "skills_app/reports/gaps.py"],
        ["tests/test_gap_model.py", "tests/test_gaps.py", "tests/test_report_stream.py", "tests/test_responsibility.py"],
    ),
    "assessments": (
        ["skills_app/services/assessments.py"],
        ["tests/test_assessment_rules.py", "tests/test_assessments.py", "tests/test_responsibility.py",
         "tests/test_evidence_lifecycle.py"],
    ),
    "importers": (
        # every importer: the formats, the file reader, the limits and the report
        sorted(str(p.relative_to(ROOT)) for p in (ROOT / "skills_app" / "importers").glob("*.py")),
        ["tests/test_sfia_text.py", "tests/test_importers.py", "tests/test_format_case.py",
         "tests/test_format_moodle.py", "tests/test_format_sfia_sheet.py", "tests/test_format_table.py",
         "tests/test_fidelity_case.py", "tests/test_fidelity_sfia.py", "tests/test_parser_limits.py",
         "tests/test_import_report.py"],
    ),
}

# Plugins the targeted tests do not use: not loading them halves a run's start-up.
UNUSED_PLUGINS = ("playwright", "iam", "schemathesis", "faker", "anyio", "xdist", "xdist.looponfail")

COMPARE_SWAP = {
    ast.Lt: ast.LtE, ast.LtE: ast.Lt, ast.Gt: ast.GtE, ast.GtE: ast.Gt,
    ast.Eq: ast.NotEq, ast.NotEq: ast.Eq, ast.In: ast.NotIn, ast.NotIn: ast.In,
    ast.Is: ast.IsNot, ast.IsNot: ast.Is,
}
BINOP_SWAP = {ast.Add: ast.Sub, ast.Sub: ast.Add, ast.Mult: ast.Div, ast.Div: ast.Mult,
              ast.FloorDiv: ast.Mult, ast.Mod: ast.FloorDiv}
SYMBOL = {ast.Lt: "<", ast.LtE: "<=", ast.Gt: ">", ast.GtE: ">=", ast.Eq: "==", ast.NotEq: "!=",
          ast.In: "in", ast.NotIn: "not in", ast.Is: "is", ast.IsNot: "is not",
          ast.Add: "+", ast.Sub: "-", ast.Mult: "*", ast.Div: "/", ast.FloorDiv: "//", ast.Mod: "%"}


@dataclass
class Mutant:
    area: str
    module: str
    index: int          # the n-th mutation point of the module, in source order
    line: int
    kind: str
    source_line: str
    span: tuple[int, int] = (0, 0)  # the lines of the statement it changes
    result: str = ""    # killed | survived | timeout
    seconds: float = 0.0
    tests: int = 0      # how many tests ran it (those that execute its statement)
    note: str = ""      # "no test runs this line" for a survivor never executed

    @property
    def key(self) -> str:
        return f"{self.module}#{self.index}"


def _is_docstring(node, parent) -> bool:
    return (isinstance(parent, ast.Expr) and isinstance(node, ast.Constant) and isinstance(node.value, str))


class Points(ast.NodeVisitor):
    """Every mutation point of a module, in a stable order: (node id path, kind, description)."""

    def __init__(self) -> None:
        self.points: list[tuple[int, str, int]] = []  # (node position, kind, line)
        self.nodes: list[ast.AST] = []
        self.spans: list[tuple[int, int]] = []  # the lines of the statement each point is in
        self.statements: list[ast.stmt] = []
        self.in_function = 0

    def visit(self, node):
        if isinstance(node, ast.stmt):
            self.statements.append(node)
            try:
                return super().visit(node)
            finally:
                self.statements.pop()
        return super().visit(node)

    def _add(self, node, kind):
        self.nodes.append(node)
        self.points.append((len(self.nodes) - 1, kind, getattr(node, "lineno", 0)))
        self.spans.append(_span(self.statements[-1]) if self.statements else (node.lineno, node.end_lineno))

    def visit_FunctionDef(self, node):
        self.in_function += 1
        self.generic_visit(node)
        self.in_function -= 1

    visit_AsyncFunctionDef = visit_FunctionDef

    def visit_Lambda(self, node):
        self.in_function += 1
        self.generic_visit(node)
        self.in_function -= 1

    def visit_Compare(self, node):
        if self.in_function:
            for i, op in enumerate(node.ops):
                if type(op) in COMPARE_SWAP:
                    self._add(node, f"compare:{i}")
        self.generic_visit(node)

    def visit_BoolOp(self, node):
        if self.in_function:
            self._add(node, "boolop")
        self.generic_visit(node)

    def visit_UnaryOp(self, node):
        if self.in_function and isinstance(node.op, ast.Not):
            self._add(node, "drop-not")
        self.generic_visit(node)

    def visit_If(self, node):
        if self.in_function:
            self._add(node, "negate-if")
        self.generic_visit(node)

    def visit_IfExp(self, node):
        if self.in_function:
            self._add(node, "negate-ifexp")
        self.generic_visit(node)

    def visit_BinOp(self, node):
        if self.in_function and type(node.op) in BINOP_SWAP:
            # "text" + "text" and f-strings are not arithmetic
            if not any(isinstance(side, (ast.Constant, ast.JoinedStr)) and isinstance(getattr(side, "value", ""), str)
                       for side in (node.left, node.right)):
                self._add(node, "binop")
        self.generic_visit(node)

    def visit_Constant(self, node):
        if self.in_function:
            if node.value is True or node.value is False:
                self._add(node, "bool-const")
            elif isinstance(node.value, int) and not isinstance(node.value, bool):
                self._add(node, "number")
        # strings are left alone: messages and labels

    def visit_Break(self, node):
        if self.in_function:
            self._add(node, "break")

    def visit_Continue(self, node):
        if self.in_function:
            self._add(node, "continue")

    def visit_Return(self, node):
        # a constant's return is the constant's own mutation (and False -> None is no change)
        if self.in_function and node.value is not None and not isinstance(node.value, ast.Constant):
            self._add(node, "return-none")
        self.generic_visit(node)

    def visit_Expr(self, node):
        # a call made for its effect (append, add, raise-free checks): removed
        if self.in_function and isinstance(node.value, ast.Call):
            self._add(node, "drop-call")
        self.generic_visit(node)


def _span(statement: ast.stmt) -> tuple[int, int]:
    """The lines a tracer reports when ``statement`` itself runs: all of a simple
    statement's; a compound one's (``if``, ``for``, ``with``...) up to its body."""
    body = getattr(statement, "body", None)
    if isinstance(body, list) and body and isinstance(body[0], ast.AST):
        first = body[0]
        start = min([first.lineno] + [d.lineno for d in getattr(first, "decorator_list", [])])
        return statement.lineno, max(statement.lineno, start - 1)
    return statement.lineno, statement.end_lineno or statement.lineno


def mutation_points(source: str) -> tuple[ast.Module, list[tuple[int, str, int]]]:
    tree = ast.parse(source)
    visitor = Points()
    visitor.visit(tree)
    return tree, visitor.points


def apply(source: str, index: int) -> str:
    """The source with its ``index``-th mutation point changed."""
    tree = ast.parse(source)
    visitor = Points()
    visitor.visit(tree)
    position, kind, _ = visitor.points[index]
    node = visitor.nodes[position]
    if kind.startswith("compare:"):
        i = int(kind.split(":")[1])
        node.ops[i] = COMPARE_SWAP[type(node.ops[i])]()
    elif kind == "boolop":
        node.op = ast.Or() if isinstance(node.op, ast.And) else ast.And()
    elif kind == "drop-not":
        _replace(tree, node, node.operand)
    elif kind == "negate-if":
        node.test = ast.UnaryOp(op=ast.Not(), operand=node.test)
    elif kind == "negate-ifexp":
        node.test = ast.UnaryOp(op=ast.Not(), operand=node.test)
    elif kind == "binop":
        node.op = BINOP_SWAP[type(node.op)]()
    elif kind == "bool-const":
        node.value = not node.value
    elif kind == "number":
        node.value = node.value + 1
    elif kind == "break":
        _replace(tree, node, ast.Continue())
    elif kind == "continue":
        _replace(tree, node, ast.Break())
    elif kind == "return-none":
        node.value = ast.Constant(value=None)
    elif kind == "drop-call":
        _replace(tree, node, ast.Pass())
    else:
        raise ValueError(kind)
    return ast.unparse(ast.fix_missing_locations(tree))


def _replace(tree, old, new) -> None:
    for parent in ast.walk(tree):
        for name, value in ast.iter_fields(parent):
            if value is old:
                setattr(parent, name, new)
                return
            if isinstance(value, list):
                for i, item in enumerate(value):
                    if item is old:
                        value[i] = new
                        return
    raise LookupError("node not found")


def _describe(kind: str, node_line: str) -> str:
    return f"{kind}: {node_line.strip()[:110]}"


def list_mutants(area: str) -> list[Mutant]:
    modules, _ = AREAS[area]
    out = []
    for module in modules:
        source = (ROOT / module).read_text()
        lines = source.splitlines()
        visitor = Points()
        visitor.visit(ast.parse(source))
        for index, ((_, kind, line), span) in enumerate(zip(visitor.points, visitor.spans)):
            out.append(Mutant(area, module, index, line, kind, lines[line - 1].strip() if line else "", span))
    return out


def _copy_tree(dest: Path) -> None:
    files = subprocess.run(["git", "ls-files", "-co", "--exclude-standard"], cwd=ROOT, check=True,
                           capture_output=True, text=True).stdout.splitlines()
    for name in files:
        src = ROOT / name
        if not src.is_file() or "__pycache__" in name:
            continue
        target = dest / name
        target.parent.mkdir(parents=True, exist_ok=True)
        shutil.copy2(src, target)
    # the browser checks' axe-core is not needed: these runs stay off the browser


# A PostgreSQL URL the tests also run on (--database); None: SQLite only.
DATABASE_URL: str | None = None


def _pytest(work: Path, tests: list[str], timeout: float, extra: tuple[str, ...] = ()) -> tuple[str, float, int]:
    """Run pytest on ``tests`` (files or node ids) in ``work``: (survived | killed |
    timeout | unselected, seconds, exit code). ``unselected`` is pytest's "no such test"
    or "no test collected" (exit 4 or 5), never counted as a kill."""
    env = dict(os.environ, PYTHONDONTWRITEBYTECODE="1")
    env.pop("TEST_DATABASE_URL", None)
    if DATABASE_URL:
        # PostgreSQL too: each copy in a database of its own (<name>_mutate<n>), made and
        # dropped by tests/conftest.py as it does for a pytest-xdist worker.
        env["TEST_DATABASE_URL"] = DATABASE_URL
        env["PYTEST_XDIST_WORKER"] = f"mutate{zlib.crc32(str(work).encode()) % 100000}"
    start = time.monotonic()
    try:
        done = subprocess.run(
            [str(ROOT / ".venv" / "bin" / "python"), "-m", "pytest", "-x", "-q", "-p", "no:cacheprovider",
             *[arg for plugin in UNUSED_PLUGINS for arg in ("-p", f"no:{plugin}")],
             "-o", "addopts=", "-m", "not browser", *extra, *tests],
            cwd=work, env=env, capture_output=True, text=True, timeout=timeout)
    except subprocess.TimeoutExpired:
        return "timeout", time.monotonic() - start, -1
    seconds = time.monotonic() - start
    if done.returncode == 0:
        return "survived", seconds, 0
    if done.returncode in (4, 5):
        return "unselected", seconds, done.returncode
    # 1: a test failed; 2, 3: the run broke (an import error is a kill too: the app would not start)
    return "killed", seconds, done.returncode


def _baseline(work: Path, modules: list[str], tests: list[str]) -> tuple[float, dict[str, dict[int, set[str]]]]:
    """Run the area's tests once on the unchanged code under coverage, with a context per
    test (pytest-cov's ``--cov-context=test``): the seconds it took, and for each module
    which tests (node ids) execute each line. Lines run only while importing (no test
    context) are listed under the test id "*" (every test)."""
    import coverage

    data_file = work / ".coverage.mutate"
    rc = work / ".coveragerc.mutate"
    rc.write_text("[run]\ninclude =\n" + "".join(f"    {m}\n" for m in modules)
                  + f"data_file = {data_file}\nbranch = False\n")
    result, seconds, code = _pytest(work, tests, timeout=3600, extra=(
        "--cov", f"--cov-config={rc}", "--cov-context=test", "--cov-report="))
    if result != "survived":
        sys.exit(f"the targeted tests fail on the unchanged code ({' '.join(tests)}; exit {code})")
    data = coverage.CoverageData(basename=str(data_file))
    data.read()
    by_module: dict[str, dict[int, set[str]]] = {}
    for measured in data.measured_files():
        module = os.path.relpath(measured, work)
        lines: dict[int, set[str]] = {}
        for line, contexts in data.contexts_by_lineno(measured).items():
            ids = set()
            for context in contexts:
                node_id = context.rsplit("|", 1)[0]
                ids.add(node_id or "*")
            lines[line] = ids
        by_module[module] = lines
    return seconds, by_module


def _selected(mutant: Mutant, lines: dict[int, set[str]], order: dict[str, int]) -> list[str] | None:
    """The tests that execute the mutant's statement, in the order pytest runs them;
    [] when none does; None when the line runs at import (every test then)."""
    ids: set[str] = set()
    for line in range(mutant.span[0], mutant.span[1] + 1):
        ids |= lines.get(line, set())
    if "*" in ids:
        return None
    return sorted(ids, key=lambda node_id: order.get(node_id, len(order)))


def sample(mutants: list[Mutant], n: int) -> list[Mutant]:
    """``n`` mutants spread evenly over the area's mutation points in source order
    (every k-th of each module), each module getting its share by its number of points
    and at least two, so that every part of every module is sampled; all when ``n`` is 0."""
    if not n or n >= len(mutants):
        return mutants
    modules: dict[str, list[Mutant]] = {}
    for m in mutants:
        modules.setdefault(m.module, []).append(m)
    chosen = []
    for points in modules.values():
        k = min(len(points), max(2, round(n * len(points) / len(mutants))))
        chosen += [points[i * len(points) // k] for i in range(k)]
    return chosen


def run_area(area: str, only: set[str] | None, out: Path, n: int, jobs: int, tests: list[str] | None = None,
             select: bool = True) -> list[Mutant]:
    modules, default_tests = AREAS[area]
    tests = [t for t in (tests or default_tests) if (ROOT / t).exists()]
    mutants = list_mutants(area)
    mutants = [m for m in mutants if m.key in only] if only else sample(mutants, n)
    originals = {m: (ROOT / m).read_text() for m in modules}
    with tempfile.TemporaryDirectory(prefix=f"mutate-{area}-") as tmp:
        works = queue.Queue()
        for j in range(jobs):
            work = Path(tmp) / str(j)
            _copy_tree(work)
            works.put(work)
        # the unchanged code must pass; under coverage it also tells which tests run each line
        if select:
            seconds, coverage_by_module = _baseline(Path(tmp) / "0", modules, tests)
            # pytest's own order: files as given, tests in collection order (from --collect-only)
            collected = subprocess.run(
                [str(ROOT / ".venv" / "bin" / "python"), "-m", "pytest", "--collect-only", "-q",
                 "-p", "no:cacheprovider", *[arg for plugin in UNUSED_PLUGINS for arg in ("-p", f"no:{plugin}")],
                 "-o", "addopts=", "-m", "not browser", *tests],
                cwd=Path(tmp) / "0", capture_output=True, text=True).stdout.splitlines()
            order = {node_id: i for i, node_id in enumerate(line for line in collected if "::" in line)}
        else:
            result, seconds, _ = _pytest(Path(tmp) / "0", tests, timeout=3600)
            if result != "survived":
                sys.exit(f"{area}: the targeted tests fail on the unchanged code ({tests})")
        timeout = max(120.0, seconds * 5)
        print(f"== {area}: {len(mutants)} mutants of {', '.join(modules)}; tests {' '.join(tests)} "
              f"(a clean run{' under coverage' if select else ''} takes {seconds:.0f} s)", flush=True)
        done = iter(range(1, len(mutants) + 1))
        lock = threading.Lock()

        def one(mutant: Mutant) -> None:
            chosen = tests
            if select:
                picked = _selected(mutant, coverage_by_module.get(mutant.module, {}), order)
                if picked == []:
                    mutant.result, mutant.note = "survived", "no test runs this line"
                    chosen = None
                elif picked is not None:
                    chosen = picked
                    mutant.tests = len(picked)
            if chosen is not None:
                work = works.get()
                target = work / mutant.module
                try:
                    target.write_text(apply(originals[mutant.module], mutant.index))
                    mutant.result, mutant.seconds, _ = _pytest(work, chosen, timeout)
                    if mutant.result == "unselected" and chosen is not tests:
                        # a test id pytest could not find again: the whole files instead
                        mutant.result, mutant.seconds, _ = _pytest(work, tests, timeout)
                    if mutant.result == "timeout":
                        # a busy machine, or a loop that never ends: a second, longer chance tells
                        mutant.result, mutant.seconds, _ = _pytest(work, chosen, timeout * 3)
                    if mutant.result == "unselected":
                        sys.exit(f"{area}: pytest found no tests in {' '.join(tests)}")
                finally:
                    target.write_text(originals[mutant.module])
                    works.put(work)
            with lock:
                n_done = next(done)
                mark = {"killed": ".", "timeout": "t", "survived": "S"}[mutant.result]
                print(mark, end="" if n_done % 60 else "\n", flush=True)

        with ThreadPoolExecutor(max_workers=jobs) as pool:
            list(pool.map(one, mutants))
        print(flush=True)
    out.mkdir(parents=True, exist_ok=True)
    (out / f"{area}.json").write_text(json.dumps([asdict(m) for m in mutants], indent=1))
    return mutants


def report(area: str, mutants: list[Mutant]) -> None:
    killed = sum(m.result in ("killed", "timeout") for m in mutants)
    survivors = [m for m in mutants if m.result == "survived"]
    score = killed / len(mutants) * 100 if mutants else 100.0
    print(f"{area}: {killed}/{len(mutants)} killed ({score:.1f}%), {len(survivors)} survived")
    for m in survivors:
        note = f"  ({m.note})" if m.note else ""
        print(f"  SURVIVED {m.module}:{m.line} [#{m.index}] {_describe(m.kind, m.source_line)}{note}")


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--area", action="append", choices=sorted(AREAS),
                        help="one area (repeatable); all four by default")
    parser.add_argument("--list", action="store_true", help="list the mutants without running them")
    parser.add_argument("--only", action="append", default=[],
                        help="run only these mutants, as module#index (repeatable)")
    parser.add_argument("--sample", type=int, default=None,
                        help="mutants per area, spread evenly over its modules (0: every one); "
                             "default: 60 for the policy, 40 for the others")
    parser.add_argument("--jobs", type=int, default=int(os.environ.get("MUTATE_JOBS", 1)),
                        help="mutants run at once, each in its own copy; default 1")
    parser.add_argument("--tests", action="append", default=[],
                        help="run these test files instead of the area's own (repeatable; to compare test sets)")
    parser.add_argument("--no-select", action="store_true",
                        help="run every mutant against all the area's test files (slow; to check the selection)")
    parser.add_argument("--out", default=str(ROOT / "test-artifacts" / "mutation"),
                        help="where each area's results (JSON) are written")
    parser.add_argument("--database", default=os.environ.get("MUTATE_DATABASE_URL"),
                        help="a PostgreSQL URL (or MUTATE_DATABASE_URL): the tests run on it as well as on "
                             "SQLite, so that code only PostgreSQL runs is mutated against them too")
    args = parser.parse_args(argv)
    global DATABASE_URL
    DATABASE_URL = args.database
    areas = args.area or list(AREAS)
    if args.list:
        for area in areas:
            for m in sample(list_mutants(area), SAMPLE[area] if args.sample is None else args.sample):
                print(f"{area} {m.key} line {m.line} {_describe(m.kind, m.source_line)}")
        return 0
    results = {}
    for area in areas:
        results[area] = run_area(area, set(args.only) or None, Path(args.out), SAMPLE[area] if args.sample is None else args.sample, args.jobs, args.tests or None, not args.no_select)
    print()
    for area, mutants in results.items():
        report(area, mutants)
    return 0


if __name__ == "__main__":
    sys.exit(main())
