#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# selftests/deb/install.sh [DEB_DIR]: the Debian packages of 'make deb'
# (default DEB_DIR: build/deb), installed, used and purged on the machine
# it runs on, as root: the VM of 'make check-deb', which boots Debian's
# kernel without collab.ko and writes to a tmpfs over the host's root.
#
#   - dpkg installs every package (what they depend on is installed
#     already; there is no network, and apt-get install --no-download
#     stops on local .deb files: 'Pathname to install is not absolute');
#   - DKMS has built collab.ko for the running kernel, and modprobe loads
#     that build;
#   - the installed collabctl talks to it; systemd-analyze verify passes on
#     the installed unit of collabd;
#   - a program compiled with 'pkg-config --cflags --libs collab' against
#     the installed library exchanges messages with another instance;
#   - apt-get purge leaves the file system as it found it.
#
# Prints TAP, one line per check, and how long each took; exits 1 when
# any failed.

set -eu

top=$(cd "$(dirname "$0")/../.." && pwd)
debdir=$(cd "${1:-$top/build/deb}" && pwd)
kver=$(uname -r)
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

die() { echo "install.sh: $*" >&2; exit 2; }

[ "$(id -u)" = 0 ] || die "run as root (in the VM: make check-deb)"
debs=()
for f in "$debdir"/*.deb; do
	[ -e "$f" ] && debs+=("$f")
done
[ "${#debs[@]}" -gt 0 ] || die "no .deb in $debdir: run 'make deb'"
packages=$(for f in "${debs[@]}"; do dpkg-deb -f "$f" Package; done | sort | xargs)
for p in $packages; do
	if dpkg-query -W -f='${db:Status-Status}' "$p" 2>/dev/null | grep -q installed; then
		die "$p is installed already: this test wants a machine without collab's packages"
	fi
done

# The runner's modules tree lacks the 'build' link that linux-headers makes
# on a real system, and through which DKMS finds the kernel's headers.
headers=/usr/src/linux-headers-$kver
[ -d "$headers" ] || die "no $headers: install linux-headers-$kver"
[ -e "/lib/modules/$kver/build" ] || ln -s "$headers" "/lib/modules/$kver/build"

# Where the packages and their maintainer scripts (DKMS, systemd's
# enablement, ldconfig) write, as a sorted list of paths. Not the whole
# file system: the VM's lower layer is the live host root, where packages
# may be installed meanwhile.
snapshot()
{
	local arch

	arch=$(dpkg-architecture -qDEB_HOST_MULTIARCH)
	find /usr/src /lib/modules /var/lib/dkms /etc/collab /etc/systemd /etc/ld.so.cache \
		/var/lib/systemd /var/lib/collab /lib/systemd/system /usr/include \
		/usr/lib/"$arch" /usr/lib/debug /usr/sbin /usr/bin /usr/share/collab \
		/usr/share/doc /usr/share/lintian/overrides /usr/share/man/man[13578] \
		2>/dev/null | sort
}

n=0 failed=0
echo "TAP version 13"
echo "1..8"

# check DESCRIPTION COMMAND...: one numbered result, the command's output
# as comments. COMMAND runs where 'set -e' does not apply: each step of a
# function below returns 1 itself.
check()
{
	local desc=$1 t0=$SECONDS rc=0

	shift
	n=$((n + 1))
	"$@" >"$work/out" 2>&1 || rc=$?
	sed 's/^/# /' "$work/out"
	echo "# $((SECONDS - t0)) s"
	if [ "$rc" = 0 ]; then
		echo "ok $n - $desc"
	else
		echo "not ok $n - $desc"
		failed=$((failed + 1))
	fi
}

snapshot >"$work/before"

install_debs()
{
	local rc=0

	DEBIAN_FRONTEND=noninteractive dpkg -i "${debs[@]}" >"$work/apt.log" 2>&1 || rc=$?
	grep -iE 'dkms|building|error|warn|setting up' "$work/apt.log"
	[ "$rc" = 0 ] || { cat "$work/apt.log"; return 1; }
	for p in $packages; do
		dpkg-query -W -f='${Package} ${Version} ${db:Status-Status}\n' "$p"
		[ "$(dpkg-query -W -f='${db:Status-Status}' "$p")" = installed ] || return 1
	done
}
check "dpkg installs $packages" install_debs

dkms_built()
{
	local ko

	dkms status collab
	dkms status collab -k "$kver" | grep -q ': installed' || return 1
	ko=$(modinfo -k "$kver" -F filename collab) || return 1
	echo "modinfo: $ko"
	[[ "$ko" == /lib/modules/$kver/updates/dkms/collab.ko* ]]
}
check "DKMS built and installed collab.ko for $kver" dkms_built

load()
{
	modprobe collab || return 1
	grep -E '^collab ' /proc/modules || return 1
	[ -r /proc/net/collab ] || return 1
	# The only collab.ko there is to load is the one DKMS built.
	find "/lib/modules/$kver/" -name 'collab.ko*' >"$work/found"
	cat "$work/found"
	[ "$(cat "$work/found")" = "/lib/modules/$kver/updates/dkms/collab.ko" ]
}
check "modprobe collab loads the DKMS build" load

check "the installed collabctl talks to the module" /usr/sbin/collabctl node

check "systemd-analyze verify passes on the installed collabd.service" \
	systemd-analyze verify /lib/systemd/system/collabd.service

pingpong()
{
	local pid

	echo "cc $(pkg-config --cflags --libs collab)"
	# shellcheck disable=SC2046 # pkg-config's words, split on purpose
	cc -Wall -Werror -o "$work/pingpong" "$top/selftests/deb/pingpong.c" \
		$(pkg-config --cflags --libs collab) || return 1
	ldd "$work/pingpong" | grep libcollab
	ldd "$work/pingpong" | grep -qE "=> (/usr)?/lib/[^ ]*/libcollab\.so\.0 " || return 1
	"$work/pingpong" pong >"$work/pong" 2>&1 &
	pid=$!
	for _ in $(seq 100); do
		grep -q ready "$work/pong" && break
		kill -0 "$pid" 2>/dev/null || break
		sleep 0.1
	done
	"$work/pingpong" ping "hello from ping" || { kill "$pid" 2>/dev/null; wait "$pid"; cat "$work/pong"; return 1; }
	wait "$pid" || { cat "$work/pong"; return 1; }
	cat "$work/pong"
}
check "a program built with pkg-config collab talks to another instance" pingpong

