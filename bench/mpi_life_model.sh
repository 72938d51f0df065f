#!/bin/sh
# mpi_life_model.sh — the weak-scaling model of docs/MPI.md as a table: Life
# under MPI, one rank per node, each node a slab W wide and R rows high (the
# grid grows in height with the node count N), halo depth D.
#
# usage: bench/mpi_life_model.sh TC_MS PACK_US [GPU_TC_US]
#   TC_MS     measured compute per generation of one node's slab (ms)
#   PACK_US   measured node-local cost per exchange (us): reading and writing
#             the halo rows, i.e. halo_seconds - wait_seconds per exchange
#   GPU_TC_US compute per generation on a GPU node (default 22 us: docs/CUDA.md's
#             H100 bound for 16384^2); its local cost per exchange is modelled
#             as 4 synchronous PCIe copies of D rows (COPY_US latency each + bytes
#             at PCIE_GBS)
#   env: W=16384 R=16384 D=8 ALPHA_US=1.5 (network latency) GBPS=100 (link)
#        COPY_US=10 PCIE_GBS=25 CHUNK_S=0.1 (the loop agrees on chunks this long)
#
# Per generation on every node:
#   t(N) = tc*(1 + 2D/R)                      own rows + the 2D halo rows stepped
#        + (pack + net)/D                     one exchange every D generations,
#          net = alpha + 2*D*W/8 / bandwidth  both messages out of one NIC, not hidden
#        + agree(N) * tc / CHUNK_S            one 16-byte MPI_Allreduce per chunk,
#          agree = 2*ceil(log2 N)*alpha       a tree there and back
# Efficiency E(N) = tc / t(N). N = 1 is one rank, its own neighbour (no network).
set -eu
[ $# -ge 2 ] || { sed -n '2,26p' "$0" >&2; exit 2; }
awk -v tc="$1" -v pack="$2" -v gtc="${3:-22}" -v cp="${COPY_US:-10}" -v pcie="${PCIE_GBS:-25}" \
    -v W="${W:-16384}" -v R="${R:-16384}" -v D="${D:-8}" -v a="${ALPHA_US:-1.5}" \
    -v gbps="${GBPS:-100}" -v chunk="${CHUNK_S:-0.1}" 'BEGIN {
    bw = gbps * 1e9 / 8 / 1e6            # bytes per us
    printf "| nodes | grid | CPU node: us/gen | E | GPU node, D=%d: us/gen | E | GPU node, D=32: E |\n", D
    printf "|---:|---|---:|---:|---:|---:|---:|\n"
    for (n = 1; n <= 1024; n *= 2) {
        lg = 0; for (k = 1; k < n; k *= 2) lg++
        agree = n > 1 ? 2 * lg * a : 0
        net = n > 1 ? a + 2 * D * W / 8 / bw : 0
        net32 = n > 1 ? a + 2 * 32 * W / 8 / bw : 0
        tcu = tc * 1000
        t = tcu * (1 + 2 * D / R) + (pack + net) / D + agree * tcu / (chunk * 1e6)
        gpack = 4 * (cp + D * W / 8 / (pcie * 1e3))
        gpack32 = 4 * (cp + 32 * W / 8 / (pcie * 1e3))
        g = gtc * (1 + 2 * D / R) + (gpack + net) / D + agree * gtc / (chunk * 1e6)
        g32 = gtc * (1 + 64 / R) + (gpack32 + net32) / 32 + agree * gtc / (chunk * 1e6)
        printf "| %d | %dx%d | %.1f | %.4f | %.1f | %.3f | %.3f |\n", n, W, R * n, t, tcu / t, g, gtc / g, gtc / g32
    }
}'
