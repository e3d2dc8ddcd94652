"""Similar code across a class: ranked pairs of submissions, as evidence for a person (never a grade change).

The method is Moss's (Schleimer, Wilkerson and Aiken, "Winnowing", 2003), on
Python tokens:

1. Each code cell is tokenized with the standard library's ``tokenize``.
   Comments, blank lines, parentheses, trailing commas and layout are
   dropped, and every name the
   submission itself binds (variables, parameters, functions, classes,
   attributes it assigns) becomes ``V``. Renaming and reformatting therefore
   change nothing, while what makes a network someone's own stays: the
   library calls (``layers.Dense``, ``.fit``) and the literals (16 filters
   or 32, ``"same"`` or ``"valid"``), which a copier keeps and two students
   working alone rarely choose alike throughout.
2. Hashes of every ``K`` consecutive tokens of a cell are winnowed: the
   smallest hash of each window of ``W`` is kept. Any run of ``K + W - 1``
   matching tokens is guaranteed to be found. Cells are fingerprinted apart,
   so reordering cells changes nothing either.
3. Fingerprints of the handout (the lab's exercise notebook, or the
   templates a course really handed out) are removed, and so are those in
   more than ``common_fraction`` of the class: code everyone has is no sign
   of copying.
4. A pair's score is the number of fingerprints the two share over the
   geometric mean of their sizes (1.0: the same code; a cosine, so a short
   submission that shares a few idioms with a long one scores low), counted
   over an inverted index, so only pairs that share something are compared.
   The share of the smaller one that the other has (its containment) is
   listed beside it: a copy with much code added shows there.

Nothing here runs student code: it is parsed as text (see grader.submission).
The method is written here, on the standard library, rather than taken from
``copydetect``: notebooks are compared cell by cell, the normalisation knows
Python's binding rules, and the inverted index keeps a class of 300 well
under a minute.
"""

from __future__ import annotations

import ast
import csv
import functools
import hashlib
import html
import io
import itertools
import keyword
import math
import tokenize
import builtins
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from pathlib import Path

from grader.render import write_atomic
from grader.submission import SubmissionError, load_submission, strip_ipython_syntax

K = 10  # tokens per k-gram
W = 6  # k-grams per winnowing window
#: Pairs scoring at least this are listed as "look at this pair"; honest pairs
#: that share only handout code score near 0, copies with renamed variables near 1.
DEFAULT_THRESHOLD = 0.5
#: A submission with fewer fingerprints than this counts as this many, so two
#: nearly empty submissions that share a line or two do not score 1.0.
MIN_FINGERPRINTS = 25
_BUILTINS = frozenset(dir(builtins))


@dataclass
class Fingerprinted:
    """One submission's code, cell by cell, and its fingerprints: hash → the (cell, line) places it covers."""

    student: str
    cells: list[tuple[str, str]]
    prints: dict[int, set[tuple[int, int]]] = field(default_factory=dict)
    problem: str = ""


@dataclass
class Pair:
    a: str
    b: str
    score: float
    shared: int
    containment: float = 0.0


# ---------------------------------------------------------------- fingerprints


@functools.lru_cache(maxsize=4096)  # a class hands in the same given cells over and over
def _bound_names(source: str) -> frozenset[str]:
    """Names the code binds itself (so renaming them is not a difference)."""
    try:
        tree = ast.parse(source)
    except (SyntaxError, ValueError, RecursionError, MemoryError):
        return frozenset()
    names = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Name) and isinstance(node.ctx, (ast.Store, ast.Del)):
            names.add(node.id)
        elif isinstance(node, ast.Attribute) and isinstance(node.ctx, ast.Store):
            names.add(node.attr)
        elif isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
            names.add(node.name)
        elif isinstance(node, ast.arg):
            names.add(node.arg)
        elif isinstance(node, (ast.Global, ast.Nonlocal)):
            names.update(node.names)
    return frozenset(names - _BUILTINS)


