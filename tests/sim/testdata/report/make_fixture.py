#!/usr/bin/env python3
"""Writes the report fixture: a small, plausible comparison of two runs.

12 satellites (Walker 12/3/1, 550 km, 53 deg), 6 stations, 12 hours. Orbits
are two-body circles over a spherical Earth, and the federated runs are a toy
model (FedAvg rounds every 90 minutes, FedAsync on every update): the files
only need the run directory's shape and believable numbers. Deterministic;
run it from this folder to regenerate.
"""
import json
import math
import os
import random

MU = 398600.4418
R_E = 6371.0
ALT = 550.0
A = R_E + ALT
INC = math.radians(53)
W_E = 7.2921159e-5
T0 = 1773964800  # 2026-03-20T00:00:00Z
HOURS = 12
STEP = 20
N_MEAN = math.sqrt(MU / A**3)
STATIONS = [("Neustrelitz", 53.1, 13.1), ("SiouxFalls", 43.55, -96.72),
            ("Johannesburg", -26.2, 28.03), ("AliceSprings", -25.1, 133.9),
            ("Cordoba", -31.4, -64.18), ("Tromso", 69.65, 18.95)]
SATS = [f"SAT-{i + 1}" for i in range(12)]
MIN_EL = math.radians(10)
ISL_RANGE_KM = 3600
DOWN_BPS = 1_000_000
UP_BPS = 1_000_000
ISL_BPS = 2_000_000
MODEL_BYTES = 6_000_000
UPDATE_BYTES = 6_000_000


def utc(t):
    ms = int(round(t * 1000))
    s, ms = divmod(ms, 1000)
    import time
    return time.strftime("%Y-%m-%dT%H:%M:%S", time.gmtime(s)) + f".{ms:03d}Z"


def sat_ecef(i, t):
    plane, slot = divmod(i, 4)
    raan = math.radians(plane * 120)
    u = math.radians(slot * 90 + plane * 30) + N_MEAN * (t - T0)
    x = A * (math.cos(u) * math.cos(raan) - math.sin(u) * math.cos(INC) * math.sin(raan))
    y = A * (math.cos(u) * math.sin(raan) + math.sin(u) * math.cos(INC) * math.cos(raan))
    z = A * math.sin(u) * math.sin(INC)
    th = W_E * (t - T0)
    return (x * math.cos(th) + y * math.sin(th), -x * math.sin(th) + y * math.cos(th), z)


def station_ecef(lat, lon):
    la, lo = math.radians(lat), math.radians(lon)
    return (R_E * math.cos(la) * math.cos(lo), R_E * math.cos(la) * math.sin(lo), R_E * math.sin(la))


def elevation(sat, st):
    d = [s - g for s, g in zip(sat, st)]
    rng = math.sqrt(sum(c * c for c in d))
    n = [g / R_E for g in st]
    return math.asin(sum(a * b for a, b in zip(d, n)) / rng)


def windows(pred):
    """[(start, end, peak)] where pred(t) returns (inside, value)."""
    out, start, peak = [], None, -1e9
    t = T0
    while t <= T0 + HOURS * 3600:
        inside, value = pred(t)
        if inside:
            if start is None:
                start, peak = t, value
            peak = max(peak, value)
        elif start is not None:
            out.append((start, t - STEP, peak))
            start = None
        t += STEP
    if start is not None:
        out.append((start, T0 + HOURS * 3600, peak))
    return [w for w in out if w[1] > w[0]]


def contact_plan():
    contacts = []
    for i, sat in enumerate(SATS):
        for name, lat, lon in STATIONS:
            st = station_ecef(lat, lon)
            for s, e, peak in windows(lambda t: (lambda el: (el > MIN_EL, el))(elevation(sat_ecef(i, t), st))):
                contacts.append(("ground", sat, name, s, e, math.degrees(peak), DOWN_BPS))
    for i in range(len(SATS)):
        for j in range(i + 1, len(SATS)):
            def near(t):
                p, q = sat_ecef(i, t), sat_ecef(j, t)
                d = math.dist(p, q)
                return d < ISL_RANGE_KM, -d
            for s, e, _ in windows(near):
                contacts.append(("isl", SATS[i], SATS[j], s, e, None, ISL_BPS))
    contacts.sort(key=lambda c: (c[3], c[0], c[1], c[2]))
    return contacts


def write(path, text):
    with open(path, "w") as f:
        f.write(text)


