#!/usr/bin/env python3
"""Self-check for spec-tests/vectors/*.txt.gz (format described in spec-tests/VECTORS.md).

Parses every vector file, validates the format (header lines, field lists, the
number and shape of the tokens of every data row, unique form names, memory
addresses inside the guest data window) and prints
    N vectors, K forms
followed by per-family counts.  Exit status 1 on any format error.

Usage: check_vectors.py [vectors-dir]    (default: ../vectors next to this script)
"""
import gzip
import os
import re
import sys

REGS = ("eax", "ecx", "edx", "ebx", "esp", "ebp", "esi", "edi")
ORACLES = ("host-x86_64", "qemu-i386")
HEX = re.compile(r"^[0-9a-f]+$")
MEMF = re.compile(r"^m([0-9a-f]+)\.([0-9]+)$")
FORM = re.compile(r"^@form (\S+) oracle=(\S+) bytes=([0-9a-f]+) in=(\S+) out=(\S+) undef=([0-9a-f]+)$")


def field_kind(name, is_out):
    if name in REGS or name == "flags":
        return ("reg", 0)
    if name == "exc":
        return ("exc", 0) if is_out else None
    m = MEMF.match(name)
    if m:
        addr, ln = int(m.group(1), 16), int(m.group(2))
        if not 1 <= ln <= 64:
            return None
        if addr < 0x10000 or addr + ln > 0x80000:
            return None
        return ("mem", ln)
    return None


def check_file(path, names, errors):
    fam = os.path.basename(path)[: -len(".txt.gz")]
    nvec = nform = 0
    cpu_seen = False
    form = None
    with gzip.open(path, "rt", encoding="utf-8") as fh:
        for lineno, raw in enumerate(fh, 1):
            line = raw.rstrip("\n")
            where = f"{os.path.basename(path)}:{lineno}"
            if not line.strip() or line.startswith("#"):
                continue
            if line.startswith("@cpu "):
                cpu_seen = True
                continue
            if line.startswith("@form "):
                m = FORM.match(line)
                if not m:
                    errors.append(f"{where}: malformed @form line")
                    form = None
                    continue
                name, oracle, bts, fin, fout, _undef = m.groups()
                if not cpu_seen:
                    errors.append(f"{where}: @form before any @cpu")
                if name in names:
                    errors.append(f"{where}: duplicate form name {name} (also in {names[name]})")
                names[name] = fam
                if oracle not in ORACLES:
                    errors.append(f"{where}: unknown oracle {oracle}")
                if len(bts) % 2 or not 1 <= len(bts) // 2 <= 15:
                    errors.append(f"{where}: bad bytes {bts}")
                ins, outs = fin.split(","), fout.split(",")
                kin = [field_kind(x, False) for x in ins]
                kout = [field_kind(x, True) for x in outs]
                for x, k in list(zip(ins, kin)) + list(zip(outs, kout)):
                    if k is None:
                        errors.append(f"{where}: bad field {x}")
                if len(set(ins)) != len(ins) or len(set(outs)) != len(outs):
                    errors.append(f"{where}: repeated field")
                if "flags" not in ins or "flags" not in outs:
                    errors.append(f"{where}: flags missing from in/out")
                form = (name, kin, kout)
                nform += 1
                continue
            if line.startswith("@"):
                errors.append(f"{where}: unknown directive")
                continue
            if form is None:
                errors.append(f"{where}: data row outside a form")
                continue
            name, kin, kout = form
            toks = line.split()
            if toks and toks[-1].startswith("u="):
                if not HEX.match(toks[-1][2:]):
                    errors.append(f"{where}: bad undef override {toks[-1]}")
                toks = toks[:-1]
            if len(toks) != len(kin) + len(kout):
                errors.append(f"{where}: {name}: {len(toks)} tokens, expected {len(kin) + len(kout)}")
                continue
            for i, (t, k) in enumerate(zip(toks, kin + kout)):
                if k is None:
                    continue
                is_out = i >= len(kin)
                if t == "x":
                    if not is_out or k[0] == "exc":
                        errors.append(f"{where}: 'x' not allowed here")
                    continue
                if not HEX.match(t):
                    errors.append(f"{where}: bad token {t}")
                elif k[0] == "mem" and len(t) != 2 * k[1]:
                    errors.append(f"{where}: memory token {t} should have {2 * k[1]} digits")
                elif k[0] in ("reg", "exc") and len(t) > 8:
                    errors.append(f"{where}: value {t} wider than 32 bits")
            nvec += 1
    return fam, nvec, nform


def main():
    d = sys.argv[1] if len(sys.argv) > 1 else os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "vectors")
    files = sorted(f for f in os.listdir(d) if f.endswith(".txt.gz"))
    if not files:
        print(f"no vector files in {d}")
        return 1
    errors, names, per = [], {}, []
    for f in files:
        per.append(check_file(os.path.join(d, f), names, errors))
    total = sum(p[1] for p in per)
    forms = sum(p[2] for p in per)
    print(f"{total} vectors, {forms} forms")
    for fam, nv, nf in per:
        print(f"  {fam:10s} {nv:8d} vectors {nf:6d} forms")
    if errors:
        for e in errors[:50]:
            print("ERROR", e)
        print(f"{len(errors)} format errors")
        return 1
    print("format OK")
    return 0


if __name__ == "__main__":
    sys.exit(main())