@functools.lru_cache(maxsize=4096)
def _raw_tokens(source: str) -> tuple[tuple[str, bool, int], ...]:
    """(text, is a name one could rename, line) per token that is not layout; literals by value."""
    tokens: list[tuple[str, bool, int]] = []
    statement_start = True
    try:
        for tok in tokenize.generate_tokens(io.StringIO(source).readline):
            if tok.type in _LAYOUT:
                statement_start = statement_start or tok.type in (tokenize.NEWLINE, tokenize.INDENT, tokenize.DEDENT)
                continue
            if tok.type == tokenize.STRING and statement_start:
                text, name = "S", False  # a docstring: prose, however it is quoted
            elif tok.type in (tokenize.STRING, tokenize.NUMBER):
                text, name = _literal(tok.string), False
            else:
                text, name = tok.string, tok.type == tokenize.NAME and not keyword.iskeyword(tok.string)
            if text in _CLOSING and tokens and tokens[-1][0] == ",":
                tokens.pop()  # a trailing comma is layout: `[a, b,]` is `[a, b]`
            if text in _PARENTHESES:
                continue  # so is grouping: `return (a, b)` is `return a, b` (calls keep their shape by their commas)
            tokens.append((text, name, tok.start[0]))
            statement_start = False
    except (tokenize.TokenError, IndentationError, SyntaxError):
        pass
    return tuple(tokens)


def normalized_tokens(source: str, bound: frozenset[str] | set[str]) -> list[tuple[str, int]]:
    """``source``'s tokens as (normalized text, line); see the module docstring. Untokenizable code gives what it had so far."""
    return [("V" if name and text in bound else text, line) for text, name, line in _raw_tokens(source)]


_LAYOUT = {tokenize.COMMENT, tokenize.NL, tokenize.NEWLINE, tokenize.INDENT, tokenize.DEDENT, tokenize.ENDMARKER, tokenize.ENCODING}
_CLOSING = {")", "]", "}"}
_PARENTHESES = {"(", ")"}


def _literal(text: str) -> str:
    """A number or string literal by its value (``'relu'`` is ``"relu"``, ``1e-3`` is ``0.001``)."""
    try:
        return repr(ast.literal_eval(text))
    except (ValueError, SyntaxError, MemoryError, RecursionError):
        return text


@functools.lru_cache(maxsize=65536)
def _token_value(text: str) -> int:
    return int.from_bytes(hashlib.blake2b(text.encode(), digest_size=8).digest(), "big")


def winnow(tokens: list[tuple[str, int]]) -> dict[int, tuple[int, int]]:
    """The winnowed fingerprints of one token stream: hash → (first line, last line) of its k-gram.

    Every token becomes a number by a cryptographic hash of its text, and a
    k-gram the (deterministic) hash of its numbers' tuple: the same code gets
    the same fingerprints in every run.
    """
    values = [_token_value(t) for t, _ in tokens]
    if len(tokens) < K:
        return {hash(tuple(values)): (tokens[0][1], tokens[-1][1])} if len(tokens) >= K // 2 else {}
    grams = [(hash(tuple(values[i:i + K])), tokens[i][1], tokens[i + K - 1][1]) for i in range(len(tokens) - K + 1)]
    kept: dict[int, tuple[int, int]] = {}
    for start in range(max(1, len(grams) - W + 1)):
        smallest = min(grams[start:start + W], key=lambda g: g[0])
        kept.setdefault(smallest[0], (smallest[1], smallest[2]))
    return kept


def code_cells(path: Path) -> list[tuple[str, str]]:
    """A submission's code cells as (where, source), IPython syntax blanked out; a script is one cell."""
    submission = load_submission(path, definitions=False)
    return [(where, strip_ipython_syntax(source)) for where, source in submission.code_cells]