purge()
{
	local rc=0

	modprobe -r collab || return 1
	if grep -qE '^collab ' /proc/modules; then
		echo "collab is still loaded"
		return 1
	fi
	# shellcheck disable=SC2086 # a list of names
	DEBIAN_FRONTEND=noninteractive apt-get purge -y $packages >"$work/apt.log" 2>&1 || rc=$?
	grep -iE 'dkms|removing|purging|error|warn' "$work/apt.log"
	[ "$rc" = 0 ] || { cat "$work/apt.log"; return 1; }
	for p in $packages; do
		if dpkg-query -W -f='${db:Status-Status}' "$p" 2>/dev/null | grep -q installed; then
			echo "$p is still installed"
			return 1
		fi
	done
}
check "collab unloads and apt-get purge removes every package" purge

leftovers()
{
	snapshot >"$work/after"
	# Added or removed since the first snapshot.
	# DKMS makes its module signing key at its first build and keeps it
	# for every later one: dkms's files, not collab's.
	diff "$work/before" "$work/after" | grep '^[<>]' |
		grep -vxE '> /var/lib/dkms/mok\.(key|pub)' >"$work/diff" || true
	cat "$work/diff"
	[ ! -s "$work/diff" ]
}
check "after the purge, no file is left or missing" leftovers

echo "# totals: pass=$((n - failed)) fail=$failed skip=0"
[ "$failed" = 0 ]
