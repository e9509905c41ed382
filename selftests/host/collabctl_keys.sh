#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# collabctl's keys, on the host, with no module: genkey and genpsk print 44
# characters of base64, new each time, a private key clamped for X25519;
# pubkey gives RFC 7748's public keys for its private ones, and refuses
# what is no key, saying why without echoing it; a key argument or key
# file that is no key is refused before any netlink, and a key file
# others can read is warned about.

top=$(cd "$(dirname "$(readlink -f "$0")")/../../.." && pwd)
ctl=$top/build/tools/collabctl/collabctl
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
umask 077

# RFC 7748 section 6.1: Alice's and Bob's X25519 keys, in base64.
alice_priv=dwdtCnMYpX08FsFyUbJmRd9ML4frwJkqsXf7pR25LCo=
alice_pub=hSDwCYkwp1R0i33ctD73Wg2/Og0mOBr066SpjqqbTmo=
bob_priv=XasIfmJKikt54X+Lg4AO5m87sSkmGLb9HC+LJ/+I4Os=
bob_pub=3p7bfXt9wbTTW2HC7OQ1Nz+DQ8hbeGdNrfx+FG+IK08=
b64_key='^[A-Za-z0-9+/]{43}=$'

nr=0
failed=0

# run_case NAME: run case_NAME under 'set -e' in a subshell, print TAP.
run_case()
{
	local rc

	nr=$((nr + 1))
	(set -e; "case_$1") >"$tmp/out" 2>&1
	rc=$?
	sed 's/^/# /' "$tmp/out"
	case $rc in
	0) echo "ok $nr $1" ;;
	4) echo "ok $nr $1 # SKIP" ;;
	*) echo "not ok $nr $1"; failed=1 ;;
	esac
}

# fails STATUS CMD...: CMD exits STATUS; its standard error is in $tmp/err.
fails()
{
	local want=$1 rc=0

	shift
	"$@" >"$tmp/stdout" 2>"$tmp/err" || rc=$?
	if [ "$rc" != "$want" ]; then
		echo "'$*' exited $rc, not $want" >&2
		cat "$tmp/err" >&2
		return 1
	fi
}

# err_has TEXT: the last error message holds TEXT.
err_has()
{
	grep -qF -- "$1" "$tmp/err" || { echo "no '$1' in:" >&2; cat "$tmp/err" >&2; return 1; }
}

# hex B64: the bytes of a base64 text, in hex.
hex()
{
	echo "$1" | base64 -d | od -An -tx1 | tr -d ' \n'
}