def fingerprint(student: str, cells: list[tuple[str, str]]) -> Fingerprinted:
    """Fingerprints of every cell, with the places (cell index, line) each covers."""
    found = Fingerprinted(student=student, cells=cells)
    bound = frozenset().union(*(_bound_names(source) for _, source in cells))
    for index, (_, source) in enumerate(cells):
        for digest, (first, last) in winnow(normalized_tokens(source, bound)).items():
            places = found.prints.setdefault(digest, set())
            places.update((index, line) for line in range(first, last + 1))
    return found


def handout_fingerprints(paths: list[Path]) -> set[int]:
    """Every fingerprint of the handout files (a notebook or script each)."""
    prints: set[int] = set()
    for path in paths:
        try:
            prints.update(fingerprint("handout", code_cells(path)).prints)
        except SubmissionError:
            continue
    return prints


# ---------------------------------------------------------------- pairs


def rank_pairs(submissions: list[Fingerprinted], handout: set[int], common_fraction: float = 0.5) -> list[Pair]:
    """Every pair that shares a fingerprint, best first; see the module docstring."""
    usable = [s for s in submissions if not s.problem]
    counts = Counter(digest for s in usable for digest in s.prints)
    too_common = {d for d, n in counts.items() if len(usable) >= 4 and n > common_fraction * len(usable)}
    kept = {s.student: set(s.prints) - handout - too_common for s in usable}
    index: dict[int, list[str]] = defaultdict(list)
    for student, prints in kept.items():
        for digest in prints:
            index[digest].append(student)
    shared: Counter = Counter()
    for students in index.values():
        for a, b in itertools.combinations(sorted(students), 2):
            shared[a, b] += 1
    pairs = [Pair(a, b, n / max(MIN_FINGERPRINTS, math.sqrt(len(kept[a]) * len(kept[b]))), n,
                  n / max(MIN_FINGERPRINTS, min(len(kept[a]), len(kept[b]))))
             for (a, b), n in shared.items()]
    return sorted(pairs, key=lambda p: (-p.score, -p.shared, p.a, p.b))


def matching_lines(x: Fingerprinted, y: Fingerprinted, handout: set[int]) -> tuple[set[tuple[int, int]], set[tuple[int, int]]]:
    """The (cell, line) places of ``x`` and of ``y`` that their shared fingerprints cover."""
    common = (set(x.prints) & set(y.prints)) - handout
    return (set().union(*(x.prints[d] for d in common)) if common else set(),
            set().union(*(y.prints[d] for d in common)) if common else set())


# ---------------------------------------------------------------- report


def _code_html(found: Fingerprinted, marked: set[tuple[int, int]]) -> str:
    blocks = []
    for index, (where, source) in enumerate(found.cells):
        lines = []
        for number, line in enumerate(source.splitlines(), start=1):
            css = ' class="match"' if (index, number) in marked else ""
            lines.append(f"<span{css}>{html.escape(line) or ' '}</span>")
        blocks.append(f'<div class="cell"><div class="where">{html.escape(where)}</div><pre>' + "\n".join(lines) + "</pre></div>")
    return "\n".join(blocks)


_PAGE = """<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8">
<meta http-equiv="Content-Security-Policy" content="default-src 'none'; style-src 'unsafe-inline'">
<title>{title}</title>
<style>
body {{ font-family: system-ui, sans-serif; margin: 1.5rem; }}
table {{ border-collapse: collapse; }} td, th {{ padding: .25rem .6rem; border-bottom: 1px solid #ddd; text-align: left; }}
.flag {{ background: #fde2e2; }}
.side {{ display: grid; grid-template-columns: 1fr 1fr; gap: 1rem; }}
pre {{ margin: 0; font-size: 12px; white-space: pre-wrap; }} .cell {{ border: 1px solid #ccc; margin-bottom: .5rem; }}
.where {{ background: #f4f4f4; font-size: 11px; padding: 2px 4px; }} .match {{ background: #ffe08a; display: inline-block; width: 100%; }}
.note {{ color: #555; }}
</style></head><body>
{body}
</body></html>
"""


