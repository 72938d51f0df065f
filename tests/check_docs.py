#!/usr/bin/python3
"""check_docs.py — the documentation checks CI runs (CTest test `docs`).

usage: check_docs.py --corun PATH/TO/corun --root REPO [--only commands,links,options,history]

1. commands: every line of a ```sh / ```bash block in README.md and docs/CLI.md
   that starts with `corun ` or `build/corun ` runs as written and exits 0, in
   one temporary folder (holding links to the repository's tests/ and configs/),
   one after another, so a later command may read what an earlier one wrote.
   Sizes are made small first, by the substitutions listed in SMALL below.
   A line whose comment holds `ci: skip <reason>` is not run; `ci: OPTIONS`
   (e.g. `# ci: --size 64x64 --steps 4`) appends OPTIONS, which override.
2. links: every relative Markdown link of README.md and docs/**/*.md resolves
   to a file, and a `#anchor` to a heading of that file (GitHub's slugs).
3. options: every option that `corun CMD --help` lists (life, fib, csv, bench,
   info, and render when `corun --help` names it), short forms included, is in
   docs/CLI.md's table of that command, with the same default, and every option
   of those tables is in --help. The default is the value after "default" in --help (or the value
   before "(default)"), and the first value of CLI.md's default column.
4. history: no work-period references or tracker issue numbers in docs/, src/,
   kernels/, include/, bench/, tests/, scripts/ and README.md.
Prints every failure and exits 1 if there was any."""
import argparse
import os
import re
import shutil
import subprocess
import sys
import tempfile

FAILURES = []


def fail(msg):
    FAILURES.append(msg)
    print(f"FAIL {msg}")


def read(path):
    with open(path, encoding="utf-8") as f:
        return f.read()


def fenced_blocks(text):
    """(language, first line number, lines) of every fenced code block."""
    out, lang, start, buf = [], None, 0, None
    for i, line in enumerate(text.splitlines(), 1):
        m = re.match(r"^\s*```(\S*)", line)
        if m and buf is None:
            lang, start, buf = m.group(1), i + 1, []
        elif line.strip().startswith("```") and buf is not None:
            out.append((lang, start, buf))
            buf = None
        elif buf is not None:
            buf.append(line)
    return out


# ---- 1. commands ----
# SMALL: (option, test, replacement) — an option's value that `test` finds too
# large for CI is replaced: grids above 512x512 become 256x256, and --steps
# becomes 10 where the (small) grid times the steps exceeds 10^8 cell-updates.
def _num(v):
    v = v.replace("^", "e").lower()
    try:
        return float(v)
    except ValueError:
        return None


def _cells(v):
    m = re.fullmatch(r"(\d+)x(\d+)", v)
    return int(m.group(1)) * int(m.group(2)) if m else None


SMALL = [
    ("--size", lambda v: (_cells(v) or 0) > 512 * 512, "256x256"),
    ("--steps", None, "10"),          # when the run would exceed 10^8 cell-updates
    ("--rows", lambda v: (_num(v) or 0) > 20000, "2000"),
    ("--n", lambda v: any((_num(x) or 0) > 20000 for x in v.split(",")), "2000"),
    ("--life-sizes", lambda v: True, "64x64"),
    ("--sizes", lambda v: True, "64x64"),
]


def small_command(words, extra):
    out, i = [], 0
    size = next((words[k + 1] for k in range(len(words) - 1) if words[k] == "--size"), "")
    cells = min(_cells(size) or 256 * 256, 512 * 512)
    while i < len(words):
        w = words[i]
        rule = next((r for r in SMALL if r[0] == w), None)
        test = rule and (rule[1] or (lambda v: cells * (_num(v) or 0) > 1e8))
        if rule and i + 1 < len(words) and test(words[i + 1]):
            out += [w, rule[2]]
            i += 2
            continue
        out.append(w)
        i += 1
    cmd = out[1] if len(out) > 1 else ""
    # A life run from a config file keeps the file's size unless told.
    if cmd == "life" and "--config" in out and "--size" not in out and "--restart" not in out:
        out += ["--size", "256x256", "--steps", "10"]
    # `corun bench` in CI prints its plan only (a sweep takes tens of seconds).
    if cmd == "bench" and "--dry-run" not in out and "--help" not in out:
        out.append("--dry-run")
    return out + extra


