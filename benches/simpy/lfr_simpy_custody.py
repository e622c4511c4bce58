"""SimPy peer of survsim's core model, extended with what survsim now does and the original
peer (lfr_simpy.py) lacks:

* custody: a wanted person arrested at the end of a stop is held for --custody-s (their faces
  are not captured: not counted, not searched), then released with the warrant executed, so
  their later faces are non-mated searches (false alerts at their group's FPIR);
* one arrest per person: an officer reaching a wanted person already arrested finds no one
  (lost), and a stop that ends after another officer arrested them is not an arrest;
* arrest processing: the arresting officer stays busy --processing-s after the stop;
* walk-past rates (--walk-past): a wanted passer is drawn at the full footfall rate (the TPIR
  already includes capture failures), everyone else at footfall x capture; each walk past is
  one face;
* an approach time (--approach-s, fixed);
* sites of different hourly shapes (--site-class NAME:COUNT:F0,...,F23, repeatable, added in
  survsim's benches/simpy/): COUNT sites whose footfall is F0 people an hour from 00:00 to 01:00,
  F1 the next hour, and so on, the same every day; arrivals at each site are a Poisson process
  whose rate changes on the hour (an exponential gap that would cross an hour's end is drawn
  afresh from that end at the next hour's rate: exact, as the process forgets). Without
  --site-class, --sites sites at a constant --footfall-per-hour, as before.

Everything else is the original peer: Poisson arrivals per site, a uniformly drawn resident,
FIFO operators and officers with reneging when the window closes, the run drained at the end.
Prints one JSON line of counts."""
import argparse, json, math, random, time
import simpy

