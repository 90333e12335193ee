"""The hottest frames of a collapsed-stack profile (jfr-converter -o collapsed), by self and total samples.

    python3 bench/hot_frames.py FILE.collapsed [TOP]
"""
import collections
import sys


def main(path, top):
    self_samples = collections.Counter()
    total_samples = collections.Counter()
    threads = collections.Counter()
    everything = 0
    with open(path) as f:
        for line in f:
            stack, _, count = line.rstrip("\n").rpartition(" ")
            if not stack:
                continue
            n = int(count)
            frames = stack.split(";")
            everything += n
            threads[frames[0].split("-")[0] if frames else "?"] += n
            self_samples[frames[-1]] += n
            for frame in set(frames):
                total_samples[frame] += n
    print("samples %d" % everything)
    print("\nself  (share of all samples)")
    for frame, n in self_samples.most_common(top):
        print("%6.2f %%  %s" % (100.0 * n / everything, frame))
    print("\ntotal (share of all samples, frames of this code base and Netty's write path)")
    shown = 0
    for frame, n in total_samples.most_common():
        if frame.startswith(("chat/", "io/netty/channel/", "io/netty/handler/codec/http/websocketx", "io/vertx/core/net/impl")):
            print("%6.2f %%  %s" % (100.0 * n / everything, frame))
            shown += 1
            if shown == top:
                break


if __name__ == "__main__":
    main(sys.argv[1], int(sys.argv[2]) if len(sys.argv) > 2 else 25)