def check_commands(root, corun):
    ran = 0
    for doc in ("README.md", "docs/CLI.md"):
        ran += commands_of(root, corun, doc)
    print(f"commands: {ran} run")
    if ran == 0:
        fail("commands: no `corun ...` line found in README.md or docs/CLI.md")


def commands_of(root, corun, doc):
    """Runs DOC's corun lines in a folder of their own; returns how many ran."""
    import shlex
    work = tempfile.mkdtemp(prefix="corun-doccmd-")
    try:
        bindir = os.path.join(work, ".bin")
        os.mkdir(bindir)
        os.symlink(os.path.abspath(corun), os.path.join(bindir, "corun"))
        for d in ("tests", "configs"):
            os.symlink(os.path.join(root, d), os.path.join(work, d))
        env = dict(os.environ, PATH=bindir + os.pathsep + os.environ.get("PATH", ""),
                   OMP_NUM_THREADS="2")
        env.pop("SLURM_CPUS_PER_TASK", None)
        ran = 0
        for lang, start, lines in fenced_blocks(read(os.path.join(root, doc))):
            if lang not in ("sh", "bash"):
                continue
            for k, line in enumerate(lines):
                s = line.strip()
                if not (s.startswith("corun ") or s.startswith("build/corun ")):
                    continue
                where = f"{doc}:{start + k}"
                code, _, comment = s.partition(" #")
                marker = re.search(r"\bci:\s*(.*)$", comment)
                if marker and marker.group(1).startswith("skip"):
                    continue
                extra = shlex.split(marker.group(1)) if marker else []
                words = shlex.split(code)
                words[0] = "corun"
                cmd = small_command(words, extra)
                try:
                    r = subprocess.run(cmd, cwd=work, env=env, capture_output=True,
                                       text=True, timeout=60)
                except subprocess.TimeoutExpired:
                    fail(f"{where}: `{' '.join(cmd)}` ran over 60 s")
                    continue
                ran += 1
                if r.returncode != 0:
                    fail(f"{where}: `{' '.join(cmd)}` exited {r.returncode}: "
                         f"{(r.stderr or r.stdout).strip().splitlines()[-1:]}")
        return ran
    finally:
        shutil.rmtree(work, ignore_errors=True)


# ---- 2. links ----
def slug(heading):
    s = heading.strip().lower()
    s = re.sub(r"[^\w\- ]", "", s)
    return s.replace(" ", "-")


def anchors(path):
    seen, out = {}, set()
    text = read(path)
    in_code = False
    for line in text.splitlines():
        if line.strip().startswith("```"):
            in_code = not in_code
            continue
        m = None if in_code else re.match(r"^#{1,6}\s+(.*?)\s*#*\s*$", line)
        if m:
            base = slug(m.group(1))
            n = seen.get(base, 0)
            out.add(base if n == 0 else f"{base}-{n}")
            seen[base] = n + 1
    return out


def check_links(root):
    docs = [os.path.join(root, "README.md")]
    for d, _, files in os.walk(os.path.join(root, "docs")):
        docs += [os.path.join(d, f) for f in files if f.endswith(".md")]
    n = 0
    for path in sorted(docs):
        text = read(path)
        text = re.sub(r"```.*?```", lambda m: "\n" * m.group(0).count("\n"), text, flags=re.S)
        for lineno, line in enumerate(text.splitlines(), 1):
            line = re.sub(r"`[^`]*`", "", line)
            for m in re.finditer(r"\]\(([^)\s]+)(?:\s+\"[^\"]*\")?\)", line):
                target = m.group(1)
                if re.match(r"^[a-z]+:", target):
                    continue
                n += 1
                file_part, _, anchor = target.partition("#")
                dest = os.path.normpath(os.path.join(os.path.dirname(path), file_part)) if file_part else path
                where = f"{os.path.relpath(path, root)}:{lineno}"
                if not os.path.exists(dest):
                    fail(f"{where}: link to {target}: no such file")
                elif anchor and dest.endswith(".md") and anchor not in anchors(dest):
                    fail(f"{where}: link to {target}: no heading with anchor #{anchor}")
    print(f"links: {n} checked")


