#!/bin/bash
# deploy/k8s without a cluster (none is reachable here): every manifest
# parses, names what it refers to (volumes, ConfigMaps, claims, the
# StatefulSet's headless Service), the scenario in the ConfigMap passes
# `orbitfl validate`, the nodes map names exactly the StatefulSet's pods,
# shell command lines parse,
# node and aggregator keep their journals on volumes, and every flag the
# containers give orbitfl is one its usage lists for that command.
#
# Usage (from Bazel): k8s_manifests_test.sh ORBITFL_BINARY
set -euo pipefail

orbitfl="$1"
work="${TEST_TMPDIR:-$(mktemp -d)}"
"${orbitfl}" help >"${work}/usage.txt" 2>&1 || true

/usr/bin/python3 - deploy/k8s "${work}" <<'PY'
import glob, os, re, subprocess, sys
import yaml

k8s, work = sys.argv[1], sys.argv[2]
usage = open(os.path.join(work, "usage.txt")).read()
errors = []
objects = []
for path in sorted(glob.glob(os.path.join(k8s, "*.yaml"))):
    for doc in yaml.safe_load_all(open(path)):
        if doc is None:
            continue
        for key in ("apiVersion", "kind", "metadata"):
            if key not in doc:
                errors.append(f"{path}: a document without {key}")
        objects.append((path, doc))
by_kind = {}
for path, doc in objects:
    by_kind.setdefault(doc["kind"], {})[doc["metadata"]["name"]] = (path, doc)
for kind in ("ConfigMap", "StatefulSet", "Service", "Deployment", "Job",
             "PersistentVolumeClaim"):
    if kind not in by_kind:
        errors.append(f"no {kind} in {k8s}")

def pod_spec(doc):
    return doc["spec"]["template"]["spec"]

# Volumes, claims and ConfigMaps refer to objects that exist.
for kind in ("StatefulSet", "Deployment", "Job"):
    for name, (path, doc) in by_kind.get(kind, {}).items():
        spec = pod_spec(doc)
        volumes = {v["name"]: v for v in spec.get("volumes", [])}
        for t in doc["spec"].get("volumeClaimTemplates", []):
            volumes[t["metadata"]["name"]] = {"template": t}
        for v in volumes.values():
            if "configMap" in v and v["configMap"]["name"] not in by_kind["ConfigMap"]:
                errors.append(f"{path}: {name} mounts a missing ConfigMap {v['configMap']['name']}")
            claim = v.get("persistentVolumeClaim", {}).get("claimName")
            if claim and claim not in by_kind["PersistentVolumeClaim"]:
                errors.append(f"{path}: {name} mounts a missing claim {claim}")
        for c in spec["containers"]:
            for m in c.get("volumeMounts", []):
                if m["name"] not in volumes:
                    errors.append(f"{path}: {c['name']} mounts undeclared volume {m['name']}")
            # A shell command line must parse.
            if c.get("command", [])[:2] == ["/bin/sh", "-c"]:
                script = " ".join(c.get("args", []))
                if subprocess.run(["/bin/sh", "-n", "-c", script]).returncode != 0:
                    errors.append(f"{path}: {c['name']}'s shell command does not parse")
            # The orbitfl command line: its subcommand and --flags.
            words = " ".join(c.get("command", []) + c.get("args", [])).split()
            words = [w.strip(",") for w in words]
            sub = next((w for w in words if w in ("aggregator", "node", "coordinator")), None)
            if sub is None:
                errors.append(f"{path}: {c['name']} runs no orbitfl service")
                continue
            blocks = re.findall(r"^  %s\s.*?(?=^  \w)" % sub, usage, re.S | re.M)
            known = set(re.findall(r"--([a-z-]+)", "".join(blocks)))
            known |= {"set", "seed", "hours", "tls", "tls-name", "quiet"}
            for flag in re.findall(r"--([a-z-]+)=", " ".join(words)):
                if flag not in known:
                    errors.append(f"{path}: orbitfl {sub} --{flag} is not in its usage")
            if sub in ("aggregator", "node"):
                journal = re.search(r"--journal=(/\S+)/", " ".join(words))
                mounts = [m["mountPath"] for m in c.get("volumeMounts", [])]
                if not journal or journal.group(1) not in mounts:
                    errors.append(f"{path}: orbitfl {sub} keeps no journal on a volume")

# The StatefulSet's headless Service, and the nodes map naming its pods.
(path, sts), = by_kind["StatefulSet"].values()
svc = by_kind["Service"].get(sts["spec"]["serviceName"])
if svc is None or svc[1]["spec"].get("clusterIP") != "None":
    errors.append(f"{path}: serviceName is not a headless Service")
cm = next(iter(by_kind["ConfigMap"].values()))[1]
pods = {f"{sts['metadata']['name']}-{i}.{sts['spec']['serviceName']}"
        for i in range(sts["spec"]["replicas"])}
named = set(re.findall(r"([a-z0-9.-]+):\d+", cm["data"]["nodes"]))
if named != pods:
    errors.append(f"the nodes map names {sorted(named)}, the StatefulSet runs {sorted(pods)}")
open(os.path.join(work, "scenario.textproto"), "w").write(cm["data"]["scenario.textproto"])
if errors:
    print("\n".join("FAIL: " + e for e in errors), file=sys.stderr)
    sys.exit(1)
print(f"{len(objects)} objects in {k8s}: references, journals and flags consistent")
PY
"${orbitfl}" validate --scenario="${work}/scenario.textproto" >/dev/null || {
  echo "FAIL: the ConfigMap's scenario does not validate" >&2
  exit 1
}
echo "the ConfigMap's scenario validates"
echo "PASS"
