"""The hottest frames of a collapsed-stack profile (jfr-converter -o collapsed), as shares of the busy
samples: stacks that end in the event loops' epoll wait (a loop with nothing to do) are left out.

    python3 bench/hot_frames.py FILE.collapsed [TOP]
"""
import collections
import sys

IDLE = ("epollWait", "epoll_wait", "Native.epollWait0", "Unsafe.park", "Object.wait")


def frame_name(frame):
    name = frame.rsplit("_[", 1)[0] if frame.endswith("]") else frame
    return name.replace("/", ".")


def main(path, top):
    self_samples = collections.Counter()
    total_samples = collections.Counter()
    busy = idle = 0
    with open(path) as f:
        for line in f:
            stack, _, count = line.rstrip("\n").rpartition(" ")
            if not stack:
                continue
            n = int(count)
            frames = [frame_name(x) for x in stack.split(";")]
            if any(marker in frames[-1] for marker in IDLE):
                idle += n
                continue
            busy += n
            self_samples[frames[-1]] += n
            for frame in set(frames):
                total_samples[frame] += n
    print("busy samples %d (idle samples left out: %d)" % (busy, idle))
    print("\nself time, share of busy samples")
    for frame, n in self_samples.most_common(top):
        print("%6.1f %%  %s" % (100.0 * n / busy, frame))
    print("\ntotal time (the frame and what it calls), share of busy samples: this code base, Vert.x, Netty")
    shown = 0
    for frame, n in total_samples.most_common():
        if frame.startswith(("chat.", "io.vertx.", "io.netty.channel.", "io.netty.handler.")) and not frame.endswith(".run"):
            print("%6.1f %%  %s" % (100.0 * n / busy, frame))
            shown += 1
            if shown == top:
                break


if __name__ == "__main__":
    main(sys.argv[1], int(sys.argv[2]) if len(sys.argv) > 2 else 25)
