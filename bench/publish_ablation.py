#!/usr/bin/env python3
"""Where publish.lua's time goes (issue 35): writes the script as Redis runs it (its --! include lines resolved as
RedisScript does) and variants of it with one piece left out each, for bench/publish-cost.sh ablate to load and
replay with the very call a node made. A variant is not a script to ship: leaving the dedupe out, say, would store a
resend twice. What a piece costs is the whole script's time less the variant's, measured in the same sitting. The meta hash's write cannot be left out
alone (without the last id it keeps, every XADD would collide and be made again).
  python3 bench/publish_ablation.py RESOURCES_DIR OUT_DIR EXPECTED_SHA
RESOURCES_DIR is gateway-node/src/main/resources/redis of the tree whose node made the captured call; the resolved
script must have EXPECTED_SHA (the call's), so that the variants are of the script that was measured. Prints the
variants' names, the whole script first.
"""
import hashlib
import re
import sys

# name: (what is left out, [(text replaced, its replacement), ...]); each text must occur exactly once
VARIANTS = {
    'no-dedupe': ('the dedupe record (SET NX GET EX)',
                  ("if ttl > 0 then\n  local earlier", "if false then\n  local earlier")),
    'no-membership': ('the membership check (SISMEMBER)',
                      ("if ARGV[12] ~= '' and redis.call('SISMEMBER'", "if false and redis.call('SISMEMBER'")),
    'no-meta-read': ('the meta hash read (HMGET), its fields taken as known',
                     ("local m = redis.call('HMGET', meta, 'epoch', 'last', 'renewed', 'n', 'u:' .. from)",
                      "local m = {ARGV[4], nil, ARGV[8], '1', '1'}")),
    'no-xadd': ('the stream entry (XADD with the count trim)',
                ("local added = redis.pcall('XADD', stream, 'MAXLEN', '~', max + 1, sid, unpack(fields))",
                 "local added = sid")),
    'no-publish': ('the PUBLISH (its payload still made)',
                   ("redis.call(ARGV[14], KEYS[5], 'M|'", "string.len(KEYS[5], 'M|'")),
    'no-counters': ('the unread counters (two fields of the meta hash written)',
                    ("if counting == 'g' then\n  changes", "if false then\n  changes"),
                    ("if counting == 'g' or counting == 'u' then", "if false then")),
}
# the call alone: the script returns before its first command (the arguments are read, the libraries defined)
CALL_ONLY = "local m = redis.call('HMGET'"


def resolve(base, name, included):
    def include(m):
        lib = m.group(1)
        if lib in included:
            return ''
        included.add(lib)
        return resolve(base, 'lib/' + lib, included)
    with open('%s/%s.lua' % (base, name), encoding='utf-8') as f:
        return re.sub(r'(?m)^--! include ([a-z-]+)\n', include, f.read())


def main():
    base, out, expected = sys.argv[1], sys.argv[2], sys.argv[3]
    script = resolve(base, 'publish', set())
    sha = hashlib.sha1(script.encode()).hexdigest()
    if sha != expected:
        raise SystemExit('publish.lua of %s resolves to %s, not the captured call\'s %s' % (base, sha, expected))
    variants = {'whole': script, 'call-only': script[:script.index(CALL_ONLY)] + "return {'new', ''}\n"}
    for name, (_, *edits) in VARIANTS.items():
        variant = script
        for text, replacement in edits:
            if script.count(text) != 1:
                raise SystemExit('variant %s: its text occurs %d times in publish.lua' % (name, script.count(text)))
            variant = variant.replace(text, replacement)
        variants[name] = variant
    for name, text in variants.items():
        with open('%s/%s.lua' % (out, name), 'w', encoding='utf-8') as f:
            f.write(text)
        print(name)


if __name__ == '__main__':
    main()
