# Network boot through a card's iPXE option ROM (sourced by
# tests/integration/7*_net_*.sh after lib.sh).
#
# netboot_check MODEL PCI_ID: two boots of a VM with vif model=MODEL and
# boot='n'. In the first SeaBIOS runs Debian's iPXE from the card's ROM BAR,
# which gets a lease from slirp's DHCP, fetches netboot.asm's program from
# slirp's TFTP (tftp=, bootfile=) and runs it; it prints on COM1 and powers
# off. In the second its bootfile is an iPXE script that chains the same
# program over HTTP from a server on the VMM's 127.0.0.1, reached at the
# gateway 10.0.2.2: TCP through the card and the NAT. Both need a KVM that
# runs iPXE's mode switches: on kvm-pvm they run in the emulated host.
# PORT_BASE (default from $$) picks the HTTP server's port.
netboot_check() {
	nb_model=$1 nb_id=$2
	mkdir -p "$T/tftp" "$T/www"
	nasm -f bin -o "$T/tftp/netboot.bin" "$TOP/tests/guests/netboot.asm" || fail "assemble netboot.asm"
	cat > "$T/nb.cfg" <<CFG
name = 'net-boot'
memory = 32
boot = 'n'
vif = [ 'model=$nb_model, tftp=$T/tftp, bootfile=netboot.bin' ]
serial = 'file:$T/nb.com1'
debugcon = 'file:$T/nb.dbg'
log_dir = '$T/nblogs'
vnc = 0
CFG
	HPORT=$(( ${PORT_BASE:-$((20000 + $$ % 20000))} + 2 ))
	cp "$T/tftp/netboot.bin" "$T/www/"
	printf '#!ipxe\necho VMST-IPXE-SCRIPT\nchain http://10.0.2.2:%s/netboot.bin\n' "$HPORT" > "$T/tftp/boot.ipxe"
	sed -e "s|bootfile=netboot.bin|bootfile=boot.ipxe|" -e "s|nb.com1|http.com1|" -e "s|nb.dbg|http.dbg|" \
		-e "s|nblogs|httplogs|" "$T/nb.cfg" > "$T/http.cfg"
	cat > "$T/boots.sh" <<'SH'
VMST=$1 T=$2 HPORT=$3
timeout -k 5 300 "$VMST" run "$T/nb.cfg" > "$T/nb.out" 2>&1; echo $? > "$T/nb.rc"
python3 -m http.server --bind 127.0.0.1 --directory "$T/www" "$HPORT" > "$T/http.log" 2>&1 & h=$!
i=0; while ! socat -u OPEN:/dev/null "TCP:127.0.0.1:$HPORT" 2>/dev/null && [ $i -lt 300 ]; do sleep 0.1; i=$((i + 1)); done
timeout -k 5 300 "$VMST" run "$T/http.cfg" > "$T/http.out" 2>&1; echo $? > "$T/http.rc"
kill $h
SH
	if [ -d /sys/module/kvm_pvm ] && [ -z "${VMST_IN_KVMHOST:-}" ]; then
		# iPXE switches to protected mode and back with an IRET that kvm-pvm
		# cannot emulate in guest kernel mode (QEMU stops there too, "emulation
		# failure"): the boots run in the emulated host, whose KVM is real
		echo "INFO: $(basename "$0" .sh): kvm-pvm cannot run iPXE: its boots run in the emulated host (tests/kvmhost)"
		"$TOP/tests/kvmhost/kvmhost" --timeout 1200 --share "$T" -- sh "$T/boots.sh" "$VMST" "$T" "$HPORT" > "$T/host.out" 2>&1 ||
			sed 's/^/  kvmhost: /' "$T/host.out"
	else
		sh "$T/boots.sh" "$VMST" "$T" "$HPORT"
	fi
	rc=$(cat "$T/nb.rc" 2>/dev/null)
	check "SeaBIOS found the card ($nb_id)" grep -aq "PCI: init bdf=00:03.0 id=$nb_id" "$T/nb.dbg"
	check "SeaBIOS ran iPXE from the ROM BAR" grep -aq "Running option rom at" "$T/nb.dbg"
	check "fw_cfg's bootorder names the card (/pci@i0cf8/ethernet@3)" sh -c "grep -A1 'boot order:' '$T/nblogs/vmstation.log' | grep -q '^/pci@i0cf8/ethernet@3\$'"
	check "SeaBIOS looks the card's ROM up in it" grep -aq "Searching bootorder for: /pci@i0cf8/\*@3" "$T/nb.dbg"
	check "SeaBIOS boots from the ROM" grep -aq "Booting from ROM" "$T/nb.dbg"
	check "iPXE on the $nb_model: DHCP from slirp, netboot.bin by TFTP, run: it printed on COM1 and powered off (exit $rc)" \
		sh -c "[ '$rc' = 0 ] && grep -aq 'VMSTATION-NETBOOT OK' '$T/nb.com1'"
	rc=$(cat "$T/http.rc" 2>/dev/null)
	check "iPXE script by TFTP chained netboot.bin over HTTP from the VMM's 127.0.0.1 (exit $rc)" \
		sh -c "[ '$rc' = 0 ] && grep -aq 'VMSTATION-NETBOOT OK' '$T/http.com1'"
	check "the HTTP server beside the VM served it" grep -q '"GET /netboot.bin HTTP/1.[01]" 200' "$T/http.log"
}
