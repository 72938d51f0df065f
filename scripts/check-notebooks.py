#!/usr/bin/python3
"""check-notebooks.py — checks executed notebooks (scripts/run-notebooks.sh):
no cell has an error output, and every code cell that draws a figure (calls
plt.show() or plt.subplots/plt.figure) has at least one embedded image/png
output, as a person opening the notebook in Jupyter would see it. A cell
that only plots when its data is there must print why it drew nothing
instead ("... not found" or "... skipped").

usage: check-notebooks.py EXECUTED.ipynb...
Prints one line per notebook; exit 1 if any is wrong, naming the cell.
"""
import json
import re
import sys

PLOTS = re.compile(r"\bplt\.(show|subplots|figure)\(")


def check(path):
    nb = json.load(open(path))
    bad, figs, plotting = [], 0, 0
    for i, cell in enumerate(nb["cells"]):
        if cell["cell_type"] != "code":
            continue
        src = "".join(cell["source"])
        outs = cell.get("outputs", [])
        for o in outs:
            if o.get("output_type") == "error":
                bad.append(f"cell {i}: error {o.get('ename')}: {o.get('evalue')}")
            if o.get("output_type") == "stream" and o.get("name") == "stderr" and "Traceback" in "".join(o.get("text", "")):
                bad.append(f"cell {i}: a traceback on stderr")
        if cell.get("execution_count") is None:
            bad.append(f"cell {i}: not executed")
        pngs = sum(1 for o in outs if "image/png" in o.get("data", {}))
        figs += pngs
        if PLOTS.search(src):
            plotting += 1
            said = any(o.get("output_type") == "stream"
                       and re.search(r"not found|skipped", "".join(o.get("text", "")))
                       for o in outs)
            if pngs == 0 and not said:
                bad.append(f"cell {i}: plots but embeds no image/png output")
    print(f"check-notebooks: {path}: {plotting} plotting cells, {figs} embedded figures"
          + ("" if not bad else ", " + str(len(bad)) + " problems"))
    for b in bad:
        print(f"check-notebooks: {path}: {b}")
    return not bad


def main():
    if len(sys.argv) < 2:
        print("usage: check-notebooks.py EXECUTED.ipynb...")
        sys.exit(2)
    ok = all([check(p) for p in sys.argv[1:]])
    sys.exit(0 if ok else 1)


main()
