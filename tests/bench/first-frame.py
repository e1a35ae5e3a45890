#!/usr/bin/env python3
# first-frame.py — time to the first frame that shows the model: Osteoplan beside a bare probe
#
# Copyright 2026 The Osteoplan developers
# SPDX-License-Identifier: GPL-3.0-or-later
#
# Starts the real application (`osteoplan --quit-after-first-frame`) on each mesh and on
# --demo, and tests/osp-first-frame-probe (a bare GTK 4 + GtkGLArea program drawing the same
# file with a minimal shader), alternately, under the current display, and prints for each:
#   wall — from the process's start to the first frame with the model (the programs print it);
#   cpu  — user + system time of the whole process, every thread, until it exited (wait4), so
#          a loaded machine, whose wall times mean little, still gives comparable figures (the
#          programs also print their CPU time at the frame, shown as "cpu at the frame");
# their medians over --runs runs and the ratio Osteoplan / probe.  The demo's mesh is made
# first with osteoplan-cli (the phantom and its bone surface as the demo makes them), so the
# probe draws the mesh the demo shows.  --old-app runs an earlier build too (before/after).
# Asserts nothing about time (a benchmark); exits 77 without a display.

import argparse
import os
import re
import statistics
import subprocess
import sys
import tempfile
import time

LINE = re.compile(r"first-frame: wall ([0-9.]+) s, cpu ([0-9.]+) s, ([0-9]+) triangles")
# The line of builds before the benchmark existed.
OLD_LINE = re.compile(r"First frame of the demo: ([0-9.]+) s after the process started")


def run(argv, env, timeout):
    start = time.monotonic()
    proc = subprocess.Popen(argv, stdout=subprocess.PIPE, stderr=subprocess.PIPE, env=env)
    try:
        out, err = proc.communicate(timeout=timeout)
    except subprocess.TimeoutExpired:
        proc.kill()
        out, err = proc.communicate()
        raise SystemExit(f"{argv[0]}: no first frame within {timeout} s")
    # communicate() reaped the child: its rusage is in RUSAGE_CHILDREN, summed; take the delta.
    return out.decode(errors="replace"), err.decode(errors="replace"), proc.returncode, \
        time.monotonic() - start


def measure(argv, env, timeout):
    before = os.times()
    out, err, status, elapsed = run(argv, env, timeout)
    after = os.times()
    cpu = (after.children_user - before.children_user) + \
          (after.children_system - before.children_system)
    m = LINE.search(out)
    if m:
        return float(m.group(1)), cpu, int(m.group(3)), float(m.group(2))
    m = OLD_LINE.search(out)
    if m:
        return float(m.group(1)), cpu, -1, None
    sys.stderr.write(out + err)
    raise SystemExit(f"{' '.join(argv)}: exit {status}, no first-frame line")


def count_triangles(path):
    # Binary STL: the count at byte 80.
    with open(path, "rb") as f:
        head = f.read(84)
    return int.from_bytes(head[80:84], "little") if len(head) == 84 else -1


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--app", required=True)
    parser.add_argument("--probe", required=True)
    parser.add_argument("--cli", required=True)
    parser.add_argument("--old-app", help="an earlier build of osteoplan, for before/after")
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--timeout", type=float, default=120)
    parser.add_argument("--no-demo", action="store_true")
    parser.add_argument("meshes", nargs="*")
    args = parser.parse_args()

    if not os.environ.get("DISPLAY") and not os.environ.get("WAYLAND_DISPLAY"):
        print("# SKIP: no display (run under xvfb-run)")
        return 77
    env = dict(os.environ)
    env.setdefault("GSETTINGS_BACKEND", "memory")

    tmp = tempfile.TemporaryDirectory(prefix="osp-first-frame-")
    meshes = list(args.meshes)
    demo_mesh = None
    if not args.no_demo:
        # The demo job: the phantom with its lesion, then the bone surface with the default
        # segmentation options.
        ct = os.path.join(tmp.name, "demo.nii.gz")
        demo_mesh = os.path.join(tmp.name, "demo.stl")
        subprocess.run([args.cli, "phantom", "--tumour", "-o", ct], check=True,
                       stdout=subprocess.DEVNULL)
        subprocess.run([args.cli, "segment", ct, "-o", demo_mesh], check=True,
                       stdout=subprocess.DEVNULL)
        meshes.insert(0, demo_mesh)

    apps = [("osteoplan", args.app)]
    if args.old_app:
        apps.append(("osteoplan (old)", args.old_app))
    print(f"bench first-frame: {os.cpu_count()} CPUs, load average {os.getloadavg()[0]:.2f}, "
          f"median of {args.runs} runs, display {env.get('DISPLAY', env.get('WAYLAND_DISPLAY'))}, "
          f"GSK_RENDERER={env.get('GSK_RENDERER', '(default)')}, "
          f"GALLIUM_DRIVER={env.get('GALLIUM_DRIVER', '(default)')}")
    for mesh in meshes:
        cases = [("probe", [args.probe, mesh])]
        for name, app in apps:
            cases.append((name, [app, "--quit-after-first-frame", mesh]))
            if mesh == demo_mesh:
                cases.append((name + " --demo", [app, "--quit-after-first-frame", "--demo"]))
        results = {name: [] for name, _ in cases}
        triangles = {}
        at_frame = {}
        for _ in range(args.runs):
            for name, argv in cases:   # alternating, so that load changes hit every case alike
                wall, cpu, n, cpu_at_frame = measure(argv, env, args.timeout)
                results[name].append((wall, cpu))
                triangles[name] = n
                at_frame.setdefault(name, []).append(cpu_at_frame)
        label = "the demo's mesh" if mesh == demo_mesh else os.path.basename(mesh)
        print(f"{label}: {count_triangles(mesh) if mesh.endswith('.stl') else '?'} triangles")
        probe_wall = statistics.median(w for w, _ in results["probe"])
        probe_cpu = statistics.median(c for _, c in results["probe"])
        for name, _ in cases:
            wall = statistics.median(w for w, _ in results[name])
            cpu = statistics.median(c for _, c in results[name])
            runs = " ".join(f"{w:.2f}/{c:.2f}" for w, c in results[name])
            shown = "" if triangles[name] < 0 else f", {triangles[name]} triangles drawn"
            if None not in at_frame[name]:
                shown += f", cpu at the frame {statistics.median(at_frame[name]):.3f} s"
            print(f"  {name:24s} wall {wall:6.3f} s ({wall / probe_wall:4.2f} × probe)  "
                  f"cpu {cpu:6.3f} s ({cpu / probe_cpu:4.2f} × probe){shown}   [wall/cpu: {runs}]")
    return 0


if __name__ == "__main__":
    sys.exit(main())