# ---- 3. options ----
STOP = {"the", "a", "an", "for", "from", "when", "is", "none:"}


def help_options(text):
    """{option: (arg spec, description)} from a --help text."""
    opts, last = {}, None
    for line in text.splitlines():
        if re.match(r"^  -", line):
            toks = line.strip().split()
            names, spec, i = [], "", 0
            while i < len(toks):
                t = toks[i].rstrip(",")
                if t.startswith("-"):
                    names.append(t)
                elif names and (re.match(r"^[A-Z]", t) or "|" in t) and not re.match(r"^[A-Z][a-z]", t):
                    spec = spec or t
                else:
                    break
                i += 1
            desc = " ".join(toks[i:])
            last = names
            for k in names:
                opts[k] = [spec, desc, names]
        elif last and re.match(r"^ {10,}\S", line):
            for k in last:
                opts[k][1] += " " + line.strip()
        else:
            last = None
    return opts


def help_default(name, desc, group):
    """The values --help may give as NAME's default: the value before "(default",
    the first after "default", or the first with a digit in the default's text
    ("(default: the pattern's size, or 256x256)"). [] when it states none."""
    m = re.search(r"\(defaults ([^)]*)\)", desc)
    if m:
        vals = [v.strip() for v in re.split(r",\s*", m.group(1))]
        longs = [g for g in group if g.startswith("--")]
        return [vals[longs.index(name)]] if name in longs and len(vals) >= len(longs) else []
    out = []
    m = re.search(r"([^:,;]*) \(default([:)])", desc)
    if m and m.group(1).split() and (m.group(2) == ")" or len(m.group(1).split()) == 1):
        # "torus (default): ...", "reference: omp on 1 thread (default) or ...",
        # "picture size: auto (default: every cell ...)"
        out.append(m.group(1).split()[0].strip("`"))
    m = re.search(r"\bdefault\b:?\s+([^;)]*)", desc)
    if m:
        text = m.group(1)
        first = text.split()[0].rstrip(",:.") if text.split() else ""
        if first and first.lower() not in STOP:
            out.append(first)
        d = re.search(r"[\w.:/,x-]*\d[\w.:/,x-]*", text)
        if d:
            out.append(d.group(0).rstrip(",."))
    return out


def default_text(name, desc):
    m = re.search(r"\(defaults? ([^)]*)\)|\bdefault\b:?\s+([^;)]*)|(\S+) \(default\)", desc)
    return (m.group(0) if m else "")


def cli_tables(text):
    """{command: {option: default cell}} from docs/CLI.md's `corun CMD` sections."""
    out, cmd = {}, None
    for line in text.splitlines():
        h = re.match(r"^#{2,3}\s+`corun (\w+)", line)
        if h:
            cmd = h.group(1)
            out.setdefault(cmd, {})
            continue
        if re.match(r"^#{1,2}\s", line):
            cmd = None
            continue
        if cmd and line.startswith("|") and "--" in line.split("|")[1]:
            cells = [c.strip() for c in line.strip().strip("|").split("|")]
            names = re.findall(r"`(-{1,2}[a-zA-Z][\w-]*)", cells[0])
            for n in names:
                out[cmd][n] = (cells[-1], len([x for x in names if x.startswith("--")]))
    return out


def word_in(value, text):
    text = text.replace("`", "")
    # "omp" is not in "serial,omp", while "OMP_NUM_THREADS" is in "OMP_NUM_THREADS, else".
    return re.search(r"(?<![\w.,/-])" + re.escape(value) + r"(?![\w/-]|[.,]\S)", text) is not None