case_genkey()
{
	local k1 k2 h

	k1=$("$ctl" genkey)
	k2=$("$ctl" genkey)
	[[ $k1 =~ $b64_key ]]
	[[ $k2 =~ $b64_key ]]
	test "$k1" != "$k2"
	# Clamped: the low 3 bits of the first byte clear, of the last byte
	# the top bit clear and the next one set.
	h=$(hex "$k1")
	test ${#h} = 64
	test $((0x${h:0:2} & 7)) = 0
	test $((0x${h:62:2} & 0xc0)) = $((0x40))
	# Its public key is a key too, and another one.
	k2=$(echo "$k1" | "$ctl" pubkey)
	[[ $k2 =~ $b64_key ]]
	test "$k1" != "$k2"
	# Other users cannot read a file it writes in: no warning, under
	# umask 077; with 022 a warning, and the key all the same.
	"$ctl" genkey >"$tmp/k" 2>"$tmp/err"
	test ! -s "$tmp/err"
	(umask 022; "$ctl" genkey >"$tmp/k2" 2>"$tmp/err")
	err_has "users other than its owner can read"
	[[ $(cat "$tmp/k2") =~ $b64_key ]]
	fails 2 "$ctl" genkey now
	err_has "unknown argument 'now'"
}

case_genpsk()
{
	local p1 p2

	p1=$("$ctl" genpsk)
	p2=$("$ctl" genpsk)
	[[ $p1 =~ $b64_key ]]
	[[ $p2 =~ $b64_key ]]
	test "$p1" != "$p2"
}

case_pubkey_rfc7748()
{
	test "$(echo "$alice_priv" | "$ctl" pubkey)" = "$alice_pub"
	test "$(echo "$bob_priv" | "$ctl" pubkey)" = "$bob_pub"
	# Blanks and newlines around the key, or no newline at all.
	test "$(printf ' \t%s\r\n\n' "$alice_priv" | "$ctl" pubkey)" = "$alice_pub"
	test "$(printf '%s' "$bob_priv" | "$ctl" pubkey)" = "$bob_pub"
	# A key file on the standard input.
	echo "$bob_priv" >"$tmp/bob"
	test "$("$ctl" pubkey <"$tmp/bob")" = "$bob_pub"
}

# nodeid gives what BLAKE2s-256 of the label and the key starts with
# (Python's hashlib, another implementation), and refuses what is no key.
case_nodeid()
{
	local want rc=0

	want=$(python3 -c 'import base64, hashlib, sys
k = base64.b64decode(sys.argv[1])
print(hashlib.blake2s(b"collab node id 1" + k).hexdigest()[:32])' "$alice_pub")
	test "$(echo "$alice_pub" | "$ctl" nodeid | tr -d -)" = "$want"
	test "$(echo "$bob_pub" | "$ctl" nodeid | tr -d -)" != "$want"
	echo "${alice_pub}A" | "$ctl" nodeid >/dev/null 2>"$tmp/err" || rc=$?
	test $rc = 1
	err_has "collabctl: nodeid: the public key on the standard input is not 44 characters long"
}

# bad_pubkey INPUT TEXT: pubkey refuses INPUT (exit 1) saying TEXT, and
# does not repeat what it read.
bad_pubkey()
{
	local rc=0

	printf '%s' "$1" | "$ctl" pubkey >"$tmp/stdout" 2>"$tmp/err" || rc=$?
	test $rc = 1 || { echo "pubkey of '$1' exited $rc" >&2; return 1; }
	test ! -s "$tmp/stdout"
	err_has "collabctl: pubkey: "
	err_has "$2"
	if [ ${#1} -gt 4 ] && grep -qF -- "$1" "$tmp/err"; then
		echo "pubkey repeated its input: $(cat "$tmp/err")" >&2
		return 1
	fi
}

case_pubkey_bad()
{
	local short=${alice_priv%=}

	bad_pubkey "" "it is empty"
	bad_pubkey "  
" "not 44 characters long"
	bad_pubkey "abc" "not 44 characters long"
	bad_pubkey "${short}" "not 44 characters long"
	bad_pubkey "${alice_priv}A" "not 44 characters long"
	bad_pubkey "${short%?}==" "does not end in one '='"
	bad_pubkey "${short}A" "does not end in one '='"
	bad_pubkey "${short%?}!=" "not base64"
	bad_pubkey "${alice_priv:0:20}-${alice_priv:21}" "not base64"
	bad_pubkey "${alice_priv:0:20} ${alice_priv:21}" "not base64"
	# The last character carries 4 bits of the key and 2 spare ones.
	bad_pubkey "${short%?}p=" "bits left over"
	bad_pubkey "$(printf '%0300d' 0)" "too long"
	fails 2 "$ctl" pubkey extra
}

# no_netlink STATUS CMD...: CMD fails with STATUS, saying why, before it
# opens a netlink socket.
no_netlink()
{
	fails "$@"
	err_has "collabctl: "
	if grep -q "netlink\|module" "$tmp/err"; then
		echo "'${*:2}' went as far as netlink:" >&2
		cat "$tmp/err" >&2
		return 1
	fi
}

case_key_arguments()
{
	no_netlink 2 "$ctl" trust add abc
	err_has "key 'abc' is 3 characters long, not 44"
	no_netlink 2 "$ctl" trust add "${alice_pub%?}A"
	err_has "does not end in one '='"
	no_netlink 2 "$ctl" trust add "${alice_pub:0:10}*${alice_pub:11}"
	err_has "character 11 is not base64"
	no_netlink 2 "$ctl" trust add "${alice_pub%??}p="
	err_has "bits left over"
	no_netlink 2 "$ctl" trust add
	no_netlink 2 "$ctl" trust add "$alice_pub" name "$(printf '%064d' 0)"
	err_has "longer than 63 characters"
	no_netlink 2 "$ctl" trust add "$alice_pub" nick alice
	no_netlink 2 "$ctl" trust del "$alice_pub" "$bob_pub"
	no_netlink 2 "$ctl" trust del short
	no_netlink 2 "$ctl" trust show "$alice_pub"
	no_netlink 2 "$ctl" peer add 192.0.2.1 key "$alice_priv="
	err_has "peer add: key '"
	no_netlink 2 "$ctl" peer add 192.0.2.1 key
	no_netlink 2 "$ctl" node set plaintext sometimes
	err_has "give allow or refuse"
	no_netlink 2 "$ctl" node set key - psk -
	# A key file that is missing or holds no key: status 1, and what it
	# holds is not repeated.
	no_netlink 1 "$ctl" node set key "$tmp/none"
	err_has "private key file '$tmp/none': No such file"
	echo "${alice_priv%?}" >"$tmp/bad"
	no_netlink 1 "$ctl" node set key "$tmp/bad"
	err_has "the private key in '$tmp/bad' is not 44 characters long"
	expect_not "${alice_priv%?}"
	echo "$alice_priv $alice_priv" >"$tmp/bad"
	no_netlink 1 "$ctl" node set name x psk "$tmp/bad"
	err_has "the cluster key in '$tmp/bad'"
	head -c 32 /dev/zero | base64 >"$tmp/zero"
	no_netlink 1 "$ctl" node set key "$tmp/zero"
	err_has "all zeros: to remove the key, give 'none'"
	# A batch on the standard input leaves none for a key.
	echo "node set key -" >"$tmp/batch"
	no_netlink 1 "$ctl" -b - <"$tmp/batch"
	err_has "give the private key in a file"
}

# expect_not TEXT: the last error message does not hold TEXT.
expect_not()
{
	if grep -qF -- "$1" "$tmp/err"; then
		echo "the message repeats '$1'" >&2
		return 1
	fi
}

# A key file others can read is warned about, then used: only where no
# module can take the key, so that the host's node stays as it is.
case_key_file_mode()
{
	if [ -e /sys/module/collab ]; then
		echo "the collab module is loaded: this would set its key"
		return 4
	fi
	echo "$alice_priv" >"$tmp/key"
	chmod 644 "$tmp/key"
	fails 1 "$ctl" node set key "$tmp/key"
	err_has "warning: node set: the private key in '$tmp/key' can be read by users other than its owner"
	err_has "generic netlink family 'collab' not found"
	chmod 600 "$tmp/key"
	fails 1 "$ctl" node set key "$tmp/key" psk none plaintext refuse
	expect_not "warning"
}

case_help()
{
	"$ctl" --help >"$tmp/help"
	for w in trust genkey genpsk pubkey; do
		grep -qE "^  $w " "$tmp/help"
	done
	"$ctl" trust help >"$tmp/help"
	grep -qF "trust add KEY [name NAME]" "$tmp/help"
	grep -qF "trust del KEY" "$tmp/help"
	"$ctl" genkey --help | grep -qxF "Usage: collabctl [OPTIONS] genkey"
	"$ctl" pubkey help | grep -q "standard input"
	"$ctl" node set help | grep -qF "[key FILE|none] [psk FILE|none] [plaintext allow|refuse]"
	"$ctl" peer add help | grep -qF "peer add ADDR[:PORT] [key KEY]"
}

echo "TAP version 13"
cases=(genkey genpsk pubkey_rfc7748 nodeid pubkey_bad key_arguments key_file_mode
	help)
echo "1..${#cases[@]}"
if [ ! -x "$ctl" ]; then
	for c in "${cases[@]}"; do
		nr=$((nr + 1))
		echo "ok $nr $c # SKIP no collabctl built at $ctl"
	done
	exit 0
fi
for c in "${cases[@]}"; do
	run_case "$c"
done
exit $failed
