#!/usr/bin/env python3
"""Top frames of a dotnet-trace sampled thread-time trace, converted to speedscope.

Usage: bench/topframes.py trace.speedscope.json [top N, default 25]
Counts time per frame over every thread; only CPU time when the trace marks it (the CPU_TIME pseudo-frame at the leaf of
a stack), so threads waiting on a semaphore or in epoll are left out. Prints the self (exclusive) share per frame and the
inclusive share of the frames that name portal code, Sqlite, rate limiting or authentication.
"""
import json
import re
import sys
from collections import Counter

path = sys.argv[1]
top = int(sys.argv[2]) if len(sys.argv) > 2 else 25
doc = json.load(open(path))
names = [f["name"] for f in doc["shared"]["frames"]]
pseudo = {i for i, n in enumerate(names) if n in ("CPU_TIME", "UNMANAGED_CODE_TIME", "BLOCKED_TIME")}
cpu_marker = {i for i, n in enumerate(names) if n == "CPU_TIME"}
self_w, incl_w = Counter(), Counter()
total = 0.0
for profile in doc["profiles"]:
    stack = []
    last = None
    for e in profile.get("events", []):
        at = e["at"]
        if last is not None and stack and at > last:
            w = at - last
            leaf = stack[-1]
            if not cpu_marker or leaf in cpu_marker:
                real = [f for f in stack if f not in pseudo]
                if real:
                    total += w
                    self_w[real[-1]] += w
                    for f in set(real):
                        incl_w[f] += w
        last = at
        if e["type"] == "O":
            stack.append(e["frame"])
        elif stack:
            # close the frame (speedscope closes in order)
            if stack[-1] == e["frame"]:
                stack.pop()
            elif e["frame"] in stack:
                del stack[len(stack) - 1 - stack[::-1].index(e["frame"])]

def short(n):
    n = re.sub(r"\(.*\)$", "", n)
    return n[-110:]

print(f"total {'CPU' if cpu_marker else 'thread'} time: {total:.0f} ms over {len(doc['profiles'])} threads")
print(f"\n-- top {top} frames by self time")
for f, w in self_w.most_common(top):
    print(f"{100 * w / total:5.1f}%  {short(names[f])}")
interesting = re.compile(r"Portal|Sqlite|SQLite|sqlite3|RateLimit|Authentication|GroupCommit|Json|Channel", re.I)
print(f"\n-- top {top} portal / storage / pipeline frames by inclusive time")
shown = 0
for f, w in incl_w.most_common():
    if interesting.search(names[f]):
        print(f"{100 * w / total:5.1f}%  {short(names[f])}")
        shown += 1
        if shown >= top:
            break
