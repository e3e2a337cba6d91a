#!/bin/sh
# The RTC as the guest reads it (tests/guests/rtc_read.asm prints the CMOS
# date and time registers on COM1) against the host's clock, as xl.cfg(5)
# documents the keys: the RTC keeps UTC by default, local time with
# localtime = 1, and rtc_timeoffset adds its seconds to either. TZ is set
# to zones off UTC (Asia/Kolkata: +5:30, America/St_Johns: -3:30 or -2:30)
# so a local clock cannot pass for UTC. Allowed error: 5 s (the guest's
# read, the VM's start and the host's `date` are seconds apart).
. "$(dirname "$0")/../lib.sh"
G=$(guest rtc_read) || { fail "assemble rtc_read.asm"; finish; }

# rtc TZ KEYS: run the guest; prints "HOST GUEST1 GUEST2" (seconds since
# the epoch: the host's UTC clock before the run, the guest's two reads
# taken as if they were UTC) and "B=regB"
rtc() {
	printf "name = 'rtc'\nmemory = 32\nkernel = '%s'\nserial = 'file:%s'\nvga = 'none'\non_poweroff = 'destroy'\nlog_dir = '%s'\n%s\n" \
		"$G" "$T/com1.log" "$T/logs" "$2" > "$T/rtc.cfg"
	rm -f "$T/com1.log"
	host=$(date +%s)
	TZ=$1 timeout 60 "$VMST" run "$T/rtc.cfg" > "$T/rtc.out" 2>&1 || { echo "run failed"; return; }
	out="$host"
	for l in $(grep -a '^RTC ' "$T/com1.log" | tr ' ' '_'); do
		set -- $(echo "$l" | tr '_' ' ')
		# cc yy mm dd hh mi ss B, BCD (register B bit 2 clear)
		g=$(date -u -d "$2$3-$4-$5 $6:$7:$8" +%s 2>/dev/null) || g=bad
		out="$out $g"
		b=$9
	done
	echo "$out B=$b"
}

# near EXPECTED ACTUAL: within 5 s
near() { [ "$2" != bad ] && [ $(( $2 - $1 )) -ge -5 ] && [ $(( $2 - $1 )) -le 5 ]; }
later() { [ "$1" != bad ] && [ "$2" != bad ] && [ "$2" -gt "$1" ]; }
# tzoff ZONE: the zone's UTC offset now, in seconds
tzoff() {
	z=$(TZ=$1 date +%z)
	s=${z%????}; h=${z#?}; m=${h#??}; h=${h%??}
	echo $(( ${s}1 * ($(expr "$h" + 0) * 3600 + $(expr "$m" + 0) * 60) ))
}

# case DESCRIPTION TZ KEYS EXPECTED-OFFSET
case1() {
	set -- "$1" "$2" "$3" "$4" $(rtc "$2" "$3")
	what=$1 off=$4 host=$5 g1=${6:-bad} g2=${7:-bad} b=$8
	[ "$g1" = bad ] || echo "INFO: 18_rtc_time: $what: host $host, guest $g1 then $g2 (offset $(( g1 - host )) s, expected $off), $b"
	check "$what: the guest reads the RTC twice, BCD and 24-hour (register B: $b)" [ "$g2" != bad -a "$b" = "B=02" ]
	check "$what: RTC = host + $off s (+-5)" near $((host + off)) "$g1"
	check "$what: the clock runs (second read later)" later "$g1" "$g2"
}

case1 "default" Asia/Kolkata "" 0
case1 "rtc_timeoffset = 3600" Asia/Kolkata "rtc_timeoffset = 3600" 3600
case1 "localtime = 1 (TZ=Asia/Kolkata)" Asia/Kolkata "localtime = 1" "$(tzoff Asia/Kolkata)"
case1 "localtime = 1 (TZ=America/St_Johns)" America/St_Johns "localtime = 1" "$(tzoff America/St_Johns)"
case1 "localtime = 1 with rtc_timeoffset = -7200 (TZ=Asia/Kolkata)" Asia/Kolkata \
	"localtime = 1
rtc_timeoffset = -7200" $(( $(tzoff Asia/Kolkata) - 7200 ))
case1 "rtc_timeoffset = -31536000 (a year back)" UTC "rtc_timeoffset = -31536000" -31536000
finish
