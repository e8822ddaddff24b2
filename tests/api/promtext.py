"""promtext.py: a strict reader of the Prometheus text exposition format (0.0.4), enough
to check what pingan's /metrics gives: comments, samples, label escapes, one TYPE per
family before its samples, no series twice, histograms cumulative and whole."""
import http.client
import math
import re

NAME = r"[a-zA-Z_:][a-zA-Z0-9_:]*"
LABEL = r"[a-zA-Z_][a-zA-Z0-9_]*"
SAMPLE_RE = re.compile(r"^(%s)(\{.*\})? (\S+)( -?\d+)?$" % NAME)
LABEL_RE = re.compile(r'(%s)="((?:[^"\\\n]|\\[\\"n])*)"(,|$)' % LABEL)
TYPES = {"counter", "gauge", "histogram", "summary", "untyped"}


class FormatError(AssertionError):
    pass


def _value(s, lineno):
    if s in ("+Inf", "-Inf", "NaN"):
        return float(s.replace("Inf", "inf"))
    try:
        return float(s)
    except ValueError:
        raise FormatError("line %d: %r is not a number" % (lineno, s))


def _labels(text, lineno):
    if not text:
        return ()
    inner, out, pos = text[1:-1], [], 0
    while pos < len(inner):
        m = LABEL_RE.match(inner, pos)
        if not m:
            raise FormatError("line %d: bad labels %r" % (lineno, text))
        value = re.sub(r"\\(.)", lambda e: "\n" if e.group(1) == "n" else e.group(1), m.group(2))
        out.append((m.group(1), value))
        pos = m.end()
    names = [k for k, _ in out]
    if len(set(names)) != len(names):
        raise FormatError("line %d: a label twice in %r" % (lineno, text))
    return tuple(sorted(out))


def parse(text):
    """{(name, labels): value} with labels a sorted tuple of pairs, and {family: type}.
    Raises FormatError on anything the format does not allow."""
    if not text.endswith("\n"):
        raise FormatError("the text does not end with a newline")
    samples, types, helps, seen_sample_of = {}, {}, set(), set()
    for lineno, line in enumerate(text[:-1].split("\n"), 1):
        if line.startswith("#"):
            parts = line.split(" ", 3)
            if len(parts) >= 3 and parts[1] in ("HELP", "TYPE"):
                fam = parts[2]
                if not re.fullmatch(NAME, fam):
                    raise FormatError("line %d: bad name %r" % (lineno, fam))
                if parts[1] == "TYPE":
                    if len(parts) != 4 or parts[3] not in TYPES:
                        raise FormatError("line %d: bad TYPE" % lineno)
                    if fam in types or fam in seen_sample_of:
                        raise FormatError("line %d: TYPE of %s twice or after its samples"
                                          % (lineno, fam))
                    types[fam] = parts[3]
                else:
                    if fam in helps:
                        raise FormatError("line %d: HELP of %s twice" % (lineno, fam))
                    helps.add(fam)
            continue
        if not line.strip():
            continue
        m = SAMPLE_RE.match(line)
        if not m:
            raise FormatError("line %d: not a sample: %r" % (lineno, line))
        name, labels = m.group(1), _labels(m.group(2), lineno)
        fam = name
        for suffix in ("_bucket", "_sum", "_count"):
            base = name[: -len(suffix)]
            if name.endswith(suffix) and types.get(base) in ("histogram", "summary"):
                fam = base
        seen_sample_of.add(fam)
        if (name, labels) in samples:
            raise FormatError("line %d: %s%r given twice" % (lineno, name, labels))
        samples[(name, labels)] = _value(m.group(3), lineno)
    for fam, t in types.items():
        if t == "histogram":
            check_histogram(samples, fam)
    return samples, types


def check_histogram(samples, fam):
    """Every series of histogram fam: buckets non-decreasing in le, +Inf there and equal to
    _count, _sum there."""
    series = {}
    for (name, labels), v in samples.items():
        if name == fam + "_bucket":
            rest = tuple(p for p in labels if p[0] != "le")
            le = dict(labels).get("le")
            if le is None:
                raise FormatError("%s bucket without le" % fam)
            series.setdefault(rest, []).append((_value(le, 0), v))
    for rest, buckets in series.items():
        buckets.sort()
        counts = [c for _, c in buckets]
        if counts != sorted(counts):
            raise FormatError("%s%r: buckets not cumulative" % (fam, rest))
        if not math.isinf(buckets[-1][0]):
            raise FormatError("%s%r: no +Inf bucket" % (fam, rest))
        if samples.get((fam + "_count", rest)) != counts[-1]:
            raise FormatError("%s%r: _count is not the +Inf bucket" % (fam, rest))
        if (fam + "_sum", rest) not in samples:
            raise FormatError("%s%r: no _sum" % (fam, rest))


def scrape(port, path="/metrics", method="GET"):
    """(status, content type, body text) of one request to the metrics listener."""
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
    conn.request(method, path)
    r = conn.getresponse()
    body = r.read().decode("utf-8")
    conn.close()
    return r.status, r.getheader("Content-Type"), body


def value(samples, name, **labels):
    """A sample's value, 0 when the series is absent (counters appear on first use)."""
    return samples.get((name, tuple(sorted(labels.items()))), 0.0)
