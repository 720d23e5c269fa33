"""Thin macros that hold orbitfl's compiler options and proto generation."""

ORBITFL_COPTS = [
    "-Wall",
    "-Wextra",
    "-Wno-unused-parameter",
    "-Wno-sign-compare",
    "-Wno-missing-field-initializers",
]

def orbitfl_cc_library(name, copts = [], **kwargs):
    native.cc_library(name = name, copts = ORBITFL_COPTS + copts, **kwargs)

def orbitfl_cc_binary(name, copts = [], **kwargs):
    native.cc_binary(name = name, copts = ORBITFL_COPTS + copts, **kwargs)

def orbitfl_cc_test(name, copts = [], deps = [], **kwargs):
    native.cc_test(
        name = name,
        copts = ORBITFL_COPTS + copts,
        deps = deps + ["//tests:test_main"],
        **kwargs
    )

def orbitfl_proto(name, src, proto_deps = [], grpc = False, deps = [], visibility = None):
    """C++ (and optionally gRPC) code for one .proto with the system protoc.

    Bazel 4's native proto rules need protobuf's sources as an external
    repository, which cannot be fetched offline; the system protoc and
    grpc_cpp_plugin do the same job in a genrule.
    """
    base = src[:-len(".proto")]
    outs = [base + ".pb.h", base + ".pb.cc"]
    cmd = "protoc -I. --cpp_out=$(GENDIR) $(location %s)" % src
    if grpc:
        outs += [base + ".grpc.pb.h", base + ".grpc.pb.cc"]
        cmd = ("protoc -I. --cpp_out=$(GENDIR) --grpc_out=$(GENDIR) " +
               "--plugin=protoc-gen-grpc=$$(which grpc_cpp_plugin) $(location %s)" % src)
    native.genrule(
        name = name + "_gen",
        srcs = [src] + [d + ".proto" for d in proto_deps],
        outs = outs,
        cmd = cmd,
    )
    native.cc_library(
        name = name,
        srcs = [o for o in outs if o.endswith(".cc")],
        hdrs = [o for o in outs if o.endswith(".h")],
        deps = deps + ["//third_party:grpc" if grpc else "//third_party:protobuf"],
        visibility = visibility,
    )
