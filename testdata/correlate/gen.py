#!/usr/bin/env python3
"""gen.py - a multi-host corpus whose clocks are wrong, linked by request ids (deterministic).

Usage: python3 gen.py --out DIR [--requests N] [--seed S] [--background-per-s R]

Requests enter at lb01 and go lb01 -> web01 -> app01 -> {db01, cache01}; every host logs the
request id when it starts and when it finishes its part, each in its own format:

  lb01     JSON lines        {"ts":"...Z","level":"info","req_id":"r-...","msg":"start",...}
  web01    logfmt            ts=...Z level=info req_id=r-... msg="handled" status=200
  app01    text              2026-11-22T10:00:00.123456Z INFO [app] begin req_id: r-... user=42
  db01     JSON lines        {"time":"...Z","lvl":"debug","req_id":"r-...","q":"select"}
  cache01  RFC 5424 syslog   <30>1 ...Z cache01 cached 812 - - get req_id=r-... hit=true
  cron01   text, no ids      (a host that links to nothing; its clock is right)

Every host also writes background lines without an id. Clocks (true - reading = offset):
lb01 is nearly right and has an NTP history (DIR/offsets/lb01.jsonl); the others are seconds
off and drift by tens of ppm, with no history. A few callees (0.2 %) log their end late
(an async logger), breaking the nesting rule.

Writes DIR/logs/<host>/<file>, DIR/offsets/lb01.jsonl, DIR/truth.tsv (file, line, true time
in ns since the epoch) and DIR/clocks.json (each host's offset and drift).
"""
import argparse
import json
import os
import random

T0 = 1795428000 * 10**9  # 2026-11-22T08:00:00Z

# host: (offset at T0 in ns, drift in ppm: the clock gains this much; positive = fast)
CLOCKS = {
    "lb01": (3_200_000, 6.0),
    "web01": (2_347_000_000, 40.0),
    "app01": (-1_712_500_000, -30.0),
    "db01": (815_000_000, 22.0),
    "cache01": (-4_050_000_000, -45.0),
    "cron01": (0, 0.0),
}


def reading(host, t):
    """Host clock reading at true time t (ns): reading = true - offset(true)."""
    off, ppm = CLOCKS[host]
    return t - off + int((t - T0) * ppm * 1e-6)


