-- SPDX-License-Identifier: GPL-2.0
--[[
NAME
    collab.lua - Wireshark dissector for the collab link protocol

SYNOPSIS
    tshark -X lua_script:tools/wireshark/collab.lua -r FILE [-V]
    wireshark -X lua_script:tools/wireshark/collab.lua

DESCRIPTION
    Decodes the UDP datagrams that collab nodes exchange (kmod/wire.h):
    the link header of every packet, and the body by link type: BEACON
    and HELLO bodies, PROBE and ACK, the key handshake (INIT, RESP),
    messages (whole, in fragments, or several in a bundle) with their
    frame headers, and the records of ROUTE, REACH, DISTANT and RECEIPT
    packets.

    A packet whose key_id is not 0 is sealed: its link header is shown,
    and what follows it only as ciphertext and the 16-byte tag.

    The sequenced packets of each link are replayed in sequence order,
    as the receiver takes them: a message sent in fragments is put
    together on its last fragment (collab.reasm.*) and its frame header
    checked whole, and a fragment that breaks the rules of a run (a
    first one while a message is under way, a follow-on one without a
    first) is flagged. A fragment whose turn comes after later frames
    is shown whole only on a second pass: give tshark -2.

    Whatever the kernel's parsers (kmod/wire.c) would drop is flagged as
    malformed, with expert info and the reasons in collab.malformed;
    a packet addressed so that the receiver would ignore it is flagged
    as a warning.

    The dissector is registered on UDP port 6118 (COLLAB_UDP_PORT), the
    port of the default bearer and of the discovery groups 239.0.0.118
    and ff12::118; the port can be changed in the protocol's
    preferences. A heuristic dissector (enable "collab_udp" under
    Analyze > Enabled Protocols, on by default) claims packets on other
    ports whose link header looks right, and "Decode As > UDP port"
    offers COLLAB for bearers on other ports.

INSTALL
    Copy this file to ~/.local/lib/wireshark/plugins/ (Wireshark 4.0,
    built with Lua), or name it on the command line with
    -X lua_script:PATH.

FILTERS
    collab                  every collab packet
    collab.link.type == 5   messages (1 BEACON, 2 HELLO, 3 PROBE, 4 ACK,
                            5 MSG, 6 ROUTE, 7 RECEIPT, 8 INIT, 9 RESP,
                            10 REACH, 11 DISTANT)
    collab.link.key_id != 0 sealed packets
    collab.frame.msgid, collab.frame.src_node, collab.route.op,
    collab.reach.metric, collab.distant.origin, collab.receipt.status,
    collab.reasm.frags, collab.malformed
                            and every other field of the headers

SEE ALSO
    kmod/wire.h, kmod/wire.c, tools/wireshark/test.sh
]]

local collab = Proto("collab", "Collab link protocol")

-- Sizes and limits, as in kmod/wire.h and kmod/uapi/linux/collab.h.
local UDP_PORT = 6118
local WIRE_VERSION = 1
local LINK_HDR_LEN = 64
local HELLO_LEN = 128
local FRAME_LEN = 168
local HS_INIT_LEN = 112
local HS_RESP_LEN = 56
local ROUTE_REC_LEN = 72
local REACH_REC_LEN = 88
local DISTANT_REC_LEN = 72
local RECEIPT_LEN = 64
local TAG_LEN = 16
local KEY_LEN = 32
local APP_MAX = 32
local NODE_NAME_MAX = 64
local MSG_MAX = 65536
local HOPS_MAX = 32
local METRIC_INF = 0xffff
local BUNDLE_MAX = 14000
local MAX_ERRNO = 4095

--[[
Bit tests. Wireshark built with Lua 5.2 has bit32; with 5.3 or later
the operators are the language's, which 5.2 cannot even parse, hence
load().
]]
local band = bit32 and bit32.band or
	load("return function(a, b) return a & b end")()

-- Whether @v has bits set that @known does not name.
local function unknown_bits(v, known)
	return band(v, known) ~= v
end

-- Whether flag @bit is set in @v.
local function has(v, bit)
	return band(v, bit) ~= 0
end

local LINK = {
	BEACON = 1, HELLO = 2, PROBE = 3, ACK = 4, MSG = 5, ROUTE = 6,
	RECEIPT = 7, INIT = 8, RESP = 9, REACH = 10, DISTANT = 11,
}
local link_types = {}
for name, v in pairs(LINK) do link_types[v] = name end

local LF_FIRST, LF_LAST, LF_UP = 0x01, 0x02, 0x04
local LF_BUNDLE, LF_ACK_NOW, LF_HELD = 0x08, 0x10, 0x20
local LF_KNOWN = 0x3f

local FF_CONFIRM, FF_KEPT, FF_KNOWN = 0x01, 0x02, 0x03

local BE_SAME, BE_NEXT, BE_LEN_MASK = 0x8000, 0x4000, 0x3fff

local ADDR = { GUID = 1, APP = 2, SESSION = 3, BROADCAST = 4 }
local addr_kinds = {
	[0] = "UNSPEC", [1] = "GUID", [2] = "APP", [3] = "SESSION",
	[4] = "BROADCAST",
}
local frame_types = { [1] = "DATA" }

local route_ops = {
	[1] = "RESET", [2] = "ADD", [3] = "DEL", [4] = "JOIN", [5] = "LEAVE",
	[6] = "END",
}
local reach_ops = { [1] = "UPDATE", [2] = "REQUEST", [3] = "DUMP" }
local REACH_F_KNOWN = 0x03
local distant_ops = { [1] = "RESET", [2] = "ADD", [3] = "END", [4] = "JOIN" }
local RF_KNOWN = 0x01

-- The top two bits of an entry's word, as the masked field shows them.
local bundle_codes = {
	[0] = "header", [2] = "same header, own msgid",
	[3] = "same header, next msgid",
}

-- Fields. Their names are what display filters and tshark -e take.
local f = {}
local function field(key, pf) f[key] = pf end

field("link_version", ProtoField.uint8("collab.link.version", "Version"))
field("link_type", ProtoField.uint8("collab.link.type", "Type", base.DEC,
	link_types))
field("link_flags", ProtoField.uint8("collab.link.flags", "Flags", base.HEX))
field("lf_first", ProtoField.bool("collab.link.flags.first", "First fragment",
	8, nil, LF_FIRST))
field("lf_last", ProtoField.bool("collab.link.flags.last", "Last fragment",
	8, nil, LF_LAST))
field("lf_up", ProtoField.bool("collab.link.flags.up", "Link up", 8, nil,
	LF_UP))
field("lf_bundle", ProtoField.bool("collab.link.flags.bundle", "Bundle", 8,
	nil, LF_BUNDLE))
field("lf_ack_now", ProtoField.bool("collab.link.flags.ack_now", "ACK now",
	8, nil, LF_ACK_NOW))
field("lf_held", ProtoField.bool("collab.link.flags.held", "Held", 8, nil,
	LF_HELD))