def write_report(pairs: list[Pair], found: dict[str, Fingerprinted], handout: set[int], out: Path, threshold: float,
                 lab: str, shown: int = 50) -> Path:
    """``out/index.html`` (ranked pairs), ``out/pairs.csv`` (all of them) and a side-by-side page per listed pair."""
    out.mkdir(parents=True, exist_ok=True)
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow(["rank", "student_a", "student_b", "score", "containment", "shared_fingerprints", "flagged"])
    for rank, pair in enumerate(pairs, start=1):
        writer.writerow([rank, pair.a, pair.b, f"{pair.score:.3f}", f"{pair.containment:.3f}", pair.shared, "yes" if pair.score >= threshold else ""])
    write_atomic(out / "pairs.csv", buffer.getvalue())
    rows = []
    for rank, pair in enumerate(pairs[:shown], start=1):
        left, right = matching_lines(found[pair.a], found[pair.b], handout)
        name = f"pair-{rank:03d}.html"
        body = (f"<h1>{html.escape(pair.a)} and {html.escape(pair.b)}: {pair.score:.0%}</h1>"
                f'<p class="note">Highlighted: code the two share beyond the handout ({pair.shared} fingerprints). '
                "Evidence for a person to weigh, not a verdict.</p>"
                f'<div class="side"><div><h2>{html.escape(pair.a)}</h2>{_code_html(found[pair.a], left)}</div>'
                f'<div><h2>{html.escape(pair.b)}</h2>{_code_html(found[pair.b], right)}</div></div>')
        write_atomic(out / name, _PAGE.format(title=html.escape(f"{lab}: {pair.a} / {pair.b}"), body=body))
        css = ' class="flag"' if pair.score >= threshold else ""
        rows.append(f'<tr{css}><td>{rank}</td><td><a href="{name}">{html.escape(pair.a)} / {html.escape(pair.b)}</a></td>'
                    f"<td>{pair.score:.0%}</td><td>{pair.containment:.0%}</td><td>{pair.shared}</td></tr>")
    problems = [f"<li>{html.escape(s.student)}: {html.escape(s.problem)}</li>" for s in found.values() if s.problem]
    flagged = sum(p.score >= threshold for p in pairs)
    body = (f"<h1>{html.escape(lab)}: similar code</h1>"
            f'<p class="note">{len(found)} submissions; {flagged} pairs at or above {threshold:.0%} (shaded). A score is the code two '
            "submissions share over the geometric mean of their sizes; containment is the share of the smaller one found in the other "
            "(the handout and code most of the class has are left out). "
            "This is evidence for a person to look at, never a grade change.</p>"
            "<table><tr><th>#</th><th>pair</th><th>score</th><th>containment</th><th>shared</th></tr>" + "".join(rows) + "</table>"
            + (f"<h2>Not compared</h2><ul>{''.join(problems)}</ul>" if problems else ""))
    write_atomic(out / "index.html", _PAGE.format(title=html.escape(f"{lab}: similar code"), body=body))
    return out / "index.html"


def similarity_report(entries, handout_paths: list[Path], out: Path, lab: str, threshold: float = DEFAULT_THRESHOLD) -> list[Pair]:
    """Fingerprint every entry (a grader.batch.Entry), rank the pairs and write the report in ``out``."""
    found: dict[str, Fingerprinted] = {}
    for entry in entries:
        if entry.path is None:
            found[entry.student] = Fingerprinted(entry.student, [], problem=entry.problem)
            continue
        try:
            found[entry.student] = fingerprint(entry.student, code_cells(entry.path))
        except SubmissionError as exc:
            found[entry.student] = Fingerprinted(entry.student, [], problem=str(exc))
    handout = handout_fingerprints(handout_paths)
    pairs = rank_pairs(list(found.values()), handout)
    write_report(pairs, found, handout, out, threshold, lab)
    return pairs