def simulate(strategy, contacts, rng, out_dir):
    """A toy federated day: returns nothing, writes the run's files."""
    os.makedirs(out_dir, exist_ok=True)
    ground = [c for c in contacts if c[0] == "ground"]
    isl = [c for c in contacts if c[0] == "isl"]
    events = [(T0, 0, {"event": "run_start", "utc": utc(T0), "strategy": strategy})]
    seq = [1]

    def emit(t, obj):
        events.append((t, seq[0], obj))
        seq[0] += 1

    version = 0
    base = {s: None for s in SATS}        # model version on board
    ready = {s: None for s in SATS}       # (time ready, base version, hops)
    pending = []                          # fedavg: updates waiting for the round
    updates, metrics = [], []
    part = {s: dict(trainings=0, updates_sent=0, updates_applied=0, bytes_up=0, bytes_down=0) for s in SATS}
    bytes_up = bytes_down = 0
    busy = {"downlink": 0.0, "uplink": 0.0, "isl": 0.0}
    link_bytes = {"downlink": 0, "uplink": 0, "isl": 0}
    applied = 0
    target_h = None
    target = 0.6
    top = 0.67 if strategy == "fedavg" else 0.81
    tau = 18 if strategy == "fedavg" else 26

    def accuracy():
        return min(0.99, 0.167 + (top - 0.167) * (1 - math.exp(-applied / tau)) + rng.uniform(-0.012, 0.012))

    def evaluate(t):
        nonlocal target_h
        acc = accuracy() if applied else 0.1667
        metrics.append((t, acc, version, applied, bytes_up, bytes_down))
        if target_h is None and acc >= target:
            target_h = (t - T0) / 3600

    def apply(t, sat, b, hops):
        nonlocal version, applied
        updates.append((t, sat, b, version + 1, version - b, 1.0 / (1 + version - b), hops))
        applied += 1
        part[sat]["updates_applied"] += 1

    evaluate(T0)
    # Walk ground and ISL windows in time order, with FedAvg round ends.
    timeline = [(c[3], "contact", c) for c in contacts]
    if strategy == "fedavg":
        timeline += [(T0 + k * 5400, "round", None) for k in range(1, HOURS * 3600 // 5400 + 1)]
    timeline.sort(key=lambda x: (x[0], x[1]))
    for t, what, c in timeline:
        if what == "round":
            if pending:
                for (sat, b, hops) in pending:
                    apply(t, sat, b, hops)
                version += 1
                # apply() recorded model_version as version + 1 before the bump
                emit(t, {"event": "aggregate", "utc": utc(t), "model_version": version, "updates_applied": len(pending)})
                pending = []
                evaluate(t + 30)
            continue
        kind, a, b, s, e, _, rate = c
        if kind == "isl":
            # Relay a ready update towards the neighbour when it meets a station sooner.
            r = ready[a]
            if r and r[0] <= s and r[2] == 0 and rng.random() < 0.5:
                dur = UPDATE_BYTES * 8 / ISL_BPS
                end = min(e, s + dur)
                emit(s, {"event": "transfer", "utc": utc(end), "kind": "isl", "a": a, "b": b, "start_utc": utc(s), "end_utc": utc(end), "bytes": UPDATE_BYTES, "payload": "update", "complete": end - s >= dur})
                busy["isl"] += end - s
                link_bytes["isl"] += UPDATE_BYTES
                if end - s >= dur and ready[b] is None:
                    ready[b] = (end, r[1], 1, a)
                    ready[a] = None
            continue
        sat, cursor = a, s
        r = ready[sat]
        if r and r[0] <= s:
            dur = UPDATE_BYTES * 8 / DOWN_BPS
            end = min(e, cursor + dur)
            done = end - cursor >= dur
            emit(cursor, {"event": "transfer", "utc": utc(end), "kind": "ground", "a": sat, "b": b, "start_utc": utc(cursor), "end_utc": utc(end), "bytes": UPDATE_BYTES if done else int(UPDATE_BYTES * (end - cursor) / dur), "payload": "update", "complete": done})
            busy["downlink"] += end - cursor
            cursor = end
            if done:
                origin = r[3] if len(r) > 3 else sat
                bytes_up += UPDATE_BYTES
                link_bytes["downlink"] += UPDATE_BYTES
                part[origin]["bytes_up"] += UPDATE_BYTES
                emit(end, {"event": "update_received", "utc": utc(end), "satellite": origin, "accepted": True})
                ready[sat] = None
                if strategy == "fedavg":
                    pending.append((origin, r[1], r[2]))
                else:
                    apply(end, origin, r[1], r[2])
                    version += 1
                    emit(end, {"event": "aggregate", "utc": utc(end), "model_version": version, "updates_applied": 1})
                    evaluate(end + 20)
        if (base[sat] is None or base[sat] < version) and cursor < e and ready[sat] is None:
            dur = MODEL_BYTES * 8 / UP_BPS
            end = min(e, cursor + dur)
            done = end - cursor >= dur
            emit(cursor, {"event": "transfer", "utc": utc(end), "kind": "ground", "a": sat, "b": b, "start_utc": utc(cursor), "end_utc": utc(end), "bytes": MODEL_BYTES if done else int(MODEL_BYTES * (end - cursor) / dur), "payload": "model", "complete": done})
            busy["uplink"] += end - cursor
            if done:
                base[sat] = version
                bytes_down += MODEL_BYTES
                link_bytes["uplink"] += MODEL_BYTES
                part[sat]["bytes_down"] += MODEL_BYTES
                train_end = end + rng.uniform(600, 1500)
                emit(train_end, {"event": "train", "utc": utc(train_end), "satellite": sat, "base_version": version, "samples": rng.randint(180, 420), "loss": round(rng.uniform(0.4, 1.6), 4), "onboard_s": round(train_end - end, 1)})
                ready[sat] = (train_end, version, 0)
                part[sat]["trainings"] += 1
                part[sat]["updates_sent"] += 1
    t_end = T0 + HOURS * 3600
    emit(t_end, {"event": "run_end", "utc": utc(t_end)})
    events.sort(key=lambda x: (x[0], x[1]))
    write(f"{out_dir}/events.jsonl", "".join(json.dumps(o, separators=(",", ":")) + "\n" for _, _, o in events))
    write(f"{out_dir}/metrics.csv", "utc,sim_hours,model_version,accuracy,loss,updates_applied,bytes_up,bytes_down\n" + "".join(
        f"{utc(t)},{(t - T0) / 3600:.4f},{v},{acc:.4f},{-math.log(acc) * 1.1:.4f},{n},{bu},{bd}\n" for t, acc, v, n, bu, bd in metrics))
    write(f"{out_dir}/updates.csv", "utc,satellite,base_version,model_version,staleness,weight,hops\n" + "".join(
        f"{utc(t)},{s},{b},{m},{st},{w:.4f},{h}\n" for t, s, b, m, st, w, h in updates))
    open_s = {k: sum(c[4] - c[3] for c in (ground if k != "isl" else isl)) for k in busy}
    rows = []
    for k in ("downlink", "uplink", "isl"):
        wins = len(ground) if k != "isl" else len(isl)
        rows.append(f"{k},{wins},{open_s[k]:.1f},{busy[k]:.1f},{link_bytes[k]},{busy[k] / open_s[k] if open_s[k] else 0:.4f}\n")
    back = link_bytes["downlink"] + link_bytes["uplink"]
    rows.append(f"backhaul,{len(STATIONS)},{HOURS * 3600 * len(STATIONS):.1f},{back * 8 / 100e6:.1f},{back},{back * 8 / 100e6 / (HOURS * 3600 * len(STATIONS)):.4f}\n")
    write(f"{out_dir}/links.csv", "kind,windows,open_s,busy_s,bytes,utilisation\n" + "".join(rows))
    write(f"{out_dir}/participation.csv", "satellite,trainings,updates_sent,updates_applied,bytes_up,bytes_down\n" + "".join(
        f"{s},{p['trainings']},{p['updates_sent']},{p['updates_applied']},{p['bytes_up']},{p['bytes_down']}\n" for s, p in part.items()))
    accs = [m[1] for m in metrics]
    summary = {"scenario": "walker12-fixture", "seed": 7, "strategy": strategy,
               "initial_accuracy": round(accs[0], 4), "final_accuracy": round(accs[-1], 4),
               "best_accuracy": round(max(accs), 4), "model_version": version,
               "updates_applied": applied, "bytes_up": bytes_up, "bytes_down": bytes_down,
               "wall_s": 41.8 if strategy == "fedavg" else 97.3,
               "train_wall_s": 36.2 if strategy == "fedavg" else 52.9,
               "sim_hours": HOURS, "satellites": len(SATS), "contacts": len(contacts),
               "mean_staleness": round(sum(u[4] for u in updates) / max(1, len(updates)), 4),
               "target_accuracy": target}
    if target_h is not None:  # as the simulator: absent until reached
        summary["time_to_target_h"] = round(target_h, 4)
    if strategy == "fedasync":
        summary["dp_epsilon"] = 8.0
    write(f"{out_dir}/summary.json", json.dumps(summary, separators=(",", ":")) + "\n")


def main():
    contacts = contact_plan()
    write("contacts.csv", "kind,a,b,start_utc,end_utc,duration_s,max_elevation_deg,rate_bps\n" + "".join(
        f"{k},{a},{b},{utc(s)},{utc(e)},{e - s:.3f},{'' if el is None else f'{el:.2f}'},{rate}\n"
        for k, a, b, s, e, el, rate in contacts))
    write("stations.csv", "name,lat_deg,lon_deg\n" + "".join(f"{n},{la},{lo}\n" for n, la, lo in STATIONS))
    period = 2 * math.pi / N_MEAN
    rows = []
    for i, sat in enumerate(SATS):
        for k in range(int(period // 60) + 1):
            x, y, z = sat_ecef(i, T0 + 60 * k)
            rows.append(f"{sat},{math.degrees(math.asin(z / A)):.3f},{math.degrees(math.atan2(y, x)):.3f}\n")
    write("ground_tracks.csv", "satellite,lat_deg,lon_deg\n" + "".join(rows))
    simulate("fedavg", contacts, random.Random(1), "fedavg")
    simulate("fedasync", contacts, random.Random(2), "fedasync")
    # An older run directory: metrics and summary only.
    os.makedirs("old", exist_ok=True)
    with open("fedavg/metrics.csv") as f:
        write("old/metrics.csv", f.read())
    write("old/summary.json", '{"scenario":"walker12-fixture","seed":7,"final_accuracy":0.6,"bytes_up":1000}\n')


if __name__ == "__main__":
    main()