field("link_key_id", ProtoField.uint8("collab.link.key_id", "Key id"))
field("link_src_epoch", ProtoField.uint32("collab.link.src_epoch",
	"Source epoch"))
field("link_dst_epoch", ProtoField.uint32("collab.link.dst_epoch",
	"Destination epoch"))
field("link_seq", ProtoField.uint32("collab.link.seq", "Sequence number"))
field("link_ack", ProtoField.uint32("collab.link.ack", "Acknowledgment"))
field("link_sack", ProtoField.uint32("collab.link.sack", "Selective ack",
	base.HEX))
field("link_nonce", ProtoField.uint64("collab.link.nonce", "Nonce"))
field("link_src_node", ProtoField.guid("collab.link.src_node", "Source node"))
field("link_dst_node", ProtoField.guid("collab.link.dst_node",
	"Destination node"))

field("sealed_ciphertext", ProtoField.bytes("collab.sealed.ciphertext",
	"Ciphertext"))
field("sealed_tag", ProtoField.bytes("collab.sealed.tag", "Tag"))

field("hello_snd_una", ProtoField.uint32("collab.hello.snd_una",
	"Oldest unacknowledged"))
field("hello_rcv_nxt", ProtoField.uint32("collab.hello.rcv_nxt",
	"Next expected"))
field("hello_tolerance_ms", ProtoField.uint32("collab.hello.tolerance_ms",
	"Tolerance (ms)"))
field("hello_reserved", ProtoField.uint32("collab.hello.reserved",
	"Reserved", base.HEX))
field("hello_cookie", ProtoField.uint64("collab.hello.cookie", "Cookie",
	base.HEX))
field("hello_echo", ProtoField.uint64("collab.hello.echo", "Echo", base.HEX))
field("hello_name", ProtoField.string("collab.hello.name", "Node name"))
field("hello_public_key", ProtoField.bytes("collab.hello.public_key",
	"Public key"))

field("hs_key_id", ProtoField.uint8("collab.hs.key_id", "Key id"))
field("hs_reserved", ProtoField.bytes("collab.hs.reserved", "Reserved"))
field("hs_ephemeral", ProtoField.bytes("collab.hs.ephemeral",
	"Ephemeral key"))
field("hs_sealed_static", ProtoField.bytes("collab.hs.sealed_static",
	"Sealed static key"))
field("hs_sealed_time", ProtoField.bytes("collab.hs.sealed_time",
	"Sealed timestamp"))
field("hs_sealed_empty", ProtoField.bytes("collab.hs.sealed_empty",
	"Sealed empty"))

field("frame_version", ProtoField.uint8("collab.frame.version", "Version"))
field("frame_type", ProtoField.uint8("collab.frame.type", "Type", base.DEC,
	frame_types))
field("frame_dst_kind", ProtoField.uint8("collab.frame.dst_kind",
	"Destination kind", base.DEC, addr_kinds))
field("frame_hops", ProtoField.uint8("collab.frame.hops", "Hops"))
field("frame_flags", ProtoField.uint8("collab.frame.flags", "Flags",
	base.HEX))
field("ff_confirm", ProtoField.bool("collab.frame.flags.confirm",
	"Confirm", 8, nil, FF_CONFIRM))
field("ff_kept", ProtoField.bool("collab.frame.flags.kept", "Kept", 8, nil,
	FF_KEPT))
field("frame_reserved", ProtoField.bytes("collab.frame.reserved",
	"Reserved"))
field("frame_len", ProtoField.uint32("collab.frame.len", "Payload length"))
field("frame_kept_prev", ProtoField.int32("collab.frame.kept_prev",
	"Kept previous (msgid difference)"))
field("frame_msgid", ProtoField.uint64("collab.frame.msgid", "Message id"))
field("frame_src_node", ProtoField.guid("collab.frame.src_node",
	"Source node"))
field("frame_src_id", ProtoField.guid("collab.frame.src_id",
	"Source instance"))
field("frame_dst_node", ProtoField.guid("collab.frame.dst_node",
	"Destination node"))
field("frame_dst_id", ProtoField.guid("collab.frame.dst_id",
	"Destination instance"))
field("frame_session", ProtoField.guid("collab.frame.session", "Session"))
field("frame_src_app", ProtoField.string("collab.frame.src_app",
	"Source app"))
field("frame_dst_app", ProtoField.string("collab.frame.dst_app",
	"Destination app"))
field("frame_payload", ProtoField.bytes("collab.frame.payload", "Payload"))

field("frag_kind", ProtoField.string("collab.frag.kind", "Fragment"))
field("frag_data", ProtoField.bytes("collab.frag.data", "Fragment data"))
field("reasm_frags", ProtoField.uint32("collab.reasm.frags",
	"Fragments of the message"))
field("reasm_first", ProtoField.framenum("collab.reasm.first",
	"First fragment in frame"))
field("reasm_len", ProtoField.uint32("collab.reasm.len",
	"Message length"))
field("reasm_note", ProtoField.string("collab.reasm.note", "Reassembly"))

field("bundle_count", ProtoField.uint32("collab.bundle.count", "Entries"))
field("bundle_entry", ProtoField.uint16("collab.bundle.entry", "Entry word",
	base.HEX))
field("bundle_code", ProtoField.uint16("collab.bundle.code", "Entry kind",
	base.HEX, bundle_codes, 0xc000))
field("bundle_len", ProtoField.uint16("collab.bundle.len", "Entry length",
	base.DEC, nil, BE_LEN_MASK))
field("bundle_msgid", ProtoField.uint64("collab.bundle.msgid",
	"Message id"))
field("bundle_payload", ProtoField.bytes("collab.bundle.payload",
	"Payload"))

field("route_op", ProtoField.uint8("collab.route.op", "Op", base.DEC,
	route_ops))
field("route_reserved", ProtoField.bytes("collab.route.reserved",
	"Reserved"))
field("route_id", ProtoField.guid("collab.route.id", "Instance"))
field("route_session", ProtoField.guid("collab.route.session", "Session"))
field("route_app", ProtoField.string("collab.route.app", "App"))

field("reach_op", ProtoField.uint8("collab.reach.op", "Op", base.DEC,
	reach_ops))
field("reach_flags", ProtoField.uint8("collab.reach.flags", "Flags",
	base.HEX))
field("reach_f_parent", ProtoField.bool("collab.reach.flags.parent",
	"Parent", 8, nil, 0x01))
field("reach_f_kids", ProtoField.bool("collab.reach.flags.kids", "Kids", 8,
	nil, 0x02))
field("reach_metric", ProtoField.uint16("collab.reach.metric", "Metric",
	base.DEC, { [METRIC_INF] = "infinite" }))
field("reach_seqno", ProtoField.uint32("collab.reach.seqno",
	"Sequence number"))
field("reach_node", ProtoField.guid("collab.reach.node", "Node"))
field("reach_name", ProtoField.string("collab.reach.name", "Node name"))

