"""Debian system libraries as Bazel targets, with link flags from pkg-config.

Debian's gRPC links against dozens of Abseil archives in an order that a
hand-written -l list gets wrong; pkg-config knows the exact list on each
machine, so this rule asks it and writes a BUILD file. Missing packages fail
here with the apt package that provides them.
"""

# Each target: (pkg-config modules, Debian package providing them).
_PKG_TARGETS = {
    "grpc": (["grpc++", "protobuf"], "libgrpc++-dev libprotobuf-dev"),
    "protobuf": (["protobuf"], "libprotobuf-dev"),
    "absl": ([
        "absl_status",
        "absl_statusor",
        "absl_strings",
        "absl_str_format",
        "absl_time",
        "absl_synchronization",
        "absl_flat_hash_map",
        "absl_flat_hash_set",
        "absl_hash",
        "absl_random_random",
        "absl_random_bit_gen_ref",
    ], "libabsl-dev"),
    "gtest": (["gmock", "gtest"], "libgtest-dev libgmock-dev"),
    "benchmark": (["benchmark"], "libbenchmark-dev"),
    "jpeg": (["libjpeg"], "libjpeg-dev"),
    "png": (["libpng"], "libpng-dev"),
}

def _pkg_config(ctx, modules, package):
    res = ctx.execute(["pkg-config", "--libs"] + modules)
    if res.return_code != 0:
        fail("pkg-config could not find %s (install Debian package(s) %s): %s" %
             (" ".join(modules), package, res.stderr))
    return [f for f in res.stdout.strip().split(" ") if f]

def _system_libs_impl(ctx):
    lines = ['package(default_visibility = ["//visibility:public"])', ""]
    for name, (modules, package) in _PKG_TARGETS.items():
        flags = _pkg_config(ctx, modules, package)
        lines.append("cc_library(name = %r, linkopts = %r)" % (name, flags))
        lines.append("")

    # LibTorch's C++ API headers live outside the default include path, and
    # copts do not reach dependants; a symlinked include dir does.
    api = ctx.path("/usr/include/torch/csrc/api/include")
    if not api.exists:
        fail("LibTorch headers not found at %s (install Debian package libtorch-dev)" % api)
    ctx.symlink(api, "torch_api")
    lines.append("""cc_library(
    name = "torch",
    hdrs = glob(["torch_api/**/*.h"]),
    includes = ["torch_api"],
    linkopts = ["-ltorch", "-ltorch_cpu", "-lc10"],
)
""")

    # Boost.Graph is header-only and on the default include path.
    if not ctx.path("/usr/include/boost/graph/adjacency_list.hpp").exists:
        fail("Boost.Graph headers not found (install Debian package libboost-graph-dev)")
    lines.append('cc_library(name = "boost_graph")')
    ctx.file("BUILD", "\n".join(lines) + "\n")
    ctx.file("WORKSPACE", 'workspace(name = "%s")\n' % ctx.name)

system_libs = repository_rule(
    implementation = _system_libs_impl,
    local = True,
    environ = ["PKG_CONFIG_PATH"],
)
