#!/usr/bin/env python3
"""messages-check.py: every message pingan can show a person has its Chinese.

Reads the format literal of every pa_errf, pa_err_wrap and pa_data_file_err call in src/,
the default hints of PA_ERR_MAP (src/core/err.h) and the fragments marked PA_W("..."), and
checks that data/messages.conf translates each of them ([messages], [words]);
an entry nothing in src/ uses any more is reported too. Exit 1 on any problem.
A call whose format is not a string literal is a problem: its message could not be
looked up. --list prints the literals instead (to start new entries from)."""
import os
import re
import sys

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
ESC = {'"': '"', '\\': '\\', 'n': '\n', 't': '\t', "'": "'"}


def lit(s, i):
    """The C string literal starting at s[i] == '"': (its value, index after it)."""
    out, j = [], i + 1
    while s[j] != '"':
        if s[j] == '\\':
            if s[j + 1] not in ESC:
                raise ValueError('escape \\' + s[j + 1])
            out.append(ESC[s[j + 1]])
            j += 2
        else:
            out.append(s[j])
            j += 1
    return ''.join(out), j + 1


def call_args(s, i):
    """The raw text of each argument of the call whose '(' ends just before s[i]."""
    depth, cur, res, j = 0, [], [], i
    while True:
        c = s[j]
        if c == '"':
            _, e = lit(s, j)
            cur.append(s[j:e])
            j = e
            continue
        if c == "'":
            e = s.index("'", j + 2 if s[j + 1] == '\\' else j + 1)
            cur.append(s[j:e + 1])
            j = e + 1
            continue
        if c in '([{':
            depth += 1
        elif c in ')]}':
            if depth == 0:
                res.append(''.join(cur))
                return res
            depth -= 1
        elif c == ',' and depth == 0:
            res.append(''.join(cur))
            cur = []
            j += 1
            continue
        cur.append(c)
        j += 1


def literal_value(arg):
    """Adjacent string literals joined, or None when the argument is anything else."""
    a, out = arg.strip(), ''
    if not a.startswith('"'):
        return None
    while a:
        if not a.startswith('"'):
            return None
        v, e = lit(a, 0)
        out += v
        a = a[e:].strip()
    return out


CALLS = {'pa_errf': 2, 'pa_err_wrap': 2, 'pa_data_file_err': 3}


def sources():
    """{format: first 'file:line' using it} of messages and of words (PA_W), and the calls
    without a literal format."""
    found, words, bad = {}, {}, []
    for root, _, files in os.walk(os.path.join(ROOT, 'src')):
        for f in sorted(files):
            if not f.endswith(('.c', '.h')):
                continue
            p = os.path.join(root, f)
            s = open(p, encoding='utf-8').read()
            rel = os.path.relpath(p, ROOT)
            for m in re.finditer(r'\b(pa_errf|pa_err_wrap|pa_data_file_err|PA_W)\s*\(', s):
                line = s.count('\n', 0, m.start()) + 1
                if re.search(r'(enum pa_err|define)\s*$', s[max(0, m.start() - 20):m.start()]):
                    continue  # the declaration and the definition
                args = call_args(s, m.end())
                if m.group(1) == 'PA_W':
                    v = literal_value(args[0])
                    if v is None:
                        bad.append(f'{rel}:{line}: PA_W without a string literal')
                    else:
                        words.setdefault(v, f'{rel}:{line}')
                    continue
                at = CALLS[m.group(1)]
                v = literal_value(args[at]) if len(args) > at else None
                if v is None:
                    bad.append(f'{rel}:{line}: {m.group(1)} without a string literal format')
                else:
                    found.setdefault(v, f'{rel}:{line}')
            if rel == os.path.join('src', 'core', 'err.h'):
                for m in re.finditer(r'X\((\w+),\s*\d+,\s*("(?:[^"\\]|\\.)*")\)', s):
                    found.setdefault(lit(m.group(2), 0)[0],
                                     f'{rel}:{s.count(chr(10), 0, m.start()) + 1}')
    return found, words, bad


def entries(path):
    """{section: {English: line}} of data/messages.conf's en rows (pingan checks the rest)."""
    out, sec = {'messages': {}, 'words': {}}, None
    for n, line in enumerate(open(path, encoding='utf-8'), 1):
        line = line.strip()
        if line.startswith('['):
            sec = out.setdefault(line.strip('[]'), {})
        elif line.startswith('en =') and sec is not None:
            sec[line[4:].strip()] = n
    return out


def main():
    found, words, bad = sources()
    if '--list' in sys.argv:
        for v, where in sorted(found.items(), key=lambda kv: kv[1]):
            print(f'{where}\t{v}')
        for v, where in sorted(words.items(), key=lambda kv: kv[1]):
            print(f'{where}\tword\t{v}')
        return 0
    have = entries(os.path.join(ROOT, 'data', 'messages.conf'))
    problems = list(bad)
    for sec, need in (('messages', found), ('words', words)):
        for v, where in sorted(need.items(), key=lambda kv: kv[1]):
            if v not in have[sec]:
                problems.append(f'{where}: no Chinese under [{sec}] of data/messages.conf '
                                f'for "{v}"')
        for v, n in sorted(have[sec].items(), key=lambda kv: kv[1]):
            if v not in need:
                problems.append(f'data/messages.conf:{n}: en: used nowhere in src/: "{v}"')
    for p in problems:
        print(p)
    print(f'{len(found)} messages and {len(words)} words in src/, '
          f'{len(have["messages"])} and {len(have["words"])} in data/messages.conf, '
          f'{len(problems)} problems')
    return 1 if problems else 0


if __name__ == '__main__':
    sys.exit(main())
