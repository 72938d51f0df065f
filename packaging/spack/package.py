# Spack recipe for corun. corun has no release tarballs yet: build it from a
# checkout, with the recipe in a repository of your own:
#     spack repo create my-repo && spack repo add my-repo
#     mkdir -p my-repo/packages/corun && cp packaging/spack/package.py my-repo/packages/corun/
#     spack develop -p $PWD corun@0.1.0 && spack add corun@0.1.0 && spack install
# (in an active Spack environment), or `spack dev-build corun@0.1.0` in the
# checkout. The variants are the CMake options CORUN_<VARIANT>;
# packaging/spack/check_recipe.py (CTest test spack_recipe) keeps them in step.

from spack.package import *


class Corun(CMakePackage):
    """Parallel simulation engine for HPC batch jobs: Life-like cellular
    automata, exact Fibonacci batches and CSV partitioning on serial, OpenMP
    and CUDA backends, with HDF5 output overlapped with computing and MPI
    scale-out."""

    # No homepage or download URL yet: the source is the checkout (above).
    version("0.1.0")

    variant("mpi", default=True, description="MPI scale-out: Life slabs, parallel HDF5 snapshots")
    variant("fib", default=True, description="corun fib: exact Fibonacci numbers (GMP, FLINT)")
    variant("cuda", default=False, description="CUDA backends for life, fib and csv")
    variant("render", default=True, description="corun render: PNG and GIF pictures (libpng, giflib)")

    depends_on("c", type="build")
    depends_on("cmake@3.20:", type="build")
    depends_on("help2man", type="build")  # the man page, from corun --help

    depends_on("hdf5@1.10:~mpi", when="~mpi")
    depends_on("hdf5@1.10:+mpi", when="+mpi")
    depends_on("mpi", when="+mpi")
    depends_on("gmp", when="+fib")
    depends_on("flint", when="+fib")
    depends_on("cuda", when="+cuda")
    depends_on("libpng", when="+render")
    depends_on("giflib@5:", when="+render")
    depends_on("cunit", type="test")

    def cmake_args(self):
        return [
            self.define_from_variant("CORUN_MPI", "mpi"),
            self.define_from_variant("CORUN_FIB", "fib"),
            self.define_from_variant("CORUN_CUDA", "cuda"),
            self.define_from_variant("CORUN_RENDER", "render"),
            self.define("BUILD_TESTING", self.run_tests),
        ]
