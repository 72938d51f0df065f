#!/usr/bin/python3
"""check_recipe.py SOURCE_DIR — CTest test `spack_recipe`.

Spack is not installable here, so this loads packaging/spack/package.py with a
minimal stand-in for the `spack.package` module (just enough for the class
body to run and cmake_args() to be called) and checks that:
  - the recipe's variants are exactly the project's feature options, the
    CMake cache variables declared `set(CORUN_<NAME> "AUTO" CACHE ...)` in
    CMakeLists.txt and cmake/*.cmake (variant <name> <-> CORUN_<NAME>);
  - cmake_args() passes each variant to its option, ON or OFF as the spec says;
  - each variant's own dependencies are declared only when it is on.
"""
import glob
import os
import re
import sys
import types

recorded = {"variants": {}, "depends": [], "versions": []}


class _Spec:
    def __init__(self, variants):
        self.variants = variants

    def satisfies(self, constraint):
        sign, name = constraint[0], constraint[1:]
        return self.variants[name] == (sign == "+")


class CMakePackage:
    run_tests = False

    def __init__(self, spec):
        self.spec = spec

    def define(self, name, value):
        if isinstance(value, bool):
            return "-D%s:BOOL=%s" % (name, "ON" if value else "OFF")
        return "-D%s=%s" % (name, value)

    def define_from_variant(self, name, variant):
        return self.define(name, self.spec.variants[variant])


def variant(name, default=None, description="", **kw):
    recorded["variants"][name] = default


def depends_on(spec, when=None, type=None):
    recorded["depends"].append((spec, when, type))


def version(v, **kw):
    recorded["versions"].append(v)


def _ignore(*a, **kw):
    pass


def load_recipe(path):
    fake = types.ModuleType("spack.package")
    names = dict(CMakePackage=CMakePackage, variant=variant, depends_on=depends_on,
                 version=version, conflicts=_ignore, maintainers=_ignore, license=_ignore)
    for name, obj in names.items():
        setattr(fake, name, obj)
    fake.__all__ = list(names)
    sys.modules["spack"] = types.ModuleType("spack")
    sys.modules["spack.package"] = fake
    ns = {"__name__": "corun_recipe", "__file__": path}
    with open(path) as f:
        exec(compile(f.read(), path, "exec"), ns)
    return ns["Corun"]


def cmake_feature_options(src):
    """CORUN_<NAME> options with an AUTO default: the build's optional parts."""
    names = set()
    for path in [os.path.join(src, "CMakeLists.txt")] + glob.glob(os.path.join(src, "cmake", "*.cmake")):
        with open(path) as f:
            names |= set(re.findall(r'set\((CORUN_[A-Z0-9_]+)\s+"AUTO"\s+CACHE', f.read()))
    return names


def main():
    src = sys.argv[1] if len(sys.argv) > 1 else os.path.join(os.path.dirname(__file__), "..", "..")
    recipe = os.path.join(src, "packaging", "spack", "package.py")
    cls = load_recipe(recipe)
    errors = []

    variants = recorded["variants"]
    want = cmake_feature_options(src)
    have = {"CORUN_" + v.upper() for v in variants}
    if have != want:
        errors.append("variants %s but CMake options %s" % (sorted(have), sorted(want)))
    if not recorded["versions"]:
        errors.append("no version()")

    # Every variant on, then each one off alone: cmake_args() says so.
    cases = [dict.fromkeys(variants, True)]
    cases += [dict(cases[0], **{v: False}) for v in variants]
    for case in cases:
        try:
            args = cls(_Spec(case)).cmake_args()
        except KeyError as e:
            errors.append("cmake_args() uses variant %s, which the recipe does not declare" % e)
            break
        for v, on in case.items():
            flag = "-DCORUN_%s:BOOL=%s" % (v.upper(), "ON" if on else "OFF")
            if flag not in args:
                errors.append("%s: cmake_args() %s lacks %s" % (case, args, flag))

    # A dependency that belongs to a variant is conditional on it.
    for v, deps in {"mpi": ["mpi"], "fib": ["gmp", "flint"], "cuda": ["cuda"]}.items():
        for dep in deps:
            whens = [w for s, w, _ in recorded["depends"] if re.match(dep + r"\b", s)]
            if whens != ["+" + v]:
                errors.append("depends_on('%s') should be when='+%s' (found %s)" % (dep, v, whens))
    hdf5 = sorted((s, w) for s, w, _ in recorded["depends"] if s.startswith("hdf5"))
    if [w for _, w in hdf5] != ["+mpi", "~mpi"] or "+mpi" not in hdf5[0][0]:
        errors.append("hdf5 must follow the mpi variant (+mpi with +mpi, ~mpi without): %s" % hdf5)
    if not any(s == "cunit" and t == "test" for s, _, t in recorded["depends"]):
        errors.append("cunit should be a test-only dependency")

    for e in errors:
        print("spack recipe: " + e, file=sys.stderr)
    if errors:
        return 1
    print("spack recipe: ok, variants %s = %s" % (sorted(variants), sorted(want)))
    return 0


if __name__ == "__main__":
    sys.exit(main())