def check_options(root, corun):
    top = subprocess.run([corun, "--help"], capture_output=True, text=True).stdout
    cmds = ["life", "fib", "csv", "bench", "info"]
    if re.search(r"^\s+render\s", top, re.M):
        cmds.append("render")
    tables = cli_tables(read(os.path.join(root, "docs", "CLI.md")))
    skip = {"-h", "--help", "-V", "--version"}
    n = 0
    for cmd in cmds:
        r = subprocess.run([corun, cmd, "--help"], capture_output=True, text=True)
        hopts = {k: v for k, v in help_options(r.stdout).items() if k not in skip}
        doc = tables.get(cmd)
        if doc is None:
            fail(f"docs/CLI.md: no section headed `corun {cmd}` with a table of its options "
                 f"(| `--flag` / `key` | value | default |)")
            continue
        doc = {k: v for k, v in doc.items() if k not in skip}
        for k, (spec, desc, group) in sorted(hopts.items()):
            n += 1
            if k not in doc:
                fail(f"docs/CLI.md `corun {cmd}`: {k} (in --help) is not documented")
                continue
            cell, nlong = doc[k]
            hd = help_default(k, desc, group)
            if hd and not any(word_in(v, cell) for v in hd):
                fail(f"docs/CLI.md `corun {cmd}` {k}: default '{cell}' does not give --help's default "
                     f"('{default_text(k, desc)}')")
            if nlong == 1 and hd:
                # The reverse: CLI.md's first value must be in --help's default.
                c = cell.replace("`", " ")
                b = re.search(r"`([^`]+)`", cell)
                first = b.group(1) if b else (re.search(r"[\w.:/,x-]*\d[\w.:/,x-]*", c) or [None])[0]
                if first and not word_in(first.rstrip(",."), default_text(k, desc) + " " + desc):
                    fail(f"docs/CLI.md `corun {cmd}` {k}: default '{cell}' is not --help's ('{default_text(k, desc)}')")
        for k in sorted(doc):
            if k not in hopts:
                fail(f"docs/CLI.md `corun {cmd}`: {k} is documented but `corun {cmd} --help` does not list it")
    print(f"options: {n} checked in {', '.join(cmds)}")


# ---- 4. history ----
HISTORY = [
    (r"(?i)\bsession\s+\d", "a work-session number"),
    (r"(?i)\bissues?\s+#?\d", "a tracker issue number"),
    (r"(?<![\w#$&/'\"])#\d{1,4}\b", "a tracker issue number (#N)"),
    (r"(?i)\bwork[- ]periods?\b", "a work period"),
    (r"(?i)\bphase\s+\d", "a numbered phase of work"),
    (r"(?i)\btargets? from\b", "targets from the tracker"),
    (r"(?im)^#+ .*\bperiod \d", "a heading numbered by work period"),
]
TEXT_EXT = (".md", ".c", ".h", ".cu", ".sh", ".py", ".txt", ".ini", ".mjs", ".cmake", ".ipynb", "")


def check_history(root):
    me = os.path.abspath(__file__)
    paths = [os.path.join(root, "README.md")]
    for d in ("docs", "src", "kernels", "include", "bench", "tests", "scripts"):
        for dirpath, dirs, files in os.walk(os.path.join(root, d)):
            dirs[:] = [x for x in dirs if x not in ("data", "img")]
            paths += [os.path.join(dirpath, f) for f in files]
    n = 0
    for p in sorted(paths):
        if os.path.abspath(p) == me or not p.endswith(TEXT_EXT) or p.endswith(".S"):
            continue
        if os.path.splitext(p)[1] == "" and not os.path.basename(p).startswith(("CMakeLists",)):
            continue
        try:
            text = read(p)
        except (UnicodeDecodeError, IsADirectoryError):
            continue
        n += 1
        for pat, what in HISTORY:
            for m in re.finditer(pat, text):
                line = text.count("\n", 0, m.start()) + 1
                fail(f"{os.path.relpath(p, root)}:{line}: {what}: '{m.group(0)}' (history belongs in git log)")
    print(f"history: {n} files checked")


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--corun", required=True)
    ap.add_argument("--root", required=True)
    ap.add_argument("--only", default="commands,links,options,history")
    a = ap.parse_args()
    root = os.path.abspath(a.root)
    only = set(a.only.split(","))
    if "history" in only:
        check_history(root)
    if "links" in only:
        check_links(root)
    if "options" in only:
        check_options(root, a.corun)
    if "commands" in only:
        check_commands(root, a.corun)
    if FAILURES:
        print(f"{len(FAILURES)} documentation check(s) failed")
        return 1
    print("documentation checks passed")
    return 0


if __name__ == "__main__":
    sys.exit(main())