field("distant_op", ProtoField.uint8("collab.distant.op", "Op", base.DEC,
	distant_ops))
field("distant_reserved", ProtoField.bytes("collab.distant.reserved",
	"Reserved"))
field("distant_origin", ProtoField.guid("collab.distant.origin", "Origin"))
field("distant_id", ProtoField.guid("collab.distant.id",
	"Instance (ADD) or session (JOIN)"))
field("distant_app", ProtoField.string("collab.distant.app", "App"))

field("receipt_msgid", ProtoField.uint64("collab.receipt.msgid",
	"Message id"))
field("receipt_src_id", ProtoField.guid("collab.receipt.src_id",
	"Source instance"))
field("receipt_status", ProtoField.uint32("collab.receipt.status",
	"Status (errno)"))
field("receipt_flags", ProtoField.uint32("collab.receipt.flags", "Flags",
	base.HEX))
field("rf_kept", ProtoField.bool("collab.receipt.flags.kept", "Kept", 32,
	nil, 0x01))
field("receipt_node", ProtoField.guid("collab.receipt.node", "Node"))
field("receipt_src_node", ProtoField.guid("collab.receipt.src_node",
	"Source node"))

field("records", ProtoField.uint32("collab.records", "Records"))
field("trailing", ProtoField.bytes("collab.trailing", "Trailing bytes"))
field("malformed", ProtoField.string("collab.malformed", "Malformed"))
field("warning", ProtoField.string("collab.warning", "Ignored by receiver"))