def iso(ns):
    s, f = divmod(ns, 10**9)
    import time

    g = time.gmtime(s)
    return "%04d-%02d-%02dT%02d:%02d:%02d.%06dZ" % (g[0], g[1], g[2], g[3], g[4], g[5], f // 1000)


def line(host, t, rid, what, r):
    """One line of host at true time t (its clock writes the stamp), with id rid or None."""
    ts = iso(reading(host, t))
    if host == "lb01":
        d = {"ts": ts, "level": "info", "msg": what}
        if rid:
            d["req_id"] = rid
            d["path"] = "/api/v1/items/%d" % r.randrange(1000)
        else:
            d["upstreams"] = r.randrange(2, 9)
        return json.dumps(d, separators=(",", ":"))
    if host == "web01":
        tail = ("req_id=%s status=%d" % (rid, r.choice((200, 200, 200, 404)))) if rid else "conns=%d" % r.randrange(50)
        return 'ts=%s level=info msg="%s" %s' % (ts, what, tail)
    if host == "app01":
        tail = ("req_id: %s user=%d" % (rid, r.randrange(10**5))) if rid else "gc pause=%dms" % r.randrange(30)
        return "%s INFO [app] %s %s" % (ts, what, tail)
    if host == "db01":
        d = {"time": ts, "lvl": "debug", "msg": what}
        if rid:
            d["req_id"] = rid
            d["q"] = r.choice(("select", "update", "insert"))
        else:
            d["checkpoint"] = r.randrange(10**6)
        return json.dumps(d, separators=(",", ":"))
    if host == "cache01":
        tail = ("req_id=%s hit=%s" % (rid, r.choice(("true", "false")))) if rid else "evicted=%d" % r.randrange(100)
        return "<30>1 %s cache01 cached %d - - %s %s" % (ts, 812, what, tail)
    return "%s INFO [cron] %s job=%d" % (ts, what, r.randrange(10**4))


FILES = {
    "lb01": "lb.jsonl",
    "web01": "web.log",
    "app01": "app.log",
    "db01": "db.jsonl",
    "cache01": "cache.log",
    "cron01": "cron.log",
}


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--out", required=True)
    ap.add_argument("--requests", type=int, default=4000)
    ap.add_argument("--seed", type=int, default=7)
    ap.add_argument("--background-per-s", type=float, default=1.0)
    ap.add_argument("--gap-ms", type=float, default=400.0, help="mean time between requests")
    a = ap.parse_args()
    r = random.Random(a.seed)
    ev = {h: [] for h in CLOCKS}  # host -> [(true ns, seq, text)]
    seq = 0

    def emit(h, t, rid, what):
        nonlocal seq
        seq += 1
        ev[h].append((t, seq, line(h, t, rid, what, r)))

    us = 1000
    ms = 10**6
    t = T0 + 5 * 10**9
    for k in range(a.requests):
        t += int(r.expovariate(1.0 / a.gap_ms) * ms) + 1
        rid = "r-%06d-%04x" % (k, r.randrange(1 << 16))
        late = r.random() < 0.002
        t1 = t  # lb01 receives
        t2 = t1 + r.randrange(100 * us, 2 * ms)  # web01 receives (network, varying)
        t3 = t2 + r.randrange(100 * us, 1500 * us)  # app01 receives
        cur = t3 + r.randrange(50 * us, 500 * us)
        if r.random() < 0.7:
            d1 = cur + r.randrange(100 * us, 900 * us)
            d2 = d1 + r.randrange(200 * us, 20 * ms)
            emit("db01", d1, rid, "query")
            emit("db01", d2, rid, "query done")
            cur = d2 + r.randrange(100 * us, 900 * us)
        if r.random() < 0.5:
            c1 = cur + r.randrange(100 * us, 600 * us)
            c2 = c1 + r.randrange(20 * us, 2 * ms)
            emit("cache01", c1, rid, "get")
            emit("cache01", c2, rid, "got")
            cur = c2 + r.randrange(100 * us, 600 * us)
        t4 = cur + r.randrange(50 * us, 3 * ms)  # app01 done
        t5 = t4 + r.randrange(100 * us, 1500 * us)  # web01 done
        t6 = t5 + r.randrange(100 * us, 2 * ms)  # lb01 done
        emit("lb01", t1, rid, "start")
        emit("web01", t2, rid, "handling")
        emit("app01", t3, rid, "begin")
        # the async logger: app01's end line lands after lb01 finished
        emit("app01", t6 + r.randrange(5 * ms, 50 * ms) if late else t4, rid, "end")
        emit("web01", t5, rid, "handled")
        emit("lb01", t6, rid, "done")
    end = t + 10**9
    for h in CLOCKS:
        n = int((end - T0) / 1e9 * a.background_per_s)
        for _ in range(n):
            emit(h, T0 + r.randrange(end - T0), None, r.choice(("tick", "stats", "heartbeat")))
    os.makedirs(os.path.join(a.out, "offsets"), exist_ok=True)
    with open(os.path.join(a.out, "truth.tsv"), "w") as truth:
        for h, evs in ev.items():
            # a host writes its lines in the order its clock stamps them (true order)
            evs.sort()
            d = os.path.join(a.out, "logs", h)
            os.makedirs(d, exist_ok=True)
            with open(os.path.join(d, FILES[h]), "w") as f:
                for i, (tt, _, text) in enumerate(evs):
                    f.write(text + "\n")
                    truth.write("%s\t%d\t%d\n" % (FILES[h], i + 1, tt))
    # lb01's NTP history: every 64 s, offset = true - reading, measured to +-30 us
    with open(os.path.join(a.out, "offsets", "lb01.jsonl"), "w") as f:
        tt = T0
        while tt <= end + 64 * 10**9:
            rd = reading("lb01", tt)
            off = (tt - rd + r.randrange(-30 * us, 30 * us)) / 1e9
            f.write(json.dumps({"time": iso(rd).replace("Z", "000Z"), "host": "lb01", "server": "10.0.0.1:123",
                                "offset": round(off, 9), "delay": 0.0004, "stratum": 2}) + "\n")
            tt += 64 * 10**9
    with open(os.path.join(a.out, "clocks.json"), "w") as f:
        json.dump({h: {"offset_ns_at_t0": o, "drift_ppm": p, "t0": T0} for h, (o, p) in CLOCKS.items()}, f, indent=1)


if __name__ == "__main__":
    main()
