# site.sh — sourced by the job scripts (life-chain.sh, bench-sweep.sbatch)
# before they run corun; it adapts a job to the site without editing them:
#   1. sources ${CORUN_SITE:-$HOME/.corun-site.sh} when it exists: anything
#      the site needs (module use, spack load, variables);
#   2. `module load $CORUN_MODULES` when CORUN_MODULES is set, e.g.
#      CORUN_MODULES="hdf5 openmpi" (Environment Modules or Lmod; a job that
#      asks for modules where there is no module command fails here, saying so);
#   3. binds OpenMP threads: OMP_PROC_BIND=close and OMP_PLACES=cores, unless
#      the environment sets them (corun's threads then stay on the job's cores);
#   4. sets CORUN_OUT_ROOT, the default folder for outputs: $SCRATCH where the
#      site defines it (job output belongs on scratch, not in the home or
#      submit folder), else the submit folder.
# docs/CLUSTER.md.

corun_site_file=${CORUN_SITE:-${HOME:-}/.corun-site.sh}
if [ -f "$corun_site_file" ]; then
    # shellcheck source=/dev/null
    . "$corun_site_file" || { echo "corun site: $corun_site_file failed" >&2; exit 1; }
fi

if [ -n "${CORUN_MODULES:-}" ]; then
    # A batch shell is not a login shell: the module function may need its init.
    if ! type module >/dev/null 2>&1 && [ -n "${MODULESHOME:-}" ] && [ -r "$MODULESHOME/init/bash" ]; then
        . "$MODULESHOME/init/bash"
    fi
    type module >/dev/null 2>&1 ||
        { echo "corun site: CORUN_MODULES=\"$CORUN_MODULES\" but no module command here" >&2; exit 1; }
    # shellcheck disable=SC2086  # a list of modules
    module load $CORUN_MODULES || { echo "corun site: module load $CORUN_MODULES failed" >&2; exit 1; }
fi

export OMP_PROC_BIND=${OMP_PROC_BIND:-close}
export OMP_PLACES=${OMP_PLACES:-cores}
export CORUN_OUT_ROOT=${CORUN_OUT_ROOT:-${SCRATCH:-${SLURM_SUBMIT_DIR:-$PWD}}}