local pf_list = {}
for _, pf in pairs(f) do pf_list[#pf_list + 1] = pf end
collab.fields = pf_list

local ef_malformed = ProtoExpert.new("collab.expert.malformed",
	"Malformed collab packet", expert.group.MALFORMED, expert.severity.ERROR)
local ef_ignored = ProtoExpert.new("collab.expert.ignored",
	"Receiver ignores this packet", expert.group.PROTOCOL,
	expert.severity.WARN)
local ef_sealed = ProtoExpert.new("collab.expert.sealed",
	"Sealed: payload not decoded", expert.group.SECURITY,
	expert.severity.NOTE)
collab.experts = { ef_malformed, ef_ignored, ef_sealed }

collab.prefs.port = Pref.uint("UDP port", UDP_PORT,
	"UDP port of collab bearers (COLLAB_UDP_PORT)")
collab.prefs.heuristic = Pref.bool("Heuristic on other UDP ports", true,
	"Claim UDP packets on any port whose link header looks like collab's")

--[[
A dissection context: the buffer, and what was found wrong. Each part
checks the bytes it has before it reads them; the whole dissection runs
under pcall as well, so that a slip shows as a malformed packet rather
than a Lua error.
]]
local Ctx = {}
Ctx.__index = Ctx

local function new_ctx(tvb, pinfo, root)
	return setmetatable({ tvb = tvb, pinfo = pinfo, root = root,
		bad = {}, warn = {}, info = {} }, Ctx)
end

-- Flag @item (or the root) as something the kernel would drop.
function Ctx:malformed(item, reason)
	self.bad[#self.bad + 1] = reason
	;(item or self.root):add_proto_expert_info(ef_malformed, reason)
end

-- Flag @item as well formed, but for another receiver, or ignored.
function Ctx:ignored(item, reason)
	self.warn[#self.warn + 1] = reason
	;(item or self.root):add_proto_expert_info(ef_ignored, reason)
end

-- Whether @n bytes at @off are in the packet (and before @limit, if given).
function Ctx:have(off, n, limit)
	local stop = limit or self.tvb:len()
	return off >= 0 and n >= 0 and off + n <= stop
		and off + n <= self.tvb:len()
end

function Ctx:range(off, n)
	return self.tvb:range(off, n)
end

-- The bytes from @off to the end of the packet (or @limit) as one item.
function Ctx:rest(tree, pf, off, limit)
	local stop = math.min(limit or self.tvb:len(), self.tvb:len())
	if off < stop then
		return tree:add(pf, self:range(off, stop - off))
	end
end

-- A zero-length range at @off, for values computed rather than read.
function Ctx:here(off)
	return self.tvb:range(math.min(off, self.tvb:len()), 0)
end

--[[
Fixed-size char arrays: the text up to the first NUL, and whether the
last byte is NUL, which is what the kernel asks of such a field.
]]
local function cstring(r)
	local raw = r:raw()
	local nul = raw:find("\0", 1, true)
	local ended = raw:byte(#raw) == 0
	if nul then
		return raw:sub(1, nul - 1), ended
	end
	return raw, ended
end

local function is_zero(r)
	local raw = r:raw()
	return raw == string.rep("\0", #raw)
end

--[[
Lay out a struct whose bytes the caller made sure of: @layout lists
{key, offset, length, kind} where kind is nil (a number), "bytes" (an id
or key: its value is "zero" or "set"), "str" (a char array) or "flags"
(a number with its bits). Returns the values read, by key, and each
one's tree item as key_item.
]]
local function add_struct(ctx, tree, off, layout, bits)
	local v = {}
	for _, e in ipairs(layout) do
		local key, at, len, kind = e[1], off + e[2], e[3], e[4]
		local r = ctx:range(at, len)
		if kind == "str" then
			local s, ended = cstring(r)
			local item = tree:add(f[key], r, s)
			v[key] = s
			v[key .. "_ended"] = ended
			v[key .. "_zero"] = is_zero(r)
			v[key .. "_item"] = item
		else
			local item = tree:add(f[key], r)
			if len <= 4 and kind ~= "bytes" then
				v[key] = r:uint()
			elseif len == 8 and kind ~= "bytes" then
				v[key] = r:uint64()
			else
				v[key] = is_zero(r) and "zero" or "set"
			end
			v[key .. "_item"] = item
			if kind == "flags" and bits and bits[key] then
				for _, b in ipairs(bits[key]) do
					item:add(f[b], r)
				end
			end
		end
	end
	return v
end

-- ---- the link header ------------------------------------------------------

local LINK_HDR = {
	{ "link_version", 0, 1 }, { "link_type", 1, 1 },
	{ "link_flags", 2, 1, "flags" }, { "link_key_id", 3, 1 },
	{ "link_src_epoch", 4, 4 }, { "link_dst_epoch", 8, 4 },
	{ "link_seq", 12, 4 }, { "link_ack", 16, 4 }, { "link_sack", 20, 4 },
	{ "link_nonce", 24, 8 }, { "link_src_node", 32, 16, "bytes" },
	{ "link_dst_node", 48, 16, "bytes" },
}
local LINK_BITS = {
	link_flags = { "lf_first", "lf_last", "lf_up", "lf_bundle",
		"lf_ack_now", "lf_held" },
}

-- The checks of collab_wire_link_hdr(); false if the body is not to be read.
local function check_link_hdr(ctx, h, len)
	local t, sealed = h.link_type, h.link_key_id ~= 0
	if h.link_version ~= WIRE_VERSION then
		ctx:malformed(h.link_version_item, "unknown protocol version")
		return false
	end
	if t == 0 or not link_types[t] then
		ctx:malformed(h.link_type_item, "unknown link type")
		return false
	end
	if unknown_bits(h.link_flags, LF_KNOWN) then
		ctx:malformed(h.link_flags_item, "unknown link flags")
	end
	if h.link_src_node == "zero" then
		ctx:malformed(h.link_src_node_item, "no source node")
	end
	if sealed and (t == LINK.BEACON or t == LINK.INIT or t == LINK.RESP) then
		ctx:malformed(h.link_key_id_item, "this type is never sealed")
	end
	if sealed and len < LINK_HDR_LEN + TAG_LEN then
		ctx:malformed(h.link_key_id_item, "sealed packet without a tag")
	elseif sealed and t == LINK.HELLO and
	    len < LINK_HDR_LEN + HELLO_LEN + TAG_LEN then
		ctx:malformed(h.link_key_id_item,
			"sealed hello shorter than 128 bytes and a tag")
	end
	if t == LINK.BEACON and h.link_dst_node ~= "zero" then
		ctx:ignored(h.link_dst_node_item, "beacon with a destination node")
	elseif t ~= LINK.BEACON and h.link_dst_node == "zero" then
		ctx:ignored(h.link_dst_node_item, "no destination node")
	end
	return true
end

-- ---- bodies ---------------------------------------------------------------

local HELLO = {
	{ "hello_snd_una", 0, 4 }, { "hello_rcv_nxt", 4, 4 },
	{ "hello_tolerance_ms", 8, 4 }, { "hello_reserved", 12, 4 },
	{ "hello_cookie", 16, 8 }, { "hello_echo", 24, 8 },
	{ "hello_name", 32, NODE_NAME_MAX, "str" },
	{ "hello_public_key", 96, KEY_LEN, "bytes" },
}

-- BEACON and HELLO: collab_wire_hello(); extra bytes are ignored.
local function dissect_hello(ctx, tree, off, len)
	local name = link_types[ctx.type]:lower()
	if not ctx:have(off, HELLO_LEN) then
		ctx:malformed(ctx:rest(tree, f.trailing, off),
			name .. " body shorter than 128 bytes")
		return
	end
	local sub = tree:add(collab, ctx:range(off, HELLO_LEN), "Hello body")
	local v = add_struct(ctx, sub, off, HELLO)
	ctx.info[#ctx.info + 1] = string.format('"%s"', v.hello_name)
	ctx:rest(tree, f.trailing, off + HELLO_LEN)
end

local HS_INIT = {
	{ "hs_key_id", 0, 1 }, { "hs_reserved", 1, 7, "bytes" },
	{ "hs_ephemeral", 8, KEY_LEN, "bytes" },
	{ "hs_sealed_static", 40, KEY_LEN + TAG_LEN, "bytes" },
	{ "hs_sealed_time", 88, 8 + TAG_LEN, "bytes" },
}
local HS_RESP = {
	{ "hs_key_id", 0, 1 }, { "hs_reserved", 1, 7, "bytes" },
	{ "hs_ephemeral", 8, KEY_LEN, "bytes" },
	{ "hs_sealed_empty", 40, TAG_LEN, "bytes" },
}

-- INIT and RESP: collab_wire_hs() takes exactly their size.
local function dissect_hs(ctx, tree, off, len)
	local init = ctx.type == LINK.INIT
	local size = init and HS_INIT_LEN or HS_RESP_LEN
	local name = init and "INIT" or "RESP"
	if len ~= size then
		ctx:malformed(tree, string.format("%s body of %d bytes, not %d",
			name, len, size))
	end
	if len < size then
		ctx:rest(tree, f.trailing, off)
		return
	end
	local sub = tree:add(collab, ctx:range(off, size), "Handshake " .. name)
	local v = add_struct(ctx, sub, off, init and HS_INIT or HS_RESP)
	ctx.info[#ctx.info + 1] = "key_id=" .. v.hs_key_id
	ctx:rest(tree, f.trailing, off + size)
end

local FRAME = {
	{ "frame_version", 0, 1 }, { "frame_type", 1, 1 },
	{ "frame_dst_kind", 2, 1 }, { "frame_hops", 3, 1 },
	{ "frame_flags", 4, 1, "flags" }, { "frame_reserved", 5, 3, "bytes" },
	{ "frame_len", 8, 4 }, { "frame_kept_prev", 12, 4 },
	{ "frame_msgid", 16, 8 }, { "frame_src_node", 24, 16, "bytes" },
	{ "frame_src_id", 40, 16, "bytes" },
	{ "frame_dst_node", 56, 16, "bytes" },
	{ "frame_dst_id", 72, 16, "bytes" },
	{ "frame_session", 88, 16, "bytes" },
	{ "frame_src_app", 104, APP_MAX, "str" },
	{ "frame_dst_app", 136, APP_MAX, "str" },
}
local FRAME_BITS = { frame_flags = { "ff_confirm", "ff_kept" } }

-- The checks of collab_wire_frame() that need only the header.
local function check_frame_hdr(ctx, v)
	if v.frame_version ~= WIRE_VERSION then
		ctx:malformed(v.frame_version_item, "unknown frame version")
	end
	if v.frame_type ~= 1 then
		ctx:malformed(v.frame_type_item, "unknown frame type")
	end
	if unknown_bits(v.frame_flags, FF_KNOWN) then
		ctx:malformed(v.frame_flags_item, "unknown frame flags")
	end
	if v.frame_dst_kind < ADDR.GUID or v.frame_dst_kind > ADDR.BROADCAST then
		ctx:malformed(v.frame_dst_kind_item, "unknown destination kind")
	end
	if not v.frame_src_app_ended or not v.frame_dst_app_ended then
		ctx:malformed(v.frame_src_app_item, "app name without its NUL")
	end
	if v.frame_hops >= HOPS_MAX then
		ctx:malformed(v.frame_hops_item, "too many hops")
	end
	if has(v.frame_flags, FF_KEPT) then
		if (v.frame_dst_kind ~= ADDR.APP and v.frame_dst_kind ~= ADDR.GUID)
		    or v.frame_dst_node == "zero" then
			ctx:malformed(v.frame_flags_item,
				"kept message not for one node")
		end
	elseif v.frame_kept_prev ~= 0 then
		ctx:malformed(v.frame_kept_prev_item, "kept_prev without KEPT")
	end
end

--[[
The checks of collab_wire_frame() on where a message comes from: from the
link's peer itself, or relayed (at least one hop) from a node that is
neither nowhere nor the receiver.
]]
local function check_frame_source(ctx, v, off)
	local src = ctx:range(off + 24, 16):raw()
	local peer, self = ctx.peer, ctx.self
	if src ~= peer and (v.frame_hops == 0 or v.frame_src_node == "zero"
	    or src == self) then
		ctx:malformed(v.frame_src_node_item,
			"relayed message without hops, or from nowhere or the receiver")
	end
end

--[[
A frame header at @off, of a message of @msg_len bytes in all (nil for a
first fragment, whose frame counts bytes still to come). Returns its
values.
]]
local function dissect_frame_hdr(ctx, tree, off, msg_len)
	local sub = tree:add(collab, ctx:range(off, FRAME_LEN), "Frame header")
	local v = add_struct(ctx, sub, off, FRAME, FRAME_BITS)
	v.tree = sub
	sub:append_text(string.format(", msgid %s, %s", tostring(v.frame_msgid),
		addr_kinds[v.frame_dst_kind] or "?"))
	check_frame_hdr(ctx, v)
	check_frame_source(ctx, v, off)
	if msg_len and v.frame_len ~= msg_len - FRAME_LEN then
		ctx:malformed(v.frame_len_item, string.format(
			"frame says %d payload bytes, message has %d",
			v.frame_len, msg_len - FRAME_LEN))
	end
	return v
end

-- A whole message, or the first fragment of one.
local function dissect_first(ctx, tree, off, len, flags)
	local whole = has(flags, LF_LAST)
	if len < FRAME_LEN then
		ctx:malformed(ctx:rest(tree, f.frag_data, off),
			"message shorter than its frame header")
		return
	end
	if len > FRAME_LEN + MSG_MAX then
		ctx:malformed(tree, "message larger than COLLAB_MSG_MAX")
	end
	local v = dissect_frame_hdr(ctx, tree, off, whole and len or nil)
	if not whole and v.frame_len < len - FRAME_LEN then
		ctx:malformed(v.frame_len_item,
			"first fragment holds more than its frame says")
	end
	ctx:rest(tree, f.frame_payload, off + FRAME_LEN)
	ctx.info[#ctx.info + 1] = "msgid=" .. tostring(v.frame_msgid)
end

--[[
A MSG packet that is not a bundle: collab_wire_frag(). Only the first
fragment has a frame header; a follow-on one must not be empty.
]]
local function dissect_fragment(ctx, tree, off, len, flags)
	local first = has(flags, LF_FIRST)
	local last = has(flags, LF_LAST)
	local kind = first and (last and "whole" or "first")
		or (last and "last" or "middle")
	tree:add(f.frag_kind, ctx:here(off), kind):set_generated()
	if kind ~= "whole" then
		ctx.info[#ctx.info + 1] = "fragment=" .. kind
	end
	if first then
		dissect_first(ctx, tree, off, len, flags)
		return
	end
	if len == 0 then
		ctx:malformed(tree, "empty follow-on fragment")
		return
	end
	if len > FRAME_LEN + MSG_MAX then
		ctx:malformed(tree, "fragment larger than a message")
	end
	ctx:rest(tree, f.frag_data, off)
end

-- The msgid of the entry before, plus one, as UInt64 allows.
local function next_msgid(prev)
	if prev == nil then return nil end
	return prev + 1
end

--[[
One entry of a bundle, at @off of a bundle ending at @stop: its word, then
a frame header, a msgid, or nothing. Returns the offset of the next entry
and the entry's msgid, or nil when the rest of the bundle is malformed
(collab_wire_bundle_next()).
]]
local function dissect_entry(ctx, tree, off, stop, index, prev)
	if not ctx:have(off, 2, stop) then
		ctx:malformed(ctx:rest(tree, f.trailing, off, stop),
			"bundle entry without its length word")
		return nil
	end
	local word = ctx:range(off, 2):uint()
	local n, code = band(word, BE_LEN_MASK), band(word, 0xc000)
	local size = math.min(2 + n, stop - off)
	local sub = tree:add(collab, ctx:range(off, size),
		string.format("Entry %d", index))
	local wi = sub:add(f.bundle_entry, ctx:range(off, 2))
	sub:add(f.bundle_code, ctx:range(off, 2))
	sub:add(f.bundle_len, ctx:range(off, 2))
	if not ctx:have(off + 2, n, stop) then
		ctx:malformed(wi, "bundle entry longer than the bundle")
		return nil
	end
	local at, msgid = off + 2, nil
	if code == 0 then
		if n < FRAME_LEN then
			ctx:malformed(wi, "bundle entry shorter than a frame header")
			return nil
		end
		local v = dissect_frame_hdr(ctx, sub, at, n)
		msgid = v.frame_msgid
		sub:add(f.bundle_msgid, ctx:range(at + 16, 8)):set_generated()
		at = at + FRAME_LEN
	elseif code == BE_SAME then
		if index == 1 or n < 8 then
			ctx:malformed(wi, index == 1 and
				"first bundle entry without a frame header" or
				"bundle entry shorter than a msgid")
			return nil
		end
		sub:add(f.bundle_msgid, ctx:range(at, 8))
		msgid = ctx:range(at, 8):uint64()
		at = at + 8
	elseif code == BE_SAME + BE_NEXT then
		if index == 1 then
			ctx:malformed(wi, "first bundle entry without a frame header")
			return nil
		end
		msgid = next_msgid(prev)
		sub:add(f.bundle_msgid, ctx:here(at), msgid):set_generated()
	else
		ctx:malformed(wi, "unknown bundle entry kind")
		return nil
	end
	ctx:rest(sub, f.bundle_payload, at, off + 2 + n)
	sub:append_text(string.format(": msgid %s, %d payload bytes",
		tostring(msgid), off + 2 + n - at))
	return off + 2 + n, msgid
end

-- A bundle (MSG with FIRST, LAST and BUNDLE): its entries, in order.
local function dissect_bundle(ctx, tree, off, len)
	local stop = off + len
	local sub = tree:add(collab, ctx:range(off, len), "Bundle")
	if len == 0 or len > BUNDLE_MAX then
		ctx:malformed(sub, "bundle empty or larger than COLLAB_BUNDLE_MAX")
		if len == 0 then return end
	end
	local index, prev, at = 0, nil, off
	while at < stop do
		index = index + 1
		at, prev = dissect_entry(ctx, sub, at, stop, index, prev)
		if not at then
			break
		end
	end
	sub:add(f.bundle_count, ctx:here(off), index):set_generated()
	ctx.info[#ctx.info + 1] = "bundle of " .. index
end

local function dissect_msg(ctx, tree, off, len, flags)
	local whole = LF_FIRST + LF_LAST + LF_BUNDLE
	if band(flags, whole) == whole then
		dissect_bundle(ctx, tree, off, len)
	else
		dissect_fragment(ctx, tree, off, len, flags)
	end
end

-- ---- fragment runs ---------------------------------------------------------

-- Packets the link numbers and keeps until acknowledged.
local SEQUENCED = {
	[LINK.MSG] = true, [LINK.ROUTE] = true, [LINK.RECEIPT] = true,
	[LINK.REACH] = true, [LINK.DISTANT] = true,
}

--[[
The receiver takes a link's sequenced packets in sequence order, and puts
a message together from its fragments as collab_wire_frag() allows. The
capture is replayed the same way, once, on the first pass: per link (its
two nodes and their epochs), packets that come early wait for those
before them, copies of packets already taken are skipped, and each MSG
that is not a bundle steps the link's fragment run. What each step found
is kept by frame number for later passes: a whole message put together,
a fragment the kernel would drop, or why nothing can be said.

A capture may begin in the middle of a message; until a first fragment
or a whole message is seen, a follow-on fragment is not held against
the packet.
]]
local REASM_FRAGS = 160
local OOO_MAX = 4096	-- packets waiting per link, at most
local links = {}	-- link key -> its state
local steps = {}	-- frame number -> what its fragment step found

function collab.init()
	links = {}
	steps = {}
end

-- Whether sequence number @a comes before @b, modulo 2^32.
local function seq_before(a, b)
	return (a - b) % 4294967296 >= 2147483648
end

local function run_drop(st, step)
	if st.busy then
		step.dropped = st.first
	end
	st.busy = false
	st.parts = nil
end

-- One MSG fragment, in order: collab_wire_frag(), and the bytes kept.
local function frag_step(st, p)
	local step = {}
	local first, last = has(p.flags, LF_FIRST), has(p.flags, LF_LAST)
	local len = p.bytes:len()
	if first then
		if st.busy or len < FRAME_LEN or len > FRAME_LEN + MSG_MAX then
			if st.busy then
				step.bad = "first fragment while another message is under way"
			end
			run_drop(st, step)
			st.known = true
			return step
		end
		st.known = true
		if not last then
			st.busy, st.first, st.frags = true, p.frame, 1
			st.len, st.parts = len, { p.bytes }
		end
		return step
	end
	if not st.busy then
		if st.known then
			step.bad = "follow-on fragment without a first"
		else
			step.note = "the start of this message was not captured"
		end
		st.known = st.known or last
		return step
	end
	if len == 0 or len > FRAME_LEN + MSG_MAX - st.len or
	    st.frags >= REASM_FRAGS then
		if len ~= 0 then
			step.bad = "fragments beyond COLLAB_MSG_MAX or COLLAB_REASM_FRAGS"
		end
		run_drop(st, step)
		return step
	end
	st.frags, st.len = st.frags + 1, st.len + len
	st.parts[#st.parts + 1] = p.bytes
	if last then
		local msg = ByteArray.new()
		for _, b in ipairs(st.parts) do msg:append(b) end
		step.msg, step.first, step.frags = msg, st.first, st.frags
		st.busy, st.parts = false, nil
	end
	return step
end

-- A packet taken in order: only clear MSGs that are not bundles step the run.
local function take(st, p)
	local bundle = LF_FIRST + LF_LAST + LF_BUNDLE
	st.next = (p.seq + 1) % 4294967296
	if p.type ~= LINK.MSG or band(p.flags, bundle) == bundle then
		return
	end
	if p.sealed then
		-- Its flags are in clear, its frame header is not.
		st.known = st.known and not st.busy and has(p.flags, LF_LAST)
		st.busy, st.parts = false, nil
		return
	end
	steps[p.frame] = frag_step(st, p)
end

-- A sequenced packet on the first pass: taken now, or when its turn comes.
local function track(ctx, p)
	local st = links[ctx.link_key]
	if not st then
		st = { next = p.seq, known = false, busy = false, ooo = {},
			waiting = 0 }
		links[ctx.link_key] = st
	end
	if seq_before(p.seq, st.next) or st.ooo[p.seq] then
		steps[p.frame] = { note = "a copy of a packet taken before" }
		return
	end
	if p.seq ~= st.next then
		if st.waiting >= OOO_MAX then
			-- Too far behind to follow: start over from here.
			st.ooo, st.waiting, st.known, st.busy = {}, 0, false, false
			st.next = p.seq
		else
			st.ooo[p.seq] = p
			st.waiting = st.waiting + 1
			return
		end
	end
	take(st, p)
	while st.ooo[st.next] do
		local q = st.ooo[st.next]
		st.ooo[st.next] = nil
		st.waiting = st.waiting - 1
		take(st, q)
	end
end

-- What the step of this frame found, into the tree.
local function show_step(ctx, tree, step)
	if not step then
		local item = tree:add(f.reasm_note, ctx:here(0),
			"waits for an earlier packet of the link")
		item:set_generated()
		return
	end
	if step.bad then
		ctx:malformed(tree, step.bad)
	end
	if step.note then
		tree:add(f.reasm_note, ctx:here(0), step.note):set_generated()
	end
	if step.dropped then
		tree:add(f.reasm_note, ctx:here(0), string.format(
			"drops the message begun in frame %d", step.dropped))
			:set_generated()
	end
end

-- A message put together from its fragments: its frame checked whole.
local function show_message(ctx, tree, step)
	local tvb = step.msg:tvb("Reassembled message")
	local mctx = setmetatable({ tvb = tvb }, { __index = ctx })
	local len = tvb:len()
	local sub = tree:add(collab, tvb:range(), "Reassembled message")
	sub:add(f.reasm_frags, tvb:range(0, 0), step.frags):set_generated()
	sub:add(f.reasm_first, tvb:range(0, 0), step.first):set_generated()
	sub:add(f.reasm_len, tvb:range(0, 0), len):set_generated()
	local v = dissect_frame_hdr(mctx, sub, 0, len)
	mctx:rest(sub, f.frame_payload, FRAME_LEN)
	ctx.info[#ctx.info + 1] = "reassembled msgid=" .. tostring(v.frame_msgid)
end

-- The fragment run of a sequenced packet whose header the kernel takes.
local function dissect_run(ctx, tree, h)
	if not SEQUENCED[h.link_type] then
		return
	end
	local pinfo = ctx.pinfo
	if not pinfo.visited then
		track(ctx, { frame = pinfo.number, seq = h.link_seq,
			type = h.link_type, flags = h.link_flags,
			sealed = h.link_key_id ~= 0,
			bytes = ctx.tvb:range(LINK_HDR_LEN):bytes() })
	end
	local bundle = LF_FIRST + LF_LAST + LF_BUNDLE
	if h.link_type ~= LINK.MSG or h.link_key_id ~= 0 or
	    band(h.link_flags, bundle) == bundle then
		return
	end
	local step = steps[pinfo.number]
	show_step(ctx, tree, step)
	if step and step.msg then
		show_message(ctx, tree, step)
	end
end

-- ---- records --------------------------------------------------------------

local ROUTE_REC = {
	{ "route_op", 0, 1 }, { "route_reserved", 1, 7, "bytes" },
	{ "route_id", 8, 16, "bytes" }, { "route_session", 24, 16, "bytes" },
	{ "route_app", 40, APP_MAX, "str" },
}

-- collab_wire_route_rec()
local function check_route(ctx, v)
	local op = v.route_op
	if not route_ops[op] then
		ctx:malformed(v.route_op_item, "unknown route op")
	elseif op == 2 and (v.route_id == "zero" or v.route_app == ""
	    or not v.route_app_ended) then
		ctx:malformed(v.route_op_item, "ADD without an instance or app")
	elseif op == 4 and v.route_session == "zero" then
		ctx:malformed(v.route_op_item, "JOIN without a session")
	end
	return route_ops[op]
end

local REACH_REC = {
	{ "reach_op", 0, 1 }, { "reach_flags", 1, 1, "flags" },
	{ "reach_metric", 2, 2 }, { "reach_seqno", 4, 4 },
	{ "reach_node", 8, 16, "bytes" },
	{ "reach_name", 24, NODE_NAME_MAX, "str" },
}
local REACH_BITS = { reach_flags = { "reach_f_parent", "reach_f_kids" } }

-- collab_wire_reach_rec()
local function check_reach(ctx, v)
	local op, m = v.reach_op, v.reach_metric
	if unknown_bits(v.reach_flags, REACH_F_KNOWN) or
	    (v.reach_flags ~= 0 and op ~= 1) then
		ctx:malformed(v.reach_flags_item, "flags unknown or not on UPDATE")
	end
	if v.reach_node == "zero" then
		ctx:malformed(v.reach_node_item, "no node")
	end
	if not v.reach_name_ended then
		ctx:malformed(v.reach_name_item, "name without its NUL")
	end
	if op == 1 then
		if m > HOPS_MAX and m ~= METRIC_INF then
			ctx:malformed(v.reach_metric_item, "metric out of range")
		end
	elseif op == 2 then
		if m == 0 or m > HOPS_MAX then
			ctx:malformed(v.reach_metric_item, "request hops out of range")
		end
	elseif op == 3 then
		if m ~= 0 or v.reach_seqno ~= 0 then
			ctx:malformed(v.reach_metric_item,
				"DUMP with a metric or seqno")
		end
	else
		ctx:malformed(v.reach_op_item, "unknown reach op")
	end
	return reach_ops[op]
end

local DISTANT_REC = {
	{ "distant_op", 0, 1 }, { "distant_reserved", 1, 7, "bytes" },
	{ "distant_origin", 8, 16, "bytes" }, { "distant_id", 24, 16, "bytes" },
	{ "distant_app", 40, APP_MAX, "str" },
}

-- collab_wire_distant_rec()
local function check_distant(ctx, v)
	local op = v.distant_op
	if v.distant_origin == "zero" then
		ctx:malformed(v.distant_origin_item, "no origin")
	end
	if op == 1 or op == 3 then
		if v.distant_id ~= "zero" or v.distant_app ~= "" then
			ctx:malformed(v.distant_op_item,
				"RESET or END with an instance or app")
		end
	elseif op == 2 then
		if v.distant_id == "zero" or v.distant_app == "" or
		    not v.distant_app_ended then
			ctx:malformed(v.distant_op_item,
				"ADD without an instance or app")
		end
	elseif op == 4 then
		if v.distant_id == "zero" or not v.distant_app_zero then
			ctx:malformed(v.distant_op_item,
				"JOIN without a session, or with an app")
		end
	else
		ctx:malformed(v.distant_op_item, "unknown distant op")
	end
	return distant_ops[op]
end

local RECORDS = {
	[LINK.ROUTE] = { name = "Route record", size = ROUTE_REC_LEN,
		layout = ROUTE_REC, check = check_route },
	[LINK.REACH] = { name = "Reach record", size = REACH_REC_LEN,
		layout = REACH_REC, bits = REACH_BITS, check = check_reach },
	[LINK.DISTANT] = { name = "Distant record", size = DISTANT_REC_LEN,
		layout = DISTANT_REC, check = check_distant },
}

--[[
ROUTE, REACH and DISTANT: a whole number of records, at least one, or
the kernel drops the packet; each record is then checked on its own.
]]
local function dissect_records(ctx, tree, off, len)
	local kind = RECORDS[ctx.type]
	local n = math.floor(len / kind.size)
	if len == 0 or len % kind.size ~= 0 then
		ctx:malformed(tree, string.format(
			"%d bytes: not a whole number of %d-byte records",
			len, kind.size))
	end
	tree:add(f.records, ctx:here(off), n):set_generated()
	local ops = {}
	for i = 1, n do
		local at = off + (i - 1) * kind.size
		local sub = tree:add(collab, ctx:range(at, kind.size),
			string.format("%s %d", kind.name, i))
		local v = add_struct(ctx, sub, at, kind.layout, kind.bits)
		local op = kind.check(ctx, v) or "?"
		sub:append_text(": " .. op)
		ops[#ops + 1] = op
	end
	ctx:rest(tree, f.trailing, off + n * kind.size)
	ctx.info[#ctx.info + 1] = table.concat(ops, ",")
end

local RECEIPT = {
	{ "receipt_msgid", 0, 8 }, { "receipt_src_id", 8, 16, "bytes" },
	{ "receipt_status", 24, 4 }, { "receipt_flags", 28, 4, "flags" },
	{ "receipt_node", 32, 16, "bytes" },
	{ "receipt_src_node", 48, 16, "bytes" },
}
local RECEIPT_BITS = { receipt_flags = { "rf_kept" } }

-- collab_wire_receipt(): exactly one record.
local function dissect_receipt(ctx, tree, off, len)
	if len ~= RECEIPT_LEN then
		ctx:malformed(tree, string.format(
			"receipt of %d bytes, not %d", len, RECEIPT_LEN))
		if len < RECEIPT_LEN then
			ctx:rest(tree, f.trailing, off)
			return
		end
	end
	local sub = tree:add(collab, ctx:range(off, RECEIPT_LEN), "Receipt")
	local v = add_struct(ctx, sub, off, RECEIPT, RECEIPT_BITS)
	if v.receipt_status > MAX_ERRNO then
		ctx:malformed(v.receipt_status_item, "status is not an errno")
	end
	if unknown_bits(v.receipt_flags, RF_KNOWN) then
		ctx:malformed(v.receipt_flags_item, "unknown receipt flags")
	end
	if v.receipt_node == "zero" or v.receipt_src_node == "zero" then
		ctx:malformed(v.receipt_node_item, "no node or no source node")
	end
	ctx:rest(tree, f.trailing, off + RECEIPT_LEN)
	ctx.info[#ctx.info + 1] = string.format("msgid=%s status=%d",
		tostring(v.receipt_msgid), v.receipt_status)
end

-- PROBE and ACK carry nothing after the header; the kernel reads no more.
local function dissect_empty(ctx, tree, off, len)
	ctx:rest(tree, f.trailing, off)
end

local BODIES = {
	[LINK.BEACON] = dissect_hello, [LINK.HELLO] = dissect_hello,
	[LINK.PROBE] = dissect_empty, [LINK.ACK] = dissect_empty,
	[LINK.MSG] = dissect_msg, [LINK.ROUTE] = dissect_records,
	[LINK.RECEIPT] = dissect_receipt, [LINK.INIT] = dissect_hs,
	[LINK.RESP] = dissect_hs, [LINK.REACH] = dissect_records,
	[LINK.DISTANT] = dissect_records,
}

-- A sealed packet: only the header can be read; the rest is ciphertext.
local function dissect_sealed(ctx, tree, off, len)
	ctx.info[#ctx.info + 1] = "sealed"
	tree:add_proto_expert_info(ef_sealed)
	if len < TAG_LEN then
		ctx:rest(tree, f.trailing, off)
		return
	end
	if len > TAG_LEN then
		tree:add(f.sealed_ciphertext, ctx:range(off, len - TAG_LEN))
	end
	tree:add(f.sealed_tag, ctx:range(off + len - TAG_LEN, TAG_LEN))
end

-- ---- the packet -----------------------------------------------------------

local function summary(ctx, h)
	local parts = { link_types[h.link_type] or
		("type " .. tostring(h.link_type)) }
	if SEQUENCED[h.link_type] then
		parts[#parts + 1] = "seq=" .. h.link_seq
	end
	parts[#parts + 1] = "ack=" .. h.link_ack
	for _, s in ipairs(ctx.info) do
		if s ~= "" then parts[#parts + 1] = s end
	end
	if #ctx.bad > 0 then parts[#parts + 1] = "[malformed]" end
	if #ctx.warn > 0 then parts[#parts + 1] = "[ignored]" end
	return table.concat(parts, " ")
end

local function dissect_packet(ctx, tree)
	local len = ctx.tvb:len()
	if len < LINK_HDR_LEN then
		ctx:malformed(ctx:rest(tree, f.trailing, 0),
			"shorter than a link header")
		ctx.pinfo.cols.info:set("truncated link header [malformed]")
		return
	end
	local hsub = tree:add(collab, ctx:range(0, LINK_HDR_LEN), "Link header")
	local h = add_struct(ctx, hsub, 0, LINK_HDR, LINK_BITS)
	ctx.type = h.link_type
	ctx.peer, ctx.self = ctx:range(32, 16):raw(), ctx:range(48, 16):raw()
	ctx.link_key = ctx:range(4, 8):raw() .. ctx.peer .. ctx.self
	local body, blen = LINK_HDR_LEN, len - LINK_HDR_LEN
	if not check_link_hdr(ctx, h, len) then
		ctx:rest(tree, f.trailing, body)
	else
		-- What the kernel drops here never reaches the link.
		local taken = #ctx.bad == 0 and #ctx.warn == 0
		if h.link_key_id ~= 0 then
			dissect_sealed(ctx, tree, body, blen)
		else
			BODIES[h.link_type](ctx, tree, body, blen, h.link_flags)
		end
		if taken then
			dissect_run(ctx, tree, h)
		end
	end
	ctx.pinfo.cols.info:set(summary(ctx, h))
end

--[[
A capture on the sending host sees what the kernel hands the device:
a batch of datagrams to one peer (UDP GSO) is one packet there, each
datagram of the batch but the last the same size. Every one repeats the
node ids at the same place of its link header, so the second link
header, where the ids come again, gives that size; nil when the packet
is one datagram. A beacon (no receiver) is never batched.
]]
local function gso_size(tvb)
	local len = tvb:len()
	if len < 2 * LINK_HDR_LEN or is_zero(tvb:range(48, 16)) then
		return nil
	end
	local raw, ids = tvb:raw(), tvb:raw(32, 32)
	local from = LINK_HDR_LEN + 33
	while true do
		local at = string.find(raw, ids, from, true)
		if not at then
			return nil
		end
		local size = at - 1 - 32
		if size >= LINK_HDR_LEN and
		    raw:byte(size + 1) == WIRE_VERSION and
		    link_types[raw:byte(size + 2)] ~= nil then
			return size
		end
		from = at + 1
	end
end

-- Reasons found, in fields a filter or tshark -e can read.
local function add_verdicts(ctx, tree)
	if #ctx.bad > 0 then
		tree:add(f.malformed, ctx:here(0), table.concat(ctx.bad, "; "))
			:set_generated()
	end
	if #ctx.warn > 0 then
		tree:add(f.warning, ctx:here(0), table.concat(ctx.warn, "; "))
			:set_generated()
	end
end

-- One datagram, in @tvb; its line for the info column.
local function dissect_datagram(tvb, pinfo, tree)
	local ctx = new_ctx(tvb, pinfo, tree)
	local ok, err = pcall(dissect_packet, ctx, tree)
	if not ok then
		-- A bug here, not in the packet: say so, and go on.
		ctx:malformed(tree, "dissector failed: " .. tostring(err))
	end
	add_verdicts(ctx, tree)
	return tostring(pinfo.cols.info)
end

function collab.dissector(tvb, pinfo, root)
	pinfo.cols.protocol = "COLLAB"
	local len, size = tvb:len(), gso_size(tvb)
	if not size then
		dissect_datagram(tvb, pinfo, root:add(collab, tvb:range()))
		return len
	end
	local lines, off, n = {}, 0, math.ceil(len / size)
	for i = 1, n do
		local part = math.min(size, len - off)
		local tree = root:add(collab, tvb:range(off, part),
			string.format("Collab, datagram %d of %d (GSO batch)", i, n))
		lines[#lines + 1] = dissect_datagram(tvb:range(off, part):tvb(),
			pinfo, tree)
		off = off + part
	end
	pinfo.cols.info:set(table.concat(lines, " | "))
	return len
end

-- ---- registration ---------------------------------------------------------

-- Whether @tvb starts like a link header: version, a known type, flags.
local function looks_like_collab(tvb)
	if tvb:len() < LINK_HDR_LEN then
		return false
	end
	local version, t = tvb:range(0, 1):uint(), tvb:range(1, 1):uint()
	local flags = tvb:range(2, 1):uint()
	return version == WIRE_VERSION and link_types[t] ~= nil and
		not unknown_bits(flags, LF_KNOWN) and
		not is_zero(tvb:range(32, 16))
end

local function heuristic(tvb, pinfo, root)
	if not collab.prefs.heuristic or not looks_like_collab(tvb) then
		return false
	end
	collab.dissector(tvb, pinfo, root)
	pinfo.conversation = collab
	return true
end

local udp_port = DissectorTable.get("udp.port")
local registered_port = UDP_PORT
udp_port:add(registered_port, collab)
if udp_port.add_for_decode_as then
	udp_port:add_for_decode_as(collab)
end
collab:register_heuristic("udp", heuristic)

function collab.prefs_changed()
	if collab.prefs.port ~= registered_port then
		udp_port:remove(registered_port, collab)
		registered_port = collab.prefs.port
		udp_port:add(registered_port, collab)
	end
end