def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--residents", type=int, default=1_000_000)
    ap.add_argument("--sites", type=int, default=50)
    ap.add_argument("--footfall-per-hour", type=float, default=2000.0)
    ap.add_argument("--capture", type=float, default=0.8)
    ap.add_argument("--hours", type=float, default=24.0)
    ap.add_argument("--watchlist", type=int, default=10_000)
    ap.add_argument("--wanted-present", type=int, default=200)
    ap.add_argument("--fmr", type=float, default=1.7e-8)
    ap.add_argument("--group-b-share", type=float, default=0.3)
    ap.add_argument("--group-b-fmr-mult", type=float, default=10.0)
    ap.add_argument("--tpir", type=float, default=0.89)
    ap.add_argument("--operators", type=int, default=2)
    ap.add_argument("--review-s", type=float, default=30.0)
    ap.add_argument("--p-confirm-true", type=float, default=0.9)
    ap.add_argument("--p-confirm-false", type=float, default=0.4)
    ap.add_argument("--officers", type=int, default=6)
    ap.add_argument("--window-s", type=float, default=180.0)
    ap.add_argument("--stop-s", type=float, default=600.0)
    ap.add_argument("--p-arrest-true", type=float, default=0.8)
    ap.add_argument("--p-arrest-false", type=float, default=0.02)
    ap.add_argument("--custody-s", type=float, default=12 * 3600.0)
    ap.add_argument("--processing-s", type=float, default=3 * 3600.0)
    ap.add_argument("--approach-s", type=float, default=0.0)
    ap.add_argument("--walk-past", action="store_true")
    ap.add_argument("--site-class", action="append", default=[],
                    metavar="NAME:COUNT:F0,...,F23",
                    help="COUNT sites with this footfall per hour of the day (repeatable)")
    ap.add_argument("--seed", type=int, default=1)
    a = ap.parse_args()
    rng = random.Random(a.seed)
    fpir_a = 1 - (1 - a.fmr) ** a.watchlist
    fpir_b = 1 - (1 - a.fmr * a.group_b_fmr_mult) ** a.watchlist
    W, N = a.wanted_present, a.residents
    # residents 0..W-1 are wanted (all in group a); group B is the top share of ids
    b_start = int(N * (1 - a.group_b_share))
    env = simpy.Environment()
    ops = simpy.Resource(env, capacity=a.operators)
    officers = simpy.Resource(env, capacity=a.officers)
    c = dict(faces=0, true_alerts=0, false_alerts=0, rejected=0, lost=0, stops=0,
             correct_stops=0, wrongful_stops=0, arrests=0, false_arrests=0,
             false_alerts_a=0, false_alerts_b=0, wanted_faces_open=0, wanted_faces_custody=0,
             wanted_alerted=0, wanted_scanned=0)
    seen = bytearray(N)
    arrested_at = [math.inf] * W
    alerted = bytearray(W)
    end_s = a.hours * 3600
    # Footfall per hour of the day, one list per site.
    if a.site_class:
        profiles = []
        for spec in a.site_class:
            name, count, hours = spec.split(":")
            per_hour = [float(x) for x in hours.split(",")]
            if len(per_hour) != 24:
                raise SystemExit(f"--site-class {name}: 24 hourly figures expected, got {len(per_hour)}")
            profiles += [per_hour] * int(count)
    else:
        profiles = [[a.footfall_per_hour] * 24] * a.sites

    def arrivals(per_hour, scale):
        """Arrival times of a Poisson process of rate per_hour[h] * scale / 3600 in hour h of
        each day, until the cameras stop."""
        t = env.now
        while True:
            hour = int(t // 3600)
            hour_end = (hour + 1) * 3600.0
            rate = per_hour[hour % 24] * scale / 3600.0
            gap = rng.expovariate(rate) if rate > 0 else math.inf
            if t + gap >= hour_end:
                # Nothing more this hour: start again at the next hour's rate.
                if hour_end >= end_s:
                    return
                t = hour_end
                continue
            t += gap
            if t >= end_s:
                return
            yield t

    def alert(true_alert, t_capture, person):
        deadline = t_capture + a.window_s
        with ops.request() as req:
            res = yield req | env.timeout(max(0.0, deadline - env.now))
            if req not in res:
                c["lost"] += 1; return
            yield env.timeout(rng.expovariate(1.0 / a.review_s))
        if rng.random() >= (a.p_confirm_true if true_alert else a.p_confirm_false):
            c["rejected"] += 1; return
        if env.now > deadline:
            c["lost"] += 1; return
        with officers.request() as req:
            res = yield req | env.timeout(max(0.0, deadline - env.now))
            if req not in res:
                c["lost"] += 1; return
            if a.approach_s > 0:
                yield env.timeout(a.approach_s)
            if env.now > deadline or (true_alert and arrested_at[person] < math.inf):
                c["lost"] += 1; return
            c["stops"] += 1
            if true_alert:
                c["correct_stops"] += 1
            else:
                c["wrongful_stops"] += 1
            yield env.timeout(rng.expovariate(1.0 / a.stop_s))
            if true_alert:
                if rng.random() < a.p_arrest_true and arrested_at[person] == math.inf:
                    c["arrests"] += 1
                    arrested_at[person] = env.now
                    yield env.timeout(a.processing_s)
            elif rng.random() < a.p_arrest_false:
                c["false_arrests"] += 1

    def false_alert(p):
        c["false_alerts"] += 1
        c["false_alerts_b" if p >= b_start else "false_alerts_a"] += 1
        env.process(alert(False, env.now, p))

    def crowd(per_hour):
        for t in arrivals(per_hour, a.capture * (N - W) / N):
            yield env.timeout(t - env.now)
            p = W + rng.randrange(N - W)
            c["faces"] += 1
            seen[p] = 1
            if rng.random() < (fpir_b if p >= b_start else fpir_a):
                false_alert(p)

    def wanted(per_hour):
        if W == 0:
            return
        for t in arrivals(per_hour, (1.0 if a.walk_past else a.capture) * W / N):
            yield env.timeout(t - env.now)
            p = rng.randrange(W)
            t = env.now
            if arrested_at[p] <= t < arrested_at[p] + a.custody_s:
                c["wanted_faces_custody"] += 1
                continue  # in custody: never there
            c["faces"] += 1
            seen[p] = 1
            if t >= arrested_at[p] + a.custody_s:
                # released, warrant executed: a non-mated search
                if rng.random() < fpir_a:
                    false_alert(p)
                continue
            c["wanted_faces_open"] += 1
            if rng.random() < a.tpir:
                c["true_alerts"] += 1
                alerted[p] = 1
                env.process(alert(True, t, p))

    for per_hour in profiles:
        env.process(crowd(per_hour))
        env.process(wanted(per_hour))
    t0 = time.perf_counter()
    env.run()
    dt = time.perf_counter() - t0
    c["distinct_people"] = sum(seen)
    c["wanted_scanned"] = sum(seen[:W])
    c["wanted_alerted"] = sum(alerted)
    c["wall_s"] = round(dt, 3)
    print(json.dumps(c))

if __name__ == "__main__":
    main()
