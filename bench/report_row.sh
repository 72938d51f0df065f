# report_row.sh — sourced by the bench/*.sh scripts: when bench/report.sh runs
# them it sets CORUN_REPORT_TSV, and each script appends its results there as
# tab-separated rows, which report.sh turns into the Markdown tables of
# docs/figures/. Run alone, a script prints as before and this does nothing.
#
# report_row TOPIC CASE BEST MEDIAN UNIT NOTE
#   TOPIC    the docs/figures/TOPIC.md table the row belongs to, or `headline`
#            (the README's table of corun against its peers)
#   CASE     what was measured, as a reader should see it
#   BEST, MEDIAN  the figures (MEDIAN may be empty: a single run)
#   UNIT     s, G cell-updates/s, MB/s, x (a ratio), ...
#   NOTE     hash, mode, peer, "not installed", ...
report_row() {
    [ -n "${CORUN_REPORT_TSV:-}" ] || return 0
    printf '%s\t%s\t%s\t%s\t%s\t%s\n' "$1" "$2" "$3" "$4" "$5" "$6" >>"$CORUN_REPORT_TSV"
}
